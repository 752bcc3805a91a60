"""Database models (SQLAlchemy 2.0 typed declarations)."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timezone
from typing import Optional

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, func, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .domain.people import GENDERS, ROLES
from .domain.scoring import CURRENT_RULES
from .extensions import db


def utcnow() -> datetime:
    """The current time, timezone-aware, evaluated at insert time."""
    return datetime.now(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def _own_slug(context) -> str:
    """A course or scenario inserted without a work is its own work."""
    return context.get_current_parameters()["slug"]


class Agency(db.Model):
    """A law-enforcement body whose officers take part (e.g. a ministry or border service)."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("name", "country", name="uq_agencies_name_country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40), default="")
    country: Mapped[str] = mapped_column(String(2), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="agency")

    def __repr__(self) -> str:
        return f"<Agency {self.name!r} {self.country}>"


class User(UserMixin, db.Model):
    """A person with an account: trainee officer, trainer, programme manager or admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(f"gender IS NULL OR {_in('gender', GENDERS)}", name="gender"),
        CheckConstraint("email IS NOT NULL OR username IS NOT NULL", name="login_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case. Officers of agencies that give them no e-mail address have none and
    # log in with their username instead (lower-case, as Moodle keeps usernames; never an "@").
    email: Mapped[Optional[str]] = mapped_column(String(254), unique=True)
    username: Mapped[Optional[str]] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default="trainee", index=True)
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agencies.id"), index=True)
    country: Mapped[Optional[str]] = mapped_column(String(2), index=True)
    rank: Mapped[str] = mapped_column(String(120), default="")
    # NULL means not recorded; "prefer_not_to_say" is the person's own choice.
    gender: Mapped[Optional[str]] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="en")
    # An IANA zone name (Asia/Bishkek); None: the platform's zone (TRAINER_TIMEZONE).
    timezone: Mapped[Optional[str]] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[datetime]]
    # Part of every session and remember-me cookie. A new token (logout, password change,
    # deactivation) makes every cookie issued before it worthless, on every device.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))

    agency: Mapped[Optional[Agency]] = relationship(back_populates="users")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the current session token."""
        return f"{self.id}.{self.session_token}"

    def end_all_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this user."""
        self.session_token = secrets.token_hex(16)

    def set_password(self, password: str) -> None:
        """Store a salted hash (scrypt unless the config says otherwise), never the password."""
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses login for inactive users
        return self.active

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of the roles."""
        return self.role in roles

    @property
    def login_name(self) -> str:
        """What the person logs in with and the platform names the account by: email, else username."""
        return self.email or self.username or ""

    def __repr__(self) -> str:
        return f"<User {self.login_name} {self.role}>"


def user_by_email(email: str) -> Optional[User]:
    """Look a user up by email, case-insensitively."""
    wanted = (email or "").strip().lower()
    if not wanted:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == wanted))


def user_by_username(username: str) -> Optional[User]:
    """Look a user up by username, case-insensitively (usernames are stored lower-case)."""
    wanted = (username or "").strip().lower()
    if not wanted:
        return None
    return db.session.scalar(select(User).where(User.username == wanted))


def user_by_login(login: str) -> Optional[User]:
    """The account someone names to log in or to be added: an e-mail address (it has an "@",
    which no username has) or a username."""
    login = (login or "").strip()
    return user_by_email(login) if "@" in login else user_by_username(login)


# --- courses ------------------------------------------------------------------------------
# Content rows are keyed by the ids written in the content files (course id, lesson file
# stem, question id), so reloading edited files updates rows in place and progress stays
# attached. Removed content is marked inactive, never deleted, so past answers keep their rows.

ATTEMPT_KINDS = ("pre_test", "post_test", "check")


class Course(db.Model):
    """A course loaded from a folder under courses/."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), index=True)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    # The work this course is a version of: the original's slug (its own for an original).
    # Versions of one work in other languages count as one course for completion and reports.
    work: Mapped[str] = mapped_column(String(100), index=True, default=_own_slug)
    version: Mapped[int] = mapped_column(default=1)
    estimated_minutes: Mapped[int] = mapped_column(default=0)
    pass_mark: Mapped[int] = mapped_column(default=70)
    # objectives, sources, completion rule, and the question ids and counts of each test
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    folder: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))  # None: shipped content

    lessons: Mapped[list[Lesson]] = relationship(
        order_by="Lesson.position",
        primaryjoin="and_(Course.id == Lesson.course_id, Lesson.active)", viewonly=True,
    )


class Lesson(db.Model):
    """One lesson page of a course."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug", name="uq_lessons_course_id_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(default=0)
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    # Sanitised when loaded. Deferred: lists of lessons (catalogue, course page, progress) never
    # carry every lesson's text; the lesson page reads its own body with one small query.
    body_html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    check: Mapped[Optional[dict]] = mapped_column(JSON)  # {"count": n, "questions": [ids]}
    # The tables the lesson shows in the data widget (lesson_data.table), read by the lesson page
    # and by the widget's request for rows, never with lists of lessons.
    datasets: Mapped[Optional[list]] = mapped_column(JSON, deferred=True)
    active: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship()


class Question(db.Model):
    """A question as last loaded; attempts keep their own copy of what was shown."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("course_id", "key", name="uq_questions_course_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)


class Enrolment(db.Model):
    """A trainee's place on a course: when they started, where to resume, when completed."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrolments_user_id_course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_lesson_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lessons.id"))
    completed_at: Mapped[Optional[datetime]]

    course: Mapped[Course] = relationship()
    last_lesson: Mapped[Optional[Lesson]] = relationship()


class LessonProgress(db.Model):
    """A trainee's progress on one lesson."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_id_lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[Optional[datetime]]


class QuizAttempt(db.Model):
    """One sitting of a pre-test, post-test or lesson knowledge check."""

    __tablename__ = "quiz_attempts"
    # One open attempt per test: two partial indexes, since NULL lesson ids never collide.
    __table_args__ = (CheckConstraint(_in("kind", ATTEMPT_KINDS), name="kind"),
                      Index("uq_quiz_attempts_open_test", "user_id", "course_id", "kind", unique=True,
                            sqlite_where=text("submitted_at IS NULL AND lesson_id IS NULL"),
                            postgresql_where=text("submitted_at IS NULL AND lesson_id IS NULL")),
                      Index("uq_quiz_attempts_open_check", "user_id", "lesson_id", "kind", unique=True,
                            sqlite_where=text("submitted_at IS NULL AND lesson_id IS NOT NULL"),
                            postgresql_where=text("submitted_at IS NULL AND lesson_id IS NOT NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    lesson_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lessons.id"))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    course_version: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_at: Mapped[Optional[datetime]]
    submitted_at: Mapped[Optional[datetime]]
    score_percent: Mapped[Optional[float]]
    # Optimistic lock (see services/concurrency.py): every UPDATE checks and bumps it.
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    course: Mapped[Course] = relationship()
    lesson: Mapped[Optional[Lesson]] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}


class AttemptItem(db.Model):
    """One question of an attempt: a copy of it as shown, the answer and its score."""

    __tablename__ = "attempt_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    position: Mapped[int]
    question: Mapped[dict] = mapped_column(JSON)  # snapshot, so later edits change no result
    presentation: Mapped[list] = mapped_column(JSON, default=list)  # display order, authored indexes
    response: Mapped[Optional[dict]] = mapped_column(JSON)  # {"value": ...}; None = unanswered
    score: Mapped[Optional[float]]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="items")


class Certificate(db.Model):
    """Proof of completion, verifiable by its code without logging in."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_certificates_user_id_course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the certificate says, fixed when issued.
    holder_name: Mapped[str] = mapped_column(String(200))
    agency_name: Mapped[str] = mapped_column(String(200), default="")
    course_title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[float]
    # The salt of the holder's hashed e-mail in the certificate's Open Badges assertion.
    recipient_salt: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    # Withdrawn by an administrator: /verify and the badge assertion say so, with the reason.
    revoked_at: Mapped[Optional[datetime]]
    revocation_reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


# --- scenarios ----------------------------------------------------------------------------
# A scenario's YAML is stored as an immutable version each time it changes; attempts point at
# the version they were made on, so editing a scenario never changes a recorded result.

SCENARIO_STATUSES = ("in_progress", "awaiting_review", "passed", "failed")


class Scenario(db.Model):
    """A synthetic case file, identified by the id written in its YAML."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    # The work this scenario is a version of: the original's slug (its own for an original).
    work: Mapped[str] = mapped_column(String(100), index=True, default=_own_slug)
    estimated_minutes: Mapped[int] = mapped_column(default=0)
    is_template: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    filename: Mapped[str] = mapped_column(String(300), default="")
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))  # None: shipped content
    current_version_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("scenario_versions.id", use_alter=True, name="fk_scenarios_current_version_id_scenario_versions"))

    current_version: Mapped[Optional[ScenarioVersion]] = relationship(foreign_keys=[current_version_id])


class ScenarioVersion(db.Model):
    """The exact YAML of a scenario at one point in time. Never modified once written."""

    __tablename__ = "scenario_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "number", name="uq_scenario_versions_scenario_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    number: Mapped[int]  # 1, 2, 3... in the order the platform saw them
    declared_version: Mapped[int] = mapped_column(default=1)  # `version:` in the file
    source: Mapped[str] = mapped_column(Text, deferred=True)  # read only on a parse-cache miss
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    scenario: Mapped[Scenario] = relationship(foreign_keys=[scenario_id])


class ScenarioAttempt(db.Model):
    """A trainee's work on one scenario version: saved as they go, scored on submit."""

    __tablename__ = "scenario_attempts"
    # One attempt per trainee per live exercise; one open self-paced attempt per trainee per version.
    __table_args__ = (CheckConstraint(_in("status", SCENARIO_STATUSES), name="status"),
                      Index("uq_scenario_attempts_user_id_live_exercise_id", "user_id", "live_exercise_id", unique=True),
                      Index("uq_scenario_attempts_open", "user_id", "version_id", unique=True,
                            sqlite_where=text("submitted_at IS NULL AND live_exercise_id IS NULL"),
                            postgresql_where=text("submitted_at IS NULL AND live_exercise_id IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scenario_versions.id"), index=True)
    seed: Mapped[Optional[int]]  # the variant of a template this trainee works on
    status: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    responses: Mapped[dict] = mapped_column(JSON, default=dict)  # keyed by task id
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_at: Mapped[Optional[datetime]]
    submitted_at: Mapped[Optional[datetime]]
    total_percent: Mapped[Optional[float]]
    case_percent: Mapped[Optional[float]]
    safeguards_percent: Mapped[Optional[float]]
    result: Mapped[Optional[dict]] = mapped_column(JSON)  # the scored breakdown, as shown
    report_scores: Mapped[Optional[dict]] = mapped_column(JSON)  # a trainer's rubric points
    reviewed_at: Mapped[Optional[datetime]]
    reviewer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    live_exercise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("live_exercises.id"), index=True)
    # The scoring rules (domain/scoring.py RULE_VERSIONS) it is scored with: set when it is first
    # scored and kept by later reviews; only a trainer's explicit re-score moves it on. Rows from
    # before versions existed are version 1 (the server default of migration 0010).
    rule_version: Mapped[int] = mapped_column(default=CURRENT_RULES, server_default="1")
    # Optimistic lock (see services/concurrency.py): every UPDATE checks and bumps it.
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    version: Mapped[ScenarioVersion] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    live_exercise: Mapped[Optional[LiveExercise]] = relationship()
    # Written with `result` (services.scenarios.score); the database deletes them with the attempt.
    item_marks: Mapped[list["ScenarioItemMark"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": row_version}


class ScenarioItemMark(db.Model):
    """One answer-key item of a scored attempt, copied from its result (domain answer_key_marks):
    item analysis and the items most often wrong read these rows instead of parsing every
    result's JSON, which for a few hundred attempts is most of a page's time."""

    __tablename__ = "scenario_item_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # the task's index in the attempt's version
    task_id: Mapped[str] = mapped_column(Text)
    item_id: Mapped[str] = mapped_column(Text)
    label: Mapped[Optional[str]] = mapped_column(Text)  # a platform message as JSON, else authored text
    points: Mapped[float]
    max_points: Mapped[float]



# --- authoring ----------------------------------------------------------------------------
# Drafts are invisible to trainees; publishing turns a draft into a course or a new scenario
# version. Editors are people an owner has given the right to edit.

content_editors = Table(
    "content_editors", db.Model.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("content_kind", String(10), primary_key=True),  # "course" | "scenario"
    Column("content_slug", String(100), primary_key=True),
)


class ScenarioDraft(db.Model):
    """A scenario being written or edited in the browser, not yet published."""

    __tablename__ = "scenario_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scenario_id: Mapped[Optional[int]] = mapped_column(ForeignKey("scenarios.id"))  # None: not yet published
    title: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()
    scenario: Mapped[Optional[Scenario]] = relationship()


class CourseDraft(db.Model):
    """A course being written or edited in the browser: its files, by path in the folder."""

    __tablename__ = "course_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[Optional[int]] = mapped_column(ForeignKey("courses.id"))  # None: not yet published
    title: Mapped[str] = mapped_column(String(300), default="")
    files: Mapped[dict] = mapped_column(JSON, default=dict)  # {"course.yml": "...", "01-x.md": "..."}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()
    course: Mapped[Optional[Course]] = relationship()


# --- cohorts ------------------------------------------------------------------------------

ATTENDANCE_STATUSES = ("present", "late", "absent", "excused")

cohort_trainers = Table(
    "cohort_trainers", db.Model.metadata,
    Column("cohort_id", ForeignKey("cohorts.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class Cohort(db.Model):
    """Trainees taking a programme together, e.g. a two-day webinar for 21 officers."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[Optional[date]]
    end_date: Mapped[Optional[date]]
    # Completion rule: the share of sessions a trainee must attend (excused absences that
    # were caught up count as attended). None: attendance is not required.
    attendance_required_percent: Mapped[Optional[int]]
    # Where the cohort meets: session times are typed and shown in this zone. None: the
    # platform's zone (TRAINER_TIMEZONE).
    timezone: Mapped[Optional[str]] = mapped_column(String(64))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    trainers: Mapped[list[User]] = relationship(secondary=cohort_trainers)
    members: Mapped[list[CohortMember]] = relationship(back_populates="cohort", cascade="all, delete-orphan")
    sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="cohort", order_by="TrainingSession.starts_at", cascade="all, delete-orphan")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="cohort", cascade="all, delete-orphan")


class CohortMember(db.Model):
    """A trainee in a cohort."""

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_cohort_members_cohort_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """A course or a scenario a cohort is asked to take, optionally by a date."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("(course_id IS NULL) != (scenario_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    course_id: Mapped[Optional[int]] = mapped_column(ForeignKey("courses.id"))
    scenario_id: Mapped[Optional[int]] = mapped_column(ForeignKey("scenarios.id"))
    due_date: Mapped[Optional[date]]

    cohort: Mapped[Cohort] = relationship(back_populates="assignments")
    course: Mapped[Optional[Course]] = relationship()
    scenario: Mapped[Optional[Scenario]] = relationship()


class TrainingSession(db.Model):
    """One session of a cohort: a webinar day, a classroom block."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(default=90)
    topic: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(500), default="")  # room or webinar link
    recording_url: Mapped[str] = mapped_column(String(500), default="")

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    attendance: Mapped[list[Attendance]] = relationship(back_populates="session", cascade="all, delete-orphan")


class Attendance(db.Model):
    """Whether a trainee attended a session, and how an excused absence was made up."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_attendance_session_id_user_id"),
        CheckConstraint(_in("status", ATTENDANCE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    caught_up_at: Mapped[Optional[datetime]]  # an excused absence made up (recording, module)
    caught_up_how: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[TrainingSession] = relationship(back_populates="attendance")


class LiveExercise(db.Model):
    """A scenario run with a whole cohort, the trainer releasing reports as it goes."""

    __tablename__ = "live_exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    session_id: Mapped[Optional[int]] = mapped_column(ForeignKey("training_sessions.id"))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("scenario_versions.id"))
    started_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[Optional[datetime]]
    released_reports: Mapped[list] = mapped_column(JSON, default=list)  # report ids, in release order
    # Checked by every UPDATE: two trainers releasing at once (on two servers) both get their
    # report out, the later one retrying on fresh data (see services/concurrency.py).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}

    cohort: Mapped[Cohort] = relationship()
    scenario: Mapped[Scenario] = relationship()
    version: Mapped[ScenarioVersion] = relationship()


class CourseVersion(db.Model):
    """The files of a course as published from the browser. Never modified once written."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_course_versions_course_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int]
    files: Mapped[dict] = mapped_column(JSON)  # {"course.yml": "...", "01-x.md": "...", ...}
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- audit ----------------------------------------------------------------------------------

class AuditEvent(db.Model):
    """Who did what to whom and when: logins, account and role changes, publication, exports."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)  # who acted
    action: Mapped[str] = mapped_column(String(100), index=True)  # e.g. "export.completion.csv"
    subject_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)  # whom
    address: Mapped[str] = mapped_column(String(64), default="")  # the client's IP address
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # filters used, old and new role...
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    subject: Mapped[Optional[User]] = relationship(foreign_keys=[subject_id])


# --- read API -------------------------------------------------------------------------------

class ApiToken(db.Model):
    """A key for the dashboards' read API, made by an administrator. Only its SHA-256 hash is
    kept: the token itself is shown once, when it is made. scope is "reports" (everything a
    manager reads) or "cohort" (cohort_id's figures only)."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scope IN ('reports', 'cohort')", name="scope"),
                      CheckConstraint("(scope = 'cohort') = (cohort_id IS NOT NULL)", name="cohort_scope"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the token
    prefix: Mapped[str] = mapped_column(String(12))  # the token's first characters, to recognise it
    scope: Mapped[str] = mapped_column(String(20))
    cohort_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]

    cohort: Mapped[Optional[Cohort]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
