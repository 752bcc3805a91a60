"""People figures by country, agency and gender (the disaggregation report, and the overview's
breakdowns): one grouped query, rolled up so that every breakdown adds up to its total."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select

from ...domain import reports as rules
from ...extensions import db
from .common import GENDER_ORDER, People, counted, course_firsts, scenario_outcomes, trained
from .filters import ReportFilters


PEOPLE_MEASURES = ("officers", "trained", "completers", "completions", "certified", "certificates",
                   "scenario_takers", "scenario_passers")


def people_groups(filters: ReportFilters) -> list[dict]:
    """One row per (country, agency, gender) group with every people measure.

    One grouped query: the officers, each joined (by user id) to what they did in the period,
    counted per officer first; the group rows (a few dozen) then roll up, so every breakdown
    adds up to its total.
    """
    people = People(filters)
    keys = people.group_columns()
    officer_id = people.user.id
    firsts = course_firsts(filters).subquery("course_firsts")
    courses = (select(firsts.c.user_id,
                      func.count(case((counted(firsts.c.completed, filters), 1))).label("completions"),
                      func.count(case((counted(firsts.c.issued, filters), 1))).label("certificates"))
               .group_by(firsts.c.user_id).subquery("officer_courses"))
    outcome = scenario_outcomes(filters)
    outcomes = (select(outcome.c.user_id, func.max(outcome.c.passed).label("passed"))
                .group_by(outcome.c.user_id).subquery("officer_outcomes"))

    def officers_with(measure):
        return func.count(case((measure > 0, 1)))

    query = (people.select(*keys, func.count().label("officers"),
                           func.count(case((trained(filters, officer_id), 1))).label("trained"),
                           officers_with(courses.c.completions).label("completers"),
                           func.coalesce(func.sum(courses.c.completions), 0).label("completions"),
                           officers_with(courses.c.certificates).label("certified"),
                           func.coalesce(func.sum(courses.c.certificates), 0).label("certificates"),
                           func.count(outcomes.c.user_id).label("scenario_takers"),
                           func.coalesce(func.sum(outcomes.c.passed), 0).label("scenario_passers"))
             .outerjoin(courses, courses.c.user_id == officer_id)
             .outerjoin(outcomes, outcomes.c.user_id == officer_id)
             .group_by(*keys))
    return [{name: (int(value) if name in PEOPLE_MEASURES else value) for name, value in row._mapping.items()}
            for row in db.session.execute(query)]


def rollup(groups: list[dict], keys: Sequence[str], order=None) -> list[dict]:
    """Sum the measures of group rows by some of their keys, with shares of the total trained."""
    totals: dict[tuple, dict] = {}
    for group in groups:
        key = tuple(group[k] for k in keys)
        row = totals.setdefault(key, {**{k: group[k] for k in keys}, **dict.fromkeys(PEOPLE_MEASURES, 0)})
        for measure in PEOPLE_MEASURES:
            row[measure] += group[measure]
    trained_total = sum(group["trained"] for group in groups)
    rows = sorted(totals.values(), key=order or (lambda row: tuple(str(row[k] or "~") for k in keys)))
    for row in rows:
        _shares(row, trained_total)
    return rows


def _shares(row: dict, trained_total: int) -> dict:
    row["trained_percent"] = rules.percent(row["trained"], trained_total)
    row["completers_percent"] = rules.percent(row["completers"], row["trained"])
    row["certified_percent"] = rules.percent(row["certified"], row["trained"])
    row["pass_percent"] = rules.percent(row["scenario_passers"], row["scenario_takers"])
    return row


def gender_order(row: dict) -> int:
    return GENDER_ORDER.index(row["gender"]) if row["gender"] in GENDER_ORDER else len(GENDER_ORDER)


def _agency_order(row: dict) -> tuple:
    return str(row["country"] or "~"), str(row["agency"] or "~")


@dataclass(frozen=True)
class Disaggregation:
    """People figures by country, agency, gender and agency x gender; each sums to `total`."""

    total: dict
    by_country: list[dict]
    by_agency: list[dict]
    by_gender: list[dict]
    by_agency_gender: list[dict]


def disaggregation(filters: ReportFilters) -> Disaggregation:
    """Donor breakdowns of the people figures."""
    groups = people_groups(filters)
    total = _shares({m: sum(g[m] for g in groups) for m in PEOPLE_MEASURES}, sum(g["trained"] for g in groups))
    return Disaggregation(
        total=total,
        by_country=rollup(groups, ("country",)),
        by_agency=rollup(groups, ("country", "agency_id", "agency"), order=_agency_order),
        by_gender=_every_gender(rollup(groups, ("gender",), order=gender_order)),
        by_agency_gender=rollup(groups, ("country", "agency_id", "agency", "gender"),
                                order=lambda row: (*_agency_order(row), gender_order(row))),
    )


def _every_gender(rows: list[dict]) -> list[dict]:
    """All four gender categories, in order, zeros included: donors expect to see each one."""
    present = {row["gender"]: row for row in rows}
    empty = {**dict.fromkeys(PEOPLE_MEASURES, 0)}
    return [present.get(code) or _shares({"gender": code, **empty}, 0) for code in GENDER_ORDER] + \
        [row for row in rows if row["gender"] not in GENDER_ORDER]
