"""The result page's pictures: where the chart's entities go (worked out by hand), and which links
and events the trainee got right, partly, wrong or missed, as the scoring matched them."""
import pytest

from sample_scenario import EXAMPLE
from trainer.domain.chart_layout import (
    CHART_BOX, Box, PlacedNode, chart_layout, circle_points, label_lines, link_line, saved_points,
)
from trainer.domain.scenario import parse_scenario
from trainer.domain.tasks import TASK_TYPES
from trainer.domain.tasks.attempt import compare_answers

SPEC, _ = parse_scenario(EXAMPLE, "example.yml")
BOX = Box(0, 0, 200, 100)  # centre (100, 50)


def test_entities_sit_evenly_on_the_largest_circle_first_at_the_top():
    # radius min(200, 100) / 2 = 50: top, right, bottom, left
    assert circle_points(["a", "b", "c", "d"], BOX) == {"a": (100, 0), "b": (150, 50), "c": (100, 100), "d": (50, 50)}
    assert circle_points(["a"], BOX) == {"a": (100, 50)}


def test_saved_positions_are_scaled_evenly_into_the_box_and_centred():
    # spans 10 x 5, room 200 x 100: scale 20 both ways; middle (5, 2.5) -> (100, 50)
    assert saved_points(["a", "b", "c"], {"a": [0, 0], "b": [10, 0], "c": [10, 5]}, BOX) == {
        "a": (0, 0), "b": (200, 0), "c": (200, 100)}
    # a vertical line: only the height limits the scale (100 / 10); centred across
    assert saved_points(["a", "b"], {"a": [0, 0], "b": [0, 10]}, BOX) == {"a": (100, 0), "b": (100, 100)}
    # one spot: all in the middle
    assert saved_points(["a", "b"], {"a": [7, 7], "b": [7, 7]}, BOX) == {"a": (100, 50), "b": (100, 50)}


@pytest.mark.parametrize("saved", [
    None, [], {"a": [0, 0]},  # b missing: a half-saved chart is not an arrangement
    {"a": [0, 0], "b": [1, float("inf")]}, {"a": [0, 0], "b": [True, 1]}, {"a": [0, 0], "b": "1,1"},
    {"a": [0, 0], "b": [1, 2, 3]},
])
def test_anything_but_a_complete_arrangement_falls_back_to_the_circle(saved):
    assert saved_points(["a", "b"], saved, BOX) is None
    assert {i: (n.x, n.y) for i, n in chart_layout(["a", "b"], saved, box=BOX).items()} == circle_points(["a", "b"], BOX)


def test_labels_run_away_from_the_middle_in_at_most_two_lines():
    nodes = chart_layout(["top", "right", "bottom", "left"], labels={"right": "Ruslan Tashkentov Bekovich"})
    # CHART_BOX: 130..510 x 44..436, centre (320, 240), radius 190; a label 14 + 4 from the centre,
    # its baseline 4 below the centre line, two lines (13 apart) centred on it
    assert nodes["top"] == PlacedNode("top", 320, 50, "middle", 320, 32, ("top",), "top")
    assert nodes["right"] == PlacedNode("right", 510, 240, "start", 528, 237.5, ("Ruslan", "Tashkentov Beko…"),
                                        "Ruslan Tashkentov Bekovich")
    assert nodes["bottom"] == PlacedNode("bottom", 320, 430, "middle", 320, 461, ("bottom",), "bottom")
    assert nodes["left"] == PlacedNode("left", 130, 240, "end", 112, 244, ("left",), "left")
    assert CHART_BOX.centre == (320, 240)
    assert label_lines("Ошская область") == ("Ошская область",)
    assert label_lines("Supercalifragilisticexpialidocious") == ("Supercalifragil…",)


def test_a_link_runs_from_edge_to_edge_so_its_arrowhead_shows():
    a, b = PlacedNode("a", 0, 0, "end", 0, 0), PlacedNode("b", 30, 40, "start", 0, 0)
    line = link_line(a, b)  # length 50; 14 along it is (8.4, 11.2)
    assert (line.x1, line.y1, line.x2, line.y2) == (8.4, 11.2, 21.6, 28.8)
    assert line.middle == (15, 20)


# O1 employs P1 (right), P1 uses V1 drawn V1 -> P1 (reversed: half), P1 - A1 without a type
# (nothing), P2 met at L2 (not in the key); P1 - P2 not drawn.
DRAWN = {"links": {"links": [
    {"between": ["O1", "P1"], "type": "employs"}, {"between": ["V1", "P1"], "type": "uses_vehicle"},
    {"between": ["P1", "A1"]}, {"between": ["P2", "L2"], "type": "met"}]}}


def outcomes(links):
    return [(link.a, link.b, link.outcome, link.directed) for link in links]


def test_the_charts_say_what_the_points_say():
    chart = compare_answers(SPEC, DRAWN, rules=2)["links"]
    assert outcomes(chart.mine) == [("O1", "P1", "right", True), ("V1", "P1", "partly", True),
                                    ("P1", "A1", "wrong", False), ("P2", "L2", "wrong", False)]
    assert outcomes(chart.key) == [("O1", "P1", "right", True), ("P1", "V1", "partly", True),
                                   ("P1", "P2", "missed", False), ("P1", "A1", "missed", True)]
    assert [chart.count(o) for o in ("right", "partly", "wrong", "missed")] == [1, 1, 2, 2]
    assert [n.id for n in chart.nodes] == ["P1", "P2", "O1", "V1", "PH1", "L1", "L2", "A1", "S1"]  # the board
    assert chart.label("P1") == SPEC.render(SPEC.entity_map["P1"].display) != "P1"
    task = SPEC.task("links")
    points = [i.points for i in TASK_TYPES["link_chart"].score(task, task.key, DRAWN["links"]).items]
    assert points == [1, 0.5, 0, 0, 0]  # the same links, in the same order: employs, uses_vehicle, associate, uses_account, met
    # Version 1 knew no direction and gave half for any type on a keyed pair, the empty one too.
    chart = compare_answers(SPEC, DRAWN, rules=1)["links"]
    assert outcomes(chart.mine) == [("O1", "P1", "right", False), ("P1", "V1", "right", False),
                                    ("P1", "A1", "partly", False), ("L2", "P2", "wrong", False)]


def test_the_chart_keeps_the_trainees_arrangement_and_ignores_forged_ends():
    positions = {e: [i * 10, 0] for i, e in enumerate(SPEC.task("links").content.entity_ids)}
    forged = {"links": {"links": [{"between": ["P1", "NOPE"], "type": "met"}], "positions": positions}}
    chart = compare_answers(SPEC, forged, rules=2)["links"]
    assert chart.mine == ()
    # nine entities 10 apart in a row: 80 wide into 380 (scale 4.75), centred at (320, 240)
    assert [(n.x, n.y) for n in chart.nodes][:3] == [(130, 240), (177.5, 240), (225, 240)]


def test_entities_brought_from_the_data_are_drawn_when_linked():
    answer = {"links": {"links": [{"between": ["P1", "data:+996 700 111 222"], "type": "called"}],
                        "entities": [{"id": "data:+996 700 111 222", "label": "+996 700 111 222"},
                                     {"id": "data:unused", "label": "not linked"}, "junk", {"id": 5}]}}
    chart = compare_answers(SPEC, answer)["links"]
    assert [n.id for n in chart.nodes][-2:] == ["S1", "data:+996 700 111 222"]  # after the board
    assert chart.label("data:+996 700 111 222") == "+996 700 111 222"
    assert outcomes(chart.mine) == [("P1", "data:+996 700 111 222", "wrong", True)]


def test_the_timeline_beside_the_keys_order():
    # Key E1, E2, E3; the trainee E2, E1, E3: E3 is in order with both others, E1 and E2 with one.
    order = compare_answers(SPEC, {"timeline": {"order": ["E2", "E1", "E3"], "times": {"E2": "10 March"}}})["timeline"]
    assert [(e.event_id, e.outcome, e.key_rank, e.given_rank, e.time) for e in order.mine] == [
        ("E2", "misplaced", 2, 1, "10 March"), ("E1", "misplaced", 1, 2, ""), ("E3", "right", 3, 3, "")]
    assert [(e.event_id, e.outcome, e.given_rank, e.time) for e in order.key] == [
        ("E1", "misplaced", 2, "2024-03-01"), ("E2", "misplaced", 1, "2024-03-10"), ("E3", "right", 3, "2024-03-11 05:50")]
    assert "{{" not in order.key[0].text  # mentions shown as names
    # Only E3 placed: no pair is complete, so it is not in place either; E1 and E2 are missing.
    order = compare_answers(SPEC, {"timeline": {"order": ["E3", "E3", "X"]}})["timeline"]
    assert [(e.event_id, e.outcome) for e in order.mine] == [("E3", "misplaced")]
    assert [e.outcome for e in order.key] == ["missing", "missing", "misplaced"]


@pytest.mark.parametrize("responses", [None, [], {"links": "x", "timeline": {"order": "E1"}}, {"links": {"links": [None, 5]}}])
def test_a_blank_or_malformed_answer_draws_the_key_and_nothing_else(responses):
    pictures = compare_answers(SPEC, responses)
    assert set(pictures) == {"links", "timeline"}
    assert pictures["links"].mine == () and {link.outcome for link in pictures["links"].key} == {"missed"}
    assert pictures["timeline"].mine == ()
