"""Item analysis tables: the columns and rows that the pages, their CSV exports and
`flask items stats` share, so that every place prints the same statistics under the same names."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .domain.item_stats import ItemStats, OptionShare, flag_labels, format_statistic
from .domain.reports import Column
from .exports import Table
from .i18n import translate
from .services.item_analysis import SAMPLE
from .services.reports import ANALYSIS_SAMPLE

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


QUESTION_TYPE_LABELS = {
    "single": _l("Single choice"), "multiple": _l("Multiple choice"), "true_false": _l("True or false"),
    "matching": _l("Matching"), "ordering": _l("Ordering"),
}
TEST_TITLES = {"pre_test": _l("Pre-test"), "post_test": _l("Post-test")}


def test_title(test) -> str:
    """A course test's title: Pre-test, Post-test or Knowledge check: <lesson>."""
    if test.kind == "check":
        return _("Knowledge check: %(lesson)s", lesson=test.lesson)
    return str(TEST_TITLES.get(test.kind, test.kind))


def course_tables(tests) -> list[Table]:
    """Per test of a course (services.item_analysis.TestAnalysis): its items' statistics, then
    how often each option of its choice questions was chosen."""
    columns = question_columns()
    tables = []
    for test in tests:
        title = test_title(test)
        rows = [statistics_row(item.stats, prompt=item.prompt,
                               type_name=str(QUESTION_TYPE_LABELS.get(item.type, item.type)))
                for item in test.items]
        tables.append(Table(test.key, title, columns, rows, size_key="attempts",
                            note=ngettext("%(num)d officer's first attempt.", "%(num)d officers' first attempts.",
                                          test.attempts)))
        if test.options:
            tables.append(Table(f"{test.key}-options", _("%(test)s: options chosen", test=title), option_columns(),
                                [option_row(share) for share in test.options], size_key="attempts"))
    return tables


def question_columns() -> tuple[Column, ...]:
    """A course test's table: each question, then its statistics."""
    return (Column("question", _l("Question")), Column("prompt", _l("Prompt")),
            Column("type_name", _l("Type"))) + statistics_columns()


def scenario_columns() -> tuple[Column, ...]:
    """A scenario's table: each answer-key item, then its statistics."""
    return (Column("task", _l("Task")), Column("question", _l("Item")), Column("prompt", _l("What (an example)")),
            ) + statistics_columns()


def empty_table(kind: str) -> Table:
    """The columns alone: what an export holds before any attempt counts."""
    columns = question_columns() if kind == "course" else scenario_columns()
    return Table("items", _("Item analysis"), columns, [])


def scenario_table(test) -> Table:
    """A scenario's answer-key items with their statistics."""
    columns = scenario_columns()
    rows = [statistics_row(item.stats, task=item.type, prompt=item.prompt) for item in test.items]
    return Table("scenario", _("Answer-key items"), columns, rows, size_key="attempts",
                 note=ngettext("%(num)d officer's first attempt.", "%(num)d officers' first attempts.",
                               test.attempts))


def statistics_notes() -> list[str]:
    """What the figures mean, as Moodle's quiz statistics define them."""
    return [
        _("Facility index: the mean mark as a share of the maximum (Too easy above 90 %, Too hard below 20 %). "
          "Standard deviation: the spread of the marks, as a share of the maximum."),
        _("Discrimination index: the correlation between the mark on the item and the rest of the test (the total "
          "without this item), from −100 to 100; a negative value means officers who did well elsewhere did worse "
          "here: check the key and the wording. Discriminative efficiency: the discrimination index as a share of "
          "the highest this item could reach with its facility."),
        _("Each officer's first submitted attempt counts, as in Moodle's quiz statistics (at most the latest "
          "%(tests)d per course test and %(scenario)d per scenario); a dash means the figure cannot be computed "
          "(one attempt, or everyone with the same mark). Exports show figures from fewer than five attempts as "
          "“<5”.", tests=SAMPLE, scenario=ANALYSIS_SAMPLE),
    ]
