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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import (JSON, Integer, and_, case, cast, column, exists, func, join, literal, literal_column, or_,
                        select, true, union, union_all)
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

    def row_id(name: str, model, what: str) -> int | None:
        value = text(name)
        if not value:
            return None
        if not value.isdigit():
            problems.append(_("The %(what)s “%(value)s” is not an id number.", value=value, what=what))
            return None
        if db.session.get(model, int(value)) is None:
            problems.append(_("There is no %(what)s with id %(value)s.", what=what, value=value))
            return None
        return int(value)

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
        agency_id=row_id("agency", Agency, _("agency")), cohort_id=row_id("cohort", Cohort, _("cohort")),
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


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers."""

    agencies: list[tuple[int, str, str]]  # id, name, country
    cohorts: list[tuple[int, str]]
    courses: list[tuple[int, str]]  # one per work: its first id, its title in the reader's language
    scenarios: list[tuple[int, str]]
    languages: tuple[str, ...] = ()


def filter_choices() -> FilterChoices:
    """Agencies, cohorts, works (courses and scenarios) and languages to pick from."""
    titles = target_titles()
    works = lambda kind: sorted(((target, title) for (k, target), title in titles.items() if k == kind),
                                key=lambda pair: pair[1])
    return FilterChoices(
        agencies=[tuple(row) for row in db.session.execute(
            select(Agency.id, Agency.name, Agency.country).order_by(Agency.country, Agency.name))],
        cohorts=[tuple(row) for row in db.session.execute(
            select(Cohort.id, Cohort.name).order_by(Cohort.start_date.desc(), Cohort.name))],
        courses=works("course"), scenarios=works("scenario"), languages=content_languages(),
    )


# -- SQL building blocks --------------------------------------------------------------------

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


def _targets(model, name: str):
    """model id -> the work's target id (its first id) and the version's language, as a subquery."""
    return select(model.id.label("item_id"), model.language.label("language"),
                  func.min(model.id).over(partition_by=model.work).label("target_id")).subquery(name)


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

    Five grouped queries, one per source table, each reaching users by primary key; the group
    rows (a few dozen) are then merged, so every breakdown adds up to its total.
    """
    people = People(filters)
    keys = people.group_columns()
    trained = trained_users(filters)
    outcome = scenario_outcomes(filters)
    completed, issued = completions_in_period(filters), certificates_in_period(filters)
    queries = (
        people.select(*keys, func.count().label("officers")),
        people.join(select().select_from(trained), trained.c.user_id).add_columns(*keys, func.count().label("trained")),
        people.join(select().select_from(completed), completed.c.user_id)
        .add_columns(*keys, func.count(func.distinct(completed.c.user_id)).label("completers"),
                     func.count().label("completions")),
        people.join(select().select_from(issued), issued.c.user_id)
        .add_columns(*keys, func.count(func.distinct(issued.c.user_id)).label("certified"),
                     func.count().label("certificates")),
        people.join(select().select_from(outcome), outcome.c.user_id)
        .add_columns(*keys, func.count(func.distinct(outcome.c.user_id)).label("scenario_takers"),
                     func.count(func.distinct(case((outcome.c.passed == 1, outcome.c.user_id)))).label("scenario_passers")),
    )
    groups: dict[tuple, dict] = {}
    for query in queries:
        for row in db.session.execute(query.group_by(*keys)):
            values = dict(row._mapping)
            key = tuple(values[name] for name in People.GROUP)
            groups.setdefault(key, {**{name: values[name] for name in People.GROUP},
                                    **dict.fromkeys(PEOPLE_MEASURES, 0)}).update(
                {name: value for name, value in values.items() if name in PEOPLE_MEASURES})
    return list(groups.values())


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
    sources = (
        ("completions", completed, completed.c.user_id, completed.c.moment, []),
        ("certificates", issued, issued.c.user_id, issued.c.moment, []),
        ("scenario_passes", first_pass, first_pass.c.user_id, first_pass.c.moment, []),
    )
    series = {}
    for name, source, user_id, moment, conditions in sources:
        inner = (people.join(select(month_of(moment).label("month")).select_from(source), user_id)
                 .where(*conditions).subquery())
        series[name] = dict(db.session.execute(_count_by(inner, "month")).all())
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
    """Attendance per cohort, per session (a page of them; all when page is None) and per month."""
    place = _attendance_places(filters)
    measures = _attendance_measures(place)
    by_cohort = (select(Cohort.id.label("cohort_id"), Cohort.name.label("cohort"), Cohort.start_date,
                        func.count(func.distinct(place.c.session_id)).label("sessions"), *measures)
                 .select_from(place).join(Cohort, Cohort.id == place.c.cohort_id)
                 .group_by(Cohort.id, Cohort.name, Cohort.start_date)
                 .order_by(Cohort.start_date.desc(), Cohort.name))
    per_session = (select(place.c.session_id, Cohort.name.label("cohort"), TrainingSession.starts_at,
                          TrainingSession.topic, *measures)
                   .select_from(place).join(TrainingSession, TrainingSession.id == place.c.session_id)
                   .join(Cohort, Cohort.id == place.c.cohort_id)
                   .group_by(place.c.session_id, Cohort.name, TrainingSession.starts_at, TrainingSession.topic)
                   .order_by(TrainingSession.starts_at.desc(), place.c.session_id))
    if page is not None:
        per_session = per_session.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    by_month = select(place.c.month, *measures).group_by(place.c.month).order_by(place.c.month)
    cohorts = [_with_rate(row) for row in db.session.execute(by_cohort)]
    total = _with_rate({**{m: sum(row[m] for row in cohorts) for m in ATTENDANCE_MEASURES},
                        "sessions": sum(row["sessions"] for row in cohorts)})
    return AttendanceReport(total, cohorts, [_with_rate(row) for row in db.session.execute(per_session)],
                            total["sessions"], [_with_rate(row) for row in db.session.execute(by_month)])


# -- knowledge gain --------------------------------------------------------------------------

def gain_pairs(filters: ReportFilters):
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
    return People(filters).join(query, tests.c.user_id).subquery("pair")


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
    row = dict(row._mapping)
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
    """The pairs with the id of the post-test that gave their best score (the first, on a tie)."""
    targets = course_targets()
    post_test = and_(QuizAttempt.kind == "post_test", QuizAttempt.submitted_at.is_not(None),
                     in_period(QuizAttempt.submitted_at, filters))
    query = (select(pairs.c.course_id, pairs.c.pre_id, func.min(QuizAttempt.id).label("post_id"))
             .select_from(pairs)
             .join(targets, targets.c.target_id == pairs.c.course_id)
             .join(QuizAttempt, and_(QuizAttempt.user_id == pairs.c.user_id, QuizAttempt.course_id == targets.c.item_id,
                                     QuizAttempt.score_percent == pairs.c.post, post_test))
             .group_by(pairs.c.user_id, pairs.c.course_id, pairs.c.pre_id))
    if course_ids(filters) is not None:
        query = query.where(QuizAttempt.course_id.in_(course_ids(filters)))
    return query.subquery("best_post")


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


def knowledge_gain(filters: ReportFilters) -> GainReport:
    """Pre- against post-test per course and per cohort, and the distribution of gains."""
    pairs = gain_pairs(filters)
    titles = target_titles()
    by_course = []
    for row in db.session.execute(_gain_summary(pairs, ["course_id"])):
        row = _gain_row(row)
        row["course"] = titles.get(("course", row["course_id"]), "")
        by_course.append(row)
    by_course.sort(key=lambda row: row["course"])
    member = select(pairs, CohortMember.cohort_id).join(CohortMember, CohortMember.user_id == pairs.c.user_id)
    if filters.cohort_id:
        member = member.where(CohortMember.cohort_id == filters.cohort_id)
    member = member.subquery("member_pair")
    by_cohort = _gain_summary(member, ["cohort_id"]).subquery("by_cohort")
    cohorts = (select(by_cohort, Cohort.name.label("cohort"), Cohort.start_date)
               .join(Cohort, Cohort.id == by_cohort.c.cohort_id).order_by(Cohort.start_date.desc(), Cohort.name))
    binned = select(bin_of(pairs.c.gain, GAIN_BINS).label("bin")).subquery("binned")
    counts = dict(db.session.execute(_count_by(binned, "bin")).all())
    return GainReport(
        total=gain_total(filters),
        by_course=by_course,
        by_cohort=[_gain_row(row) for row in db.session.execute(cohorts)],
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


def _course_rows(filters: ReportFilters, only=None) -> Select:
    """Officer x course rows (enrolled or assigned) with their status at the end of the period.

    passed: certificate issued (the course's completion rule met); completed: every lesson
    done, post-test not yet passed; in progress: enrolled; not started: assigned only.
    """
    enrolled = select(Enrolment.user_id, Enrolment.course_id).where(by_end(Enrolment.started_at, filters))
    assigned = _assigned(filters, Assignment.course_id)
    if course_ids(filters) is not None:
        enrolled = enrolled.where(Enrolment.course_id.in_(course_ids(filters)))
        assigned = assigned.where(Assignment.course_id.in_(course_ids(filters)))
    if only is not None:
        enrolled, assigned = enrolled.where(Enrolment.user_id.in_(only)), assigned.where(CohortMember.user_id.in_(only))
    candidate = union(enrolled, assigned).subquery("course_candidate")
    c = candidate.c
    enrolment = aliased(Enrolment, name="enrolment")
    certificate = aliased(Certificate, name="certificate")
    lesson = aliased(Lesson, name="lesson")
    progress = aliased(LessonProgress, name="progress")
    started = func.max(enrolment.started_at)
    finished = func.coalesce(func.max(case((by_end(enrolment.completed_at, filters), enrolment.completed_at))),
                             func.max(certificate.issued_at))
    # One joined row per active lesson of the course (enrolment and certificate are unique per
    # officer and course, progress per officer and lesson), so plain counts need no DISTINCT.
    lessons, done = func.count(lesson.id), func.count(progress.id)
    status = case((finished.is_not(None), "passed"), (and_(lessons > 0, done >= lessons), "completed"),
                  (started.is_not(None), "in_progress"), else_="not_started")
    query = (select(c.user_id, literal("course").label("kind"), c.course_id.label("target_id"),
                    status.label("status"), started.label("started_at"), finished.label("finished_at"))
             .select_from(candidate)
             .outerjoin(enrolment, and_(enrolment.user_id == c.user_id, enrolment.course_id == c.course_id,
                                        by_end(enrolment.started_at, filters)))
             .outerjoin(certificate, and_(certificate.user_id == c.user_id, certificate.course_id == c.course_id,
                                          by_end(certificate.issued_at, filters)))
             .outerjoin(lesson, and_(lesson.course_id == c.course_id, lesson.active))
             .outerjoin(progress, and_(progress.lesson_id == lesson.id, progress.user_id == c.user_id,
                                       by_end(progress.completed_at, filters)))
             .group_by(c.user_id, c.course_id))
    return _per_work(query.subquery("course_version"), course_targets(), filters)


def _per_work(versions, targets, filters: ReportFilters) -> Select:
    """Officer x version rows reduced to one per officer and work: the furthest along (passed
    before completed before in progress), else the first started; with its language."""
    v = versions.c
    rank = case((v.status == "passed", 3), (v.status == "completed", 2), (v.status == "in_progress", 1), else_=0)
    ranked = (select(v.user_id, v.kind, targets.c.target_id, v.status, v.started_at, v.finished_at,
                     targets.c.language,
                     func.row_number().over(partition_by=(v.user_id, targets.c.target_id),
                                            order_by=(rank.desc(), v.finished_at, v.started_at, v.target_id))
                     .label("best"))
              .select_from(versions).join(targets, targets.c.item_id == v.target_id).subquery("ranked_version"))
    r = ranked.c
    query = select(r.user_id, r.kind, r.target_id, r.status, r.started_at, r.finished_at, r.language).where(r.best == 1)
    if filters.start:  # the work finished before the period: not part of it
        query = query.where(or_(r.finished_at.is_(None), r.finished_at >= filters.starts_at))
    return query


def _scenario_rows(filters: ReportFilters, only=None) -> Select:
    """Officer x scenario rows (attempted or assigned) with their status at the end of the period.

    passed: an attempt passed; completed: submitted but not passed (failed or awaiting review);
    in progress: started; not started: assigned only.
    """
    attempted = (select(ScenarioAttempt.user_id, ScenarioVersion.scenario_id)
                 .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
                 .where(by_end(ScenarioAttempt.started_at, filters)))
    assigned = _assigned(filters, Assignment.scenario_id)
    if scenario_ids(filters) is not None:
        attempted = attempted.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
        assigned = assigned.where(Assignment.scenario_id.in_(scenario_ids(filters)))
    if only is not None:
        attempted, assigned = attempted.where(ScenarioAttempt.user_id.in_(only)), assigned.where(CohortMember.user_id.in_(only))
    candidate = union(attempted, assigned).subquery("scenario_candidate")
    c = candidate.c
    attempt = aliased(ScenarioAttempt, name="attempt")
    version = aliased(ScenarioVersion, name="version")
    # Attempts are joined by officer only (an officer has a handful) and those on other
    # scenarios are left out of the aggregates: joined by version, SQLite without statistics
    # walks every attempt on the version for every officer.
    mine = version.id.is_not(None)
    submitted = and_(mine, attempt.status != "in_progress", by_end(attempt.submitted_at, filters))
    started = func.min(case((mine, attempt.started_at)))
    finished = func.min(case((and_(submitted, attempt.status == "passed"), attempt.submitted_at)))
    status = case((finished.is_not(None), "passed"),
                  (func.max(case((submitted, attempt.submitted_at))).is_not(None), "completed"),
                  (started.is_not(None), "in_progress"), else_="not_started")
    query = (select(c.user_id, literal("scenario").label("kind"), c.scenario_id.label("target_id"),
                    status.label("status"), started.label("started_at"), finished.label("finished_at"))
             .select_from(candidate)
             .outerjoin(attempt, and_(attempt.user_id == c.user_id, by_end(attempt.started_at, filters)))
             .outerjoin(version, and_(version.id == attempt.version_id, version.scenario_id == c.scenario_id))
             .group_by(c.user_id, c.scenario_id))
    return _per_work(query.subquery("scenario_version"), scenario_targets(), filters)


def completion_rows(filters: ReportFilters, only=None):
    """Officer x course and officer x scenario rows (a subquery) with their status; `only`
    (a query of user ids) limits them to some officers."""
    parts = []
    if filters.counts_courses:
        parts.append(_course_rows(filters, only))
    if filters.counts_scenarios:
        parts.append(_scenario_rows(filters, only))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("pair")


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
    cells = completion_cells(filters)
    titles = target_titles()
    for cell in cells:
        cell["target"] = titles.get((cell["kind"], cell["target_id"]), "")
    once = [{**cell, **{status: cell[f"{status}_once"] for status in (*STATUSES, "total")}} for cell in cells]
    by_target = _sum_statuses(once, ("kind", "target_id", "target"), order=lambda row: (row["kind"], row["target"]))
    by_agency = _sum_statuses(once, ("country", "agency_id", "agency"), order=_agency_order)
    by_language = _sum_statuses(once, ("language",), order=lambda row: str(row["language"] or "~"))
    total = _sum_statuses(once, ())
    total = total[0] if total else _with_passed_share({**dict.fromkeys(STATUSES, 0), "total": 0})
    by_cohort = _sum_statuses([cell for cell in cells if cell["cohort_id"] is not None], ("cohort_id",))
    cohorts = {row.id: row for row in db.session.execute(
        select(Cohort.id, Cohort.name, Cohort.start_date).where(Cohort.id.in_([row["cohort_id"] for row in by_cohort])))}
    for row in by_cohort:
        row["cohort"], row["start_date"] = cohorts[row["cohort_id"]].name, cohorts[row["cohort_id"]].start_date
    by_cohort.sort(key=lambda row: (-(row["start_date"] or date.min).toordinal(), row["cohort"]))
    officer_count = db.session.scalar(People(filters).select(func.count()))
    return CompletionReport(total, by_target, by_cohort, by_agency, officer_rows(filters, page), officer_count,
                            by_language)


def completion_cells(filters: ReportFilters) -> list[dict]:
    """Status counts per (target, country, agency, assigning cohort), in one pass over the rows.

    A row whose course or scenario was assigned by several of the officer's cohorts appears
    once per such cohort (rn numbers them); `<status>_once` counts each row once, for targets,
    agencies and the total, `<status>` once per assigning cohort, for the cohort summary.
    """
    people = People(filters)
    pair = completion_rows(filters)
    member, assigned = aliased(CohortMember, name="member"), aliased(Assignment, name="assigned")
    # An assignment of any version of the work assigns the work.
    course_target, scenario_target = course_targets(), scenario_targets()
    assigning = and_(member.user_id == pair.c.user_id,
                     or_(and_(pair.c.kind == "course", course_target.c.target_id == pair.c.target_id),
                         and_(pair.c.kind == "scenario", scenario_target.c.target_id == pair.c.target_id)))
    if filters.cohort_id:
        assigning = and_(assigning, member.cohort_id == filters.cohort_id)
    expanded = (people.join(select().select_from(pair), pair.c.user_id)
                .outerjoin(join(member, assigned, assigned.cohort_id == member.cohort_id)
                           .outerjoin(course_target, course_target.c.item_id == assigned.course_id)
                           .outerjoin(scenario_target, scenario_target.c.item_id == assigned.scenario_id), assigning)
                .add_columns(pair.c.kind, pair.c.target_id, pair.c.status, pair.c.language,
                             people.country.label("country"),
                             people.user.agency_id.label("agency_id"), people.agency.name.label("agency"),
                             member.cohort_id.label("cohort_id"),
                             func.row_number().over(partition_by=(pair.c.user_id, pair.c.kind, pair.c.target_id),
                                                    order_by=member.cohort_id).label("rn"))
                .subquery("expanded"))
    keys = [expanded.c[name] for name in ("kind", "target_id", "language", "country", "agency_id", "agency",
                                          "cohort_id")]
    first = expanded.c.rn == 1
    counts = [func.count().label("total"), func.sum(case((first, 1), else_=0)).label("total_once")]
    for status in STATUSES:
        counts.append(func.sum(case((expanded.c.status == status, 1), else_=0)).label(status))
        counts.append(func.sum(case((and_(first, expanded.c.status == status), 1), else_=0)).label(f"{status}_once"))
    return [dict(row._mapping) for row in db.session.execute(select(*keys, *counts).group_by(*keys))]


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


def officer_rows(filters: ReportFilters, page: int | None) -> list[dict]:
    """Officer x course/scenario rows with test and scenario scores, officers in name order:
    those of one page of officers, or every row when page is None (exports)."""
    people = People(filters)
    only = None
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
