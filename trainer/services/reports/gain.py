"""Knowledge gain: first pre-test against best post-test, per course, cohort and competency."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from ...domain import reports as rules
from ...extensions import db
from ...i18n import reader_language
from ...models import AttemptItem, Cohort, CohortMember, Course, QuizAttempt
from .common import (GAIN_BINS, People, _dialect, bin_of, by_end, course_ids, course_targets, false_, in_period,
                     target_titles)
from .filters import ReportFilters


def gain_pairs(filters: ReportFilters):
    """(officer, course) pairs with both tests (a subquery): see gain_pair_query."""
    return gain_pair_query(filters).subquery("pair")


def gain_pair_query(filters: ReportFilters) -> Select:
    """(officer, course) pairs with both tests: the first pre-test and the best post-test
    submitted in the period. Officers who took only one of the two are not counted."""
    pre_test = and_(QuizAttempt.kind == "pre_test", by_end(QuizAttempt.submitted_at, filters))
    post_test = and_(QuizAttempt.kind == "post_test", QuizAttempt.submitted_at.is_not(None),
                     in_period(QuizAttempt.submitted_at, filters))
    # One pass over the attempts, grouped by officer and course, then (SQLite) the first
    # pre-test's score by primary key: no join between derived tables, whose plan SQLite
    # (without statistics) may get badly wrong.
    # Grouped by work: a pre-test in English and a post-test in Russian make one pair.
    targets = course_targets()
    postgresql = _dialect() == "postgresql"
    if postgresql:
        # The first pre-test's score comes in the same pass, as the least [id, score] array:
        # looking it up again hashed all 400 000 attempts at 100 000 officers (bench/README.md).
        first_pre = func.min(case((pre_test, pg.array([cast(QuizAttempt.id, Float), QuizAttempt.score_percent]))),
                             type_=pg.ARRAY(Float))
    else:
        first_pre = func.min(case((pre_test, QuizAttempt.id)))
    tests = (select(QuizAttempt.user_id, targets.c.target_id.label("course_id"), first_pre.label("first_pre"),
                    func.max(case((post_test, QuizAttempt.score_percent))).label("post"))
             .join(targets, targets.c.item_id == QuizAttempt.course_id)
             .where(QuizAttempt.kind.in_(("pre_test", "post_test")), QuizAttempt.score_percent.is_not(None))
             .group_by(QuizAttempt.user_id, targets.c.target_id))
    if course_ids(filters) is not None:
        tests = tests.where(QuizAttempt.course_id.in_(course_ids(filters)))
    if not filters.counts_courses:
        tests = tests.where(false_())
    tests = tests.subquery("tests")
    if postgresql:
        pre_id, pre_score, tables = cast(tests.c.first_pre[1], Integer), tests.c.first_pre[2], tests
    else:
        pre = aliased(QuizAttempt, name="pre")
        pre_id, pre_score = tests.c.first_pre, pre.score_percent
        tables = tests.join(pre, pre.id == tests.c.first_pre)
    query = (select(tests.c.user_id, tests.c.course_id, pre_score.label("pre"), tests.c.post,
                    (tests.c.post - pre_score).label("gain"), pre_id.label("pre_id"))
             .select_from(tables).where(pre_score.is_not(None), tests.c.post.is_not(None)))
    return People(filters).join(query, tests.c.user_id)


def _gain_summary(pairs, group: Sequence[str]) -> Select:
    """n, means, share improved and the median gain of pairs per group (the mean of the one or
    two middle gains: PostgreSQL's percentile_cont(0.5); elsewhere found with window functions)."""
    if _dialect() == "postgresql":
        # One sort per group inside the aggregate, where the window functions sorted and passed
        # over every pair twice more (a fifth of the knowledge gain page at 100 000 officers).
        rows, median = pairs, func.percentile_cont(0.5).within_group(pairs.c.gain)
    else:
        partition = [pairs.c[name] for name in group] or None
        rows = select(*[pairs.c[name] for name in group], pairs.c.pre, pairs.c.post, pairs.c.gain,
                      func.row_number().over(partition_by=partition, order_by=pairs.c.gain).label("rn"),
                      func.count().over(partition_by=partition).label("n")).subquery("ranked_gain")
        median = func.avg(case((rows.c.rn.between((rows.c.n + 1) // 2, (rows.c.n + 2) // 2), rows.c.gain)))
    keys = [rows.c[name] for name in group]
    return (select(*keys, func.count().label("officers"), func.avg(rows.c.pre).label("mean_pre"),
                   func.avg(rows.c.post).label("mean_post"), func.avg(rows.c.gain).label("mean_gain"),
                   func.sum(case((rows.c.gain > 0, 1), else_=0)).label("improved"), median.label("median_gain"))
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
