"""Scoring rules, version 1, each checked against values worked out by hand.

Version 1 is kept exactly for attempts scored with it, so these tests pin it with rules=1;
version 2 has its own tests (test_scoring_rules_v2.py).
"""
import pytest

from sample_scenario import EXAMPLE, PERFECT
from trainer.domain.grading import GRADING_SCHEMES, Code
from trainer.domain.scenario import Task, parse_scenario
from trainer.domain.scoring import (
    TASK_TYPES, AchRow, Criterion, DecisionContent, DecisionKey, DecisionKeyItem,
    DecisionPoint, Event, GradeContent, GradeKey, GradeKeyItem, HypothesesContent,
    HypothesesKey, Hypothesis, Evidence, KeyLink, LinkContent, LinkKey, Option, ReportContent,
    TimelineContent, TimelineKey, TimelineKeyItem, cell_credit, choice_credit, f1,
    score_attempt,
)


def make_task(task_type, content, key, safeguard=()):
    return Task(id="t", type=task_type, title="T", weight=100, content=content, key=key,
                safeguard=frozenset(safeguard))


def score(task, response, review=None, rules=1):
    return TASK_TYPES[task.type].score(task, task.key, response, review, rules=rules)


# -- grade ------------------------------------------------------------------------------

def grade_task(scheme_id, *items):
    keys = tuple(GradeKeyItem(r, s, i, h, f"why {r}") for r, s, i, h in items)
    scheme = GRADING_SCHEMES[scheme_id]
    if not scheme.handling.codes:  # admiralty: the scenario declares its handling codes
        scheme = scheme.with_handling((Code("R", "Releasable"),))
    content = GradeContent(tuple(k.report_id for k in keys), scheme)
    return make_task("grade", content, GradeKey(keys))


def test_grade_exact_one_step_and_apart_codes():
    task = grade_task("unodc-4x4", ("R1", "B", "2", "H0"), ("R2", "X", "4", "H2"))
    result = score(task, {"grades": {
        # R1: A vs B one step 0.5, 3 vs 2 one step 0.5, H0 exact 1 -> 2/3
        "R1": {"source": "A", "information": "3", "handling": "H0"},
        # R2: C vs X apart 0, 3 vs 4 one step 0.5, H1 vs H2 0 -> 1/6
        "R2": {"source": "C", "information": "3", "handling": "H1"},
    }})
    assert result.score == pytest.approx((2 / 3 + 1 / 6) / 2)  # 5/12
    points = {i.item_id: i.points for i in result.items}
    assert points == {"R1.source": 0.5, "R1.information": 0.5, "R1.handling": 1.0,
                      "R2.source": 0.0, "R2.information": 0.5, "R2.handling": 0.0}
    r2 = result.items[3]
    assert (r2.given, r2.expected, r2.rationale) == ("C", "X", "why R2")


def test_grade_apart_code_given_for_a_scale_code_earns_nothing():
    task = grade_task("admiralty-6x6", ("R1", "E", "5", "R"))
    # F next to E and 6 next to 5 in the published order, but both stand apart
    result = score(task, {"grades": {"R1": {"source": "F", "information": "6", "handling": "R"}}})
    assert result.score == pytest.approx(1 / 3)


def test_grade_5x5x5_information_4_separates_3_and_5():
    task = grade_task("uk-5x5x5", ("R1", "A", "5", "1"))
    result = score(task, {"grades": {"R1": {"source": "B", "information": "3", "handling": "1"}}})
    assert result.score == pytest.approx((0.5 + 0 + 1) / 3)


def test_grade_3x5x2_exact_apart_codes():
    task = grade_task("uk-3x5x2", ("R1", "2", "D", "C"))
    result = score(task, {"grades": {"R1": {"source": "2", "information": "D", "handling": "P"}}})
    assert result.score == pytest.approx(2 / 3)


def test_grade_ignores_case_spaces_and_number_types():
    task = grade_task("unodc-4x4", ("R1", "B", "2", "H0"))
    result = score(task, {"grades": {"R1": {"source": " b ", "information": 2, "handling": "h0"}}})
    assert result.score == 1.0


@pytest.mark.parametrize("response", [
    None, "B2", [], {"grades": None}, {"grades": ["R1"]}, {"grades": {"R1": "B2H0"}},
    {"grades": {"R1": {"source": ["B"], "information": {"x": 1}, "handling": True}}},
])
def test_grade_malformed_answers_score_zero(response):
    task = grade_task("unodc-4x4", ("R1", "B", "2", "H0"))
    assert score(task, response).score == 0.0


def test_grade_missing_report_scores_zero_for_it():
    task = grade_task("unodc-4x4", ("R1", "B", "2", "H0"), ("R2", "A", "1", "H0"))
    result = score(task, {"grades": {"R1": {"source": "B", "information": "2", "handling": "H0"}}})
    assert result.score == 0.5


# -- link_chart -------------------------------------------------------------------------

def link_task():
    links = (KeyLink("P1", "O1", "employs", "r1"), KeyLink("P1", "V1", "uses_vehicle", "r2"),
             KeyLink("P1", "P2", "associate", "r3"))
    return make_task("link_chart", LinkContent(("P1", "P2", "O1", "V1"), ()), LinkKey(links))


def test_links_unordered_pairs_wrong_type_and_extra_link():
    result = score(link_task(), {"links": [
        {"between": ["O1", "P1"], "type": "employs"},    # reversed pair, right type: 1
        {"between": ["P1", "V1"], "type": "owns"},        # right pair, wrong type: 0.5
        {"between": ["P2", "V1"], "type": "associate"},   # not in the key
    ]})
    # credit 1.5; precision 1.5/3, recall 1.5/3 -> F1 0.5
    assert result.score == pytest.approx(0.5)
    extra = [i for i in result.items if i.expected is None]
    assert len(extra) == 1 and extra[0].points == 0 and extra[0].max_points == 0


def test_links_hedging_with_two_types_costs_precision():
    result = score(link_task(), {"links": [
        {"between": ["P1", "O1"], "type": "employs"},
        {"between": ["P1", "O1"], "type": "associate"},
    ]})
    # credit 1; precision 1/2, recall 1/3 -> F1 = 2*(1/6)/(5/6) = 0.4
    assert result.score == pytest.approx(0.4)


def test_links_duplicates_count_once_and_all_right_is_one():
    links = [{"between": ["P1", "O1"], "type": "employs"}] * 2 + [
        {"between": ["V1", "P1"], "type": "uses_vehicle"},
        {"between": ["P2", "P1"], "type": "associate"}]
    assert score(link_task(), {"links": links}).score == 1.0


def test_links_the_charts_layout_and_positions_change_nothing_in_the_score():
    links = [{"between": ["P1", "O1"], "type": "employs"}, {"between": ["P2", "V1"], "type": "associate"}]
    plain = score(link_task(), {"links": links})
    arranged = score(link_task(), {"links": links, "layout": "grid",
                                   "positions": {"P1": [10, 20], "O1": [-5, 300], "bogus": "x"}})
    # credit 1; precision 1/2, recall 1/3 -> F1 0.4, arranged or not
    assert plain.score == arranged.score == pytest.approx(0.4)
    assert [i.points for i in plain.items] == [i.points for i in arranged.items]


@pytest.mark.parametrize("response", [
    None, {}, {"links": []}, {"links": "P1-O1"},
    {"links": [{"between": ["P1"], "type": "employs"}, {"between": ["P1", "P1"]}, 7]},
])
def test_links_empty_or_malformed_score_zero(response):
    assert score(link_task(), response).score == 0.0


def test_f1_edge_cases():
    assert f1(0, 3, 3) == 0.0
    assert f1(1, 0, 3) == 0.0
    assert f1(1, 3, 0) == 0.0
    assert f1(2, 2, 4) == pytest.approx(2 * 1 * 0.5 / 1.5)


# -- timeline ---------------------------------------------------------------------------

def timeline_task(*ids):
    return make_task("timeline", TimelineContent(tuple(Event(i, i) for i in ids)),
                     TimelineKey(tuple(TimelineKeyItem(i, f"why {i}") for i in ids)))


@pytest.mark.parametrize("order, expected", [
    (["A", "B", "C"], 1.0),
    (["C", "A", "B"], 1 / 3),     # AB right; AC, BC wrong
    (["B", "A", "C"], 2 / 3),     # AB wrong; AC, BC right
    (["C", "B", "A"], 0.0),
])
def test_timeline_three_events(order, expected):
    assert score(timeline_task("A", "B", "C"), {"order": order}).score == pytest.approx(expected)


@pytest.mark.parametrize("order, expected", [
    (["E2", "E1", "E3", "E4"], 5 / 6),    # only E1-E2 of 6 pairs wrong
    (["E4", "E3", "E2", "E1"], 0.0),
    (["E1", "E3", "E2"], 2 / 6),          # E4 missing: its 3 pairs lost; E2-E3 wrong
    (["E1", "E1", "X", "E2", "E3", "E4"], 1.0),   # repeats and unknown ids ignored
])
def test_timeline_four_events(order, expected):
    task = timeline_task("E1", "E2", "E3", "E4")
    assert score(task, {"order": order}).score == pytest.approx(expected)


def test_timeline_items_count_right_pairs_per_event():
    result = score(timeline_task("E1", "E2", "E3", "E4"),
                   {"order": ["E2", "E1", "E3", "E4"], "times": {"E2": "22:00"}})
    assert [(i.item_id, i.points, i.max_points) for i in result.items] == [
        ("E1", 2, 3), ("E2", 2, 3), ("E3", 3, 3), ("E4", 3, 3)]
    assert result.items[1].given == "1 · 22:00"


@pytest.mark.parametrize("response", [None, {"order": "E1,E2"}, {"order": [1, None, {}]}])
def test_timeline_malformed_scores_zero(response):
    assert score(timeline_task("E1", "E2"), response).score == 0.0


# -- hypotheses -------------------------------------------------------------------------

def ach_task():
    rows = (AchRow("EV1", (("H1", "consistent"), ("H2", "inconsistent")), "r1"),
            AchRow("EV2", (("H1", "neutral"), ("H2", "neutral")), "r2"))
    content = HypothesesContent((Hypothesis("H1", "h1"), Hypothesis("H2", "h2")),
                                (Evidence("EV1", "e1"), Evidence("EV2", "e2")))
    return make_task("hypotheses", content, HypothesesKey(rows, "H1", "least inconsistent"))


def test_ach_neutral_half_credit_and_conclusion():
    result = score(ach_task(), {"matrix": {
        "EV1": {"H1": "consistent", "H2": "neutral"},   # 1, 0.5 (neutral vs inconsistent)
        "EV2": {"H1": "inconsistent"},                   # 0.5 (key neutral), H2 blank 0
    }, "conclusion": "H1"})
    # cells (1 + 0.5 + 0.5 + 0) / 4 = 0.5 -> 0.7 * 0.5 + 0.3 = 0.65
    assert result.score == pytest.approx(0.65)


def test_ach_consistent_vs_inconsistent_is_zero_and_aliases_work():
    swapped = {"matrix": {"EV1": {"H1": "I", "H2": "c"}, "EV2": {"H1": "N", "H2": "n"}},
               "conclusion": "H2"}
    # cells (0 + 0 + 1 + 1) / 4 = 0.5 -> 0.35, wrong conclusion
    assert score(ach_task(), swapped).score == pytest.approx(0.35)


def test_ach_conclusion_alone_is_worth_point_three():
    assert score(ach_task(), {"conclusion": "H1"}).score == pytest.approx(0.3)


@pytest.mark.parametrize("response", [None, {"matrix": []}, {"matrix": {"EV1": "C"}},
                                      {"conclusion": ["H1"]}])
def test_ach_malformed_scores_zero(response):
    assert score(ach_task(), response).score == 0.0


@pytest.mark.parametrize("given, expected, credit", [
    ("consistent", "consistent", 1.0), ("neutral", "consistent", 0.5),
    ("inconsistent", "neutral", 0.5), ("consistent", "inconsistent", 0.0),
    (None, "neutral", 0.0),
])
def test_cell_credit(given, expected, credit):
    assert cell_credit(given, expected) == credit


# -- decision ---------------------------------------------------------------------------

def decision_task(safeguard_d1=False):
    options = tuple(Option(o, o.upper(), f"about {o}") for o in "abc")
    d1 = DecisionPoint("D1", "q1", options, False, frozenset({"legal"}) if safeguard_d1 else frozenset())
    d2 = DecisionPoint("D2", "q2", options, True)
    key = DecisionKey((DecisionKeyItem("D1", frozenset("a"), "r1"),
                       DecisionKeyItem("D2", frozenset("ab"), "r2")))
    return make_task("decision", DecisionContent((d1, d2)), key)


def test_decision_single_exact_and_multiple_jaccard():
    result = score(decision_task(), {"choices": {"D1": "a", "D2": ["b", "c"]}})
    # D1 1; D2 |{b}| / |{a, b, c}| = 1/3 -> mean 2/3
    assert result.score == pytest.approx(2 / 3)
    assert result.items[1].given == "b, c" and result.items[1].expected == "a, b"
    assert "about c" in result.items[1].rationale


@pytest.mark.parametrize("chosen, correct, multiple, credit", [
    ({"a"}, frozenset("a"), False, 1.0),
    ({"a", "b"}, frozenset("a"), False, 0.0),   # two answers to a single choice
    (set(), frozenset("ab"), True, 0.0),
    ({"a", "b"}, frozenset("ab"), True, 1.0),
    ({"a"}, frozenset("ab"), True, 0.5),
    ({"a", "c"}, frozenset("ab"), True, 1 / 3),
])
def test_choice_credit(chosen, correct, multiple, credit):
    assert choice_credit(chosen, correct, multiple) == pytest.approx(credit)


def test_decision_list_answer_to_single_choice_and_unknown_options():
    result = score(decision_task(), {"choices": {"D1": ["a"], "D2": ["a", "b", "zz"]}})
    assert result.score == 1.0


def test_decision_safeguard_point_is_split_out():
    result = score(decision_task(safeguard_d1=True), {"choices": {"D1": "a", "D2": ["a"]}})
    assert result.safeguard_share == 0.5
    assert result.safeguard_score == 1.0
    assert result.case_score == 0.5
    assert result.score == 0.75


@pytest.mark.parametrize("response", [None, {"choices": "a"}, {"choices": {"D1": 1, "D2": {}}}])
def test_decision_malformed_scores_zero(response):
    assert score(decision_task(), response).score == 0.0


# -- report -----------------------------------------------------------------------------

def report_task():
    rubric = (Criterion("C1", "c1", 4), Criterion("C2", "c2", 3), Criterion("C3", "c3", 3))
    return make_task("report", ReportContent("write", rubric), None)


def test_report_rubric_sum_with_clamping():
    review = {"C1": 3, "C2": {"points": 2, "comment": "ok"}, "C3": 5}
    result = score(report_task(), {"text": "..."}, review)
    assert result.score == pytest.approx((3 + 2 + 3) / 10)
    assert not result.pending
    assert result.items[1].rationale == "ok"


@pytest.mark.parametrize("review", [None, {}, {"C1": 3, "C2": 2}, {"C1": "3", "C2": 1, "C3": 1}])
def test_report_incomplete_review_is_pending(review):
    result = score(report_task(), {"text": "..."}, review)
    assert result.pending and result.score == 0.0


# -- whole attempts (the example in docs/scenario-format.md) ----------------------------
# Weights: evaluate 25, links 20, timeline 15, ach 15, decisions 15 (D1 legal), report 10
# (legal). Safeguards weight = 15/2 + 10 = 17.5; case weight = 82.5. Pass 70, min 60.

@pytest.fixture(scope="module")
def example():
    scenario, problems = parse_scenario(EXAMPLE, "example.yml")
    assert problems == []
    return scenario


FULL_REVIEW = {"final-report": {"C1": 4, "C2": 3, "C3": 3}}


def test_perfect_attempt_passes(example):
    result = score_attempt(example, PERFECT, FULL_REVIEW, rules=1)
    assert (result.total_percent, result.status, result.passed) == (100.0, "passed", True)
    assert (result.safeguards_percent, result.case_percent) == (100.0, 100.0)


def test_safeguards_minimum_fails_an_otherwise_good_attempt(example):
    answers = dict(PERFECT, decisions={"choices": {"D1": "b", "D2": ["a", "b"]}})
    review = {"final-report": {"C1": 0, "C2": 3, "C3": 0}}
    result = score_attempt(example, answers, review, rules=1)
    # total 75 + 15 * 0.5 + 10 * 0.3 = 85.5 >= 70, but
    # safeguards (7.5 * 0 + 10 * 0.3) / 17.5 = 17.14 % < 60
    assert result.total_percent == 85.5
    assert result.safeguards_percent == pytest.approx(17.14)
    assert result.case_percent == 100.0
    assert (result.status, result.passed) == ("failed", False)


def test_awaiting_review_until_the_report_is_scored(example):
    result = score_attempt(example, PERFECT, rules=1)
    assert result.status == "awaiting_review" and not result.passed
    assert result.total_percent == 90.0          # the report counts 0 while pending
    assert result.task("final-report").pending


def test_weights_combine_task_scores(example):
    answers = {"evaluate": PERFECT["evaluate"], "links": PERFECT["links"]}
    zero_review = {"final-report": {"C1": 0, "C2": 0, "C3": 0}}
    result = score_attempt(example, answers, zero_review, rules=1)
    assert result.total_percent == 45.0          # 25 + 20
    assert result.case_percent == pytest.approx(round(4500 / 82.5, 2))
    assert result.status == "failed"


def test_attempt_tolerates_garbage(example):
    result = score_attempt(example, "not a dict", report_scores=["nope"], rules=1)
    assert result.total_percent == 0.0 and result.status == "awaiting_review"


def test_feedback_shows_the_variant_names(example):
    from trainer.domain.generation import generate_variant

    variant = generate_variant(example, 7)
    result = score_attempt(variant, PERFECT, FULL_REVIEW, rules=1)
    name = variant.entity("P1").display
    link = result.task("links").items[0]  # O1 – P1
    assert link.label.endswith(name) and "{{" not in link.rationale


def test_answer_key_marks_of_something_that_is_not_a_stored_result_are_none():
    from trainer.domain.scoring import answer_key_marks

    for stored in (None, {}, {"tasks": "none"}, {"tasks": [None, {"task_id": "t", "type": "grade", "items": None}]},
                   {"tasks": [{"task_id": "t", "type": "grade", "items": [{"item_id": "A", "points": "some",
                                                                           "max_points": 1}]}]}):
        assert answer_key_marks(stored) == []
