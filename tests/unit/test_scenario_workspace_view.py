"""The trainee's view of a scenario carries the case file and tasks, never the key."""
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from trainer.domain.generation import generate_variant
from trainer.domain.scenario import parse_scenario
from trainer.domain.scenario.workspace import is_released, markdown_with_mentions, workspace_frame, workspace_view

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yml"))


def key_texts(scenario) -> list[str]:
    """Every rationale and option explanation in the scenario, as a trainee would read it."""
    texts = []
    for task in scenario.tasks:
        key = task.key
        for item in getattr(key, "items", ()) + getattr(key, "links", ()) + getattr(key, "rows", ()):
            texts.append(item.rationale)
        if getattr(key, "rationale", ""):
            texts.append(key.rationale)
        if task.type == "decision":
            texts += [o.explanation for d in task.content.decisions for o in d.options]
    return [scenario.render(text) for text in texts if len(text) > 25]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_view_of_every_shipped_scenario_has_no_key(path):
    scenario, problems = parse_scenario(path.read_text(), str(path))
    scenario = generate_variant(scenario, 7) if scenario.template else scenario
    view = json.dumps(workspace_view(scenario, {r.id for r in scenario.reports}, shuffle_seed=1))
    leaked = [text for text in key_texts(scenario) if json.dumps(text)[1:-1] in view]
    assert leaked == []
    assert '"correct"' not in view and '"rationale"' not in view and '"explanation"' not in view


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_page_frame_agrees_with_the_view_it_keeps_the_body_of(path):
    # The frame is computed on every request and keys the kept body: a frame that disagreed
    # with the view would show a case file without a report the trainer has just released.
    scenario, problems = parse_scenario(path.read_text(), str(path))
    scenario = generate_variant(scenario, 7) if scenario.template else scenario
    released = {r.id for r in scenario.reports[::2]}
    frame, view = workspace_frame(scenario, released), workspace_view(scenario, released, shuffle_seed=1)
    assert frame["released"] == tuple(report["id"] for report in view["reports"])
    assert frame["pending_reports"] == view["pending_reports"] == len(scenario.reports) - len(released)
    assert frame["title"] == view["title"]
    assert frame["datasets"] == bool(view["datasets"])
    assert frame["timeline"] == any(task["type"] == "timeline" for task in view["tasks"])


def test_mentions_are_highlighted_and_escaped():
    entity = type("E", (), {"id": "P1", "type": "person", "mention": lambda self, attr: "<b>Ali</b>"})()
    html = markdown_with_mentions("Met {{P1}} at **noon**.", {"P1": entity})
    assert '<mark class="entity entity-person" data-entity="P1">&lt;b&gt;Ali&lt;/b&gt;</mark>' in html
    assert "<strong>noon</strong>" in html


def test_release_rules():
    start = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
    report = lambda kind, minutes=0: type("R", (), {"id": "R9", "release": type("L", (), {"kind": kind, "minutes": minutes})()})()
    assert is_released(report("start"), start, start, set())
    assert not is_released(report("after", 30), start, start + timedelta(minutes=29), set())
    assert is_released(report("after", 30), start, start + timedelta(minutes=30), set())
    assert not is_released(report("trainer"), start, start + timedelta(days=1), set())
    assert is_released(report("trainer"), start, start, {"R9"})
