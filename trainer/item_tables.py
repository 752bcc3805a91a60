"""Item analysis tables: the columns and rows that the pages, their CSV exports and
`flask items stats` share, so that every place prints the same statistics under the same names."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from .domain.item_stats import ItemStats, OptionShare, flag_labels, format_statistic
from .domain.reports import Column
from .exports import Table
from .i18n import translate

STATISTICS = ("facility", "sd", "discrimination", "efficiency")


def statistics_columns(web: bool = True) -> tuple[Column, ...]:
    """Moodle's statistics as columns. On the web they are figures about people (an export hides
    them for fewer than five attempts); the command prints them as plain numbers."""
    kind, of = ("score", "attempts") if web else ("number", None)
    return (
        Column("max_mark", _l("Maximum mark"), "number"),
        Column("attempts", _l("Attempts"), "people" if web else "number"),
        Column("facility", _l("Facility index %"), kind, of=of),
        Column("sd", _l("Standard deviation %"), kind, of=of),
        Column("discrimination", _l("Discrimination index %"), kind, of=of),
        Column("efficiency", _l("Discriminative efficiency %"), kind, of=of),
        Column("flags", _l("Flags")),
    )


def statistics_row(stat: ItemStats, digits: int | None = None, **extra) -> dict:
    """One item's statistics as a table row (rounded to `digits` when given), with `extra` cells."""

    def value(number: float | None) -> float | None:
        return None if number is None or digits is None else round(number, digits) + 0.0  # no "-0.0"

    row = {"question": stat.name, "max_mark": stat.max_mark, "attempts": stat.attempts,
           "facility": stat.facility_percent, "sd": stat.sd, "discrimination": stat.discrimination,
           "efficiency": stat.efficiency, "flags": ", ".join(str(translate(label)) for label in flag_labels(stat.flags)),
           "flag_codes": stat.flags, **extra}
    if digits is not None:
        row.update({name: value(row[name]) for name in STATISTICS})
    return row


def statistics_table(stats: Sequence[ItemStats], digits: int = 2, key: str = "items", title: str = "") -> Table:
    """The statistics of a marks file, as `flask items stats` prints them."""
    return Table(key, title, (Column("question", _l("Question")),) + statistics_columns(web=False),
                 [statistics_row(stat, digits) for stat in stats])


def text_table(table: Table, digits: int = 2) -> str:
    """A table as aligned plain text: text to the left, numbers to the right with `digits`
    decimals, "—" where a statistic is undefined."""

    def cell(row: dict, column: Column) -> str:
        value = row.get(column.key)
        if column.key in STATISTICS:
            return format_statistic(value, digits)
        if isinstance(value, float):
            return f"{value:g}"
        return "—" if value is None else str(value)

    header = [str(column.label) for column in table.columns]
    body = [[cell(row, column) for column in table.columns] for row in table.rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = []
    for line in [header, *body]:
        cells = [text.ljust(width) if column.kind == "text" else text.rjust(width)
                 for text, width, column in zip(line, widths, table.columns)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def option_columns() -> tuple[Column, ...]:
    """How often each option was chosen: one row per option of each choice question."""
    return (
        Column("question", _l("Question")),
        Column("option", _l("Option")),
        Column("key", _l("In the answer key")),
        Column("chosen", _l("Chosen"), "people"),
        Column("percent", _l("Chosen %"), "percent", of="chosen"),
        Column("attempts", _l("Attempts"), "people"),
    )


def option_row(share: OptionShare) -> dict:
    """One option's share as a table row."""
    return {"question": share.question, "option": str(translate(share.option)),
            "key": str(_l("yes")) if share.keyed else "", "chosen": share.chosen, "percent": share.percent,
            "attempts": share.attempts, "keyed": share.keyed}
