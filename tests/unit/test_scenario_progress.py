"""How far a trainee has got with each task: the workspace's markers and progress bar."""
from sample_scenario import EXAMPLE, PERFECT
from trainer.domain.generation import generate_variant
from trainer.domain.scenario import parse_scenario
from trainer.domain.scenario.workspace import attempt_progress, task_progress, task_state, workspace_view

SPEC, _ = parse_scenario(EXAMPLE, "example.yml")
SPEC = generate_variant(SPEC, 1) if SPEC.template else SPEC


def view(released=("R1", "R2")):
    return workspace_view(SPEC, set(released), shuffle_seed=1)


def task(kind, released=("R1", "R2")):
    return next(t for t in view(released)["tasks"] if t["type"] == kind)


def test_grades_count_the_fields_of_released_reports_only():
    grade = task("grade")  # R1 and R2 released: 2 reports x 3 fields asked
    assert task_progress(grade, {}, {"R1", "R2"}) == 0
    one_field = {"grades": {"R1": {"source": "B"}}}
    assert task_progress(grade, one_field, {"R1", "R2"}) == 1 / 6
    # R3 and R4 are in the key, but not yet in the case file: grading R1 and R2 is all there is.
    both = {"grades": {r: PERFECT["evaluate"]["grades"][r] for r in ("R1", "R2")}}
    assert task_progress(grade, both, {"R1", "R2"}) == 1
    # When R3 arrives the task is partly done again: 6 of 9 fields.
    assert task_progress(task("grade", ("R1", "R2", "R3")), both, {"R1", "R2", "R3"}) == 6 / 9
    assert task_progress(grade, {"grades": {"R1": {"source": "", "information": None}}}, {"R1", "R2"}) == 0


def test_ach_counts_every_cell_and_the_conclusion():
    ach = task("hypotheses")  # 2 evidence x 2 hypotheses + the conclusion = 5
    assert task_progress(ach, {"matrix": {"EV1": {"H1": "consistent"}}}, set()) == 1 / 5
    assert task_progress(ach, {"matrix": {}, "conclusion": "H1"}, set()) == 1 / 5
    assert task_progress(ach, PERFECT["ach"], set()) == 1


def test_decisions_count_answered_questions_a_multiple_choice_with_any_option():
    decision = task("decision")  # D1 single, D2 multiple
    assert task_progress(decision, {"choices": {"D2": []}}, set()) == 0
    assert task_progress(decision, {"choices": {"D2": ["a"]}}, set()) == 1 / 2
    assert task_progress(decision, PERFECT["decisions"], set()) == 1


def test_chart_timeline_and_report_are_answered_or_not():
    assert task_progress(task("link_chart"), {"links": []}, set()) == 0
    assert task_progress(task("link_chart"), PERFECT["links"], set()) == 1
    assert task_progress(task("timeline"), {}, set()) == 0
    assert task_progress(task("timeline"), {"order": ["E2", "E1", "E3"]}, set()) == 1
    assert task_progress(task("report"), {"text": "  \n "}, set()) == 0
    assert task_progress(task("report"), {"text": "Key findings"}, set()) == 1


def test_hostile_answers_count_as_nothing_given():
    for kind in ("grade", "hypotheses", "decision", "link_chart", "timeline", "report"):
        for answer in (None, "B2", [], {"grades": "x", "matrix": [1], "choices": 3, "links": "x", "order": 5, "text": 7}):
            assert task_progress(task(kind), answer, {"R1", "R2"}) == 0


def test_states_and_the_attempts_share():
    assert [task_state(s) for s in (0, 0.01, 0.99, 1)] == ["empty", "partly", "partly", "done"]
    responses = {"evaluate": {"grades": {"R1": {"source": "B", "information": "2", "handling": "H0"}}},
                 "ach": {"matrix": {"EV1": {"H1": "consistent"}}}, "final-report": {"text": "Draft"}}
    progress = attempt_progress(view(), responses)
    # grade 3/6, links 0, timeline 0, ACH 1/5, decisions 0, report 1: (0.5 + 0.2 + 1) / 6 = 28.3 %
    assert progress["percent"] == 28 and (progress["done"], progress["total"]) == (1, 6)
    assert {t: p["state"] for t, p in progress["tasks"].items()} == {
        "evaluate": "partly", "links": "empty", "timeline": "empty", "ach": "partly", "decisions": "empty",
        "final-report": "done"}
