"""Dataset speed: generate a 10 000-row call record for a variant (target < 200 ms), compute
five query keys from it, and score a query task (target < 5 ms).

Run: .venv/bin/python bench/dataset_bench.py [runs]. Not part of the test suite
(the unit tests check the rows and keys; the speed is measured here only).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainer.domain.datagen import generate_dataset  # noqa: E402
from trainer.domain.faker_region import make_faker  # noqa: E402
from trainer.domain.generation import generate_variant  # noqa: E402
from trainer.domain.scenario import parse_scenario  # noqa: E402
from trainer.domain.scoring import TASK_TYPES  # noqa: E402

TARGETS_MS = {"generate 10 000 rows": 200.0, "compute 5 query keys": 200.0, "score a query task": 5.0}
ROWS = 10_000

TEMPLATE = f"""\
id: bench-data
title: Bench
summary: Call records.
language: en
version: 1
estimated_minutes: 30
pass_mark: 60
template: true
seed: 1
brief: "{{{{PH1}}}}"
tasking: Bench.
entities:
  - {{id: PH1, type: phone, number: "{{faker:phone_kg}}"}}
  - {{id: PH2, type: phone, number: "{{faker:phone_tj}}"}}
  - {{id: PH3, type: phone, number: "{{faker:phone_uz}}"}}
reports:
  - {{id: R1, received: "2024-03-13 09:00", source: {{type: police_record, description: x}}, text: x}}
datasets:
  - id: calls
    title: Call records
    columns:
      - {{id: time, type: datetime}}
      - {{id: caller, type: phone}}
      - {{id: callee, type: phone}}
      - {{id: seconds, type: integer}}
      - {{id: cell, type: string}}
    generate:
      rows: {ROWS}
      period: ["2024-01-01 00:00", "2024-03-31 23:59"]
      columns:
        time: {{hours: [7, 23]}}
        caller: {{pool: 200, faker: phone_kg, entities: [PH1, PH2, PH3]}}
        callee: {{same_pool: caller}}
        seconds: {{range: [5, 900]}}
        cell: {{values: [Osh-Centre, Osh-Bazaar, Kara-Suu, Aravan, Uzgen, Nookat]}}
      patterns:
        - {{id: burst, kind: burst, before: ["2024-03-12 06:00", "2024-03-26 05:30"], hours: 48, count: 12,
           set: {{caller: PH2, callee: PH1}}, swap: [caller, callee]}}
        - {{id: weekly, kind: regular, every_days: 7, jitter_hours: 3, set: {{caller: PH3, callee: PH1}}}}
tasks:
  - id: data
    type: query
    title: Questions
    weight: 100
    questions:
      - {{id: Q1, dataset: calls, question: Q, answer: value, rationale: R,
         compute: {{where: {{callee: PH1, time: {{from: "2024-03-10 06:00", to: "2024-03-12 06:00"}}}}, most: caller}}}}
      - {{id: Q2, dataset: calls, question: Q, answer: number, rationale: R,
         compute: {{where: {{caller: PH2, callee: PH1}}, count: true}}}}
      - {{id: Q3, dataset: calls, question: Q, answer: number, tolerance: "1%", rationale: R,
         compute: {{where: {{callee: PH1}}, sum: seconds}}}}
      - {{id: Q4, dataset: calls, question: Q, answer: set, rationale: R,
         compute: {{where: {{callee: PH1}}, distinct: caller, min_rows: 3}}}}
      - {{id: Q5, dataset: calls, question: Q, answer: rows, rationale: R,
         compute: {{where: {{caller: PH2, callee: PH1}}, rows: true}}}}
"""


def main(runs: int = 10) -> int:
    scenario, problems = parse_scenario(TEMPLATE, "bench.yml")
    if scenario is None:
        print("\n".join(map(str, problems)))
        return 1
    variant = generate_variant(scenario, 1)
    calls, fake = scenario.dataset("calls"), make_faker()
    times = []
    for seed in range(runs):
        start = time.perf_counter()
        rows = generate_dataset(calls, variant.entity_map, seed, fake).rows
        times.append((time.perf_counter() - start) * 1000)
        assert len(rows) == ROWS
    task = scenario.task("data")
    keying, scoring = [], []
    kind = TASK_TYPES["query"]
    for _ in range(runs):
        start = time.perf_counter()
        keyed = kind.for_variant(task, variant)
        keying.append((time.perf_counter() - start) * 1000)
        rows = sorted(next(k for k in keyed.key.items if k.question_id == "Q5").values)
        answers = {"Q1": variant.entity("PH2").display, "Q2": str(len(rows)), "Q3": "12 345,6",
                   "Q4": [variant.entity("PH2").display, "+996 000"], "Q5": rows}
        start = time.perf_counter()
        kind.score(keyed, keyed.key, {"answers": answers})
        scoring.append((time.perf_counter() - start) * 1000)
    failed = 0
    for name, values in (("generate 10 000 rows", times), ("compute 5 query keys", keying),
                         ("score a query task", scoring)):
        median, worst = statistics.median(values), max(values)
        ok = median < TARGETS_MS[name]
        failed += not ok
        print(f"{name}: median {median:.2f} ms, worst {worst:.2f} ms (target < {TARGETS_MS[name]:.0f} ms) "
              f"{'ok' if ok else 'TOO SLOW'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
