"""Scorers never raise, whatever JSON a browser or the API sends, in every rule version.

A seeded generator builds answers of the right shape with wrong leaves, of the wrong shape,
and hostile values (integers too long to print, deep lists and objects, NaN and infinities,
ids of other tasks). Every task type of every shipped scenario and of the documented example
is scored with each, and the stored form of the result must be valid JSON for PostgreSQL.
"""
import dataclasses
import json
import random
from pathlib import Path

import pytest

from sample_data_scenario import FIXED as DATA_FIXED, TEMPLATE as DATA_TEMPLATE
from sample_scenario import EXAMPLE
from trainer.domain.generation import generate_variant
from trainer.domain.messages import as_data
from trainer.domain.scenario import check_scenarios, parse_scenario
from trainer.domain.scoring import LINK_TYPES, RATINGS, RULE_VERSIONS, TASK_TYPES, score_attempt

ROOT = Path(__file__).resolve().parents[2]
CASES_PER_TASK = 50


def deep(depth: int, kind: str):
    value: object = "P1"
    for _ in range(depth):
        value = [value] if kind == "list" else {"links": value, "between": value}
    return value


HOSTILE = [None, True, False, 0, -1, 10**400, -10**5000, 2.5, float("nan"), float("inf"), float("-inf"),
           "", " ", "\x00", "ы" * 3, "a" * 5000, [], {}, [[]], {"": None}, deep(3000, "list"), deep(3000, "dict")]


class Fuzzer:
    """Random JSON-like values, leaning towards the ids and codes a scenario knows."""

    def __init__(self, seed: int, words: list[str]):
        self.rng = random.Random(seed)
        self.words = words

    def leaf(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return rng.choice(self.words)
        if roll < 0.75:
            return rng.choice(HOSTILE)
        return rng.choice([rng.randint(-10**6, 10**6), rng.random(), str(rng.randint(0, 9))])

    def value(self, depth: int = 0):
        roll = self.rng.random()
        if depth > 3 or roll < 0.5:
            return self.leaf()
        if roll < 0.75:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        return {self.key(): self.value(depth + 1) for _ in range(self.rng.randint(0, 4))}

    def key(self) -> str:
        return self.rng.choice(self.words + ["", "x", "0"])

    def shaped(self, task) -> object:
        """An answer with the task's own field names, and anything at all inside them."""
        rng = self.rng
        field = {"grade": "grades", "link_chart": "links", "timeline": "order", "hypotheses": "matrix",
                 "decision": "choices", "report": "text", "query": "answers"}[task.type]
        if task.type == "link_chart":
            inner = [rng.choice([{"between": [self.leaf(), self.leaf()], "type": self.leaf(),
                                  "strength": self.leaf()}, self.value()]) for _ in range(rng.randint(0, 6))]
        elif task.type in ("grade", "hypotheses", "decision"):
            inner = {self.key(): rng.choice([{self.key(): self.leaf() for _ in range(3)}, self.value(),
                                             [self.leaf(), self.leaf()]]) for _ in range(rng.randint(0, 6))}
        else:
            inner = self.value()
        answer = {field: inner}
        if rng.random() < 0.5:
            answer[rng.choice(["conclusion", "times", "text", self.key()])] = self.value()
        return answer if rng.random() < 0.85 else self.value()

    def review(self, task) -> object:
        if self.rng.random() < 0.3:
            return self.value()
        return {c.id: self.rng.choice([self.leaf(), {"points": self.leaf(), "comment": self.leaf()}])
                for c in getattr(task.content, "rubric", ())}


def scenarios():
    found, problems = check_scenarios(ROOT / "scenarios")
    assert not [p for p in problems if p.severity == "error"]
    example, _ = parse_scenario(EXAMPLE, "example.yml")
    data, _ = parse_scenario(DATA_FIXED, "data.yml")
    template, _ = parse_scenario(DATA_TEMPLATE, "data-template.yml")
    return [example, data, generate_variant(template, 3), *found]


def words_of(scenario) -> list[str]:
    words = {e.id for e in scenario.entities} | {r.id for r in scenario.reports} | {t.id for t in scenario.tasks}
    words |= set(LINK_TYPES) | set(RATINGS) | {"C", "i", "N", "A", "B", "X", "1", "2", "3", "4", "H0", "H1"}
    for task in scenario.tasks:
        content = task.content
        words |= {e.id for e in getattr(content, "events", ())}
        words |= {h.id for h in getattr(content, "hypotheses", ())} | {e.id for e in getattr(content, "evidence", ())}
        words |= {q.id for q in getattr(content, "questions", ())}
        for point in getattr(content, "decisions", ()):
            words |= {point.id} | {o.id for o in point.options}
    return sorted(words)


def check_stored_form(result) -> None:
    # PostgreSQL's JSON refuses NaN and infinities; the stored breakdown must never hold one.
    json.dumps(as_data(dataclasses.asdict(result)), allow_nan=False)


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.id)
@pytest.mark.parametrize("rules", RULE_VERSIONS)
def test_every_task_type_scores_any_json_without_raising(scenario, rules):
    fuzz = Fuzzer(sum(map(ord, scenario.id)) * 10 + rules, words_of(scenario))  # seeded: reproducible
    report_ids = [r.id for r in scenario.reports]
    types_seen = set()
    for task in scenario.tasks:
        types_seen.add(task.type)
        kind = TASK_TYPES[task.type]
        for case in range(CASES_PER_TASK):
            response = fuzz.shaped(task) if case else HOSTILE[case % len(HOSTILE)]
            unseen = frozenset(fuzz.rng.sample(report_ids, fuzz.rng.randint(0, len(report_ids))))
            result = kind.score(task, task.key, response, fuzz.review(task), rules=rules, unseen=unseen)
            assert 0.0 <= result.score <= 1.0, (task.id, response)
            assert all(0.0 <= item.points <= item.max_points or item.max_points == 0 for item in result.items)
    for case, value in enumerate(HOSTILE):
        responses = {task.id: value for task in scenario.tasks}
        result = score_attempt(scenario, responses, {t.id: value for t in scenario.tasks}, rules=rules, unseen=[value] if case % 2 else [])
        assert 0.0 <= result.total_percent <= 100.0
        check_stored_form(result)
    for _ in range(CASES_PER_TASK):
        responses = {task.id: fuzz.shaped(task) for task in scenario.tasks}
        reviews = {task.id: fuzz.review(task) for task in scenario.tasks}
        result = score_attempt(scenario, responses, reviews, rules=rules, unseen=report_ids[:fuzz.rng.randint(0, 3)])
        assert 0.0 <= result.total_percent <= 100.0
        check_stored_form(result)
    assert types_seen <= set(TASK_TYPES)


def test_the_fuzzed_scenarios_cover_every_task_type():
    assert {task.type for scenario in scenarios() for task in scenario.tasks} == set(TASK_TYPES)
