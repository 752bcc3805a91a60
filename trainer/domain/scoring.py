"""Attempt scoring and the task types, under the names code and tests have always imported.

The task types live one module each in trainer/domain/tasks/ (content, key, validation,
scoring, feedback), registered by type string in `trainer.domain.tasks.TASK_TYPES`; scoring a
whole attempt is `trainer.domain.tasks.attempt`. This module re-exports their public names.
"""

from trainer.domain.tasks import TASK_TYPE_LABELS, TASK_TYPES
from trainer.domain.tasks.attempt import AttemptResult, answer_key_marks, score_attempt
from trainer.domain.tasks.base import (
    CURRENT_RULES, RULE_VERSIONS, ItemFeedback, TaskResult, TaskType,
)
from trainer.domain.tasks.decision import (
    DecisionContent, DecisionKey, DecisionKeyItem, DecisionPoint, DecisionTask, Option,
    choice_credit, choice_credit_v2,
)
from trainer.domain.tasks.grade import GradeContent, GradeKey, GradeKeyItem, GradeTask
from trainer.domain.tasks.hypotheses import (
    ACH_HEDGE_CREDIT, ACH_INCONSISTENT_WEIGHT, ACH_MATRIX_SHARE, ACH_OWN_MATRIX_CREDIT, RATING_LABELS,
    RATINGS, AchRow, Evidence, HypothesesContent, HypothesesKey, HypothesesTask, Hypothesis,
    cell_credit, cell_credit_v2, inconsistencies, normalise_rating,
)
from trainer.domain.tasks.link_chart import (
    DIRECTED_LINK_TYPES, LINK_STRENGTH_LABELS, LINK_STRENGTHS, LINK_TARGET_TYPES, LINK_TYPE_LABELS,
    LINK_TYPES, REVERSED_LINK_CREDIT, KeyLink, LinkChartTask, LinkContent, LinkKey, f1,
)
from trainer.domain.tasks.report import Criterion, ReportContent, ReportTask, is_empty_report
from trainer.domain.tasks.timeline import (
    Event, TimelineContent, TimelineKey, TimelineKeyItem, TimelineTask,
)

__all__ = [
    "ACH_HEDGE_CREDIT", "ACH_INCONSISTENT_WEIGHT", "ACH_MATRIX_SHARE", "ACH_OWN_MATRIX_CREDIT",
    "CURRENT_RULES", "DIRECTED_LINK_TYPES", "LINK_STRENGTHS", "LINK_STRENGTH_LABELS",
    "LINK_TARGET_TYPES", "LINK_TYPES", "LINK_TYPE_LABELS", "RATINGS", "RATING_LABELS",
    "REVERSED_LINK_CREDIT", "RULE_VERSIONS", "TASK_TYPES", "TASK_TYPE_LABELS", "AchRow",
    "AttemptResult", "Criterion", "DecisionContent", "DecisionKey", "DecisionKeyItem",
    "DecisionPoint", "DecisionTask", "Event", "Evidence", "GradeContent", "GradeKey",
    "GradeKeyItem", "GradeTask", "HypothesesContent", "HypothesesKey", "HypothesesTask",
    "Hypothesis", "ItemFeedback", "KeyLink", "LinkChartTask", "LinkContent", "LinkKey", "Option",
    "ReportContent", "ReportTask", "TaskResult", "TaskType", "TimelineContent", "TimelineKey",
    "TimelineKeyItem", "TimelineTask", "answer_key_marks", "cell_credit", "cell_credit_v2", "choice_credit",
    "choice_credit_v2", "f1", "inconsistencies", "is_empty_report", "normalise_rating",
    "score_attempt",
]
