"""Item analysis as Moodle defines it ("Quiz statistics calculations"), checked on matrices
computed by hand in the comments: facility, SD, discrimination index, discriminative efficiency,
flags, option shares, and reading a marks file with every problem named by line and column."""
import math
import random
import statistics

import pytest

from trainer.domain.item_stats import (
    ItemStats, MarksError, flag_labels, format_statistic, item_statistics, option_shares, parse_maxima, parse_number,
    read_marks,
)

# Five attempts, three items; C is out of 2.
#
#        A  B  C   total X
#   s1   1  1  2   4
#   s2   1  0  1   2
#   s3   0  1  2   3
#   s4   1  0  0   1
#   s5   0  0  1   1
#
# V and C divide by S - 1 = 4. Rest of the test X_i = X - x_i.
MATRIX = [(1, 1, 2), (1, 0, 1), (0, 1, 2), (1, 0, 0), (0, 0, 1)]
NAMES = ["A", "B", "C"]
MAXIMA = [1, 1, 2]


def stats_by_name(rows=MATRIX, names=NAMES, maxima=MAXIMA) -> dict[str, ItemStats]:
    return {s.name: s for s in item_statistics(names, rows, maxima)}


def test_item_a_a_fair_facility_but_negative_discrimination():
    # x = 1 1 0 1 0: mean 0.6, facility 0.6
    # deviations 0.4 0.4 -0.6 0.4 -0.6: sum of squares 3(0.16) + 2(0.36) = 1.2, V = 0.3
    #   SD = 100 sqrt(0.3) / 1 = 54.772
    # rest = 3 1 3 0 1: mean 1.6, deviations 1.4 -0.6 1.4 -1.6 -0.6, sum of squares 7.2
    # cross products 0.4(1.4) + 0.4(-0.6) - 0.6(1.4) + 0.4(-1.6) - 0.6(-0.6) = -0.8
    #   D = 100 (-0.8) / sqrt(1.2 x 7.2) = -100 sqrt(0.64 / 8.64) = -100 sqrt(2/27) = -27.217
    # sorted: x 0 0 1 1 1 against rest 0 1 1 3 3:
    #   (-0.6)(-1.6) + (-0.6)(-0.6) + 0.4(-0.6) + 0.4(1.4) + 0.4(1.4) = 2.2
    #   E = 100 (-0.8) / 2.2 = -36.364
    a = stats_by_name()["A"]
    assert a.attempts == 5 and a.max_mark == 1.0
    assert a.mean == pytest.approx(0.6) and a.facility == pytest.approx(0.6) and a.facility_percent == pytest.approx(60)
    assert a.sd == pytest.approx(100 * math.sqrt(0.3)) == pytest.approx(54.772, abs=1e-3)
    assert a.discrimination == pytest.approx(-100 * math.sqrt(2 / 27)) == pytest.approx(-27.217, abs=1e-3)
    assert a.efficiency == pytest.approx(-800 / 22) == pytest.approx(-36.364, abs=1e-3)
    assert a.flags == ("negative_discrimination",)


def test_item_b_discriminates_as_well_as_its_facility_allows():
    # x = 1 0 1 0 0: mean 0.4; deviations 0.6 -0.4 0.6 -0.4 -0.4, sum of squares 1.2, V = 0.3
    # rest = 3 2 2 1 1: mean 1.8, deviations 1.2 0.2 0.2 -0.8 -0.8, sum of squares 2.8
    # cross products 0.6(1.2) - 0.4(0.2) + 0.6(0.2) - 0.4(-0.8) - 0.4(-0.8) = 1.4
    #   D = 100 x 1.4 / sqrt(1.2 x 2.8) = 100 sqrt(1.96 / 3.36) = 100 sqrt(7/12) = 76.376
    # sorted: x 0 0 0 1 1 against rest 1 1 2 2 3:
    #   (-0.4)(-0.8) x 2 + (-0.4)(0.2) + 0.6(0.2) + 0.6(1.2) = 1.4 = the covariance: E = 100
    b = stats_by_name()["B"]
    assert b.facility == pytest.approx(0.4)
    assert b.sd == pytest.approx(54.772, abs=1e-3)
    assert b.discrimination == pytest.approx(100 * math.sqrt(7 / 12)) == pytest.approx(76.376, abs=1e-3)
    assert b.efficiency == pytest.approx(100.0)
    assert b.flags == ()


def test_item_c_partial_marks_out_of_two():
    # x = 2 1 2 0 1: mean 1.2, facility 1.2 / 2 = 0.6
    # deviations 0.8 -0.2 0.8 -1.2 -0.2: sum of squares 2.8, V = 0.7, SD = 100 sqrt(0.7) / 2 = 41.833
    # rest = 2 1 1 1 0: mean 1, deviations 1 0 0 0 -1, sum of squares 2
    # cross products 0.8(1) + 0 + 0 + 0 + (-0.2)(-1) = 1.0
    #   D = 100 x 1.0 / sqrt(2.8 x 2) = 100 / sqrt(5.6) = 42.258
    # sorted: x 0 1 1 2 2 against rest 0 1 1 1 2:
    #   (-1.2)(-1) + (-0.2)(0) + (-0.2)(0) + 0.8(0) + 0.8(1) = 2.0;  E = 100 x 1.0 / 2.0 = 50
    c = stats_by_name()["C"]
    assert c.max_mark == 2.0 and c.mean == pytest.approx(1.2) and c.facility == pytest.approx(0.6)
    assert c.sd == pytest.approx(100 * math.sqrt(0.7) / 2) == pytest.approx(41.833, abs=1e-3)
    assert c.discrimination == pytest.approx(100 / math.sqrt(5.6)) == pytest.approx(42.258, abs=1e-3)
    assert c.efficiency == pytest.approx(50.0)
    assert c.flags == ()


def test_the_items_keep_the_order_of_the_names():
    assert [s.name for s in item_statistics(NAMES, MATRIX, MAXIMA)] == ["A", "B", "C"]


def test_everyone_with_the_same_mark_has_no_spread_and_no_discrimination():
    # E scores 1 in every attempt: SD 0; its variance is 0, so D and E are undefined ("—").
    # The other item F varies, but its rest of the test (E's 1) is the same everywhere: its SD
    # exists, D and E do not.
    rows = [(1, 0), (1, 1), (1, 0), (1, 1)]
    e, f = item_statistics(["E", "F"], rows, [1, 1])
    assert (e.facility, e.sd, e.discrimination, e.efficiency) == (1.0, 0.0, None, None)
    assert e.flags == ("too_easy",)
    assert f.facility == 0.5 and f.sd == pytest.approx(100 * math.sqrt(1 / 3))  # 4 x 0.25 / 3
    assert f.discrimination is None and f.efficiency is None
    assert format_statistic(e.discrimination) == "—" and format_statistic(e.sd) == "0.00"


def test_everyone_wrong_is_too_hard_with_no_discrimination():
    nobody, other = item_statistics(["G", "H"], [(0, 1), (0, 0), (0, 1)], [1, 1])
    assert (nobody.facility, nobody.sd, nobody.discrimination, nobody.efficiency) == (0.0, 0.0, None, None)
    assert nobody.flags == ("too_hard",)
    assert other.flags == ()


def test_a_single_attempt_has_a_facility_and_nothing_else():
    # S = 1: V and C divide by S - 1 = 0, so SD, D and E are undefined.
    a, c = item_statistics(["A", "C"], [(1, 1.5)], [1, 2])
    assert (a.attempts, a.facility, a.sd, a.discrimination, a.efficiency) == (1, 1.0, None, None, None)
    assert c.facility == 0.75 and c.sd is None
    assert format_statistic(a.sd) == format_statistic(a.discrimination) == "—"


def test_no_attempts_gives_empty_statistics():
    (a,) = item_statistics(["A"], [], [1])
    assert (a.attempts, a.mean, a.facility, a.sd, a.discrimination, a.efficiency, a.flags) == (
        0, None, None, None, None, None, ())


def test_an_item_left_out_of_an_attempt_counts_only_where_it_was_given():
    # Q2 was not drawn for s3. Q1 over all four attempts; Q2 over s1, s2, s4 only.
    #        Q1  Q2   X
    #   s1   1   1    2
    #   s2   0   0    0
    #   s3   1   -    1
    #   s4   0   1    1
    # Q1: x = 1 0 1 0, rest = 1 0 0 1: deviations (0.5 -0.5 0.5 -0.5) and (0.5 -0.5 -0.5 0.5):
    #   cross products 0.25 + 0.25 - 0.25 - 0.25 = 0: D = 0; sorted x 0 0 1 1, rest 0 0 1 1:
    #   4 x 0.25 = 1: E = 0
    # Q2: x = 1 0 1 (mean 2/3), rest = 1 0 0 (mean 1/3): cross products
    #   (1/3)(2/3) + (-2/3)(-1/3) + (1/3)(-1/3) = 2/9 + 2/9 - 1/9 = 1/3
    #   sums of squares: x 2/3, rest 2/3: D = 100 (1/3) / (2/3) = 50
    #   sorted x 0 1 1, rest 0 0 1: (-2/3)(-1/3) + (1/3)(-1/3) + (1/3)(2/3) = 1/3: E = 100
    q1, q2 = item_statistics(["Q1", "Q2"], [(1, 1), (0, 0), (1, None), (0, 1)], [1, 1])
    assert q1.attempts == 4 and q1.facility == 0.5
    assert q1.discrimination == pytest.approx(0, abs=1e-9) and q1.efficiency == pytest.approx(0, abs=1e-9)
    assert q2.attempts == 3 and q2.facility == pytest.approx(2 / 3)
    assert q2.discrimination == pytest.approx(50.0) and q2.efficiency == pytest.approx(100.0)


def test_rests_equal_on_paper_are_equal_despite_floating_point():
    # The rest of I is 0.1 + 0.2 in one attempt and 0.3 in the others: the same, so V(rest) = 0
    # and D is undefined; without rounding, 0.1 + 0.2 = 0.30000000000000004 would give a D of
    # +-100 from noise.
    rows = [(1, 0.1, 0.2, None), (0, None, None, 0.3), (1, None, None, 0.3)]
    (i, *_) = item_statistics(["I", "J", "K", "L"], rows, [1, 1, 1, 1])
    assert i.sd is not None and i.discrimination is None and i.efficiency is None


@pytest.mark.parametrize("facility_marks, flags", [
    ((1,) * 9 + (0,), ()),                # 0.9 exactly: not above 0.9
    ((1,) * 10, ("too_easy",)),
    ((1,) * 2 + (0,) * 8, ()),            # 0.2 exactly: not below 0.2
    ((1,) + (0,) * 9, ("too_hard",)),
])
def test_flags_start_beyond_the_limits(facility_marks, flags):
    # The second item always equals the first, so the discrimination is positive or undefined.
    rows = [(mark, mark) for mark in facility_marks]
    first, _ = item_statistics(["A", "B"], rows, [1, 1])
    assert first.flags == flags
    assert [str(label) for label in flag_labels(("too_easy", "negative_discrimination"))] == [
        "Too easy", "Discriminates negatively"]


def test_the_one_pass_sums_agree_with_the_textbook_two_pass_formulas():
    # A random 200 x 6 matrix with partial marks and gaps, against statistics.correlation and
    # an explicit sorted covariance computed the slow way.
    rng = random.Random(11)
    maxima = [1, 1, 2, 3, 1, 4]
    rows = [tuple(None if rng.random() < 0.1 else rng.choice([0, 0.5, 1]) * m for m in maxima) for _ in range(200)]
    for j, stat in enumerate(item_statistics([f"q{j}" for j in range(6)], rows, maxima)):
        pairs = [(row[j], sum(v for v in row if v is not None) - row[j]) for row in rows if row[j] is not None]
        xs, rests = [x for x, _ in pairs], [r for _, r in pairs]
        assert stat.attempts == len(pairs)
        assert stat.facility == pytest.approx(statistics.mean(xs) / maxima[j])
        assert stat.sd == pytest.approx(100 * statistics.stdev(xs) / maxima[j])
        assert stat.discrimination == pytest.approx(100 * statistics.correlation(xs, rests))
        assert stat.efficiency == pytest.approx(
            100 * statistics.covariance(xs, rests) / statistics.covariance(sorted(xs), sorted(rests)))


def test_rows_must_match_the_names():
    with pytest.raises(ValueError):
        item_statistics(["A", "B"], [(1,)], [1, 1])
    with pytest.raises(ValueError):
        item_statistics(["A", "B"], [], [1])


# -- options chosen -------------------------------------------------------------------------------

SINGLE = {"id": "source-a", "type": "single", "options": [{"text": "A"}, {"text": "C"}, {"text": "X"}],
          "correct": [0]}


def test_single_choice_shares_with_no_answer():
    # 10 attempts: 6 chose A (keyed), 3 chose C, 1 left it blank; nobody chose X.
    shares = option_shares(SINGLE, [(0, 6), (1, 3), (None, 1)])
    assert [(str(s.option), s.keyed, s.chosen, s.attempts, s.percent) for s in shares] == [
        ("A", True, 6, 10, 60.0), ("C", False, 3, 10, 30.0), ("X", False, 0, 10, 0.0),
        ("No answer", False, 1, 10, 10.0)]


def test_multiple_choice_counts_every_ticked_option():
    # 4 attempts: [0, 2] twice, [2] once, [] (nothing ticked) once; keyed 0 and 2.
    question = {**SINGLE, "type": "multiple", "correct": [0, 2]}
    shares = option_shares(question, [([0, 2], 2), ([2], 1), ([], 1)])
    assert [(str(s.option), s.keyed, s.chosen, s.percent) for s in shares] == [
        ("A", True, 2, 50.0), ("C", False, 0, 0.0), ("X", True, 3, 75.0), ("No answer", False, 1, 25.0)]


def test_true_false_shares_and_other_types_have_none():
    shares = option_shares({"id": "axes", "type": "true_false", "truth": False}, [(True, 1), (False, 3)])
    assert [(str(s.option), s.keyed, s.chosen, s.percent) for s in shares] == [
        ("True", False, 1, 25.0), ("False", True, 3, 75.0), ("No answer", False, 0, 0.0)]
    assert option_shares({"id": "cycle", "type": "ordering"}, [(["a", "b"], 3)]) == []
    assert option_shares(SINGLE, [])[0].percent is None  # nobody took it


def test_out_of_range_or_malformed_responses_count_as_no_answer():
    shares = option_shares(SINGLE, [(7, 1), ("0", 1), (True, 1), (0, 1)])
    assert [s.chosen for s in shares] == [1, 0, 0, 3]


# -- reading a marks file -------------------------------------------------------------------------

def test_a_marks_file_with_maxima_and_a_gap():
    marks = read_marks("q1,q2,q3\n1,2,0.5\n0,,1\n", "q2=2,q3=1")
    assert marks.names == ("q1", "q2", "q3")
    assert marks.max_marks == (1.0, 2.0, 1.0)
    assert marks.rows == ((1.0, 2.0, 0.5), (0.0, None, 1.0))


def test_semicolons_and_decimal_commas_as_russian_excel_writes_them():
    import csv

    class Semicolon(csv.excel):
        delimiter = ";"

    marks = read_marks("\ufeffВопрос 1;Вопрос 2\n1;0,5\n0;1\n", dialect=Semicolon)
    assert marks.names == ("Вопрос 1", "Вопрос 2") and marks.rows == ((1.0, 0.5), (0.0, 1.0))


@pytest.mark.parametrize("spec, expected", [
    (None, (1.0, 1.0, 1.0)), ("", (1.0, 1.0, 1.0)), ("2", (2.0, 2.0, 2.0)), ("q1=2,q2=1", (2.0, 1.0, 1.0)),
    ("3, q2=0.5", (3.0, 0.5, 3.0)), ("q3=2,5", (5.0, 5.0, 2.0)),
])
def test_maxima(spec, expected):
    assert parse_maxima(spec, ("q1", "q2", "q3")) == (expected, [])


def test_bad_maxima_are_named():
    _, problems = parse_maxima("q9=2,q1=abc,q2=0,q2=1,q2=3", ("q1", "q2"))
    assert [str(p) for p in problems] == [
        "--max: there is no question “q9” in the file (its questions: q1, q2).",
        "--max: “abc” is not a maximum mark (a number above 0, such as 1 or 2.5).",
        "--max: “0” is not a maximum mark (a number above 0, such as 1 or 2.5).",
        "--max: the question “q2” is given twice.",
    ]


def test_every_problem_in_a_marks_file_is_named_by_line_and_column():
    text = ("q1,q2,q1,\n"          # line 1: q1 twice, a trailing empty cell is padding
            "1,0,1\n"
            "1,abc,0\n"            # line 3: not a number
            "\n"                   # blank lines are skipped but counted
            "2,1,1\n"              # line 5: above the maximum of 1
            "1,1\n"                # line 6: ragged
            "-1,1,1\n")            # line 7: below 0
    with pytest.raises(MarksError) as raised:
        read_marks(text)
    assert [str(p) for p in raised.value.problems] == [
        "line 1, column 3: the question name “q1” is already used in column 1.",
        "line 3, column 2 (q2): “abc” is not a mark (a number such as 1 or 0.5).",
        "line 5, column 1 (q1): the mark 2 is above the question's maximum 1 (set maxima with --max).",
        "line 6: has 2 cells but the header names 3 questions (every row needs one mark per question; leave a cell "
        "empty for a question that was not in the attempt).",
        "line 7, column 1 (q1): the mark -1 is below 0.",
    ]


@pytest.mark.parametrize("text, message", [
    ("", "The file is empty"),
    ("\n \n", "The file is empty"),
    ("q1,q2\n", "The file has a header but no rows of marks."),
    ("q1,,q3\n1,1,1\n", "line 1, column 2: the question has no name."),
    ('q1,q2\n1,"0\n', "line 2: cannot be read as CSV"),
    ("q1\ninf\n", "“inf” is not a mark"),
])
def test_unusable_files(text, message):
    with pytest.raises(MarksError) as raised:
        read_marks(text)
    assert message in str(raised.value)


@pytest.mark.parametrize("text, value", [("1", 1.0), (" 0.5 ", 0.5), ("0,25", 0.25), (".5", 0.5), ("+2", 2.0),
                                         ("1e3", None), ("1.2.3", None), ("", None), ("nan", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value
