"""Course folders (course.yml, lesson Markdown, question banks) read into frozen specs.

Reading never stops at the first mistake: every problem is collected as a `Problem` naming
the file (relative to the content root's parent, e.g. ``courses/x/course.yml``), the line,
the YAML key path and what was expected. See docs/content-format.md.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import yamlsafe
from .messages import N_, Message, msg
from .markdown import (
    FrontMatterError, find_lost_text, find_unclosed_html, find_unsafe_html, render_markdown, split_front_matter,
    yaml_error_text,
)
from .lesson_data import check_data_question, read_datasets
from .questions import Question, answer_cues, build_question, draw, draw_form, validate_question
from .scenario.datasets import Dataset
from .works import check_course_works

LANGUAGES = ("en", "ru")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Lesson file stems become URL slugs.
LESSON_STEM_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

COURSE_REQUIRED = (
    "id", "title", "summary", "language", "topic", "version", "estimated_minutes",
    "objectives", "lessons", "pass_mark", "completion",
)
COURSE_OPTIONAL = ("pre_test", "post_test", "sources", "translation_of", "datasets")
LESSON_KEYS = ("title", "minutes", "objectives", "check", "datasets")
COMPLETION_KEYS = ("all_lessons", "post_test")
BANK_REF_KEYS = ("bank", "count")
TEST_REF_KEYS = ("bank", "count", "per_competency")
OBJECTIVE_KEYS = ("id", "text")

# Messages that name a test: one per test, so each language can name it in its own words.
COMPETENCY_REQUIRED = {
    "pre_test": N_("is required in a pre-test bank: one of %(listed)s"),
    "post_test": N_("is required in a post-test bank: one of %(listed)s"),
}
TOO_FEW_OF_COMPETENCY = {
    "pre_test": N_("the pre-test draws %(n)d question(s) of competency '%(competency)s' but its bank has "
                   "%(found)d: each form covers every competency"),
    "post_test": N_("the post-test draws %(n)d question(s) of competency '%(competency)s' but its bank has "
                    "%(found)d: each form covers every competency"),
}
NOT_A_COMPETENCY = N_("'%(competency)s' is not a competency of this course (its objectives with an id: %(listed)s)")


# ---------------------------------------------------------------- specs

@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a content file."""

    file: str
    line: int | None
    key: str
    message: str                     # a Message: English as a str, translated where it is shown
    severity: str = "error"          # "error" fails the check; "warning" does not

    def __str__(self) -> str:
        parts = [self.file if self.line is None else f"{self.file}:{self.line}"]
        if self.severity != "error":
            parts.append(self.severity)
        if self.key:
            parts.append(self.key)
        parts.append(self.message)
        return ": ".join(parts)


@dataclass(frozen=True)
class QuestionBank:
    """Questions from one bank file and how many to draw per attempt.

    A test drawn per competency (a parallel form) takes `per_competency` questions of each of
    the course's `competencies`; `count` is then their total.
    """

    bank: str                        # path relative to the course folder
    questions: tuple[Question, ...]
    count: int
    per_competency: int | None = None
    competencies: tuple[str, ...] = ()

    def draw(self, rng: random.Random) -> tuple[Question, ...]:
        """`count` questions at random (per competency for a form), in random order."""
        if self.per_competency:
            return draw_form(self.questions, self.per_competency, self.competencies, rng)
        return draw(self.questions, self.count, rng)


@dataclass(frozen=True)
class Competency:
    """A course objective that the tests measure: questions name it by id."""

    id: str
    text: str


@dataclass(frozen=True)
class LessonSpec:
    """One lesson file."""

    slug: str                        # file stem, e.g. "01-concept"
    title: str
    minutes: int
    objectives: tuple[str, ...]
    body_markdown: str
    body_html: str                   # rendered and sanitised
    check: QuestionBank | None
    datasets: tuple[Dataset, ...] = ()  # shown in the data widget, in this order


@dataclass(frozen=True)
class Completion:
    """What a trainee must do to complete the course."""

    all_lessons: bool
    post_test: bool


@dataclass(frozen=True)
class CourseSpec:
    """A validated course folder."""

    id: str
    title: str
    summary: str
    language: str
    topic: str
    version: int
    estimated_minutes: int
    objectives: tuple[str, ...]
    lessons: tuple[LessonSpec, ...]
    pass_mark: int
    completion: Completion
    pre_test: QuestionBank | None
    post_test: QuestionBank | None
    sources: tuple[str, ...]
    folder: str                      # folder name under the content root
    translation_of: str | None = None  # id of the course this one translates
    competencies: tuple[Competency, ...] = ()  # the objectives given an id, in order

    def lesson(self, slug: str) -> LessonSpec:
        """The lesson with this slug; KeyError if there is none."""
        for lesson in self.lessons:
            if lesson.slug == slug:
                return lesson
        raise KeyError(slug)

    def all_questions(self) -> dict[str, Question]:
        """Every question of the course (lesson checks and tests) by id."""
        banks = [lesson.check for lesson in self.lessons] + [self.pre_test, self.post_test]
        return {q.id: q for bank in banks if bank for q in bank.questions}

    def passed(self, percent: float) -> bool:
        """Whether a post-test percentage reaches the pass mark."""
        return percent >= self.pass_mark

    def is_complete(self, completed_lessons: Collection[str], best_post_test: float | None) -> bool:
        """The completion rule, given completed lesson slugs and the best post-test %."""
        if self.completion.all_lessons and any(l.slug not in completed_lessons for l in self.lessons):
            return False
        if self.completion.post_test and (best_post_test is None or not self.passed(best_post_test)):
            return False
        return True


class CourseError(ValueError):
    """A course folder with errors; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_course(folder: Path) -> CourseSpec:
    """Read one course folder; raises CourseError listing every error."""
    spec, problems = read_course(folder)
    if spec is None:
        raise CourseError([p for p in problems if p.severity == "error"])
    return spec


def read_course(folder: Path) -> tuple[CourseSpec | None, list[Problem]]:
    """Read one course folder: (spec, or None if there are errors; every problem)."""
    reader = _CourseReader(Path(folder))
    return reader.read(), reader.problems


def check_courses(root: Path) -> tuple[list[CourseSpec], list[Problem]]:
    """Read every course folder under root: (error-free courses, every problem)."""
    root = Path(root)
    if not root.is_dir():
        return [], [Problem(str(root), None, "", msg(N_("content folder not found")))]
    specs: list[CourseSpec] = []
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    readers: list[_CourseReader] = []
    # Folders starting with '.' or '_' are ignored so drafts and tooling can live there.
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        reader = _CourseReader(folder)
        spec = reader.read()
        problems.extend(reader.problems)
        course_id = reader.course_id
        if course_id and course_id in owners:
            problems.append(Problem(
                reader.course_file, reader.course_id_line, "id",
                msg(N_("duplicate course id '%(id)s': also used by %(file)s"), id=course_id, file=owners[course_id]),
            ))
            continue
        if course_id:
            owners[course_id] = reader.course_file
        readers.append(reader)
        if spec is not None:
            specs.append(spec)
    wrong = _check_translations(readers, problems)
    specs = [spec for spec in specs if spec.folder not in wrong]
    # Linked versions are one work: a translation must keep its original's lessons and key.
    problems.extend(Problem(d.file, None, d.key, d.message) for d in check_course_works(specs, root.name))
    return specs, problems


def _check_translations(readers: list[_CourseReader], problems: list[Problem]) -> set[str]:
    """Report each translation_of naming no course, or a course in the same language.

    Returns the folders with such an error, so they are not loaded.
    """
    languages = {r.course_id: r.language_code for r in readers if r.course_id}
    wrong: set[str] = set()
    for reader in readers:
        target = reader.translation_of
        if target is None:
            continue
        if target not in languages or target == reader.course_id:
            message = (msg(N_("'%(id)s' is this course's own id"), id=target) if target == reader.course_id
                       else msg(N_("no course with id '%(id)s' in this folder"), id=target))
        elif languages[target] is not None and languages[target] == reader.language_code:
            message = msg(N_("course '%(id)s' is also in language '%(language)s': a translation needs another language"),
                          id=target, language=reader.language_code)
        else:
            continue
        problems.append(Problem(reader.course_file, reader.translation_of_line, "translation_of", message))
        wrong.add(reader.folder.name)
    return wrong


# ---------------------------------------------------------------- YAML with line numbers

class LineDict(dict):
    """A YAML mapping that remembers the line of each key."""

    line: int | None = None
    key_lines: dict


class LineList(list):
    """A YAML sequence that remembers the line of each item."""

    line: int | None = None
    item_lines: list


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader building LineDict/LineList and refusing duplicate keys.

    On libyaml's C parser where PyYAML has it (as the scenario loader): composing the shipped
    courses' 100 files takes 0.08 s instead of 0.9 s. Its recursion is safe behind
    yamlsafe.compose's depth check, which refuses deep nesting before parsing.
    """

    first_line = 1


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = LineDict()
    yield data
    loader.flatten_mapping(node)     # resolves '<<' merge keys in place
    data.line = node.start_mark.line + loader.first_line
    data.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in data:
            # PyYAML would silently keep the last value; a repeated key is a mistake.
            raise yaml.constructor.ConstructorError(
                None, None, msg(N_("duplicate key '%(key)s'"), key=key), key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + loader.first_line


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode):
    data = LineList()
    yield data
    data.line = node.start_mark.line + loader.first_line
    data.extend(loader.construct_object(child, deep=True) for child in node.value)
    data.item_lines = [child.start_mark.line + loader.first_line for child in node.value]


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(text: str, first_line: int = 1) -> Any:
    """Parse YAML into LineDict/LineList; `first_line` is the file line the text starts on."""
    loader = _LineLoader(text)
    loader.first_line = first_line
    try:
        # Size, depth and alias limits first. Error lines, as PyYAML's own, count from the text.
        node = yamlsafe.compose(loader, text)
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


_PATH_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def line_of(data: Any, path: str) -> int | None:
    """Line of the deepest part of a key path (``questions[3].answer``) that exists."""
    line = None
    for index, name in _PATH_TOKEN.findall(path):
        if index and isinstance(data, LineList) and int(index) < len(data):
            line, data = data.item_lines[int(index)], data[int(index)]
        elif name and isinstance(data, LineDict) and (key := _find_key(data, name)) is not None:
            line, data = data.key_lines.get(key[0], line), key[1]
        else:
            break
    return line


def _find_key(data: LineDict, name: str) -> tuple[Any, Any] | None:
    # Keys in paths are strings, but YAML may have read `true:` as a boolean key.
    for key, value in data.items():
        if key == name or str(key).lower() == name.lower():
            return key, value
    return None


# ---------------------------------------------------------------- reading

class _FileCheck:
    """Typed reads from one file's YAML, recording a Problem for each mismatch."""

    def __init__(self, file: str, root: Any, problems: list[Problem]):
        self.file, self.root, self.problems = file, root, problems

    def error(self, key: str, message: Message) -> None:
        self.problems.append(Problem(self.file, line_of(self.root, key), key, message))

    def warn(self, key: str, message: Message) -> None:
        self.problems.append(Problem(self.file, line_of(self.root, key), key, message, "warning"))

    def unknown_keys(self, mapping: Mapping, allowed: Collection[str], prefix: str = "") -> None:
        for key in mapping:
            if key not in allowed:
                self.warn(f"{prefix}{key}", msg(N_("unknown key (ignored); expected one of %(allowed)s"),
                                                allowed=", ".join(allowed)))

    def text(self, mapping: Mapping, name: str, prefix: str = "", required: bool = True) -> str | None:
        value, key = mapping.get(name), prefix + name
        if value is None:
            if required:
                self.error(key, msg(N_("is required")))
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(key, msg(N_("expected text, got %(kind)s"), kind=_kind(value)))
            return None
        return value.strip()

    def slug(self, mapping: Mapping, name: str, prefix: str = "") -> str | None:
        value = self.text(mapping, name, prefix)
        if value is not None and not SLUG_PATTERN.match(value):
            self.error(prefix + name, msg(N_("expected lowercase letters, digits and hyphens, got '%(value)s'"),
                                          value=value))
            return None
        return value

    def integer(self, mapping: Mapping, name: str, prefix: str = "", low: int | None = None,
                high: int | None = None, required: bool = True) -> int | None:
        value, key = mapping.get(name), prefix + name
        if value is None:
            if required:
                self.error(key, msg(N_("is required")))
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(key, msg(N_("expected a whole number, got %(kind)s"), kind=_kind(value)))
            return None
        if high is not None and not low <= value <= high:
            self.error(key, msg(N_("%(name)s %(value)d is outside %(low)d-%(high)d"), name=name, value=value,
                                low=low, high=high))
            return None
        if low is not None and value < low:
            self.error(key, msg(N_("must be at least %(low)d, got %(value)d"), low=low, value=value))
            return None
        return value

    def boolean(self, mapping: Mapping, name: str, prefix: str = "") -> bool:
        value = mapping.get(name, False)
        if not isinstance(value, bool):
            self.error(prefix + name, msg(N_("expected true or false, got %(kind)s"), kind=_kind(value)))
            return False
        return value

    def texts(self, mapping: Mapping, name: str, prefix: str = "", minimum: int = 0,
              required: bool = True) -> tuple[str, ...]:
        value, key = mapping.get(name), prefix + name
        if value is None:
            if required:
                self.error(key, msg(N_("is required: a list of at least %(min)d"), min=max(minimum, 1)))
            return ()
        if not isinstance(value, list):
            self.error(key, msg(N_("expected a list, got %(kind)s"), kind=_kind(value)))
            return ()
        if len(value) < minimum:
            self.error(key, msg(N_("needs at least %(min)d entries, has %(n)d"), min=minimum, n=len(value)))
        good = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                good.append(item.strip())
            else:
                self.error(f"{key}[{i}]", msg(N_("expected text, got %(kind)s"), kind=_kind(item)))
        return tuple(good)

    def mapping(self, mapping: Mapping, name: str, prefix: str = "", required: bool = True) -> Mapping | None:
        value, key = mapping.get(name), prefix + name
        if value is None:
            if required:
                self.error(key, msg(N_("is required")))
            return None
        if not isinstance(value, dict):
            self.error(key, msg(N_("expected keys under it, got %(kind)s"), kind=_kind(value)))
            return None
        return value


def _kind(value: Any) -> Message | str:
    """What a value is, as a message: "a number (5)", "a list"."""
    if isinstance(value, bool):
        return msg(N_("true/false (%(value)s)"), value=str(value).lower())
    if isinstance(value, (int, float)):
        return msg(N_("a number (%(value)s)"), value=value)
    if isinstance(value, str):
        return msg(N_("empty text")) if not value.strip() else msg(N_("'%(value)s'"), value=value)
    kinds = {dict: N_("a mapping"), LineDict: N_("a mapping"), list: N_("a list"), LineList: N_("a list"),
             type(None): N_("nothing")}
    return msg(kinds[type(value)]) if type(value) in kinds else type(value).__name__


class _CourseReader:
    """Reads one course folder, collecting problems instead of raising."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.base = os.path.dirname(os.path.dirname(os.path.abspath(folder)))
        self.problems: list[Problem] = []
        self.banks: dict[Path, tuple[tuple[Question, ...], int]] = {}
        self.question_ids: dict[str, str] = {}
        # Where each valid question is: (file shown, the bank's parsed YAML, its index).
        self.question_places: dict[str, tuple[str, Any, int]] = {}
        self.bank_places: dict[str, tuple[str, Any]] = {}   # bank path as written -> (file, YAML)
        self.bank_roots: dict[Path, Any] = {}
        self.competencies: tuple[Competency, ...] = ()
        self.course_file = self.display(folder / "course.yml")
        self.course_id: str | None = None
        self.course_id_line: int | None = None
        self.language_code: str | None = None
        self.translation_of: str | None = None
        self.translation_of_line: int | None = None
        self.datasets: dict[str, Dataset] = {}
        self.declared_datasets: set[str] = set()  # including those with errors, reported once

    def display(self, path: Path) -> str:
        """File name as shown in problems: relative to the content root's parent."""
        return Path(os.path.relpath(os.path.abspath(path), self.base)).as_posix()

    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def load_file(self, path: Path) -> Any:
        """Parsed YAML of a file, or None after recording why it cannot be read."""
        text = self.read_text(path)
        if text is None:
            return None
        try:
            return load_yaml(text)
        except yamlsafe.YamlLimitError as exc:
            self.problems.append(Problem(self.display(path), exc.line, "", exc.message))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            message = msg(N_("invalid YAML: %(reason)s"), reason=yaml_error_text(exc))
            self.problems.append(Problem(self.display(path), line, "", message))
        except yaml.YAMLError as exc:
            self.problems.append(Problem(self.display(path), None, "", msg(N_("invalid YAML: %(reason)s"),
                                                                               reason=str(exc))))
        return None

    def read_text(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problems.append(Problem(self.display(path), None, "", msg(N_("is not UTF-8 text"))))
        except OSError as exc:
            self.problems.append(Problem(self.display(path), None, "", msg(N_("cannot be read: %(reason)s"),
                                                                               reason=exc.strerror)))
        return None

    # -- course.yml

    def read(self) -> CourseSpec | None:
        path = self.folder / "course.yml"
        if not path.is_file():
            self.problems.append(Problem(self.course_file, None, "", msg(N_("course.yml not found"))))
            return None
        data = self.load_file(path)
        if data is None:
            return None
        if not isinstance(data, dict):
            self.problems.append(Problem(self.course_file, 1, "", msg(N_("expected keys (id: ..., title: ...)"))))
            return None
        c = _FileCheck(self.course_file, data, self.problems)
        c.unknown_keys(data, COURSE_REQUIRED + COURSE_OPTIONAL)
        course_id = c.slug(data, "id")
        self.course_id, self.course_id_line = course_id, line_of(data, "id")
        objectives, competencies = self.objectives(c, data)
        self.competencies = competencies
        self.datasets = self.read_datasets(c, data)
        fields = dict(
            id=course_id,
            title=c.text(data, "title"),
            summary=c.text(data, "summary"),
            language=self.language(c, data),
            topic=c.slug(data, "topic"),
            version=c.integer(data, "version", low=1),
            estimated_minutes=c.integer(data, "estimated_minutes", low=1),
            objectives=objectives,
            lessons=self.lessons(c, data),
            pass_mark=c.integer(data, "pass_mark", low=0, high=100),
            completion=self.completion(c, data),
            pre_test=self.bank_ref(c, data, "pre_test"),
            post_test=self.bank_ref(c, data, "post_test"),
            sources=c.texts(data, "sources", required=False),
            folder=self.folder.name,
            translation_of=c.slug(data, "translation_of") if "translation_of" in data else None,
            competencies=competencies,
        )
        self.language_code, self.translation_of = fields["language"], fields["translation_of"]
        self.translation_of_line = line_of(data, "translation_of")
        if fields["completion"] and fields["completion"].post_test and "post_test" not in data:
            c.error("completion.post_test", msg(N_("is true, so the course needs a post_test (bank and count)")))
        self.unlisted_lessons(c, data)
        self.check_forms(c, data, fields)
        self.check_lesson_checks(fields)
        self.check_data_questions(fields)
        self.check_cues(c, fields)
        if self.has_errors():
            return None
        return CourseSpec(**fields)

    def objectives(self, c: _FileCheck, data: Mapping) -> tuple[tuple[str, ...], tuple[Competency, ...]]:
        """The objectives' texts, and those given an id: the competencies the tests measure."""
        raw = data.get("objectives")
        if not isinstance(raw, list) or not any(isinstance(item, dict) for item in raw):
            return c.texts(data, "objectives", minimum=1), ()
        texts: list[str] = []
        competencies: list[Competency] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(raw):
            key = f"objectives[{i}]"
            if not isinstance(item, dict):
                if isinstance(item, str) and item.strip():
                    texts.append(item.strip())
                else:
                    c.error(key, msg(N_("expected text, or id and text, got %(kind)s"), kind=_kind(item)))
                continue
            c.unknown_keys(item, OBJECTIVE_KEYS, key + ".")
            text = c.text(item, "text", key + ".")
            ident = c.slug(item, "id", key + ".")
            if ident is not None and ident in seen:
                c.error(key + ".id", msg(N_("competency '%(id)s' is declared twice (also objectives[%(index)d])"),
                                         id=ident, index=seen[ident]))
                ident = None
            if text is not None:
                texts.append(text)
                if ident is not None:
                    seen[ident] = i
                    competencies.append(Competency(ident, text))
        return tuple(texts), tuple(competencies)

    def language(self, c: _FileCheck, data: Mapping) -> str | None:
        value = c.text(data, "language")
        if value is not None and value not in LANGUAGES:
            c.error("language", msg(N_("unknown language '%(value)s': expected one of %(allowed)s"), value=value,
                                    allowed=", ".join(LANGUAGES)))
            return None
        return value

    def completion(self, c: _FileCheck, data: Mapping) -> Completion | None:
        rule = c.mapping(data, "completion")
        if rule is None:
            return None
        c.unknown_keys(rule, COMPLETION_KEYS, "completion.")
        completion = Completion(c.boolean(rule, "all_lessons", "completion."),
                                c.boolean(rule, "post_test", "completion."))
        if not (completion.all_lessons or completion.post_test):
            c.error("completion", msg(N_("set all_lessons or post_test (or both) to true, "
                                         "or the course is complete on enrolment")))
        return completion

    # -- files named in content

    def resolve(self, c: _FileCheck, key: str, name: str, suffixes: tuple[str, ...]) -> Path | None:
        """The file `name` (relative to the course folder) if it exists inside it."""
        path = self.folder / name
        folder = self.folder.resolve()
        if Path(name).is_absolute() or not path.resolve().is_relative_to(folder):
            c.error(key, msg(N_("'%(name)s' must be a path inside the course folder"), name=name))
            return None
        if path.suffix.lower() not in suffixes:
            ends = suffixes[0] if len(suffixes) == 1 else msg(N_("%(some)s or %(last)s"),
                                                               some=", ".join(suffixes[:-1]), last=suffixes[-1])
            c.error(key, msg(N_("'%(name)s' should end in %(suffixes)s"), name=name, suffixes=ends))
            return None
        if not path.is_file():
            c.error(key, msg(N_("file '%(name)s' not found"), name=name))
            return None
        return path

    # -- lessons

    def lessons(self, c: _FileCheck, data: Mapping) -> tuple[LessonSpec, ...]:
        c.texts(data, "lessons", minimum=1)      # reports the list's shape and non-text entries
        raw = data.get("lessons") if isinstance(data.get("lessons"), list) else []
        lessons, seen = [], {}
        for i, name in enumerate(raw):
            if not isinstance(name, str) or not name.strip():
                continue
            key, name = f"lessons[{i}]", name.strip()
            stem = Path(name).stem
            if stem in seen:
                c.error(key, msg(N_("lesson '%(name)s' is listed twice (also lessons[%(index)d])"), name=name,
                                 index=seen[stem]))
                continue
            seen[stem] = i
            if not LESSON_STEM_PATTERN.match(stem):
                c.error(key, msg(N_("lesson file name '%(stem)s' must be lowercase letters, digits, '-' or '_' "
                                    "(it becomes the lesson's web address)"), stem=stem))
                continue
            path = self.resolve(c, key, name, (".md",))
            lesson = path and self.lesson(path, stem)
            if lesson:
                lessons.append(lesson)
        return tuple(lessons)

    def lesson(self, path: Path, slug: str) -> LessonSpec | None:
        file = self.display(path)
        text = self.read_text(path)
        if text is None:
            return None
        try:
            # first_line=2: the YAML starts after the opening '---'.
            front, body, body_line = split_front_matter(text, load=lambda s: load_yaml(s, first_line=2))
        except FrontMatterError as exc:
            self.problems.append(Problem(file, exc.line, "front matter", exc.message))
            return None
        if body_line == 1:               # no front matter block at all
            self.problems.append(Problem(
                file, 1, "front matter",
                msg(N_("missing: start the file with a '---' block holding title and minutes"))))
            return None
        c = _FileCheck(file, front, self.problems)
        c.unknown_keys(front, LESSON_KEYS)
        title = c.text(front, "title")
        minutes = c.integer(front, "minutes", low=1)
        objectives = c.texts(front, "objectives", required=False)
        check = self.bank_ref(c, front, "check")
        datasets = self.lesson_datasets(c, front)
        self.check_body(file, body, body_line)
        if None in (title, minutes):
            return None
        return LessonSpec(slug, title, minutes, objectives, body, render_markdown(body), check, datasets)

    def lesson_datasets(self, c: _FileCheck, front: Mapping) -> tuple[Dataset, ...]:
        """The datasets a lesson shows: ids of the course's datasets."""
        found = []
        for i, name in enumerate(c.texts(front, "datasets", required=False)):
            if name in self.datasets:
                found.append(self.datasets[name])
            elif name not in self.declared_datasets:
                c.error(f"datasets[{i}]", msg(N_("'%(dataset)s' is not a dataset of the course (%(known)s)"),
                                              dataset=name, known=", ".join(self.datasets) or "—"))
        return tuple(found)

    # -- datasets

    def read_datasets(self, c: _FileCheck, data: Mapping) -> dict[str, Dataset]:
        """course.yml's datasets: typed columns and rows from CSV files beside the lessons."""
        if "datasets" not in data:
            return {}

        def read_csv(name: str, key: str) -> tuple[str, str] | None:
            path = self.resolve(c, key, name, (".csv",))
            text = path and self.read_text(path)
            return None if text is None or not path else (self.display(path), text)

        datasets, self.declared_datasets, findings = read_datasets(data.get("datasets"), read_csv)
        for finding in findings:
            if finding.file is None:
                c.error(finding.key, finding.message)
            else:
                self.problems.append(Problem(finding.file, finding.line, finding.key, finding.message))
        return datasets

    def check_body(self, file: str, body: str, body_line: int) -> None:
        if not body.strip():
            self.problems.append(Problem(file, body_line, "body", msg(N_("the lesson has no text")), "warning"))
        unclosed = find_unclosed_html(body)
        for line, what in unclosed:
            self.problems.append(Problem(
                file, body_line + line - 1, "body",
                msg(N_("raw HTML %(what)s is never closed, so the text after it would be lost: close it "
                       "or remove it (until then it is shown as text)"), what=what)))
        lost = None if unclosed else find_lost_text(body)
        if lost is not None:
            self.problems.append(Problem(
                file, body_line + lost - 1, "body",
                msg(N_("text from this line on does not reach the page (raw HTML around it is removed "
                       "with its content); write it as Markdown")), "warning"))
        for line, what in find_unsafe_html(body):
            self.problems.append(Problem(
                file, body_line + line - 1, "body",
                msg(N_("raw HTML %(what)s is removed when the lesson is shown; write Markdown instead"), what=what),
                "warning"))

    def unlisted_lessons(self, c: _FileCheck, data: Mapping) -> None:
        listed = {Path(n).name for n in data.get("lessons") or [] if isinstance(n, str)}
        for path in sorted(self.folder.glob("*.md")):
            if path.name not in listed and not path.name.lower().startswith("readme"):
                self.problems.append(Problem(self.display(path), None, "",
                                             msg(N_("not listed under lessons in course.yml (ignored)")), "warning"))

    # -- question banks

    def bank_ref(self, c: _FileCheck, data: Mapping, name: str) -> QuestionBank | None:
        """A `bank:`/`count:` block (check, pre_test, post_test) with its questions.

        A test (pre_test, post_test) may draw `per_competency:` questions of each competency
        instead of a `count:`: a parallel form (docs/content-format.md).
        """
        ref = c.mapping(data, name, required=False)
        if ref is None:
            return None
        prefix = f"{name}."
        is_test = name in ("pre_test", "post_test")
        c.unknown_keys(ref, TEST_REF_KEYS if is_test else BANK_REF_KEYS, prefix)
        bank = c.text(ref, "bank", prefix)
        count = c.integer(ref, "count", prefix, low=1, required=False)
        per_competency = c.integer(ref, "per_competency", prefix, low=1, required=False) if is_test else None
        if count is not None and per_competency is not None:
            c.error(prefix + "count", msg(N_("give count or per_competency, not both: a form drawn per competency "
                                             "draws per_competency questions of each competency")))
            return None
        path = bank and self.resolve(c, prefix + "bank", bank, (".yml", ".yaml"))
        if not path:
            return None
        questions, entries = self.bank(path)
        self.bank_places.setdefault(bank, (self.display(path), self.bank_roots.get(path.resolve())))
        if count is not None and entries and count > entries:
            c.error(prefix + "count", msg(N_("count %(count)d is larger than the bank '%(bank)s' (%(entries)d "
                                             "questions)"), count=count, bank=bank, entries=entries))
            return None
        if per_competency is not None:
            ids = tuple(competency.id for competency in self.competencies)
            return QuestionBank(bank, questions, per_competency * len(ids), per_competency, ids)
        return QuestionBank(bank, questions, count or len(questions))

    def bank(self, path: Path) -> tuple[tuple[Question, ...], int]:
        """(valid questions, number of entries) of a bank file, read once per course."""
        key = path.resolve()
        if key not in self.banks:
            self.banks[key] = self.read_bank(path)
        return self.banks[key]

    def read_bank(self, path: Path) -> tuple[tuple[Question, ...], int]:
        file = self.display(path)
        data = self.load_file(path)
        self.bank_roots[path.resolve()] = data
        if data is None:
            return (), 0
        if not isinstance(data, dict):
            self.problems.append(Problem(file, 1, "", msg(N_("expected a 'questions:' list at the top"))))
            return (), 0
        c = _FileCheck(file, data, self.problems)
        c.unknown_keys(data, ("questions",))
        entries = data.get("questions")
        if not isinstance(entries, list) or not entries:
            c.error("questions", msg(N_("expected a list of at least one question, got %(kind)s"),
                                     kind=_kind(entries)))
            return (), 0
        questions = [q for i, raw in enumerate(entries) if (q := self.question(c, raw, i))]
        return tuple(questions), len(entries)

    def question(self, c: _FileCheck, raw: Any, i: int) -> Question | None:
        prefix = f"questions[{i}]"
        found = validate_question(raw)
        for p in found:
            key = f"{prefix}.{p.key}" if p.key else prefix
            (c.error if p.severity == "error" else c.warn)(key, p.message)
        if any(p.severity == "error" for p in found):
            return None
        question = build_question(raw)
        where = f"{c.file}:{line_of(c.root, prefix + '.id')}"
        if question.id in self.question_ids:
            first = self.question_ids[question.id]
            c.error(prefix + ".id", msg(N_("duplicate question id '%(id)s': also at %(place)s"), id=question.id,
                                        place=first))
            return None
        self.question_ids[question.id] = where
        self.question_places[question.id] = (c.file, c.root, i)
        return question


    # -- parallel forms, lesson checks and answer cues

    def where(self, question_id: str, field: str = "") -> tuple[str, int | None, str]:
        """(file, line, key) of a question, or of one of its fields."""
        file, root, index = self.question_places[question_id]
        key = f"questions[{index}]" + (f".{field}" if field else "")
        return file, line_of(root, key), key

    def question_error(self, question_id: str, field: str, message: Message, severity: str = "error") -> None:
        file, line, key = self.where(question_id, field)
        self.problems.append(Problem(file, line, key, message, severity))

    def bank_error(self, bank: str, message: Message) -> None:
        file, root = self.bank_places.get(bank, (self.course_file, None))
        self.problems.append(Problem(file, line_of(root, "questions") if root else None, "questions", message))

    def check_forms(self, c: _FileCheck, data: Mapping, fields: Mapping) -> None:
        """A pre-test and a post-test are parallel forms: separate banks with no question in common,
        drawing the same number of questions of each of the course's competencies."""
        forms = {name: fields[name] for name in ("pre_test", "post_test") if fields.get(name) is not None}
        per_competency = {name: bank for name, bank in forms.items() if bank.per_competency}
        if len(forms) < 2 and not per_competency:
            return                       # one test without competencies measures no gain: nothing to compare
        declared = [competency.id for competency in self.competencies]
        if not declared and isinstance(data.get("objectives"), list):
            c.error("objectives", msg(N_("the pre-test and post-test draw per competency: give the objectives they "
                                         "measure an id (- id: intelligence-cycle / text: ...)")))
        for name, bank in forms.items():
            if not bank.per_competency:
                c.error(f"{name}.per_competency", msg(N_("is required: a course with a pre-test and a post-test "
                                                         "draws the same number of questions of each competency from "
                                                         "each (replace count with per_competency)")))
        if len(per_competency) == 2 and forms["pre_test"].per_competency != forms["post_test"].per_competency:
            c.error("post_test.per_competency",
                    msg(N_("draws %(post)d per competency, the pre-test %(pre)d: parallel forms draw the same number"),
                        post=forms["post_test"].per_competency, pre=forms["pre_test"].per_competency))
        if len(forms) == 2:
            self.check_disjoint(c, forms["pre_test"], forms["post_test"])
        for name, bank in forms.items():
            self.check_coverage(name, bank, declared, bank.per_competency or 1)

    def check_disjoint(self, c: _FileCheck, pre: QuestionBank, post: QuestionBank) -> None:
        if Path(pre.bank).as_posix() == Path(post.bank).as_posix():
            c.error("post_test.bank", msg(N_("'%(bank)s' is also the pre-test's bank: the pre-test and post-test "
                                             "are parallel forms, each with its own bank and no question in common"),
                                          bank=post.bank))
            return
        prompts = {_same_text(q.prompt): q for q in pre.questions}
        for question in post.questions:
            twin = prompts.get(_same_text(question.prompt))
            if twin is not None:
                file = self.where(twin.id)[0]
                self.question_error(question.id, "prompt",
                                    msg(N_("repeats pre-test question '%(id)s' (%(file)s): the pre-test and "
                                           "post-test are parallel forms with no question in common"),
                                        id=twin.id, file=file))

    def check_coverage(self, name: str, bank: QuestionBank, declared: list[str], per_competency: int) -> None:
        """Every question of a form measures a declared competency; every competency has enough questions."""
        if not declared:
            return
        listed = ", ".join(declared)
        for question in bank.questions:
            if question.competency is None:
                self.question_error(question.id, "competency", msg(COMPETENCY_REQUIRED[name], listed=listed))
            elif question.competency not in declared:
                self.question_error(question.id, "competency", msg(NOT_A_COMPETENCY, competency=question.competency,
                                                                   listed=listed))
        for competency in declared:
            found = sum(q.competency == competency for q in bank.questions)
            if found < per_competency:
                self.bank_error(bank.bank, msg(TOO_FEW_OF_COMPETENCY[name], n=per_competency,
                                               competency=competency, found=found))

    def check_lesson_checks(self, fields: Mapping) -> None:
        """Knowledge checks never reuse a test's questions: not its bank, not its prompts."""
        tests = [bank for bank in (fields.get("pre_test"), fields.get("post_test")) if bank is not None]
        test_banks = {Path(bank.bank).as_posix() for bank in tests}
        prompts = {_same_text(q.prompt): q for bank in tests for q in bank.questions}
        declared = {competency.id for competency in self.competencies}
        for index, lesson in enumerate(fields.get("lessons") or ()):
            if lesson.check is None:
                continue
            if Path(lesson.check.bank).as_posix() in test_banks:
                self.problems.append(Problem(
                    self.display(self.folder / f"{lesson.slug}.md"), None, "check.bank",
                    msg(N_("'%(bank)s' is a test's bank: knowledge checks never reuse pre-test or post-test "
                           "questions, or officers meet the test's answers before taking it"), bank=lesson.check.bank)))
                continue
            for question in lesson.check.questions:
                twin = prompts.get(_same_text(question.prompt))
                if twin is not None:
                    self.question_error(question.id, "prompt",
                                        msg(N_("repeats test question '%(id)s' (%(file)s): knowledge checks never "
                                               "reuse pre-test or post-test questions"),
                                            id=twin.id, file=self.where(twin.id)[0]))
                if declared and question.competency is not None and question.competency not in declared:
                    self.question_error(question.id, "competency",
                                        msg(NOT_A_COMPETENCY, competency=question.competency,
                                            listed=", ".join(sorted(declared))), "warning")

    def check_data_questions(self, fields: Mapping) -> None:
        """A knowledge check's key computed from the lesson's data must match the rows; a test shows
        no data, so its questions cannot need any."""
        for lesson in fields.get("lessons") or ():
            shown = tuple(d.id for d in lesson.datasets)
            for question in lesson.check.questions if lesson.check else ():
                raw = self.raw_question(question.id)
                if "from_data" in raw and self.data_of(raw) not in self.declared_datasets - set(self.datasets):
                    for finding in check_data_question(question, raw, self.datasets, shown):
                        self.question_error(question.id, finding.key, finding.message)
        for name in ("pre_test", "post_test"):
            for question in fields[name].questions if fields.get(name) else ():
                if "from_data" in self.raw_question(question.id):
                    self.question_error(question.id, "from_data", msg(N_("a test shows no data: only a lesson's "
                                                                         "knowledge check can ask about it")))

    @staticmethod
    def data_of(raw: Mapping) -> str | None:
        """The dataset a question's from_data names (None when it names none)."""
        spec = raw.get("from_data")
        return str(spec.get("dataset")) if isinstance(spec, dict) else None

    def raw_question(self, question_id: str) -> Mapping:
        """A question as written in its bank."""
        _file, root, index = self.question_places[question_id]
        return root["questions"][index]

    def check_cues(self, c: _FileCheck, fields: Mapping) -> None:
        """Warn about answer keys a test-wise officer could guess: longest option, true/false one way."""
        banks = [lesson.check for lesson in fields.get("lessons") or () if lesson.check]
        banks += [fields[name] for name in ("pre_test", "post_test") if fields.get(name) is not None]
        seen: dict[str, QuestionBank] = {}
        for bank in banks:
            seen.setdefault(Path(bank.bank).as_posix(), bank)
        for bank in seen.values():
            for message in _cue_messages(answer_cues(bank.questions)):
                file, root = self.bank_places.get(bank.bank, (self.course_file, None))
                self.problems.append(Problem(file, line_of(root, "questions") if root else None, "questions",
                                             message, "warning"))
        # Per bank, one statement or one option is no pattern; across the course's banks it is.
        everything = [q for bank in seen.values() for q in bank.questions]
        for message in _cue_messages(answer_cues(everything)):
            c.warn("", msg(N_("across all question banks of the course, %(problem)s"), problem=message))


def _same_text(text: str) -> str:
    """Text compared for repeats: case and spacing ignored."""
    return " ".join(text.split()).casefold()


def _cue_messages(cues) -> list[Message]:
    messages = []
    if cues.longest_cue:
        messages.append(msg(
            N_("the right answer is the longest option in %(longest)d of %(single)d single-choice questions "
               "(%(percent)d%%, more than 40%%): an officer who picks the longest option scores without knowing; "
               "shorten right answers or give distractors plausible detail"),
            longest=cues.longest, single=cues.single, percent=round(100 * cues.longest / cues.single)))
    if cues.one_way_cue:
        total = cues.true_keys + cues.false_keys
        way, most = ("false", cues.false_keys) if cues.false_keys > cues.true_keys else ("true", cues.true_keys)
        messages.append(msg(
            N_("%(most)d of %(total)d true/false questions are keyed %(way)s (%(percent)d%%, more than 65%% one "
               "way): an officer who always answers that way scores without knowing; rewrite some statements so "
               "the other answer is right"),
            most=most, total=total, way=way, percent=round(100 * most / total)))
    return messages
