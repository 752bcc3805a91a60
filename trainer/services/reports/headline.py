"""The overview: headline figures, the people breakdowns and the monthly trend."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, null, or_, select, union_all

from ...extensions import db
from ...models import ScenarioAttempt, ScenarioVersion
from .attendance_rates import attendance_totals
from .breakdowns import Disaggregation, disaggregation
from .common import (People, _count_by, counted, course_firsts, false_, in_period, month_of, scenario_ids,
                     scenario_targets)
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
    # Four parts of much the same size, without PostgreSQL's parallel workers (side_by_side.py).
    parts = side_by_side({"people": lambda: disaggregation(filters), "attendance": lambda: attendance_totals(filters),
                          "gain": lambda: gain_total(filters), "trend": lambda: trend(filters)}, parallel_query=False)
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


TREND_SERIES = ("completions", "certificates", "scenario_passes")


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
    firsts = course_firsts(filters).subquery("course_firsts")
    completed, issued = counted(firsts.c.completed, filters), counted(firsts.c.issued, filters)
    # One statement, each table read once: an officer's completion and certificate of a course
    # come as one row, with the month of each that counts; the rows are then counted per pair
    # of months (a few hundred groups), which Python adds up per series.
    courses = people.join(select(month_of(case((completed, firsts.c.completed))).label("completions"),
                                 month_of(case((issued, firsts.c.issued))).label("certificates"),
                                 null().label("scenario_passes"))
                          .select_from(firsts).where(or_(completed, issued)), firsts.c.user_id)
    passes = people.join(select(null(), null(), month_of(first_pass.c.moment)).select_from(first_pass),
                         first_pass.c.user_id)
    inner = union_all(courses, passes).subquery()
    series: dict[str, dict[str, int]] = {name: {} for name in TREND_SERIES}
    for row in db.session.execute(_count_by(inner, *TREND_SERIES)):
        for name, month in zip(TREND_SERIES, row):  # the row's months, then its count
            if month is not None:
                series[name][month] = series[name].get(month, 0) + row.n
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
