"""Cohort use cases: membership, assignments, sessions, attendance, progress and reviews."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..domain.attendance import AttendanceRecord, AttendanceSummary, summarise
from ..choices import ROLE_LABELS
from ..domain.messages import N_, msg
from ..domain.people import RowProblem, UserRow
from ..extensions import db
from ..models import (
    Agency,
    Assignment,
    Attendance,
    Certificate,
    Cohort,
    CohortMember,
    Course,
    Scenario,
    ScenarioAttempt,
    ScenarioVersion,
    TrainingSession,
    User,
    cohort_trainers,
    user_by_email,
    utcnow,
)
from . import accounts
from .scenarios import as_aware


def cohorts_for(user: User) -> list[Cohort]:
    """Every cohort for an administrator; the cohorts a trainer runs; a trainee's own."""
    query = select(Cohort).order_by(Cohort.start_date.desc().nulls_last(), Cohort.name)
    if user.role == "trainer":
        query = query.join(cohort_trainers).where(cohort_trainers.c.user_id == user.id)
    elif user.role == "trainee":
        query = query.join(CohortMember).where(CohortMember.user_id == user.id)
    elif user.role != "admin":
        return []
    return list(db.session.scalars(query))


def create_cohort(creator: User, **fields) -> Cohort:
    """A new cohort; a trainer who creates it runs it."""
    cohort = Cohort(created_by_id=creator.id, **fields)
    if creator.role == "trainer":
        cohort.trainers.append(creator)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def member_ids(cohort: Cohort) -> set[int]:
    return set(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))


def add_members(cohort: Cohort, users: list[User]) -> int:
    """Add trainees not yet in the cohort; returns how many were added."""
    present = member_ids(cohort)
    added = [u for u in users if u.id not in present and u.role == "trainee"]
    for user in added:
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    db.session.flush()
    return len(added)


def add_member_by_email(cohort: Cohort, email: str) -> str | None:
    """Add one trainee; returns an error message or None."""
    user = user_by_email(email)
    if user is None:
        return "no_account"
    if user.role != "trainee":
        return "not_trainee"
    if user.id in member_ids(cohort):
        return "already_member"
    add_members(cohort, [user])
    return None


def trainees_of_agency(agency: Agency) -> list[User]:
    return list(db.session.scalars(select(User).where(User.agency_id == agency.id, User.role == "trainee", User.active)))


@dataclass
class EnrolmentResult:
    added: int = 0
    created: list[tuple[User, str]] | None = None
    problems: list[RowProblem] | None = None


def enrol_from_rows(cohort: Cohort, rows: list[UserRow], problems: list[RowProblem]) -> EnrolmentResult:
    """Enrol every row: existing trainees are added, missing trainee accounts created; all or
    nothing. A cohort import never grants a role: only an administrator's import does."""
    problems = list(problems)
    existing, new_rows = [], []
    for row in rows:
        if row.role != "trainee":
            problems.append(RowProblem(row.line, "role", msg(N_("'%(role)s': a trainer can create trainee accounts "
                                                                "only (leave the role empty or write trainee)"),
                                                             role=row.role)))
            continue
        user = user_by_email(row.email)
        if user is None:
            new_rows.append(row)
        elif user.role != "trainee":
            problems.append(RowProblem(row.line, "email", msg(N_("%(email)s belongs to a %(role)s, not a trainee"),
                                                              email=row.email, role=ROLE_LABELS.get(user.role, user.role))))
        else:
            existing.append(user)
    result = accounts.import_users(new_rows, problems) if new_rows or problems else accounts.ImportResult()
    if result.problems:
        return EnrolmentResult(problems=sorted(result.problems, key=lambda p: p.line))
    added = add_members(cohort, existing + [user for user, _ in result.created])
    return EnrolmentResult(added=added, created=result.created)


def remove_member(cohort: Cohort, user_id: int) -> None:
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == user_id))
    if member is not None:
        db.session.delete(member)


def add_trainer(cohort: Cohort, email: str) -> str | None:
    """Give another trainer this cohort; returns an error message code or None."""
    user = user_by_email(email)
    if user is None or user.role != "trainer":
        return "not_trainer"
    if user not in cohort.trainers:
        cohort.trainers.append(user)
    return None


# --- assignments ------------------------------------------------------------------------

def assign(cohort: Cohort, course: Course | None, scenario: Scenario | None, due) -> Assignment:
    assignment = Assignment(cohort_id=cohort.id, course_id=course.id if course else None,
                            scenario_id=scenario.id if scenario else None, due_date=due)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def assignments_for_trainee(user: User) -> list[Assignment]:
    """What the trainee's cohorts ask of them, soonest due first."""
    return list(db.session.scalars(
        select(Assignment).join(CohortMember, CohortMember.cohort_id == Assignment.cohort_id)
        .where(CohortMember.user_id == user.id).order_by(Assignment.due_date.nulls_last(), Assignment.id)
        .options(joinedload(Assignment.course), joinedload(Assignment.scenario), joinedload(Assignment.cohort))))


def upcoming_sessions(user: User, now: datetime | None = None) -> list[TrainingSession]:
    now = now or utcnow()
    return list(db.session.scalars(
        select(TrainingSession).join(CohortMember, CohortMember.cohort_id == TrainingSession.cohort_id)
        .where(CohortMember.user_id == user.id, TrainingSession.starts_at >= now - timedelta(hours=3))
        .order_by(TrainingSession.starts_at).limit(5).options(joinedload(TrainingSession.cohort))))


# --- attendance ---------------------------------------------------------------------------

def attendance_grid(session: TrainingSession) -> dict[int, Attendance]:
    return {a.user_id: a for a in session.attendance}


def record_attendance(session: TrainingSession, marks: dict[int, str], recorder: User) -> int:
    """Save the grid: one status per member; returns how many marks changed."""
    members = member_ids(session.cohort)
    grid = attendance_grid(session)
    changed = 0
    for user_id, status in marks.items():
        if user_id not in members:
            continue  # a tampered form cannot mark someone outside the cohort
        row = grid.get(user_id)
        if row is None:
            row = Attendance(session_id=session.id, user_id=user_id, status=status)
            db.session.add(row)
        elif row.status == status:
            continue
        row.status, row.recorded_by_id, row.recorded_at = status, recorder.id, utcnow()
        if status != "excused":
            row.caught_up_at, row.caught_up_how = None, ""
        changed += 1
    return changed


def mark_caught_up(attendance: Attendance, how: str) -> None:
    """An excused absence made up by watching the recording or completing a module."""
    attendance.caught_up_at, attendance.caught_up_how = utcnow(), how


def attendance_summaries(cohort: Cohort, now: datetime | None = None) -> dict[int, AttendanceSummary]:
    """Per member, attendance over the sessions that have started."""
    now = now or utcnow()
    held = [s for s in cohort.sessions if as_aware(s.starts_at) <= now]
    records: dict[int, list[AttendanceRecord]] = {user_id: [] for user_id in member_ids(cohort)}
    for session in held:
        for row in session.attendance:
            if row.user_id in records:
                records[row.user_id].append(AttendanceRecord(row.status, row.caught_up_at is not None))
    return {user_id: summarise(marks, len(held), cohort.attendance_required_percent)
            for user_id, marks in records.items()}


# --- progress -----------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberProgress:
    user: User
    attendance: AttendanceSummary
    courses_done: int
    scenarios_passed: int
    assigned_courses: int
    assigned_scenarios: int

    @property
    def complete(self) -> bool:
        """The cohort's programme: attendance rule, every assigned course and scenario."""
        return (self.attendance.meets_rule and self.courses_done == self.assigned_courses
                and self.scenarios_passed == self.assigned_scenarios)


def cohort_progress(cohort: Cohort) -> list[MemberProgress]:
    """Each member's attendance, courses completed and scenarios passed among the assigned."""
    members = list(db.session.scalars(select(User).join(CohortMember).where(CohortMember.cohort_id == cohort.id)
                                      .order_by(User.full_name)))
    # Assigned works: a course or scenario in any language version counts (Course.work).
    course_works = {a.course.work for a in cohort.assignments if a.course_id}
    scenario_works = {a.scenario.work for a in cohort.assignments if a.scenario_id}
    ids = [m.id for m in members]
    certified = dict(db.session.execute(
        select(Certificate.user_id, func.count(func.distinct(Course.work))).select_from(Certificate)
        .join(Course, Course.id == Certificate.course_id)
        .where(Certificate.user_id.in_(ids), Course.work.in_(course_works))
        .group_by(Certificate.user_id)).all()) if course_works and ids else {}
    passed = dict(db.session.execute(
        select(ScenarioAttempt.user_id, func.count(func.distinct(Scenario.work)))
        .select_from(ScenarioAttempt).join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
        .join(Scenario, Scenario.id == ScenarioVersion.scenario_id)
        .where(ScenarioAttempt.user_id.in_(ids), ScenarioAttempt.status == "passed", Scenario.work.in_(scenario_works))
        .group_by(ScenarioAttempt.user_id)).all()) if scenario_works and ids else {}
    summaries = attendance_summaries(cohort)
    return [MemberProgress(m, summaries[m.id], certified.get(m.id, 0), passed.get(m.id, 0),
                           len(course_works), len(scenario_works)) for m in members]
