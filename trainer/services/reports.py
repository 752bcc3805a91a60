"""Programme reports: every figure aggregated in SQL, narrowed by one ReportFilters value.

Each function runs one grouped query (a handful for a page) whatever the number of officers;
Python only rolls up the few dozen group rows a query returns (countries x agencies x genders)
so that every breakdown adds up to its total by construction.

Definitions shown to managers on the pages:
- officers: users with the chosen role (trainee by default), matching the people filters
  (country of the officer, else of their agency; agency; cohort membership; gender);
- a period bounds the date of what is counted (course started or completed, certificate
  issued, session held, test or scenario submitted); completion statuses are as they stood
  at the end of the period;
- a course or scenario filter picks what is counted: choose a course and only that course is
  counted (scenario figures are then empty), and the other way round;
- a course and its translations are one work (Course.work, Scenario.work): an officer's
  completion of a work counts once whichever language version they took, rows are grouped by
  work (target_id: the work's first course or scenario id) and titled in the reader's language;
  choosing a course counts its whole work, and a language filter counts only what was taken in
  that language (sessions, which belong to no language, are then left out).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import (JSON, Integer, and_, case, cast, column, exists, func, literal, literal_column, null,
                        or_, select, text, true, union, union_all)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from ..domain import reports as rules
from ..domain.courses import LANGUAGES
from ..domain.people import COUNTRIES, GENDERS, ROLES
from ..extensions import db
from ..i18n import reader_language, translate
from ..models import (
    Agency, Assignment, AttemptItem, Attendance, AuditEvent, Certificate, Cohort, CohortMember, Course, Enrolment,
    Lesson, LessonProgress, QuizAttempt, Scenario, ScenarioAttempt, ScenarioVersion, TrainingSession, User, utcnow,
)
from .audit import record_audit
from .scenarios import scenario_for

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


# -- filters ------------------------------------------------------------------------------

class FilterError(ValueError):
    """The report filters in a URL are not valid; `problems` says what, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ReportFilters:
    """What a report counts: a period (inclusive dates) and who and what to count."""

    start: date | None = None
    end: date | None = None
    country: str | None = None
    agency_id: int | None = None
    cohort_id: int | None = None
    course_id: int | None = None
    scenario_id: int | None = None
    gender: str | None = None
    role: str = "trainee"
    language: str | None = None  # the language a course or scenario was taken in

    ARG_NAMES = {"start": "from", "end": "to", "agency_id": "agency", "cohort_id": "cohort",
                 "course_id": "course", "scenario_id": "scenario"}

    @property
    def starts_at(self) -> datetime | None:
        """The first moment of the period (UTC, as stored)."""
        return datetime.combine(self.start, time.min) if self.start else None

    @property
    def ends_before(self) -> datetime | None:
        """The first moment after the period: the end date counts whole."""
        return datetime.combine(self.end + timedelta(days=1), time.min) if self.end else None

    @property
    def counts_courses(self) -> bool:
        """Course figures count unless only a scenario was chosen."""
        return self.course_id is not None or self.scenario_id is None

    @property
    def counts_scenarios(self) -> bool:
        """Scenario figures count unless only a course was chosen."""
        return self.scenario_id is not None or self.course_id is None

    @property
    def counts_sessions(self) -> bool:
        """Sessions belong to no course, scenario or language: counted when none is chosen."""
        return self.course_id is None and self.scenario_id is None and self.language is None

    def as_args(self) -> dict[str, str]:
        """The filters as URL arguments, defaults left out (for links, exports and the audit log)."""
        args = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None and value != item.default:
                args[self.ARG_NAMES.get(item.name, item.name)] = value.isoformat() if isinstance(value, date) else str(value)
        return args


def parse_filters(args: Mapping[str, str]) -> ReportFilters:
    """Read filters from URL arguments; raises FilterError naming every bad value."""
    problems: list[str] = []

    def text(name: str) -> str:
        return (args.get(name) or "").strip()

    def day(name: str) -> date | None:
        value = text(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems.append(_("“%(value)s” is not a date for “%(name)s”: write it as YYYY-MM-DD.", value=value, name=name))
            return None

    def row_id(name: str, model, what: str, by_name: bool = False) -> int | None:
        value = text(name)
        if not value:
            return None
        chosen = CHOSEN.search(value) if by_name else None
        if chosen:  # "Name (#12)", as the type-to-search field offers it
            value = chosen.group(1)
        elif by_name and not value.isdigit():
            return named_id(model, value, what)
        if not value.isdigit():
            problems.append(_("The %(what)s “%(value)s” is not an id number.", value=value, what=what))
            return None
        if db.session.get(model, int(value)) is None:
            problems.append(_("There is no %(what)s with id %(value)s.", what=what, value=value))
            return None
        return int(value)

    def named_id(model, value: str, what: str) -> int | None:
        found = [row_id for row_id, _name in choice_rows(model, value, 2, exact=True)]
        if len(found) == 1:
            return found[0]
        if found:
            problems.append(_("Filter “%(what)s”: more than one is called “%(value)s”; choose one from the list.",
                              what=what, value=value))
        else:
            problems.append(_("Filter “%(what)s”: none is called “%(value)s”; choose one from the list or write "
                              "its number.", what=what, value=value))
        return None

    def code(name: str, allowed: Sequence[str], upper: bool = False) -> str | None:
        value = text(name)
        value = value.upper() if upper else value.lower()
        if value and value not in allowed:
            problems.append(_("“%(value)s” is not a valid %(name)s (expected one of: %(allowed)s).",
                              value=value, name=name, allowed=", ".join(allowed)))
            return None
        return value or None

    filters = ReportFilters(
        start=day("from"), end=day("to"), country=code("country", COUNTRIES, upper=True),
        agency_id=row_id("agency", Agency, _("agency"), by_name=True),
        cohort_id=row_id("cohort", Cohort, _("cohort"), by_name=True),
        course_id=row_id("course", Course, _("course")), scenario_id=row_id("scenario", Scenario, _("scenario")),
        gender=code("gender", GENDER_FILTERS), role=code("role", ROLES) or "trainee",
        language=code("language", content_languages()),
    )
    if filters.start and filters.end and filters.start > filters.end:
        problems.append(_("The period starts (%(start)s) after it ends (%(end)s).",
                          start=filters.start.isoformat(), end=filters.end.isoformat()))
    if problems:
        raise FilterError(problems)
    return filters


def content_languages() -> tuple[str, ...]:
    """Languages a course or scenario can be taken in: the content format's and any stored."""
    stored = set(db.session.scalars(select(Course.language).distinct()))
    stored |= set(db.session.scalars(select(Scenario.language).distinct()))
    return tuple(sorted(set(LANGUAGES) | {code for code in stored if code}))


# A choice as the type-to-search fields write it: "Bishkek webinar, 25–26 November (#12)".
CHOSEN = re.compile(r"\(#(\d+)\)\s*$")
CHOICES_SHOWN = 20  # suggestions a type-to-search field offers at a time


def choice_label(model, row_id: int | None) -> str:
    """A cohort or agency as its type-to-search field shows it, "Name (#id)"; "" for none."""
    if row_id is None:
        return ""
    found = db.session.get(model, row_id)
    return f"{_choice_name(model, found)} (#{row_id})" if found else ""


def _choice_name(model, row) -> str:
    return f"{row.name} · {row.country}" if model is Agency else row.name


def choice_rows(model, text: str, limit: int = CHOICES_SHOWN, exact: bool = False) -> list[tuple[int, str]]:
    """(id, name) of cohorts or agencies whose name contains `text` (or is it, with `exact`),
    whatever the case of its letters; cohorts newest first, agencies by country and name.
    Every cohort of the programme stays out of the page: the field asks for a few at a time."""
    name = model.name
    order = (Cohort.start_date.desc(), Cohort.name, Cohort.id) if model is Cohort else (Agency.country, Agency.name)
    query = select(model).order_by(*order)
    wanted = text.strip().lower()
    if _dialect() == "postgresql":  # lower() knows every alphabet there; SQLite's only ASCII
        pattern = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = func.lower(name) == wanted if exact else func.lower(name).like(f"%{pattern}%", escape="\\")
        rows = db.session.scalars(query.where(condition).limit(limit))
    else:
        rows = (row for row in db.session.scalars(query.execution_options(yield_per=500))
                if (row.name.lower() == wanted if exact else wanted in row.name.lower()))
    found = []
    for row in rows:
        found.append((row.id, _choice_name(model, row)))
        if len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: cohorts and agencies are typed and searched (see choice_rows);
    what is chosen is shown as its field's text."""

    courses: list[tuple[int, str]]  # one per work: its first id, its title in the reader's language
    scenarios: list[tuple[int, str]]
    languages: tuple[str, ...] = ()
    agency: str = ""  # the chosen agency as "Name · country (#id)"
    cohort: str = ""


def filter_choices(filters: ReportFilters | None = None) -> FilterChoices:
    """Works (courses and scenarios) and languages to pick from, and the chosen agency and cohort."""
    titles = target_titles()
    works = lambda kind: sorted(((target, title) for (k, target), title in titles.items() if k == kind),
                                key=lambda pair: pair[1])
    return FilterChoices(
        courses=works("course"), scenarios=works("scenario"), languages=content_languages(),
        agency=choice_label(Agency, filters.agency_id) if filters else "",
        cohort=choice_label(Cohort, filters.cohort_id) if filters else "",
    )


# -- SQL building blocks --------------------------------------------------------------------

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


def trained_users(filters: ReportFilters):
    """Officers trained in the period: started a course or scenario, or attended a session."""
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
    # UNION removes repeats; a single part (an officer's two attempts) needs DISTINCT instead.
    return (parts[0].distinct() if len(parts) == 1 else union(*parts)).subquery("trained")


def _first_per_work(filters: ReportFilters, model, moment, name: str):
    """One row per officer and course work: (user_id, target_id, moment), the first time the
    work was completed (in any counted language version), when that falls in the period."""
    targets = course_targets()
    first = func.min(moment)
    query = (select(model.user_id, targets.c.target_id, first.label("moment"))
             .join(targets, targets.c.item_id == model.course_id)
             .where(moment.is_not(None)).group_by(model.user_id, targets.c.target_id))
    if course_ids(filters) is not None:
        query = query.where(model.course_id.in_(course_ids(filters)))
    if filters.start:
        query = query.having(first >= filters.starts_at)
    if filters.end:
        query = query.having(first < filters.ends_before)
    if not filters.counts_courses:
        query = query.where(false_())
    return query.subquery(name)


def completions_in_period(filters: ReportFilters):
    """Officer x course work completed in the period (counted once whichever language)."""
    return _first_per_work(filters, Enrolment, Enrolment.completed_at, "completion")


def certificates_in_period(filters: ReportFilters):
    """Officer x course work whose (first) certificate was issued in the period."""
    return _first_per_work(filters, Certificate, Certificate.issued_at, "issued")


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


# -- overview and disaggregation -------------------------------------------------------------

PEOPLE_MEASURES = ("officers", "trained", "completers", "completions", "certified", "certificates",
                   "scenario_takers", "scenario_passers")


def people_groups(filters: ReportFilters) -> list[dict]:
    """One row per (country, agency, gender) group with every people measure.

    One grouped query: the officers, each joined (by user id) to what they did in the period,
    counted per officer first; the group rows (a few dozen) then roll up, so every breakdown
    adds up to its total.
    """
    people = People(filters)
    keys = people.group_columns()
    trained = trained_users(filters)

    def per_officer(source, name, *columns):
        return select(source.c.user_id, *columns).group_by(source.c.user_id).subquery(name)

    completed = per_officer(completions_in_period(filters), "officer_completions", func.count().label("n"))
    issued = per_officer(certificates_in_period(filters), "officer_certificates", func.count().label("n"))
    outcome = scenario_outcomes(filters)
    outcomes = per_officer(outcome, "officer_outcomes", func.max(outcome.c.passed).label("passed"))
    officer_id = people.user.id
    query = (people.select(*keys, func.count().label("officers"), func.count(trained.c.user_id).label("trained"),
                           func.count(completed.c.user_id).label("completers"),
                           func.coalesce(func.sum(completed.c.n), 0).label("completions"),
                           func.count(issued.c.user_id).label("certified"),
                           func.coalesce(func.sum(issued.c.n), 0).label("certificates"),
                           func.count(outcomes.c.user_id).label("scenario_takers"),
                           func.coalesce(func.sum(outcomes.c.passed), 0).label("scenario_passers"))
             .outerjoin(trained, trained.c.user_id == officer_id)
             .outerjoin(completed, completed.c.user_id == officer_id)
             .outerjoin(issued, issued.c.user_id == officer_id)
             .outerjoin(outcomes, outcomes.c.user_id == officer_id)
             .group_by(*keys))
    return [{name: (int(value) if name in PEOPLE_MEASURES else value) for name, value in row._mapping.items()}
            for row in db.session.execute(query)]


def rollup(groups: list[dict], keys: Sequence[str], order=None) -> list[dict]:
    """Sum the measures of group rows by some of their keys, with shares of the total trained."""
    totals: dict[tuple, dict] = {}
    for group in groups:
        key = tuple(group[k] for k in keys)
        row = totals.setdefault(key, {**{k: group[k] for k in keys}, **dict.fromkeys(PEOPLE_MEASURES, 0)})
        for measure in PEOPLE_MEASURES:
            row[measure] += group[measure]
    trained_total = sum(group["trained"] for group in groups)
    rows = sorted(totals.values(), key=order or (lambda row: tuple(str(row[k] or "~") for k in keys)))
    for row in rows:
        _shares(row, trained_total)
    return rows


def _shares(row: dict, trained_total: int) -> dict:
    row["trained_percent"] = rules.percent(row["trained"], trained_total)
    row["completers_percent"] = rules.percent(row["completers"], row["trained"])
    row["certified_percent"] = rules.percent(row["certified"], row["trained"])
    row["pass_percent"] = rules.percent(row["scenario_passers"], row["scenario_takers"])
    return row


def gender_order(row: dict) -> int:
    return GENDER_ORDER.index(row["gender"]) if row["gender"] in GENDER_ORDER else len(GENDER_ORDER)


def _agency_order(row: dict) -> tuple:
    return str(row["country"] or "~"), str(row["agency"] or "~")


@dataclass(frozen=True)
class Disaggregation:
    """People figures by country, agency, gender and agency x gender; each sums to `total`."""

    total: dict
    by_country: list[dict]
    by_agency: list[dict]
    by_gender: list[dict]
    by_agency_gender: list[dict]


def disaggregation(filters: ReportFilters) -> Disaggregation:
    """Donor breakdowns of the people figures."""
    groups = people_groups(filters)
    total = _shares({m: sum(g[m] for g in groups) for m in PEOPLE_MEASURES}, sum(g["trained"] for g in groups))
    return Disaggregation(
        total=total,
        by_country=rollup(groups, ("country",)),
        by_agency=rollup(groups, ("country", "agency_id", "agency"), order=_agency_order),
        by_gender=_every_gender(rollup(groups, ("gender",), order=gender_order)),
        by_agency_gender=rollup(groups, ("country", "agency_id", "agency", "gender"),
                                order=lambda row: (*_agency_order(row), gender_order(row))),
    )


def _every_gender(rows: list[dict]) -> list[dict]:
    """All four gender categories, in order, zeros included: donors expect to see each one."""
    present = {row["gender"]: row for row in rows}
    empty = {**dict.fromkeys(PEOPLE_MEASURES, 0)}
    return [present.get(code) or _shares({"gender": code, **empty}, 0) for code in GENDER_ORDER] + \
        [row for row in rows if row["gender"] not in GENDER_ORDER]


@dataclass(frozen=True)
class Overview:
    """The headline figures and what the overview page draws."""

    officers_trained: int
    courses_completed: int
    certificates_issued: int
    attendance: dict
    gain: dict
    scenarios: dict
    people: Disaggregation
    trend: list[dict]


def overview(filters: ReportFilters) -> Overview:
    """Headline figures, breakdowns and the monthly trend for the period."""
    people = disaggregation(filters)
    total = people.total
    return Overview(
        officers_trained=total["trained"],
        courses_completed=total["completions"],
        certificates_issued=total["certificates"],
        attendance=attendance_totals(filters),
        gain=gain_total(filters),
        scenarios={"officers": total["scenario_takers"], "passed": total["scenario_passers"],
                   "pass_percent": total["pass_percent"]},
        people=people,
        trend=trend(filters),
    )


def trend(filters: ReportFilters) -> list[dict]:
    """Per month: course completions, certificates issued, first scenario passes (zeros filled)."""
    people = People(filters)
    targets = scenario_targets()
    first_pass = (select(ScenarioAttempt.user_id, func.min(ScenarioAttempt.submitted_at).label("moment"))
                  .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
                  .join(targets, targets.c.item_id == ScenarioVersion.scenario_id)
                  .where(ScenarioAttempt.status == "passed", in_period(ScenarioAttempt.submitted_at, filters))
                  .group_by(ScenarioAttempt.user_id, targets.c.target_id))
    if scenario_ids(filters) is not None:
        first_pass = first_pass.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
    if not filters.counts_scenarios:
        first_pass = first_pass.where(false_())
    first_pass = first_pass.subquery("first_pass")
    completed, issued = completions_in_period(filters), certificates_in_period(filters)
    sources = (("completions", completed), ("certificates", issued), ("scenario_passes", first_pass))
    # One statement: each source's months, then counted per series and month.
    inner = union_all(*[people.join(select(literal(name).label("series"), month_of(source.c.moment).label("month"))
                                    .select_from(source), source.c.user_id) for name, source in sources]).subquery()
    series = {name: {} for name, _source in sources}
    for name, month, count in db.session.execute(_count_by(inner, "series", "month")):
        series[name][month] = count
    months = month_range(filters, [m for values in series.values() for m in values])
    return [{"month": m, **{name: values.get(m, 0) for name, values in series.items()}} for m in months]


def month_range(filters: ReportFilters, seen: list[str]) -> list[str]:
    """Every month from the period's start (or the first month seen) to its end (or the last)."""
    first = filters.start.strftime("%Y-%m") if filters.start else min(seen, default=None)
    last = filters.end.strftime("%Y-%m") if filters.end else max(seen, default=None)
    if first is None or last is None:
        return []
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last and len(months) < 240:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# -- attendance ------------------------------------------------------------------------------

def _attendance_places(filters: ReportFilters):
    """Session x member places of sessions held in the period, each with its mark (if any)."""
    query = (select(TrainingSession.id.label("session_id"), TrainingSession.cohort_id,
                    month_of(TrainingSession.starts_at).label("month"),
                    Attendance.id.label("mark_id"), Attendance.status, Attendance.caught_up_at)
             .select_from(TrainingSession)
             .join(CohortMember, CohortMember.cohort_id == TrainingSession.cohort_id))
    query = (People(filters).join(query, CohortMember.user_id)
             .outerjoin(Attendance, and_(Attendance.session_id == TrainingSession.id,
                                         Attendance.user_id == CohortMember.user_id))
             .where(in_period(TrainingSession.starts_at, filters),
                    TrainingSession.starts_at <= utcnow().replace(tzinfo=None)))
    if filters.cohort_id:
        query = query.where(TrainingSession.cohort_id == filters.cohort_id)
    if not filters.counts_sessions:
        query = query.where(false_())
    return query.subquery("place")


def _attendance_measures(place) -> list:
    def count_when(condition, name):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)

    attended = or_(place.c.status.in_(ATTENDED), and_(place.c.status == "excused", place.c.caught_up_at.is_not(None)))
    return [
        func.count().label("expected"),
        count_when(attended, "attended"),
        count_when(place.c.status == "present", "present"),
        count_when(place.c.status == "late", "late"),
        count_when(place.c.status == "absent", "absent"),
        count_when(place.c.status == "excused", "excused"),
        count_when(and_(place.c.status == "excused", place.c.caught_up_at.is_not(None)), "caught_up"),
        count_when(place.c.mark_id.is_(None), "unrecorded"),
    ]


ATTENDANCE_MEASURES = ("expected", "attended", "present", "late", "absent", "excused", "caught_up", "unrecorded")


def _with_rate(row) -> dict:
    row = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    row["rate"] = rules.percent(row["attended"], row["expected"])
    return row


def attendance_totals(filters: ReportFilters) -> dict:
    """Places, marks by status and the attendance rate over all sessions held in the period."""
    place = _attendance_places(filters)
    row = db.session.execute(select(*_attendance_measures(place),
                                    func.count(func.distinct(place.c.session_id)).label("sessions"))).one()
    return _with_rate(row)


@dataclass(frozen=True)
class AttendanceReport:
    total: dict
    by_cohort: list[dict]
    sessions: list[dict]  # one page of sessions, newest first
    session_count: int
    by_month: list[dict]


def attendance(filters: ReportFilters, page: int | None = 1) -> AttendanceReport:
    """Attendance per cohort, per session (a page of them; all when page is None) and per month.

    One grouped query, per session (a few thousand rows at the largest programmes); cohorts,
    months and the total are summed from its rows.
    """
    place = _attendance_places(filters)
    per_session = (select(place.c.session_id, place.c.cohort_id, place.c.month, Cohort.name.label("cohort"),
                          Cohort.start_date, TrainingSession.starts_at, TrainingSession.topic,
                          *_attendance_measures(place))
                   .select_from(place).join(TrainingSession, TrainingSession.id == place.c.session_id)
                   .join(Cohort, Cohort.id == place.c.cohort_id)
                   .group_by(place.c.session_id, place.c.cohort_id, place.c.month, Cohort.name, Cohort.start_date,
                             TrainingSession.starts_at, TrainingSession.topic))
    sessions = [_with_rate(row) for row in db.session.execute(per_session)]
    cohorts: dict[int, dict] = {}
    months: dict[str, dict] = {}
    for row in sessions:
        cohort = cohorts.setdefault(row["cohort_id"], {"cohort_id": row["cohort_id"], "cohort": row["cohort"],
                                                       "start_date": row["start_date"], "sessions": 0,
                                                       **dict.fromkeys(ATTENDANCE_MEASURES, 0)})
        month = months.setdefault(row["month"], {"month": row["month"], **dict.fromkeys(ATTENDANCE_MEASURES, 0)})
        cohort["sessions"] += 1
        for measure in ATTENDANCE_MEASURES:
            cohort[measure] += row[measure]
            month[measure] += row[measure]
    by_cohort = sorted(cohorts.values(), key=lambda row: row["cohort"])
    by_cohort.sort(key=lambda row: row["start_date"] or date.min, reverse=True)
    total = _with_rate({**{m: sum(row[m] for row in sessions) for m in ATTENDANCE_MEASURES},
                        "sessions": len(sessions)})
    sessions.sort(key=lambda row: row["session_id"])
    sessions.sort(key=lambda row: row["starts_at"], reverse=True)
    if page is not None:
        sessions = sessions[(max(page, 1) - 1) * PAGE_SIZE:max(page, 1) * PAGE_SIZE]
    return AttendanceReport(total, [_with_rate(row) for row in by_cohort], sessions, total["sessions"],
                            [_with_rate(months[month]) for month in sorted(months)])


# -- knowledge gain --------------------------------------------------------------------------

def gain_pairs(filters: ReportFilters):
    """(officer, course) pairs with both tests (a subquery): see gain_pair_query."""
    return gain_pair_query(filters).subquery("pair")


def gain_pair_query(filters: ReportFilters) -> Select:
    """(officer, course) pairs with both tests: the first pre-test and the best post-test
    submitted in the period. Officers who took only one of the two are not counted."""
    pre_test = and_(QuizAttempt.kind == "pre_test", by_end(QuizAttempt.submitted_at, filters))
    post_test = and_(QuizAttempt.kind == "post_test", QuizAttempt.submitted_at.is_not(None),
                     in_period(QuizAttempt.submitted_at, filters))
    # One pass over the attempts, grouped by officer and course, then the first pre-test by
    # primary key: no join between derived tables, whose plan SQLite (without statistics)
    # may get badly wrong.
    # Grouped by work: a pre-test in English and a post-test in Russian make one pair.
    targets = course_targets()
    tests = (select(QuizAttempt.user_id, targets.c.target_id.label("course_id"),
                    func.min(case((pre_test, QuizAttempt.id))).label("pre_id"),
                    func.max(case((post_test, QuizAttempt.score_percent))).label("post"))
             .join(targets, targets.c.item_id == QuizAttempt.course_id)
             .where(QuizAttempt.kind.in_(("pre_test", "post_test")), QuizAttempt.score_percent.is_not(None))
             .group_by(QuizAttempt.user_id, targets.c.target_id))
    if course_ids(filters) is not None:
        tests = tests.where(QuizAttempt.course_id.in_(course_ids(filters)))
    if not filters.counts_courses:
        tests = tests.where(false_())
    tests = tests.subquery("tests")
    pre = aliased(QuizAttempt, name="pre")
    query = (select(tests.c.user_id, tests.c.course_id, pre.score_percent.label("pre"), tests.c.post,
                    (tests.c.post - pre.score_percent).label("gain"), tests.c.pre_id)
             .select_from(tests).join(pre, pre.id == tests.c.pre_id)
             .where(tests.c.post.is_not(None)))
    return People(filters).join(query, tests.c.user_id)


def _gain_summary(pairs, group: Sequence[str]) -> Select:
    """n, means, share improved and the median gain of pairs per group (a window-function median:
    the mean of the one or two middle rows)."""
    partition = [pairs.c[name] for name in group] or None
    ranked = select(*[pairs.c[name] for name in group], pairs.c.pre, pairs.c.post, pairs.c.gain,
                    func.row_number().over(partition_by=partition, order_by=pairs.c.gain).label("rn"),
                    func.count().over(partition_by=partition).label("n")).subquery("ranked_gain")
    keys = [ranked.c[name] for name in group]
    middle = ranked.c.rn.between((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2)
    return (select(*keys, func.count().label("officers"), func.avg(ranked.c.pre).label("mean_pre"),
                   func.avg(ranked.c.post).label("mean_post"), func.avg(ranked.c.gain).label("mean_gain"),
                   func.sum(case((ranked.c.gain > 0, 1), else_=0)).label("improved"),
                   func.avg(case((middle, ranked.c.gain))).label("median_gain"))
            .group_by(*keys))


def _gain_row(row) -> dict:
    row = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    row["normalised_gain"] = rules.normalised_gain(row.get("mean_pre"), row.get("mean_post"))
    for name in ("mean_pre", "mean_post", "mean_gain", "median_gain"):
        row[name] = None if row[name] is None else round(float(row[name]), 1)
    row["improved_percent"] = rules.percent(row["improved"], row["officers"])
    return row


def gain_total(filters: ReportFilters) -> dict:
    """Knowledge gain over every pair in the filters."""
    row = db.session.execute(_gain_summary(gain_pairs(filters), [])).one()
    return _gain_row(row)


def _best_post_tests(filters: ReportFilters, pairs):
    """The pairs with the id of the post-test that gave their best score (the first, on a tie):
    the post-tests are ranked in one pass, not looked up again for every pair."""
    targets = course_targets()
    post_test = and_(QuizAttempt.kind == "post_test", QuizAttempt.submitted_at.is_not(None),
                     QuizAttempt.score_percent.is_not(None), in_period(QuizAttempt.submitted_at, filters))
    ranked = (select(QuizAttempt.user_id, targets.c.target_id.label("course_id"), QuizAttempt.id,
                     func.row_number().over(partition_by=(QuizAttempt.user_id, targets.c.target_id),
                                            order_by=(QuizAttempt.score_percent.desc(), QuizAttempt.id)).label("rank"))
              .join(targets, targets.c.item_id == QuizAttempt.course_id).where(post_test))
    if course_ids(filters) is not None:
        ranked = ranked.where(QuizAttempt.course_id.in_(course_ids(filters)))
    ranked = ranked.subquery("ranked_post")
    return (select(pairs.c.course_id, pairs.c.pre_id, ranked.c.id.label("post_id")).select_from(pairs)
            .join(ranked, and_(ranked.c.user_id == pairs.c.user_id, ranked.c.course_id == pairs.c.course_id,
                               ranked.c.rank == 1))
            .subquery("best_post"))


def _competency_scores(attempt_ids, name: str):
    """Per attempt and competency: the mean item score as a percentage (items without one left out)."""
    competency = AttemptItem.question["competency"].as_string()
    return (select(AttemptItem.attempt_id, competency.label("competency"),
                   (100.0 * func.avg(AttemptItem.score)).label("percent"))
            .where(AttemptItem.attempt_id.in_(attempt_ids), competency.is_not(None))
            .group_by(AttemptItem.attempt_id, competency).subquery(name))


def gain_by_competency(filters: ReportFilters) -> list[dict]:
    """Knowledge gain per course and competency: each officer's share of the competency's items
    right in their first pre-test and in their best post-test (the pairs of the course figures),
    for officers whose two tests both held items of that competency."""
    if db.session.scalar(select(AttemptItem.id).limit(1)) is None:
        return []  # no test has stored its questions (a seeded programme): nothing to break down
    best = _best_post_tests(filters, gain_pairs(filters))
    pre = _competency_scores(select(best.c.pre_id), "pre_competency")
    post = _competency_scores(select(best.c.post_id), "post_competency")
    per_officer = (select(best.c.course_id, pre.c.competency, pre.c.percent.label("pre"), post.c.percent.label("post"))
                   .select_from(best).join(pre, pre.c.attempt_id == best.c.pre_id)
                   .join(post, and_(post.c.attempt_id == best.c.post_id, post.c.competency == pre.c.competency))
                   .subquery("competency_pair"))
    query = (select(per_officer.c.course_id, per_officer.c.competency, func.count().label("officers"),
                    func.avg(per_officer.c.pre).label("mean_pre"), func.avg(per_officer.c.post).label("mean_post"),
                    func.avg(per_officer.c.post - per_officer.c.pre).label("mean_gain"))
             .group_by(per_officer.c.course_id, per_officer.c.competency))
    titles, competencies = target_titles(), competency_titles()
    rows = []
    for row in db.session.execute(query):
        row = dict(row._mapping)
        row["normalised_gain"] = rules.normalised_gain(row["mean_pre"], row["mean_post"])
        for name in ("mean_pre", "mean_post", "mean_gain"):
            row[name] = round(float(row[name]), 1)
        known = competencies.get(row["course_id"], {})
        row["course"] = titles.get(("course", row["course_id"]), "")
        row["position"], row["competency_text"] = known.get(row["competency"], (len(known), row["competency"]))
        rows.append(row)
    return sorted(rows, key=lambda row: (row["course"], row["position"], row["competency"]))


def competency_titles() -> dict[int, dict[str, tuple[int, str]]]:
    """Work (target id) -> competency id -> (its place in the course, its objective's text), in the
    reader's language where a version has it, else the work's original."""
    courses = db.session.execute(select(Course.id, Course.work, Course.slug, Course.language, Course.settings)).all()
    works: dict[str, list] = {}
    for course in courses:
        works.setdefault(course.work or course.slug, []).append(course)
    language = reader_language()
    found: dict[int, dict[str, tuple[int, str]]] = {}
    for versions in works.values():
        target = min(course.id for course in versions)
        ordered = sorted(versions, key=lambda course: (course.language != language, course.id))
        for course in ordered:
            listed = (course.settings or {}).get("competencies") or []
            if listed:
                found[target] = {item["id"]: (place, item["text"]) for place, item in enumerate(listed)}
                break
    return found


@dataclass(frozen=True)
class GainReport:
    total: dict
    by_course: list[dict]
    by_cohort: list[dict]
    distribution: list[int]  # pairs per gain bin, GAIN_BINS
    by_competency: list[dict] = ()


def _gain_part(pairs, part: str, key=None) -> Select:
    """_gain_summary of `pairs` grouped by one column (or none), as rows (part, key, figures...),
    so that several groupings make one UNION ALL."""
    group = [key.name] if key is not None else []
    summary = _gain_summary(pairs, group).subquery(f"gain_{part}")
    return select(literal(part).label("part"), (summary.c[key.name] if key is not None else null()).label("key"),
                  *[summary.c[name] for name in GAIN_FIGURES])


GAIN_FIGURES = ("officers", "mean_pre", "mean_post", "mean_gain", "improved", "median_gain")


def knowledge_gain(filters: ReportFilters) -> GainReport:
    """Pre- against post-test per course and per cohort, and the distribution of gains.

    One statement: the pairs are found once (a common table expression), then summed in
    total, per course, per cohort and per gain band.
    """
    pairs = gain_pair_query(filters).cte("pair")
    member = select(pairs, CohortMember.cohort_id).join(CohortMember, CohortMember.user_id == pairs.c.user_id)
    if filters.cohort_id:
        member = member.where(CohortMember.cohort_id == filters.cohort_id)
    member = member.subquery("member_pair")
    binned = select(bin_of(pairs.c.gain, GAIN_BINS).label("bin")).subquery("binned")
    bins = select(literal("bin").label("part"), binned.c.bin.label("key"), func.count().label("officers"),
                  *[null().label(name) for name in GAIN_FIGURES[1:]]).group_by(binned.c.bin)
    parts: dict[str, list[dict]] = {"total": [], "course": [], "cohort": [], "bin": []}
    statement = union_all(_gain_part(pairs, "total"), _gain_part(pairs, "course", pairs.c.course_id),
                          _gain_part(member, "cohort", member.c.cohort_id), bins)
    for row in db.session.execute(statement):
        parts[row.part].append(dict(row._mapping))
    titles = target_titles()
    by_course = []
    for row in parts["course"]:
        row = _gain_row({**row, "course_id": row["key"]})
        row["course"] = titles.get(("course", row["course_id"]), "")
        by_course.append(row)
    by_course.sort(key=lambda row: row["course"])
    cohorts = {row.id: row for row in db.session.execute(
        select(Cohort.id, Cohort.name, Cohort.start_date).where(Cohort.id.in_([row["key"] for row in parts["cohort"]])))}
    by_cohort = []
    for row in parts["cohort"]:
        cohort = cohorts[row["key"]]
        by_cohort.append(_gain_row({**row, "cohort_id": cohort.id, "cohort": cohort.name,
                                    "start_date": cohort.start_date}))
    by_cohort.sort(key=lambda row: row["cohort"])
    by_cohort.sort(key=lambda row: row["start_date"] or date.min, reverse=True)
    counts = {row["key"]: row["officers"] for row in parts["bin"]}
    total = parts["total"][0] if parts["total"] else {"officers": 0, **dict.fromkeys(GAIN_FIGURES[1:])}
    return GainReport(
        total=_gain_row(total),
        by_course=by_course,
        by_cohort=by_cohort,
        distribution=[counts.get(i, 0) for i in range(len(GAIN_BINS) - 1)],
        by_competency=gain_by_competency(filters),
    )


# -- scenarios -------------------------------------------------------------------------------

def _submitted(filters: ReportFilters, *columns) -> Select:
    """Submitted attempts in the period by officers in the filters, selecting `columns`."""
    query = (select(*columns).select_from(ScenarioAttempt)
             .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id))
    query = (People(filters).join(query, ScenarioAttempt.user_id)
             .where(ScenarioAttempt.submitted_at.is_not(None), ScenarioAttempt.status != "in_progress",
                    in_period(ScenarioAttempt.submitted_at, filters)))
    if scenario_ids(filters) is not None:
        query = query.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
    if not filters.counts_scenarios:
        query = query.where(false_())
    return query


@dataclass(frozen=True)
class ScenarioReport:
    by_scenario: list[dict]
    scenario: dict | None  # the chosen scenario's summary, or None when none is chosen
    distribution: list[int]  # attempts per total-percent bin, SCORE_BINS
    tasks: list[dict]
    items: list[dict]
    analysed: int  # attempts the task and item analysis looked at (the latest ANALYSIS_SAMPLE)


def scenario_analytics(filters: ReportFilters, top: int = 15) -> ScenarioReport:
    """Per scenario results; for a chosen scenario, score distributions per task and the items
    most often wrong (what to reteach)."""
    submitted = _submitted(filters, ScenarioAttempt.user_id, ScenarioAttempt.status, ScenarioAttempt.total_percent,
                           ScenarioAttempt.case_percent, ScenarioAttempt.safeguards_percent,
                           ScenarioVersion.scenario_id).subquery("submitted")

    def count_status(status):
        return func.coalesce(func.sum(case((submitted.c.status == status, 1), else_=0)), 0)

    targets = scenario_targets()
    summary = (select(targets.c.target_id.label("scenario_id"),
                      func.count(func.distinct(submitted.c.user_id)).label("officers"),
                      func.count().label("attempts"), count_status("passed").label("passed"),
                      count_status("failed").label("failed"), count_status("awaiting_review").label("awaiting_review"),
                      func.avg(submitted.c.total_percent).label("mean_total"),
                      func.avg(submitted.c.case_percent).label("mean_case"),
                      func.avg(submitted.c.safeguards_percent).label("mean_safeguards"))
               .select_from(submitted).join(targets, targets.c.item_id == submitted.c.scenario_id)
               .group_by(targets.c.target_id))
    titles = target_titles()
    rows = []
    for row in db.session.execute(summary):  # one row per work, titled in the reader's language
        row = dict(row._mapping)
        row["scenario"] = titles.get(("scenario", row["scenario_id"]), "")
        for name in ("mean_total", "mean_case", "mean_safeguards"):
            row[name] = None if row[name] is None else round(float(row[name]), 1)
        row["pass_percent"] = rules.percent(row["passed"], row["passed"] + row["failed"])
        rows.append(row)
    rows.sort(key=lambda row: row["scenario"])
    binned = (select(bin_of(submitted.c.total_percent, SCORE_BINS).label("bin"))
              .where(submitted.c.total_percent.is_not(None)).subquery("binned"))
    counts = dict(db.session.execute(_count_by(binned, "bin")).all())
    chosen_target = target_of("scenario", filters.scenario_id)
    chosen = next((row for row in rows if row["scenario_id"] == chosen_target), None) if chosen_target else None
    tasks = task_distributions(filters) if chosen else []
    items = items_most_often_wrong(filters, top) if chosen else []
    analysed = min(chosen["attempts"], ANALYSIS_SAMPLE) if chosen else 0
    return ScenarioReport(rows, chosen, [counts.get(i, 0) for i in range(len(SCORE_BINS) - 1)], tasks, items,
                          analysed)


def _analysed(filters: ReportFilters, *columns) -> Select:
    """`columns` of the latest ANALYSIS_SAMPLE submitted attempts in the filters."""
    latest = (_submitted(filters, ScenarioAttempt.id)
              .order_by(ScenarioAttempt.submitted_at.desc(), ScenarioAttempt.id.desc())
              .limit(ANALYSIS_SAMPLE).subquery("latest"))
    return select(*columns).select_from(latest).join(ScenarioAttempt, ScenarioAttempt.id == latest.c.id)


def _version_tasks(version_ids) -> dict[tuple[int, int], object]:
    """(version id, task position) -> task of that version's scenario (parsed once, cached)."""
    tasks = {}
    for version_id in version_ids:
        version = db.session.get(ScenarioVersion, version_id)
        spec = scenario_for(version, None)
        for position, task in enumerate(spec.tasks):
            tasks[(version_id, position)] = (task, spec)
    return tasks


def _item_label(stored: str | None):
    """A feedback label as the reader reads it: labels the platform words are stored as messages
    (JSON with their parameters), authored ones as text."""
    if stored and stored.startswith("{"):
        try:
            return translate(json.loads(stored))
        except ValueError:
            pass
    return stored


def task_distributions(filters: ReportFilters) -> list[dict]:
    """Per task of the chosen scenario: attempts scored, mean score, counts per 10-point bin.

    Tasks still waiting for a trainer's review are left out: they score 0 until reviewed.
    """
    task, position, value = json_elements(ScenarioAttempt.result, "tasks", "task")
    score = value["score"].as_float() * 100
    inner = (_analysed(filters, ScenarioAttempt.version_id, position.label("position"),
                       bin_of(score, SCORE_BINS).label("bin"), score.label("score"))
             .join(task, true()).where(value["pending"].as_boolean().is_not(True)).subquery("task_score"))
    keys = (inner.c.version_id, inner.c.position, inner.c.bin)
    grouped = select(*keys, func.count().label("n"), func.sum(inner.c.score).label("total")).group_by(*keys)
    rows = db.session.execute(grouped).all()
    tasks = _version_tasks({row.version_id for row in rows})
    per_task: dict[str, dict] = {}
    for row in rows:  # a few dozen rows: (version, task, bin)
        spec_task, spec = tasks[(row.version_id, row.position)]
        entry = per_task.setdefault(spec_task.id, {"task_id": spec_task.id, "task": spec.render(spec_task.title),
                                                   "type": spec_task.type, "attempts": 0, "total": 0.0,
                                                   "bins": [0] * (len(SCORE_BINS) - 1)})
        entry["attempts"] += row.n
        entry["total"] += float(row.total or 0)
        entry["bins"][row.bin] += row.n
    result = []
    for entry in per_task.values():
        entry["mean_score"] = round(entry.pop("total") / entry["attempts"], 1) if entry["attempts"] else None
        entry.update({f"bin{i}": count for i, count in enumerate(entry["bins"])})
        result.append(entry)
    return result


def items_most_often_wrong(filters: ReportFilters, top: int) -> list[dict]:
    """Answer-key items (a report's grade, a link, an event, an ACH cell, a decision) ranked by
    the share of attempts that earned less than full credit on them.

    Left out: links an officer added that are not in the key (they have no key item), and the
    written report's rubric (a trainer's marks, not a right or wrong answer).
    """
    task, position, task_value = json_elements(ScenarioAttempt.result, "tasks", "task")
    item, _position, value = json_elements(task_value, "items", "item", parsed=True)
    points, max_points = value["points"].as_float(), value["max_points"].as_float()
    inner = (_analysed(filters, ScenarioAttempt.version_id, position.label("position"),
                       value["item_id"].as_string().label("item_id"), value["label"].as_string().label("label"),
                       case((points < max_points, 1), else_=0).label("wrong"), (points / max_points).label("credit"))
             .join(task, true()).join(item, true()).where(max_points > 0).subquery("item_score"))
    keys = (inner.c.version_id, inner.c.position, inner.c.item_id)
    grouped = select(*keys, func.min(inner.c.label).label("label"), func.count().label("attempts"),
                     func.sum(inner.c.wrong).label("wrong"), func.sum(inner.c.credit).label("credit")).group_by(*keys)
    rows = db.session.execute(grouped).all()
    tasks = _version_tasks({row.version_id for row in rows})
    merged: dict[tuple[str, str], dict] = {}
    for row in rows:  # one row per version x key item: a hundred or so
        spec_task, spec = tasks[(row.version_id, row.position)]
        if spec_task.type == "report":
            continue
        entry = merged.setdefault((spec_task.id, row.item_id), {
            "task_id": spec_task.id, "task": spec.render(spec_task.title), "item_id": row.item_id,
            "label": _item_label(row.label), "attempts": 0, "wrong": 0, "credit": 0.0})
        entry["attempts"] += row.attempts
        entry["wrong"] += row.wrong
        entry["credit"] += float(row.credit or 0)
    for entry in merged.values():
        entry["wrong_percent"] = rules.percent(entry["wrong"], entry["attempts"])
        entry["mean_credit"] = rules.percent(entry.pop("credit"), entry["attempts"])
    ranked = sorted(merged.values(), key=lambda e: (-(e["wrong_percent"] or 0), e["mean_credit"] or 0,
                                                    e["task_id"], e["item_id"]))
    return ranked[:top]


# -- completion ------------------------------------------------------------------------------

def _cohort_begun(filters: ReportFilters):
    # An assignment counts (as "not started" while untouched) once its cohort has begun.
    if not filters.end:
        return true()
    return or_(Cohort.start_date.is_(None), Cohort.start_date <= filters.end)


def _assigned(filters: ReportFilters, target) -> Select:
    query = (select(CohortMember.user_id, target)
             .join(Assignment, Assignment.cohort_id == CohortMember.cohort_id)
             .join(Cohort, Cohort.id == Assignment.cohort_id)
             .where(target.is_not(None), _cohort_begun(filters)))
    if filters.cohort_id:
        query = query.where(CohortMember.cohort_id == filters.cohort_id)
    return query


def _course_versions(filters: ReportFilters, only=None) -> Select:
    """Officer x course version rows (enrolled or assigned) with their status at the end of the
    period: user_id, kind, item_id (the version), target_id (the work), language, status,
    started_at, finished_at.

    passed: certificate issued (the course's completion rule met); completed: every lesson
    done, post-test not yet passed; in progress: enrolled; not started: assigned only.
    Lessons done are counted per officer and course first, so no row is multiplied by lessons.
    """
    enrolled = select(Enrolment.user_id, Enrolment.course_id).where(by_end(Enrolment.started_at, filters))
    assigned = _assigned(filters, Assignment.course_id)
    done = (select(LessonProgress.user_id, Lesson.course_id, func.count().label("done"))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(Lesson.active, by_end(LessonProgress.completed_at, filters)))
    if course_ids(filters) is not None:
        enrolled = enrolled.where(Enrolment.course_id.in_(course_ids(filters)))
        assigned = assigned.where(Assignment.course_id.in_(course_ids(filters)))
        done = done.where(Lesson.course_id.in_(course_ids(filters)))
    if only is not None:
        enrolled, assigned = enrolled.where(Enrolment.user_id.in_(only)), assigned.where(CohortMember.user_id.in_(only))
        done = done.where(LessonProgress.user_id.in_(only))
    candidate = union(enrolled, assigned).subquery("course_candidate")
    c = candidate.c
    done = done.group_by(LessonProgress.user_id, Lesson.course_id).subquery("lessons_done")
    lessons = (select(Lesson.course_id, func.count().label("lessons")).where(Lesson.active)
               .group_by(Lesson.course_id).subquery("lesson_count"))
    enrolment = aliased(Enrolment, name="enrolment")
    certificate = aliased(Certificate, name="certificate")
    course = aliased(Course, name="version_course")
    # Enrolment and certificate are unique per officer and course: one row per candidate.
    finished = func.coalesce(case((by_end(enrolment.completed_at, filters), enrolment.completed_at)),
                             certificate.issued_at)
    status = case((finished.is_not(None), "passed"),
                  (and_(func.coalesce(lessons.c.lessons, 0) > 0, func.coalesce(done.c.done, 0) >= lessons.c.lessons),
                   "completed"),
                  (enrolment.started_at.is_not(None), "in_progress"), else_="not_started")
    return (select(c.user_id, literal("course").label("kind"), c.course_id.label("item_id"),
                   target_expression(Course, c.course_id).label("target_id"), course.language.label("language"),
                   status.label("status"), enrolment.started_at.label("started_at"), finished.label("finished_at"))
            .select_from(candidate)
            .join(course, course.id == c.course_id)
            .outerjoin(enrolment, and_(enrolment.user_id == c.user_id, enrolment.course_id == c.course_id,
                                       by_end(enrolment.started_at, filters)))
            .outerjoin(certificate, and_(certificate.user_id == c.user_id, certificate.course_id == c.course_id,
                                         by_end(certificate.issued_at, filters)))
            .outerjoin(lessons, lessons.c.course_id == c.course_id)
            .outerjoin(done, and_(done.c.user_id == c.user_id, done.c.course_id == c.course_id)))


def _scenario_versions(filters: ReportFilters, only=None) -> Select:
    """Officer x scenario rows (attempted or assigned) with their status at the end of the period,
    the same columns as _course_versions.

    passed: an attempt passed; completed: submitted but not passed (failed or awaiting review);
    in progress: started; not started: assigned only. Attempts are summed per officer and
    scenario first.
    """
    submitted = and_(ScenarioAttempt.status != "in_progress", by_end(ScenarioAttempt.submitted_at, filters))
    attempts = (select(ScenarioAttempt.user_id, ScenarioVersion.scenario_id,
                       func.min(ScenarioAttempt.started_at).label("started_at"),
                       func.min(case((and_(submitted, ScenarioAttempt.status == "passed"), ScenarioAttempt.submitted_at)))
                       .label("finished_at"),
                       func.max(case((submitted, ScenarioAttempt.submitted_at))).label("submitted_at"))
                .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
                .where(by_end(ScenarioAttempt.started_at, filters)))
    assigned = _assigned(filters, Assignment.scenario_id)
    if scenario_ids(filters) is not None:
        attempts = attempts.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
        assigned = assigned.where(Assignment.scenario_id.in_(scenario_ids(filters)))
    if only is not None:
        attempts, assigned = attempts.where(ScenarioAttempt.user_id.in_(only)), assigned.where(CohortMember.user_id.in_(only))
    attempts = attempts.group_by(ScenarioAttempt.user_id, ScenarioVersion.scenario_id).subquery("scenario_attempted")
    a = attempts.c
    candidate = union(select(a.user_id, a.scenario_id), assigned).subquery("scenario_candidate")
    c = candidate.c
    scenario = aliased(Scenario, name="version_scenario")
    mine = aliased(attempts, name="attempted")
    status = case((mine.c.finished_at.is_not(None), "passed"), (mine.c.submitted_at.is_not(None), "completed"),
                  (mine.c.started_at.is_not(None), "in_progress"), else_="not_started")
    return (select(c.user_id, literal("scenario").label("kind"), c.scenario_id.label("item_id"),
                   target_expression(Scenario, c.scenario_id).label("target_id"), scenario.language.label("language"),
                   status.label("status"), mine.c.started_at, mine.c.finished_at)
            .select_from(candidate)
            .join(scenario, scenario.id == c.scenario_id)
            .outerjoin(mine, and_(mine.c.user_id == c.user_id, mine.c.scenario_id == c.scenario_id)))


def work_rows(filters: ReportFilters, only=None):
    """Officer x version rows of courses and scenarios, each marked with whether it is the row
    its work counts with: (subquery, condition). `only` (a query of user ids) limits them.

    An officer who took several language versions of one work counts once, with the version
    furthest along (passed before completed before in progress), else the first started; a
    work finished before the period began is not part of it. The mark is a column to test,
    not a filter, so the rows keep their real number for the planner until they are counted.
    """
    parts = []
    if filters.counts_courses:
        parts.append(_course_versions(filters, only))
    if filters.counts_scenarios:
        parts.append(_scenario_versions(filters, only))
    versions = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("version")
    v = versions.c
    rank = case((v.status == "passed", 3), (v.status == "completed", 2), (v.status == "in_progress", 1), else_=0)
    ranked = select(versions, func.row_number().over(partition_by=(v.user_id, v.kind, v.target_id),
                                                     order_by=(rank.desc(), v.finished_at, v.started_at, v.item_id))
                    .label("best")).subquery("ranked_version")
    counted = ranked.c.best == 1
    if filters.start:  # the work finished before the period: not part of it
        counted = and_(counted, or_(ranked.c.finished_at.is_(None), ranked.c.finished_at >= filters.starts_at))
    return ranked, counted


def completion_rows(filters: ReportFilters, only=None):
    """Officer x course and officer x scenario rows (a subquery), one per work, with their status;
    `only` (a query of user ids) limits them to some officers."""
    ranked, counted = work_rows(filters, only)
    r = ranked.c
    return (select(r.user_id, r.kind, r.target_id, r.status, r.started_at, r.finished_at, r.language)
            .where(counted).subquery("pair"))


def _assigning(filters: ReportFilters):
    """(officer, cohort, kind, work) of every work a cohort assigned to its members (any version
    of the work assigns the work), each once."""
    parts = []
    for kind, model, assigned in (("course", Course, Assignment.course_id),
                                  ("scenario", Scenario, Assignment.scenario_id)):
        query = (select(CohortMember.user_id, CohortMember.cohort_id, literal(kind).label("kind"),
                        target_expression(model, assigned).label("target_id"))
                 .join(Assignment, Assignment.cohort_id == CohortMember.cohort_id).where(assigned.is_not(None)))
        if filters.cohort_id:
            query = query.where(CohortMember.cohort_id == filters.cohort_id)
        parts.append(query)
    return union(*parts).subquery("assigning")


def _with_passed_share(row) -> dict:
    row = dict(row._mapping) if hasattr(row, "_mapping") else row
    row["passed_percent"] = rules.percent(row["passed"], row["total"])
    return row


@dataclass(frozen=True)
class CompletionReport:
    total: dict
    by_target: list[dict]
    by_cohort: list[dict]
    by_agency: list[dict]
    officers: list[dict]  # officer x course/scenario rows of one page of officers (all for exports)
    officer_count: int  # officers in the filters: OFFICERS_PER_PAGE of them per page
    by_language: list[dict] = ()  # by the language each officer took the work in


def completion(filters: ReportFilters, page: int | None = 1) -> CompletionReport:
    """Statuses per course or scenario, per cohort and per agency, and a page of officer rows
    (every row when page is None, for exports)."""
    cells, cohort_cells = completion_cells(filters)
    titles = target_titles()
    for cell in cells:
        cell["target"] = titles.get((cell["kind"], cell["target_id"]), "")
    by_target = _sum_statuses(cells, ("kind", "target_id", "target"), order=lambda row: (row["kind"], row["target"]))
    by_agency = _sum_statuses(cells, ("country", "agency_id", "agency"), order=_agency_order)
    by_language = _sum_statuses(cells, ("language",), order=lambda row: str(row["language"] or "~"))
    total = _sum_statuses(cells, ())
    total = total[0] if total else _with_passed_share({**dict.fromkeys(STATUSES, 0), "total": 0})
    by_cohort = [_with_passed_share(cell) for cell in cohort_cells]
    cohorts = {row.id: row for row in db.session.execute(
        select(Cohort.id, Cohort.name, Cohort.start_date).where(Cohort.id.in_([row["cohort_id"] for row in by_cohort])))}
    for row in by_cohort:
        row["cohort"], row["start_date"] = cohorts[row["cohort_id"]].name, cohorts[row["cohort_id"]].start_date
    by_cohort.sort(key=lambda row: (-(row["start_date"] or date.min).toordinal(), row["cohort"]))
    officer_count = db.session.scalar(People(filters).select(func.count()))
    return CompletionReport(total, by_target, by_cohort, by_agency, officer_rows(filters, page), officer_count,
                            by_language)


def completion_cells(filters: ReportFilters) -> tuple[list[dict], list[dict]]:
    """Status counts per (target, language, country, agency), each officer's work counted once;
    and per cohort, each officer's work counted once for every cohort of theirs that assigned it.

    One statement: the officers' rows are computed once (a common table expression) and
    grouped twice.
    """
    people = People(filters)
    ranked, counted = work_rows(filters)
    r = ranked.c
    rows = (people.join(select().select_from(ranked), r.user_id)
            .add_columns(r.user_id, r.kind, r.target_id, r.language, r.status, people.country.label("country"),
                         people.user.agency_id.label("agency_id"), people.agency.name.label("agency"),
                         case((counted, 1), else_=0).label("counted"))
            .cte("officer_work"))

    def counts():
        found = [func.sum(rows.c.counted).label("total")]
        for status in STATUSES:
            found.append(func.sum(case((rows.c.status == status, rows.c.counted), else_=0)).label(status))
        return found

    keys = [rows.c[name] for name in ("kind", "target_id", "language", "country", "agency_id", "agency")]
    per_target = select(*keys, literal(None, Integer).label("cohort_id"), *counts()).group_by(*keys)
    assigning = _assigning(filters)
    per_cohort = (select(*[literal(None).label(key.name) for key in keys], assigning.c.cohort_id, *counts())
                  .select_from(rows)
                  .join(assigning, and_(assigning.c.user_id == rows.c.user_id, assigning.c.kind == rows.c.kind,
                                        assigning.c.target_id == rows.c.target_id))
                  .group_by(assigning.c.cohort_id))
    cells, cohort_cells = [], []
    for row in db.session.execute(union_all(per_target, per_cohort)):
        cell = dict(row._mapping)
        if cell["total"]:
            (cells if cell["cohort_id"] is None else cohort_cells).append(cell)
    return cells, cohort_cells


def _sum_statuses(cells: list[dict], keys: Sequence[str], order=None) -> list[dict]:
    """Status counts of (target, agency) cells summed by some of their keys."""
    sums: dict[tuple, dict] = {}
    for cell in cells:
        row = sums.setdefault(tuple(cell[k] for k in keys),
                              {**{k: cell[k] for k in keys}, **dict.fromkeys((*STATUSES, "total"), 0)})
        for status in (*STATUSES, "total"):
            row[status] += cell[status]
    return [_with_passed_share(row) for row in sorted(sums.values(), key=order or (lambda row: 0))]


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


OFFICERS_PER_CHUNK = 2000  # officers whose rows a streamed export reads at a time


def officer_row_chunks(filters: ReportFilters, size: int | None = None):
    """Every officer x course/scenario row of officer_rows(filters, None), in the same order, a
    chunk of `size` officers at a time: the officers stream from one query (a server-side
    cursor on PostgreSQL), and each chunk's rows are read for those officers alone, so an
    export of 100 000 officers starts at once and holds one chunk in memory."""
    people = People(filters)
    officers = (people.select(people.user.id).order_by(people.user.full_name, people.user.id)
                .execution_options(yield_per=size or OFFICERS_PER_CHUNK))
    for chunk in db.session.execute(officers).partitions():
        rows = officer_rows(filters, None, only=[officer_id for officer_id, in chunk])
        if rows:
            yield rows


def officer_rows(filters: ReportFilters, page: int | None, only=None) -> list[dict]:
    """Officer x course/scenario rows with test and scenario scores, officers in name order:
    those of one page of officers, or every row when page is None (exports); `only` (user ids)
    limits them to some officers."""
    people = People(filters)
    if page is not None:
        only = (people.select(people.user.id).order_by(people.user.full_name, people.user.id)
                .limit(OFFICERS_PER_PAGE).offset((max(page, 1) - 1) * OFFICERS_PER_PAGE))
        only = select(only.subquery().c.id)  # LIMIT inside IN (...) needs a derived table on some engines
    pair = completion_rows(filters, only)
    row = (people.join(select().select_from(pair), pair.c.user_id)
           .add_columns(*people.detail_columns(), pair.c.kind, pair.c.target_id, pair.c.status,
                        pair.c.started_at, pair.c.finished_at, pair.c.language).subquery("listed"))

    # Each lookup reaches attempts by officer only: "+ 0" and the CASE keep SQLite, which has no
    # statistics, from walking the course, kind or version index (thousands of rows each).
    # Any version of the work counts (in the chosen language, if one is chosen).
    def best_test(kind):
        attempt = aliased(QuizAttempt)
        targets = course_targets()
        query = (select(func.max(case((attempt.kind == kind, attempt.score_percent))))
                 .join(targets, targets.c.item_id == attempt.course_id + 0)
                 .where(row.c.kind == "course", attempt.user_id == row.c.user_id,
                        targets.c.target_id == row.c.target_id, by_end(attempt.submitted_at, filters)))
        if filters.language:
            query = query.where(targets.c.language == filters.language)
        return query.scalar_subquery()

    attempt = aliased(ScenarioAttempt)
    version = aliased(ScenarioVersion)
    targets = scenario_targets()
    scenario_score = (select(func.max(attempt.total_percent)).join(version, version.id == attempt.version_id + 0)
                      .join(targets, targets.c.item_id == version.scenario_id)
                      .where(row.c.kind == "scenario", attempt.user_id == row.c.user_id,
                             targets.c.target_id == row.c.target_id, attempt.status != "in_progress",
                             by_end(attempt.submitted_at, filters)))
    if filters.language:
        scenario_score = scenario_score.where(targets.c.language == filters.language)
    scenario_score = scenario_score.scalar_subquery()
    query = (select(row, best_test("pre_test").label("pre"),
                    func.coalesce(best_test("post_test"), scenario_score).label("score"))
             .order_by(row.c.full_name, row.c.user_id, row.c.kind, row.c.target_id))
    titles = target_titles()
    rows = []
    for found in db.session.execute(query):
        found = dict(found._mapping)
        found["target"] = titles.get((found["kind"], found["target_id"]), "")
        for name in ("pre", "score"):
            found[name] = None if found[name] is None else round(float(found[name]), 1)
        rows.append(found)
    return rows


# -- audit ------------------------------------------------------------------------------------

def record_export(user, action: str, filters: ReportFilters, rows: int, **detail) -> AuditEvent:
    """Log who exported what with which filters (the caller commits)."""
    return record_audit(action, user, filters=filters.as_args(), rows=rows, **detail)
