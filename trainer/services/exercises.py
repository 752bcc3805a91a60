"""Live exercises, the live cohort view and the review queue of written reports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..domain.generation import variant_seed
from ..domain.scoring import CURRENT_RULES, is_empty_report, score_attempt
from ..extensions import db
from ..models import (
    Cohort,
    CohortMember,
    LiveExercise,
    Scenario,
    ScenarioAttempt,
    TrainingSession,
    User,
    cohort_trainers,
    utcnow,
)
from ..permissions import trains
from . import learning_records, progress_summary
from .concurrency import insert_or_existing
from .scenarios import as_aware, rules_of, scenario_for, score, unseen_reports


def start_exercise(cohort: Cohort, scenario: Scenario, trainer: User, session: TrainingSession | None) -> LiveExercise:
    """Run a scenario with the whole cohort; reports marked `trainer` wait for release."""
    exercise = LiveExercise(cohort_id=cohort.id, scenario_id=scenario.id, version_id=scenario.current_version_id,
                            started_by_id=trainer.id, session_id=session.id if session else None, released_reports=[])
    db.session.add(exercise)
    db.session.flush()
    return exercise


OPEN_EXERCISES_FOR = (  # on the trainee home page: built once (see courses.ACTIVE_COURSES)
    select(LiveExercise).join(CohortMember, CohortMember.cohort_id == LiveExercise.cohort_id)
    .where(CohortMember.user_id == bindparam("user"), LiveExercise.ended_at.is_(None))
    .options(joinedload(LiveExercise.scenario)))


def open_exercises_for(user: User) -> list[LiveExercise]:
    """Live exercises running now in the trainee's cohorts."""
    return list(db.session.scalars(OPEN_EXERCISES_FOR, {"user": user.id}))


def join_exercise(user: User, exercise: LiveExercise) -> ScenarioAttempt:
    """The trainee's attempt in this exercise, created on first join (their own variant)."""
    def existing() -> ScenarioAttempt | None:
        return db.session.scalar(select(ScenarioAttempt).where(ScenarioAttempt.user_id == user.id,
                                                               ScenarioAttempt.live_exercise_id == exercise.id))

    attempt = existing()
    if attempt is None:
        scenario = exercise.scenario
        attempt = ScenarioAttempt(user_id=user.id, version_id=exercise.version_id, live_exercise_id=exercise.id,
                                  seed=variant_seed(scenario.slug, user.id) if scenario.is_template else None,
                                  responses={}, started_at=exercise.started_at)
        # Joining twice at once: the unique index keeps one attempt per trainee and exercise.
        attempt = insert_or_existing(attempt, existing)
        learning_records.scenario_started(user, attempt)
        progress_summary.refresh_scenario(user.id, scenario.id)
    return attempt


def unreleased_reports(exercise: LiveExercise) -> list:
    """The injects (release: trainer) of the exercise not yet released, in scenario order.

    Under scoring rules 2 a trainee who submits before an inject is released is not scored on
    it, so the trainer is asked to confirm before ending the exercise with any left.
    """
    spec = scenario_for(exercise.version, None)
    released = set(exercise.released_reports or [])
    return [r for r in spec.reports if r.release.kind == "trainer" and r.id not in released]


def release_report(exercise: LiveExercise, report_id: str) -> bool:
    """Release an inject to every trainee of the exercise; False if unknown or already out."""
    spec = scenario_for(exercise.version, None)
    report = spec.report(report_id)
    if report is None or report.release.kind != "trainer" or report_id in exercise.released_reports:
        return False
    exercise.released_reports = [*exercise.released_reports, report_id]  # a new list: JSON change tracking
    return True


@dataclass(frozen=True)
class LiveRow:
    user: User
    attempt: ScenarioAttempt | None
    state: str                      # "not_started" | "working" | "stuck" | "submitted"
    task_scores: dict[str, float]   # task id -> current auto score, 0..1
    total_percent: float | None
    last_activity: datetime | None


def live_rows(exercise: LiveExercise, stuck_minutes: int, now: datetime | None = None) -> list[LiveRow]:
    """Every member's progress in the exercise, scored on what they have saved so far."""
    now = now or utcnow()
    members = list(db.session.scalars(select(User).join(CohortMember).where(CohortMember.cohort_id == exercise.cohort_id)
                                      .order_by(User.full_name)))
    attempts = {a.user_id: a for a in db.session.scalars(
        select(ScenarioAttempt).where(ScenarioAttempt.live_exercise_id == exercise.id))}
    rows = []
    for member in members:
        attempt = attempts.get(member.id)
        if attempt is None:
            rows.append(LiveRow(member, None, "not_started", {}, None, None))
            continue
        spec = scenario_for(exercise.version, attempt.seed)
        result = score_attempt(spec, attempt.responses or {}, rules=rules_of(attempt),
                               unseen=unseen_reports(spec, attempt))
        last = as_aware(attempt.saved_at or attempt.started_at)
        if attempt.submitted_at:
            state = "submitted"
        elif now - last > timedelta(minutes=stuck_minutes):
            state = "stuck"
        else:
            state = "working"
        rows.append(LiveRow(member, attempt, state, {t.task_id: t.score for t in result.tasks},
                            result.total_percent, last))
    return rows


# --- review queue -----------------------------------------------------------------------------

def review_queue(trainer: User) -> list[ScenarioAttempt]:
    """Submitted attempts waiting for a written report to be scored, oldest first.

    A trainer sees those of trainees in the cohorts they run; an administrator sees all.
    """
    query = (select(ScenarioAttempt).where(ScenarioAttempt.status == "awaiting_review")
             .order_by(ScenarioAttempt.submitted_at))
    if trainer.role != "admin":
        my_trainees = (select(CohortMember.user_id).join(cohort_trainers, cohort_trainers.c.cohort_id == CohortMember.cohort_id)
                       .where(cohort_trainers.c.user_id == trainer.id))
        query = query.where(ScenarioAttempt.user_id.in_(my_trainees))
    return list(db.session.scalars(query))


class ReviewRejected(ValueError):
    """Points outside a criterion's range or missing: which criterion of which task, and why."""

    def __init__(self, task_id: str, criterion_id: str, message: str):
        super().__init__(message)
        self.task_id, self.criterion_id = task_id, criterion_id


def scored_with_earlier_rules(trainer: User, limit: int = 200) -> list[ScenarioAttempt]:
    """Submitted attempts scored with rules older than the current ones, newest first.

    The trainer may re-score them (services.scenarios.rescore); same people as the review queue.
    """
    query = (select(ScenarioAttempt).where(ScenarioAttempt.submitted_at.is_not(None),
                                           ScenarioAttempt.rule_version < CURRENT_RULES)
             .order_by(ScenarioAttempt.submitted_at.desc(), ScenarioAttempt.id.desc()).limit(limit))
    if trainer.role != "admin":
        my_trainees = (select(CohortMember.user_id).join(cohort_trainers, cohort_trainers.c.cohort_id == CohortMember.cohort_id)
                       .where(cohort_trainers.c.user_id == trainer.id))
        query = query.where(ScenarioAttempt.user_id.in_(my_trainees))
    return list(db.session.scalars(query))


def reports_to_review(spec, attempt: ScenarioAttempt) -> list:
    """The report tasks a trainer scores: all of them, except (rules 2) an empty report, scored 0 already."""
    responses = attempt.responses or {}
    return [task for task in spec.tasks if task.type == "report"
            and not (rules_of(attempt) >= 2 and is_empty_report(responses.get(task.id)))]


def review(attempt: ScenarioAttempt, trainer: User, points: dict[str, dict[str, str]], comments: dict[str, dict[str, str]]) -> None:
    """Score every rubric criterion of every report task to review, then rescore the attempt."""
    spec = scenario_for(attempt.version, attempt.seed)
    scores: dict[str, dict] = {}
    for task in reports_to_review(spec, attempt):
        scores[task.id] = {}
        for criterion in task.content.rubric:
            raw = (points.get(task.id, {}).get(criterion.id) or "").strip()
            try:
                value = float(raw.replace(",", "."))
            except ValueError:
                raise ReviewRejected(task.id, criterion.id, _("give a number of points from 0 to %(max)s.",
                                                              max=f"{criterion.max_points:g}")) from None
            if not 0 <= value <= criterion.max_points:
                raise ReviewRejected(task.id, criterion.id,
                                     _("%(points)s is more than this criterion gives (0 to %(max)s).",
                                       points=f"{value:g}", max=f"{criterion.max_points:g}")
                                     if value > 0 else
                                     _("give a number of points from 0 to %(max)s.", max=f"{criterion.max_points:g}"))
            scores[task.id][criterion.id] = {"points": value,
                                             "comment": (comments.get(task.id, {}).get(criterion.id) or "").strip()}
    attempt.report_scores = scores
    attempt.reviewed_at, attempt.reviewer_id = utcnow(), trainer.id
    score(attempt)
    learning_records.reports_reviewed(attempt, spec, trainer)


def may_review(trainer: User, attempt: ScenarioAttempt) -> bool:
    """Administrators review everyone; a trainer the trainees of the cohorts they run."""
    return trainer.role == "admin" or (trainer.role == "trainer" and trains(trainer, attempt.user))
