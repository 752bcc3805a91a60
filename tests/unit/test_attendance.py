"""Completion from attendance, with the catch-up path for excused absences."""
from trainer.domain.attendance import AttendanceRecord, summarise


def records(*marks):
    return [AttendanceRecord(status, caught_up) for status, caught_up in marks]


def test_present_and_late_count_absent_does_not():
    summary = summarise(records(("present", False), ("late", False), ("absent", False), ("present", False)), 4, 75)
    assert (summary.attended, summary.percent, summary.meets_rule) == (3, 75.0, True)


def test_excused_counts_only_once_caught_up():
    marks = [("present", False), ("excused", False), ("present", False)]
    assert summarise(records(*marks), 3, 100).meets_rule is False
    marks[1] = ("excused", True)
    assert summarise(records(*marks), 3, 100).meets_rule is True


def test_caught_up_does_not_rescue_an_unexcused_absence():
    assert summarise(records(("absent", True)), 1, 50).attended == 0


def test_unrecorded_sessions_count_as_missed_and_no_rule_always_meets():
    summary = summarise(records(("present", False)), 3, 50)
    assert (summary.percent, summary.meets_rule) == (33.3, False)
    assert summarise([], 0, None).meets_rule is True
    assert summarise([], 0, 50).meets_rule is False
