"""Scenario results: per scenario, and for a chosen one each task's spread and the answers most
often wrong (a sample of the latest attempts)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import case, func, select, true
from sqlalchemy.sql import Select

from ...domain import reports as rules
from ...extensions import db
from ...i18n import translate
from ...models import ScenarioAttempt, ScenarioItemMark, ScenarioVersion
from ..scenarios import scenario_for
from .common import (ANALYSIS_SAMPLE, People, SCORE_BINS, _count_by, bin_of, false_, in_period, json_elements,
                     scenario_ids, scenario_targets, target_of, target_titles)
from .filters import ReportFilters


def _submitted(filters: ReportFilters, *columns) -> Select:
    """Submitted attempts in the period by officers in the filters, selecting `columns`."""
    query = (select(*columns).select_from(ScenarioAttempt)
             .join(ScenarioVersion, ScenarioVersion.id == ScenarioAttempt.version_id))
    query = (People(filters).join(query, ScenarioAttempt.user_id)
             .where(ScenarioAttempt.submitted_at.is_not(None), ScenarioAttempt.status != "in_progress",
                    in_period(ScenarioAttempt.submitted_at, filters)))
    if scenario_ids(filters) is not None:
        query = query.where(ScenarioVersion.scenario_id.in_(scenario_ids(filters)))
    if not filters.counts_scenarios:
        query = query.where(false_())
    return query


@dataclass(frozen=True)
class ScenarioReport:
    by_scenario: list[dict]
    scenario: dict | None  # the chosen scenario's summary, or None when none is chosen
    distribution: list[int]  # attempts per total-percent bin, SCORE_BINS
    tasks: list[dict]
    items: list[dict]
    analysed: int  # attempts the task and item analysis looked at (the latest ANALYSIS_SAMPLE)


def scenario_analytics(filters: ReportFilters, top: int = 15) -> ScenarioReport:
    """Per scenario results; for a chosen scenario, score distributions per task and the items
    most often wrong (what to reteach)."""
    submitted = _submitted(filters, ScenarioAttempt.user_id, ScenarioAttempt.status, ScenarioAttempt.total_percent,
                           ScenarioAttempt.case_percent, ScenarioAttempt.safeguards_percent,
                           ScenarioVersion.scenario_id).subquery("submitted")

    def count_status(status):
        return func.coalesce(func.sum(case((submitted.c.status == status, 1), else_=0)), 0)

    targets = scenario_targets()
    summary = (select(targets.c.target_id.label("scenario_id"),
                      func.count(func.distinct(submitted.c.user_id)).label("officers"),
                      func.count().label("attempts"), count_status("passed").label("passed"),
                      count_status("failed").label("failed"), count_status("awaiting_review").label("awaiting_review"),
                      func.avg(submitted.c.total_percent).label("mean_total"),
                      func.avg(submitted.c.case_percent).label("mean_case"),
                      func.avg(submitted.c.safeguards_percent).label("mean_safeguards"))
               .select_from(submitted).join(targets, targets.c.item_id == submitted.c.scenario_id)
               .group_by(targets.c.target_id))
    titles = target_titles()
    rows = []
    for row in db.session.execute(summary):  # one row per work, titled in the reader's language
        row = dict(row._mapping)
        row["scenario"] = titles.get(("scenario", row["scenario_id"]), "")
        for name in ("mean_total", "mean_case", "mean_safeguards"):
            row[name] = None if row[name] is None else round(float(row[name]), 1)
        row["pass_percent"] = rules.percent(row["passed"], row["passed"] + row["failed"])
        rows.append(row)
    rows.sort(key=lambda row: row["scenario"])
    binned = (select(bin_of(submitted.c.total_percent, SCORE_BINS).label("bin"))
              .where(submitted.c.total_percent.is_not(None)).subquery("binned"))
    counts = dict(db.session.execute(_count_by(binned, "bin")).all())
    chosen_target = target_of("scenario", filters.scenario_id)
    chosen = next((row for row in rows if row["scenario_id"] == chosen_target), None) if chosen_target else None
    tasks = task_distributions(filters) if chosen else []
    items = items_most_often_wrong(filters, top) if chosen else []
    analysed = min(chosen["attempts"], ANALYSIS_SAMPLE) if chosen else 0
    return ScenarioReport(rows, chosen, [counts.get(i, 0) for i in range(len(SCORE_BINS) - 1)], tasks, items,
                          analysed)


def _analysed(filters: ReportFilters, *columns) -> Select:
    """`columns` of the latest ANALYSIS_SAMPLE submitted attempts in the filters."""
    latest = (_submitted(filters, ScenarioAttempt.id)
              .order_by(ScenarioAttempt.submitted_at.desc(), ScenarioAttempt.id.desc())
              .limit(ANALYSIS_SAMPLE).subquery("latest"))
    return select(*columns).select_from(latest).join(ScenarioAttempt, ScenarioAttempt.id == latest.c.id)


def _version_tasks(version_ids) -> dict[tuple[int, int], object]:
    """(version id, task position) -> task of that version's scenario (parsed once, cached)."""
    tasks = {}
    for version_id in version_ids:
        version = db.session.get(ScenarioVersion, version_id)
        spec = scenario_for(version, None)
        for position, task in enumerate(spec.tasks):
            tasks[(version_id, position)] = (task, spec)
    return tasks


def _item_label(stored: str | None):
    """A feedback label as the reader reads it: labels the platform words are stored as messages
    (JSON with their parameters), authored ones as text."""
    if stored and stored.startswith("{"):
        try:
            return translate(json.loads(stored))
        except ValueError:
            pass
    return stored


def task_distributions(filters: ReportFilters) -> list[dict]:
    """Per task of the chosen scenario: attempts scored, mean score, counts per 10-point bin.

    Tasks still waiting for a trainer's review are left out: they score 0 until reviewed.
    """
    task, position, value = json_elements(ScenarioAttempt.result, "tasks", "task")
    score = value["score"].as_float() * 100
    inner = (_analysed(filters, ScenarioAttempt.version_id, position.label("position"),
                       bin_of(score, SCORE_BINS).label("bin"), score.label("score"))
             .join(task, true()).where(value["pending"].as_boolean().is_not(True)).subquery("task_score"))
    keys = (inner.c.version_id, inner.c.position, inner.c.bin)
    grouped = select(*keys, func.count().label("n"), func.sum(inner.c.score).label("total")).group_by(*keys)
    rows = db.session.execute(grouped).all()
    tasks = _version_tasks({row.version_id for row in rows})
    per_task: dict[str, dict] = {}
    for row in rows:  # a few dozen rows: (version, task, bin)
        spec_task, spec = tasks[(row.version_id, row.position)]
        entry = per_task.setdefault(spec_task.id, {"task_id": spec_task.id, "task": spec.render(spec_task.title),
                                                   "type": spec_task.type, "attempts": 0, "total": 0.0,
                                                   "bins": [0] * (len(SCORE_BINS) - 1)})
        entry["attempts"] += row.n
        entry["total"] += float(row.total or 0)
        entry["bins"][row.bin] += row.n
    result = []
    for entry in per_task.values():
        entry["mean_score"] = round(entry.pop("total") / entry["attempts"], 1) if entry["attempts"] else None
        entry.update({f"bin{i}": count for i, count in enumerate(entry["bins"])})
        result.append(entry)
    return result


def items_most_often_wrong(filters: ReportFilters, top: int) -> list[dict]:
    """Answer-key items (a report's grade, a link, an event, an ACH cell, a decision) ranked by
    the share of attempts that earned less than full credit on them.

    Left out: links an officer added that are not in the key (they have no key item), and the
    written report's rubric (a trainer's marks, not a right or wrong answer).
    """
    mark = ScenarioItemMark
    inner = (_analysed(filters, ScenarioAttempt.version_id, mark.position, mark.item_id, mark.label,
                       case((mark.points < mark.max_points, 1), else_=0).label("wrong"),
                       (mark.points / mark.max_points).label("credit"))
             .join(mark, mark.attempt_id == ScenarioAttempt.id).subquery("item_score"))
    keys = (inner.c.version_id, inner.c.position, inner.c.item_id)
    grouped = select(*keys, func.min(inner.c.label).label("label"), func.count().label("attempts"),
                     func.sum(inner.c.wrong).label("wrong"), func.sum(inner.c.credit).label("credit")).group_by(*keys)
    rows = db.session.execute(grouped).all()
    tasks = _version_tasks({row.version_id for row in rows})
    merged: dict[tuple[str, str], dict] = {}
    for row in rows:  # one row per version x key item: a hundred or so
        spec_task, spec = tasks[(row.version_id, row.position)]
        entry = merged.setdefault((spec_task.id, row.item_id), {
            "task_id": spec_task.id, "task": spec.render(spec_task.title), "item_id": row.item_id,
            "label": _item_label(row.label), "attempts": 0, "wrong": 0, "credit": 0.0})
        entry["attempts"] += row.attempts
        entry["wrong"] += row.wrong
        entry["credit"] += float(row.credit or 0)
    for entry in merged.values():
        entry["wrong_percent"] = rules.percent(entry["wrong"], entry["attempts"])
        entry["mean_credit"] = rules.percent(entry.pop("credit"), entry["attempts"])
    ranked = sorted(merged.values(), key=lambda e: (-(e["wrong_percent"] or 0), e["mean_credit"] or 0,
                                                    e["task_id"], e["item_id"]))
    return ranked[:top]
