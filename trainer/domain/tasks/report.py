"""`report`: a free-text intelligence report, scored by a trainer against a rubric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainer.domain.messages import N_, msg
from trainer.domain.tasks.base import CURRENT_RULES, ItemFeedback, TaskType


@dataclass(frozen=True)
class Criterion:
    id: str
    criterion: str
    max_points: int
    guidance: str = ""


@dataclass(frozen=True)
class ReportContent:
    prompt: str
    rubric: tuple[Criterion, ...]


class ReportTask(TaskType):
    """Free-text intelligence report scored by a trainer against a rubric (v2: empty scores 0).

    Response: {"text": "..."}; review: {"C1": 3, "C2": {"points": 1, "comment": "..."}}
    """

    type = "report"
    label = N_("Intelligence report")
    required = ("prompt", "rubric")
    auto_scored = False

    def parse(self, data, path, ctx):
        rubric = []
        for at, raw in ctx.items(data, "rubric", path, minimum=1):
            item = ctx.mapping(raw, at, ("id", "criterion", "max_points"), ("guidance",))
            if item is not None:
                rubric.append((at, Criterion(
                    ctx.ident(item, "id", at), ctx.text(item, "criterion", at),
                    int(ctx.number(item, "max_points", at, integer=True, above=0) or 0),
                    ctx.text(item, "guidance", at, required=False))))
        ctx.unique(((at + ("id",), c.id) for at, c in rubric), N_("criterion"))
        return ReportContent(ctx.text(data, "prompt", path), tuple(c for _, c in rubric)), None

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        if rules >= 2 and is_empty_report(response):
            # Nothing for a trainer to read: scored 0 now instead of waiting in the review queue.
            note = msg(N_("The report is empty: it scores 0 without a trainer's review."))
            items = [ItemFeedback(c.id, c.criterion, None, f"{c.max_points}", 0.0, float(c.max_points),
                                  c.guidance, note=note if not i else "")
                     for i, c in enumerate(task.content.rubric)]
            return self._result(task, 0.0, items)
        review = review if isinstance(review, dict) else {}
        items, pending = [], False
        for c in task.content.rubric:
            points, comment = _review_points(review.get(c.id))
            if points is None:
                pending = True
            given = None if points is None else f"{min(max(points, 0), c.max_points):g}"
            items.append(ItemFeedback(c.id, c.criterion, given, f"{c.max_points}",
                                      min(max(points or 0.0, 0.0), c.max_points),
                                      float(c.max_points), comment or c.guidance))
        total = sum(i.max_points for i in items)
        score = sum(i.points for i in items) / total if total and not pending else 0.0
        return self._result(task, score, items, pending)


def is_empty_report(response: Any) -> bool:
    """No text, or only white space (a response without a text counts as empty)."""
    text = response.get("text") if isinstance(response, dict) else None
    return not isinstance(text, str) or not text.strip()


def _review_points(value: Any) -> tuple[float | None, str]:
    comment = ""
    if isinstance(value, dict):
        comment = value.get("comment") if isinstance(value.get("comment"), str) else ""
        value = value.get("points")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None, comment
    try:
        return float(value), comment
    except OverflowError:  # an integer beyond any float: clamped to the maximum later
        return (float("inf") if value > 0 else float("-inf")), comment
