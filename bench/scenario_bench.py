"""Scenario engine speed: validate, generate a variant, score a full submission.

Run: .venv/bin/python bench/scenario_bench.py [runs]. Not part of the test suite.
Targets (issue): scoring under 20 ms, generation under 200 ms, for a template of
200 reports and 100 entities.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainer.domain.generation import generate_variant  # noqa: E402
from trainer.domain.scenario import parse_scenario  # noqa: E402
from trainer.domain.scoring import score_attempt  # noqa: E402

TARGETS_MS = {"generate": 200.0, "score": 20.0}
N_ENTITIES, N_REPORTS, N_LINKS, N_EVENTS, N_EVIDENCE, N_DECISIONS = 100, 200, 120, 30, 20, 10
ENTITY_KINDS = [  # (type, display field, placeholder)
    ("person", "name", "{faker:person_kg}"), ("person", "name", "{faker:person_uz}"),
    ("organisation", "name", "{faker:company_tj}"), ("vehicle", "plate", "{faker:plate_kz}"),
    ("phone", "number", "{faker:phone_kg}"), ("location", "name", "{faker:city}"),
    ("bank_account", "number", "{faker:bank_account_kg}"),
    ("shipment", "reference", "{faker:shipment_ref}"),
]


def large_template() -> str:
    """YAML text of a template with 200 reports, 100 entities and all six task types."""
    entities = []
    for i in range(N_ENTITIES):
        kind, field, placeholder = ENTITY_KINDS[i % len(ENTITY_KINDS)]
        entity = {"id": f"N{i}", "type": kind, field: placeholder}
        if kind == "person":
            entity |= {"gender": "male" if i % 3 else "female", "role": "suspect"}
        entities.append(entity)
    reports = [{
        "id": f"R{i}", "received": f"2024-03-{1 + i % 28:02d} {i % 24:02d}:15",
        "release": ["start", "after 30m", "trainer"][i % 3],
        "source": {"type": "informant", "description": f"Source {i % 17}", "track_record": "Mixed"},
        "text": f"{{{{N{i % N_ENTITIES}}}}} met {{{{N{(i * 7 + 1) % N_ENTITIES}}}}} near "
                f"{{{{N{(i * 3 + 5) % N_ENTITIES}}}}}. " * 3,
    } for i in range(N_REPORTS)]
    sources, infos, handling = "ABCX", "1234", ["H0", "H1", "H2", "H3"]
    grade_key = {f"R{i}": {"source": sources[i % 4], "information": infos[i % 4],
                           "handling": handling[i % 4], "rationale": f"Because {{{{N{i % 50}}}}}."}
                 for i in range(N_REPORTS)}
    pairs = [(a, b) for a in range(N_ENTITIES) for b in range(a + 1, N_ENTITIES)][::41][:N_LINKS]
    link_key = [{"between": [f"N{a}", f"N{b}"], "type": "associate", "rationale": "Seen together."}
                for a, b in pairs]
    events = [{"id": f"E{i}", "text": f"{{{{N{i}}}}} moves", "reports": [f"R{i}"]}
              for i in range(N_EVENTS)]
    hyps = [{"id": f"H{i}", "text": f"Hypothesis {i}"} for i in range(4)]
    evidence = [{"id": f"EV{i}", "text": f"Evidence {i}", "reports": [f"R{i}"]}
                for i in range(N_EVIDENCE)]
    ratings = ["consistent", "inconsistent", "neutral"]
    matrix = [{"evidence": f"EV{i}", "rationale": "r",
               "ratings": {f"H{h}": ratings[(i + h) % 3] for h in range(4)}} for i in range(N_EVIDENCE)]
    # The key's conclusion must be what the matrix supports (validation checks it): the hypothesis
    # with the fewest inconsistent ratings.
    inconsistent = {h["id"]: sum(row["ratings"][h["id"]] == "inconsistent" for row in matrix) for h in hyps}
    conclusion = min(inconsistent, key=inconsistent.get)
    decisions = [{"id": f"D{i}", "question": f"Decide {i}", "rationale": "r",
                  "multiple": bool(i % 2), "safeguard": "legal" if i < 3 else None,
                  "options": [{"id": o, "text": o, "explanation": "x", "correct": o in "ab"[: 1 + i % 2]}
                              for o in "abcd"]} for i in range(N_DECISIONS)]
    for d in decisions:
        if d["safeguard"] is None:
            del d["safeguard"]
    tasks = [
        {"id": "grade", "type": "grade", "title": "Grade", "weight": 30, "key": grade_key},
        {"id": "links", "type": "link_chart", "title": "Links", "weight": 20, "key": link_key},
        {"id": "timeline", "type": "timeline", "title": "Timeline", "weight": 15, "events": events,
         "key": [{"event": e["id"], "rationale": "r"} for e in events]},
        {"id": "ach", "type": "hypotheses", "title": "ACH", "weight": 15, "hypotheses": hyps,
         "evidence": evidence, "key": {"matrix": matrix, "conclusion": conclusion, "rationale": "r"}},
        {"id": "decide", "type": "decision", "title": "Decide", "weight": 10, "decisions": decisions},
        {"id": "report", "type": "report", "title": "Report", "weight": 10, "prompt": "Write.",
         "rubric": [{"id": f"C{i}", "criterion": f"Criterion {i}", "max_points": 3} for i in range(5)]},
    ]
    doc = {"id": "bench", "title": "Bench", "summary": "Large template.", "language": "en",
           "version": 1, "estimated_minutes": 240, "pass_mark": 70, "min_safeguards": 50,
           "template": True, "seed": 1, "brief": "{{N0}} and {{N1}}.", "tasking": "Everything.",
           "entities": entities, "reports": reports, "tasks": tasks}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def full_submission(scenario) -> tuple[dict, dict]:
    """A complete, correct submission and a full trainer review, built from the key."""
    t = {task.id: task for task in scenario.tasks}
    grades = {k.report_id: {"source": k.source, "information": k.information, "handling": k.handling}
              for k in t["grade"].key.items}
    links = [{"between": [k.a, k.b], "type": k.type} for k in t["links"].key.links]
    order = [k.event_id for k in t["timeline"].key.items]
    matrix = {row.evidence_id: dict(row.ratings) for row in t["ach"].key.rows}
    choices = {k.decision_id: sorted(k.correct) for k in t["decide"].key.items}
    responses = {"grade": {"grades": grades}, "links": {"links": links},
                 "timeline": {"order": order}, "ach": {"matrix": matrix, "conclusion": t["ach"].key.conclusion},
                 "decide": {"choices": choices}, "report": {"text": "..."}}
    review = {"report": {c.id: c.max_points for c in t["report"].content.rubric}}
    return responses, review


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(runs: int = 15) -> None:
    text = large_template()
    template, problems = parse_scenario(text, "bench.yml")
    errors = [p for p in problems if p.severity == "error"]
    assert template is not None, "\n".join(map(str, errors))
    variant = generate_variant(template, 7)
    responses, review = full_submission(variant)
    result = score_attempt(variant, responses, review)
    assert result.total_percent == 100.0, result.total_percent

    print(f"template: {len(template.entities)} entities, {len(template.reports)} reports, "
          f"{len(text) // 1024} KiB YAML; median of {runs} runs")
    rows = [
        ("validate (parse YAML + check)", None, lambda: parse_scenario(text, "bench.yml")),
        ("generate a variant", "generate", lambda: generate_variant(template, 7)),
        ("score a full submission", "score", lambda: score_attempt(variant, responses, review)),
    ]
    for name, target, fn in rows:
        ms = median_ms(fn, runs)
        goal = TARGETS_MS.get(target)
        verdict = f"target {goal:.0f} ms, {ms / goal:.2f}x of target" if goal else "no target"
        print(f"  {name:32s} {ms:8.2f} ms   ({verdict})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
