"""What a trainee may see of a scenario: everything but the answer key.

The workspace is built from this view only, so no key, rationale, correct flag or option
explanation can reach the browser before the attempt is submitted.
"""
from __future__ import annotations

import html
import random
from datetime import datetime, timedelta
from typing import Any

from trainer.domain.markdown import rendered_markdown
from trainer.domain.scenario.model import MENTION_RE, Entity, Report, Scenario

ENTITY_TYPE_ORDER = ("person", "organisation", "vehicle", "phone", "location", "bank_account", "shipment")


def markdown_with_mentions(text: str, entities: dict[str, Entity]) -> str:
    """Markdown rendered and sanitised, then each mention shown as a highlighted entity."""
    def mark(match) -> str:
        entity = entities.get(match.group(1))
        value = entity.mention(match.group(2)) if entity else None
        if value is None:
            return html.escape(match.group(0))
        return (f'<mark class="entity entity-{entity.type}" data-entity="{html.escape(entity.id)}">'
                f"{html.escape(value)}</mark>")

    # Mentions are plain text to Markdown, and every value is escaped as it is put in.
    return MENTION_RE.sub(mark, rendered_markdown(text))


def is_released(report: Report, started_at: datetime, now: datetime, released_by_trainer: set[str]) -> bool:
    """Whether a report is in the trainee's case file at `now`."""
    if report.release.kind == "start":
        return True
    if report.release.kind == "after":
        return now >= started_at + timedelta(minutes=report.release.minutes)
    return report.id in released_by_trainer


def workspace_frame(scenario: Scenario, released_ids: set[str]) -> dict[str, Any]:
    """What the page around the workspace needs: cheap enough to compute on every request,
    while the body (the view below, drawn) is kept between requests."""
    return {
        "title": scenario.title,
        "released": tuple(r.id for r in sorted(scenario.reports, key=lambda r: r.received) if r.id in released_ids),
        "pending_reports": sum(1 for r in scenario.reports if r.id not in released_ids),
        "datasets": bool(scenario.datasets),
        "timeline": any(task.type == "timeline" for task in scenario.tasks),
    }


def workspace_view(scenario: Scenario, released_ids: set[str], shuffle_seed: int) -> dict[str, Any]:
    """A JSON-ready description of the case file and the tasks, without any key."""
    entities = scenario.entity_map
    plain = scenario.render
    rng = random.Random(shuffle_seed)
    frame = workspace_frame(scenario, released_ids)
    report_by_id = {r.id: r for r in scenario.reports}
    return {
        "id": scenario.id,
        "title": frame["title"],
        "scheme": scenario.scheme.id,
        "brief_html": markdown_with_mentions(scenario.brief, entities),
        "tasking_html": markdown_with_mentions(scenario.tasking, entities),
        "entities": [
            {"id": e.id, "type": e.type, "label": plain(e.display),
             "attributes": [(name, plain(value)) for name, value in e.attributes if value != e.display]}
            for e in sorted(scenario.entities, key=lambda e: (ENTITY_TYPE_ORDER.index(e.type), e.id))
        ],
        "reports": [
            {"id": r.id, "title": plain(r.title), "received": r.received.strftime("%Y-%m-%d %H:%M"),
             "release": str(r.release), "source_type": r.source.type, "source_ref": r.source.ref,
             "source_description": plain(r.source.description), "track_record": plain(r.source.track_record),
             "text_html": markdown_with_mentions(r.text, entities), "mentions": list(r.mentions)}
            for r in (report_by_id[report_id] for report_id in frame["released"])
        ],
        "pending_reports": frame["pending_reports"],
        "tasks": [_task_view(task, scenario, plain, rng) for task in scenario.tasks],
        # Only what the data tab shows before it is opened; the rows come from dataset_table().
        "datasets": [
            {"id": d.id, "title": plain(d.title), "rows": len(d.rows),
             "description_html": markdown_with_mentions(d.description, entities) if d.description else "",
             "columns": [{"id": c.id, "type": c.type, "label": plain(c.label) or c.id} for c in d.columns]}
            for d in scenario.datasets
        ],
    }


def dataset_table(scenario: Scenario, dataset_id: str) -> dict[str, Any] | None:
    """One dataset's columns and rows as JSON (the data tab loads it when opened), and which
    values are the case's entities (a phone's number, a vehicle's plate); None when unknown."""
    dataset = scenario.dataset(dataset_id)
    if dataset is None:
        return None
    entities = {}
    for e in scenario.entities:
        entities.setdefault(scenario.render(e.display), {"id": e.id, "type": e.type})
    shown = [c.type == "datetime" for c in dataset.columns]
    rows = [[v.strftime("%Y-%m-%d %H:%M") if is_time and v is not None else v for v, is_time in zip(row, shown)]
            for row in dataset.rows]
    used = {v for row in rows for v in row if isinstance(v, str) and v in entities}
    return {"id": dataset.id, "title": scenario.render(dataset.title),
            "columns": [{"id": c.id, "type": c.type, "label": scenario.render(c.label) or c.id}
                        for c in dataset.columns],
            "rows": rows, "entities": {v: entities[v] for v in sorted(used)}}


def _task_view(task, scenario: Scenario, plain, rng: random.Random) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": task.id, "type": task.type, "title": plain(task.title), "weight": task.weight,
        "safeguard": sorted(task.safeguard),
        "instructions_html": markdown_with_mentions(task.instructions, scenario.entity_map) if task.instructions else "",
    }
    content = task.content
    if task.type == "grade":
        scheme = content.scheme
        view.update(report_ids=list(content.report_ids),
                    source_codes=[(c.code, c.label) for c in scheme.source.codes],
                    information_codes=[(c.code, c.label) for c in scheme.information.codes],
                    handling_codes=[(c.code, c.label) for c in scheme.handling.codes])
    elif task.type == "link_chart":
        view.update(entity_ids=list(content.entity_ids), link_types=list(content.link_types))
    elif task.type == "timeline":
        events = [{"id": e.id, "text": plain(e.text), "reports": list(e.report_ids)} for e in content.events]
        rng.shuffle(events)  # the authored order may give the answer away
        view.update(events=events)
    elif task.type == "hypotheses":
        view.update(hypotheses=[{"id": h.id, "text": plain(h.text)} for h in content.hypotheses],
                    evidence=[{"id": e.id, "text": plain(e.text), "reports": list(e.report_ids)}
                              for e in content.evidence])
    elif task.type == "decision":
        view.update(decisions=[
            {"id": d.id, "question": plain(d.question), "multiple": d.multiple,
             "options": [{"id": o.id, "text": plain(o.text)} for o in d.options]}
            for d in content.decisions])
    elif task.type == "report":
        view.update(prompt_html=markdown_with_mentions(content.prompt, scenario.entity_map),
                    rubric=[{"id": c.id, "criterion": plain(c.criterion), "max_points": c.max_points}
                            for c in content.rubric])
    elif task.type == "query":
        view.update(questions=[{"id": q.id, "dataset": q.dataset, "question": plain(q.question),
                                "answer": q.answer} for q in content.questions])
    return view


# How far a trainee has got with each task, from the saved answer alone (never the key): the
# workspace's tab markers and progress bar. static/js/workspace.js (`shareOf`) counts the same
# way as the trainee works, so a reload shows what the page showed.
TASK_STATES = ("empty", "partly", "done")


def task_progress(task: dict[str, Any], answer: Any, released_ids: set[str]) -> float:
    """The share of a task answered, 0 to 1: the grades, ratings and decisions given out of those
    asked (reports not yet released are not asked); a chart with a link, an arranged timeline and
    a written report count as answered, since only the trainee knows when they are finished."""
    answer = answer if isinstance(answer, dict) else {}
    kind = task["type"]
    if kind == "grade":
        reports = [r for r in task["report_ids"] if r in released_ids]
        grades = _mapping(answer.get("grades"))
        given = sum(1 for r in reports for field in ("source", "information", "handling")
                    if _given(_mapping(grades.get(r)).get(field)))
        return given / (3 * len(reports)) if reports else 0.0
    if kind == "hypotheses":
        matrix = _mapping(answer.get("matrix"))
        cells = [(e["id"], h["id"]) for e in task["evidence"] for h in task["hypotheses"]]
        given = sum(1 for e, h in cells if _given(_mapping(matrix.get(e)).get(h)))
        given += 1 if _given(answer.get("conclusion")) else 0
        return given / (len(cells) + 1)
    if kind == "decision":
        choices = _mapping(answer.get("choices"))
        decisions = [d["id"] for d in task["decisions"]]
        return sum(1 for d in decisions if _given(choices.get(d))) / len(decisions) if decisions else 0.0
    if kind == "link_chart":
        links = answer.get("links")
        return 1.0 if isinstance(links, list) and links else 0.0
    if kind == "timeline":
        order = answer.get("order")
        return 1.0 if isinstance(order, list) and order else 0.0
    if kind == "report":
        text = answer.get("text")
        return 1.0 if isinstance(text, str) and text.strip() else 0.0
    if kind == "query":
        answers = _mapping(answer.get("answers"))
        questions = [q["id"] for q in task["questions"]]
        given = sum(1 for q in questions if _answered(answers.get(q)))
        return given / len(questions) if questions else 0.0
    return 0.0


def _answered(value: Any) -> bool:
    """A query answer was given: text, a number, or a non-empty list."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    return _given(value) or (isinstance(value, list) and any(isinstance(v, int) for v in value))


def task_state(progress: float) -> str:
    """"empty", "partly" or "done" for a task's share answered."""
    return "done" if progress >= 1 else ("partly" if progress > 0 else "empty")


def attempt_progress(view: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    """Each task's share answered and state, the tasks done and the attempt's share (the mean)."""
    released = {report["id"] for report in view["reports"]}
    shares = {task["id"]: task_progress(task, responses.get(task["id"]), released) for task in view["tasks"]}
    return {
        "tasks": {task_id: {"share": share, "state": task_state(share)} for task_id, share in shares.items()},
        "done": sum(1 for share in shares.values() if share >= 1),
        "total": len(shares),
        # rounded half up, as the browser's Math.round does
        "percent": int(100 * sum(shares.values()) / len(shares) + 0.5) if shares else 0,
    }


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _given(value: Any) -> bool:
    """A choice was made: a non-empty code, or a non-empty list of options."""
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(isinstance(v, str) and v for v in value)
    return False
