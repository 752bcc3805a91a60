"""`grade`: evaluate each report's source and information and choose a handling code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainer.domain.grading import GradingScheme, Scale
from trainer.domain.messages import N_, msg
from trainer.domain.scenario.loader import Path
from trainer.domain.scenario.validation import Ctx
from trainer.domain.tasks.base import CURRENT_RULES, ItemFeedback, TaskType, mean, response_field


@dataclass(frozen=True)
class GradeContent:
    report_ids: tuple[str, ...]
    scheme: GradingScheme


@dataclass(frozen=True)
class GradeKeyItem:
    report_id: str
    source: str
    information: str
    handling: str
    rationale: str


@dataclass(frozen=True)
class GradeKey:
    items: tuple[GradeKeyItem, ...]


class GradeTask(TaskType):
    """Grade each report's source and information and choose a handling code.

    Response: {"grades": {"R1": {"source": "B", "information": "2", "handling": "H0"}}}
    """

    type = "grade"
    label = N_("Source evaluation")
    required = ("key",)
    optional = ("reports",)
    AXES = (("source", N_("%(report)s: source reliability")), ("information", N_("%(report)s: information")),
            ("handling", N_("%(report)s: handling code")))

    def parse(self, data, path, ctx):
        scheme = ctx.scheme
        report_ids = ctx.ref_list(data, "reports", path, ctx.report_ids, N_("report")) or ctx.report_ids
        if scheme is not None and not scheme.handling.codes:
            ctx.error(path, msg(N_("the %(scheme)s scheme has no handling codes: declare "
                                   "handling_codes at the top of the scenario"), scheme=scheme.id))
        raw_key = (ctx.mapping(data["key"], path + ("key",), free=True) if "key" in data else None) or {}
        items = {}
        for report_id, raw in raw_key.items():
            at = path + ("key", report_id)
            if report_id not in report_ids:
                ctx.error(at, msg(N_("report '%(report)s' is not in this task's reports")
                                  if report_id in ctx.report_ids else
                                  N_("report '%(report)s' is not in the scenario"), report=report_id))
            item = ctx.mapping(raw, at, ("source", "information", "handling", "rationale"))
            if item is not None and scheme is not None:
                items[report_id] = GradeKeyItem(
                    report_id,
                    _code(ctx, item, "source", at, scheme.source, scheme.id),
                    _code(ctx, item, "information", at, scheme.information, scheme.id),
                    _code(ctx, item, "handling", at, scheme.handling, scheme.id),
                    ctx.text(item, "rationale", at))
        for report_id in report_ids if "key" in data else ():
            if report_id not in raw_key:
                ctx.error(path + ("key",), msg(N_("no key for report '%(report)s'"), report=report_id))
        key = GradeKey(tuple(items[r] for r in report_ids if r in items))
        return GradeContent(tuple(report_ids), scheme), key

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        scheme: GradingScheme = task.content.scheme
        grades = response_field(response, "grades", dict)
        items = []
        for k in key.items:
            if rules >= 2 and k.report_id in unseen:
                continue  # v2: a report the trainee never saw costs nothing
            given = grades.get(k.report_id)
            given = given if isinstance(given, dict) else {}
            for axis, name in self.AXES:
                scale: Scale = getattr(scheme, axis)
                code = _normalise_code(given.get(axis), scale)
                expected = getattr(k, axis)
                if code is None:
                    points = 0.0
                elif axis == "handling":
                    points = 1.0 if code == expected else 0.0
                else:
                    points = scale.credit(code, expected)
                items.append(ItemFeedback(f"{k.report_id}.{axis}", msg(name, report=k.report_id),
                                          code, expected, points, 1.0, k.rationale))
        score = mean([i.points for i in items])
        return self._result(task, score, items)


def _code(ctx: Ctx, data: dict[str, Any], field: str, path: Path, scale: Scale,
          scheme_id: str) -> str:
    value = data.get(field)
    if value is None:
        return ""
    code = str(value).strip()
    if code not in scale:
        ctx.error(path + (field,), msg(N_("'%(code)s' is not a %(scale)s code of %(scheme)s "
                                          "(expected one of: %(allowed)s)"),
                                       code=code, scale=scale.name, scheme=scheme_id,
                                       allowed=", ".join(scale.values) or "—"))
    return code


def _normalise_code(value: Any, scale: Scale) -> str | None:
    """A trainee's code matched to the scale ignoring case and spaces; None if not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    if isinstance(value, int) and not -10**6 < value < 10**6:
        return None  # no code is that long, and str() of a huge integer may refuse
    return scale.by_upper.get(str(value).strip().upper())
