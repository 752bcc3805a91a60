"""Course authoring: course folders edited in the browser as drafts, published as versions.

A draft holds the folder as {relative path: text}. It is checked by writing the files into
a temporary folder and reading that with the same validator as `flask content check`, so the
browser and the command line can never disagree about what a valid course is.
"""
from __future__ import annotations

import io
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import yaml
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, func, or_, select

from ..domain import yamlsafe
from ..domain.courses import CourseSpec, Problem, read_course
from ..domain.markdown import FrontMatterError, render_markdown, split_front_matter
from ..extensions import db
from ..i18n import translate
from ..models import Course, CourseDraft, CourseVersion, User, content_editors, user_by_email, utcnow
from ..permissions import can_edit_content
from .content import upsert_course

TEXT_SUFFIXES = (".md", ".yml", ".yaml", ".csv")  # .csv: the tables lessons show (datasets)
MAX_FILES = 200
MAX_FILE_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
MAX_PATH_LENGTH = 200
MAX_PATH_DEPTH = 3
# Names start with a letter, digit or "_", so hidden files and ".." never pass.
PATH_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
COURSE_FILE = "course.yml"
# The folder names inside the temporary directory: problems name files as
# "courses/draft/<path>", and this prefix is cut off again.
_CHECK_ROOT, _CHECK_FOLDER = "courses", "draft"

SKELETON_COURSE = """\
id: {id}
title: {title}
summary: "{summary}"
language: {language}
topic: general
version: 1
estimated_minutes: 30
objectives:
  - "{objective}"
lessons:
  - 01-introduction.md
pass_mark: 70
completion:
  all_lessons: true
  post_test: true
post_test:
  bank: questions/test.yml
"""
NEW_LESSON = """\
---
title: {title}
minutes: 10
objectives:
  - "{objective}"
---

# {title}

{body}
"""
NEW_BANK = """\
questions:
  - id: {id}
    type: true_false
    prompt: "{prompt}"
    answer: true
    explanation: "{explanation}"
"""
# The skeleton's placeholders in the author's language (content, not interface: they become the
# course's text and its `language`), so a course begun in Russian is a Russian course.
SKELETON_TEXTS = {
    "en": {"summary": "One paragraph: what officers will learn and who the course is for.",
           "objective": "Explain the first idea of the course", "lesson": "Introduction",
           "lesson_objective": "What the officer can do after this lesson", "body": "Write the lesson here in Markdown.",
           "prompt": "Replace this statement with one the officer judges true or false.",
           "explanation": "Say why the answer is right."},
    "ru": {"summary": "Один абзац: чему научатся сотрудники и для кого этот курс.",
           "objective": "Объяснить первую идею курса", "lesson": "Введение",
           "lesson_objective": "Что сотрудник сможет сделать после этого урока",
           "body": "Напишите урок здесь в формате Markdown.",
           "prompt": "Замените это утверждение тем, которое сотрудник оценит как верное или неверное.",
           "explanation": "Объясните, почему ответ верный."},
}


class AuthoringRefused(ValueError):
    """An authoring action that cannot be done; the message says why, for the author."""


class ImportRefused(ValueError):
    """A zip that cannot become a draft; `messages` lists every reason."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class PublishRefused(ValueError):
    """A draft with errors; `problems` lists them."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class DraftCheck:
    """What the validator says about a draft: the course if it is valid, every problem."""

    spec: CourseSpec | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def publishable(self) -> bool:
        return self.spec is not None and not self.errors

    def for_file(self, path: str) -> list[Problem]:
        """The problems in one file of the draft."""
        return [p for p in self.problems if p.file == path]


@dataclass(frozen=True)
class Published:
    """The outcome of publishing: which course, which version."""

    course_slug: str
    title: str
    number: int
    new_course: bool


# ---------------------------------------------------------------- paths and text

def path_problem(path: str) -> str | None:
    """Why a relative path cannot be a file of a course folder, or None when it can."""
    if not path:
        return _("Give the file a name, e.g. 02-next-lesson.md or questions/02-next-lesson.yml.")
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or ":" in path or ".." in parts:
        return _("'%(path)s' must be a path inside the course folder (no '..', no leading '/').", path=path)
    if len(path) > MAX_PATH_LENGTH:
        return ngettext("'%(path)s' is too long: at most %(num)d character.",
                        "'%(path)s' is too long: at most %(num)d characters.", MAX_PATH_LENGTH, path=path)
    if len(parts) > MAX_PATH_DEPTH:
        return ngettext("'%(path)s' is nested too deep: at most %(num)d folder.",
                        "'%(path)s' is nested too deep: at most %(num)d folders.", MAX_PATH_DEPTH - 1, path=path)
    if not all(PATH_PART.match(part) for part in parts):
        return _("'%(path)s': file and folder names use letters, digits, '.', '-' and '_', "
                 "and do not start with '.' or '-'.", path=path)
    if PurePosixPath(path).suffix.lower() not in TEXT_SUFFIXES:
        return _("'%(path)s': a course folder holds Markdown (.md), YAML (.yml, .yaml) and CSV (.csv) files only.",
                 path=path)
    return None


def folder_clash(files: dict[str, str] | list[str], path: str) -> str | None:
    """Why `path` cannot sit next to the other files (a file and a folder of one name)."""
    parents = {str(parent) for parent in PurePosixPath(path).parents}
    for name in files:
        if name in parents or name.startswith(path + "/"):
            return _("'%(path)s' and '%(other)s' would need a file and a folder of the same name.",
                     path=path, other=name)
    return None


def clean_text(text: str) -> str:
    """Text as stored: Unix line ends (browsers send CRLF), no NUL characters."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def size_of(files: dict[str, str]) -> int:
    return sum(len(text.encode("utf-8")) for text in files.values())


def check_size(files: dict[str, str]) -> None:
    """Refuse a folder with too many files or too much text."""
    if len(files) > MAX_FILES:
        raise AuthoringRefused(ngettext("A course may have at most %(num)d file.",
                                        "A course may have at most %(num)d files.", MAX_FILES))
    for path, text in files.items():
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise AuthoringRefused(_("'%(path)s' is larger than %(kb)d KB; split it into smaller lessons.",
                                     path=path, kb=MAX_FILE_BYTES // 1024))
    if size_of(files) > MAX_TOTAL_BYTES:
        raise AuthoringRefused(_("The course is larger than %(mb)d MB in all.", mb=MAX_TOTAL_BYTES // 1024 // 1024))


def yaml_scalar(value: str | int) -> str:
    """A value written as YAML: numbers and ids as they are, other text double-quoted."""
    if isinstance(value, int) or (re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", value)):
        return str(value)                        # a hyphenated id cannot be read as anything else
    return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=10**9).rstrip("\n")


def parse_course_yml(files: dict[str, str]) -> dict | None:
    """course.yml as a mapping, or None if it is missing or not valid YAML keys."""
    try:
        data = yamlsafe.safe_load(files.get(COURSE_FILE, ""))
    except yaml.YAMLError:                       # YamlLimitError included: check_files says why
        return None
    return data if isinstance(data, dict) else None


def set_top_level_keys(text: str, values: dict[str, str | int]) -> str:
    """Rewrite some top-level `key: value` lines of a YAML file, keeping every other line.

    Raises AuthoringRefused when the file is laid out so that the rewrite would not mean
    what it says (flow style, anchors): then the author edits the text instead.
    """
    lines = text.splitlines(keepends=True)
    for key, value in values.items():
        line = f"{key}: {yaml_scalar(value)}\n"
        start = next((i for i, row in enumerate(lines) if re.match(rf"{re.escape(key)}\s*:", row)), None)
        if start is None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.append(line)
            continue
        end = start + 1
        for i in range(start + 1, len(lines)):
            if lines[i].startswith((" ", "\t")) and lines[i].strip():
                end = i + 1          # the value continues on an indented line (folded text)
            elif lines[i].strip():
                break
        lines[start:end] = [line]
    result = "".join(lines)
    parsed = parse_course_yml({COURSE_FILE: result})
    if parsed is None or any(parsed.get(key) != value for key, value in values.items()):
        raise AuthoringRefused(_("course.yml is not laid out one key per line; edit it as text instead."))
    return result


# Cyrillic letters in Latin ones, for ids made from titles: Russian as ICAO Doc 9303 writes it
# in passports (the hard and soft signs left out), and the letters Kyrgyz, Tajik and Uzbek add.
# A course titled "Пограничный контроль" gets the id pogranichnyi-kontrol, not "new-course".
CYRILLIC_IN_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
    "ң": "ng", "ө": "o", "ү": "u",                                        # Kyrgyz
    "ғ": "gh", "ӣ": "i", "қ": "q", "ӯ": "u", "ҳ": "h", "ҷ": "j", "ў": "o",  # Tajik and Uzbek
})


def slugify(text: str, fallback: str = "new-course") -> str:
    """A course id from a title: lowercase ASCII letters, digits and hyphens (Cyrillic transliterated)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().translate(CYRILLIC_IN_LATIN)).strip("-")[:80].strip("-")
    return slug or fallback


def unused_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no course uses yet."""
    candidate, number = base, 1
    while db.session.scalar(select(exists().where(Course.slug == candidate))):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


# ---------------------------------------------------------------- checking

def check_files(files: dict[str, str]) -> tuple[CourseSpec | None, list[Problem]]:
    """Validate a folder given as {path: text} exactly as `flask content check` would."""
    with tempfile.TemporaryDirectory(prefix="trainer-course-") as tmp:
        folder = Path(tmp) / _CHECK_ROOT / _CHECK_FOLDER
        folder.mkdir(parents=True)
        for path, text in files.items():
            if path_problem(path) is None:       # stored paths were checked; never trust twice
                target = folder / path
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(text, encoding="utf-8")
                except OSError:                  # a file and a folder of one name: reported as missing
                    pass
        spec, problems = read_course(folder)
    prefix = f"{_CHECK_ROOT}/{_CHECK_FOLDER}/"
    return spec, [replace(p, file=p.file.removeprefix(prefix)) for p in problems]


def id_line(files: dict[str, str]) -> int | None:
    """The line of `id:` in course.yml, for problems about the id."""
    for number, line in enumerate(files.get(COURSE_FILE, "").splitlines(), start=1):
        if re.match(r"id\s*:", line):
            return number
    return None


def identity_problem(draft: CourseDraft, course_id: str | None) -> Problem | None:
    """An edit must keep its course's id; a new course must not take an id already in use."""
    if not course_id:
        return None
    line = id_line(draft.files)
    if draft.course is not None and course_id != draft.course.slug:
        return Problem(COURSE_FILE, line, "id", _(
            "must stay '%(slug)s': this draft edits that course. To make another course, "
            "start a new draft from a copy.", slug=draft.course.slug))
    if draft.course is None and db.session.scalar(select(exists().where(Course.slug == course_id))):
        return Problem(COURSE_FILE, line, "id", _(
            "a course with id '%(id)s' already exists: choose another id", id=course_id))
    return None


def check_draft(draft: CourseDraft) -> DraftCheck:
    """Every problem of a draft: the folder validator's, then whether its id may be used."""
    spec, problems = check_files(draft.files)
    declared = spec.id if spec else (parse_course_yml(draft.files) or {}).get("id")
    clash = identity_problem(draft, declared if isinstance(declared, str) else None)
    if clash is not None:
        problems.append(clash)
    return DraftCheck(spec, tuple(problems))


def render_preview(text: str) -> str:
    """Sanitised HTML of a lesson's Markdown body, as trainees will see it."""
    try:
        _front, body, _line = split_front_matter(text)
    except FrontMatterError:
        body = text                              # show something while the author fixes it
    return render_markdown(body)


# ---------------------------------------------------------------- reading courses

def latest_version(course: Course) -> CourseVersion | None:
    return db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id)
                             .order_by(CourseVersion.number.desc()).limit(1))


def read_folder(folder: Path) -> dict[str, str]:
    """The text files of a course folder on disk, by relative path."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and path_problem(relative) is None and len(files) < MAX_FILES:
            files[relative] = clean_text(path.read_text(encoding="utf-8", errors="replace"))
    return files


def course_files(course: Course) -> dict[str, str] | None:
    """The course's current files: its last published version, else its folder on disk."""
    version = latest_version(course)
    if version is not None:
        return dict(version.files)
    if not course.folder:
        return None
    folder = Path(current_app.config["CONTENT_COURSES_DIR"]) / course.folder
    return read_folder(folder) if folder.is_dir() else None


# ---------------------------------------------------------------- drafts

def visible_drafts(user: User) -> list[CourseDraft]:
    """Drafts the user may open: their own; every draft for administrators."""
    query = select(CourseDraft).order_by(CourseDraft.updated_at.desc())
    if user.role != "admin":
        query = query.where(CourseDraft.owner_id == user.id)
    return list(db.session.scalars(query))


def draft_for(user: User, draft_id: int) -> CourseDraft | None:
    """The draft if this user may see it; None otherwise, so ids reveal nothing."""
    draft = db.session.get(CourseDraft, draft_id)
    if draft is None or (user.role != "admin" and draft.owner_id != user.id):
        return None
    return draft


def copyable_courses(user: User) -> list[Course]:
    """Active courses the user may start a draft from.

    A copy holds the question banks with their keys, so it is offered only of courses the
    user may edit, and of shipped ones, whose files are public in the repository anyway.
    """
    query = select(Course).where(Course.active).order_by(Course.title)
    if user.role != "admin":
        granted = select(content_editors.c.content_slug).where(
            content_editors.c.user_id == user.id, content_editors.c.content_kind == "course")
        query = query.where(or_(Course.owner_id.is_(None), Course.owner_id == user.id, Course.slug.in_(granted)))
    return list(db.session.scalars(query))


def editable_courses(user: User) -> list[Course]:
    """Courses the user may edit: owned or given to them; every course for administrators."""
    query = select(Course).order_by(Course.title)
    if user.role != "admin":
        granted = select(content_editors.c.content_slug).where(
            content_editors.c.user_id == user.id, content_editors.c.content_kind == "course")
        query = query.where(or_(Course.owner_id == user.id, Course.slug.in_(granted)))
    return list(db.session.scalars(query))


def may_edit(user: User, course: Course) -> bool:
    """Whether the user may edit and publish this course."""
    return can_edit_content(user, "course", course.slug, course.owner_id)


def _title_of(files: dict[str, str], default: str) -> str:
    title = (parse_course_yml(files) or {}).get("title")
    return title.strip()[:300] if isinstance(title, str) and title.strip() else default


def _skeleton_texts(files: dict[str, str]) -> dict[str, str]:
    """The skeleton's placeholders in the draft's language (its course.yml's), else English."""
    language = (parse_course_yml(files) or {}).get("language")
    return SKELETON_TEXTS.get(language if isinstance(language, str) else "", SKELETON_TEXTS["en"])


def _store(draft: CourseDraft, files: dict[str, str]) -> None:
    """Replace the draft's files (a new dict, so the JSON column sees the change)."""
    check_size(files)
    draft.files = files
    draft.title = _title_of(files, draft.title)
    draft.updated_at = utcnow()


def skeleton_files(course_id: str, title: str, language: str = "en") -> dict[str, str]:
    """A small course that passes the check: course.yml, one lesson, a post-test bank, with
    placeholders in `language` (English when there are none in it) and that as its language."""
    language = language if language in SKELETON_TEXTS else "en"
    text = SKELETON_TEXTS[language]
    return {
        COURSE_FILE: SKELETON_COURSE.format(id=course_id, title=yaml_scalar(title), language=language,
                                            summary=text["summary"], objective=text["objective"]),
        "01-introduction.md": NEW_LESSON.format(title=text["lesson"], objective=text["lesson_objective"],
                                                body=text["body"]),
        "questions/test.yml": NEW_BANK.format(id="first-question", prompt=text["prompt"],
                                              explanation=text["explanation"]),
    }


def new_draft(owner: User, title: str, source: Course | None = None, language: str = "en") -> CourseDraft:
    """A draft for a new course: a blank skeleton in `language`, or a copy of `source` with its own id."""
    title = title.strip()
    course_id = unused_slug(slugify(title))
    if source is None:
        files = skeleton_files(course_id, title, language)
    else:
        files = course_files(source)
        if not files:
            raise AuthoringRefused(_("The files of “%(title)s” are not available to copy.", title=source.title))
        try:
            files[COURSE_FILE] = set_top_level_keys(files.get(COURSE_FILE, ""), {"id": course_id, "title": title})
        except AuthoringRefused:
            pass                                 # the author will see the id clash when checking
    draft = CourseDraft(owner_id=owner.id, title=title[:300])
    _store(draft, files)
    db.session.add(draft)
    db.session.flush()
    return draft


def edit_draft(owner: User, course: Course) -> CourseDraft:
    """A draft that edits an existing course, starting from its current files."""
    files = course_files(course)
    if not files:
        raise AuthoringRefused(_("The files of “%(title)s” are not available to edit.", title=course.title))
    draft = CourseDraft(owner_id=owner.id, course_id=course.id, title=course.title)
    _store(draft, files)
    db.session.add(draft)
    db.session.flush()
    return draft


def save_file(draft: CourseDraft, path: str, text: str) -> None:
    """Store the text of one existing file of the draft, whatever problems it has."""
    if path not in draft.files:
        raise AuthoringRefused(_("The draft has no file '%(path)s'.", path=path))
    _store(draft, {**draft.files, path: clean_text(text)})


def add_file(draft: CourseDraft, path: str) -> None:
    """Add a file, started from a template that suits its kind (lesson or question bank)."""
    path = path.strip()
    if problem := path_problem(path):
        raise AuthoringRefused(problem)
    if path in draft.files:
        raise AuthoringRefused(_("The draft already has a file '%(path)s'.", path=path))
    if problem := folder_clash(draft.files, path):
        raise AuthoringRefused(problem)
    stem = PurePosixPath(path).stem
    texts = _skeleton_texts(draft.files)
    if path.endswith(".md"):
        text = NEW_LESSON.format(title=stem.replace("-", " ").replace("_", " ").strip().capitalize(),
                                 objective=texts["lesson_objective"], body=texts["body"])
    else:
        text = NEW_BANK.format(id=slugify(stem, "question") + "-1", prompt=texts["prompt"],
                               explanation=texts["explanation"])
    _store(draft, {**draft.files, path: text})


def add_file_text(draft: CourseDraft, path: str, text: str) -> None:
    """Add a file holding `text` (a question bank imported from Moodle, say)."""
    if problem := path_problem(path):
        raise AuthoringRefused(problem)
    if path in draft.files:
        raise AuthoringRefused(_("The draft already has a file '%(path)s'.", path=path))
    if problem := folder_clash(draft.files, path):
        raise AuthoringRefused(problem)
    _store(draft, {**draft.files, path: clean_text(text)})


def rename_file(draft: CourseDraft, path: str, new_path: str) -> None:
    """Rename a file; course.yml keeps its name because the validator looks for it."""
    new_path = new_path.strip()
    if path not in draft.files:
        raise AuthoringRefused(_("The draft has no file '%(path)s'.", path=path))
    if COURSE_FILE in (path, new_path):
        raise AuthoringRefused(_("course.yml is the course's settings file: it cannot be renamed or replaced."))
    if problem := path_problem(new_path):
        raise AuthoringRefused(problem)
    if new_path in draft.files:
        raise AuthoringRefused(_("The draft already has a file '%(path)s'.", path=new_path))
    if problem := folder_clash([name for name in draft.files if name != path], new_path):
        raise AuthoringRefused(problem)
    files = {(new_path if name == path else name): text for name, text in draft.files.items()}
    _store(draft, files)


def delete_file(draft: CourseDraft, path: str) -> None:
    """Remove a file from the draft (course.yml stays: a course cannot be without it)."""
    if path not in draft.files:
        raise AuthoringRefused(_("The draft has no file '%(path)s'.", path=path))
    if path == COURSE_FILE:
        raise AuthoringRefused(_("course.yml is the course's settings file: it cannot be deleted."))
    _store(draft, {name: text for name, text in draft.files.items() if name != path})


def settings_of(draft: CourseDraft) -> dict | None:
    """Title, summary and pass mark as written in course.yml, or None if it does not parse."""
    data = parse_course_yml(draft.files)
    if data is None:
        return None
    return {key: data.get(key) for key in ("title", "summary", "pass_mark")}


def update_settings(draft: CourseDraft, title: str, summary: str, pass_mark: int) -> None:
    """Rewrite title, summary and pass_mark in course.yml, leaving every other line alone."""
    if settings_of(draft) is None:
        raise AuthoringRefused(_("course.yml has errors; fix them in the editor first."))
    values = {"title": title.strip(), "summary": " ".join(summary.split()), "pass_mark": pass_mark}
    _store(draft, {**draft.files, COURSE_FILE: set_top_level_keys(draft.files[COURSE_FILE], values)})


# ---------------------------------------------------------------- publishing

def publish(draft: CourseDraft, user: User) -> Published:
    """Turn a valid draft into course rows and a new immutable version; the draft is used up.

    Rows are upserted by lesson slug and question id, so trainees keep their progress on
    every lesson and question the new version still has.
    """
    check = check_draft(draft)
    if not check.publishable:
        raise PublishRefused(check.errors)
    course = draft.course
    if course is not None and not may_edit(user, course):
        raise PermissionError(course.slug)
    # folder "" says "not on disk": load_courses then neither reads nor hides the course.
    new_course = course is None
    course = upsert_course(replace(check.spec, folder=""))
    if new_course:
        course.owner_id = draft.owner_id         # the author, even when an administrator publishes
    last = db.session.scalar(select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id))
    number = (last or 0) + 1
    db.session.add(CourseVersion(course_id=course.id, number=number, files=dict(draft.files),
                                 published_by_id=user.id))
    db.session.delete(draft)
    db.session.flush()
    return Published(course.slug, course.title, number, new_course)


def discard(draft: CourseDraft) -> None:
    """Delete a draft; published versions are not touched."""
    db.session.delete(draft)


# ---------------------------------------------------------------- zip export and import

def folder_name(draft: CourseDraft) -> str:
    """The folder a draft's files are zipped under: its course id when it has a usable one."""
    declared = (parse_course_yml(draft.files) or {}).get("id")
    if isinstance(declared, str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", declared):
        return declared
    return slugify(draft.title, "course-draft")


def zip_files(files: dict[str, str], folder: str) -> bytes:
    """A zip holding the files under one folder, ready to drop into courses/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(f"{folder}/{path}", files[path].encode("utf-8"))
    return buffer.getvalue()


def _is_junk(name: str) -> bool:
    # Folders zipped on a Mac or Windows carry these; they are not part of the course.
    parts = name.split("/")
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts) \
        or parts[-1] in ("Thumbs.db", "desktop.ini")


def _escapes(name: str) -> bool:
    """True for a zip entry that would land outside the folder it is unpacked in."""
    return (name.startswith("/") or "\\" in name or bool(re.match(r"[A-Za-z]:", name))
            or ".." in name.split("/"))


def _strip_top_folder(names: list[str]) -> str:
    """The single folder the files sit in when the zip was made from the folder itself."""
    if COURSE_FILE in names or not names:
        return ""
    top = names[0].split("/")[0]
    if f"{top}/{COURSE_FILE}" in names and all(name.startswith(f"{top}/") for name in names):
        return f"{top}/"
    return ""


def _open_zip(data: bytes) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    """The archive and its file entries by name ("./" prefixes removed)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [entry for entry in archive.infolist() if not entry.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ImportRefused([_("The file is not a zip archive.")])
    if len(entries) > MAX_FILES:
        raise ImportRefused([ngettext("The zip holds %(num)d files; a course may have at most %(n)d.",
                                      "The zip holds %(num)d files; a course may have at most %(n)d.",
                                      len(entries), n=MAX_FILES)])
    return archive, {re.sub(r"^(\./)+", "", entry.filename): entry for entry in entries}


def read_zip(data: bytes) -> dict[str, str]:
    """The course files in an uploaded zip; ImportRefused lists every reason it cannot be used."""
    archive, entries = _open_zip(data)
    hostile = [name for name in entries if _escapes(name)]
    if hostile:                                  # a hostile or broken zip: say so, read nothing
        raise ImportRefused([_("'%(path)s' points outside the course folder (no '..', no leading '/'): "
                               "nothing was imported.", path=name) for name in hostile])
    names = [name for name in entries if not _is_junk(name)]
    too_large = _("The course is larger than %(mb)d MB in all.", mb=MAX_TOTAL_BYTES // 1024 // 1024)
    if sum(entries[name].file_size for name in names) > MAX_TOTAL_BYTES:
        raise ImportRefused([too_large])         # as declared: refused before unpacking anything
    prefix = _strip_top_folder(names)
    files, messages, unpacked = {}, [], 0
    for name in names:
        if unpacked > MAX_TOTAL_BYTES:           # declared sizes may lie: stop unpacking
            break
        path = name.removeprefix(prefix)
        problem = path_problem(path) or folder_clash(files, path)
        text, problem = ("", problem) if problem else _read_entry(archive, entries[name], path)
        if not problem and path.endswith((".yml", ".yaml")):
            problem = _hostile_yaml(text, path)
        unpacked += len(text.encode("utf-8"))
        if problem:
            messages.append(problem)
        else:
            files[path] = text
    if unpacked > MAX_TOTAL_BYTES or size_of(files) > MAX_TOTAL_BYTES:
        messages.append(too_large)
    if not messages and COURSE_FILE not in files:
        messages.append(_("The zip has no course.yml at its top (or in one folder at its top)."))
    if messages:
        raise ImportRefused(messages)
    return files


def _hostile_yaml(text: str, path: str) -> str | None:
    """Why a YAML file is refused unread (too deep or too large), or None."""
    try:
        yamlsafe.check_text(text)
    except yamlsafe.YamlLimitError as exc:
        if exc.line is None:
            return _("'%(path)s': %(reason)s.", path=path, reason=translate(exc.message))
        return _("'%(path)s' line %(line)d: %(reason)s.", path=path, line=exc.line, reason=translate(exc.message))
    return None


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, path: str) -> tuple[str, str | None]:
    """(text, None) or ("", why the entry cannot be used)."""
    too_large = _("'%(path)s' is larger than %(kb)d KB.", path=path, kb=MAX_FILE_BYTES // 1024)
    if entry.file_size > MAX_FILE_BYTES:
        return "", too_large
    try:
        with archive.open(entry) as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)     # the declared size may lie (zip bombs)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error):
        return "", _("'%(path)s' cannot be read from the zip (damaged or encrypted).", path=path)
    if len(raw) > MAX_FILE_BYTES:
        return "", too_large
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return "", _("'%(path)s' is not UTF-8 text: save it as UTF-8 and zip the folder again.", path=path)
    if "\x00" in text:
        return "", _("'%(path)s' is not a text file.", path=path)
    return clean_text(text), None


def import_zip(owner: User, data: bytes) -> CourseDraft:
    """A new draft from an uploaded zip. It edits the course of the same id if the owner may."""
    files = read_zip(data)
    declared = (parse_course_yml(files) or {}).get("id")
    course = db.session.scalar(select(Course).where(Course.slug == declared)) if isinstance(declared, str) else None
    draft = CourseDraft(owner_id=owner.id, course_id=course.id if course and may_edit(owner, course) else None,
                        title=_("Imported course"))
    _store(draft, files)
    db.session.add(draft)
    db.session.flush()
    return draft


# ---------------------------------------------------------------- editors

def may_manage_editors(user: User, course: Course) -> bool:
    """The owner and administrators decide who else may edit a course."""
    return user.role == "admin" or (course.owner_id is not None and course.owner_id == user.id)


def course_editors(course: Course) -> list[User]:
    """People given the right to edit the course."""
    return list(db.session.scalars(
        select(User).join(content_editors, content_editors.c.user_id == User.id)
        .where(content_editors.c.content_kind == "course", content_editors.c.content_slug == course.slug)
        .order_by(User.full_name)))


def add_editor(course: Course, email: str) -> User:
    """Give a trainer the right to edit the course."""
    user = user_by_email(email)
    if user is None:
        raise AuthoringRefused(_("There is no account with the email %(email)s.", email=email))
    if user.role != "trainer":
        raise AuthoringRefused(_("Only trainers are given courses to edit (administrators edit every course)."))
    if user.id == course.owner_id:
        raise AuthoringRefused(_("%(name)s owns the course already.", name=user.full_name))
    if any(editor.id == user.id for editor in course_editors(course)):
        raise AuthoringRefused(_("%(name)s may edit the course already.", name=user.full_name))
    db.session.execute(content_editors.insert().values(user_id=user.id, content_kind="course",
                                                       content_slug=course.slug))
    return user


def remove_editor(course: Course, user_id: int) -> None:
    """Take the right to edit the course away from someone."""
    db.session.execute(content_editors.delete().where(
        content_editors.c.user_id == user_id, content_editors.c.content_kind == "course",
        content_editors.c.content_slug == course.slug))
