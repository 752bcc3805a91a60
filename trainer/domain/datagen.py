"""Generated datasets: a template's rows made from the seed, patterns planted in background noise.

Every value a trainee reads comes from the variant: the case's phones, accounts and plates
(its entities, already generated) and pools of other plausible numbers drawn with the same
regional Faker, so another seed gives other rows, other numbers and other right answers, all
derived here and never typed by hand. Deterministic: random.Random seeded from the variant's
seed and the dataset's id, so adding a dataset to a template leaves the others' rows as they were.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from trainer.domain.scenario.datasets import Dataset, Pattern, Value, ValueSpec
from trainer.domain.scenario.model import Entity, render_mentions

POOL_TRIES = 20  # draws at a pool value not yet taken before giving up on it

def dataset_seed(seed: int, dataset_id: str) -> int:
    """The seed of one dataset of a variant (hashlib, stable across processes)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:dataset:{dataset_id}".encode()).digest()[:8], "big")


def generate_dataset(dataset: Dataset, entities: dict[str, Entity], seed: int, fake: Any = None) -> Dataset:
    """The dataset with its rows generated for this seed (rows sorted by time, numbered from 1).

    fake: a regional Faker (faker_region.make_faker) for pools of generated values; made here
    when None and a pool needs one.
    """
    gen = dataset.generator
    if gen is None:
        return dataset
    rng = random.Random(dataset_seed(seed, dataset.id))
    specs = dict(gen.columns)
    used = {e.display for e in entities.values()}
    pools: dict[str, list[str]] = {}
    for column in dataset.columns:
        spec = specs.get(column.id)
        if spec is not None and (spec.pool or spec.entities) and not spec.same_pool:
            pools[column.id] = _pool(spec, entities, rng, used, fake)
    time_index = next((i for i, c in enumerate(dataset.columns) if c.type == "datetime"), None)
    rows: list[tuple[Any, str]] = []  # (values, the pattern that planted it or "")
    for pattern in gen.patterns:
        for when in _pattern_times(pattern, gen.period, rng):
            rows.append((_planted_row(pattern, when, time_index, specs, pools, dataset, entities, rng),
                         pattern.id))
    # Background rows column by column: a list comprehension per column is what keeps
    # 10 000 rows well under the 200 ms budget (bench/dataset_bench.py).
    count = max(gen.rows - len(rows), 0)
    columns: list[list[Any]] = []
    for i, column in enumerate(dataset.columns):
        columns.append(_noise_column(i, column.type, specs.get(column.id), gen.period, pools, entities,
                                     dataset, rng, count, columns))
    if columns:
        rows.extend((values, "") for values in zip(*columns))
    if time_index is not None:
        rows.sort(key=lambda r: r[0][time_index])
    planted: dict[str, list[int]] = {p.id: [] for p in gen.patterns}
    for number, (_row, origin) in enumerate(rows, 1):
        if origin:
            planted[origin].append(number)
    return replace(dataset, rows=tuple(r if origin == "" else tuple(r) for r, origin in rows),
                   planted=tuple((k, tuple(v)) for k, v in planted.items()))


def _pool(spec: ValueSpec, entities: dict[str, Entity], rng: random.Random, used: set[str],
          fake: Any) -> list[str]:
    values = [entities[e].display for e in spec.entities if e in entities]
    if spec.pool and spec.faker:
        from trainer.domain.faker_region import PLACEHOLDERS, make_faker

        fake = fake or make_faker()
        fake.seed_instance(rng.getrandbits(64))
        make = PLACEHOLDERS[spec.faker]
        for _ in range(spec.pool):
            for _try in range(POOL_TRIES):
                value = make(fake, {})
                if value not in used:
                    break
            else:
                continue  # the placeholder has run out of new values: a smaller pool
            used.add(value)
            values.append(value)
    return values


def _noise_column(index: int, column_type: str, spec: ValueSpec | None, period: tuple[datetime, datetime],
                  pools: dict[str, list[str]], entities: dict[str, Entity], dataset: Dataset,
                  rng: random.Random, count: int, done: list[list[Any]]) -> list[Any]:
    """One column's values for `count` background rows (done: the columns drawn before it)."""
    random_ = rng.random
    if column_type == "datetime":
        return _times(period, spec.hours if spec else None, rng, count)
    if spec is None:
        return [None] * count
    if spec.same_pool:
        pool = pools.get(spec.same_pool, [])
        other = dataset.index(spec.same_pool)
        if not pool or other >= index or len(pool) < 2:
            return [pool[int(random_() * len(pool))] if pool else None for _ in range(count)]
        # Any pool value but the other column's: a number does not call itself.
        position = {v: i for i, v in enumerate(pool)}
        size = len(pool) - 1
        out = []
        for taken in done[other]:
            j = int(random_() * size)
            out.append(pool[j + (j >= position.get(taken, size + 1))])
        return out
    pool = pools.get(dataset.columns[index].id)
    if pool and not spec.choices and spec.range is None and spec.fixed is None:
        return [pool[int(random_() * len(pool))] for _ in range(count)]
    draw = _value_draw(column_type, spec, entities, pool)
    return [draw(rng) for _ in range(count)]


def _value_draw(column_type: str, spec: ValueSpec, entities: dict[str, Entity],
                pool: list[str] | None = None) -> Callable[[random.Random], Value]:
    """A draw from a fixed value, a list of values, a range or a pool."""
    def rendered(value: Value) -> Value:
        return render_mentions(value, entities) if isinstance(value, str) and "{{" in value else value

    if spec.fixed is not None:
        value = rendered(spec.fixed)
        return lambda rng: value
    if spec.choices or (not pool and spec.entities):
        choices = [rendered(v) for v in spec.choices] or [entities[e].display for e in spec.entities
                                                          if e in entities]
        return lambda rng: choices[int(rng.random() * len(choices))]
    if spec.range is not None:
        low, high = spec.range
        if column_type == "integer":
            a, width = int(low), int(high) - int(low) + 1
            return lambda rng: a + int(rng.random() * width)
        return lambda rng: round(low + rng.random() * (high - low), 2)
    if pool:
        return lambda rng: pool[int(rng.random() * len(pool))]
    return lambda rng: None


def _times(period: tuple[datetime, datetime], hours: tuple[int, int] | None, rng: random.Random,
           count: int) -> list[datetime]:
    start, end = period
    random_ = rng.random
    span = int((end - start).total_seconds() // 60) + 1
    if hours is None:
        return [start + timedelta(minutes=int(random_() * span)) for _ in range(count)]
    first_day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    days = (end - first_day).days + 1
    low, width = hours[0] * 60, (hours[1] - hours[0]) * 60
    out = []
    while len(out) < count:  # the first and last day may be partly outside the period
        when = first_day + timedelta(minutes=int(random_() * days) * 1440 + low + int(random_() * width))
        if start <= when <= end:
            out.append(when)
    return out


def _pattern_times(pattern: Pattern, period: tuple[datetime, datetime], rng: random.Random) -> list[datetime]:
    """When each of the pattern's rows happens."""
    def minute(a: datetime, b: datetime) -> datetime:
        return a + timedelta(minutes=rng.randint(0, max(int((b - a).total_seconds() // 60) - 1, 0)))

    if pattern.kind == "burst":
        window = timedelta(hours=pattern.hours)
        return [minute(anchor - window, anchor) for anchor in pattern.before for _ in range(pattern.count)]
    if pattern.kind == "regular":
        jitter = int(pattern.jitter_hours * 60)
        start, end = period
        times = []
        for at in pattern.regular_times(period):
            at += timedelta(minutes=rng.randint(-jitter, jitter)) if jitter else timedelta()
            times.append(min(max(at, start), end))
        return times
    low, high = pattern.within or period
    return [minute(low, high) for _ in range(pattern.count)]


def _planted_row(pattern: Pattern, when: datetime, time_index: int | None, specs: dict[str, ValueSpec],
                 pools: dict[str, list[str]], dataset: Dataset, entities: dict[str, Entity],
                 rng: random.Random) -> list[Any]:
    values = pattern.values
    row: list[Any] = [None] * len(dataset.columns)
    for i, column in enumerate(dataset.columns):
        if i == time_index:
            row[i] = when
        elif column.id in values:
            row[i] = _value_draw(column.type, values[column.id], entities)(rng)
        elif column.type == "datetime":
            row[i] = when
        else:
            spec = specs.get(column.id)
            pool = pools.get(spec.same_pool or column.id) if spec else None
            row[i] = _value_draw(column.type, spec, entities, pool)(rng) if spec else None
    for i, column in enumerate(dataset.columns):  # two columns of one pool never hold one value
        spec = specs.get(column.id)
        if spec and spec.same_pool and column.id not in values:
            other = dataset.index(spec.same_pool)
            pool = [v for v in pools.get(spec.same_pool, []) if v != row[other]]
            if row[i] == row[other] and pool:
                row[i] = pool[int(rng.random() * len(pool))]
    if pattern.swap and rng.random() < 0.5:
        a, b = (dataset.index(c) for c in pattern.swap)
        row[a], row[b] = row[b], row[a]
    return row
