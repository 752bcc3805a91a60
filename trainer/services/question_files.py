"""Moodle question files into a course's banks, and a course's banks out as GIFT or Moodle XML.

The same steps serve a draft in the browser (author pages), a published course and a course
folder on disk (`flask questions`): read the course's files as {path: text}, learn what the
import must respect (the course's language, its competencies, the question ids it uses), read
the Moodle file with the domain (trainer/domain/moodle_questions.py), and write one bank file,
`questions/imported-<name>.yml`, in the schema of docs/content-format.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..domain import yamlsafe
from ..domain.messages import Message
from ..domain.moodle_questions import (
    FORMAT_NAMES, ImportResult, QuestionFileError, bank_yaml, is_bank, read_bank, read_questions, to_gift,
    to_moodle_xml,
)
from ..models import CourseDraft
from . import course_authoring as authoring

EXPORT_FORMATS = ("gift", "xml")
TOKEN_SALT = "moodle-question-import"
TOKEN_MAX_AGE = 24 * 3600            # a preview left open overnight can still be added the next morning


@dataclass(frozen=True)
class CourseFacts:
    """What an import into a course respects: its language, competencies and question ids."""

    language: str
    competencies: dict[str, str]     # id -> objective text
    taken_ids: frozenset[str]


@dataclass(frozen=True)
class ImportPlan:
    """A Moodle file read for a course: what comes in, what is reported, and the bank to write."""

    filename: str
    result: ImportResult
    path: str                        # where the bank goes, e.g. questions/imported-kanji.yml
    text: str                        # the bank file ("" when nothing comes in)

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.result.format]


def course_facts(files: dict[str, str]) -> CourseFacts:
    """Language, competencies and question ids of a course given as {path: text}."""
    data = authoring.parse_course_yml(files) or {}
    language = data.get("language") if data.get("language") in ("en", "ru") else "en"
    competencies = {}
    for objective in data.get("objectives") or ():
        if isinstance(objective, dict) and isinstance(objective.get("id"), str):
            competencies[objective["id"]] = str(objective.get("text") or "")
    taken = set()
    for path in bank_paths(files):
        try:
            entries = (yamlsafe.safe_load(files[path]) or {}).get("questions") or []
        except (yaml.YAMLError, AttributeError):
            continue
        taken.update(entry["id"] for entry in entries if isinstance(entry, dict) and isinstance(entry.get("id"), str))
    return CourseFacts(language, competencies, frozenset(taken))


def bank_paths(files: dict[str, str]) -> list[str]:
    """The course's question bank files (YAML files holding a 'questions:' list), sorted."""
    return sorted(path for path, text in files.items()
                  if path.endswith((".yml", ".yaml")) and path != authoring.COURSE_FILE and is_bank(text))


def imported_bank_path(files: dict[str, str], filename: str) -> str:
    """questions/imported-<name of the file>.yml, numbered if the course has it already."""
    stem = PurePosixPath(filename.replace("\\", "/")).name
    stem = re.sub(r"(\.(gift|aiken|moodle))?\.(txt|xml|gift|aiken)$", "", stem, flags=re.I)
    base = "questions/imported-" + authoring.slugify(stem, "questions")[:60].strip("-")
    path, number = f"{base}.yml", 1
    while path in files or authoring.folder_clash(files, path):
        number += 1
        path = f"{base}-{number}.yml"
    return path


def plan_import(files: dict[str, str], data: bytes, filename: str, fmt: str | None = None) -> ImportPlan:
    """Read a Moodle file for a course; raises QuestionFileError when it cannot be read at all."""
    facts = course_facts(files)
    result = read_questions(data, fmt, filename=filename, language=facts.language,
                            competencies=facts.competencies, taken_ids=facts.taken_ids)
    name = PurePosixPath(filename.replace("\\", "/")).name or "questions"
    header = (f"Imported from {name} ({FORMAT_NAMES[result.format]}): {len(result.imported)} question(s); "
              f"{len(result.reported)} reported and left out.\nUse it from a lesson's check or a test in course.yml "
              "(docs/content-format.md, \"Question banks\").")
    text = bank_yaml(result.questions, header) if result.imported else ""
    return ImportPlan(name, result, imported_bank_path(files, name), text)


# ---------------------------------------------------------------- drafts: preview, then add

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


def preview_token(draft: CourseDraft, plan: ImportPlan) -> str:
    """What "Add to the draft" sends back: the bank as previewed, signed for this draft."""
    return _serializer().dumps({"draft": draft.id, "file": plan.filename, "bank": plan.text})


def token_fits(token: str) -> bool:
    """Whether the form can carry the token (Flask refuses larger form fields)."""
    return len(token) < (current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000) - 10_000


def add_previewed_bank(draft: CourseDraft, token: str) -> tuple[str, int]:
    """Write the previewed bank into the draft: (its path, number of questions).

    Raises AuthoringRefused when the preview is too old, for another draft, or the draft has
    meanwhile taken one of its question ids.
    """
    try:
        payload = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        raise authoring.AuthoringRefused(_(
            "The preview has expired or was changed. Upload the file again.")) from None
    if not isinstance(payload, dict) or payload.get("draft") != draft.id or not payload.get("bank"):
        raise authoring.AuthoringRefused(_("This preview belongs to another draft. Upload the file again."))
    questions, _problems = read_bank(payload["bank"])
    clash = sorted({q.id for q in questions} & course_facts(draft.files).taken_ids)
    if clash:
        raise authoring.AuthoringRefused(_(
            "The draft has changed since the preview: it now uses the question id %(ids)s. Upload the file again.",
            ids=", ".join(clash[:5])))
    path = imported_bank_path(draft.files, str(payload.get("file") or "questions"))
    authoring.add_file_text(draft, path, payload["bank"])
    return path, len(questions)


# ---------------------------------------------------------------- export

@dataclass(frozen=True)
class Export:
    """A course's banks (or one bank) as a GIFT or Moodle XML file."""

    text: str
    filename: str
    mimetype: str
    notes: tuple[Message, ...]       # what the format cannot hold
    left_out: tuple[str, ...]        # bank entries with errors, not exported


def export_banks(files: dict[str, str], course_name: str, fmt: str, bank: str | None = None) -> Export:
    """Every bank of the course (or `bank`) as GIFT or Moodle XML; LookupError if there is no such bank."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    paths = bank_paths(files)
    if bank is not None:
        if bank not in paths:
            raise LookupError(bank)
        paths = [bank]
    if not paths:
        raise LookupError(course_name)
    questions, left_out = [], []
    for path in paths:
        found, problems = read_bank(files[path])
        questions += found
        left_out += [f"{path}: {problem}" for problem in problems]
    source = f"{course_name}: {bank or ', '.join(paths)}"
    write = to_gift if fmt == "gift" else to_moodle_xml
    text, notes = write(questions, source)
    if left_out:
        comment = "".join(f"// Left out (fix it in the bank): {line}\n" for line in left_out) if fmt == "gift" else ""
        text = comment + text
    stem = PurePosixPath(bank).stem if bank else "questions"
    name = f"{authoring.slugify(course_name, 'course')}-{stem}"
    filename, mimetype = ((f"{name}.gift.txt", "text/plain") if fmt == "gift"
                          else (f"{name}.moodle.xml", "application/xml"))
    return Export(text, filename, mimetype, notes, tuple(left_out))


# ---------------------------------------------------------------- course folders on disk (the CLI)

def course_folder(root: Path, course_id: str) -> Path | None:
    """The folder under `root` whose course.yml has this id."""
    if not root.is_dir():
        return None
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        course_file = folder / authoring.COURSE_FILE
        if not course_file.is_file():
            continue
        data = authoring.parse_course_yml({authoring.COURSE_FILE: course_file.read_text(encoding="utf-8",
                                                                                        errors="replace")})
        if data and data.get("id") == course_id:
            return folder
    return None

