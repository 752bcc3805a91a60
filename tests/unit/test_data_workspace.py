"""What the workspace shows of datasets and query tasks: never a key; progress by questions answered."""
import json

from sample_data_scenario import FIXED, TEMPLATE
from trainer.domain.generation import generate_variant
from trainer.domain.scenario import parse_scenario
from trainer.domain.scenario.workspace import attempt_progress, dataset_table, workspace_view


def fixed():
    scenario, problems = parse_scenario(FIXED, "data.yml")
    assert scenario is not None, problems
    return scenario


def test_the_view_lists_datasets_and_questions_without_rows_or_keys():
    scenario = fixed()
    view = workspace_view(scenario, {"R1"}, shuffle_seed=1)
    (calls,) = view["datasets"]
    assert calls["rows"] == 8 and calls["title"] == "Call records of +996 555 111 222"
    assert calls["columns"][3] == {"id": "seconds", "type": "integer", "label": "Duration, s"}
    (task,) = view["tasks"]
    assert [q["answer"] for q in task["questions"]] == ["value", "number", "number", "set", "rows"]
    assert task["questions"][0]["question"].startswith("Which number called +996 555 111 222")
    text = json.dumps(view)
    assert "Three of the four" not in text and "305" not in text and "compute" not in text


def test_the_table_has_every_row_and_names_the_entities_in_it():
    table = dataset_table(fixed(), "calls")
    assert table["rows"][0] == ["2024-03-09 10:00", "+992 90 333 4444", "+996 555 111 222", 60]
    assert len(table["rows"]) == 8
    assert table["entities"] == {"+992 90 333 4444": {"id": "PH2", "type": "phone"},
                                 "+996 555 111 222": {"id": "PH1", "type": "phone"},
                                 "+996 700 555 666": {"id": "PH3", "type": "phone"}}
    assert dataset_table(fixed(), "nope") is None


def test_a_variants_table_is_its_own():
    template, _ = parse_scenario(TEMPLATE, "t.yml")
    one, other = (dataset_table(generate_variant(template, s), "calls") for s in (1, 2))
    assert len(one["rows"]) == 3000 and one["rows"] != other["rows"]


def test_progress_counts_the_questions_answered():
    scenario = fixed()
    view = workspace_view(scenario, {"R1"}, shuffle_seed=1)
    progress = attempt_progress(view, {"data": {"answers": {"Q1": "x", "Q2": 6, "Q3": "", "Q5": [3]}}})
    assert progress["tasks"]["data"] == {"share": 0.6, "state": "partly"}
