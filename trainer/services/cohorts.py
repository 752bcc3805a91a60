"""Cohort use cases: membership, assignments, sessions, attendance, progress and reviews."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
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
    user_by_login,
    user_by_username,
    utcnow,
)
from . import accounts, learning_records
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


def add_member_by_login(cohort: Cohort, login: str) -> str | None:
    """Add one trainee, named by email or username; returns an error code or None."""
    if not login.strip():
        return "no_login"
    user = user_by_login(login)
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


def existing_account(row: UserRow) -> tuple[User | None, RowProblem | None]:
    """The account a file's row names by its email or username, if there is one; a problem when
    the two name different accounts (no other account's details are shown)."""
    by_email = user_by_email(row.email) if row.email else None
    by_username = user_by_username(row.username) if row.username else None
    if by_email is not None and by_username is not None and by_email is not by_username:
        return None, RowProblem(row.line, row.column("username"), msg(
            N_("the username %(username)s belongs to another account than %(email)s"),
            username=row.username, email=row.email))
    if by_email is not None and row.username and by_email.username not in (None, row.username):
        return None, RowProblem(row.line, row.column("username"), msg(
            N_("the account of %(email)s has another username than %(username)s"),
            username=row.username, email=row.email))
    if by_username is not None and row.email and by_username.email not in (None, row.email):
        return None, RowProblem(row.line, row.column("username"), msg(
            N_("the username %(username)s belongs to another account than %(email)s"),
            username=row.username, email=row.email))
    return by_email or by_username, None


def enrol_from_rows(cohort: Cohort, rows: list[UserRow], problems: list[RowProblem]) -> EnrolmentResult:
    """Enrol every row: existing trainees are added, missing trainee accounts created; all or
    nothing. A cohort import never grants a role: only an administrator's import does. Rows
    name people by email or username; Moodle's cohort1... columns are not used here (everyone
    goes into this cohort)."""
    problems = list(problems)
    existing, new_rows = [], []
    for row in rows:
        if row.role != "trainee":
            problems.append(RowProblem(row.line, "role", msg(N_("'%(role)s': a trainer can create trainee accounts "
                                                                "only (leave the role empty or write trainee)"),
                                                             role=row.role)))
            continue
        user, problem = existing_account(row)
        if problem is not None:
            problems.append(problem)
        elif user is None:
            new_rows.append(row)
        elif user.role != "trainee":
            column = row.column("email") if row.email else row.column("username")
            problems.append(RowProblem(row.line, column, msg(N_("%(email)s belongs to a %(role)s, not a trainee"),
                                                             email=row.login_name,
                                                             role=ROLE_LABELS.get(user.role, user.role))))
        else:
            existing.append(user)
    result = accounts.import_users(new_rows, problems) if new_rows or problems else accounts.ImportResult()
    if result.problems:
        return EnrolmentResult(problems=sorted(result.problems, key=lambda p: p.line))
    added = add_members(cohort, existing + [user for user, _ in result.created])
    return EnrolmentResult(added=added, created=result.created)


def cohorts_named(name: str) -> list[Cohort]:
    """The cohorts with this name, compared case-insensitively."""
    wanted = name.strip().lower()
    return [cohort for cohort in db.session.scalars(select(Cohort).order_by(Cohort.id))
            if cohort.name.strip().lower() == wanted]


def import_accounts(rows: list[UserRow], problems: list[RowProblem]) -> accounts.ImportResult:
    """The administrator's import: every row's account is created and enrolled in the cohorts
    its row names (Moodle's cohort1, cohort2..., by name: trainees as members, trainers as the
    cohort's trainers), or nothing happens if any row has a problem."""
    problems = list(problems)
    targets: dict[int, list[Cohort]] = {}
    known: dict[str, list[Cohort]] = {}
    for row in rows:
        for column, name in row.cohorts:
            if name.lower() not in known:
                known[name.lower()] = cohorts_named(name)
            found = known[name.lower()]
            if not found:
                problems.append(RowProblem(row.line, column, msg(
                    N_("no cohort is called '%(cohort)s' (create it first under Cohorts)"), cohort=name)))
            elif len(found) > 1:
                problems.append(RowProblem(row.line, column, msg(
                    N_("more than one cohort is called '%(cohort)s': rename all but one of them first"),
                    cohort=name)))
            elif row.role not in ("trainee", "trainer"):
                problems.append(RowProblem(row.line, column, msg(
                    N_("only trainees and trainers belong to a cohort, not a %(role)s"),
                    role=ROLE_LABELS.get(row.role, row.role))))
            else:
                targets.setdefault(row.line, []).append(found[0])
    result = accounts.import_users(rows, problems)
    if result.problems:
        return result
    db.session.flush()
    counts: dict[int, int] = {}
    for row, (user, _password) in zip(rows, result.created):
        for cohort in targets.get(row.line, []):
            if user.role == "trainee":
                db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
            else:
                cohort.trainers.append(user)
            counts[cohort.id] = counts.get(cohort.id, 0) + 1
    db.session.flush()
    cohorts = {cohort.id: cohort for found in known.values() for cohort in found}
    result.enrolled = [(cohorts[cohort_id], count) for cohort_id, count in counts.items()]
    return result


def remove_member(cohort: Cohort, user_id: int) -> None:
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == user_id))
    if member is not None:
        db.session.delete(member)


def add_trainer(cohort: Cohort, login: str) -> str | None:
    """Give another trainer (named by email or username) this cohort; returns an error code or None."""
    if not login.strip():
        return "no_login"
    user = user_by_login(login)
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


# The trainee home page's queries, built once (see courses.ACTIVE_COURSES).
ASSIGNED_TO = (
    select(Assignment).join(CohortMember, CohortMember.cohort_id == Assignment.cohort_id)
    .where(CohortMember.user_id == bindparam("user")).order_by(Assignment.due_date.nulls_last(), Assignment.id)
    .options(joinedload(Assignment.course), joinedload(Assignment.scenario), joinedload(Assignment.cohort)))
SESSIONS_FROM = (
    select(TrainingSession).join(CohortMember, CohortMember.cohort_id == TrainingSession.cohort_id)
    .where(CohortMember.user_id == bindparam("user"), TrainingSession.starts_at >= bindparam("since"))
    .order_by(TrainingSession.starts_at).limit(5).options(joinedload(TrainingSession.cohort)))


def assignments_for_trainee(user: User) -> list[Assignment]:
    """What the trainee's cohorts ask of them, soonest due first."""
    return list(db.session.scalars(ASSIGNED_TO, {"user": user.id}))


def upcoming_sessions(user: User, now: datetime | None = None) -> list[TrainingSession]:
    """The next five sessions of the trainee's cohorts, and any that began in the last three hours."""
    since = (now or utcnow()) - timedelta(hours=3)
    return list(db.session.scalars(SESSIONS_FROM, {"user": user.id, "since": since}))


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
        learning_records.attendance_changed(session, row, status, recorder)
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
        .where(Certificate.user_id.in_(ids), Certificate.revoked_at.is_(None), Course.work.in_(course_works))
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
