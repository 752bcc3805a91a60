"""Datasets attached to a scenario: typed columns, rows typed in (CSV) or generated from the seed.

A dataset is a table an analyst queries: call detail records, bank transfers, border-crossing
logs, number-plate reads, seizure records. Its columns declare a type; its rows are either
written in the scenario as CSV (`csv:`) or, in a template, generated for each variant
(`generate:`, see trainer/domain/datagen.py) from the case's own phones, accounts and plates,
with the patterns the case needs planted among realistic background rows.

This module holds the values (Column, Dataset, the generator spec), their validation (every
problem named with its dataset, column, row or pattern) and the small query language that
task keys are computed with (`where` filters, then count, sum, most, distinct or rows).
docs/scenario-format.md, "Datasets", documents the YAML.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from trainer.domain.messages import N_, Message, label, msg
from trainer.domain.scenario.loader import Path
from trainer.domain.scenario.model import ENTITY_TYPE_LABELS, MENTION_RE, Entity, render_mentions
from trainer.domain.scenario.validation import Ctx

# Column type -> what people read.
COLUMN_TYPES: dict[str, str] = {
    "string": N_("text"), "integer": N_("integer"), "decimal": N_("decimal number"),
    "datetime": N_("date and time"), "phone": N_("phone number"), "account": N_("account number"),
    "plate": N_("number plate"), "entity": N_("entity"),
}
# Column types whose cells may name an entity ({{PH1}} in CSV, PH1 in a generator): the entity
# type it must be (None: any entity, shown by its name, number or plate).
ENTITY_COLUMNS: dict[str, str | None] = {
    "phone": "phone", "account": "bank_account", "plate": "vehicle", "entity": None,
}
NUMERIC = frozenset({"integer", "decimal"})
# Faker placeholder a generated pool of values uses when the author names none.
DEFAULT_FAKER = {"phone": "phone_kg", "account": "bank_account_kg", "plate": "plate_kg"}
PATTERN_KINDS = ("burst", "regular", "repeat")
MAX_ROWS = 50_000
MAX_POOL = 5_000
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
                    "%Y-%m-%d")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,}$")
CODE_RE = re.compile(r"^[\w][\w \-/.]*$")  # account numbers and plates: letters of any script, digits
AGGREGATES = ("count", "count_distinct", "sum", "most", "distinct", "rows")
# What each aggregate answers: see the query task (trainer/domain/tasks/query.py).
AGGREGATE_ANSWERS = {"count": "number", "count_distinct": "number", "sum": "number",
                     "most": "value", "distinct": "set", "rows": "rows"}

Value = str | int | float | datetime | None


# -- values -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A typed column; `label` is what the table's header shows."""

    id: str
    type: str
    label: str = ""


@dataclass(frozen=True)
class ValueSpec:
    """How a column's value is drawn: a fixed value, a choice, a numeric range or a pool."""

    fixed: Value = None
    choices: tuple[Value, ...] = ()
    range: tuple[float, float] | None = None
    pool: int = 0                          # generated values in the pool (entities come on top)
    faker: str = ""                        # the placeholder that generates them
    entities: tuple[str, ...] = ()         # entity ids whose values are in the pool or choices
    same_pool: str = ""                    # draw from another column's pool, never its value
    hours: tuple[int, int] | None = None   # datetime: within these hours of the day


@dataclass(frozen=True)
class Pattern:
    """Rows planted among the background: a burst before given times, a regular series, or
    rows repeated at random times."""

    id: str
    kind: str  # burst | regular | repeat
    set: tuple[tuple[str, ValueSpec], ...]
    count: int = 0                                  # burst: per time; repeat: in all
    before: tuple[datetime, ...] = ()               # burst
    hours: float = 0.0                              # burst: the window before each time
    every_days: float = 0.0                         # regular
    start: datetime | None = None                   # regular: first occurrence
    jitter_hours: float = 0.0                       # regular
    within: tuple[datetime, datetime] | None = None  # repeat: default the period
    swap: tuple[str, str] | None = None             # two columns swapped at random (both ways)

    @property
    def values(self) -> dict[str, ValueSpec]:
        """Column id -> value spec."""
        return dict(self.set)

    def rows_planted(self, period: tuple[datetime, datetime]) -> int:
        """How many rows the pattern plants in the period."""
        if self.kind == "burst":
            return self.count * len(self.before)
        if self.kind == "regular":
            return len(self.regular_times(period))
        return self.count

    def regular_times(self, period: tuple[datetime, datetime]) -> list[datetime]:
        """The occurrences of a regular pattern (before any jitter) within the period."""
        start, end = period
        at, step, times = self.start or start, timedelta(days=self.every_days), []
        while step and at <= end and (not self.count or len(times) < self.count):
            if at >= start:
                times.append(at)
            at += step
        return times


@dataclass(frozen=True)
class Generator:
    """A template's recipe for a dataset's rows."""

    rows: int
    period: tuple[datetime, datetime]
    columns: tuple[tuple[str, ValueSpec], ...]
    patterns: tuple[Pattern, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """A table: columns and rows. Row values are typed (str, int, float, datetime, None)."""

    id: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...] = ()
    description: str = ""
    generator: Generator | None = None
    source_rows: tuple[tuple[str, ...], ...] = ()  # CSV cells as written (mentions unrendered)
    planted: tuple[tuple[str, tuple[int, ...]], ...] = ()  # pattern id -> row numbers (from 1)

    @property
    def generated(self) -> bool:
        """True when the rows come from the seed."""
        return self.generator is not None

    def index(self, column_id: str) -> int:
        """The position of a column (ValueError when there is none)."""
        return next(i for i, c in enumerate(self.columns) if c.id == column_id)

    def column(self, column_id: str) -> Column | None:
        """The column with this id, or None."""
        return next((c for c in self.columns if c.id == column_id), None)

    @property
    def time_column(self) -> Column | None:
        """The first datetime column: where generated rows are placed in time."""
        return next((c for c in self.columns if c.type == "datetime"), None)


# -- cells ------------------------------------------------------------------------------

def parse_datetime(value: Any) -> datetime | None:
    """'2024-03-12 08:40' (seconds, a T, or a date alone also read); None when it is not one."""
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_number(value: Any) -> float | None:
    """A number as people type it: '1 234,5', '1234.5', '-3'; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value and abs(value) < 1e15 else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("_", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text) or len(text) > 20:
        return None
    return float(text)


def cell_value(text: str, column_type: str) -> tuple[Value, Message | None]:
    """A CSV cell as the column's type: (value, None), or (None, what is wrong)."""
    text = text.strip()
    if not text:
        return None, None
    if column_type == "integer":
        number = parse_number(text)
        if number is None or number != int(number):
            return None, msg(N_("'%(value)s' is not an integer"), value=text)
        return int(number), None
    if column_type == "decimal":
        number = parse_number(text)
        if number is None:
            return None, msg(N_("'%(value)s' is not a number"), value=text)
        return round(number, 2), None
    if column_type == "datetime":
        when = parse_datetime(text)
        if when is None:
            return None, msg(N_("'%(value)s' is not a date and time like '2024-03-12 08:40'"), value=text)
        return when, None
    if column_type == "phone" and not PHONE_RE.match(text):
        return None, msg(N_("'%(value)s' is not a phone number (digits, spaces, +, - and brackets)"),
                         value=text)
    if column_type in ("account", "plate") and not CODE_RE.match(text):
        return None, msg(N_("'%(value)s' is not an account number or plate (letters, digits, spaces, "
                            "- / and .)"), value=text)
    return text, None


def format_value(value: Value) -> str:
    """A cell as text: datetimes as '2024-03-12 08:40', decimals with two places."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def entity_value(entity: Entity) -> str:
    """What a cell naming this entity holds: its number, plate or name."""
    return entity.display


# -- parsing ----------------------------------------------------------------------------

DATASET_REQUIRED = ("id", "title", "columns")
DATASET_OPTIONAL = ("description", "csv", "generate")


def parse_datasets(ctx: Ctx, top: dict[str, Any], template: bool) -> tuple[Dataset, ...]:
    """The `datasets:` section, every problem named with its dataset, column, row or pattern."""
    datasets: list[Dataset] = []
    ids: list[tuple[Path, str]] = []
    for path, raw in ctx.items(top, "datasets", ()):
        data = ctx.mapping(raw, path, DATASET_REQUIRED, DATASET_OPTIONAL)
        if data is None:
            continue
        dataset_id = ctx.ident(data, "id", path)
        ids.append((path + ("id",), dataset_id))
        columns = _columns(ctx, data, path)
        title = ctx.text(data, "title", path)
        description = ctx.text(data, "description", path, required=False)
        has_csv, has_generator = "csv" in data, "generate" in data
        if has_csv == has_generator:
            ctx.error(path, msg(N_("dataset '%(dataset)s': give its rows as csv: or, in a template, "
                                   "generate: (one of the two)"), dataset=dataset_id))
        source_rows: tuple[tuple[str, ...], ...] = ()
        rows: tuple[tuple[Value, ...], ...] = ()
        generator = None
        if has_csv and columns:
            source_rows = _csv_rows(ctx, data, path, dataset_id, columns)
            if not template and ctx.ok:
                rows = typed_rows(columns, source_rows, ctx.entities)
        elif has_generator and columns:
            if not template:
                ctx.error(path + ("generate",), msg(N_("dataset '%(dataset)s': generated rows need "
                                                       "template: true at the top of the file"),
                                                    dataset=dataset_id))
            generator = _generator(ctx, data["generate"], path + ("generate",), dataset_id, columns)
        datasets.append(Dataset(dataset_id, title, columns, rows, description, generator, source_rows))
    ctx.unique(ids, N_("dataset"))
    return tuple(datasets)


def typed_rows(columns: tuple[Column, ...], source_rows: tuple[tuple[str, ...], ...],
               entities: dict[str, Entity]) -> tuple[tuple[Value, ...], ...]:
    """CSV cells with mentions replaced by the entities' values, as typed values."""
    out = []
    for cells in source_rows:
        row = []
        for column, cell in zip(columns, cells):
            text = render_mentions(cell, entities) if "{{" in cell else cell
            value, problem = cell_value(text, column.type)
            row.append(value if problem is None else text)  # a generated value of another form stays text
        out.append(tuple(row))
    return tuple(out)


def _columns(ctx: Ctx, data: dict[str, Any], path: Path) -> tuple[Column, ...]:
    columns, ids = [], []
    for at, raw in ctx.items(data, "columns", path, minimum=1):
        item = ctx.mapping(raw, at, ("id", "type"), ("label",))
        if item is None:
            continue
        column = Column(ctx.ident(item, "id", at), ctx.choice(item, "type", at, COLUMN_TYPES, N_("column type")),
                        ctx.text(item, "label", at, required=False))
        ids.append((at + ("id",), column.id))
        columns.append(column)
    ctx.unique(ids, N_("column"))
    return tuple(columns) if all(c.id and c.type for c in columns) else ()


def _csv_rows(ctx: Ctx, data: dict[str, Any], path: Path, dataset_id: str,
              columns: tuple[Column, ...]) -> tuple[tuple[str, ...], ...]:
    at = path + ("csv",)
    text = data.get("csv")
    if not isinstance(text, str) or not text.strip():
        ctx.error(at, msg(N_("dataset '%(dataset)s': csv: is the table as text, a header line with the "
                             "column ids, then one line per row"), dataset=dataset_id))
        return ()
    records = list(csv.reader(io.StringIO(text.strip("\n"))))
    header = [h.strip() for h in records[0]] if records else []
    known = [c.id for c in columns]
    problems = []
    for name in header:
        if name not in known:
            problems.append(msg(N_("dataset '%(dataset)s': the header names column '%(column)s', which is "
                                   "not declared (columns: %(known)s)"), dataset=dataset_id, column=name,
                                known=", ".join(known)))
    for name in known:
        if name not in header:
            problems.append(msg(N_("dataset '%(dataset)s': column '%(column)s' is missing from the header"),
                                dataset=dataset_id, column=name))
    for problem in problems:
        ctx.error(at, problem)
    if problems:
        return ()
    order = [header.index(c.id) for c in columns]
    rows = []
    for number, record in enumerate(records[1:], 1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            ctx.error(at, msg(N_("dataset '%(dataset)s', row %(row)d: %(n)d cells, the header has %(m)d"),
                              dataset=dataset_id, row=number, n=len(record), m=len(header)))
            continue
        cells = tuple(record[i].strip() for i in order)
        for column, cell in zip(columns, cells):
            problem = _cell_problem(ctx, column, cell)
            if problem is not None:
                ctx.error(at, msg(N_("dataset '%(dataset)s', row %(row)d, column '%(column)s': %(problem)s"),
                                  dataset=dataset_id, row=number, column=column.id, problem=problem))
        rows.append(cells)
    if len(rows) > MAX_ROWS:
        ctx.error(at, msg(N_("dataset '%(dataset)s' has %(n)d rows; at most %(max)d"), dataset=dataset_id,
                          n=len(rows), max=MAX_ROWS))
    return tuple(rows)


def _cell_problem(ctx: Ctx, column: Column, cell: str) -> Message | None:
    mentions = list(MENTION_RE.finditer(cell))
    if not mentions:
        return cell_value(cell, column.type)[1]
    wanted = ENTITY_COLUMNS.get(column.type, "")
    for match in mentions:
        entity = ctx.entities.get(match.group(1))
        if entity is None:
            return msg(N_("mention %(mention)s names an unknown entity '%(id)s'"), mention=match.group(0),
                       id=match.group(1))
        if wanted and entity.type != wanted and match.group(2) is None:
            return msg(N_("entity '%(id)s' is a %(type)s, this column holds a %(wanted)s"), id=entity.id,
                       type=label(ENTITY_TYPE_LABELS, entity.type), wanted=label(ENTITY_TYPE_LABELS, wanted))
    return None


# -- generators -------------------------------------------------------------------------

def _generator(ctx: Ctx, raw: Any, path: Path, dataset_id: str,
               columns: tuple[Column, ...]) -> Generator | None:
    data = ctx.mapping(raw, path, ("rows", "period", "columns"), ("patterns",))
    if data is None:
        return None
    rows = int(ctx.number(data, "rows", path, integer=True, above=0, maximum=MAX_ROWS) or 0)
    period = _period(ctx, data.get("period"), path + ("period",))
    by_id = {c.id: c for c in columns}
    specs: dict[str, ValueSpec] = {}
    raw_columns = ctx.mapping(data.get("columns"), path + ("columns",), free=True) \
        if "columns" in data else None
    for column_id, raw_spec in (raw_columns or {}).items():
        at = path + ("columns", column_id)
        column = by_id.get(column_id)
        if column is None:
            ctx.error(at, msg(N_("dataset '%(dataset)s' has no column '%(column)s'"), dataset=dataset_id,
                              column=column_id))
            continue
        spec = _noise_spec(ctx, raw_spec, at, column, dataset_id)
        if spec is not None:
            specs[column_id] = spec
    for column in columns:
        if column.id not in specs and column.type != "datetime" and raw_columns is not None:
            ctx.error(path + ("columns",), msg(N_("dataset '%(dataset)s': say how column '%(column)s' is "
                                                  "generated (values:, range:, pool: or entities:)"),
                                               dataset=dataset_id, column=column.id))
    _check_same_pools(ctx, path + ("columns",), dataset_id, by_id, specs)
    patterns = []
    for at, raw_pattern in ctx.items(data, "patterns", path):
        pattern = _pattern(ctx, raw_pattern, at, dataset_id, columns, period, specs)
        if pattern is not None:
            patterns.append((at, pattern))
    ctx.unique(((at + ("id",), p.id) for at, p in patterns), N_("pattern"))
    if period and rows:
        planted = sum(p.rows_planted(period) for _, p in patterns)
        if planted > rows:
            ctx.error(path + ("rows",), msg(N_("dataset '%(dataset)s': the patterns plant %(planted)d rows, "
                                               "more than the %(rows)d of the whole dataset"),
                                            dataset=dataset_id, planted=planted, rows=rows))
    if not ctx.ok or period is None:
        return None
    return Generator(rows, period, tuple((c.id, specs[c.id]) for c in columns if c.id in specs),
                     tuple(p for _, p in patterns))


def _period(ctx: Ctx, value: Any, path: Path) -> tuple[datetime, datetime] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        ctx.error(path, msg(N_("period is [first, last], two dates and times")))
        return None
    start, end = (_when(ctx, v, path + (i,)) for i, v in enumerate(value))
    if start is None or end is None:
        return None
    if end <= start:
        ctx.error(path, msg(N_("the period ends before it starts")))
        return None
    return start, end


def _when(ctx: Ctx, value: Any, path: Path) -> datetime | None:
    when = parse_datetime(value) if isinstance(value, (str, datetime)) else None
    if when is None:
        ctx.error(path, msg(N_("expected a date and time like '2024-03-12 08:40', got %(value)r"),
                            value=value))
    return when


def _noise_spec(ctx: Ctx, raw: Any, path: Path, column: Column, dataset_id: str) -> ValueSpec | None:
    allowed = {"datetime": ("hours",), "integer": ("range", "values"), "decimal": ("range", "values"),
               "string": ("values", "pool", "faker"), "entity": ("entities",)}.get(
        column.type, ("pool", "faker", "entities", "values", "same_pool"))
    data = ctx.mapping(raw, path, (), allowed)
    if data is None:
        return None
    if not data and column.type != "datetime":
        ctx.error(path, msg(N_("say how the column is generated: %(allowed)s"), allowed=", ".join(allowed)))
        return None
    if column.type == "datetime":
        return ValueSpec(hours=_hours(ctx, data, path))
    spec = ValueSpec(
        choices=_choices(ctx, data, path, column),
        range=_range(ctx, data, path, column),
        pool=int(ctx.number(data, "pool", path, integer=True, minimum=0, maximum=MAX_POOL) or 0),
        faker=_faker(ctx, data, path, column),
        entities=_entity_refs(ctx, data.get("entities"), path + ("entities",), column),
        same_pool=str(data.get("same_pool", "")),
    )
    if column.type in ("phone", "account", "plate") and not (spec.pool or spec.entities or spec.choices
                                                             or spec.same_pool):
        ctx.error(path, msg(N_("column '%(column)s' draws from nothing: give pool:, entities: or values:"),
                            column=column.id))
    if spec.same_pool and len(data) > 1:
        ctx.error(path, msg(N_("same_pool: draws from the other column's pool; remove the other fields")))
    if column.type == "string" and spec.pool and not spec.faker:
        ctx.error(path, msg(N_("a pool of text needs faker: (e.g. city_kg)")))
    return spec


def _hours(ctx: Ctx, data: dict[str, Any], path: Path) -> tuple[int, int] | None:
    value = data.get("hours")
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, int)
                                                             for v in value)
            or not 0 <= value[0] < value[1] <= 24):
        ctx.error(path + ("hours",), msg(N_("hours is [from, to] within 0..24, e.g. [7, 23]")))
        return None
    return value[0], value[1]


def _choices(ctx: Ctx, data: dict[str, Any], path: Path, column: Column) -> tuple[Value, ...]:
    values = []
    for at, raw in ctx.items(data, "values", path):
        value = _literal(ctx, raw, at, column)
        if value is not None:
            values.append(value)
    if "values" in data and not values:
        ctx.error(path + ("values",), msg(N_("give at least one value")))
    return tuple(values)


def _literal(ctx: Ctx, raw: Any, path: Path, column: Column) -> Value:
    if raw is None or isinstance(raw, (dict, list)):
        ctx.error(path, msg(N_("expected a value, got %(value)r"), value=raw))
        return None
    if isinstance(raw, bool):
        raw = str(raw).lower()
    text = str(raw)
    if column.type in ENTITY_COLUMNS and text in ctx.entities:
        return None if _entity_ref(ctx, text, path, column) is None else "{{" + text + "}}"
    value, problem = cell_value(text, column.type)
    if problem is not None:
        ctx.error(path, msg(N_("column '%(column)s': %(problem)s"), column=column.id, problem=problem))
        return None
    return value


def _range(ctx: Ctx, data: dict[str, Any], path: Path, column: Column) -> tuple[float, float] | None:
    value = data.get("range")
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value) or value[0] > value[1]):
        ctx.error(path + ("range",), msg(N_("range is [lowest, highest], two numbers, e.g. [5, 900]")))
        return None
    if column.type == "integer" and any(not isinstance(v, int) for v in value):
        ctx.error(path + ("range",), msg(N_("column '%(column)s' holds integers: give a range of integers"),
                                         column=column.id))
        return None
    return float(value[0]), float(value[1])


def _faker(ctx: Ctx, data: dict[str, Any], path: Path, column: Column) -> str:
    name = data.get("faker")
    if name is None:
        return DEFAULT_FAKER.get(column.type, "") if data.get("pool") else ""
    from trainer.domain.faker_region import PLACEHOLDERS  # imports Faker: templates only

    if str(name) not in PLACEHOLDERS:
        ctx.error(path + ("faker",), msg(N_("unknown placeholder {faker:%(name)s}"), name=name))
        return ""
    return str(name)


def _entity_refs(ctx: Ctx, value: Any, path: Path, column: Column) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        ctx.error(path, msg(N_("expected a list of entity ids, e.g. [PH1, PH2]")))
        return ()
    refs = [_entity_ref(ctx, v, path + (i,), column) for i, v in enumerate(value)]
    return tuple(r for r in refs if r)


def _entity_ref(ctx: Ctx, value: Any, path: Path, column: Column) -> str | None:
    ref = ctx.ref(value, path, ctx.entities, N_("entity"))
    if not ref:
        return None
    wanted = ENTITY_COLUMNS.get(column.type, "")
    entity = ctx.entities[ref]
    if wanted and entity.type != wanted:
        ctx.error(path, msg(N_("entity '%(id)s' is a %(type)s, column '%(column)s' holds a %(wanted)s"),
                            id=ref, type=label(ENTITY_TYPE_LABELS, entity.type), column=column.id,
                            wanted=label(ENTITY_TYPE_LABELS, wanted)))
        return None
    return ref


def _check_same_pools(ctx: Ctx, path: Path, dataset_id: str, by_id: dict[str, Column],
                      specs: dict[str, ValueSpec]) -> None:
    for column_id, spec in specs.items():
        other = spec.same_pool
        if not other:
            continue
        at = path + (column_id, "same_pool")
        if other == column_id or other not in specs or specs[other].same_pool:
            ctx.error(at, msg(N_("same_pool names a column with a pool of its own (not '%(other)s')"),
                              other=other))
        elif by_id[other].type != by_id[column_id].type:
            ctx.error(at, msg(N_("column '%(other)s' holds %(type)s values, not %(wanted)s"), other=other,
                              type=Message(COLUMN_TYPES[by_id[other].type]),
                              wanted=Message(COLUMN_TYPES[by_id[column_id].type])))


PATTERN_FIELDS = {
    "burst": (("id", "kind", "set", "before", "hours", "count"), ("swap",)),
    "regular": (("id", "kind", "set", "every_days"), ("start", "jitter_hours", "count", "swap")),
    "repeat": (("id", "kind", "set", "count"), ("within", "swap")),
}


def _pattern(ctx: Ctx, raw: Any, path: Path, dataset_id: str, columns: tuple[Column, ...],
             period: tuple[datetime, datetime] | None, specs: dict[str, ValueSpec]) -> Pattern | None:
    kind = ctx.choice(raw, "kind", path, PATTERN_KINDS, N_("pattern kind")) if isinstance(raw, dict) else ""
    required, optional = PATTERN_FIELDS.get(kind, (("id", "kind", "set"), ()))
    data = ctx.mapping(raw, path, required, optional, free=not kind)
    if data is None or not kind:
        return None
    pattern_id = ctx.ident(data, "id", path)
    where = msg(N_("dataset '%(dataset)s', pattern '%(pattern)s'"), dataset=dataset_id, pattern=pattern_id)

    def cannot(at: Path, reason: Message) -> None:
        ctx.error(at, msg(N_("%(where)s cannot be planted: %(reason)s"), where=where, reason=reason))

    time = next((c for c in columns if c.type == "datetime"), None)
    if time is None:
        cannot(path, msg(N_("the dataset has no datetime column to place its rows in time")))
    by_id = {c.id: c for c in columns}
    values: list[tuple[str, ValueSpec]] = []
    raw_set = ctx.mapping(data.get("set"), path + ("set",), free=True) if "set" in data else None
    for column_id, raw_value in (raw_set or {}).items():
        at = path + ("set", column_id)
        column = by_id.get(column_id)
        if column is None:
            cannot(at, msg(N_("the dataset has no column '%(column)s'"), column=column_id))
        elif column is time:
            cannot(at, msg(N_("the pattern places %(column)s itself (before:, every_days: or within:)"),
                           column=column_id))
        else:
            spec = _set_value(ctx, raw_value, at, column)
            if spec is not None:
                values.append((column_id, spec))
    count = int(ctx.number(data, "count", path, integer=True, above=0) or 0)
    hours = float(ctx.number(data, "hours", path, above=0) or 0)
    every = float(ctx.number(data, "every_days", path, above=0) or 0)
    jitter = float(ctx.number(data, "jitter_hours", path, minimum=0) or 0)
    before = tuple(w for at, v in ctx.items(data, "before", path, minimum=1 if "before" in data else 0)
                   if (w := _when(ctx, v, at)) is not None)
    start = _when(ctx, data["start"], path + ("start",)) if "start" in data else None
    within = _period(ctx, data.get("within"), path + ("within",))
    swap = _swap(ctx, data.get("swap"), path + ("swap",), by_id, cannot)
    _check_distinct(values, specs, cannot, path + ("set",))
    if period is not None:
        first, last = period
        for i, anchor in enumerate(before):
            if anchor - timedelta(hours=hours) < first or anchor > last:
                cannot(path + ("before", i), msg(N_("the %(hours)s hours before %(time)s are not all within "
                                                    "the period %(first)s – %(last)s"),
                                                 hours=f"{hours:g}", time=format_value(anchor),
                                                 first=format_value(first), last=format_value(last)))
        if within is not None and (within[0] < first or within[1] > last):
            cannot(path + ("within",), msg(N_("within: lies outside the period %(first)s – %(last)s"),
                                           first=format_value(first), last=format_value(last)))
        if start is not None and not first <= start <= last:
            cannot(path + ("start",), msg(N_("start: %(time)s is outside the period"), time=format_value(start)))
    return Pattern(pattern_id, kind, tuple(values), count, before, hours, every, start, jitter, within, swap)


def _set_value(ctx: Ctx, raw: Any, path: Path, column: Column) -> ValueSpec | None:
    """A pattern's value for a column: an entity id, a value, a list to choose from or {range:}."""
    if isinstance(raw, dict):
        data = ctx.mapping(raw, path, ("range",))
        if data is None or column.type not in NUMERIC:
            if data is not None:
                ctx.error(path, msg(N_("a range needs a column of numbers")))
            return None
        found = _range(ctx, data, path, column)
        return ValueSpec(range=found) if found else None
    if isinstance(raw, list):
        values = [_literal(ctx, v, path + (i,), column) for i, v in enumerate(raw)]
        if not values:
            ctx.error(path, msg(N_("give at least one value")))
        return ValueSpec(choices=tuple(values)) if values and None not in values else None
    value = _literal(ctx, raw, path, column)
    return None if value is None else ValueSpec(fixed=value)


def _swap(ctx: Ctx, value: Any, path: Path, by_id: dict[str, Column], cannot) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2 or any(str(v) not in by_id for v in value):
        cannot(path, msg(N_("swap names two columns of the dataset, e.g. [caller, callee]")))
        return None
    a, b = (by_id[str(v)] for v in value)
    if a.type != b.type or a.id == b.id:
        cannot(path, msg(N_("swap needs two different columns of the same type")))
        return None
    return a.id, b.id


def _check_distinct(values: list[tuple[str, ValueSpec]], specs: dict[str, ValueSpec], cannot,
                    path: Path) -> None:
    """Two columns drawn from one pool never hold the same value: a pattern must not ask them to."""
    fixed = {column_id: spec.fixed for column_id, spec in values if spec.fixed is not None}
    for column_id, value in fixed.items():
        other = specs.get(column_id, ValueSpec()).same_pool
        if other and fixed.get(other) == value:
            cannot(path, msg(N_("'%(a)s' and '%(b)s' share a pool and never hold the same value"),
                             a=column_id, b=other))


# -- queries ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """One test on a column: equal to one of `values`, or within [low, high) (numbers, times)."""

    column: str
    values: tuple[Value, ...] = ()
    low: Value = None
    high: Value = None


@dataclass(frozen=True)
class Query:
    """Rows that meet every condition, then one aggregate over them."""

    dataset: str
    where: tuple[Condition, ...]
    aggregate: str  # count | count_distinct | sum | most | distinct | rows
    column: str = ""  # what count_distinct, sum, most and distinct are over
    min_rows: int = 1  # distinct: values in at least this many rows
    entities: tuple[str, ...] = field(default=(), compare=False)  # entity ids it names (mentions)

    @property
    def answer(self) -> str:
        """The kind of answer it gives: number, value, set or rows."""
        return AGGREGATE_ANSWERS[self.aggregate]


def parse_query(ctx: Ctx, raw: Any, path: Path, dataset: Dataset | None) -> Query | None:
    """A `compute:` mapping: where: {column: value | [values] | {from:, to:} | {min:, max:}}
    and one of count: true, count_distinct: COL, sum: COL, most: COL, distinct: COL (with
    min_rows: N), rows: true."""
    data = ctx.mapping(raw, path, (), ("where",) + AGGREGATES + ("min_rows",))
    if data is None or dataset is None:
        return None
    chosen = [a for a in AGGREGATES if a in data]
    if len(chosen) != 1:
        ctx.error(path, msg(N_("give exactly one of %(options)s"), options=", ".join(AGGREGATES)))
        return None
    aggregate = chosen[0]
    column = ""
    if aggregate in ("count", "rows"):
        if data[aggregate] is not True:
            ctx.error(path + (aggregate,), msg(N_("write %(field)s: true"), field=aggregate))
    else:
        column = _query_column(ctx, data[aggregate], path + (aggregate,), dataset)
        if aggregate == "sum" and column and dataset.column(column).type not in NUMERIC:
            ctx.error(path + (aggregate,), msg(N_("sum needs a column of numbers; '%(column)s' holds %(type)s"),
                                               column=column, type=Message(COLUMN_TYPES[dataset.column(column).type])))
    min_rows = 1
    if "min_rows" in data:
        if aggregate != "distinct":
            ctx.error(path + ("min_rows",), msg(N_("min_rows goes with distinct:")))
        min_rows = int(ctx.number(data, "min_rows", path, integer=True, minimum=1) or 1)
    conditions, named = [], []
    where = ctx.mapping(data.get("where"), path + ("where",), free=True) if "where" in data else {}
    for column_id, raw_test in (where or {}).items():
        at = path + ("where", column_id)
        if _query_column(ctx, column_id, at, dataset, quiet_path=True):
            condition = _condition(ctx, raw_test, at, dataset.column(column_id), named)
            if condition is not None:
                conditions.append(condition)
    return Query(dataset.id, tuple(conditions), aggregate, column, min_rows, tuple(named))


def _query_column(ctx: Ctx, value: Any, path: Path, dataset: Dataset, quiet_path: bool = False) -> str:
    name = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if dataset.column(name) is None:
        ctx.error(path, msg(N_("dataset '%(dataset)s' has no column %(column)r (columns: %(known)s)"),
                            dataset=dataset.id, column=name or value,
                            known=", ".join(c.id for c in dataset.columns)))
        return ""
    return name


def _condition(ctx: Ctx, raw: Any, path: Path, column: Column, named: list[str]) -> Condition | None:
    if isinstance(raw, dict):
        keys = ("from", "to") if column.type == "datetime" else ("min", "max")
        data = ctx.mapping(raw, path, (), keys)
        if data is None or column.type not in NUMERIC | {"datetime"}:
            if data is not None:
                ctx.error(path, msg(N_("a range needs a column of numbers or times")))
            return None
        if column.type == "datetime":
            low = _when(ctx, data["from"], path + ("from",)) if "from" in data else None
            high = _when(ctx, data["to"], path + ("to",)) if "to" in data else None
        else:
            low = ctx.number(data, "min", path)
            high = ctx.number(data, "max", path)
        if low is None and high is None:
            ctx.error(path, msg(N_("give %(a)s:, %(b)s: or both"), a=keys[0], b=keys[1]))
            return None
        return Condition(column.id, (), low, high)
    values = []
    for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
        at = path + (i,) if isinstance(raw, list) else path
        text = "" if item is None or isinstance(item, (dict, list)) else str(item).lower() \
            if isinstance(item, bool) else str(item)
        if column.type in ENTITY_COLUMNS and text in ctx.entities:
            if _entity_ref(ctx, text, at, column):
                named.append(text)
                values.append("{{" + text + "}}")
            continue
        value, problem = cell_value(text, column.type) if text else (None, msg(N_("must not be empty")))
        if problem is not None:
            ctx.error(at, msg(N_("column '%(column)s': %(problem)s"), column=column.id, problem=problem))
            continue
        values.append(value)
    return Condition(column.id, tuple(values)) if values else None


def resolve(query: Query, entities: dict[str, Entity]) -> Query:
    """The query with entity mentions replaced by the entities' values (per variant)."""
    if not query.entities:
        return query
    where = tuple(Condition(c.column, tuple(render_mentions(v, entities) if isinstance(v, str) else v
                                            for v in c.values), c.low, c.high) for c in query.where)
    return Query(query.dataset, where, query.aggregate, query.column, query.min_rows, ())


def matching_rows(dataset: Dataset, conditions: tuple[Condition, ...]) -> list[int]:
    """Row numbers (from 1) of the rows meeting every condition."""
    tests = []
    for c in conditions:
        i = dataset.index(c.column)
        if c.values:
            # Each distinct cell is compared once: a column holds a few hundred numbers or plates.
            wanted = {_comparable(v) for v in c.values}
            verdict: dict[Any, bool] = {}

            def equal(row, i=i, wanted=wanted, verdict=verdict) -> bool:
                value = row[i]
                found = verdict.get(value)
                if found is None:
                    found = verdict[value] = _comparable(value) in wanted
                return found
            tests.append(equal)
        else:
            tests.append(lambda row, i=i, low=c.low, high=c.high:
                         row[i] is not None and not isinstance(row[i], str)
                         and (low is None or row[i] >= low) and (high is None or row[i] < high))
    return [n for n, row in enumerate(dataset.rows, 1) if all(test(row) for test in tests)]


def run_query(query: Query, dataset: Dataset) -> tuple[str, Any]:
    """(answer kind, key): a number, the values that are the answer (a tie: all of them), a set
    of values, or a set of row numbers."""
    rows = matching_rows(dataset, query.where)
    if query.aggregate == "count":
        return "number", float(len(rows))
    if query.aggregate == "rows":
        return "rows", frozenset(rows)
    i = dataset.index(query.column)
    values = [dataset.rows[n - 1][i] for n in rows]
    values = [v for v in values if v is not None]
    if query.aggregate == "sum":
        return "number", round(sum(float(v) for v in values if isinstance(v, (int, float))), 2)
    if query.aggregate == "count_distinct":
        return "number", float(len({_comparable(v) for v in values}))
    counts = Counter(format_value(v) for v in values)
    if query.aggregate == "most":
        top = max(counts.values(), default=0)
        return "value", frozenset(v for v, n in counts.items() if n == top)
    return "set", frozenset(v for v, n in counts.items() if n >= query.min_rows)


def _comparable(value: Value) -> Any:
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def normalise_text(value: str) -> str:
    """Text compared as people mean it: case, spaces, hyphens and brackets ignored."""
    return re.sub(r"[\s\-()./]+", "", value).casefold()
