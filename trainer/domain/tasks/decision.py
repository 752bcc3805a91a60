"""`decision`: legal and human-rights decision points, single or multiple choice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainer.domain.messages import N_, msg
from trainer.domain.tasks.base import (
    CURRENT_RULES, ItemFeedback, TaskResult, TaskType, mean, response_field,
)


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    explanation: str
    safeguard: frozenset[str] = frozenset()
    violates_safeguard: bool = False  # choosing it breaches a safeguard: the decision scores 0 (v2)


@dataclass(frozen=True)
class DecisionPoint:
    id: str
    question: str
    options: tuple[Option, ...]
    multiple: bool = False
    safeguard: frozenset[str] = frozenset()

    @property
    def is_safeguard(self) -> bool:
        """Tagged itself or through one of its options."""
        return bool(self.safeguard) or any(o.safeguard for o in self.options)


@dataclass(frozen=True)
class DecisionContent:
    decisions: tuple[DecisionPoint, ...]


@dataclass(frozen=True)
class DecisionKeyItem:
    decision_id: str
    correct: frozenset[str]
    rationale: str


@dataclass(frozen=True)
class DecisionKey:
    items: tuple[DecisionKeyItem, ...]


class DecisionTask(TaskType):
    """Decision points, single (exact) or multiple choice; mean over points.

    Multiple choice: v1 Jaccard; v2 (right − wrong picks) ÷ keyed, floored at 0, and 0 when a
    chosen option violates a safeguard.

    Response: {"choices": {"D1": "a", "D2": ["b", "c"]}}
    """

    type = "decision"
    label = N_("Decisions")
    required = ("decisions",)

    def parse(self, data, path, ctx):
        points, keys = [], []
        for at, raw in ctx.items(data, "decisions", path, minimum=1):
            item = ctx.mapping(raw, at, ("id", "question", "options", "rationale"),
                               ("multiple", "safeguard"))
            if item is None:
                continue
            multiple = ctx.boolean(item, "multiple", at)
            options, correct = self._options(ctx, item, at, multiple,
                                             tagged=bool(item.get("safeguard") or data.get("safeguard")))
            point = DecisionPoint(ctx.ident(item, "id", at), ctx.text(item, "question", at),
                                  options, multiple, ctx.safeguard(item, at))
            points.append((at, point))
            keys.append(DecisionKeyItem(point.id, correct, ctx.text(item, "rationale", at)))
        ctx.unique(((at + ("id",), p.id) for at, p in points), N_("decision"))
        return DecisionContent(tuple(p for _, p in points)), DecisionKey(tuple(keys))

    @staticmethod
    def _options(ctx, item, path, multiple, tagged) -> tuple[tuple[Option, ...], frozenset[str]]:
        options, correct, ids = [], set(), []
        for at, raw in ctx.items(item, "options", path, minimum=2):
            opt = ctx.mapping(raw, at, ("id", "text", "explanation"),
                              ("correct", "safeguard", "violates_safeguard"))
            if opt is None:
                continue
            violates = ctx.boolean(opt, "violates_safeguard", at)
            option = Option(ctx.ident(opt, "id", at), ctx.text(opt, "text", at),
                            ctx.text(opt, "explanation", at), ctx.safeguard(opt, at), violates)
            ids.append((at + ("id",), option.id))
            options.append(option)
            is_correct = ctx.boolean(opt, "correct", at)
            if is_correct:
                correct.add(option.id)
            if violates and is_correct:
                ctx.error(at + ("violates_safeguard",),
                          msg(N_("an option that violates a safeguard cannot be correct")))
            elif violates and not (tagged or option.safeguard):
                ctx.error(at + ("violates_safeguard",),
                          msg(N_("say which safeguard it violates: tag the option, its decision point "
                                 "or the task with safeguard: legal or human_rights")))
        ctx.unique(ids, N_("option"))
        if "options" in item and not multiple and len(correct) != 1:
            ctx.error(path + ("options",), msg(N_("a single-choice decision needs exactly one correct "
                                                  "option, has %(n)d (set multiple: true for several)"),
                                               n=len(correct)))
        if "options" in item and multiple and not correct:
            ctx.error(path + ("options",), msg(N_("mark at least one option correct: true")))
        return tuple(options), frozenset(correct)

    def safeguard_share(self, task):
        points = task.content.decisions
        if task.safeguard or not points:
            return 1.0 if task.safeguard else 0.0
        return sum(p.is_safeguard for p in points) / len(points)

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        choices = response_field(response, "choices", dict)
        keyed = {k.decision_id: k for k in key.items}
        items = []
        for point in task.content.decisions:
            k = keyed.get(point.id) or DecisionKeyItem(point.id, frozenset(), "")
            chosen = _chosen(choices.get(point.id), {o.id for o in point.options})
            note = ""
            if rules >= 2:
                breaches = {o.id for o in point.options if o.violates_safeguard} & chosen
                points = choice_credit_v2(chosen, k.correct, point.multiple, breaches)
                if breaches:
                    note = msg(N_("You chose an option that violates a safeguard (%(options)s): "
                                  "this decision scores 0."), options=", ".join(sorted(breaches)))
            else:
                points = choice_credit(chosen, k.correct, point.multiple)
            items.append(ItemFeedback(
                point.id, point.question, ", ".join(sorted(chosen)) or None,
                ", ".join(sorted(k.correct)), points, 1.0, _decision_rationale(point, k),
                bool(task.safeguard) or point.is_safeguard, note))
        score = mean([i.points for i in items])
        tagged = [i.points for i in items if i.safeguard]
        untagged = [i.points for i in items if not i.safeguard]
        return TaskResult(task.id, task.type, score, tuple(items), False,
                          len(tagged) / len(items) if items else 0.0,
                          mean(tagged) if tagged else None,
                          mean(untagged) if untagged else None)


def choice_credit(chosen: set[str], correct: frozenset[str], multiple: bool) -> float:
    """Single: 1 for exactly the keyed option; multiple: Jaccard of chosen and keyed."""
    if not chosen:
        return 0.0
    if not multiple:
        return 1.0 if chosen == correct else 0.0
    return len(chosen & correct) / len(chosen | correct)


def choice_credit_v2(chosen: set[str], correct: frozenset[str], multiple: bool,
                     breaches: set[str] | frozenset[str] = frozenset()) -> float:
    """Single: 1 for exactly the keyed option; multiple: (right − wrong picks) ÷ keyed options,
    floored at 0. Choosing an option that violates a safeguard scores 0 either way."""
    if not chosen or breaches & chosen:
        return 0.0
    if not multiple:
        return 1.0 if chosen == correct else 0.0
    if not correct:
        return 0.0
    return max(0.0, (len(chosen & correct) - len(chosen - correct)) / len(correct))


def _chosen(value: Any, option_ids: set[str]) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {v for v in values if isinstance(v, str) and v in option_ids}


def _decision_rationale(point: DecisionPoint, key: DecisionKeyItem) -> str:
    lines = [key.rationale, ""] + [f"- **{o.id}**: {o.explanation}" for o in point.options]
    return "\n".join(lines)
