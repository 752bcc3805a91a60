"""Parse scenario YAML into a Scenario, collecting every problem with its path and line."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path as FsPath
from typing import Any

from trainer.domain.grading import DEFAULT_SCHEME, GRADING_SCHEMES, Code, GradingScheme
from trainer.domain.messages import N_, Message, msg
from trainer.domain.scenario.loader import Path, YamlError, load_yaml
from trainer.domain.scenario.model import (
    ENTITY_TYPES, FAKER_RE, MENTION_RE, SOURCE_TYPES, Entity, Problem, Release, Report, Scenario,
    Source, Task,
)
from trainer.domain.scenario.datasets import parse_datasets
from trainer.domain.scenario.validation import Ctx
from trainer.domain.works import check_scenario_works

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ATTR_RE = re.compile(r"^[a-z][a-z0-9_]*$")
RELEASE_RE = re.compile(r"^after\s+(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?$")
LANGUAGES = ("en", "ru")

TOP_REQUIRED = ("id", "title", "summary", "language", "version", "estimated_minutes",
                "pass_mark", "brief", "tasking", "entities", "reports", "tasks")
TOP_OPTIONAL = ("min_safeguards", "grading_scheme", "handling_codes", "template", "seed",
                "translation_of", "datasets")
TRANSLATION_OF_RE = re.compile(r"^translation_of\s*:", re.MULTILINE)
TASK_REQUIRED = ("id", "type", "title", "weight")
TASK_OPTIONAL = ("instructions", "safeguard")


def parse_scenario(text: str, filename: str = "<scenario>", *,
                   stored: bool = False) -> tuple[Scenario | None, list[Problem]]:
    """Validate YAML text; the Scenario is None when any error was found.

    stored: the text of a version already published; checks added since then only warn.
    """
    try:
        data, lines, duplicates = load_yaml(text)
    except YamlError as exc:
        return None, [Problem(filename, exc.line, "", exc.message)]
    ctx = Ctx(filename, lines, stored=stored)
    for line, path, message in duplicates:
        ctx.error(path, message, line)
    scenario = _scenario(ctx, data)
    problems = sorted(ctx.problems, key=lambda p: (p.line or 0, p.path))
    return (scenario if ctx.ok else None), problems


def check_scenarios(root: FsPath) -> tuple[list[Scenario], list[Problem]]:
    """Parse every .yml/.yaml under root; also report scenario ids used by two files."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    translation_lines: dict[str, int | None] = {}
    files = sorted(p for p in FsPath(root).rglob("*") if p.suffix in (".yml", ".yaml"))
    for file in files:
        name = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, None, "", msg(N_("cannot read: %(reason)s"), reason=str(exc))))
            continue
        scenario, found = parse_scenario(text, name)
        problems.extend(found)
        if scenario is None:
            continue
        if scenario.id in seen:
            problems.append(Problem(name, None, "id", msg(N_("scenario id '%(id)s' is also used by %(file)s"),
                                                          id=scenario.id, file=seen[scenario.id])))
            continue
        seen[scenario.id] = name
        scenarios.append(scenario)
        if scenario.translation_of:
            match = TRANSLATION_OF_RE.search(text)
            translation_lines[name] = text.count("\n", 0, match.start()) + 1 if match else None
    wrong = _check_translations(scenarios, translation_lines, problems)
    scenarios = [s for s in scenarios if s.filename not in wrong]
    # Linked versions are one work: a translation must keep its original's ids and answer key.
    problems.extend(Problem(d.file, None, d.key, d.message) for d in check_scenario_works(scenarios))
    return scenarios, problems


def _check_translations(scenarios: list[Scenario], lines: dict[str, int | None],
                        problems: list[Problem]) -> set[str]:
    """Report each translation_of naming no scenario in the folder, or one in the same language.

    Returns the files with such an error, so they are not loaded.
    """
    languages = {s.id: s.language for s in scenarios}
    wrong: set[str] = set()
    for scenario in scenarios:
        target = scenario.translation_of
        if not target:
            continue
        if target not in languages:
            message = msg(N_("no scenario with id '%(id)s' in this folder"), id=target)
        elif languages[target] == scenario.language:
            message = msg(N_("scenario '%(id)s' is also in language '%(language)s': "
                             "a translation needs another language"), id=target, language=scenario.language)
        else:
            continue
        problems.append(Problem(scenario.filename, lines.get(scenario.filename),
                                "translation_of", message))
        wrong.add(scenario.filename)
    return wrong


def _scenario(ctx: Ctx, data: Any) -> Scenario | None:
    top = ctx.mapping(data, (), TOP_REQUIRED, TOP_OPTIONAL)
    if top is None:
        return None
    meta = _metadata(ctx, top)
    template = ctx.boolean(top, "template", ())
    seed = ctx.number(top, "seed", (), integer=True, minimum=0)
    if seed is not None and not template:
        ctx.error(("seed",), msg(N_("seed is for templates only (set template: true)")))
    ctx.scheme = _scheme(ctx, top)
    ctx.template = template
    entities = _entities(ctx, top, template)
    reports = _reports(ctx, top)
    datasets = parse_datasets(ctx, top, template)
    ctx.datasets = {d.id: d for d in datasets if d.id}
    brief = ctx.text(top, "brief", ())
    tasking = ctx.text(top, "tasking", ())
    tasks = _tasks(ctx, top)
    min_safeguards = ctx.number(top, "min_safeguards", (), minimum=0, maximum=100)
    if min_safeguards is not None and tasks and not _has_safeguards(tasks):
        ctx.error(("min_safeguards",), msg(N_("min_safeguards is set but no task, decision point or "
                                              "option is tagged with safeguard")))
    if not ctx.ok or ctx.scheme is None:
        return None
    return Scenario(brief=brief, tasking=tasking, scheme=ctx.scheme, entities=entities,
                    reports=reports, tasks=tasks, min_safeguards=min_safeguards,
                    template=template, seed=seed, filename=ctx.filename, datasets=datasets, **meta)


def _metadata(ctx: Ctx, top: dict[str, Any]) -> dict[str, Any]:
    scenario_id = str(top.get("id", ""))
    if "id" in top and not SLUG_RE.match(scenario_id):
        ctx.error(("id",), msg(N_("invalid scenario id %(value)r: use lowercase letters, "
                                  "digits and hyphens"), value=scenario_id))
    translation_of = None
    if "translation_of" in top:
        translation_of = str(top["translation_of"] or "").strip()
        if not SLUG_RE.match(translation_of):
            ctx.error(("translation_of",), msg(N_("invalid scenario id %(value)r: use lowercase letters, "
                                                  "digits and hyphens"), value=translation_of))
        elif translation_of == scenario_id:
            ctx.error(("translation_of",), msg(N_("'%(id)s' is this scenario's own id"), id=translation_of))
    return {
        "id": scenario_id,
        "translation_of": translation_of or None,
        "title": ctx.text(top, "title", ()),
        "summary": ctx.text(top, "summary", ()),
        "language": ctx.choice(top, "language", (), LANGUAGES, N_("language")),
        "version": ctx.number(top, "version", (), integer=True, minimum=1) or 1,
        "estimated_minutes": ctx.number(top, "estimated_minutes", (), integer=True, above=0) or 0,
        "pass_mark": ctx.number(top, "pass_mark", (), minimum=0, maximum=100) or 0,
    }


def _scheme(ctx: Ctx, top: dict[str, Any]) -> GradingScheme | None:
    scheme_id = ctx.choice(top, "grading_scheme", (), GRADING_SCHEMES, N_("grading scheme")) \
        if "grading_scheme" in top else DEFAULT_SCHEME
    scheme = GRADING_SCHEMES.get(scheme_id)
    if "handling_codes" not in top or scheme is None:
        return scheme
    path = ("handling_codes",)
    if scheme.handling.codes:
        ctx.error(path, msg(N_("the %(scheme)s scheme has its own handling codes (%(codes)s); "
                               "remove handling_codes"), scheme=scheme.id, codes=", ".join(scheme.handling.values)))
        return scheme
    codes = ctx.mapping(top["handling_codes"], path, free=True) or {}
    if not codes:
        ctx.error(path, msg(N_("declare at least one handling code (code: label)")))
    for code, label in codes.items():
        if not isinstance(label, str) or not label.strip():
            ctx.error(path + (code,), msg(N_("give the handling code a label (its meaning)")))
    return scheme.with_handling(tuple(Code(str(c), str(l)) for c, l in codes.items()))


# -- entities ---------------------------------------------------------------------------

def _entities(ctx: Ctx, top: dict[str, Any], template: bool) -> tuple[Entity, ...]:
    entities: list[Entity] = []
    ids: list[tuple[Path, str]] = []
    for path, raw in ctx.items(top, "entities", (), minimum=1):
        entity = _entity(ctx, path, raw, template)
        if entity is not None:
            entities.append(entity)
            ids.append((path + ("id",), entity.id))
    ctx.unique(ids, N_("entity"))
    ctx.entities = {e.id: e for e in entities if e.id}
    # Attributes may mention other entities, so check them once all are known.
    for (path, _), entity in zip(ids, entities):
        for name, value in entity.attributes:
            ctx.check_mentions(value, path[:-1] + (name,))
    return tuple(entities)


def _entity(ctx: Ctx, path: Path, raw: Any, template: bool) -> Entity | None:
    data = ctx.mapping(raw, path, ("id", "type"), free=True)
    if data is None:
        return None
    entity_id = ctx.ident(data, "id", path)
    entity_type = ctx.choice(data, "type", path, ENTITY_TYPES, N_("entity type"))
    display = ENTITY_TYPES.get(entity_type)
    if display and display not in data:
        ctx.error(path, msg(N_("missing required field '%(key)s' (what the entity is shown as)"), key=display))
    attributes = []
    for name, value in data.items():
        if name in ("id", "type"):
            continue
        at = path + (name,)
        if not ATTR_RE.match(name):
            ctx.error(at, msg(N_("invalid attribute name %(value)r: use lowercase letters, digits and '_'"),
                              value=name))
        if value is None or isinstance(value, (dict, list)):
            ctx.error(at, msg(N_("an attribute value is text, a number or true/false")))
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        _check_placeholders(ctx, at, text, template)
        attributes.append((name, text))
    if template and entity_type == "person":
        _check_gender(ctx, path, data)
    return Entity(entity_id, entity_type, tuple(attributes))


def _check_placeholders(ctx: Ctx, path: Path, text: str, template: bool) -> None:
    names = FAKER_RE.findall(text)
    if not names:
        if "{faker" in text:
            ctx.error(path, msg(N_("malformed placeholder: write {faker:NAME}")))
        return
    if not template:
        ctx.error(path, msg(N_("Faker placeholders need template: true at the top of the file")))
        return
    from trainer.domain.faker_region import PLACEHOLDERS  # imports Faker: templates only

    for name in names:
        if name not in PLACEHOLDERS:
            ctx.error(path, msg(N_("unknown placeholder {faker:%(name)s}%(hint)s"), name=name,
                                hint=_close(name, PLACEHOLDERS)))


def _check_gender(ctx: Ctx, path: Path, data: dict[str, Any]) -> None:
    names = [name for value in data.values() for name in FAKER_RE.findall(str(value))]
    uses_name = any(n.startswith(("person", "first_name", "last_name")) for n in names)
    if uses_name and str(data.get("gender", "")) not in ("male", "female"):
        ctx.warn(path, msg(N_("set gender: male or female so the generated name fits the text")))


# -- reports ----------------------------------------------------------------------------

def _reports(ctx: Ctx, top: dict[str, Any]) -> tuple[Report, ...]:
    reports: list[Report] = []
    ids: list[tuple[Path, str]] = []
    for path, raw in ctx.items(top, "reports", (), minimum=1):
        data = ctx.mapping(raw, path, ("id", "received", "source", "text"), ("title", "release"))
        if data is None:
            continue
        report_id = ctx.ident(data, "id", path)
        ids.append((path + ("id",), report_id))
        text = ctx.text(data, "text", path)
        reports.append(Report(
            id=report_id,
            title=ctx.text(data, "title", path, required=False),
            received=_received(ctx, data, path),
            release=_release(ctx, data, path),
            source=_source(ctx, data, path),
            text=text,
            mentions=_mentioned(text, ctx),
        ))
    ctx.unique(ids, N_("report"), taken={e: msg(N_("entity '%(id)s'"), id=e) for e in ctx.entities})
    ctx.report_ids = tuple(r.id for r in reports if r.id)
    return tuple(reports)


def _received(ctx: Ctx, data: dict[str, Any], path: Path) -> datetime:
    value = data.get("received")
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        if value is not None:
            ctx.error(path + ("received",), msg(N_("expected a date and time like '2024-03-12 08:40', "
                                                   "got %(value)r"), value=value))
        return datetime.min


def _release(ctx: Ctx, data: dict[str, Any], path: Path) -> Release:
    value = str(data.get("release", "start")).strip()
    if value in ("start", "trainer"):
        return Release(value)
    match = RELEASE_RE.match(value)
    if match and any(match.groups()):
        hours, minutes = (int(g or 0) for g in match.groups())
        return Release("after", hours * 60 + minutes)
    ctx.error(path + ("release",), msg(N_("unknown release rule %(value)r (expected start, trainer, "
                                          "or after 45m / after 1h / after 1h30m)"), value=value))
    return Release("start")


def _source(ctx: Ctx, report: dict[str, Any], path: Path) -> Source:
    if "source" not in report:  # already reported as a missing field
        return Source("", "")
    path += ("source",)
    data = ctx.mapping(report["source"], path, ("type", "description"), ("ref", "track_record"))
    if data is None:
        return Source("", "")
    return Source(
        type=ctx.choice(data, "type", path, SOURCE_TYPES, N_("source type")),
        description=ctx.text(data, "description", path),
        ref=ctx.text(data, "ref", path, required=False),
        track_record=ctx.text(data, "track_record", path, required=False),
    )


def _mentioned(text: str, ctx: Ctx) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group(1) for m in MENTION_RE.finditer(text)
                               if m.group(1) in ctx.entities))


# -- tasks ------------------------------------------------------------------------------

def _tasks(ctx: Ctx, top: dict[str, Any]) -> tuple[Task, ...]:
    from trainer.domain.tasks import TASK_TYPES  # the task types import this package's model

    tasks: list[Task] = []
    ids: list[tuple[Path, str]] = []
    weights: list[tuple[str, float | None]] = []
    for path, raw in ctx.items(top, "tasks", (), minimum=1):
        if not isinstance(raw, dict):
            ctx.mapping(raw, path)
            continue
        task_type = ctx.choice(raw, "type", path, TASK_TYPES, N_("task type"))
        kind = TASK_TYPES.get(task_type)
        data = ctx.mapping(raw, path, TASK_REQUIRED + (kind.required if kind else ()),
                           TASK_OPTIONAL + (kind.optional if kind else ()), free=kind is None)
        task_id = ctx.ident(raw, "id", path)
        ids.append((path + ("id",), task_id))
        weight = ctx.number(raw, "weight", path, above=0)
        weights.append((task_id or f"tasks[{len(weights)}]", weight))
        if kind is None or data is None:
            continue
        content, key = kind.parse(data, path, ctx)
        tasks.append(Task(
            id=task_id, type=task_type, title=ctx.text(data, "title", path),
            weight=float(weight or 0), content=content, key=key,
            instructions=ctx.text(data, "instructions", path, required=False),
            safeguard=ctx.safeguard(data, path),
        ))
    ctx.unique(ids, N_("task"))
    # A missing or invalid weight is already reported; a sum without it would only add noise.
    total = sum(w or 0 for _, w in weights)
    if weights and all(w is not None for _, w in weights) and abs(total - 100) > 1e-6:
        listed = ", ".join(f"{name} {w:g}" for name, w in weights)
        ctx.error(("tasks",), msg(N_("task weights add up to %(total)s, not 100 (%(listed)s)"),
                                  total=f"{total:g}", listed=listed))
    return tuple(tasks)


def _has_safeguards(tasks: tuple[Task, ...]) -> bool:
    from trainer.domain.tasks import TASK_TYPES

    return any(TASK_TYPES[t.type].safeguard_share(t) > 0 for t in tasks)


def _close(word: str, options: Any) -> Any:
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1)
    return msg(N_(" (did you mean {faker:%(name)s}?)"), name=close[0]) if close else ""
