"""Home pages per role and the health check."""
from flask import Blueprint, abort, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..extensions import db, limiter
from ..i18n import reader_language, zone_label
from ..models import Agency, User, utcnow
from ..services import calendar
from ..services import cohorts as programme
from ..services import courses as learning
from ..services import course_authoring, exercises, scenario_authoring
from ..services import scenarios as casework
from ..services import database_is_reachable

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Send each role to its own home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template(f"main/home_{current_user.role}.html", **home_context(current_user.role))


def home_context(role: str) -> dict:
    """What each role's home page lists."""
    if role == "trainee":
        assignments = programme.assignments_for_trainee(current_user)
        return {"my_courses": learning.my_courses(current_user, reader_language()),
                "my_scenarios": casework.scenario_history(current_user, limit=5),
                "assignments": assignments,
                # an assigned course in the reader's language when the work has that version
                "assigned_courses": assigned_versions(assignments, reader_language()),
                "sessions": programme.upcoming_sessions(current_user),
                "live": exercises.open_exercises_for(current_user)}
    if role == "trainer":
        return {"cohorts": programme.cohorts_for(current_user), "reviews": exercises.review_queue(current_user),
                "scenario_drafts": scenario_authoring.visible_drafts(current_user),
                "course_drafts": course_authoring.visible_drafts(current_user)}
    if role != "admin":
        return {}
    count_by_role = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return {
        "count_by_role": count_by_role,
        "agency_count": db.session.scalar(select(func.count()).select_from(Agency)),
        "recent_users": db.session.scalars(select(User).order_by(User.created_at.desc()).limit(5)).all(),
    }


def assigned_versions(assignments, language: str) -> dict:
    """{assignment id: the assigned course in `language` when its work has that version}."""
    versions = learning.versions_in([a.course for a in assignments if a.course], language)
    return {a.id: versions[a.course.id] for a in assignments if a.course}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    if database_is_reachable():
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="unreachable"), 503


@bp.get("/my-programme")
@login_required
def my_programme():
    """The officer's cohorts: sessions in local time with links and recordings, attendance, what is due."""
    return render_template("main/programme.html", cohorts=calendar.my_programme(current_user),
                           feed_token=calendar.user_feed_token(current_user), web_link=calendar.web_link,
                           now=utcnow(), zone=zone_label(get_timezone()))


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def calendar_feed(token: str):
    """A private iCal feed (calendar apps cannot log in: the signed token is the key)."""
    feed = calendar.feed_for(token)
    if feed is None:
        abort(404)
    name, sessions = feed
    body = calendar.ical(name, sessions, request.host, _("Recording"))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response
