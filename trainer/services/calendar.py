"""An officer's own programme (their cohorts' sessions, attendance, assignments) and iCal feeds.

Calendar apps cannot log in, so a feed is read through a private URL: a token signed with the
app's secret key. An officer's token includes a digest of their session token, so "end every
session" (a password change, a deactivation) also retires their feed URL. A cohort's token
names only the cohort: it is shown to the cohort's trainers and members.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain.numbers import usable_day
from ..domain.web import web_link
from ..extensions import db
from ..i18n import zone_of
from .scenarios import as_aware
from ..models import Assignment, Attendance, Cohort, CohortMember, TrainingSession, User

SALT = "calendar-feed"


@dataclass(frozen=True)
class SessionLine:
    session: TrainingSession
    attendance: Attendance | None


@dataclass(frozen=True)
class CohortProgramme:
    cohort: Cohort
    sessions: list[SessionLine]
    assignments: list[Assignment]


def my_programme(user: User) -> list[CohortProgramme]:
    """Every cohort the officer is in: its sessions with their own attendance, and what is due."""
    cohorts = db.session.scalars(
        select(Cohort).join(CohortMember, CohortMember.cohort_id == Cohort.id).where(CohortMember.user_id == user.id)
        .options(selectinload(Cohort.sessions), selectinload(Cohort.assignments)).order_by(Cohort.name))
    marks = {a.session_id: a for a in db.session.scalars(select(Attendance).where(Attendance.user_id == user.id))}
    return [CohortProgramme(cohort, [SessionLine(s, marks.get(s.id)) for s in sorted(cohort.sessions, key=lambda s: s.starts_at)],
                            sorted(cohort.assignments, key=lambda a: (a.due_date is None, a.due_date, a.id)))
            for cohort in cohorts]


# --- feeds ----------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _user_digest(user: User) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:12]


def user_feed_token(user: User) -> str:
    return _serializer().dumps(["u", user.id, _user_digest(user)])


def cohort_feed_token(cohort: Cohort) -> str:
    return _serializer().dumps(["c", cohort.id])


def feed_for(token: str) -> tuple[str, list[TrainingSession]] | None:
    """(calendar name, sessions) for a valid token; None for a forged, retired or unknown one."""
    try:
        kind, ident, *rest = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if kind == "u":
        user = db.session.get(User, ident) if isinstance(ident, int) else None
        if user is None or not user.active or rest != [_user_digest(user)]:
            return None
        sessions = db.session.scalars(
            select(TrainingSession).join(CohortMember, CohortMember.cohort_id == TrainingSession.cohort_id)
            .where(CohortMember.user_id == user.id).options(selectinload(TrainingSession.cohort))
            .order_by(TrainingSession.starts_at))
        return user.full_name, list(sessions)
    if kind == "c":
        cohort = db.session.get(Cohort, ident) if isinstance(ident, int) else None
        return (cohort.name, sorted(cohort.sessions, key=lambda s: s.starts_at)) if cohort else None
    return None


def ical(name: str, sessions: list[TrainingSession], host: str, recording_label: str) -> bytes:
    """An iCalendar file: each session in its cohort's time zone (with its VTIMEZONE), stable UIDs."""
    from icalendar import Calendar, Event  # here, not at the top: importing it takes 0.17 s of every start

    calendar = Calendar()
    calendar.add("prodid", "-//trainer//sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        if not usable_day(session.starts_at):  # a slip stored before sessions were checked: it would overflow
            continue
        zone = zone_of(session.cohort.timezone)
        start = as_aware(session.starts_at).astimezone(zone)
        event = Event()
        event.add("uid", f"session-{session.id}@{host}")
        event.add("dtstamp", as_aware(session.starts_at))
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=session.minutes))
        event.add("summary", f"{session.topic} ({session.cohort.name})")
        if session.place:
            event.add("location", session.place)
        if web_link(session.place):
            event.add("url", session.place.strip())
        if web_link(session.recording_url):
            event.add("description", f"{recording_label}: {session.recording_url.strip()}")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
