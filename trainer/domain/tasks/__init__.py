"""Scenario task types, one module each, registered by the type string stored in content.

Each module holds its type's content and key dataclasses, the validation of its YAML section
(`parse`), its scoring under every rule version and its feedback. Adding a type is one module
and one line in TASK_TYPES below; docs/scenario-format.md documents each.
"""

from __future__ import annotations

from trainer.domain.tasks.base import TaskType
from trainer.domain.tasks.decision import DecisionTask
from trainer.domain.tasks.grade import GradeTask
from trainer.domain.tasks.hypotheses import HypothesesTask
from trainer.domain.tasks.link_chart import LinkChartTask
from trainer.domain.tasks.query import QueryTask
from trainer.domain.tasks.report import ReportTask
from trainer.domain.tasks.timeline import TimelineTask

TASK_TYPES: dict[str, TaskType] = {
    t.type: t for t in (
        GradeTask(),
        LinkChartTask(),
        TimelineTask(),
        HypothesesTask(),
        DecisionTask(),
        ReportTask(),
        QueryTask(),
    )
}
# What people read for each type (translated at the edge; trainer/choices.py).
TASK_TYPE_LABELS: dict[str, str] = {code: kind.label for code, kind in TASK_TYPES.items()}
