"""How a cohort answered a scenario, item by item, for the debrief after a live exercise.

The input is the scored results of the cohort's attempts (the stored form of
`scoring.AttemptResult`: tasks, each with items carrying `item_id`, `label`, `given`,
`expected`, `points`, `max_points`, `rationale`). Nobody is named: an item's answers are
counted, never attributed. Values stay as stored (text or message data); the caller words
them in the reader's language.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

GRADE_AXES = ("source", "information", "handling")


@dataclass
class ItemDebrief:
    """One key item (or a link nobody was asked for) and what the cohort answered."""

    item_id: str
    label: Any
    expected: Any
    rationale: Any
    answered: int = 0          # attempts that gave any answer to this item
    right: int = 0             # attempts with full credit
    attempts: int = 0          # attempts that reached this item's task
    answers: Counter = field(default_factory=Counter)  # answer (as a JSON key) -> attempts
    values: dict[str, Any] = field(default_factory=dict)  # JSON key -> the answer as stored

    @property
    def distribution(self) -> list[tuple[Any, int]]:
        """Answers most chosen first; ties in a stable order."""
        return [(self.values[key], n) for key, n in sorted(self.answers.items(), key=lambda kv: (-kv[1], kv[0]))]

    @property
    def split(self) -> float:
        """0 when every answer agrees, towards 1 as answers spread (1 − share of the commonest)."""
        total = sum(self.answers.values())
        return 1 - max(self.answers.values()) / total if total else 0.0

    @property
    def missed(self) -> int:
        return self.attempts - self.right


@dataclass
class TaskDebrief:
    task_id: str
    task_type: str
    attempts: int
    items: list[ItemDebrief]       # key items, in the order the cohort should discuss them
    extra: list[ItemDebrief]       # answers outside the key (links not in the key), commonest first


def debrief(results: Iterable[Mapping[str, Any]]) -> list[TaskDebrief]:
    """Per task of the scenario, per key item: how many answered what, and how many were right."""
    tasks: dict[str, TaskDebrief] = {}
    for result in results:
        for task in result.get("tasks") or ():
            entry = tasks.setdefault(task["task_id"], TaskDebrief(task["task_id"], task["type"], 0, [], []))
            entry.attempts += 1
            items = _grade_rows(task["items"]) if task["type"] == "grade" else task["items"]
            _count(entry, items)
    for entry in tasks.values():
        _order(entry)
    return list(tasks.values())


def _count(entry: TaskDebrief, items: Iterable[Mapping[str, Any]]) -> None:
    keyed = {item.item_id: item for item in entry.items}
    extra = {item.item_id: item for item in entry.extra}
    for raw in items:
        in_key = raw["max_points"] > 0
        table = keyed if in_key else extra
        item = table.get(raw["item_id"])
        if item is None:
            item = ItemDebrief(raw["item_id"], raw["label"], raw["expected"], raw["rationale"])
            table[raw["item_id"]] = item
            (entry.items if in_key else entry.extra).append(item)
        item.attempts += 1
        given = raw.get("given")
        if given not in (None, ""):
            item.answered += 1
            key = json.dumps(given, sort_keys=True, ensure_ascii=False)
            item.answers[key] += 1
            item.values.setdefault(key, given)
        if in_key and raw["points"] >= raw["max_points"]:
            item.right += 1


def _order(entry: TaskDebrief) -> None:
    # What the trainer should talk about first: the links most missed, the ACH cells the
    # cohort was most divided on; other tasks keep the key's order (reports, events, decisions).
    if entry.task_type == "link_chart":
        entry.items.sort(key=lambda item: -item.missed)
    elif entry.task_type == "hypotheses":
        entry.items.sort(key=lambda item: (item.item_id == "conclusion", -item.split))
    entry.extra.sort(key=lambda item: -item.attempts)


def _grade_rows(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A report's axes as one answer: "B2" (or "B2 H1" with a handling code), right only when all are."""
    reports: dict[str, dict[str, Mapping[str, Any]]] = {}
    for item in items:
        report, _, axis = item["item_id"].rpartition(".")
        reports.setdefault(report, {})[axis] = item
    rows = []
    for report, axes in reports.items():
        ordered = [axes[axis] for axis in GRADE_AXES if axis in axes]
        given = [item.get("given") or "" for item in ordered]
        rows.append({
            "item_id": report, "label": report,
            "given": _joined(given) if any(given) else None,
            "expected": _joined([item.get("expected") or "" for item in ordered]),
            "points": float(all(item["points"] >= item["max_points"] for item in ordered)), "max_points": 1.0,
            "rationale": ordered[0].get("rationale") if ordered else "",
        })
    return rows


def _joined(codes: list[str]) -> str:
    """Source and information codes side by side as officers write them (B2), handling after."""
    first = "".join(code or "?" for code in codes[:2])
    return f"{first} {codes[2] or '?'}" if len(codes) > 2 else first
