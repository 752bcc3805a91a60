"""Loading content folders into the database."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..domain.courses import CourseSpec, QuestionBank, check_courses
from ..domain.lesson_data import table
from ..extensions import db
from ..models import Course, Lesson, Question, Scenario, ScenarioVersion
from . import progress_summary
from .scenarios import load_scenarios, work_of


def load_content() -> list[str]:
    """Load the courses and scenarios found on disk; return lines saying what happened.

    Every start does this: content whose fingerprints all match what is loaded is not parsed
    or validated again (the slow part), so a restart with unchanged content takes well under
    a second. Any change, addition or removal loads and checks everything as before.
    """
    courses = Path(current_app.config["CONTENT_COURSES_DIR"])
    scenarios = Path(current_app.config["CONTENT_SCENARIOS_DIR"])
    return (courses_unchanged(courses) or load_courses(courses)) + (
        scenarios_unchanged(scenarios) or load_scenarios(scenarios))


def course_folders(root: Path) -> list[Path]:
    """The folders check_courses reads (names starting with '.' or '_' are not courses)."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def courses_unchanged(root: Path) -> list[str] | None:
    """Lines to print if every course folder is loaded exactly as it is on disk, else None."""
    if not root.is_dir():
        return None
    active = list(db.session.scalars(select(Course).where(Course.active)))
    loaded = {(course.settings or {}).get("disk_digest") for course in active}
    folders = course_folders(root)
    if not folders or any(folder_digest(folder) not in loaded for folder in folders):
        return None
    if any(course.folder and not (root / course.folder).is_dir() for course in active):
        return None  # a course to hide
    return [f"Loaded {len(folders)} course(s) from {root} (unchanged since loaded: not checked again)"]


def scenarios_unchanged(root: Path) -> list[str] | None:
    """Lines to print if every scenario file is a loaded version of an active scenario, else None."""
    if not root.is_dir():
        return None
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml"))  # as check_scenarios reads
    stored = set(db.session.execute(
        select(Scenario.filename, ScenarioVersion.sha256).join(ScenarioVersion, ScenarioVersion.scenario_id == Scenario.id)
        .where(Scenario.active)).all())
    for path in files:
        digest = hashlib.sha256(path.read_text(encoding="utf-8").encode("utf-8")).hexdigest()
        if (path.relative_to(root.parent).as_posix(), digest) not in stored:
            return None
    on_disk = db.session.scalars(select(Scenario.filename).where(Scenario.active, Scenario.owner_id.is_(None)))
    if not files or any(name and not (root.parent / name).exists() for name in on_disk):
        return None  # a scenario to hide
    return [f"Loaded {len(files)} scenario(s) from {root} (unchanged since loaded: not checked again)"]


def load_courses(root: Path) -> list[str]:
    """Upsert every valid course under root; hide courses whose folder is gone.

    A folder that now has errors keeps its last good version live: a typo in an edit must not
    take a course away from officers in the middle of a programme.
    """
    if not root.is_dir():
        return [f"No course folder at {root}"]
    specs, problems = check_courses(root)
    lines = [f"Course problem: {problem}" for problem in problems if problem.severity == "error"]
    for spec in specs:
        digest = folder_digest(root / spec.folder)
        current = db.session.scalar(select(Course).where(Course.slug == spec.id))
        if current is not None and current.active and current.settings.get("disk_digest") == digest:
            # The folder has not changed since it was loaded: keep what the database has,
            # including a newer version published from the browser.
            current.work = work_of(Course, spec.id, spec.translation_of)
            continue
        course = upsert_course(spec)
        course.settings = {**course.settings, "disk_digest": digest}
    for course in db.session.scalars(select(Course).where(Course.active)):
        # folder "" marks a course published from the browser: it has no folder to miss.
        if course.folder and not (root / course.folder).is_dir():
            course.active = False
            lines.append(f"Course {course.slug} is no longer on disk: hidden, its records kept")
    db.session.flush()
    lines.append(f"Loaded {len(specs)} course(s) from {root}")
    return lines


def folder_digest(folder: Path) -> str:
    """A fingerprint of every file in a course folder, to tell whether it changed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def bank_settings(bank: QuestionBank | None) -> dict | None:
    if bank is None:
        return None
    settings = {"count": bank.count, "questions": [q.id for q in bank.questions]}
    if bank.per_competency:  # a parallel form: drawn per competency
        settings.update(per_competency=bank.per_competency, competencies=list(bank.competencies))
    return settings


def upsert_course(spec: CourseSpec) -> Course:
    """Write one course, its lessons and questions; rows are matched by their content ids."""
    course = db.session.scalar(select(Course).where(Course.slug == spec.id)) or Course(slug=spec.id)
    course.title, course.summary, course.language, course.topic = spec.title, spec.summary, spec.language, spec.topic
    course.version, course.estimated_minutes, course.pass_mark = spec.version, spec.estimated_minutes, spec.pass_mark
    course.folder, course.active = spec.folder, True
    course.work = work_of(Course, spec.id, spec.translation_of)
    disk_digest = (course.settings or {}).get("disk_digest")  # kept: see load_courses
    course.settings = {
        "disk_digest": disk_digest,
        "objectives": list(spec.objectives),
        # The objectives the tests measure, by id: knowledge gain is reported per competency.
        "competencies": [{"id": c.id, "text": c.text} for c in spec.competencies],
        "sources": list(spec.sources),
        "translation_of": spec.translation_of,  # id of the course this one translates, or None
        "completion": {"all_lessons": spec.completion.all_lessons, "post_test": spec.completion.post_test},
        "pre_test": bank_settings(spec.pre_test),
        "post_test": bank_settings(spec.post_test),
    }
    db.session.add(course)
    db.session.flush()

    lessons = {lesson.slug: lesson for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))}
    for lesson in lessons.values():
        lesson.active = False
    for position, lesson_spec in enumerate(spec.lessons):
        lesson = lessons.get(lesson_spec.slug) or Lesson(course_id=course.id, slug=lesson_spec.slug)
        lesson.position, lesson.title, lesson.minutes = position, lesson_spec.title, lesson_spec.minutes
        lesson.objectives, lesson.body_html = list(lesson_spec.objectives), lesson_spec.body_html
        lesson.check, lesson.active = bank_settings(lesson_spec.check), True
        lesson.datasets = [table(d) for d in lesson_spec.datasets] or None
        db.session.add(lesson)

    questions = {q.key: q for q in db.session.scalars(select(Question).where(Question.course_id == course.id))}
    for question in questions.values():
        question.active = False
    for key, question_spec in spec.all_questions().items():
        question = questions.get(key) or Question(course_id=course.id, key=key)
        question.data, question.active = question_spec.to_dict(), True
        db.session.add(question)
    progress_summary.refresh_course_for_everyone(course.id)  # "every lesson done" may have moved
    return course
