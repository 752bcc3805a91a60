"""Learning records: each learning event writes its xAPI statement in the event's own transaction.

The services call one function here per event, before they commit; the statement is a row of
the outbox (models_xapi.XapiStatement), so if the event is committed its statement is too, and
a rolled-back event leaves none. Sending is trainer/services/lrs.py's job, after the commit.
Statement ids come from the event (domain/xapi.py): recording an event twice (two tabs, a retry
after a concurrent update) keeps one statement.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..domain import xapi
from ..extensions import db
from ..models import (
    Attendance,
    Certificate,
    CohortMember,
    Course,
    Lesson,
    QuizAttempt,
    Scenario,
    ScenarioAttempt,
    TrainingSession,
    User,
    utcnow,
)
from ..models_xapi import XapiStatement

RECORDED = "xapi_recorded"  # session.info flag: this transaction added statements (lrs.py sends them)
ATTENDED = ("present", "late")


def platform() -> xapi.Platform:
    """The platform's address: PUBLIC_BASE_URL, else the address of the request."""
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.url_root if has_request_context() else "")
    return xapi.Platform((base or "http://localhost").rstrip("/"),
                         send_email=bool(current_app.config.get("XAPI_ACTOR_EMAIL")))


def person(user: User) -> xapi.Person:
    return xapi.Person(user.id, user.email)


def record(user_id: int, statement: dict) -> None:
    """Keep the statement in this transaction, unless the same event's statement is kept already."""
    if db.session.get(XapiStatement, statement["id"]) is None:
        try:
            with db.session.begin_nested():
                db.session.add(XapiStatement(id=statement["id"], user_id=user_id, verb=statement["verb"]["id"],
                                             statement=statement))
        except IntegrityError:
            if db.session.get(XapiStatement, statement["id"]) is None:  # not a twin: something else is wrong
                raise
    db.session.info[RECORDED] = True


def course_content(course: Course) -> xapi.Content:
    return xapi.Content(course.slug, course.title, course.language, titles_of_work(Course, course))


def titles_of_work(model, row) -> dict[str, str]:
    """{language: title} of the other active versions of a course's or scenario's work."""
    return dict(db.session.execute(select(model.language, model.title).where(
        model.work == row.work, model.id != row.id, model.active).order_by(model.id.desc())).all())


# -- courses -------------------------------------------------------------------------------------

def lesson_completed(user: User, lesson: Lesson, completed_at: datetime) -> None:
    course = lesson.course
    record(user.id, xapi.lesson_completed(platform(), person(user), course_content(course),
                                          xapi.Content(lesson.slug, lesson.title, course.language), completed_at))


def quiz_submitted(user: User, attempt: QuizAttempt) -> None:
    """A knowledge check: each question answered; a pre- or post-test: passed or failed."""
    here, officer, course = platform(), person(user), course_content(attempt.course)
    if attempt.kind != "check":
        record(user.id, xapi.test_finished(here, officer, course, attempt.kind, attempt.id,
                                           attempt.score_percent or 0.0, attempt.course.pass_mark,
                                           attempt.started_at, attempt.submitted_at))
        return
    lesson = xapi.Content(attempt.lesson.slug, attempt.lesson.title, course.language)
    for item in attempt.items:
        question = xapi.Content(item.question["id"], item.question.get("prompt", ""), course.language)
        record(user.id, xapi.question_answered(here, officer, course, lesson, question, attempt.id,
                                               item.score or 0.0, attempt.submitted_at))


def certificate_issued(user: User, course: Course, certificate: Certificate) -> None:
    record(user.id, xapi.certificate_earned(platform(), person(user), course_content(course),
                                            certificate.code, certificate.issued_at or utcnow()))


# -- scenarios -----------------------------------------------------------------------------------

def scenario_content(attempt: ScenarioAttempt) -> xapi.Content:
    scenario = attempt.version.scenario
    return xapi.Content(scenario.slug, scenario.title, scenario.language, titles_of_work(Scenario, scenario))


def scenario_started(user: User, attempt: ScenarioAttempt) -> None:
    record(user.id, xapi.scenario_started(platform(), person(user), scenario_content(attempt), attempt.id,
                                          attempt.started_at or utcnow()))


def scoring_occasion(attempt: ScenarioAttempt) -> str:
    """Which scoring of the attempt this is: its submission, each review, each re-score."""
    history = (attempt.result or {}).get("history") or []
    reviewed = xapi.timestamp(attempt.reviewed_at) if attempt.reviewed_at else "submitted"
    return f"rules-{attempt.rule_version}/rescored-{len(history)}/{reviewed}"


def attempt_scored(attempt: ScenarioAttempt, spec, result) -> None:
    """Each task's score (those not waiting for a trainer) and, once it has one, the outcome."""
    here, officer, scenario = platform(), person(attempt.user), scenario_content(attempt)
    occasion, now = scoring_occasion(attempt), utcnow()
    for task_result in result.tasks:
        if task_result.pending:
            continue
        task = xapi.Content(task_result.task_id, spec.task(task_result.task_id).title, scenario.language)
        record(attempt.user_id, xapi.task_scored(here, officer, scenario, task, attempt.id, task_result.score,
                                                 occasion, now))
    if result.status in ("passed", "failed"):
        record(attempt.user_id, xapi.scenario_finished(
            here, officer, scenario, attempt.id, result.total_percent, result.status == "passed",
            attempt.started_at, attempt.submitted_at or now, occasion, now))


def reports_reviewed(attempt: ScenarioAttempt, spec, trainer: User) -> None:
    """A trainer scored the attempt's reports: one statement per report, the trainer as actor."""
    scores = {task["task_id"]: task.get("score") for task in (attempt.result or {}).get("tasks", [])}
    here, scenario = platform(), scenario_content(attempt)
    for task_id in attempt.report_scores or {}:
        task = xapi.Content(task_id, spec.task(task_id).title, scenario.language)
        record(attempt.user_id, xapi.report_reviewed(here, person(trainer), person(attempt.user), scenario, task,
                                                     attempt.id, scores.get(task_id) or 0.0, attempt.reviewed_at))


# -- cohorts -------------------------------------------------------------------------------------

def attendance_changed(session: TrainingSession, row: Attendance, status: str, recorder: User) -> None:
    """Before the officer's mark changes to `status`: becoming present or late records that they
    attended; an attended mark changed to absent or excused voids what was recorded (late to
    present, or the reverse, changes nothing they did)."""
    was = row.id is not None and row.status in ATTENDED
    if (status in ATTENDED) == was:
        return
    here, officer = platform(), db.session.get(User, row.user_id)
    if not was:
        record(row.user_id, xapi.session_attended(here, person(officer), session.cohort_id, session.id, session.topic,
                                                  session.minutes, session.starts_at, utcnow()))
        return
    activity_id = xapi.session_activity_id(here, session.cohort_id, session.id)
    for earlier in db.session.scalars(select(XapiStatement).where(XapiStatement.user_id == row.user_id,
                                                                  XapiStatement.verb == xapi.VERBS["attended"].id)):
        if earlier.statement["object"]["id"] == activity_id:
            record(row.user_id, xapi.voided(here, person(recorder), earlier.id, utcnow()))


# -- reading them back -----------------------------------------------------------------------------

def stored_statements(start: datetime | None, end: datetime | None, cohort_id: int | None):
    """A query of kept statements, oldest first: recorded from `start` and before `end`, about
    the members of a cohort."""
    query = select(XapiStatement).order_by(XapiStatement.created_at, XapiStatement.id)
    if start is not None:
        query = query.where(XapiStatement.created_at >= start)
    if end is not None:
        query = query.where(XapiStatement.created_at < end)
    if cohort_id is not None:
        query = query.where(XapiStatement.user_id.in_(
            select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
    return query


def delivery_summary() -> dict[str, int]:
    """How many statements are kept, sent to the LRS, waiting, and waiting after a failure."""
    counts = db.session.execute(select(
        func.count(), func.count(XapiStatement.sent_at),
        func.count().filter(XapiStatement.sent_at.is_(None), XapiStatement.attempts > 0))).one()
    return {"kept": counts[0], "sent": counts[1], "waiting": counts[0] - counts[1], "failing": counts[2]}


def last_error() -> str:
    return db.session.scalar(select(XapiStatement.last_error).where(XapiStatement.sent_at.is_(None),
                                                                    XapiStatement.attempts > 0)
                             .order_by(XapiStatement.next_attempt_at.desc()).limit(1)) or ""
