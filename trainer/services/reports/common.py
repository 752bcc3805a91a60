"""What every report shares: the counting rules' constants, the SQL building blocks (the
officers a report counts, periods, works and their language versions), titles, and the audit of
exports."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flask import g, has_request_context
from sqlalchemy import (JSON, Integer, and_, case, cast, column, exists, func, literal, literal_column, or_, select,
                        text, true)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from ...domain import reports as rules
from ...domain.people import GENDERS
from ...extensions import db
from ...i18n import reader_language
from ...models import (Agency, Attendance, AuditEvent, CohortMember, Course, Enrolment, Scenario, ScenarioAttempt,
                       ScenarioVersion, TrainingSession, User)
from ...models_progress import ProgressSummary
from ..audit import record_audit

if TYPE_CHECKING:  # annotations only: filters.py imports this module
    from .filters import ReportFilters


NOT_RECORDED = "not_recorded"
GENDER_FILTERS = GENDERS + (NOT_RECORDED,)
GENDER_ORDER = ("female", "male", "prefer_not_to_say", NOT_RECORDED)
STATUSES = ("not_started", "in_progress", "completed", "passed")
# The same rule as a cohort's attendance (domain/attendance.py): present or late, or an
# excused absence that was caught up.
ATTENDED = ("present", "late")
DECIDED = ("passed", "failed")  # scenario attempts with a final score (not awaiting review)
SCORE_BINS = rules.bin_edges(0, 100, 10)
GAIN_BINS = rules.bin_edges(-100, 100, 20)
PAGE_SIZE = 100
OFFICERS_PER_PAGE = 40
# Task and item analysis reads every attempt's stored result (about 40 kB of JSON each), so it
# looks at the latest attempts only: 500 put an item's wrong-answer share within about
# 2 percentage points, and keep the page near a second at any programme size.
ANALYSIS_SAMPLE = 500


OFFICERS_PER_CHUNK = 2000  # officers whose rows a streamed export reads at a time


WORK_MEM = re.compile(r"^\d{1,6}\s*(kB|MB|GB)$")


def prepare_reading(work_mem: str | None) -> None:
    """Give this transaction's report queries `work_mem` for their sorts and hashes (PostgreSQL;
    SET LOCAL ends with the transaction, so other requests keep the server's setting)."""
    if work_mem and _dialect() == "postgresql" and WORK_MEM.match(work_mem):
        db.session.execute(text(f"SET LOCAL work_mem = '{work_mem}'"))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def in_period(moment, filters: ReportFilters):
    """The condition that a date column falls inside the period (true when no period is set)."""
    conditions = []
    if filters.start:
        conditions.append(moment >= filters.starts_at)
    if filters.end:
        conditions.append(moment < filters.ends_before)
    return and_(true(), *conditions)


def by_end(moment, filters: ReportFilters):
    """The condition that something had happened by the end of the period."""
    return moment < filters.ends_before if filters.end else moment.is_not(None)


def month_of(moment):
    """'YYYY-MM' of a timestamp column, in the database's own words."""
    if _dialect() == "postgresql":
        return func.to_char(moment, "YYYY-MM")
    return func.strftime("%Y-%m", moment)


def whole(expression):
    """floor() of a non-negative number (SQLite's CAST truncates; PostgreSQL's rounds)."""
    if _dialect() == "postgresql":
        return cast(func.floor(expression), Integer)
    return cast(expression, Integer)


def bin_of(expression, edges: Sequence[float]):
    """The histogram bin index of a value, in SQL; the top edge belongs to the last bin."""
    lo, hi, count = edges[0], edges[-1], len(edges) - 1
    index = whole((expression - lo) * count / (hi - lo))
    return case((expression >= hi, count - 1), (expression < lo, 0), else_=index)


def json_elements(document, key: str, name: str, parsed: bool = False):
    """The elements of the JSON array document[key] as rows: (alias, index from 0, value).

    The index, not a field read from the element, identifies a task: reading a field re-parses
    the element's text, which for a task with all its feedback is costly on every row. On
    PostgreSQL the document is cast to jsonb once (unless already `parsed`), so reading fields
    of the elements costs no further parsing.
    """
    if _dialect() == "postgresql":
        source = document if parsed else cast(document, JSONB)
        elements = (func.jsonb_array_elements(source.op("->")(key))
                    .table_valued(column("value", JSONB), with_ordinality="position").render_derived(name=name))
        return elements, elements.c.position - 1, elements.c.value
    elements = func.json_each(document, f"$.{key}").table_valued(column("key", Integer), column("value", JSON)).alias(name)
    return elements, elements.c.key, elements.c.value


def json_object_agg(key, value):
    """The group's rows as one JSON object (key -> value), read back as a dict: one row per group
    crosses to Python instead of one per row, which for tens of thousands of small rows is most
    of a page's time (each value of each row is converted on its own)."""
    name = "json_object_agg" if _dialect() == "postgresql" else "json_group_object"
    return getattr(func, name)(key, value, type_=JSON)


def work_targets(model) -> dict[int, int]:
    """Ids of the versions that are not their work's first version -> that first id (the work's
    target id); read once per request (a few dozen rows)."""
    cache = g.setdefault("report_work_targets", {}) if has_request_context() else {}
    if model.__name__ not in cache:
        firsts: dict[str, int] = {}
        mapping = {}
        for item_id, work in db.session.execute(select(model.id, model.work).order_by(model.id)):
            target = firsts.setdefault(work, item_id)
            if target != item_id:
                mapping[item_id] = target
        cache[model.__name__] = mapping
    return cache[model.__name__]


def target_expression(model, column):
    """The work's target id of a course or scenario id column, in SQL: a CASE over the versions
    that are translations (the column itself when there are none). Written into the query, not
    joined, so the planner estimates what follows from the real row counts."""
    mapping = work_targets(model)
    return case(mapping, value=column, else_=column) if mapping else column


def _targets(model, name: str):
    """model id -> the work's target id (its first id) and the version's language, as a subquery."""
    return select(model.id.label("item_id"), model.language.label("language"),
                  target_expression(model, model.id).label("target_id")).subquery(name)


def course_targets():
    """Course id -> target_id (the work's first course id) and language."""
    return _targets(Course, "course_target")


def scenario_targets():
    """Scenario id -> target_id (the work's first scenario id) and language."""
    return _targets(Scenario, "scenario_target")


def _chosen(model, chosen_id: int | None, language: str | None):
    """Ids of the versions counted: those of the chosen item's work and language; None: all."""
    conditions = []
    if chosen_id is not None:
        chosen = aliased(model)
        conditions.append(model.work == select(chosen.work).where(chosen.id == chosen_id).scalar_subquery())
    if language:
        conditions.append(model.language == language)
    return select(model.id).where(*conditions) if conditions else None


def course_ids(filters: ReportFilters):
    """A query of the course ids the filters count (a chosen course's whole work, in the chosen
    language), or None when every course counts."""
    return _chosen(Course, filters.course_id, filters.language)


def scenario_ids(filters: ReportFilters):
    """A query of the scenario ids the filters count, or None when every scenario counts."""
    return _chosen(Scenario, filters.scenario_id, filters.language)


def target_of(kind: str, item_id: int | None) -> int | None:
    """The target id (work) of a course or scenario id."""
    if item_id is None:
        return None
    targets = course_targets() if kind == "course" else scenario_targets()
    return db.session.scalar(select(targets.c.target_id).where(targets.c.item_id == item_id))


class People:
    """The officers a report counts, joined straight onto a query's user id column.

    Joined as base tables (not a subquery) so both databases reach users by primary key:
    SQLite will not index a materialised subquery and would compare every row with every row.
    """

    GROUP = ("country", "agency_id", "agency", "gender")

    def __init__(self, filters: ReportFilters):
        self.user = aliased(User, name="officer")
        self.agency = aliased(Agency, name="officer_agency")
        self.country = func.coalesce(self.user.country, self.agency.country)
        # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
        self.gender = func.coalesce(self.user.gender, literal_column(f"'{NOT_RECORDED}'"))
        self.conditions = [self.user.role == filters.role]
        if filters.country:
            self.conditions.append(self.country == filters.country)
        if filters.agency_id:
            self.conditions.append(self.user.agency_id == filters.agency_id)
        if filters.gender == NOT_RECORDED:
            self.conditions.append(self.user.gender.is_(None))
        elif filters.gender:
            self.conditions.append(self.user.gender == filters.gender)
        if filters.cohort_id:
            # Aliased: a query that itself joins cohort_members must not swallow this one.
            membership = aliased(CohortMember, name="membership")
            self.conditions.append(exists().where(membership.user_id == self.user.id,
                                                  membership.cohort_id == filters.cohort_id))

    def join(self, query: Select, user_id) -> Select:
        """The query restricted to these officers, with their columns available."""
        return (query.join(self.user, self.user.id == user_id)
                .outerjoin(self.agency, self.agency.id == self.user.agency_id).where(*self.conditions))

    def group_columns(self) -> list:
        """country, agency_id, agency, gender: what donors ask figures to be broken down by."""
        return [self.country.label("country"), self.user.agency_id.label("agency_id"),
                self.agency.name.label("agency"), self.gender.label("gender")]

    def detail_columns(self) -> list:
        """The columns of a per-officer list."""
        # Officers without an email address are named by their username.
        return [self.user.id.label("user_id"), self.user.full_name,
                func.coalesce(self.user.email, self.user.username).label("email"), *self.group_columns()]

    def select(self, *columns) -> Select:
        """A query over these officers alone."""
        return (select(*columns).select_from(self.user)
                .outerjoin(self.agency, self.agency.id == self.user.agency_id).where(*self.conditions))


def false_():
    """A condition no row meets (a figure the course/scenario filters leave out)."""
    return literal(1) == literal(0)


def trained(filters: ReportFilters, user_id):
    """The condition that an officer (a user id column) was trained in the period: started a course
    or scenario, or attended a session. Each part is a set the database builds once and looks the
    officer up in, not a union of every such row sorted for repeats."""
    parts = []
    if filters.counts_courses:
        query = select(Enrolment.user_id).where(in_period(Enrolment.started_at, filters))
        if course_ids(filters) is not None:
            query = query.where(Enrolment.course_id.in_(course_ids(filters)))
        parts.append(query)
    if filters.counts_scenarios:
        query = (select(ScenarioAttempt.user_id).join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
                 .where(in_period(ScenarioAttempt.started_at, filters)))
        if scenario_ids(filters) is not None:
            query = query.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
        parts.append(query)
    if filters.counts_sessions:
        parts.append(select(Attendance.user_id).join(TrainingSession, TrainingSession.id == Attendance.session_id)
                     .where(Attendance.status.in_(ATTENDED), in_period(TrainingSession.starts_at, filters)))
    return or_(*[user_id.in_(part) for part in parts])


def course_firsts(filters: ReportFilters) -> Select:
    """A query of one row per officer and course work they completed or were certified in: (user_id,
    target_id, completed, issued), the first completion and the first certificate of the work
    (in any counted language version), at any time; `counted()` says whether one falls in the
    period. Read from the progress read model, in one pass for both: a revoked certificate has
    already withdrawn the completion and the certificate it attested there."""
    targets = course_targets()
    summary = ProgressSummary
    query = (select(summary.user_id, targets.c.target_id, func.min(summary.completed_at).label("completed"),
                    func.min(summary.issued_at).label("issued"))
             .join(targets, targets.c.item_id == summary.item_id)
             .where(summary.kind == "course", or_(summary.completed_at.is_not(None), summary.issued_at.is_not(None)))
             .group_by(summary.user_id, targets.c.target_id))
    if course_ids(filters) is not None:
        query = query.where(summary.item_id.in_(course_ids(filters)))
    if not filters.counts_courses:
        query = query.where(false_())
    return query


def counted(moment, filters: ReportFilters):
    """The condition that a first moment (of course_firsts) happened, inside the period."""
    return and_(moment.is_not(None), in_period(moment, filters))


def scenario_outcomes(filters: ReportFilters):
    """One row per officer and scenario with a final score in the period: passed (1) or not (0)."""
    targets = scenario_targets()
    query = (select(ScenarioAttempt.user_id, targets.c.target_id.label("scenario_id"),
                    func.max(case((ScenarioAttempt.status == "passed", 1), else_=0)).label("passed"))
             .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
             .join(targets, targets.c.item_id == ScenarioVersion.scenario_id)
             .where(ScenarioAttempt.status.in_(DECIDED), ScenarioAttempt.submitted_at.is_not(None),
                    in_period(ScenarioAttempt.submitted_at, filters))
             .group_by(ScenarioAttempt.user_id, targets.c.target_id))
    if scenario_ids(filters) is not None:
        query = query.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
    if not filters.counts_scenarios:
        query = query.where(false_())
    return query.subquery("outcome")


def _count_by(inner, *names: str) -> Select:
    """count(*) of a subquery grouped by some of its columns (computed columns are grouped by
    name, so PostgreSQL never has to match two copies of an expression with parameters)."""
    keys = [inner.c[name] for name in names]
    return select(*keys, func.count().label("n")).group_by(*keys)


def target_titles() -> dict[tuple[str, int], str]:
    """("course" | "scenario", target id) -> the work's title in the reader's language (else
    the original's, else its first version's)."""
    language = reader_language()
    titles = {}
    for kind, model in (("course", Course), ("scenario", Scenario)):
        works: dict[str, list] = {}
        for row in db.session.execute(select(model.id, model.slug, model.work, model.title, model.language)
                                      .order_by(model.id)):
            works.setdefault(row.work or row.slug, []).append(row)
        for work, versions in works.items():
            chosen = (next((v for v in versions if v.language == language), None)
                      or next((v for v in versions if v.slug == work), versions[0]))
            titles[(kind, versions[0].id)] = chosen.title
    return titles


def record_export(user, action: str, filters: ReportFilters, rows: int, **detail) -> AuditEvent:
    """Log who exported what with which filters (the caller commits)."""
    return record_audit(action, user, filters=filters.as_args(), rows=rows, **detail)
