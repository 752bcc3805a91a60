"""Attendance rules: what counts as attending, and whether a cohort's rule is met."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ATTENDED = ("present", "late")


@dataclass(frozen=True)
class AttendanceRecord:
    """One session's mark for one trainee; `caught_up` when an excused absence was made up."""

    status: str | None  # None: not yet recorded
    caught_up: bool = False


def counts_as_attended(record: AttendanceRecord) -> bool:
    """Present or late; or excused and made up (recording watched or module completed)."""
    return record.status in ATTENDED or (record.status == "excused" and record.caught_up)


@dataclass(frozen=True)
class AttendanceSummary:
    sessions: int
    attended: int
    required_percent: int | None

    @property
    def percent(self) -> float | None:
        return None if self.sessions == 0 else round(100 * self.attended / self.sessions, 1)

    @property
    def meets_rule(self) -> bool:
        """No rule, or the attended share reaches it (no sessions held yet: not met)."""
        if self.required_percent is None:
            return True
        return self.percent is not None and self.percent >= self.required_percent


def summarise(records: Iterable[AttendanceRecord], sessions_held: int, required_percent: int | None) -> AttendanceSummary:
    """Attendance over the sessions held so far; unrecorded sessions count as not attended."""
    attended = sum(1 for record in records if counts_as_attended(record))
    return AttendanceSummary(sessions_held, attended, required_percent)
