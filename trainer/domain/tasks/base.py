"""What every task type shares: the result values, the base class and the rule versions.

Responses come from the browser, so scorers accept anything: a missing or malformed answer
scores 0 and never raises. The rules are versioned (RULE_VERSIONS): an attempt is scored with
the version it was first scored with, so a recorded score never changes unless a trainer
re-scores it on purpose. Version 1 is kept exactly; docs/scenario-format.md says what version
2 changed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from trainer.domain.scenario.loader import Path
from trainer.domain.scenario.model import Task
from trainer.domain.scenario.validation import Ctx

RULE_VERSIONS: tuple[int, ...] = (1, 2)
CURRENT_RULES = 2


# -- results ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemFeedback:
    """One scored item: what the trainee said, the key, the points and the rationale."""

    item_id: str
    label: str  # a Message where the platform words it, else authored text
    given: str | None  # Messages for labelled codes (link types, ratings)
    expected: str | None
    points: float
    max_points: float
    rationale: str = ""
    safeguard: bool = False
    note: Any = ""  # a Message on how a rule applied here (version 2), shown above the rationale


@dataclass(frozen=True)
class TaskResult:
    """A task's score (0..1) with its items and how much of it counts as safeguards."""

    task_id: str
    type: str
    score: float
    items: tuple[ItemFeedback, ...]
    pending: bool = False
    safeguard_share: float = 0.0  # fraction of the task's weight that is safeguards
    safeguard_score: float | None = None
    case_score: float | None = None


# -- task types -------------------------------------------------------------------------

class TaskType:
    """Base of a task type: parse its YAML section, score a response."""

    type: ClassVar[str] = ""
    label: ClassVar[str] = ""  # what people read (N_ text, translated at the edge)
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    auto_scored: ClassVar[bool] = True

    def parse(self, data: dict[str, Any], path: Path, ctx: Ctx) -> tuple[Any, Any]:
        """Validate the task's own fields into (content, key); problems go to ctx."""
        raise NotImplementedError

    def score(self, task: Task, key: Any, response: Any, review: Any = None, *,
              rules: int = CURRENT_RULES, unseen: frozenset[str] = frozenset()) -> TaskResult:
        """Score a response against the key with a rule version.

        review is the trainer's input, if any; unseen, the reports the trainee never saw.
        """
        raise NotImplementedError

    def compare(self, task: Task, key: Any, response: Any, scenario: Any, *,
                rules: int = CURRENT_RULES) -> Any:
        """The trainee's answer beside the key as a picture for the result page (a chart, an
        order), worked out with the scoring's own matching; None for types shown as a table only."""
        return None

    def for_variant(self, task: Task, scenario: Any) -> Task:
        """The task in a generated variant (scenario): a key computed from its data, say."""
        return task

    def safeguard_share(self, task: Task) -> float:
        """Fraction of the task's weight that counts as safeguards."""
        return 1.0 if task.safeguard else 0.0

    def _result(self, task: Task, score: float, items: list[ItemFeedback],
                pending: bool = False) -> TaskResult:
        share = self.safeguard_share(task)
        tag = bool(share)
        return TaskResult(task.id, task.type, score,
                          tuple(replace(i, safeguard=tag) for i in items) if tag else tuple(items),
                          pending, share, score if tag else None, None if tag else score)


# -- helpers ----------------------------------------------------------------------------

def response_field(response: Any, name: str, kind: type) -> Any:
    """response[name] if response is a dict and the value has the expected type, else empty."""
    value = response.get(name) if isinstance(response, dict) else None
    return value if isinstance(value, kind) else kind()


def mean(values: list[float]) -> float:
    """The mean, 0 for no values."""
    return sum(values) / len(values) if values else 0.0
