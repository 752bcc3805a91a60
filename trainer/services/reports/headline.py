"""The overview: headline figures, the people breakdowns and the monthly trend."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, select, union_all

from ...extensions import db
from ...models import ScenarioAttempt, ScenarioVersion
from .attendance_rates import attendance_totals
from .breakdowns import Disaggregation, disaggregation
from .common import (People, _count_by, certificates_in_period, completions_in_period, false_, in_period, month_of,
                     scenario_ids, scenario_targets)
from .filters import ReportFilters
from .gain import gain_total
from .side_by_side import side_by_side


@dataclass(frozen=True)
class Overview:
    """The headline figures and what the overview page draws."""

    officers_trained: int
    courses_completed: int
    certificates_issued: int
    attendance: dict
    gain: dict
    scenarios: dict
    people: Disaggregation
    trend: list[dict]


def overview(filters: ReportFilters) -> Overview:
    """Headline figures, breakdowns and the monthly trend for the period (the four parts computed
    side by side where the database allows, from one snapshot)."""
    parts = side_by_side({"people": lambda: disaggregation(filters), "attendance": lambda: attendance_totals(filters),
                          "gain": lambda: gain_total(filters), "trend": lambda: trend(filters)})
    people = parts["people"]
    total = people.total
    return Overview(
        officers_trained=total["trained"],
        courses_completed=total["completions"],
        certificates_issued=total["certificates"],
        attendance=parts["attendance"],
        gain=parts["gain"],
        scenarios={"officers": total["scenario_takers"], "passed": total["scenario_passers"],
                   "pass_percent": total["pass_percent"]},
        people=people,
        trend=parts["trend"],
    )


def trend(filters: ReportFilters) -> list[dict]:
    """Per month: course completions, certificates issued, first scenario passes (zeros filled)."""
    people = People(filters)
    targets = scenario_targets()
    first_pass = (select(ScenarioAttempt.user_id, func.min(ScenarioAttempt.submitted_at).label("moment"))
                  .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id)
                  .join(targets, targets.c.item_id == ScenarioVersion.scenario_id)
                  .where(ScenarioAttempt.status == "passed", in_period(ScenarioAttempt.submitted_at, filters))
                  .group_by(ScenarioAttempt.user_id, targets.c.target_id))
    if scenario_ids(filters) is not None:
        first_pass = first_pass.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
    if not filters.counts_scenarios:
        first_pass = first_pass.where(false_())
    first_pass = first_pass.subquery("first_pass")
    completed, issued = completions_in_period(filters), certificates_in_period(filters)
    sources = (("completions", completed), ("certificates", issued), ("scenario_passes", first_pass))
    # One statement: each source's months, then counted per series and month.
    inner = union_all(*[people.join(select(literal(name).label("series"), month_of(source.c.moment).label("month"))
                                    .select_from(source), source.c.user_id) for name, source in sources]).subquery()
    series = {name: {} for name, _source in sources}
    for name, month, count in db.session.execute(_count_by(inner, "series", "month")):
        series[name][month] = count
    months = month_range(filters, [m for values in series.values() for m in values])
    return [{"month": m, **{name: values.get(m, 0) for name, values in series.items()}} for m in months]


def month_range(filters: ReportFilters, seen: list[str]) -> list[str]:
    """Every month from the period's start (or the first month seen) to its end (or the last)."""
    first = filters.start.strftime("%Y-%m") if filters.start else min(seen, default=None)
    last = filters.end.strftime("%Y-%m") if filters.end else max(seen, default=None)
    if first is None or last is None:
        return []
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last and len(months) < 240:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
