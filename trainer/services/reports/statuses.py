"""Completion: each officer's course or scenario (one row per work) with its status at the end of
the period, counted per work, agency, language and cohort; the officers' rows, a page or a
chunk at a time."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, and_, case, cast, exists, func, literal, null, or_, select, true, union, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from ...domain import reports as rules
from ...extensions import db
from ...models import Assignment, Cohort, CohortMember, Course, QuizAttempt, Scenario, ScenarioAttempt, ScenarioVersion
from ...models_progress import ProgressSummary
from . import common
from .breakdowns import _agency_order
from .common import (People, STATUSES, by_end, course_ids, course_targets, scenario_ids, scenario_targets,
                     target_expression, target_titles)
from .filters import ReportFilters
from .side_by_side import side_by_side


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


def _rank(status):
    """How far along a status is: a work counts with its version furthest along."""
    return case((status == "passed", 3), (status == "completed", 2), else_=1)


def _versions(filters: ReportFilters, kind: str, model, assigned_target, chosen, only, status_of) -> list[Select]:
    """Officer x work rows of one kind, one per work, as two queries to UNION ALL.

    Started: the read model's rows started by the end of the period with no better version of
    the same work (furthest along, then finished first, then started first, then the lowest id),
    an anti-join on the officer and work, so no window sorts every row to rank them; a work
    whose counted version finished before the period began is not part of it. Not started: the
    works assigned to the officer with no version started by then, in the lowest assigned
    version."""
    mine, other = ProgressSummary, aliased(ProgressSummary, name=f"{kind}_better")
    version = aliased(model, name=f"version_{kind}")
    status, finished = status_of(mine)
    other_status, other_finished = status_of(other)
    rank, other_rank = _rank(status), _rank(other_status)
    # Within one rank both versions finished (passed) or neither did.
    better = or_(other_rank > rank,
                 and_(other_rank == rank,
                      or_(other_finished < finished,
                          and_(or_(other_finished == finished, other_finished.is_(None)),
                               or_(other.started_at < mine.started_at,
                                   and_(other.started_at == mine.started_at, other.item_id < mine.item_id))))))
    work = target_expression(model, mine.item_id)
    rivals = [other.user_id == mine.user_id, other.kind == kind, target_expression(model, other.item_id) == work,
              other.item_id != mine.item_id, by_end(other.started_at, filters), better]
    already = aliased(ProgressSummary, name=f"{kind}_started")
    assigned_work = target_expression(model, assigned_target)
    begun = [already.user_id == CohortMember.user_id, already.kind == kind,
             target_expression(model, already.item_id) == assigned_work, by_end(already.started_at, filters)]
    if chosen is not None:  # only the versions counted compete, and only they make a work begun
        rivals.append(other.item_id.in_(chosen))
        begun.append(already.item_id.in_(chosen))
    started = (select(mine.user_id, literal(kind).label("kind"), mine.item_id, work.label("target_id"),
                      version.language.label("language"), status.label("status"), mine.started_at,
                      finished.label("finished_at"))
               .join(version, version.id == mine.item_id)
               .where(mine.kind == kind, by_end(mine.started_at, filters),
                      ~exists().where(*rivals)))
    if filters.start:  # the work finished before the period: not part of it
        started = started.where(or_(finished.is_(None), finished >= filters.starts_at))
    assigned = _assigned(filters, assigned_target).where(~exists().where(*begun))
    if chosen is not None:
        assigned = assigned.where(assigned_target.in_(chosen))
    if only is not None:
        assigned = assigned.where(CohortMember.user_id.in_(only))
    # Grouped after the anti-join: the planner then sees the assigned rows' real number.
    assigned = (assigned.with_only_columns(CohortMember.user_id, assigned_work.label("target_id"),
                                           func.min(assigned_target).label("item_id"))
                .group_by(CohortMember.user_id, assigned_work).subquery(f"{kind}_assigned"))
    a = assigned.c
    moment = cast(null(), ProgressSummary.started_at.type)  # typed: a bare NULL in a UNION is text
    not_started = (select(a.user_id, literal(kind).label("kind"), a.item_id, a.target_id,
                          version.language.label("language"), literal("not_started").label("status"),
                          moment.label("started_at"), moment.label("finished_at"))
                   .join(version, version.id == a.item_id))
    if chosen is not None:
        started = started.where(mine.item_id.in_(chosen))
    if only is not None:
        started = started.where(mine.user_id.in_(only))
    return [started, not_started]


def _course_versions(filters: ReportFilters, only=None) -> list[Select]:
    """Officer x course rows (enrolled or assigned), one per work, with their status at the end of
    the period: user_id, kind, item_id (the version counted), target_id (the work), language,
    status, started_at, finished_at.

    passed: certificate issued (the course's completion rule met) and not revoked; completed:
    every lesson done, post-test not yet passed (or its certificate revoked); in progress:
    enrolled; not started: assigned only. Read from the progress read model (one row per
    enrolment, with the moment each of these happened), so nothing is derived from lessons,
    certificates or progress rows here.
    """
    def status_of(mine):
        finished = func.coalesce(case((by_end(mine.completed_at, filters), mine.completed_at)),
                                 case((by_end(mine.issued_at, filters), mine.issued_at)))
        return case((finished.is_not(None), "passed"), (by_end(mine.lessons_done_at, filters), "completed"),
                    else_="in_progress"), finished

    return _versions(filters, "course", Course, Assignment.course_id, course_ids(filters), only, status_of)


def _scenario_versions(filters: ReportFilters, only=None) -> list[Select]:
    """Officer x scenario rows (attempted or assigned), one per work, with their status at the end
    of the period, the same columns as _course_versions.

    passed: an attempt passed; completed: submitted but not passed (failed or awaiting review);
    in progress: started; not started: assigned only. Read from the progress read model (one
    row per officer and scenario, with its first start, submission and pass).
    """
    def status_of(mine):
        finished = case((by_end(mine.passed_at, filters), mine.passed_at))
        return case((finished.is_not(None), "passed"), (by_end(mine.submitted_at, filters), "completed"),
                    else_="in_progress"), finished

    return _versions(filters, "scenario", Scenario, Assignment.scenario_id, scenario_ids(filters), only, status_of)


def work_rows(filters: ReportFilters, only=None):
    """Officer x work rows of courses and scenarios (a subquery), one per work the officer counts
    in the period, with the version it counts with; `only` (a query of user ids) limits them.

    An officer who took several language versions of one work counts once, with the version
    furthest along (passed before completed before in progress), else the first finished, else
    the first started; a work finished before the period began is not part of it.
    """
    parts = []
    if filters.counts_courses:
        parts.extend(_course_versions(filters, only))
    if filters.counts_scenarios:
        parts.extend(_scenario_versions(filters, only))
    return union_all(*parts).subquery("work")


def completion_rows(filters: ReportFilters, only=None):
    """Officer x course and officer x scenario rows (a subquery), one per work, with their status;
    `only` (a query of user ids) limits them to some officers."""
    r = work_rows(filters, only).c
    return (select(r.user_id, r.kind, r.target_id, r.status, r.started_at, r.finished_at, r.language)
            .subquery("pair"))


def _cohort_works(filters: ReportFilters):
    """(cohort, kind, work) of every work a cohort assigned (any version of the work assigns the
    work), each once: a few rows per cohort, joined to their members after."""
    parts = []
    for kind, model, assigned in (("course", Course, Assignment.course_id),
                                  ("scenario", Scenario, Assignment.scenario_id)):
        query = (select(Assignment.cohort_id, literal(kind).label("kind"),
                        target_expression(model, assigned).label("target_id")).where(assigned.is_not(None)))
        if filters.cohort_id:
            query = query.where(Assignment.cohort_id == filters.cohort_id)
        parts.append(query)
    return union(*parts).subquery("cohort_work")


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
    (every row when page is None, for exports). The status counts and the officers' page are
    computed side by side where the database allows, from one snapshot."""
    parts = side_by_side({"cells": lambda: completion_cells(filters), "officers": lambda: officer_rows(filters, page),
                          "officer_count": lambda: db.session.scalar(People(filters).select(func.count()))})
    cells, cohort_cells = parts["cells"]
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
    return CompletionReport(total, by_target, by_cohort, by_agency, parts["officers"], parts["officer_count"],
                            by_language)


def completion_cells(filters: ReportFilters) -> tuple[list[dict], list[dict]]:
    """Status counts per (target, language, country, agency), each officer's work counted once;
    and per cohort, each officer's work counted once for every cohort of theirs that assigned it.

    One statement: the officers' rows are computed once (a common table expression) and
    grouped twice.
    """
    people = People(filters)
    work = work_rows(filters)
    r = work.c
    rows = (people.join(select().select_from(work), r.user_id)
            .add_columns(r.user_id, r.kind, r.target_id, r.language, r.status, people.country.label("country"),
                         people.user.agency_id.label("agency_id"), people.agency.name.label("agency"))
            .cte("officer_work"))

    def counts():
        found = [func.count().label("total")]
        for status in STATUSES:
            found.append(func.count(case((rows.c.status == status, 1))).label(status))
        return found

    keys = [rows.c[name] for name in ("kind", "target_id", "language", "country", "agency_id", "agency")]
    per_target = select(*keys, literal(None, Integer).label("cohort_id"), *counts()).group_by(*keys)
    # Per cohort: the rows of each cohort's members counted per work and status first (a join
    # on the officer alone), then kept for the works the cohort assigned (a few per cohort), so
    # the planner cannot join the works first and meet the members row by row.
    member_keys = (CohortMember.cohort_id, rows.c.kind, rows.c.target_id, rows.c.status)
    members = (select(*member_keys, func.count().label("officers"))
               .join(CohortMember, CohortMember.user_id == rows.c.user_id).group_by(*member_keys))
    if filters.cohort_id:
        members = members.where(CohortMember.cohort_id == filters.cohort_id)
    members = members.subquery("cohort_status")
    cohort_work = _cohort_works(filters)
    found = [cast(func.sum(members.c.officers), Integer).label("total")]  # PostgreSQL's sum of counts: numeric
    for status in STATUSES:
        found.append(cast(func.sum(case((members.c.status == status, members.c.officers), else_=0)), Integer)
                     .label(status))
    per_cohort = (select(*[literal(None).label(key.name) for key in keys], members.c.cohort_id, *found)
                  .join(cohort_work, and_(cohort_work.c.cohort_id == members.c.cohort_id,
                                          cohort_work.c.kind == members.c.kind,
                                          cohort_work.c.target_id == members.c.target_id))
                  .group_by(members.c.cohort_id))
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


def officer_row_chunks(filters: ReportFilters, size: int | None = None):
    """Every officer x course/scenario row of officer_rows(filters, None), in the same order, a
    chunk of `size` officers at a time: the officers stream from one query (a server-side
    cursor on PostgreSQL), and each chunk's rows are read for those officers alone, so an
    export of 100 000 officers starts at once and holds one chunk in memory."""
    people = People(filters)
    officers = (people.select(people.user.id).order_by(people.user.full_name, people.user.id)
                .execution_options(yield_per=size or common.OFFICERS_PER_CHUNK))
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
                .limit(common.OFFICERS_PER_PAGE).offset((max(page, 1) - 1) * common.OFFICERS_PER_PAGE))
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
