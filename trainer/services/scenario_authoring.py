"""Scenario authoring use cases: drafts written in the browser, validated, previewed, published.

A draft is plain YAML text kept in the database and is always saved, valid or not, so an
author never loses work. Publishing validates it with the same parser as `flask content
check` and stores it as a new immutable version; attempts keep the version they were made on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, exists, insert, or_, select

from ..domain.generation import generate_variant
from ..domain.scenario import Problem, parse_scenario
from ..domain.scenario import Scenario as ScenarioSpec
from ..domain.scenario.loader import YamlError, load_yaml
from ..domain.scenario.workspace import workspace_view
from ..extensions import db
from ..models import Scenario, ScenarioDraft, ScenarioVersion, User, content_editors, user_by_email, utcnow
from ..permissions import can_edit_content
from .scenarios import store_version

KIND = "scenario"  # content_editors.content_kind
MAX_SOURCE_BYTES = 1_000_000  # the largest shipped scenario is about 55 kB
SLUG_LENGTH, TITLE_LENGTH = 100, 300  # the columns' sizes (PostgreSQL enforces them)
MAX_SEED = 2**31 - 1  # seeds are stored in a 32-bit column
TOP_ID_RE = re.compile(r"^id:[^\n]*$", re.MULTILINE)
TOP_TITLE_RE = re.compile(r"^title:[ \t]*[^|>\s#][^\n]*$", re.MULTILINE)

# A new scenario: every "" is a field to fill in. As it stands the validator lists each of
# them; once they are filled in, the file is a valid scenario to build on.
SKELETON = """\
{comment}
id: {slug}
title: ""
summary: ""
language: {language}
version: 1
estimated_minutes: 60
pass_mark: 70
grading_scheme: unodc-4x4

brief: ""
tasking: ""

entities:
  - id: P1
    type: person
    name: ""

reports:
  - id: R1
    title: ""
    received: "2025-01-01 09:00"
    release: start
    source:
      type: informant
      description: ""
    text: ""

tasks:
  - id: evaluate
    type: grade
    title: "{evaluate}"
    weight: 50
    key:
      R1: {{source: B, information: 2, handling: H0, rationale: ""}}

  - id: decide
    type: decision
    title: "{decide}"
    weight: 50
    decisions:
      - id: D1
        question: ""
        rationale: ""
        options:
          - {{id: a, text: "", correct: true, explanation: ""}}
          - {{id: b, text: "", explanation: ""}}
"""


# The skeleton's words in the author's language (content, not interface: they become the
# scenario's text and its `language`), so a scenario begun in Russian is a Russian scenario.
SKELETON_TEXTS = {
    "en": {"comment": "# A new scenario. Fill in every empty \"\" below; the problems panel lists what is still\n"
                      "# missing. The format, every task type and the scoring rules: docs/scenario-format.md",
           "evaluate": "Evaluate the reports", "decide": "Decide the next step"},
    "ru": {"comment": "# Новый сценарий. Заполните каждое пустое \"\" ниже; панель проблем показывает, что ещё\n"
                      "# не заполнено. Формат, все типы заданий и правила оценки: docs/scenario-format.md",
           "evaluate": "Оцените сообщения", "decide": "Примите решение о следующем шаге"},
}


class AuthoringError(ValueError):
    """A request the platform refuses; the message says why, for the author."""


@dataclass(frozen=True)
class Publication:
    """What publishing did: the version stored, or the problems that stopped it."""

    version: ScenarioVersion | None = None
    created: bool = False  # False when the text equals the current version
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    """A draft as a trainee would see it (view), or the problems that prevent it."""

    view: dict | None
    spec: ScenarioSpec | None
    seed: int | None
    problems: list[Problem]


# --- who sees what ----------------------------------------------------------------------

def can_see_draft(user: User, draft: ScenarioDraft) -> bool:
    """Its owner, administrators, and whoever may edit the published scenario it edits."""
    if user.role == "admin" or draft.owner_id == user.id:
        return True
    scenario = draft.scenario
    return scenario is not None and can_edit_content(user, KIND, scenario.slug, scenario.owner_id)


def can_edit_scenario(user: User, scenario: Scenario) -> bool:
    """Owners, editors they named, and administrators."""
    return can_edit_content(user, KIND, scenario.slug, scenario.owner_id)


def may_copy(user: User, scenario: Scenario) -> bool:
    """Whether the user may take the scenario's file, answer key included (export, copy).

    Shipped scenarios are public in the repository; one written in the browser belongs to its
    owner, the editors they named and administrators.
    """
    return scenario.owner_id is None or can_edit_scenario(user, scenario)


def can_manage_editors(user: User, scenario: Scenario) -> bool:
    """Only the owner (or an administrator) hands out the right to edit."""
    return user.role == "admin" or (user.role == "trainer" and scenario.owner_id == user.id)


def may_publish(user: User, draft: ScenarioDraft) -> bool:
    """A new scenario is published by its author; an edit needs the right to edit the scenario."""
    if draft.scenario is None:
        return user.role == "admin" or draft.owner_id == user.id
    return can_edit_scenario(user, draft.scenario)


def _editable_slugs(user: User):
    return select(content_editors.c.content_slug).where(
        content_editors.c.user_id == user.id, content_editors.c.content_kind == KIND)


def editable_scenarios(user: User) -> list[Scenario]:
    """Published scenarios the user may edit."""
    query = select(Scenario).where(Scenario.current_version_id.is_not(None)).order_by(Scenario.title)
    if user.role != "admin":
        query = query.where(or_(Scenario.owner_id == user.id, Scenario.slug.in_(_editable_slugs(user))))
    return list(db.session.scalars(query))


def visible_drafts(user: User) -> list[ScenarioDraft]:
    """The user's own drafts, and others' drafts of scenarios the user may edit."""
    query = select(ScenarioDraft).order_by(ScenarioDraft.updated_at.desc())
    if user.role != "admin":
        editable = select(Scenario.id).where(or_(Scenario.owner_id == user.id, Scenario.slug.in_(_editable_slugs(user))))
        query = query.where(or_(ScenarioDraft.owner_id == user.id, ScenarioDraft.scenario_id.in_(editable)))
    return list(db.session.scalars(query))


def copyable_scenarios(user: User, templates_only: bool = False) -> list[Scenario]:
    """Published scenarios the user may start a new one from (only templates, if asked).

    A copy holds the answer key, so it is offered only of scenarios the user may edit, and
    of shipped ones, whose files (keys included) are public in the repository anyway.
    """
    query = select(Scenario).where(Scenario.active, Scenario.current_version_id.is_not(None))
    if templates_only:
        query = query.where(Scenario.is_template)
    if user.role != "admin":
        query = query.where(or_(Scenario.owner_id.is_(None), Scenario.owner_id == user.id,
                                Scenario.slug.in_(_editable_slugs(user))))
    return list(db.session.scalars(query.order_by(Scenario.title)))


def scenario_by_slug(slug: str) -> Scenario | None:
    """A published scenario, active or not."""
    return db.session.scalar(select(Scenario).where(Scenario.slug == slug, Scenario.current_version_id.is_not(None)))


# --- new drafts -------------------------------------------------------------------------

def new_blank_draft(user: User, language: str = "en") -> ScenarioDraft:
    """A draft from the skeleton in `language` (English when there is none in it), under an id
    no scenario uses yet."""
    language = language if language in SKELETON_TEXTS else "en"
    return _add_draft(user, SKELETON.format(slug=_fresh_slug("new-scenario"), language=language,
                                            **SKELETON_TEXTS[language]))


def new_copy_draft(user: User, scenario: Scenario) -> ScenarioDraft:
    """A new scenario starting as a copy of another's current version, under a fresh id."""
    source = scenario.current_version.source
    source = TOP_ID_RE.sub(f"id: {_fresh_slug(scenario.slug + '-copy')}", source, count=1)
    source = _retitled(source, _("%(title)s (copy)", title=scenario.title))
    return _add_draft(user, source)


def edit_draft(user: User, scenario: Scenario) -> ScenarioDraft:
    """The user's draft of a published scenario: the open one, else a new one from its current version."""
    existing = db.session.scalar(select(ScenarioDraft).where(
        ScenarioDraft.owner_id == user.id, ScenarioDraft.scenario_id == scenario.id)
        .order_by(ScenarioDraft.id.desc()).limit(1))
    if existing is not None:
        return existing
    return _add_draft(user, scenario.current_version.source, scenario)


def import_draft(user: User, raw: bytes) -> tuple[ScenarioDraft, list[Problem]]:
    """An uploaded YAML file as a new draft, with its problems.

    A file whose id is a scenario the user may edit becomes a draft of that scenario (the
    round trip export, edit offline, import, publish); any other file a new scenario.
    """
    text = decode_upload(raw)
    data, _lines = _top_level(text)
    scenario = scenario_by_slug(str(data.get("id", "")))
    if scenario is not None and not can_edit_scenario(user, scenario):
        scenario = None
    draft = _add_draft(user, text, scenario)
    return draft, validate(text)[1]


def decode_upload(raw: bytes) -> str:
    """The upload as text; refuses files too large or not in UTF-8."""
    if len(raw) > MAX_SOURCE_BYTES:
        raise AuthoringError(_("The file is too large: a scenario may be at most %(kb)d kB.",
                               kb=MAX_SOURCE_BYTES // 1000))
    try:
        text = raw.decode("utf-8-sig")  # editors on Windows often add a byte-order mark
    except UnicodeDecodeError as exc:
        raise AuthoringError(_("The file is not UTF-8 text (a byte at position %(at)d cannot be read). "
                               "Save it as UTF-8 and upload it again.", at=exc.start)) from None
    if "\x00" in text:
        raise AuthoringError(_("The file is not a text file."))
    return normalise(text)


def _add_draft(user: User, source: str, scenario: Scenario | None = None) -> ScenarioDraft:
    draft = ScenarioDraft(owner_id=user.id, scenario_id=scenario.id if scenario else None,
                          source=source, title=_title_of(source))
    db.session.add(draft)
    db.session.flush()
    return draft


def _fresh_slug(base: str) -> str:
    """base, base-2, base-3... the first not used by a scenario or another draft."""
    base = base[:90]
    number = 1
    while True:
        slug = base if number == 1 else f"{base}-{number}"
        if not _slug_taken(slug):
            return slug
        number += 1


def _slug_taken(slug: str) -> bool:
    in_drafts = or_(ScenarioDraft.source.startswith(f"id: {slug}\n"),
                    ScenarioDraft.source.contains(f"\nid: {slug}\n"))
    return bool(db.session.scalar(select(or_(exists().where(Scenario.slug == slug), exists().where(in_drafts)))))


def _retitled(source: str, title: str) -> str:
    # Only a one-line title is rewritten; a block title is left for the author to change.
    if not TOP_TITLE_RE.search(source):
        return source
    return TOP_TITLE_RE.sub(lambda _m: f"title: {_yaml_string(title)}", source, count=1)


def _yaml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# --- saving and checking ----------------------------------------------------------------

def normalise(text: str) -> str:
    """Browsers send textareas with CRLF line ends; store LF so lines and hashes are stable."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def save_draft(draft: ScenarioDraft, text: str) -> list[Problem]:
    """Store the text whatever its state (an author never loses work); returns its problems."""
    text = normalise(text)
    if len(text.encode("utf-8")) > MAX_SOURCE_BYTES:
        raise AuthoringError(_("The text is too large to save: a scenario may be at most %(kb)d kB.",
                               kb=MAX_SOURCE_BYTES // 1000))
    if "\x00" in text:  # PostgreSQL text cannot hold it, and no YAML needs it
        raise AuthoringError(_("The text contains a NUL character; remove it and save again."))
    draft.source = text
    draft.title = _title_of(text) or draft.title
    draft.updated_at = utcnow()
    return validate(text)[1]


def validate(text: str, filename: str = "draft.yml") -> tuple[ScenarioSpec | None, list[Problem]]:
    """The same check as `flask content check`; problems sorted by line."""
    try:
        spec, problems = parse_scenario(text, filename)
    except RecursionError:  # lists or mappings nested thousands deep
        return None, [Problem(filename, None, "", _("the YAML is nested too deeply to read"))]
    return spec, sorted(problems, key=lambda p: (p.line or 0, p.severity != "error", p.path))


def errors_in(problems: list[Problem]) -> list[Problem]:
    """Only the problems that stop publishing (warnings do not)."""
    return [p for p in problems if p.severity == "error"]


def _top_level(text: str) -> tuple[dict, dict]:
    """The top-level mapping and its lines, or empty ones when the text is not YAML."""
    try:
        data, lines, _duplicates = load_yaml(text)
    except (YamlError, RecursionError):
        return {}, {}
    return (data, lines) if isinstance(data, dict) else ({}, {})


def _title_of(text: str) -> str:
    title = _top_level(text)[0].get("title")
    return title.strip()[:TITLE_LENGTH] if isinstance(title, str) else ""


# --- preview ----------------------------------------------------------------------------

def preview(draft: ScenarioDraft, seed: int | None = None) -> Preview:
    """The draft as a trainee sees it, every report released; a template as the variant for seed."""
    spec, problems = validate(draft.source)
    if spec is None:
        return Preview(None, None, None, problems)
    if spec.template:
        seed = seed if seed is not None else (spec.seed or 0)
        spec = generate_variant(spec, seed)
    else:
        seed = None
    view = workspace_view(spec, {report.id for report in spec.reports}, shuffle_seed=seed or 0)
    return Preview(view, spec, seed, problems)


def parse_seed(raw: str | None) -> int | None:
    """A seed typed by an author; None when absent, AuthoringError when not a seed."""
    if raw is None or not raw.strip():
        return None
    try:
        seed = int(raw.strip())
    except ValueError:
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise AuthoringError(_("A seed is a whole number from 0 to %(max)d.", max=MAX_SEED))
    return seed


# --- publishing -------------------------------------------------------------------------

def publish(draft: ScenarioDraft) -> Publication:
    """Store a valid draft as the scenario's new version and remove the draft.

    A new scenario belongs to the draft's author. Refused, with every problem, when the text
    has errors or its id belongs to another scenario.
    """
    spec, problems = validate(draft.source)
    if spec is None:
        return Publication(problems=problems)
    refusals = _publish_problems(draft, spec)
    if refusals:
        return Publication(problems=refusals)
    if draft.scenario is None:
        db.session.add(Scenario(slug=spec.id, title=spec.title, owner_id=draft.owner_id))
        db.session.flush()
    previous = draft.scenario.current_version_id if draft.scenario else None
    version = store_version(spec, draft.source, f"{spec.id}.yml")
    db.session.delete(draft)
    db.session.flush()
    return Publication(version=version, created=version.id != previous, problems=problems)


def _publish_problems(draft: ScenarioDraft, spec: ScenarioSpec) -> list[Problem]:
    """What stops a valid text from being stored: its id, or values longer than their columns."""
    lines = _top_level(draft.source)[1]
    problems = [Problem("draft.yml", lines.get((key,)), key,
                        ngettext("at most %(num)d character, please", "at most %(num)d characters, please", limit))
                for key, value, limit in (("id", spec.id, SLUG_LENGTH), ("title", spec.title, TITLE_LENGTH))
                if len(value) > limit]
    clash = _id_problem(draft, spec, lines.get(("id",)))
    return problems + ([clash] if clash else [])


def _id_problem(draft: ScenarioDraft, spec: ScenarioSpec, line: int | None) -> Problem | None:
    if draft.scenario is not None:
        if spec.id == draft.scenario.slug:
            return None
        return Problem("draft.yml", line, "id", _(
            "this draft edits the scenario '%(slug)s', so its id must stay '%(slug)s' "
            "(to publish under a new id, make a copy instead)", slug=draft.scenario.slug))
    other = db.session.scalar(select(Scenario).where(Scenario.slug == spec.id))
    if other is None:
        return None
    return Problem("draft.yml", line, "id", _(
        "scenario id '%(slug)s' is already used by another scenario, “%(title)s”; choose another id",
        slug=spec.id, title=other.title))


# --- export -----------------------------------------------------------------------------

def export_source(scenario: Scenario) -> str:
    """The YAML text of the scenario's current version, exactly as stored."""
    return scenario.current_version.source


# --- editors ----------------------------------------------------------------------------

def owner_of(scenario: Scenario) -> User | None:
    """The scenario's owner; None for scenarios shipped with the platform."""
    return db.session.get(User, scenario.owner_id) if scenario.owner_id else None


def editors_of(scenario: Scenario) -> list[User]:
    """The people given the right to edit the scenario."""
    return list(db.session.scalars(select(User).join(content_editors, content_editors.c.user_id == User.id).where(
        content_editors.c.content_kind == KIND, content_editors.c.content_slug == scenario.slug)
        .order_by(User.full_name)))


def grant_editor(scenario: Scenario, email: str) -> User:
    """Let the trainer or administrator with this email edit the scenario."""
    user = user_by_email(email or "")
    if user is None or not user.active:
        raise AuthoringError(_("There is no active account with the email %(email)s.", email=email))
    if user.role not in ("trainer", "admin"):
        raise AuthoringError(_("%(name)s is not a trainer: only trainers author scenarios.", name=user.full_name))
    if user.id == scenario.owner_id:
        raise AuthoringError(_("%(name)s owns this scenario already.", name=user.full_name))
    if any(editor.id == user.id for editor in editors_of(scenario)):
        raise AuthoringError(_("%(name)s may edit this scenario already.", name=user.full_name))
    db.session.execute(insert(content_editors).values(user_id=user.id, content_kind=KIND, content_slug=scenario.slug))
    return user


def revoke_editor(scenario: Scenario, user_id: int) -> None:
    """Take back someone's right to edit the scenario (their drafts stay theirs)."""
    db.session.execute(delete(content_editors).where(
        content_editors.c.user_id == user_id, content_editors.c.content_kind == KIND,
        content_editors.c.content_slug == scenario.slug))


def delete_draft(draft: ScenarioDraft) -> None:
    """Discard a draft; the published scenario, if any, is untouched."""
    db.session.delete(draft)
