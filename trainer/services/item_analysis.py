"""Item analysis of a course's tests and knowledge checks and of a scenario's auto-scored items:
marks read in SQL, statistics computed by trainer.domain.item_stats in one pass.

Whose attempts count: the same ReportFilters as every report (period, officers' country, agency,
cohort, gender, role; a course or scenario counts its whole work, narrowed by a language), and
optionally only the officers of a query (a trainer's cohorts). As Moodle does by default, each
officer's first submitted attempt at each test counts, so retakes that build on the feedback of
an earlier attempt do not inflate the facility; the latest `SAMPLE` of those per test are read.

A test is the pre-test, the post-test or one lesson's knowledge check; its total is the sum of
the question scores (each 0..1) of an attempt. For a scenario, the test is the whole case: every
auto-scored answer-key item (a report's grade, a link, an event, an ACH cell, a decision) with its
points out of its maximum; the written report, scored by a trainer against a rubric, is left out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.sql import Select

from ..domain.item_stats import ItemStats, OptionShare, item_statistics, option_shares
from ..extensions import db
from ..i18n import reader_language
from ..models import (AttemptItem, Course, Lesson, Question, QuizAttempt, ScenarioAttempt, ScenarioItemMark,
                      ScenarioVersion)
from .reports import (ANALYSIS_SAMPLE, People, ReportFilters, course_ids, false_, in_period, json_object_agg,
                      scenario_ids, scenario_targets, _item_label, _version_tasks)

# First attempts read per test (the latest ones): item statistics settle long before this, and
# it bounds the work of one page at any programme size.
SAMPLE = 5000
TEST_ORDER = {"pre_test": 0, "check": 1, "post_test": 2}


@dataclass(frozen=True)
class AnalysedItem:
    """An item's statistics with what a trainer needs to find it."""

    stats: ItemStats
    prompt: str = ""  # the question's prompt, or a scenario item's label (an example)
    type: str = ""  # the question type, or the scenario task's title
    task_id: str = ""  # scenario items: the task, whose id makes the item's id unique


@dataclass(frozen=True)
class TestAnalysis:
    """One test of a course (pre-test, post-test or a lesson's check) or a scenario's case."""

    key: str  # "pre_test", "post_test", "check-<lesson slug>", "scenario"
    kind: str
    lesson: str  # the lesson's title, for a knowledge check
    attempts: int
    items: list[AnalysedItem]
    options: list[OptionShare] = field(default_factory=list)


def first_quiz_attempts(filters: ReportFilters, officers: Select | None = None) -> Select:
    """Ids of each officer's first submitted attempt at each test of the chosen course (the
    latest SAMPLE per test), by the officers the filters count."""
    ids = course_ids(filters)
    first = (select(func.min(QuizAttempt.id).label("id"), QuizAttempt.kind.label("kind"),
                    Lesson.slug.label("lesson"))
             .select_from(QuizAttempt).outerjoin(Lesson, Lesson.id == QuizAttempt.lesson_id)
             .where(QuizAttempt.submitted_at.is_not(None), in_period(QuizAttempt.submitted_at, filters)))
    first = People(filters).join(first, QuizAttempt.user_id)
    if ids is not None:
        first = first.where(QuizAttempt.course_id.in_(ids))
    if officers is not None:
        first = first.where(QuizAttempt.user_id.in_(officers))
    if ids is None or not filters.counts_courses:
        first = first.where(false_())  # a course must be chosen
    first = first.group_by(QuizAttempt.user_id, QuizAttempt.kind, Lesson.slug).subquery("first_attempt")
    ranked = select(first.c.id, func.row_number().over(partition_by=(first.c.kind, first.c.lesson),
                                                       order_by=first.c.id.desc()).label("rn")).subquery("ranked")
    return select(ranked.c.id).where(ranked.c.rn <= SAMPLE)


def course_items(filters: ReportFilters, officers: Select | None = None) -> list[TestAnalysis]:
    """Item statistics and option shares of every test and knowledge check of the chosen course."""
    chosen = first_quiz_attempts(filters, officers)
    marks = (select(QuizAttempt.id, QuizAttempt.kind, Lesson.slug, Question.key, AttemptItem.score)
             .select_from(AttemptItem).join(QuizAttempt, QuizAttempt.id == AttemptItem.attempt_id)
             .join(Question, Question.id == AttemptItem.question_id)
             .outerjoin(Lesson, Lesson.id == QuizAttempt.lesson_id)
             .where(QuizAttempt.id.in_(chosen)).order_by(QuizAttempt.id))
    attempts: dict[tuple[str, str | None], dict[int, dict[str, float]]] = {}
    for attempt_id, kind, lesson, key, score in db.session.execute(marks):  # the one pass over the marks
        attempts.setdefault((kind, lesson), {}).setdefault(attempt_id, {})[key] = float(score or 0.0)
    if not attempts:
        return []
    answered = (select(QuizAttempt.kind.label("kind"), Lesson.slug.label("lesson"), Question.key.label("key"),
                       cast(AttemptItem.response, String).label("response"))
                .select_from(AttemptItem).join(QuizAttempt, QuizAttempt.id == AttemptItem.attempt_id)
                .join(Question, Question.id == AttemptItem.question_id)
                .outerjoin(Lesson, Lesson.id == QuizAttempt.lesson_id)
                .where(QuizAttempt.id.in_(chosen)).subquery("answered"))
    responses: dict[tuple[str, str | None, str], list[tuple[object, int]]] = {}
    grouped = (select(answered.c.kind, answered.c.lesson, answered.c.key, answered.c.response, func.count())
               .group_by(answered.c.kind, answered.c.lesson, answered.c.key, answered.c.response))
    for kind, lesson, key, response, count in db.session.execute(grouped):  # one row per distinct answer
        responses.setdefault((kind, lesson, key), []).append((_response_value(response), count))
    questions, banks, lessons = _course_content(filters)
    tests: list[tuple[tuple[int, int], TestAnalysis]] = []
    for (kind, lesson), by_attempt in attempts.items():
        bank = banks.get((kind, lesson), [])
        seen = {key for marks_ in by_attempt.values() for key in marks_}
        names = [key for key in bank if key in seen] + sorted(seen - set(bank))
        rows = [tuple(marks_.get(name) for name in names) for marks_ in by_attempt.values()]
        stats = item_statistics(names, rows, [1.0] * len(names))
        items, options = [], []
        for stat in stats:
            question = questions.get(stat.name, {})
            items.append(AnalysedItem(stat, question.get("prompt", ""), question.get("type", "")))
            options += option_shares(question, responses.get((kind, lesson, stat.name), []))
        position, title = lessons.get(lesson, (0, lesson or ""))
        test = TestAnalysis(f"check-{lesson}" if kind == "check" else kind, kind, title if kind == "check" else "",
                            len(by_attempt), items, options)
        tests.append(((TEST_ORDER.get(kind, 1), position), test))
    return [test for _, test in sorted(tests, key=lambda pair: pair[0])]


def _response_value(stored: str | None):
    """A stored response's value ({"value": ...} as JSON text); None when unanswered or unreadable."""
    if not stored:
        return None
    try:
        document = json.loads(stored)
    except ValueError:
        return None
    return document.get("value") if isinstance(document, dict) else None


def _course_content(filters: ReportFilters):
    """Questions by key, each test's bank order and lessons by slug, from the course version in
    the reader's language (else the work's first version), for labels and the order of rows."""
    ids = course_ids(filters)
    courses = db.session.scalars(select(Course).where(Course.id.in_(ids)).order_by(Course.id)).all() if ids is not None else []
    language = reader_language()
    preferred = sorted(courses, key=lambda course: (course.language != language, course.id))
    questions: dict[str, dict] = {}
    banks: dict[tuple[str, str | None], list[str]] = {}
    lessons: dict[str, tuple[int, str]] = {}
    for course in reversed(preferred):  # the preferred version is written last and wins
        for key, data in db.session.execute(select(Question.key, Question.data).where(Question.course_id == course.id)):
            questions[key] = data
        for kind in ("pre_test", "post_test"):
            bank = (course.settings or {}).get(kind) or {}
            banks[(kind, None)] = list(bank.get("questions", []))
        for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id)):
            lessons[lesson.slug] = (lesson.position, lesson.title)
            banks[("check", lesson.slug)] = list((lesson.check or {}).get("questions", []))
    return questions, banks, lessons


def first_scenario_attempts(filters: ReportFilters, officers: Select | None = None) -> Select:
    """Ids of each officer's first submitted attempt at the chosen scenario (any version of its
    work in the chosen language), the latest ANALYSIS_SAMPLE of them."""
    ids = scenario_ids(filters)
    targets = scenario_targets()
    first = (select(func.min(ScenarioAttempt.id).label("id"))
             .select_from(ScenarioAttempt).join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
             .join(targets, targets.c.item_id == ScenarioVersion.scenario_id)
             .where(ScenarioAttempt.submitted_at.is_not(None), ScenarioAttempt.status != "in_progress",
                    in_period(ScenarioAttempt.submitted_at, filters)))
    first = People(filters).join(first, ScenarioAttempt.user_id)
    if ids is not None:
        first = first.where(ScenarioVersion.scenario_id.in_(ids))
    if officers is not None:
        first = first.where(ScenarioAttempt.user_id.in_(officers))
    if ids is None or not filters.counts_scenarios:
        first = first.where(false_())  # a scenario must be chosen
    first = first.group_by(ScenarioAttempt.user_id, targets.c.target_id).subquery("first_attempt")
    latest = select(first.c.id).order_by(first.c.id.desc()).limit(ANALYSIS_SAMPLE).subquery("latest")
    return select(latest.c.id)


def scenario_items(filters: ReportFilters, officers: Select | None = None) -> TestAnalysis | None:
    """Item statistics of every auto-scored answer-key item of the chosen scenario, across its
    versions (an item is its task id and item id); None when no attempt counts.

    Read as one row per attempt (its marks as a JSON object keyed "task position:item id") and
    one per item of each version (an example label, the maximum, its place in the key)."""
    mark = ScenarioItemMark
    versions = dict(db.session.execute(select(ScenarioAttempt.id, ScenarioAttempt.version_id)
                                       .where(ScenarioAttempt.id.in_(first_scenario_attempts(filters, officers)))).all())
    # The marks alone, by attempt id: joined to the attempts, PostgreSQL walks every attempt's row.
    place = cast(mark.position, String) + literal(":") + mark.item_id
    by_attempt_rows = db.session.execute(select(mark.attempt_id, json_object_agg(place, mark.points))
                                         .where(mark.attempt_id.in_(list(versions))).group_by(mark.attempt_id)).all()
    if not by_attempt_rows:
        return None
    attempts_of: dict[int, list[int]] = {}
    for attempt_id, version_id in versions.items():
        attempts_of.setdefault(version_id, []).append(attempt_id)
    item_rows = [(version_id, *row) for version_id, ids in attempts_of.items()  # a version or two, or a few
                 for row in db.session.execute(select(mark.position, mark.item_id, func.min(mark.label),
                                                      func.max(mark.max_points), func.min(mark.id))
                                               .where(mark.attempt_id.in_(ids)).group_by(mark.position, mark.item_id))]
    tasks = _version_tasks({version_id for version_id, *_ in item_rows})
    keys: dict[tuple[int, str], tuple[str, str]] = {}  # (version id, "position:item id") -> (task id, item id)
    maxima: dict[tuple[str, str], float] = {}
    labels: dict[tuple[str, str], tuple[str, str, int, int]] = {}  # label, task title, task position, first mark
    for version_id, position, item_id, label, max_points, first_mark in item_rows:  # an item of a version
        spec_task, spec = tasks[(version_id, position)]
        key = keys[(version_id, f"{position}:{item_id}")] = (spec_task.id, item_id)
        maxima[key] = max(maxima.get(key, 0.0), float(max_points))
        if key not in labels or first_mark < labels[key][3]:
            labels[key] = (label, spec.render(spec_task.title), position, first_mark)
    by_attempt = [{keys[(versions[attempt_id], place)]: points for place, points in marks_.items()}
                  for attempt_id, marks_ in by_attempt_rows]
    names = sorted(labels, key=lambda key: (labels[key][2], labels[key][3]))  # task order, then item order
    stats = item_statistics([item_id for _, item_id in names],
                            [tuple(marks_.get(name) for name in names) for marks_ in by_attempt],
                            [maxima[name] for name in names])
    items = [AnalysedItem(stat, _item_label(labels[name][0]) or "", labels[name][1], name[0])
             for stat, name in zip(stats, names)]
    return TestAnalysis("scenario", "scenario", "", len(by_attempt), items)
