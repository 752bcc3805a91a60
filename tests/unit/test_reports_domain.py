"""Report rules with hand-computed values: shares, medians, gain, suppression, chart geometry."""
from datetime import date, datetime

import pytest

from trainer.domain.reports import (
    SUPPRESSED, Column, bar_chart, bin_edges, bin_index, format_cell, gain_summary, histogram, is_small,
    line_chart, mean, median, nice_step, normalised_gain, percent, share_improved, suppress_row, suppress_rows,
)


# -- figures ------------------------------------------------------------------------------------

@pytest.mark.parametrize("part, whole, digits, expected", [
    (1, 3, 1, 33.3), (2, 3, 1, 66.7), (2, 4, 0, 50.0), (0, 7, 1, 0.0), (5, 0, 1, None), (0, 0, 1, None),
    (None, 4, 1, None), (7, 7, 1, 100.0),
])
def test_percent_rounds_and_never_divides_by_zero(part, whole, digits, expected):
    assert percent(part, whole, digits) == expected


def test_mean_and_median():
    assert mean([]) is None and median([]) is None
    assert mean([1, 2, 3, 4]) == 2.5
    assert median([5]) == 5.0
    assert median([3, 1, 2]) == 2.0
    assert median([4, 1, 3, 2]) == 2.5          # mean of the two middle values
    assert median([-10, 30]) == 10.0
    assert median([20, 0, -10, 60]) == 10.0      # sorted: -10, 0, 20, 60


def test_share_improved_counts_only_strict_improvement():
    pairs = [(40, 60), (50, 50), (70, 60), (20, 80)]  # up, same, down, up
    assert share_improved(pairs) == 50.0
    assert share_improved([]) is None
    assert share_improved([(10, 11)]) == 100.0


def test_gain_summary_by_hand():
    # gains 20, 0, -10, 60
    summary = gain_summary([(40, 60), (50, 50), (70, 60), (20, 80)])
    assert summary.officers == 4
    assert summary.mean_pre == 45.0 and summary.mean_post == 62.5
    assert summary.mean_gain == 17.5 and summary.median_gain == 10.0
    assert summary.improved_percent == 50.0
    empty = gain_summary([])
    assert (empty.officers, empty.mean_gain, empty.median_gain, empty.improved_percent) == (0, None, None, None)


# -- suppression ----------------------------------------------------------------------------------

COLUMNS = (
    Column("label", "Group"),
    Column("officers", "Officers", "people"),
    Column("passed", "Passed", "people"),
    Column("passed_percent", "Passed %", "percent", of="passed"),
    Column("mean", "Mean score", "score"),
    Column("sessions", "Sessions", "number"),
)


@pytest.mark.parametrize("count, small", [(0, False), (1, True), (4, True), (5, False), (120, False),
                                          (None, False), ("<5", False)])
def test_is_small_means_one_to_four_people(count, small):
    assert is_small(count) is small


def test_a_small_count_in_a_large_group_hides_it_and_its_share():
    row = {"label": "Border guards", "officers": 12, "passed": 3, "passed_percent": 25.0, "mean": 61.2, "sessions": 2}
    assert suppress_row(row, COLUMNS, "officers") == {
        "label": "Border guards", "officers": 12, "passed": SUPPRESSED, "passed_percent": SUPPRESSED,
        "mean": 61.2, "sessions": 2}


def test_a_group_of_fewer_than_five_hides_every_figure_including_zeros():
    row = {"label": "Customs, women", "officers": 4, "passed": 0, "passed_percent": 0.0, "mean": 50.0, "sessions": 3}
    assert suppress_row(row, COLUMNS, "officers") == {
        "label": "Customs, women", "officers": SUPPRESSED, "passed": SUPPRESSED, "passed_percent": SUPPRESSED,
        "mean": SUPPRESSED, "sessions": 3}  # sessions count no people


def test_zero_and_five_are_published_and_none_stays_empty():
    rows = [{"label": "A", "officers": 20, "passed": 0, "passed_percent": 0.0, "mean": None, "sessions": 1},
            {"label": "B", "officers": 5, "passed": 5, "passed_percent": 100.0, "mean": 70.0, "sessions": 1}]
    assert suppress_rows(rows, COLUMNS, "officers") == rows
    assert rows[0]["passed"] == 0  # the input is not changed


def test_without_a_group_size_only_small_counts_are_hidden():
    row = {"label": "2025-03", "officers": 2, "passed": 7, "passed_percent": 50.0, "mean": 40.0, "sessions": 1}
    published = suppress_row(row, COLUMNS)
    assert published["officers"] == SUPPRESSED and published["passed"] == 7 and published["mean"] == 40.0


def test_a_column_kind_must_be_known():
    with pytest.raises(ValueError):
        Column("x", "X", "money")


@pytest.mark.parametrize("value, kind, text", [
    (None, "people", "—"), (12, "people", "12"), (12.0, "people", "12"), (2.5, "number", "2.5"),
    (33.3333, "percent", "33.3"), (10000, "score", "10000"), (61.25, "score", "61.2"), ("<5", "people", "<5"),
    (date(2025, 1, 2), "date", "2025-01-02"), (datetime(2025, 1, 2, 13, 5), "date", "2025-01-02"),
])
def test_format_cell(value, kind, text):
    assert format_cell(value, kind) == text


# -- chart geometry ----------------------------------------------------------------------------------

def test_bar_chart_geometry_by_hand():
    chart = bar_chart([("a", 10), ("b", 5), ("c", None)], width=300, label_width=100, value_width=40,
                      bar_height=20, gap=10, unit="%")
    # plot span 300 - 100 - 40 = 160 px for the largest value, 10
    assert [bar.length for bar in chart.bars] == [160.0, 80.0, 0.0]
    assert [bar.y for bar in chart.bars] == [10, 40, 70]
    assert [bar.text for bar in chart.bars] == ["10%", "5%", "—"]
    assert (chart.height, chart.max_value) == (100, 10)


def test_bar_chart_with_a_fixed_scale_and_with_nothing_to_draw():
    assert bar_chart([("a", 50)], width=300, label_width=100, value_width=40, max_value=100).bars[0].length == 80.0
    zeros = bar_chart([("a", 0), ("b", 0)])
    assert [bar.length for bar in zeros.bars] == [0.0, 0.0]
    empty = bar_chart([], gap=8)
    assert empty.bars == () and empty.height == 8


def test_histogram_geometry_by_hand():
    chart = histogram([1, 3, 0, 2], [0, 25, 50, 75, 100], width=240, height=140, margin=20)
    # plot 200 x 100 px, 50 px per bin, baseline at y = 120, tallest bin (3) 100 px high
    assert [b.x for b in chart.bins] == [20.0, 70.0, 120.0, 170.0]
    assert [b.height for b in chart.bins] == [33.3, 100.0, 0.0, 66.7]
    assert [b.y for b in chart.bins] == [86.7, 20.0, 120.0, 53.3]
    assert chart.ticks == ((20.0, "0"), (70.0, "25"), (120.0, "50"), (170.0, "75"), (220.0, "100"))
    assert (chart.base, chart.max_count) == (120.0, 3)


def test_histogram_needs_one_more_edge_than_bins_and_draws_zeros_flat():
    with pytest.raises(ValueError):
        histogram([1, 2], [0, 50])
    assert [b.height for b in histogram([0, 0], [0, 1, 2]).bins] == [0.0, 0.0]


def test_bins():
    assert bin_edges(0, 100, 10) == (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
    assert [bin_index(v, 0, 100, 10) for v in (0, 9.99, 10, 55, 99.9, 100, -5, 140)] == [0, 0, 1, 5, 9, 9, 0, 9]
    assert [bin_index(v, -100, 100, 20) for v in (-100, -0.5, 0, 35, 100)] == [0, 9, 10, 13, 19]


def test_line_chart_geometry_by_hand_with_a_gap():
    chart = line_chart([("Jan", 10), ("Feb", None), ("Mar", 20), ("Apr", 0)], width=332, height=164, margin=32)
    # plot 268 x 100 px, x step 268 / 3, baseline y = 132, top value 20
    assert [p.x for p in chart.points] == [32.0, 121.3, 210.7, 300.0]
    assert [p.y for p in chart.points] == [82.0, None, 32.0, 132.0]
    assert chart.segments == ("32,82", "210.7,32 300,132")  # broken where February is missing
    assert chart.y_ticks == ((132.0, "0"), (107.0, "5"), (82.0, "10"), (57.0, "15"), (32.0, "20"))


def test_line_chart_edge_cases():
    single = line_chart([("Jan", 3)], width=100, height=100, margin=10)
    # 3 / 4 ticks = 0.75 -> step 1, scale 0..4: the point sits at 3/4 of the 80 px plot
    assert single.points[0].x == 10.0 and single.segments == ("10,30",)
    nothing = line_chart([("Jan", None)])
    assert nothing.segments == () and nothing.max_value == 2  # an empty chart still has a scale
    assert line_chart([("a", 50)], max_value=100, width=100, height=100, margin=0).points[0].y == 50.0


@pytest.mark.parametrize("raw, step", [(162.5, 200), (5, 5), (0.07, 0.1), (0.3, 0.5), (1, 1), (11, 20), (2500, 5000)])
def test_nice_steps(raw, step):
    assert nice_step(raw) == step


def test_a_line_chart_scale_ends_on_a_round_number():
    chart = line_chart([("a", 650), ("b", 100)], width=100, height=100, margin=0)
    assert chart.max_value == 800  # 650 / 4 ticks = 162.5 -> step 200
    assert [label for _, label in chart.y_ticks] == ["0", "200", "400", "600", "800"]


@pytest.mark.parametrize("pre, post, expected", [
    (45, 62.5, 31.8),      # 17.5 of the 55 points that were missing
    (50, 100, 100.0),      # every missing point gained
    (80, 70, -50.0),       # lower after the course: negative
    (0, 40, 40.0),
    (100, 100, None),      # full marks before the course: nothing to gain, no figure
    (None, 50, None),
])
def test_normalised_gain_by_hand(pre, post, expected):
    assert normalised_gain(pre, post) == expected
