"""Frozen dataclasses for a parsed scenario, and mention rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from trainer.domain.grading import GradingScheme
from trainer.domain.messages import N_

# Entity type -> the attribute shown where the entity is mentioned.
ENTITY_TYPES: dict[str, str] = {
    "person": "name",
    "organisation": "name",
    "vehicle": "plate",
    "phone": "number",
    "location": "name",
    "bank_account": "number",
    "shipment": "reference",
}

# What people read for each entity type and common attribute (translated at the edge).
ENTITY_TYPE_LABELS: dict[str, str] = {
    "person": N_("person"), "organisation": N_("organisation"), "vehicle": N_("vehicle"),
    "phone": N_("phone"), "location": N_("location"), "bank_account": N_("bank account"),
    "shipment": N_("shipment"),
}
ATTRIBUTE_LABELS: dict[str, str] = {
    "name": N_("name"), "kind": N_("kind"), "country": N_("country"), "gender": N_("gender"),
    "nationality": N_("nationality"), "role": N_("role"), "number": N_("number"), "born": N_("born"),
    "network": N_("network"), "registered_to": N_("registered to"), "address": N_("address"),
    "bank": N_("bank"), "holder": N_("holder"), "alias": N_("alias"), "plate": N_("plate"),
    "make": N_("make"), "colour": N_("colour"), "reference": N_("reference"), "goods": N_("goods"),
    "route": N_("route"), "registered": N_("registered"), "owner": N_("owner"),
    "consignor": N_("consignor"), "consignee": N_("consignee"), "declared_weight": N_("declared weight"),
    "operator": N_("operator"), "carrier": N_("carrier"), "handle": N_("handle"),
    "registered_keeper": N_("registered keeper"), "date_of_birth": N_("date of birth"),
}

SOURCE_TYPES: frozenset[str] = frozenset({
    "informant", "partner_agency", "surveillance", "open_source", "citizen",
    "intercept_under_warrant", "financial_record", "police_record", "border_record",
    "undercover_officer", "forensic", "anonymous",
})

SAFEGUARD_TAGS: frozenset[str] = frozenset({"legal", "human_rights"})

# {{P1}}, {{P1.alias}}: the id, then an optional attribute.
MENTION_RE = re.compile(r"\{\{\s*([A-Za-z0-9][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*\}\}")


@dataclass(frozen=True)
class Problem:
    """One validation finding, located by file, line and YAML path."""

    file: str
    line: int | None
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        path = f" {self.path}:" if self.path else ""
        level = " warning:" if self.severity == "warning" else ""
        return f"{where}:{path}{level} {self.message}"


@dataclass(frozen=True)
class Entity:
    """A person, organisation, vehicle, phone, location, bank account or shipment."""

    id: str
    type: str
    attributes: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of an attribute, or default."""
        return next((v for k, v in self.attributes if k == name), default)

    @property
    def display(self) -> str:
        """The value shown when the entity is mentioned."""
        return self.get(ENTITY_TYPES.get(self.type, "name"), self.id) or self.id

    def mention(self, attribute: str | None) -> str | None:
        """What {{ID}} or {{ID.attribute}} shows; None when the attribute is unknown."""
        if attribute is None:
            return self.display
        value = self.get(attribute)
        if value is None and self.type == "person" and attribute in ("first", "last"):
            first, _, last = self.display.partition(" ")
            return first if attribute == "first" else last
        return value


@dataclass(frozen=True)
class Source:
    """Where a report came from."""

    type: str
    description: str
    ref: str = ""
    track_record: str = ""


@dataclass(frozen=True)
class Release:
    """When a report becomes visible: at start, after an exercise-time offset, or by the trainer."""

    kind: str  # "start" | "after" | "trainer"
    minutes: int = 0

    def __str__(self) -> str:
        if self.kind != "after":
            return self.kind
        hours, minutes = divmod(self.minutes, 60)
        return "after " + (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")


@dataclass(frozen=True)
class Report:
    """An intelligence item as received by the unit."""

    id: str
    title: str
    received: datetime
    release: Release
    source: Source
    text: str
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Task:
    """A task; `content` and `key` are the task type's own frozen dataclasses."""

    id: str
    type: str
    title: str
    weight: float
    content: Any
    key: Any
    instructions: str = ""
    safeguard: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (or template) as a value."""

    id: str
    title: str
    summary: str
    language: str
    version: int
    estimated_minutes: int
    pass_mark: float
    scheme: GradingScheme
    brief: str
    tasking: str
    entities: tuple[Entity, ...]
    reports: tuple[Report, ...]
    tasks: tuple[Task, ...]
    min_safeguards: float | None = None
    template: bool = False
    seed: int | None = None
    variant_seed: int | None = None
    filename: str = ""
    translation_of: str | None = None  # id of the scenario (in another language) this translates
    datasets: tuple[Any, ...] = ()  # Dataset values (scenario/datasets.py); a template's rows per variant

    @property
    def grading_scheme(self) -> str:
        """The id of the grading scheme."""
        return self.scheme.id

    @property
    def needs_review(self) -> bool:
        """True when a trainer must score part of every attempt."""
        return any(t.type == "report" for t in self.tasks)

    @cached_property
    def entity_map(self) -> dict[str, Entity]:
        """Entities by id."""
        return {e.id: e for e in self.entities}

    def entity(self, entity_id: str) -> Entity | None:
        """The entity with this id, or None."""
        return self.entity_map.get(entity_id)

    def report(self, report_id: str) -> Report | None:
        """The report with this id, or None."""
        return next((r for r in self.reports if r.id == report_id), None)

    def dataset(self, dataset_id: str) -> Any:
        """The dataset with this id, or None."""
        return next((d for d in self.datasets if d.id == dataset_id), None)

    def task(self, task_id: str) -> Task | None:
        """The task with this id, or None."""
        return next((t for t in self.tasks if t.id == task_id), None)

    def render(self, text: str) -> str:
        """Text with every {{ID}} / {{ID.attr}} mention replaced by the entity's value."""
        return render_mentions(text, self.entity_map)


def render_mentions(text: str, entities: dict[str, Entity], depth: int = 3) -> str:
    """Replace mentions; attributes may mention other entities, so recurse a little."""
    if not text or "{{" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        entity = entities.get(match.group(1))
        value = entity.mention(match.group(2)) if entity else None
        if value is None:
            return match.group(0)
        return render_mentions(value, entities, depth - 1) if depth > 0 else value

    return MENTION_RE.sub(repl, text)


# {faker:person_kg}: a generator placeholder, allowed only in template entity attributes.
FAKER_RE = re.compile(r"\{faker:([A-Za-z0-9_]+)\}")


def as_in_every_variant(entities: dict[str, Entity]) -> dict[str, Entity]:
    """A template's entities as one reader of every variant sees them (a live exercise's
    debrief): a value that each variant generates shows as the entity's id ("P1", "PH1")."""
    return {entity_id: replace(entity, attributes=tuple((name, entity_id if FAKER_RE.search(value) else value)
                                                        for name, value in entity.attributes))
            for entity_id, entity in entities.items()}
