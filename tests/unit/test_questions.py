"""Question types: validation, scoring, feedback, form parsing, drawing and shuffling."""

import json
import random

import pytest
from werkzeug.datastructures import MultiDict

from trainer.domain.questions import (
    QUESTION_TYPES,
    Question,
    ResponseError,
    attempt_percent,
    build_question,
    draw,
    feedback,
    field_name,
    parse_response,
    score,
    shuffled_presentation,
    validate_question,
)


def make_raw(type_, **fields):
    """A valid raw bank entry of the given type, with fields overridden."""
    base = {"id": f"q-{type_}", "type": type_, "prompt": "Prompt?", "explanation": "Because."}
    specific = {
        "single": {"options": [{"text": "A", "feedback": "fa"}, {"text": "B", "feedback": "fb"}, "C"],
                   "answer": 2},
        "multiple": {"options": [{"text": "A", "feedback": "fa"}, {"text": "B"},
                                 {"text": "C", "feedback": "fc"}, "D"],
                     "answer": [2, 3]},
        "true_false": {"answer": True, "feedback": {True: "Yes.", False: "No."}},
        "matching": {"pairs": [{"left": "A", "right": "one"}, {"left": "B", "right": "two"},
                               {"left": "C", "right": "three"}]},
        "ordering": {"items": ["A", "B", "C"]},
    }[type_]
    return {**base, **specific, **fields}


def make_question(type_, **fields):
    return build_question(make_raw(type_, **fields))


def messages(raw):
    return {(p.key, p.message) for p in validate_question(raw) if p.severity == "error"}


def error_keys(raw):
    return {key for key, _ in messages(raw)}


# ------------------------------------------------------------------ registry and building

def test_registry_has_the_five_types():
    assert set(QUESTION_TYPES) == {"single", "multiple", "true_false", "matching", "ordering"}


@pytest.mark.parametrize("type_", sorted(QUESTION_TYPES))
def test_valid_entries_have_no_problems(type_):
    assert validate_question(make_raw(type_)) == []


def test_single_answer_is_stored_0_based():
    q = make_question("single")
    assert q.correct == (1,)
    assert q.options[0].text == "A" and q.options[0].feedback == "fa"
    assert q.options[2].text == "C" and q.options[2].feedback == ""


def test_multiple_answers_are_stored_0_based_and_sorted():
    assert make_question("multiple", answer=[3, 2]).correct == (1, 2)


@pytest.mark.parametrize("type_", sorted(QUESTION_TYPES))
def test_to_dict_round_trips_through_json(type_):
    q = make_question(type_, competency="intel-cycle")
    again = Question.from_dict(json.loads(json.dumps(q.to_dict())))
    assert again == q


def test_to_dict_keeps_only_relevant_fields():
    data = make_question("ordering").to_dict()
    assert set(data) == {"id", "type", "prompt", "explanation", "items"}


def test_false_truth_and_no_shuffle_survive_round_trip():
    for q in (make_question("true_false", answer=False), make_question("single", shuffle=False)):
        assert Question.from_dict(json.loads(json.dumps(q.to_dict()))) == q


def test_build_question_refuses_invalid_entries():
    with pytest.raises(ValueError, match="answer"):
        build_question(make_raw("single", answer=9))


# ------------------------------------------------------------------ validation

def test_answer_out_of_range_names_the_option_count():
    assert ("answer", "answer 5 is out of range: the question has 3 options") in messages(
        make_raw("single", answer=5))


def test_multiple_answer_out_of_range_points_at_the_entry():
    assert ("answer[1]", "answer 7 is out of range: the question has 4 options") in messages(
        make_raw("multiple", answer=[1, 7]))


def test_unknown_type_lists_the_known_ones():
    ((key, message),) = messages(make_raw("single", type="essay"))
    assert key == "type"
    assert message == ("unknown question type 'essay': expected one of "
                       "single, multiple, true_false, matching, ordering")


def test_missing_common_keys_are_each_reported():
    assert error_keys({"type": "single", "options": ["a", "b"], "answer": 1}) == {"id", "prompt", "explanation"}


def test_not_a_mapping():
    ((key, message),) = messages("just text")
    assert key == "" and "expected a question" in message


@pytest.mark.parametrize("fields, key", [
    ({"options": ["only one"]}, "options"),
    ({"options": "A, B"}, "options"),
    ({"options": ["A", 5]}, "options[1]"),
    ({"options": ["A", {"feedback": "x"}]}, "options[1].text"),
    ({"options": ["A", "A"]}, "options[1]"),
    ({"answer": [1]}, "answer"),
    ({"answer": True}, "answer"),
    ({"answer": "2"}, "answer"),
    ({"answer": None}, "answer"),
    ({"shuffle": "no"}, "shuffle"),
    ({"id": "has space"}, "id"),
    ({"id": 12}, "id"),
    ({"competency": "Not A Slug"}, "competency"),
    ({"prompt": "  "}, "prompt"),
])
def test_single_choice_mistakes(fields, key):
    assert key in error_keys(make_raw("single", **fields))


@pytest.mark.parametrize("fields, key", [
    ({"answer": 2}, "answer"),
    ({"answer": []}, "answer"),
    ({"answer": [2, 2]}, "answer"),
    ({"answer": [0]}, "answer[0]"),
])
def test_multiple_choice_mistakes(fields, key):
    assert key in error_keys(make_raw("multiple", **fields))


@pytest.mark.parametrize("fields, key", [
    ({"answer": "yes please"}, "answer"),
    ({"answer": None}, "answer"),
    ({"feedback": "Good."}, "feedback"),
    ({"feedback": {True: "ok", "maybe": "?"}}, "feedback.maybe"),
    ({"feedback": {True: 3}}, "feedback.true"),
])
def test_true_false_mistakes(fields, key):
    assert key in error_keys(make_raw("true_false", **fields))


def test_true_false_accepts_quoted_feedback_keys():
    q = make_question("true_false", feedback={"true": "T", "false": "F"})
    assert (q.feedback_true, q.feedback_false) == ("T", "F")


@pytest.mark.parametrize("fields, key", [
    ({"pairs": [{"left": "A", "right": "1"}]}, "pairs"),
    ({"pairs": [{"left": "A", "right": "1"}, "B=2"]}, "pairs[1]"),
    ({"pairs": [{"left": "A", "right": "1"}, {"left": "B"}]}, "pairs[1].right"),
    ({"pairs": [{"left": "A", "right": "1"}, {"left": "A", "right": "2"}]}, "pairs[1].left"),
    ({"pairs": [{"left": "A", "right": "1"}, {"left": "B", "right": "1"}]}, "pairs[1].right"),
    ({"pairs": [{"left": "A", "right": "1"}, {"left": "B", "right": 2}]}, "pairs[1].right"),
])
def test_matching_mistakes(fields, key):
    assert key in error_keys(make_raw("matching", **fields))


@pytest.mark.parametrize("fields, key", [
    ({"items": ["only"]}, "items"),
    ({"items": ["A", "A"]}, "items[1]"),
    ({"items": ["A", None]}, "items[1]"),
    ({"items": None}, "items"),
])
def test_ordering_mistakes(fields, key):
    assert key in error_keys(make_raw("ordering", **fields))


def test_unknown_keys_are_warnings_not_errors():
    problems = validate_question(make_raw("ordering", options=["a", "b"]))
    assert [(p.key, p.severity) for p in problems] == [("options", "warning")]


def test_every_problem_is_collected():
    raw = {"id": "x", "type": "single", "options": ["A"], "answer": 4}
    assert error_keys(raw) >= {"prompt", "explanation", "options", "answer"}


# ------------------------------------------------------------------ scoring

@pytest.mark.parametrize("response, expected", [(1, 1.0), (0, 0.0), (2, 0.0), (None, 0.0), (True, 0.0)])
def test_single_is_exact(response, expected):
    assert score(make_question("single"), response) == expected


@pytest.mark.parametrize("answer, response, expected", [
    # answer is 1-based as in the bank file; responses are 0-based. Keyed [2, 3] is {1, 2}.
    ([2, 3], [0, 1], 1 / 3),    # chosen options 1,2 vs keyed 2,3: 1 shared of 3 in the union
    ([2, 3], [0, 1, 2], 2 / 3),
    ([2, 3], [1], 1 / 2),
    ([1, 2, 3], [0, 1, 2, 3], 3 / 4),
    ([2, 3], [0, 3], 0.0),
    ([2, 3], [], 0.0),
    ([2, 3], None, 0.0),
])
def test_multiple_is_jaccard(answer, response, expected):
    assert score(make_question("multiple", answer=answer), response) == pytest.approx(expected)


def test_multiple_exact_match_scores_one():
    assert score(make_question("multiple", answer=[2, 3]), [1, 2]) == 1.0


@pytest.mark.parametrize("truth, response, expected", [
    (True, True, 1.0), (True, False, 0.0), (False, False, 1.0), (False, True, 0.0),
    (True, None, 0.0), (True, 1, 0.0),
])
def test_true_false_is_exact(truth, response, expected):
    assert score(make_question("true_false", answer=truth), response) == expected


@pytest.mark.parametrize("response, expected", [
    ({"A": "one", "B": "two", "C": "three"}, 1.0),
    ({"A": "one", "B": "two", "C": "two"}, 2 / 3),
    ({"A": "two", "B": "one", "C": "three"}, 1 / 3),
    ({"A": "one"}, 1 / 3),
    ({"A": "three", "B": "one", "C": "two"}, 0.0),
    ({}, 0.0),
    (None, 0.0),
])
def test_matching_is_share_of_pairs(response, expected):
    assert score(make_question("matching"), response) == pytest.approx(expected)


@pytest.mark.parametrize("items, response, expected", [
    ("ABC", "ABC", 1.0),
    ("ABC", "BAC", 2 / 3),      # (A,B) wrong; (A,C), (B,C) right
    ("ABC", "ACB", 2 / 3),
    ("ABC", "BCA", 1 / 3),      # only (B,C) right
    ("ABC", "CBA", 0.0),
    ("ABCD", "ABDC", 5 / 6),    # 6 pairs, only (C,D) swapped
    ("ABCD", "DCBA", 0.0),
    ("ABCD", "BADC", 4 / 6),
    ("AB", "BA", 0.0),
])
def test_ordering_is_one_minus_normalised_kendall_tau(items, response, expected):
    q = make_question("ordering", items=list(items))
    assert score(q, list(response)) == pytest.approx(expected)


@pytest.mark.parametrize("response", [None, ["A", "B"], ["A", "B", "B"], ["A", "B", "X"], "ABC", [1, 2, 3]])
def test_ordering_non_permutations_score_zero(response):
    assert score(make_question("ordering"), response) == 0.0


def test_attempt_percent_is_the_mean_as_percentage():
    assert attempt_percent([1.0, 0.0, 2 / 3, 1 / 3]) == pytest.approx(50.0)
    assert attempt_percent([]) == 0.0


# ------------------------------------------------------------------ feedback

def test_single_feedback_is_the_chosen_options():
    q = make_question("single")
    assert feedback(q, 0) == ["fa"]
    assert feedback(q, 2) == []       # option C has no feedback
    assert feedback(q, None) == []


def test_multiple_feedback_lists_each_chosen_option_in_authored_order():
    assert feedback(make_question("multiple"), [2, 0, 1]) == ["fa", "fc"]


def test_true_false_feedback_is_keyed_by_the_answer_given():
    q = make_question("true_false")
    assert feedback(q, True) == ["Yes."]
    assert feedback(q, False) == ["No."]
    assert feedback(q, None) == []


def test_matching_and_ordering_have_no_option_feedback():
    assert feedback(make_question("matching"), {"A": "one"}) == []
    assert feedback(make_question("ordering"), ["A", "B", "C"]) == []


# ------------------------------------------------------------------ form parsing

def test_field_names():
    q = make_question("matching")
    assert field_name(q) == "q:q-matching"
    assert field_name(q, 2) == "q:q-matching:2"


def test_parse_single():
    q = make_question("single")
    assert parse_response(q, {"q:q-single": ["1"]}) == 1
    assert parse_response(q, {}) is None
    assert parse_response(q, {"q:q-single": [""]}) is None


@pytest.mark.parametrize("values", [["x"], ["3"], ["-1"], ["0", "1"]])
def test_parse_single_rejects_malformed(values):
    with pytest.raises(ResponseError):
        parse_response(make_question("single"), {"q:q-single": values})


def test_parse_multiple():
    q = make_question("multiple")
    assert parse_response(q, {"q:q-multiple": ["2", "0"]}) == [0, 2]
    assert parse_response(q, {}) is None


@pytest.mark.parametrize("values", [["1", "1"], ["4"], ["one"]])
def test_parse_multiple_rejects_malformed(values):
    with pytest.raises(ResponseError):
        parse_response(make_question("multiple"), {"q:q-multiple": values})


def test_parse_true_false():
    q = make_question("true_false")
    assert parse_response(q, {"q:q-true_false": ["true"]}) is True
    assert parse_response(q, {"q:q-true_false": ["false"]}) is False
    assert parse_response(q, {}) is None
    with pytest.raises(ResponseError):
        parse_response(q, {"q:q-true_false": ["yes"]})


def test_parse_matching_maps_indexes_to_texts():
    q = make_question("matching")
    values = {"q:q-matching:0": ["0"], "q:q-matching:1": ["2"], "q:q-matching:2": [""]}
    assert parse_response(q, values) == {"A": "one", "B": "three"}
    assert parse_response(q, {}) is None


@pytest.mark.parametrize("value", ["3", "x", "-1"])
def test_parse_matching_rejects_unknown_choices(value):
    with pytest.raises(ResponseError):
        parse_response(make_question("matching"), {"q:q-matching:0": [value]})


def test_parse_ordering_keeps_submitted_order():
    q = make_question("ordering")
    assert parse_response(q, {"q:q-ordering": ["1", "0", "2"]}) == ["B", "A", "C"]
    assert parse_response(q, {}) is None


@pytest.mark.parametrize("values", [["0", "1"], ["0", "0", "1"], ["0", "1", "3"], ["0", "1", "x"], ["0", "", "1"]])
def test_parse_ordering_rejects_non_permutations(values):
    with pytest.raises(ResponseError, match="exactly once"):
        parse_response(make_question("ordering"), {"q:q-ordering": values})


def test_parse_accepts_a_werkzeug_multidict():
    q = make_question("multiple")
    assert parse_response(q, MultiDict([("q:q-multiple", "3"), ("q:q-multiple", "1")])) == [1, 3]


def test_parsed_responses_score_as_expected():
    q = make_question("ordering")
    assert score(q, parse_response(q, {"q:q-ordering": ["1", "0", "2"]})) == pytest.approx(2 / 3)


# ------------------------------------------------------------------ drawing and shuffling

def bank(n):
    return [make_question("single", id=f"q{i}") for i in range(n)]


def test_draw_takes_count_distinct_questions():
    drawn = draw(bank(10), 4, random.Random(1))
    assert len(drawn) == 4 and len({q.id for q in drawn}) == 4


def test_draw_is_deterministic_for_a_seed():
    questions = bank(10)
    assert draw(questions, 5, random.Random(42)) == draw(questions, 5, random.Random(42))


def test_draw_all_and_too_many():
    questions = bank(3)
    assert {q.id for q in draw(questions, 3, random.Random(0))} == {"q0", "q1", "q2"}
    with pytest.raises(ValueError, match="cannot draw 4"):
        draw(questions, 4, random.Random(0))


@pytest.mark.parametrize("type_", ["single", "multiple", "matching", "ordering"])
def test_presentation_is_a_deterministic_permutation(type_):
    q = make_question(type_)
    first = shuffled_presentation(q, random.Random(7))
    assert first == shuffled_presentation(q, random.Random(7))
    size = len(q.options or q.pairs or q.items)
    assert sorted(first) == list(range(size))


def test_presentation_varies_with_the_seed():
    q = make_question("ordering", items=[str(i) for i in range(8)])
    orders = {shuffled_presentation(q, random.Random(seed)) for seed in range(20)}
    assert len(orders) > 10


@pytest.mark.parametrize("type_", ["ordering", "matching"])
def test_presentation_never_shows_the_keyed_order(type_):
    q = make_question(type_)
    for seed in range(200):
        assert shuffled_presentation(q, random.Random(seed)) != (0, 1, 2)


def test_shuffle_false_keeps_authored_order():
    q = make_question("single", shuffle=False)
    assert shuffled_presentation(q, random.Random(3)) == (0, 1, 2)


def test_true_false_has_nothing_to_shuffle():
    assert shuffled_presentation(make_question("true_false"), random.Random(0)) == ()


def test_texts_are_stripped_when_built():
    q = make_question("single", prompt="Which one?\n", options=[" A ", {"text": "B\n", "feedback": " fb "}])
    assert q.prompt == "Which one?"
    assert [(o.text, o.feedback) for o in q.options] == [("A", ""), ("B", "fb")]


def test_no_range_check_without_an_option_list():
    assert error_keys(make_raw("single", options="A, B", answer=2)) == {"options"}
