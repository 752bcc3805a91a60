"""Concrete scenario variants from templates: deterministic per seed, one name per entity.

Only entity attributes hold placeholders; every text mentions entities by id ({{P1}}), so
replacing the attributes once keeps reports, tasks and the key consistent by construction.
Datasets are generated from the variant's entities (trainer/domain/datagen.py), and keys
that come from data (the query task) are computed from the variant's rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from faker import Faker

from trainer.domain.datagen import generate_dataset
from trainer.domain.faker_region import PLACEHOLDERS, make_faker
from trainer.domain.scenario.datasets import typed_rows
from trainer.domain.scenario.model import FAKER_RE, Entity, Scenario

MAX_TRIES = 25  # attempts at a value not yet used in this variant before accepting a repeat


def variant_seed(scenario_id: str, user_id: object) -> int:
    """A stable per-trainee seed (fits a signed 32-bit column)."""
    digest = hashlib.sha256(f"{scenario_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def generate_variant(template: Scenario, seed: int) -> Scenario:
    """The template with every placeholder filled; same seed, same case."""
    if not template.template:
        return template
    fake = make_faker(template.language)  # Cyrillic names for a Russian scenario
    used: set[tuple[str, str]] = set()
    entities = tuple(_fill_entity(fake, entity, seed, used) for entity in template.entities)
    variant = replace(template, entities=entities, template=False, variant_seed=seed)
    if not template.datasets:
        return variant
    # Rows from the variant's own phones, accounts and plates; then the keys computed from them.
    by_id = variant.entity_map
    datasets = tuple(generate_dataset(d, by_id, seed, fake) if d.generated
                     else replace(d, rows=typed_rows(d.columns, d.source_rows, by_id))
                     for d in template.datasets)
    variant = replace(variant, datasets=datasets)
    from trainer.domain.tasks import TASK_TYPES  # the task types import the scenario package

    return replace(variant, tasks=tuple(TASK_TYPES[t.type].for_variant(t, variant) for t in variant.tasks))


def _fill_entity(fake: Faker, entity: Entity, seed: int, used: set[tuple[str, str]]) -> Entity:
    if not any(FAKER_RE.search(value) for _, value in entity.attributes):
        return entity
    # Seeding per entity keeps a person's name when other entities are added to the template.
    fake.seed_instance(_entity_seed(seed, entity.id))
    attrs = dict(entity.attributes)
    filled = []
    for name, value in entity.attributes:
        if FAKER_RE.search(value):
            value = _unique_value(fake, name, value, attrs, used)
        filled.append((name, value))
    return Entity(entity.id, entity.type, tuple(filled))


def _unique_value(fake: Faker, name: str, pattern: str, attrs: dict[str, str],
                  used: set[tuple[str, str]]) -> str:
    value = ""
    for _ in range(MAX_TRIES):
        value = FAKER_RE.sub(lambda m: PLACEHOLDERS[m.group(1)](fake, attrs), pattern)
        if (name, value) not in used:
            break
    used.add((name, value))
    return value


def _entity_seed(seed: int, entity_id: str) -> int:
    # hashlib, not hash(): str hashes differ between processes.
    return int.from_bytes(hashlib.sha256(f"{seed}:{entity_id}".encode()).digest()[:8], "big")
