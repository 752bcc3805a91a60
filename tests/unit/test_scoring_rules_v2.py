"""Scoring rules, version 2: each change checked against values worked out by hand.

Every case also states what version 1 gives for the same answer, so the difference each rule
makes is pinned (docs/scenario-format.md, "Scoring rules, version 2", says why).
"""
import pytest

from sample_scenario import EXAMPLE, PERFECT
from trainer.domain.messages import Message
from trainer.domain.scenario import Task, parse_scenario
from trainer.domain.scoring import (
    CURRENT_RULES, LINK_TYPES, TASK_TYPES, AchRow, Criterion, DecisionContent, DecisionKey,
    DecisionKeyItem, DecisionPoint, Evidence, GradeContent, GradeKey, GradeKeyItem,
    HypothesesContent, HypothesesKey, Hypothesis, KeyLink, LinkContent, LinkKey, Option,
    ReportContent, cell_credit_v2, choice_credit_v2, score_attempt,
)
from trainer.domain.grading import GRADING_SCHEMES

FULL_REVIEW = {"final-report": {"C1": 4, "C2": 3, "C3": 3}}


def make_task(task_type, content, key, safeguard=()):
    return Task(id="t", type=task_type, title="T", weight=100, content=content, key=key,
                safeguard=frozenset(safeguard))


def score(task, response, rules=2, review=None, unseen=frozenset()):
    return TASK_TYPES[task.type].score(task, task.key, response, review, rules=rules, unseen=unseen)


def test_new_attempts_use_version_2():
    assert CURRENT_RULES == 2


# -- 4. grade: reports the trainee never saw ---------------------------------------------

def grade_task():
    keys = (GradeKeyItem("R1", "B", "2", "H0", "why R1"), GradeKeyItem("R2", "X", "4", "H2", "why R2"))
    return make_task("grade", GradeContent(("R1", "R2"), GRADING_SCHEMES["unodc-4x4"]), GradeKey(keys))


ANSWER = {"grades": {"R1": {"source": "A", "information": "3", "handling": "H0"},   # 2/3
                     "R2": {"source": "C", "information": "3", "handling": "H1"}}}  # 1/6


def test_grade_without_unseen_reports_is_unchanged():
    assert score(grade_task(), ANSWER).score == pytest.approx(5 / 12)


def test_grade_leaves_out_a_report_never_released():
    result = score(grade_task(), ANSWER, unseen=frozenset({"R2"}))
    assert result.score == pytest.approx(2 / 3)
    assert [i.item_id for i in result.items] == ["R1.source", "R1.information", "R1.handling"]
    # Version 1 scores every report, released or not.
    assert score(grade_task(), ANSWER, rules=1, unseen=frozenset({"R2"})).score == pytest.approx(5 / 12)


# -- 3. link_chart: direction and type ------------------------------------------------------

def link_task(*extra):
    links = (KeyLink("O1", "P1", "employs", "r1"), KeyLink("P1", "V1", "uses_vehicle", "r2"),
             KeyLink("P1", "P2", "associate", "r3"), *extra)
    return make_task("link_chart", LinkContent(("P1", "P2", "O1", "V1", "PH1", "PH2"), LINK_TYPES),
                     LinkKey(links))


def links(*drawn):
    return {"links": [{"between": list(pair), **({"type": t} if t is not None else {})} for *pair, t in drawn]}


def test_a_reversed_directed_link_earns_half():
    result = score(link_task(), links(("P1", "O1", "employs")))
    # credit 0.5; precision 0.5/1, recall 0.5/3 -> F1 = 2 * 0.5 * (1/6) / (2/3) = 0.25
    assert result.score == pytest.approx(0.25)
    item = result.items[0]
    assert (item.points, item.label) == (0.5, "{{O1}} → {{P1}}")
    assert isinstance(item.note, Message) and "wrong way round" in item.note
    assert "reversed" in str(item.given)
    # Version 1 ignores direction: full credit, F1 = 2 * 1 * (1/3) / (4/3) = 0.5
    assert score(link_task(), links(("P1", "O1", "employs")), rules=1).score == pytest.approx(0.5)


def test_the_right_direction_earns_full_credit_and_undirected_types_read_either_way():
    result = score(link_task(), links(("O1", "P1", "employs"), ("V1", "P1", "uses_vehicle"),
                                      ("P2", "P1", "associate")))
    # O1 -> P1 right; V1 -> P1 reversed 0.5; P2 - P1 associate has no direction 1.
    # credit 2.5, precision 2.5/3, recall 2.5/3 -> F1 = 2.5/3
    assert result.score == pytest.approx(2.5 / 3)
    assert [i.points for i in result.items] == [1.0, 0.5, 1.0]
    assert result.items[2].label == "{{P1}} – {{P2}}"


def test_a_link_without_a_known_type_earns_nothing():
    answer = links(("O1", "P1", None), ("P1", "V1", "friend_of"))
    result = score(link_task(), answer)
    assert result.score == 0.0
    assert all("needs one of the task's link types" in i.note for i in result.items[:2])
    # Version 1 gave half credit to any linked pair: credit 1, precision 1/2, recall 1/3 -> 0.4
    assert score(link_task(), answer, rules=1).score == pytest.approx(0.4)


def test_another_known_type_still_earns_half():
    result = score(link_task(), links(("P1", "V1", "owns")))
    # credit 0.5, precision 0.5/1, recall 0.5/3 -> 0.25 (as version 1)
    assert result.score == pytest.approx(0.25)
    assert score(link_task(), links(("P1", "V1", "owns")), rules=1).score == pytest.approx(0.25)


def test_drawing_both_directions_costs_precision():
    answer = links(("O1", "P1", "employs"), ("P1", "O1", "employs"))
    # two links drawn, credit 1: precision 1/2, recall 1/3 -> F1 = 2 * (1/6) / (5/6) = 0.4
    assert score(link_task(), answer).score == pytest.approx(0.4)
    # Version 1 saw one pair with one type: precision 1, recall 1/3 -> 0.5
    assert score(link_task(), answer, rules=1).score == pytest.approx(0.5)


def test_a_key_link_that_runs_both_ways_takes_either_direction_once():
    task = link_task(KeyLink("PH1", "PH2", "called", "r4", "", both_ways=True))
    assert score(task, links(("PH2", "PH1", "called"))).items[3].points == 1.0
    answer = links(("O1", "P1", "employs"), ("P1", "V1", "uses_vehicle"), ("P1", "P2", "associate"),
                   ("PH1", "PH2", "called"), ("PH2", "PH1", "called"))
    assert score(task, answer).score == 1.0  # the two directions are one link here
    assert score(task, answer).items[3].label == "{{PH1}} – {{PH2}}"


def test_every_link_right_is_one_and_numbers_as_ids_do_not_raise():
    answer = links(("O1", "P1", "employs"), ("P1", "V1", "uses_vehicle"), ("P2", "P1", "associate"))
    assert score(link_task(), answer).score == 1.0
    assert score(link_task(), {"links": [{"between": [1, 10**400], "type": "owns"}]}).score == 0.0


# -- 1. hypotheses: no free hedge, disconfirming cells weigh more, own-matrix conclusion --------

def ach_task():
    rows = (AchRow("EV1", (("H1", "consistent"), ("H2", "inconsistent")), "r1"),
            AchRow("EV2", (("H1", "neutral"), ("H2", "neutral")), "r2"))
    content = HypothesesContent((Hypothesis("H1", "h1"), Hypothesis("H2", "h2")),
                                (Evidence("EV1", "e1"), Evidence("EV2", "e2")))
    return make_task("hypotheses", content, HypothesesKey(rows, "H1", "least inconsistent"))


# Cell weights: EV1.H2 (inconsistent in the key) 2, the other three 1: 5 in all.
ALL_NEUTRAL = {"EV1": {"H1": "neutral", "H2": "neutral"}, "EV2": {"H1": "neutral", "H2": "neutral"}}
CAREFUL = {"EV1": {"H1": "consistent", "H2": "inconsistent"}, "EV2": {"H1": "consistent", "H2": "inconsistent"}}


def test_an_all_neutral_matrix_no_longer_scores_like_careful_work():
    hedge = score(ach_task(), {"matrix": ALL_NEUTRAL, "conclusion": "H1"})
    careful = score(ach_task(), {"matrix": CAREFUL, "conclusion": "H1"})
    # hedge: cells 0.25*1 + 0.25*2 + 1 + 1 = 2.75 of 5 = 0.55 -> 0.7 * 0.55 + 0.3 = 0.685
    assert hedge.score == pytest.approx(0.685)
    # careful: 1 + 2 + 0.5 + 0.5 = 4 of 5 = 0.8 -> 0.7 * 0.8 + 0.3 = 0.86
    assert careful.score == pytest.approx(0.86)
    # Version 1 scored both 0.7 * 0.75 + 0.3 = 0.825.
    assert score(ach_task(), {"matrix": ALL_NEUTRAL, "conclusion": "H1"}, rules=1).score == pytest.approx(0.825)
    assert score(ach_task(), {"matrix": CAREFUL, "conclusion": "H1"}, rules=1).score == pytest.approx(0.825)


def test_ach_cell_points_carry_their_weight():
    result = score(ach_task(), {"matrix": {"EV1": {"H1": "consistent", "H2": "neutral"},
                                           "EV2": {"H1": "inconsistent"}}, "conclusion": "H1"})
    assert [(i.points, i.max_points) for i in result.items[:4]] == [(1.0, 1.0), (0.5, 2.0), (0.5, 1.0), (0.0, 1.0)]
    # cells 2 of 5 = 0.4 -> 0.28 + 0.3 = 0.58 (version 1: 0.65)
    assert result.score == pytest.approx(0.58)


def test_a_conclusion_that_follows_from_the_trainees_own_matrix_earns_half():
    answer = {"matrix": {"EV1": {"H1": "inconsistent", "H2": "consistent"},
                         "EV2": {"H1": "neutral", "H2": "neutral"}}, "conclusion": "H2"}
    result = score(ach_task(), answer)
    # cells 0 + 0 + 1 + 1 = 2 of 5 = 0.4 -> 0.28; their matrix: H1 1 inconsistent, H2 0 -> H2
    # follows: 0.3 * 0.5 = 0.15 -> 0.43
    assert result.score == pytest.approx(0.43)
    conclusion = result.items[-1]
    assert conclusion.points == 0.5 and "your own matrix" in conclusion.note
    assert score(ach_task(), answer, rules=1).score == pytest.approx(0.35)  # 0.7 * 0.5


@pytest.mark.parametrize("matrix, expected", [
    (ALL_NEUTRAL, 0.385),                                          # a tie singles out nothing
    ({"EV1": {"H1": "inconsistent", "H2": "consistent"}}, 0.0),    # EV2 not rated: incomplete
])
def test_no_conclusion_credit_from_a_tied_or_incomplete_matrix(matrix, expected):
    result = score(ach_task(), {"matrix": matrix, "conclusion": "H2"})
    assert result.score == pytest.approx(expected)
    assert result.items[-1].points == 0.0


@pytest.mark.parametrize("given, expected, credit", [
    ("consistent", "consistent", 1.0), ("neutral", "consistent", 0.25), ("neutral", "inconsistent", 0.25),
    ("inconsistent", "neutral", 0.5), ("consistent", "neutral", 0.5), ("consistent", "inconsistent", 0.0),
    (None, "neutral", 0.0),
])
def test_cell_credit_v2(given, expected, credit):
    assert cell_credit_v2(given, expected) == credit


# -- 2. decisions: right minus wrong, safeguard violations ------------------------------------

@pytest.mark.parametrize("chosen, correct, multiple, breaches, credit", [
    ({"a", "b"}, frozenset("ab"), True, set(), 1.0),
    ({"a"}, frozenset("ab"), True, set(), 0.5),
    ({"a", "c"}, frozenset("ab"), True, set(), 0.0),         # (1 - 1) / 2
    ({"a", "b", "c"}, frozenset("ab"), True, set(), 0.5),    # (2 - 1) / 2 (Jaccard 2/3)
    ({"c"}, frozenset("ab"), True, set(), 0.0),              # floored at 0
    ({"a", "b", "c"}, frozenset("ab"), True, {"c"}, 0.0),    # c violates a safeguard
    ({"a"}, frozenset("a"), False, set(), 1.0),
    ({"b"}, frozenset("a"), False, {"b"}, 0.0),
    (set(), frozenset("ab"), True, set(), 0.0),
])
def test_choice_credit_v2(chosen, correct, multiple, breaches, credit):
    assert choice_credit_v2(chosen, correct, multiple, breaches) == pytest.approx(credit)


def lawyer_task():
    """The issue's case: three steps keyed, and 'question him before the lawyer arrives'."""
    options = (Option("a", "rights in writing", "x"), Option("b", "interpreter", "x"),
               Option("c", "lawyer", "x"),
               Option("d", "question him before the lawyer arrives", "x", frozenset({"human_rights"}), True))
    point = DecisionPoint("D1", "Which steps?", options, True, frozenset({"legal"}))
    return make_task("decision", DecisionContent((point,)),
                     DecisionKey((DecisionKeyItem("D1", frozenset("abc"), "why"),)))


def test_select_all_no_longer_beats_the_careful_answer():
    select_all = {"choices": {"D1": ["a", "b", "c", "d"]}}
    careful = {"choices": {"D1": ["a", "b"]}}
    # Version 1 (Jaccard): select all 3/4 = 0.75; careful 2/3.
    assert score(lawyer_task(), select_all, rules=1).score == pytest.approx(0.75)
    assert score(lawyer_task(), careful, rules=1).score == pytest.approx(2 / 3)
    # Version 2: d violates a safeguard -> 0; careful (2 - 0) / 3.
    result = score(lawyer_task(), select_all)
    assert result.score == 0.0 and "violates a safeguard (d)" in result.items[0].note
    assert score(lawyer_task(), careful).score == pytest.approx(2 / 3)


def test_decision_task_mean_with_a_violation():
    options = tuple(Option(o, o.upper(), f"about {o}", violates_safeguard=o == "c") for o in "abc")
    d1 = DecisionPoint("D1", "q1", options, False)
    d2 = DecisionPoint("D2", "q2", options, True, frozenset({"legal"}))
    key = DecisionKey((DecisionKeyItem("D1", frozenset("a"), "r1"), DecisionKeyItem("D2", frozenset("ab"), "r2")))
    task = make_task("decision", DecisionContent((d1, d2)), key)
    # D1 1; D2 a, b right but c violates -> 0: mean 0.5 (version 1: Jaccard 2/3 -> 5/6)
    assert score(task, {"choices": {"D1": "a", "D2": ["a", "b", "c"]}}).score == pytest.approx(0.5)
    assert score(task, {"choices": {"D1": "a", "D2": ["a", "b", "c"]}}, rules=1).score == pytest.approx(5 / 6)


# -- 5. report: an empty report is scored 0, not queued --------------------------------------

def report_task():
    rubric = (Criterion("C1", "c1", 4), Criterion("C2", "c2", 3))
    return make_task("report", ReportContent("write", rubric), None)


@pytest.mark.parametrize("response", [None, {}, {"text": ""}, {"text": " \n\t "}, {"text": ["x"]}])
def test_an_empty_report_scores_zero_without_review(response):
    result = score(report_task(), response)
    assert (result.score, result.pending) == (0.0, False)
    assert "empty" in result.items[0].note and result.items[1].note == ""
    assert score(report_task(), response, rules=1).pending  # version 1 waited for a trainer


def test_a_written_report_still_waits_for_its_review():
    assert score(report_task(), {"text": "Key judgement: ..."}).pending
    result = score(report_task(), {"text": "x"}, review={"C1": 4, "C2": 1})
    assert result.score == pytest.approx(5 / 7) and not result.pending


# -- whole attempts (the example in docs/scenario-format.md) ----------------------------------
# Weights: evaluate 25, links 20, timeline 15, ach 15, decisions 15 (D1 legal), report 10
# (legal). Safeguards weight 7.5 + 10 = 17.5; pass 70, min safeguards 60.

@pytest.fixture(scope="module")
def example():
    scenario, problems = parse_scenario(EXAMPLE, "example.yml")
    assert problems == []
    return scenario


def test_the_perfect_attempt_still_scores_100_and_records_its_version(example):
    result = score_attempt(example, PERFECT, FULL_REVIEW)
    assert (result.total_percent, result.status, result.rule_version) == (100.0, "passed", 2)
    assert score_attempt(example, PERFECT, FULL_REVIEW, rules=1).rule_version == 1


def test_an_empty_report_is_scored_and_the_attempt_decided(example):
    answers = dict(PERFECT, **{"final-report": {"text": "   "}})
    result = score_attempt(example, answers)
    # 90 + report 0 = 90 >= 70, but safeguards (7.5 * 1 + 10 * 0) / 17.5 = 42.86 % < 60.
    assert (result.total_percent, result.safeguards_percent, result.status) == (90.0, 42.86, "failed")
    assert score_attempt(example, answers, rules=1).status == "awaiting_review"


def test_an_inject_never_released_is_not_scored(example):
    wrong_r4 = {"grades": dict(PERFECT["evaluate"]["grades"], R4={"source": "A", "information": "1", "handling": "H1"})}
    answers = dict(PERFECT, evaluate=wrong_r4)
    # R4 all wrong: evaluate 9/12 = 0.75 -> total 100 - 25 * 0.25 = 93.75 (version 1 always)
    assert score_attempt(example, answers, FULL_REVIEW, rules=1, unseen={"R4"}).total_percent == 93.75
    result = score_attempt(example, answers, FULL_REVIEW, unseen={"R4", "nope", 7})
    assert (result.total_percent, result.unseen_reports) == (100.0, ("R4",))


def test_an_unknown_rule_version_is_a_programming_error(example):
    with pytest.raises(ValueError, match="rule version 3"):
        score_attempt(example, PERFECT, rules=3)


# -- 6. the validator ---------------------------------------------------------------------------

def problems_of(text, stored=False):
    spec, problems = parse_scenario(text, "example.yml", stored=stored)
    return spec, [(p.path, p.severity, str(p.message)) for p in problems]


def test_a_key_whose_conclusion_contradicts_its_matrix_is_rejected():
    text = EXAMPLE.replace("      conclusion: H1\n", "      conclusion: H2\n")
    spec, problems = problems_of(text)
    assert spec is None
    assert problems == [("tasks[3].key.conclusion", "error",
                         "the conclusion H2 contradicts the matrix: ACH prefers the hypothesis with "
                         "the fewest inconsistent ratings (H1 0, H2 1)")]
    # A version stored before the check still loads, with a warning.
    spec, problems = problems_of(text, stored=True)
    assert spec is not None and [severity for _p, severity, _m in problems] == ["warning"]


def test_a_tie_in_the_matrix_allows_either_conclusion():
    tied = EXAMPLE.replace("ratings: {H1: consistent, H2: inconsistent}", "ratings: {H1: consistent, H2: consistent}")
    for conclusion in ("H1", "H2"):
        spec, problems = problems_of(tied.replace("      conclusion: H1\n", f"      conclusion: {conclusion}\n"))
        assert spec is not None and problems == []


def test_a_key_link_drawn_towards_the_user_is_rejected():
    text = EXAMPLE.replace("{between: [P1, V1], type: uses_vehicle", "{between: [V1, P1], type: uses_vehicle")
    spec, problems = problems_of(text)
    assert spec is None
    assert problems == [("tasks[1].key[1].between", "error",
                         "uses_vehicle runs from the user to the vehicle: write between: [P1, V1]")]


def test_both_ways_is_only_for_directed_types():
    text = EXAMPLE.replace("type: associate, strength: suspected,", "type: associate, strength: suspected, both_ways: true,")
    spec, problems = problems_of(text)
    assert spec is None and problems == [("tasks[1].key[2].both_ways", "error",
                                          "associate has no direction: remove both_ways")]
    text = EXAMPLE.replace("type: uses_account, strength: confirmed,", "type: uses_account, strength: confirmed, both_ways: true,")
    assert problems_of(text) [1] == []


@pytest.mark.parametrize("option, message", [
    ("{id: a, text: \"Stop and search with the authorisation the law requires\", correct: true, violates_safeguard: true,",
     "an option that violates a safeguard cannot be correct"),
])
def test_a_safeguard_violation_cannot_be_the_right_answer(option, message):
    text = EXAMPLE.replace("{id: a, text: \"Stop and search with the authorisation the law requires\", correct: true,", option)
    spec, problems = problems_of(text)
    assert spec is None and [m for _p, _s, m in problems] == [message]


def test_a_safeguard_violation_names_the_safeguard():
    text = EXAMPLE.replace("{id: c, text: \"The trial court\",", "{id: c, text: \"The trial court\", violates_safeguard: true,")
    spec, problems = problems_of(text)
    assert spec is None and problems == [("tasks[4].decisions[1].options[2].violates_safeguard", "error",
                                          "say which safeguard it violates: tag the option, its decision "
                                          "point or the task with safeguard: legal or human_rights")]


# -- the shipped scenarios ------------------------------------------------------------------------

def test_shipped_scenarios_mark_the_options_that_breach_a_safeguard():
    from pathlib import Path
    from trainer.domain.scenario import check_scenarios

    scenarios, problems = check_scenarios(Path(__file__).resolve().parents[2] / "scenarios")
    assert [p for p in problems if p.severity == "error"] == []
    heroin = next(s for s in scenarios if s.id == "heroin-border-crossing")
    task = heroin.task("decisions")
    d3 = next(d for d in task.content.decisions if d.id == "D3")
    assert {o.id for o in d3.options if o.violates_safeguard} == {"e", "f"}   # e: interview before the lawyer
    assert "before a lawyer arrives" in heroin.render(next(o.text for o in d3.options if o.id == "e"))
    # Four of six options keyed. Select all: v1 Jaccard 4/6, v2 0. Three right picks: 3/4 in both.
    select_all = {"choices": {"D3": list("abcdef")}}
    careful = {"choices": {"D3": list("abc")}}
    d3_points = lambda answer, rules: next(i.points for i in score(task, answer, rules=rules).items if i.item_id == "D3")  # noqa: E731
    assert d3_points(select_all, 1) == pytest.approx(4 / 6) and d3_points(select_all, 2) == 0.0
    assert d3_points(careful, 1) == pytest.approx(0.75) and d3_points(careful, 2) == pytest.approx(0.75)
    for scenario in scenarios:
        for t in scenario.tasks:
            for point in getattr(t.content, "decisions", ()):
                keyed = next(k.correct for k in t.key.items if k.decision_id == point.id)
                assert not {o.id for o in point.options if o.violates_safeguard} & keyed
    exchange = next(s for s in scenarios if s.id == "multi-agency-exchange")
    calls = [link for link in exchange.task("links").key.links if link.type == "called"]
    assert calls and all(link.both_ways for link in calls)  # the call records give contacts, not who called
