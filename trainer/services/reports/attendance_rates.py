"""Attendance per cohort, per session and per month, by the rule of a cohort's attendance."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from ...domain import reports as rules
from ...extensions import db
from ...models import Attendance, Cohort, CohortMember, TrainingSession, utcnow
from . import common
from .common import ATTENDED, People, false_, in_period, month_of
from .filters import ReportFilters


def _attendance_places(filters: ReportFilters):
    """Session x member places of sessions held in the period, each with its mark (if any)."""
    query = (select(TrainingSession.id.label("session_id"), TrainingSession.cohort_id,
                    month_of(TrainingSession.starts_at).label("month"),
                    Attendance.id.label("mark_id"), Attendance.status, Attendance.caught_up_at)
             .select_from(TrainingSession)
             .join(CohortMember, CohortMember.cohort_id == TrainingSession.cohort_id))
    query = (People(filters).join(query, CohortMember.user_id)
             .outerjoin(Attendance, and_(Attendance.session_id == TrainingSession.id,
                                         Attendance.user_id == CohortMember.user_id))
             .where(in_period(TrainingSession.starts_at, filters),
                    TrainingSession.starts_at <= utcnow().replace(tzinfo=None)))
    if filters.cohort_id:
        query = query.where(TrainingSession.cohort_id == filters.cohort_id)
    if not filters.counts_sessions:
        query = query.where(false_())
    return query.subquery("place")


def _attendance_measures(place) -> list:
    def count_when(condition, name):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)

    attended = or_(place.c.status.in_(ATTENDED), and_(place.c.status == "excused", place.c.caught_up_at.is_not(None)))
    return [
        func.count().label("expected"),
        count_when(attended, "attended"),
        count_when(place.c.status == "present", "present"),
        count_when(place.c.status == "late", "late"),
        count_when(place.c.status == "absent", "absent"),
        count_when(place.c.status == "excused", "excused"),
        count_when(and_(place.c.status == "excused", place.c.caught_up_at.is_not(None)), "caught_up"),
        count_when(place.c.mark_id.is_(None), "unrecorded"),
    ]


ATTENDANCE_MEASURES = ("expected", "attended", "present", "late", "absent", "excused", "caught_up", "unrecorded")


def _with_rate(row) -> dict:
    row = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    row["rate"] = rules.percent(row["attended"], row["expected"])
    return row


def attendance_totals(filters: ReportFilters) -> dict:
    """Places, marks by status and the attendance rate over all sessions held in the period."""
    place = _attendance_places(filters)
    row = db.session.execute(select(*_attendance_measures(place),
                                    func.count(func.distinct(place.c.session_id)).label("sessions"))).one()
    return _with_rate(row)


@dataclass(frozen=True)
class AttendanceReport:
    total: dict
    by_cohort: list[dict]
    sessions: list[dict]  # one page of sessions, newest first
    session_count: int
    by_month: list[dict]


def attendance(filters: ReportFilters, page: int | None = 1) -> AttendanceReport:
    """Attendance per cohort, per session (a page of them; all when page is None) and per month.

    One grouped query, per session (a few thousand rows at the largest programmes); cohorts,
    months and the total are summed from its rows.
    """
    place = _attendance_places(filters)
    per_session = (select(place.c.session_id, place.c.cohort_id, place.c.month, Cohort.name.label("cohort"),
                          Cohort.start_date, TrainingSession.starts_at, TrainingSession.topic,
                          *_attendance_measures(place))
                   .select_from(place).join(TrainingSession, TrainingSession.id == place.c.session_id)
                   .join(Cohort, Cohort.id == place.c.cohort_id)
                   .group_by(place.c.session_id, place.c.cohort_id, place.c.month, Cohort.name, Cohort.start_date,
                             TrainingSession.starts_at, TrainingSession.topic))
    sessions = [_with_rate(row) for row in db.session.execute(per_session)]
    cohorts: dict[int, dict] = {}
    months: dict[str, dict] = {}
    for row in sessions:
        cohort = cohorts.setdefault(row["cohort_id"], {"cohort_id": row["cohort_id"], "cohort": row["cohort"],
                                                       "start_date": row["start_date"], "sessions": 0,
                                                       **dict.fromkeys(ATTENDANCE_MEASURES, 0)})
        month = months.setdefault(row["month"], {"month": row["month"], **dict.fromkeys(ATTENDANCE_MEASURES, 0)})
        cohort["sessions"] += 1
        for measure in ATTENDANCE_MEASURES:
            cohort[measure] += row[measure]
            month[measure] += row[measure]
    by_cohort = sorted(cohorts.values(), key=lambda row: row["cohort"])
    by_cohort.sort(key=lambda row: row["start_date"] or date.min, reverse=True)
    total = _with_rate({**{m: sum(row[m] for row in sessions) for m in ATTENDANCE_MEASURES},
                        "sessions": len(sessions)})
    sessions.sort(key=lambda row: row["session_id"])
    sessions.sort(key=lambda row: row["starts_at"], reverse=True)
    if page is not None:
        sessions = sessions[(max(page, 1) - 1) * common.PAGE_SIZE:max(page, 1) * common.PAGE_SIZE]
    return AttendanceReport(total, [_with_rate(row) for row in by_cohort], sessions, total["sessions"],
                            [_with_rate(months[month]) for month in sorted(months)])
