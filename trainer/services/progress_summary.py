"""The progress read model (models_progress.ProgressSummary): kept in step with the writes that change it,
and rebuilt from the raw tables by `flask reports rebuild`.

Every refresh recomputes whole rows from the raw tables with the same query the rebuild runs,
only narrowed to the rows a write touched, so the incremental state cannot drift from what a
rebuild gives. Each write path calls one function here, inside its own transaction:
- a course row: enrolment (courses.enrol), a lesson done (courses.complete_lesson), a test
  submitted, which may issue the certificate (courses.submit_attempt), the certificate revoked
  (badges.revoke: it withdraws the pass, so the row is neither completed nor issued);
- every row of a course: its lessons loaded or published (content.upsert_course), since a
  course's "every lesson done" moment depends on which lessons are active;
- a scenario row: an attempt started (scenarios.start_attempt, exercises.join_exercise) or
  scored (scenarios.score: submission, a trainer's review, a re-score).
"""
from __future__ import annotations

from sqlalchemy import and_, case, delete, event, func, literal, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql import Select

from ..extensions import db
from ..models import Certificate, Enrolment, Lesson, LessonProgress, ScenarioAttempt, ScenarioVersion
from ..models_progress import ProgressSummary

KEY = ("user_id", "kind", "item_id")
MOMENTS = ("started_at", "lessons_done_at", "completed_at", "issued_at", "submitted_at", "passed_at")
EVERYONE = 0  # no user has id 0: the key of every officer's row of a work, for _hold


def course_rows(user_id: int | None = None, course_id: int | None = None) -> Select:
    """Course rows (one per enrolment) as ProgressSummary's columns: every officer's, or one
    officer's, of every course or one. lessons_done_at: when the last of the course's active
    lessons was done, once every one is (none for a course without lessons). A revoked
    certificate withdraws the pass it attested: no completed_at or issued_at (the lessons done
    still count)."""
    withdrawn = Certificate.revoked_at.is_not(None)
    lessons = (select(Lesson.course_id, func.count().label("lessons")).where(Lesson.active)
               .group_by(Lesson.course_id).subquery("course_lessons"))
    done = (select(LessonProgress.user_id, Lesson.course_id, func.count().label("done"),
                   func.max(LessonProgress.completed_at).label("last_done"))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(Lesson.active, LessonProgress.completed_at.is_not(None)))
    narrowed = []
    if user_id is not None:
        narrowed.append(Enrolment.user_id == user_id)
        done = done.where(LessonProgress.user_id == user_id)
    if course_id is not None:
        narrowed.append(Enrolment.course_id == course_id)
        done = done.where(Lesson.course_id == course_id)
    done = done.group_by(LessonProgress.user_id, Lesson.course_id).subquery("lessons_done")
    return (select(Enrolment.user_id, literal("course").label("kind"), Enrolment.course_id.label("item_id"),
                   Enrolment.started_at,
                   case((and_(lessons.c.lessons > 0, done.c.done >= lessons.c.lessons), done.c.last_done))
                   .label("lessons_done_at"),
                   case((withdrawn, null()), else_=Enrolment.completed_at).label("completed_at"),
                   case((withdrawn, null()), else_=Certificate.issued_at).label("issued_at"),
                   null().label("submitted_at"), null().label("passed_at"))
            .outerjoin(Certificate, and_(Certificate.user_id == Enrolment.user_id,
                                         Certificate.course_id == Enrolment.course_id))
            .outerjoin(lessons, lessons.c.course_id == Enrolment.course_id)
            .outerjoin(done, and_(done.c.user_id == Enrolment.user_id, done.c.course_id == Enrolment.course_id))
            .where(*narrowed))


def scenario_rows(*conditions) -> Select:
    """Scenario rows (one per officer and scenario attempted, any version) as ProgressSummary's
    columns, narrowed by conditions on ScenarioAttempt and ScenarioVersion."""
    submitted = ScenarioAttempt.status != "in_progress"
    return (select(ScenarioAttempt.user_id, literal("scenario").label("kind"),
                   ScenarioVersion.scenario_id.label("item_id"), func.min(ScenarioAttempt.started_at).label("started_at"),
                   null().label("lessons_done_at"), null().label("completed_at"), null().label("issued_at"),
                   func.min(case((submitted, ScenarioAttempt.submitted_at))).label("submitted_at"),
                   func.min(case((ScenarioAttempt.status == "passed", ScenarioAttempt.submitted_at)))
                   .label("passed_at"))
            .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
            .where(*conditions)
            .group_by(ScenarioAttempt.user_id, ScenarioVersion.scenario_id))


def _hold(user_id: int | None, kind: str, item_id: int) -> None:
    """Wait until no other transaction is refreshing this officer's row of this work (with no
    officer: any row of it), then hold it until this transaction ends.

    On PostgreSQL each statement reads what was committed before it began: two requests doing
    an officer's last two lessons at once each computed the row without the other's lesson,
    and the later upsert left "every lesson done" unset. Holding the row first, the second
    refresh waits and then reads both. A course published again holds all its rows (officers
    share that hold among themselves). After a hold a transaction writes only these rows and,
    for a course, what check_completion writes (the enrolment, the certificate, its learning
    record); every writer of an enrolment or certificate holds before writing it, so no
    transaction waits here while holding something a holder needs: holds cannot close a cycle
    of waits. SQLite runs one writing transaction at a time.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    work = 2 * item_id + (kind == "scenario")
    if _held((user_id, work)) or _held((None, work)):  # a republish's hold covers every officer's
        return
    if user_id is None:
        db.session.execute(select(func.pg_advisory_xact_lock(EVERYONE, work)))
    else:
        db.session.execute(select(func.pg_advisory_xact_lock_shared(EVERYONE, work),
                                  func.pg_advisory_xact_lock(user_id, work)))
    _holds_of(_innermost_transaction()).add((user_id, work))


# A hold lasts until its transaction ends, so one request doing several things to a row (a
# lesson done: the lesson written, the completion checked, the row refreshed) asks the server
# once. Holds are remembered per transaction, savepoints included: PostgreSQL gives back the
# locks a rolled-back savepoint took, and with it goes what it remembered.
HOLDS = "progress_summary.holds"


def _innermost_transaction() -> SessionTransaction:
    session = db.session()  # the request's Session itself: its scoped proxy lacks the first method
    return session.get_nested_transaction() or session.get_transaction()


def _holds_of(transaction: SessionTransaction) -> set:
    return db.session.info.setdefault(HOLDS, {}).setdefault(transaction, set())


def _held(key: tuple) -> bool:
    remembered = db.session.info.get(HOLDS, {})
    transaction = _innermost_transaction()
    while transaction is not None:
        if key in remembered.get(transaction, ()):
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _forget_holds(session: Session, transaction: SessionTransaction) -> None:
    session.info.get(HOLDS, {}).pop(transaction, None)


def hold_course(user_id: int, course_id: int) -> None:
    """Take turns with other requests on an officer's progress in a course, until this
    transaction ends: called before the officer's enrolment is written and before the course's
    completion is checked, so two requests each doing one of the last things (two lessons in
    two tabs) do not each miss the other's and leave the course without its certificate. Every
    writer of the enrolment holds first, so no request holds the enrolment while waiting here."""
    _hold(user_id, "course", course_id)


def _upsert(rows: Select) -> None:
    """Write rows over the ones with the same key (the caller holds them: see _hold). The rows'
    query always has a WHERE, which SQLite needs to read ON CONFLICT after a join."""
    db.session.flush()  # the query reads what this transaction has written
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ProgressSummary).from_select([*KEY, *MOMENTS], rows)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=list(KEY), set_={name: statement.excluded[name] for name in MOMENTS}))


def refresh_course(user_id: int, course_id: int) -> None:
    """Recompute an officer's row of a course (after enrolling, a lesson done, a test submitted)."""
    _hold(user_id, "course", course_id)
    _upsert(course_rows(user_id, course_id))


def refresh_course_for_everyone(course_id: int) -> None:
    """Recompute every officer's row of a course (its lessons were loaded or published)."""
    _hold(None, "course", course_id)
    _upsert(course_rows(course_id=course_id))


def refresh_scenario(user_id: int, scenario_id: int) -> None:
    """Recompute an officer's row of a scenario (an attempt started or scored)."""
    _hold(user_id, "scenario", scenario_id)
    _upsert(scenario_rows(ScenarioAttempt.user_id == user_id, ScenarioVersion.scenario_id == scenario_id))


def rebuild() -> int:
    """Compute every row again from the raw tables (the caller commits); returns the row count."""
    db.session.execute(delete(ProgressSummary))
    for rows in (course_rows(), scenario_rows()):
        db.session.execute(ProgressSummary.__table__.insert().from_select([*KEY, *MOMENTS], rows))
    return db.session.scalar(select(func.count()).select_from(ProgressSummary))
