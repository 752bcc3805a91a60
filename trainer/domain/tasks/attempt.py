"""Scoring a whole attempt: every task with one rule version, weighted, case and safeguards
apart, and the status (passed, failed, awaiting review)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from trainer.domain.scenario.model import Scenario
from trainer.domain.tasks import TASK_TYPES
from trainer.domain.tasks.base import CURRENT_RULES, RULE_VERSIONS, ItemFeedback, TaskResult


@dataclass(frozen=True)
class AttemptResult:
    """A scored attempt: total, status and the case / safeguards split, all in percent."""

    total_percent: float
    passed: bool
    status: str  # "passed" | "failed" | "awaiting_review"
    tasks: tuple[TaskResult, ...]
    safeguards_percent: float | None
    case_percent: float | None
    pass_mark: float
    min_safeguards: float | None = None
    rule_version: int = 1
    unseen_reports: tuple[str, ...] = ()  # not released to the trainee, so not scored (version 2)

    def task(self, task_id: str) -> TaskResult | None:
        """The result of one task, or None."""
        return next((t for t in self.tasks if t.task_id == task_id), None)



def score_attempt(scenario: Scenario, responses: Any,
                  report_scores: dict[str, Any] | None = None, *, rules: int = CURRENT_RULES,
                  unseen: Iterable[str] = ()) -> AttemptResult:
    """Score every task with a rule version, weight them, split case and safeguards, and
    decide the status.

    unseen: reports the trainee never saw (injects not released in a live exercise); version 2
    leaves them out, version 1 scores everything.
    """
    if rules not in RULE_VERSIONS:
        raise ValueError(f"unknown scoring rule version {rules!r} (known: {RULE_VERSIONS})")
    responses = responses if isinstance(responses, dict) else {}
    reviews = report_scores if isinstance(report_scores, dict) else {}
    known = {r.id for r in scenario.reports}
    hidden = frozenset(r for r in unseen if isinstance(r, str) and r in known) if rules >= 2 else frozenset()
    render = _memo(scenario.render)
    results = tuple(
        _rendered(TASK_TYPES[t.type].score(t, t.key, responses.get(t.id), reviews.get(t.id),
                                           rules=rules, unseen=hidden), render)
        for t in scenario.tasks)
    weights = [t.weight for t in scenario.tasks]
    total = _percent(sum(w * r.score for w, r in zip(weights, results)), sum(weights)) or 0.0
    safeguards = _percent(*_part(weights, results, safeguard=True))
    case = _percent(*_part(weights, results, safeguard=False))
    status = _status(scenario, results, total, safeguards)
    return AttemptResult(total, status == "passed", status, results, safeguards, case,
                         scenario.pass_mark, scenario.min_safeguards, rules, tuple(sorted(hidden)))


def compare_answers(scenario: Scenario, responses: Any, *, rules: int = CURRENT_RULES) -> dict[str, Any]:
    """Each task's answer beside its key as a picture (task id -> comparison), for the task
    types that draw one (a link chart, a timeline); matched as the scoring matched them."""
    responses = responses if isinstance(responses, dict) else {}
    pictures = {}
    for t in scenario.tasks:
        picture = TASK_TYPES[t.type].compare(t, t.key, responses.get(t.id), scenario, rules=rules)
        if picture is not None:
            pictures[t.id] = picture
    return pictures


def _part(weights: list[float], results: tuple[TaskResult, ...],
          safeguard: bool) -> tuple[float, float]:
    points = weight = 0.0
    for w, r in zip(weights, results):
        share = r.safeguard_share if safeguard else 1 - r.safeguard_share
        part_score = r.safeguard_score if safeguard else r.case_score
        if share and part_score is not None:
            weight += w * share
            points += w * share * part_score
    return points, weight


def _percent(points: float, weight: float) -> float | None:
    # Rounded once here so that what the trainee sees is what the pass mark is compared to.
    return round(100 * points / weight, 2) if weight else None


def _status(scenario: Scenario, results: tuple[TaskResult, ...], total: float | None,
            safeguards: float | None) -> str:
    if any(r.pending for r in results):
        return "awaiting_review"
    if (total or 0) < scenario.pass_mark:
        return "failed"
    if scenario.min_safeguards is not None and (safeguards or 0) < scenario.min_safeguards:
        return "failed"
    return "passed"


def _rendered(result: TaskResult, render: Callable[[str], str]) -> TaskResult:
    """Feedback text with entity mentions replaced by the variant's names."""
    items = []
    for i in result.items:
        label, rationale = render(i.label), render(i.rationale)
        if label == i.label and rationale == i.rationale:
            items.append(i)
        else:  # the constructor, not dataclasses.replace: this runs for every item
            items.append(ItemFeedback(i.item_id, label, i.given, i.expected, i.points,
                                      i.max_points, rationale, i.safeguard, i.note))
    return replace(result, items=tuple(items))


def _memo(fn: Callable[[str], str]) -> Callable[[str], str]:
    # A rationale is shared by several items (a report's three grades): render it once.
    cache: dict[str, str] = {}

    def cached(text: str) -> str:
        if text not in cache:
            cache[text] = fn(text)
        return cache[text]

    return cached


def answer_key_marks(stored: Any) -> list[dict[str, Any]]:
    """The answer-key items of a stored result (as services.scenarios.result_as_dict writes it),
    one row each, as item analysis reads them: the task's position in the version and its id,
    the item's id, its label (a platform message as its JSON, else the authored text), its
    points (within 0 and the maximum, as item statistics count them) and its maximum.

    Left out: items worth nothing (a link the officer added that is not in the key) and the
    written report's rubric, which is a trainer's marks rather than a right or wrong answer.
    """
    tasks = stored.get("tasks") if isinstance(stored, dict) else None
    rows = []
    for position, task in enumerate(tasks if isinstance(tasks, list) else []):
        if not isinstance(task, dict) or task.get("type") == "report" or not isinstance(task.get("items"), list):
            continue
        for item in task["items"]:
            try:
                points, max_points = float(item["points"]), float(item["max_points"])
            except (KeyError, TypeError, ValueError):
                continue
            if max_points <= 0:
                continue
            label = item.get("label")
            rows.append({"position": position, "task_id": str(task.get("task_id", "")),
                         "item_id": str(item.get("item_id", "")),
                         "label": json.dumps(label, ensure_ascii=False) if isinstance(label, dict) else label,
                         "points": max(0.0, min(points, max_points)), "max_points": max_points})
    return rows
