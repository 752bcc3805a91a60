"""Learning use cases: enrolment, lesson progress, tests and checks, completion, certificates."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import set_committed_value

from ..domain import questions as question_rules
from ..domain.questions import Question as QuestionSpec
from ..domain.questions import ResponseError
from ..domain.works import WorkEntry, arrange_works
from ..extensions import db
from ..models import (
    AttemptItem,
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    User,
    utcnow,
)
from . import learning_records, progress_summary
from .concurrency import insert_or_existing

CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


# The queries of the pages every officer opens (the catalogue, a lesson, the home page), built
# once with bound parameters: on SQLite building a statement took longer than running it.
ACTIVE_COURSES = select(Course).where(Course.active).order_by(Course.topic, Course.title)
ACTIVE_COURSES_IN = ACTIVE_COURSES.where(Course.language == bindparam("language"))
LESSON_COUNTS = (select(Lesson.course_id, func.count())
                 .where(Lesson.course_id.in_(bindparam("courses", expanding=True)), Lesson.active)
                 .group_by(Lesson.course_id))
COURSE_BY_SLUG = select(Course).where(Course.slug == bindparam("slug"), Course.active)
LESSON_BY_SLUG = select(Lesson).where(Lesson.course_id == bindparam("course"), Lesson.slug == bindparam("slug"),
                                      Lesson.active)
LESSON_WITH_TEXT_BY_SLUG = LESSON_BY_SLUG.options(undefer(Lesson.body_html), undefer(Lesson.datasets))
LESSON_PROGRESS = select(LessonProgress).where(LessonProgress.user_id == bindparam("user"),
                                               LessonProgress.lesson_id == bindparam("lesson"))


def active_courses(language: str | None = None) -> list[Course]:
    """The catalogue, optionally in one language, ordered by topic and title."""
    if language:
        return list(db.session.scalars(ACTIVE_COURSES_IN, {"language": language}))
    return list(db.session.scalars(ACTIVE_COURSES))


def catalogue(reader_language: str, language: str | None = None) -> list[WorkEntry]:
    """One entry per work: its version in `language` (only works that have one) or else in the
    reader's language shown first, with the versions in other languages."""
    return arrange_works(active_courses(), reader_language, language)


def lesson_counts(courses: list[Course]) -> dict[int, int]:
    """{course id: its active lessons}, in one query (a list of courses shows each one's count)."""
    ids = [course.id for course in courses]
    if not ids:
        return {}
    return dict(db.session.execute(LESSON_COUNTS, {"courses": ids}).all())


def version_in(course: Course, language: str) -> Course:
    """The active version of the course's work in `language`, else the course itself."""
    return versions_in([course], language).get(course.id, course)


VERSIONS_IN = (select(Course).where(Course.work.in_(bindparam("works", expanding=True)),
                                    Course.language == bindparam("language"), Course.active).order_by(Course.id))


def versions_in(courses: list[Course], language: str) -> dict[int, Course]:
    """{course id: the active version of its work in `language`, else the course}, in one query."""
    works = {course.work for course in courses}
    found: dict[str, Course] = {}
    if works:
        for version in db.session.scalars(VERSIONS_IN, {"works": list(works), "language": language}):
            found.setdefault(version.work, version)
    return {course.id: found.get(course.work, course) for course in courses}


def work_of(course: Course) -> WorkEntry:
    """The course with the active versions of its work in other languages."""
    others = db.session.scalars(select(Course).where(Course.work == course.work, Course.id != course.id, Course.active)
                                .order_by(Course.language, Course.slug))
    return WorkEntry(course, tuple(others))


def work_course_ids(course: Course):
    """A query of the ids of every version (any language) of the course's work."""
    return select(Course.id).where(Course.work == course.work)


def course_by_slug(slug: str) -> Course | None:
    return db.session.scalar(COURSE_BY_SLUG, {"slug": slug})


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def enrol(user: User, course: Course) -> Enrolment:
    """The user's enrolment on the course, created on first use."""
    enrolment = enrolment_for(user, course)
    if enrolment is None:
        progress_summary.hold_course(user.id, course.id)
        # Two tabs (or a double click) may enrol at once: the unique constraint keeps one.
        enrolment = insert_or_existing(Enrolment(user_id=user.id, course_id=course.id),
                                       lambda: enrolment_for(user, course))
        progress_summary.refresh_course(user.id, course.id)
    return enrolment


def completed_lesson_ids(user: User, course: Course) -> set[int]:
    return set(db.session.scalars(
        select(LessonProgress.lesson_id).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id, Lesson.course_id == course.id,
               LessonProgress.completed_at.is_not(None))
    ))


def submitted_attempts(user: User, course: Course, kind: str | None = None) -> list[QuizAttempt]:
    query = (select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id,
                                       QuizAttempt.submitted_at.is_not(None))
             .order_by(QuizAttempt.submitted_at.desc()))
    if kind:
        query = query.where(QuizAttempt.kind == kind)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class CourseProgress:
    """What the course page shows one trainee."""

    enrolment: Enrolment | None
    lessons: list[tuple[Lesson, bool]]       # lesson, completed
    percent: int                             # lessons completed, as a percentage
    pre_test: QuizAttempt | None             # the submitted pre-test, if any
    best_post_test: float | None
    post_test_open: bool
    certificate: Certificate | None
    resume_lesson: Lesson | None

    @property
    def pre_test_open(self) -> bool:
        """A pre-test is taken once, and only before any post-test."""
        return self.pre_test is None and self.best_post_test is None


def course_progress(user: User, course: Course) -> CourseProgress:
    return courses_progress(user, [course])[course.id]


# The progress queries of the home and course pages, built once (see ACTIVE_COURSES).
LESSONS_AND_DONE = (
    select(Lesson, LessonProgress.completed_at.is_not(None))
    .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == bindparam("user")))
    .where(Lesson.course_id.in_(bindparam("courses", expanding=True)), Lesson.active).order_by(Lesson.position))
TESTS_TAKEN = (
    select(QuizAttempt).where(QuizAttempt.user_id == bindparam("user"),
                              QuizAttempt.course_id.in_(bindparam("courses", expanding=True)),
                              QuizAttempt.kind.in_(("pre_test", "post_test")), QuizAttempt.submitted_at.is_not(None))
    .order_by(QuizAttempt.submitted_at.desc()))
ENROLMENTS_IN = select(Enrolment).where(Enrolment.user_id == bindparam("user"),
                                        Enrolment.course_id.in_(bindparam("courses", expanding=True)))
CERTIFICATES_OF_WORKS = (
    select(Certificate, Course.work).join(Course, Course.id == Certificate.course_id)
    .where(Certificate.user_id == bindparam("user"), Course.work.in_(bindparam("works", expanding=True)))
    .order_by(Certificate.issued_at, Certificate.id))
STARTED_COURSES = (
    select(Course, Enrolment).join(Enrolment, Enrolment.course_id == Course.id)
    .where(Enrolment.user_id == bindparam("user"), Course.active).order_by(Enrolment.started_at.desc()))


def courses_progress(user: User, courses: list[Course],
                     enrolments: dict[int, Enrolment] | None = None) -> dict[int, CourseProgress]:
    """{course id: progress} for several courses in one query per kind of row, however many courses
    (`enrolments` by course id, when the caller loaded them with the courses)."""
    ids = [course.id for course in courses]
    if not ids:
        return {}
    # Each course's active lessons into course.lessons (what the relationship would load), each
    # with whether the officer has done it, in one query for all of them; the courses themselves
    # are already loaded.
    lessons: dict[int, list[Lesson]] = {course_id: [] for course_id in ids}
    done: set[int] = set()
    for lesson, completed in db.session.execute(LESSONS_AND_DONE, {"user": user.id, "courses": ids}):
        lessons[lesson.course_id].append(lesson)
        if completed:
            done.add(lesson.id)
    for course in courses:
        set_committed_value(course, "lessons", lessons[course.id])
    attempts: dict[tuple[int, str], list[QuizAttempt]] = {}
    for attempt in db.session.scalars(TESTS_TAKEN, {"user": user.id, "courses": ids}):
        attempts.setdefault((attempt.course_id, attempt.kind), []).append(attempt)
    if enrolments is None:
        enrolments = {enrolment.course_id: enrolment
                      for enrolment in db.session.scalars(ENROLMENTS_IN, {"user": user.id, "courses": ids})}
    certificates = work_certificates(user, courses)
    return {course.id: _progress(course, done, attempts.get((course.id, "pre_test"), []),
                                 attempts.get((course.id, "post_test"), []), enrolments.get(course.id),
                                 certificates.get(course.work))
            for course in courses}


def _progress(course: Course, done: set[int], pre_tests: list[QuizAttempt], post_tests: list[QuizAttempt],
              enrolment: Enrolment | None, certificate: Certificate | None) -> CourseProgress:
    lessons = [(lesson, lesson.id in done) for lesson in course.lessons]
    percent = round(100 * sum(completed for _, completed in lessons) / len(lessons)) if lessons else 0
    post_scores = [attempt.score_percent for attempt in post_tests]
    all_lessons_rule = course.settings["completion"]["all_lessons"]
    # The lesson last opened is one of this course's (record_lesson_view), shown while it is active.
    resume = next((lesson for lesson, _ in lessons if enrolment and lesson.id == enrolment.last_lesson_id), None)
    if resume is None:
        resume = next((lesson for lesson, completed in lessons if not completed), lessons[0][0] if lessons else None)
    return CourseProgress(
        enrolment=enrolment,
        lessons=lessons,
        percent=percent,
        pre_test=pre_tests[-1] if pre_tests else None,
        best_post_test=max(post_scores) if post_scores else None,
        post_test_open=bool(course.settings.get("post_test")) and (not all_lessons_rule or percent == 100),
        certificate=certificate,
        resume_lesson=resume,
    )


def work_certificate(user: User, course: Course) -> Certificate | None:
    """The user's certificate for the course's work, earned in whichever language version."""
    return work_certificates(user, [course]).get(course.work)


def work_certificates(user: User, courses: list[Course]) -> dict[str, Certificate]:
    """{work: the user's first certificate for it}, earned in whichever language version."""
    works = {course.work for course in courses}
    found: dict[str, Certificate] = {}
    if works:
        for certificate, work in db.session.execute(CERTIFICATES_OF_WORKS, {"user": user.id, "works": list(works)}):
            found.setdefault(work, certificate)
    return found


def lesson_by_slug(course: Course, slug: str, with_text: bool = False) -> Lesson | None:
    """An active lesson of the course; `with_text` loads its text and tables in the same query."""
    return db.session.scalar(LESSON_WITH_TEXT_BY_SLUG if with_text else LESSON_BY_SLUG,
                             {"course": course.id, "slug": slug})


def lesson_progress(user: User, lesson: Lesson) -> LessonProgress | None:
    return db.session.scalar(LESSON_PROGRESS, {"user": user.id, "lesson": lesson.id})


def record_lesson_view(user: User, lesson: Lesson) -> LessonProgress:
    """The trainee's progress on the lesson; the first visit records it and makes it the place to resume.

    Later visits write nothing: a cohort rereading its lessons does not queue behind a write per
    page, and rereading an earlier lesson leaves "Resume" at the furthest lesson opened.
    """
    progress = lesson_progress(user, lesson)
    if progress is None:  # two tabs opening the lesson at once keep one row (unique constraint)
        progress_summary.hold_course(user.id, lesson.course_id)
        enrol(user, lesson.course).last_lesson_id = lesson.id
        progress = insert_or_existing(LessonProgress(user_id=user.id, lesson_id=lesson.id),
                                      lambda: lesson_progress(user, lesson))
    return progress


def complete_lesson(user: User, lesson: Lesson) -> Certificate | None:
    """Mark the lesson complete; returns a certificate if that completed the course."""
    progress = record_lesson_view(user, lesson)
    progress.completed_at = progress.completed_at or utcnow()
    learning_records.lesson_completed(user, lesson, progress.completed_at)
    db.session.flush()
    certificate = check_completion(user, lesson.course)
    progress_summary.refresh_course(user.id, lesson.course_id)
    return certificate


# --- attempts ---------------------------------------------------------------------------------

class AttemptNotAllowed(Exception):
    """The trainee may not start this test now; the message says why."""


class AttemptClosed(Exception):
    """The attempt was submitted (perhaps a moment ago, by another request): no more saves."""


def open_attempt(user: User, course: Course, kind: str, lesson: Lesson | None) -> QuizAttempt | None:
    return db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id, QuizAttempt.kind == kind,
        QuizAttempt.lesson_id == (lesson.id if lesson else None), QuizAttempt.submitted_at.is_(None)))


def start_attempt(user: User, course: Course, kind: str, lesson: Lesson | None = None,
                  rng: random.Random | None = None) -> QuizAttempt:
    """Resume the unfinished attempt of this kind, or draw a new one from the bank."""
    existing = open_attempt(user, course, kind, lesson)
    if existing is not None:
        return existing
    progress = course_progress(user, course)
    if kind == "pre_test" and not progress.pre_test_open:
        raise AttemptNotAllowed("pre_test_taken")
    if kind == "post_test" and not progress.post_test_open:
        raise AttemptNotAllowed("lessons_first")
    bank = lesson.check if kind == "check" else course.settings.get(kind)
    if not bank:
        raise AttemptNotAllowed("no_test")
    rng = rng or random.Random(secrets.randbits(64))
    stored = {q.key: q for q in db.session.scalars(
        select(Question).where(Question.course_id == course.id, Question.key.in_(bank["questions"]), Question.active))}
    specs = [QuestionSpec.from_dict(stored[key].data) for key in bank["questions"] if key in stored]
    enrol(user, course)
    attempt = QuizAttempt(user_id=user.id, course_id=course.id, lesson_id=lesson.id if lesson else None,
                          kind=kind, course_version=course.version)
    if bank.get("per_competency"):  # a parallel form: the same number of each competency
        drawn = question_rules.draw_form(specs, bank["per_competency"], bank["competencies"], rng)
    else:
        drawn = question_rules.draw(specs, min(bank["count"], len(specs)), rng)
    for position, spec in enumerate(drawn):
        attempt.items.append(AttemptItem(
            question_id=stored[spec.id].id, position=position, question=spec.to_dict(),
            presentation=list(question_rules.shuffled_presentation(spec, rng)),
        ))
    # The partial unique indexes on open attempts make a double click start one attempt.
    return insert_or_existing(attempt, lambda: open_attempt(user, course, kind, lesson))


def item_spec(item: AttemptItem) -> QuestionSpec:
    return QuestionSpec.from_dict(item.question)


def read_answers(attempt: QuizAttempt, form) -> dict[int, str]:
    """Store every well-formed answer in the form; return {item id: error} for the rest."""
    errors = {}
    for item in attempt.items:
        try:
            value = question_rules.parse_response(item_spec(item), form)
        except ResponseError as error:
            errors[item.id] = error.message
            continue
        item.response = None if value is None else {"value": value}
    return errors


def save_answers(attempt: QuizAttempt, form) -> dict[int, str]:
    """Autosave: keep every well-formed answer; returns {item id: error} for the rest.

    Commit it through concurrency.commit_with_retry: setting saved_at makes the attempt's row
    UPDATE (and so its version check) part of every save, even when only items changed.
    """
    if attempt.submitted_at is not None:
        raise AttemptClosed()
    errors = read_answers(attempt, form)
    attempt.saved_at = utcnow()
    return errors


def submit_attempt(user: User, attempt: QuizAttempt, form) -> tuple[dict[int, str], Certificate | None]:
    """Score the attempt unless an answer is malformed; returns (errors, new certificate).

    Commit it through concurrency.commit_with_retry; an attempt another request submitted
    meanwhile is left as it was.
    """
    if attempt.submitted_at is not None:
        return {}, None
    errors = read_answers(attempt, form)
    attempt.saved_at = utcnow()
    if errors:
        return errors, None
    for item in attempt.items:
        item.score = question_rules.score(item_spec(item), item.response["value"] if item.response else None)
    attempt.score_percent = question_rules.attempt_percent([item.score for item in attempt.items])
    attempt.submitted_at = utcnow()
    db.session.flush()
    learning_records.quiz_submitted(user, attempt)
    certificate = check_completion(user, attempt.course)
    progress_summary.refresh_course(user.id, attempt.course_id)
    return {}, certificate


def item_feedback(item: AttemptItem) -> list[str]:
    return question_rules.feedback(item_spec(item), item.response["value"] if item.response else None)


def attempt_history(user: User) -> list[QuizAttempt]:
    return list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc())))


# --- completion and certificates -------------------------------------------------------------

def check_completion(user: User, course: Course) -> Certificate | None:
    """Apply the course's completion rule; issue the certificate the first time it is met."""
    progress_summary.hold_course(user.id, course.id)  # read what a request ending meanwhile did
    progress = course_progress(user, course)
    completed_slugs = {lesson.slug for lesson, done in progress.lessons if done}
    rule = course.settings["completion"]
    if rule["all_lessons"] and len(completed_slugs) < len(progress.lessons):
        return None
    if rule["post_test"] and (progress.best_post_test is None or progress.best_post_test < course.pass_mark):
        return None
    if progress.certificate is not None:  # the work is completed (in this or another language)
        return None
    enrol(user, course).completed_at = utcnow()
    certificate = Certificate(
        code=new_certificate_code(), user_id=user.id, course_id=course.id, holder_name=user.full_name,
        agency_name=user.agency.name if user.agency else "", course_title=course.title,
        hours=round(course.estimated_minutes / 60, 1),
    )
    # Two requests can meet the rule at once (a lesson done in one tab, the post-test in another):
    # the unique index keeps one certificate, and the loser reports none as newly issued.
    issued = insert_or_existing(certificate, lambda: db.session.scalar(
        select(Certificate).where(Certificate.user_id == user.id, Certificate.course_id == course.id)))
    if issued is certificate:
        learning_records.certificate_issued(user, course, certificate)
    return certificate if issued is certificate else None


def new_certificate_code() -> str:
    """A code like 7KQ4-M2XD-9PTA: random, unguessable, easy to read out over the phone."""
    raw = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def certificate_by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(func.upper(Certificate.code) == code.strip().upper()))


def my_courses(user: User, reader_language: str | None = None) -> list[tuple[Course, CourseProgress]]:
    """Courses the user has started, with their progress, most recent first: one per work
    (the version in the reader's language if they started it, else the latest started)."""
    enrolments = {course: enrolment for course, enrolment in db.session.execute(STARTED_COURSES, {"user": user.id})}
    courses = list(enrolments)
    if reader_language is not None:
        shown = {id(entry.shown) for entry in arrange_works(courses, reader_language)}
        courses = [course for course in courses if id(course) in shown]
    progress = courses_progress(user, courses, {course.id: enrolments[course] for course in courses})
    return [(course, progress[course.id]) for course in courses]
