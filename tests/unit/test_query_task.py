"""The query task: keys computed from the data, scored by hand-computed values, bad input named."""

from datetime import datetime

import pytest

from sample_data_scenario import FIXED, TEMPLATE
from trainer.domain.generation import generate_variant
from trainer.domain.scenario import parse_scenario
from trainer.domain.scenario.datasets import Condition, matching_rows
from trainer.domain.scoring import TASK_TYPE_LABELS, TASK_TYPES, score_attempt
from trainer.domain.tasks.query import QueryTask, answer_problem

PH1, PH2, PH3 = "+996 555 111 222", "+992 90 333 4444", "+996 700 555 666"


def parse(text):
    scenario, problems = parse_scenario(text, "data.yml")
    return scenario, [f"{p.path}: {p.message}" for p in problems if p.severity == "error"]


@pytest.fixture(scope="module")
def fixed():
    scenario, problems = parse(FIXED)
    assert problems == []
    return scenario


def score(scenario, answers):
    task = scenario.task("data")
    return TASK_TYPES["query"].score(task, task.key, {"answers": answers})


def test_query_is_a_registered_task_type():
    assert isinstance(TASK_TYPES["query"], QueryTask)
    assert TASK_TYPE_LABELS["query"] == "Questions on the data"


def test_keys_of_a_typed_in_table_are_computed_at_parse(fixed):
    keys = {k.question_id: k for k in fixed.task("data").key.items}
    assert keys["Q1"].values == {PH2}
    assert keys["Q2"].number == 6
    assert keys["Q3"].number == 305
    assert keys["Q4"].values == {PH2, PH3}
    assert keys["Q5"].values == {3, 4, 5, 6}


def test_hand_computed_scores(fixed):
    # Q1 right however spaced; Q2 right as text; Q3 290 is within 10% of 305 (±30.5);
    # Q4 one of two numbers: precision 1, recall 1/2, F1 2/3; Q5 rows 3, 4, 5 and 9: 3 right of
    # 4 given and 4 keyed, F1 0.75. Mean: (1 + 1 + 1 + 2/3 + 0.75) / 5 = 0.883333...
    result = score(fixed, {"Q1": "+992903334444", "Q2": "6", "Q3": "290", "Q4": [PH2],
                           "Q5": [3, 4, 5, 9]})
    points = {i.item_id: round(i.points, 4) for i in result.items}
    assert points == {"Q1": 1.0, "Q2": 1.0, "Q3": 1.0, "Q4": 0.6667, "Q5": 0.75}
    assert result.score == pytest.approx((3 + 2 / 3 + 0.75) / 5)


def test_a_number_outside_the_tolerance_and_a_wrong_value(fixed):
    result = score(fixed, {"Q1": PH3, "Q2": 7, "Q3": "336", "Q4": [PH2, PH3, PH1], "Q5": "3, 4, 5, 6"})
    points = {i.item_id: round(i.points, 4) for i in result.items}
    # Q3: |336 - 305| = 31 > 30.5; Q4: 2 right of 3 given, 2 keyed: P 2/3, R 1, F1 0.8;
    # Q5 typed as text in one field: all four rows.
    assert points == {"Q1": 0.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.8, "Q5": 1.0}


def test_feedback_shows_the_answer_the_key_and_the_rationale(fixed):
    result = score_attempt(fixed, {"data": {"answers": {"Q2": "6", "Q3": "300"}}})
    items = {i.item_id: i for i in result.task("data").items}
    assert (items["Q2"].given, items["Q2"].expected) == ("6", "6")
    assert items["Q3"].expected == "305 (± 10%)"
    assert items["Q5"].expected == "3, 4, 5, 6"
    assert items["Q1"].given is None and items["Q1"].points == 0
    assert items["Q1"].label == f"Which number called {PH1} most often in the 48 hours before the seizure?"
    assert items["Q4"].rationale == f"Two numbers: {PH2} and {PH3}."
    assert result.total_percent == pytest.approx(40.0)


def test_text_for_a_number_gets_a_clear_message_and_scores_zero(fixed):
    q2 = fixed.task("data").content.questions[1]
    problem = answer_problem(q2, "six")
    assert problem == "'six' is not a number: write digits, e.g. 14 or 1 250,50"
    assert answer_problem(q2, "1 250,5") is None
    q5 = fixed.task("data").content.questions[4]
    assert answer_problem(q5, ["3", "row four"]) == ("'row four' is not a row number: give the numbers "
                                                     "of the rows, e.g. 3, 17")
    item = next(i for i in score(fixed, {"Q2": "six"}).items if i.item_id == "Q2")
    assert (item.given, item.points, item.note) == ("six", 0.0, problem)


# -- templates: every variant its own key ---------------------------------------------------

@pytest.fixture(scope="module")
def template():
    scenario, problems = parse(TEMPLATE)
    assert problems == []
    return scenario


def test_each_variant_is_keyed_from_its_own_rows(template):
    keys = set()
    for seed in range(1, 13):
        variant = generate_variant(template, seed)
        ph1, ph2 = variant.entity("PH1").display, variant.entity("PH2").display
        k = {k.question_id: k for k in variant.task("data").key.items}
        assert k["Q1"].values == {ph2}  # the planted burst: nine calls
        calls = variant.dataset("calls")
        window = (Condition("caller", (ph2,)), Condition("callee", (ph1,)),
                  Condition("time", (), datetime(2024, 3, 10, 6), datetime(2024, 3, 12, 6)))
        burst = matching_rows(calls, window)
        assert k["Q2"].number == len(burst) >= 9
        assert k["Q3"].values == frozenset(burst)
        assert set(dict(calls.planted)["burst"]) <= k["Q3"].values
        keys.add(frozenset(k["Q3"].values))
        result = score_attempt(variant, {"data": {"answers": {"Q1": ph2, "Q2": str(len(burst)),
                                                              "Q3": sorted(burst)}}})
        assert result.total_percent == 100.0
    assert len(keys) == 12  # other seeds, other rows, other answers


def test_the_template_itself_is_not_keyed(template):
    assert all(not k.keyed and k.compute is not None for k in template.task("data").key.items)


# -- mistakes named -------------------------------------------------------------------------

def test_a_key_referring_to_a_missing_column_or_dataset():
    _, found = parse(FIXED.replace("most: caller", "most: calling"))
    assert found == ["tasks[0].questions[0].compute.most: dataset 'calls' has no column 'calling' "
                     "(columns: time, caller, callee, seconds)"]
    _, found = parse(FIXED.replace("where: {callee: PH1}, count", "where: {called: PH1}, count"))
    assert found == ["tasks[0].questions[1].compute.where.called: dataset 'calls' has no column 'called' "
                     "(columns: time, caller, callee, seconds)"]
    _, found = parse(FIXED.replace("      - id: Q2\n        dataset: calls", "      - id: Q2\n        dataset: cals"))
    assert found == ["tasks[0].questions[1].dataset: unknown dataset 'cals'"]


def test_an_answer_kind_the_computation_does_not_give():
    _, found = parse(FIXED.replace("answer: set", "answer: number"))
    assert found == ["tasks[0].questions[3].compute: distinct: gives a list of values, but the question's "
                     "answer is a number"]
    _, found = parse(FIXED.replace('tolerance: "10%"', 'tolerance: "ten"'))
    assert found == ["tasks[0].questions[2].tolerance: tolerance is a number (5) or a percentage (\"2%\"), "
                     "not 'ten'"]


def test_typed_keys_and_where_templates_refuse_them():
    text = FIXED.replace("compute: {where: {callee: PH1}, count: true}", "key: 6")
    scenario, found = parse(text)
    assert found == [] and scenario.task("data").key.items[1].number == 6
    _, found = parse(FIXED.replace("compute: {where: {callee: PH1}, count: true}", "key: six"))
    assert found == ["tasks[0].questions[1].key: expected a number, got 'six'"]
    _, found = parse(TEMPLATE.replace("""        compute:
          where: {caller: PH2, callee: PH1, time: {from: "2024-03-10 06:00", to: "2024-03-12 06:00"}}
          count: true""", "        key: 9"))
    assert found == ["tasks[0].questions[1].key: in a template the key comes from each variant's data: "
                     "write compute: instead of key:"]


def test_a_computation_with_no_row_has_no_answer():
    _, found = parse(FIXED.replace('to: "2024-03-12 06:00"}}\n          most', 'to: "2024-03-10 07:00"}}\n          most'))
    assert found == ["tasks[0].questions[0].compute: question 'Q1': no row of 'calls' meets the conditions, "
                     "so there is no answer"]
