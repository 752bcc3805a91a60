"""Item analysis: Moodle's question statistics, computed in one pass over a marks matrix.

The definitions are those of Moodle's documentation, "Quiz statistics calculations" (and of its
question/classes/statistics/questions/calculator.php). For an item i, over the S attempts that
included it:

    x_i(s)         the attempt's mark on the item, 0 .. max_i
    X(s)           the attempt's total: the sum of its item marks
    X_i(s)         X(s) - x_i(s), the rest of the test
    V(a)           sum (a - mean a)^2 / (S - 1)
    C(a, b)        sum (a - mean a)(b - mean b) / (S - 1)

    facility index             F_i  = mean(x_i) / max_i          (a fraction; shown as %)
    standard deviation         SD_i = 100 sqrt(V(x_i)) / max_i   (% of the item's maximum)
    discrimination index       D_i  = 100 C(x_i, X_i) / sqrt(V(x_i) V(X_i))
    discriminative efficiency  E_i  = 100 C(x_i, X_i) / C_max(x_i, X_i)

C_max is the covariance of the same two lists each sorted ascending, the largest covariance any
pairing of these marks with these rest-of-test scores could have: E_i says how much of the
discrimination the item's facility allowed it actually achieves. Moodle's facility is
(mean - min) / (max - min); marks here never go below 0, so min is 0. With fewer than two
attempts V and C do not exist: SD, D and E are undefined (None, shown as "—"), and so are D when
either variance is 0 (everyone got the same mark, or the same rest) and E when C_max is 0.

An item left out of an attempt (a question not drawn for it) is left out of that item's
figures, as Moodle does for random questions; the attempt still counts for the other items.

One pass: each attempt's marks are read once, into each item's list of marks and rest-of-test
scores; per item, the sums, squares and cross products of those lists are then added in attempt
order (shifted by the item's first values, so that identical marks give a variance of exactly 0
rather than rounding noise), and the lists are sorted once for C_max.
"""
from __future__ import annotations

import csv
import io
import math
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .messages import Message, N_, msg

TOO_EASY = 0.9  # facility above this: nearly everyone gets it right
TOO_HARD = 0.2  # facility below this: nearly everyone gets it wrong
FLAGS = ("too_easy", "too_hard", "negative_discrimination")
FLAG_LABELS = {
    "too_easy": N_("Too easy"),
    "too_hard": N_("Too hard"),
    "negative_discrimination": N_("Discriminates negatively"),
}
# Marks and rest-of-test scores are rounded to this many decimals, so that rests that are equal
# on paper (0.1 + 0.2 and 0.3) are equal floats and their variance is exactly 0.
DECIMALS = 9
# A sum of squared deviations at or below this is zero: marks differing by 0.001 give 5e-7.
ZERO = 1e-12


@dataclass(frozen=True)
class ItemStats:
    """Moodle's statistics of one item (question or scenario item); None where undefined."""

    name: str
    max_mark: float
    attempts: int  # attempts that included the item
    mean: float | None  # mean mark
    facility: float | None  # 0..1
    sd: float | None  # % of the maximum mark
    discrimination: float | None  # %: -100..100
    efficiency: float | None  # %
    flags: tuple[str, ...] = ()

    @property
    def facility_percent(self) -> float | None:
        """The facility index as Moodle shows it, in percent."""
        return None if self.facility is None else 100 * self.facility


def item_statistics(names: Sequence[str], marks: Iterable[Sequence[float | None]],
                    max_marks: Sequence[float]) -> list[ItemStats]:
    """Statistics of every item of a marks matrix: one row per attempt, one mark (or None: not
    in this attempt) per item, in the order of `names`; `max_marks` gives each item's maximum."""
    k = len(names)
    if len(max_marks) != k:
        raise ValueError(f"{len(max_marks)} maximum marks for {k} items")
    xs: list[list[float]] = [[] for _ in range(k)]  # each item's marks and rest-of-test scores, attempt by attempt
    rests: list[list[float]] = [[] for _ in range(k)]
    for row in marks:
        if len(row) != k:
            raise ValueError(f"a row of {len(row)} marks for {k} items")
        present = [(j, float(value)) for j, value in enumerate(row) if value is not None]
        total = math.fsum(value for _, value in present)
        for j, x in present:
            xs[j].append(round(x, DECIMALS))
            rests[j].append(round(total - x, DECIMALS))
    results = []
    for j, name in enumerate(names):
        n, max_mark = len(xs[j]), float(max_marks[j])
        if not n:
            results.append(ItemStats(name, max_mark, 0, None, None, None, None, None))
            continue
        # Sums of the marks and rests shifted by the item's first ones, added in attempt order.
        x_list, r_list = xs[j], rests[j]
        shift_x, shift_r = x_list[0], r_list[0]
        dxs = [x - shift_x for x in x_list]
        drs = [r - shift_r for r in r_list]
        sum_x, sum_r = sum(dxs, 0.0), sum(drs, 0.0)
        mean = shift_x + sum_x / n
        facility = mean / max_mark if max_mark > 0 else None
        sd = discrimination = efficiency = None
        if n >= 2:
            # n - 1 times V(x), V(X - x) and C(x, X - x): the n - 1 cancels in D and E.
            dev_xx = max(sum(map(operator.mul, dxs, dxs), 0.0) - sum_x * sum_x / n, 0.0)
            dev_rr = max(sum(map(operator.mul, drs, drs), 0.0) - sum_r * sum_r / n, 0.0)
            dev_xr = sum(map(operator.mul, dxs, drs), 0.0) - sum_x * sum_r / n
            if dev_xx <= ZERO:
                dev_xx = dev_xr = 0.0
            if dev_rr <= ZERO:
                dev_rr = dev_xr = 0.0
            if max_mark > 0:
                sd = 100 * math.sqrt(dev_xx / (n - 1)) / max_mark
            if dev_xx and dev_rr:
                discrimination = 100 * dev_xr / math.sqrt(dev_xx * dev_rr)
                sorted_products = math.fsum(map(operator.mul, sorted(dxs), sorted(drs)))
                dev_max = sorted_products - sum_x * sum_r / n
                if dev_max > ZERO:
                    efficiency = 100 * dev_xr / dev_max
        results.append(ItemStats(name, max_mark, n, mean, facility, sd, discrimination, efficiency,
                                 flags_for(facility, discrimination)))
    return results


def flags_for(facility: float | None, discrimination: float | None) -> tuple[str, ...]:
    """What a trainer should look at: too easy (> 0.9), too hard (< 0.2), negative discrimination."""
    flags = []
    if facility is not None and round(facility, DECIMALS) > TOO_EASY:
        flags.append("too_easy")
    if facility is not None and round(facility, DECIMALS) < TOO_HARD:
        flags.append("too_hard")
    if discrimination is not None and round(discrimination, DECIMALS) < 0:
        flags.append("negative_discrimination")
    return tuple(flags)


def flag_labels(flags: Sequence[str]) -> list[Message]:
    """The flags as messages, translated where they are shown."""
    return [msg(FLAG_LABELS[flag]) for flag in flags]


def format_statistic(value: float | None, digits: int = 2) -> str:
    """A statistic as it reads in a table: fixed decimals, "—" where it is undefined."""
    return "—" if value is None else f"{value:.{digits}f}"


# -- how often each option was chosen ---------------------------------------------------------

@dataclass(frozen=True)
class OptionShare:
    """How often one option (or "no answer") of a choice question was chosen."""

    question: str
    option: str  # the option's text, or a Message ("True", "False", "No answer")
    keyed: bool  # part of the answer key
    chosen: int
    attempts: int  # attempts that included the question
    percent: float | None


CHOICE_TYPES = ("single", "multiple", "true_false")


def option_shares(question: Mapping[str, Any], responses: Iterable[tuple[Any, int]]) -> list[OptionShare]:
    """Each option of a single, multiple or true/false question (as stored: Question.to_dict()),
    with how many attempts chose it, then how many gave no answer. `responses` are (response
    value, number of attempts) pairs; a multiple-choice response counts once for each option
    ticked, so its shares may add up to more than 100 %. Other question types give []."""
    kind = question.get("type")
    if kind not in CHOICE_TYPES:
        return []
    if kind == "true_false":
        labels: list[str] = [msg(N_("True")), msg(N_("False"))]
        keyed = [question.get("truth") is True, question.get("truth") is False]
    else:
        options = question.get("options") or []
        labels = [str(option.get("text", "")) if isinstance(option, Mapping) else str(option) for option in options]
        correct = set(question.get("correct") or [])
        keyed = [i in correct for i in range(len(labels))]
    chosen = [0] * len(labels)
    unanswered = attempts = 0
    for value, n in responses:
        attempts += n
        indexes = _chosen_indexes(kind, value, len(labels))
        if not indexes:
            unanswered += n
        for index in indexes:
            chosen[index] += n
    shares = [OptionShare(question.get("id", ""), label, keyed[i], chosen[i], attempts, _percent(chosen[i], attempts))
              for i, label in enumerate(labels)]
    shares.append(OptionShare(question.get("id", ""), msg(N_("No answer")), False, unanswered, attempts,
                              _percent(unanswered, attempts)))
    return shares


def _chosen_indexes(kind: str, value: Any, n_options: int) -> list[int]:
    if kind == "true_false":
        return [0] if value is True else [1] if value is False else []
    values = value if isinstance(value, list) else [value]
    return sorted({v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < n_options})


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


# -- a marks matrix from a CSV file (flask items stats) ---------------------------------------

@dataclass(frozen=True)
class Marks:
    """A marks matrix read from a file: question names, their maxima, one row per attempt."""

    names: tuple[str, ...]
    max_marks: tuple[float, ...]
    rows: tuple[tuple[float | None, ...], ...]


class MarksError(ValueError):
    """The file or the maxima cannot be used; `problems` names every line and column wrong."""

    def __init__(self, problems: Sequence[Message]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = list(problems)


NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_number(text: str) -> float | None:
    """A mark as typed in a spreadsheet: 1, 0.5, 0,5 (a decimal comma); None if it is not one."""
    text = text.strip()
    if not NUMBER.match(text):
        return None
    return float(text.replace(",", "."))


def parse_maxima(spec: str | None, names: Sequence[str]) -> tuple[tuple[float, ...], list[Message]]:
    """Each question's maximum from `--max`: nothing (1 for all), one number for all ("2"),
    or name=number pairs ("q1=2,q2=1"), optionally with a number for the rest ("2,q5=4")."""
    default, named, problems = 1.0, {}, []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, has_name, value = part.rpartition("=") if "=" in part else ("", False, part)
        name = name.strip()
        number = parse_number(value)
        if number is None or number <= 0:
            problems.append(msg(N_("--max: “%(value)s” is not a maximum mark (a number above 0, such as 1 or 2.5)."),
                                value=value.strip()))
            continue
        if not has_name:
            default = number
        elif name not in names:
            problems.append(msg(N_("--max: there is no question “%(name)s” in the file (its questions: %(names)s)."),
                                name=name, names=", ".join(names)))
        elif name in named:
            problems.append(msg(N_("--max: the question “%(name)s” is given twice."), name=name))
        else:
            named[name] = number
    return tuple(named.get(name, default) for name in names), problems


def read_marks(text: str, max_spec: str | None = None, dialect: type[csv.Dialect] | None = None) -> Marks:
    """Read a marks matrix (a header row of question names, then one row per attempt, one mark
    per question) from CSV text; raises MarksError listing every problem with its line and
    column. An empty cell is a question that was not in that attempt."""
    problems: list[Message] = []
    records: list[tuple[int, list[str]]] = []
    # Strict: a quote opened and never closed is an error here, not a cell swallowing the rest.
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), dialect or csv.excel, strict=True)
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        problems.append(msg(N_("line %(line)d: cannot be read as CSV from here on (%(error)s); is a quote opened "
                               "and never closed?"), line=start, error=str(error)))
    if not records:
        raise MarksError(problems or [msg(N_("The file is empty: expected a header row of question names, then "
                                            "one row of marks per attempt."))])
    header_line, header = records[0]
    while header and not header[-1].strip():
        header.pop()  # spreadsheets pad rows with empty cells
    names = tuple(cell.strip() for cell in header)
    seen: dict[str, int] = {}
    for column, name in enumerate(names, 1):
        if not name:
            problems.append(msg(N_("line %(line)d, column %(column)d: the question has no name."),
                                line=header_line, column=column))
        elif name in seen:
            problems.append(msg(N_("line %(line)d, column %(column)d: the question name “%(name)s” is already used "
                                   "in column %(first)d."), line=header_line, column=column, name=name,
                                first=seen[name]))
        else:
            seen[name] = column
    max_marks, max_problems = parse_maxima(max_spec, names)
    problems += max_problems
    rows: list[tuple[float | None, ...]] = []
    width = len(names)
    for line, cells in records[1:]:
        if len(cells) != width and not (len(cells) > width and not any(c.strip() for c in cells[width:])):
            problems.append(msg(N_("line %(line)d: has %(cells)d cells but the header names %(questions)d questions "
                                   "(every row needs one mark per question; leave a cell empty for a question "
                                   "that was not in the attempt)."), line=line, cells=len(cells), questions=width))
            continue
        row: list[float | None] = []
        for column, (name, cell, maximum) in enumerate(zip(names, cells, max_marks), 1):
            if not cell.strip():
                row.append(None)
                continue
            mark = parse_number(cell)
            where = {"line": line, "column": column, "name": name}
            if mark is None or not math.isfinite(mark):
                problems.append(msg(N_("line %(line)d, column %(column)d (%(name)s): “%(value)s” is not a mark (a "
                                       "number such as 1 or 0.5)."), value=cell.strip()[:40], **where))
            elif mark < 0:
                problems.append(msg(N_("line %(line)d, column %(column)d (%(name)s): the mark %(value)s is below 0."),
                                    value=cell.strip(), **where))
            elif mark > maximum:
                problems.append(msg(N_("line %(line)d, column %(column)d (%(name)s): the mark %(value)s is above the "
                                       "question's maximum %(max)s (set maxima with --max)."),
                                    value=cell.strip(), max=f"{maximum:g}", **where))
            row.append(mark)
        rows.append(tuple(row))
    if not rows and not problems:
        problems.append(msg(N_("The file has a header but no rows of marks.")))
    if problems:
        raise MarksError(problems)
    return Marks(names, max_marks, tuple(rows))
