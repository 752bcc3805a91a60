"""The debrief of a live exercise: how the cohort answered each item, and when injects went out.

Submitted attempts count with their stored scores; attempts still open are scored on what they
have saved, as the live view does, so the trainer can debrief the moment the exercise ends.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from ..domain.debrief import TaskDebrief, debrief
from ..domain.reports import Column
from ..domain.scenario.model import as_in_every_variant
from ..domain.scoring import score_attempt
from ..exports import Table
from ..extensions import db
from ..models import AuditEvent, LiveExercise, ScenarioAttempt
from .scenarios import result_as_dict, scenario_for

RELEASED = "exercise.report_released"  # the audit action that records each inject's release


@dataclass(frozen=True)
class Release:
    report_id: str
    title: str
    at: datetime | None


@dataclass(frozen=True)
class ExerciseDebrief:
    spec: object                     # the scenario as the trainer sees it (no variant's names)
    attempts: int
    submitted: int
    tasks: list[tuple[object, TaskDebrief]]  # (scenario task, its debrief), in the scenario's order
    releases: list[Release]


def exercise_debrief(exercise: LiveExercise) -> ExerciseDebrief:
    spec = scenario_for(exercise.version, None)
    if spec.template:  # each officer's case has its own names and numbers: name each entity by its id
        spec = replace(spec, entities=tuple(as_in_every_variant(spec.entity_map).values()))
    attempts = list(db.session.scalars(select(ScenarioAttempt).where(ScenarioAttempt.live_exercise_id == exercise.id)))
    results = [attempt.result if attempt.submitted_at and attempt.result else
               result_as_dict(score_attempt(scenario_for(exercise.version, attempt.seed), attempt.responses or {}))
               for attempt in attempts]
    by_id = {entry.task_id: entry for entry in debrief(results)}
    tasks = [(task, by_id[task.id]) for task in spec.tasks if task.id in by_id and task.type != "report"]
    return ExerciseDebrief(spec, len(attempts), sum(1 for a in attempts if a.submitted_at), tasks,
                           releases(exercise, spec))


def releases(exercise: LiveExercise, spec) -> list[Release]:
    """The injects released, in order, with the moment each went out (from the audit log)."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == RELEASED,
                                                         AuditEvent.created_at >= exercise.started_at)
                                .order_by(AuditEvent.created_at))
    moments = {event.detail.get("report"): event.created_at for event in events
               if event.detail.get("exercise") == exercise.id}
    out = []
    for report_id in exercise.released_reports:
        report = spec.report(report_id)
        out.append(Release(report_id, spec.render(report.title) if report else report_id, moments.get(report_id)))
    return out


def debrief_tables(view: ExerciseDebrief, columns: dict[str, str], word) -> list[Table]:
    """The debrief as report tables (page and PDF): one per task, one for links outside the key.

    `columns` names the columns in the reader's language; `word` turns a stored value (text or
    message data) into words.
    """
    spec = view.spec
    shown = (Column("item", columns["item"]), Column("what", columns["what"]), Column("answers", columns["answers"]),
             Column("key", columns["key"]), Column("right", columns["right"]))
    tables = []
    for task, entry in view.tasks:
        options = _option_texts(task)
        rows = [{"item": item.item_id, "what": _what(spec, task, item, word),
                 "answers": _answers(item, options, word), "key": _key(item.expected, options, word),
                 "right": f"{item.right} / {item.attempts}", "why": spec.render(str(word(item.rationale) or ""))}
                for item in entry.items]
        tables.append(Table(f"task-{task.id}", spec.render(task.title), shown, rows))
        if entry.extra:
            extra = [{"item": item.item_id, "what": spec.render(str(word(item.label))), "answers": _answers(item, options, word),
                      "key": "—", "right": f"{item.attempts} / {entry.attempts}", "why": ""} for item in entry.extra]
            tables.append(Table(f"extra-{task.id}", columns["extra"] % {"task": spec.render(task.title)},
                                (shown[0], shown[1], shown[2], Column("right", columns["drawn"])), extra))
    return tables


def _what(spec, task, item, word) -> str:
    report = spec.report(item.item_id) if task.type == "grade" else None
    return spec.render(report.title if report else str(word(item.label)))


def _option_texts(task) -> dict[str, str]:
    decisions = getattr(task.content, "decisions", ())
    return {option.id: option.text for point in decisions for option in point.options}


def _answers(item, options: dict[str, str], word) -> str:
    if options:  # decisions: each option counted on its own, whatever it was chosen with
        counts: dict[str, int] = {}
        for value, n in item.distribution:
            for option in str(value).split(", "):
                counts[option] = counts.get(option, 0) + n
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return " · ".join(f"{option} ({options.get(option, option)}) × {n}" for option, n in ranked)
    return " · ".join(f"{word(value)} × {n}" for value, n in item.distribution)


def _key(expected, options: dict[str, str], word) -> str:
    if expected in (None, ""):
        return "—"
    if options:
        return ", ".join(f"{option} ({options.get(option, option)})" for option in str(expected).split(", "))
    return str(word(expected))
