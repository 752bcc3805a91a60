"""Item analysis for trainers: per course and per scenario, Moodle's question statistics and how
often each option was chosen, with CSV exports.

A trainer sees the courses and scenarios they may edit (owned, or given edit rights), with every
officer's attempts, and those assigned to a cohort they run, with the attempts of the officers of
their cohorts only. Administrators see everything. Managers read the same tables under Reports.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select

from ..domain.numbers import whole_number
from ..exports import to_csv
from ..extensions import db
from ..item_tables import course_tables, empty_table, scenario_table, statistics_notes
from ..models import Assignment, Cohort, CohortMember, Course, Scenario, cohort_trainers
from ..permissions import can_edit_content, role_required
from ..services import item_analysis
from ..services.audit import record_audit
from ..services.reports import ReportFilters
from .errors import error_response
from .reports import download

bp = Blueprint("items", __name__, url_prefix="/items")

ALL = "all"  # every officer's attempts
MINE = "mine"  # the officers of the cohorts the trainer runs


@bp.before_request
@role_required("trainer", "admin")
def require_trainer():
    """Trainers and administrators; each trainer sees only what they write or teach."""


# -- who may see what ------------------------------------------------------------------------------

def runs_cohorts(user):
    """The cohorts a trainer runs, as a query of ids (every cohort for an administrator)."""
    if user.role == "admin":
        return select(Cohort.id)
    return select(cohort_trainers.c.cohort_id).where(cohort_trainers.c.user_id == user.id)


def teaches(user, kind: str, item) -> bool:
    """True when the course or scenario (any version of its work) is assigned to a cohort the
    trainer runs."""
    model, column = (Course, Assignment.course_id) if kind == "course" else (Scenario, Assignment.scenario_id)
    return bool(db.session.scalar(select(exists().where(
        Assignment.cohort_id.in_(runs_cohorts(user)),
        column.in_(select(model.id).where(model.work == item.work))))))


def scope_of(user, kind: str, item) -> str | None:
    """ALL for those who may edit it (and administrators), MINE for those who teach it, else None."""
    if user.role == "admin" or can_edit_content(user, kind, item.slug, item.owner_id):
        return ALL
    return MINE if teaches(user, kind, item) else None


def analysable(kind: str, slug: str):
    """The course or scenario, and whose attempts the current user may see in it (403 otherwise)."""
    model = Course if kind == "course" else Scenario
    item = db.session.scalar(select(model).where(model.slug == slug))
    if item is None:
        abort(404)
    scope = scope_of(current_user, kind, item)
    if scope is None:
        abort(403)
    return item, scope


def chosen_cohort() -> Cohort | None:
    """The cohort asked for (?cohort=id): one the trainer runs; a 404 for any other."""
    raw = (request.args.get("cohort") or "").strip()
    if not raw:
        return None
    cohort_id = whole_number(raw)
    cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
    if cohort is None or not db.session.scalar(select(exists().where(
            Cohort.id == cohort.id, Cohort.id.in_(runs_cohorts(current_user))))):
        abort(404)
    return cohort


def officers_for(scope: str):
    """The officers whose attempts count: everyone (None) or the members of the trainer's cohorts."""
    if scope == ALL:
        return None
    return select(CohortMember.user_id).where(CohortMember.cohort_id.in_(runs_cohorts(current_user)))


def analysis(kind: str, slug: str):
    """Everything a page or an export of one course or scenario needs."""
    item, scope = analysable(kind, slug)
    cohort = chosen_cohort()
    filters = ReportFilters(course_id=item.id if kind == "course" else None,
                            scenario_id=item.id if kind == "scenario" else None,
                            language=item.language, cohort_id=cohort.id if cohort else None)
    officers = officers_for(scope)
    if kind == "course":
        tables = course_tables(item_analysis.course_items(filters, officers))
    else:
        test = item_analysis.scenario_items(filters, officers)
        tables = [scenario_table(test)] if test else []
    cohorts = db.session.execute(select(Cohort.id, Cohort.name).where(Cohort.id.in_(runs_cohorts(current_user)))
                                 .order_by(Cohort.start_date.desc(), Cohort.name)).all()
    return item, scope, cohort, tables, cohorts


# -- pages -------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    """The courses and scenarios this trainer may analyse."""
    found = {"course": [], "scenario": []}
    for kind, model in (("course", Course), ("scenario", Scenario)):
        for item in db.session.scalars(select(model).order_by(model.title)):
            scope = scope_of(current_user, kind, item)
            if scope:
                found[kind].append((item, scope))
    return render_template("items/index.html", courses=found["course"], scenarios=found["scenario"],
                           ALL=ALL)


def render_analysis(kind: str, slug: str):
    item, scope, cohort, tables, cohorts = analysis(kind, slug)
    return render_template("items/analysis.html", kind=kind, item=item, scope=scope, cohort=cohort,
                           tables=tables, cohorts=cohorts, notes=statistics_notes(), ALL=ALL)


@bp.get("/courses/<slug>")
def course(slug: str):
    """Item statistics of a course's pre-test, post-test and knowledge checks."""
    return render_analysis("course", slug)


@bp.get("/scenarios/<slug>")
def scenario(slug: str):
    """Item statistics of a scenario's auto-scored answer-key items."""
    return render_analysis("scenario", slug)


def export(kind: str, slug: str):
    item, scope, cohort, tables, _cohorts = analysis(kind, slug)
    key = request.args.get("table") or (tables[0].key if tables else "")
    table = next((t for t in tables if t.key == key), None)
    if table is None and not key:  # nothing to analyse yet: the columns alone
        table = empty_table(kind)
    if table is None:
        known = ", ".join(t.key for t in tables) or "—"
        abort(make_response(*error_response(404, _("This page has no table “%(key)s” (it has: %(known)s).",
                                                    key=key[:100], known=known))))
    record_audit(f"export.items.{kind}.csv", current_user, **{kind: item.slug}, table=table.key,
                 cohort=cohort.id if cohort else None, scope=scope, rows=len(table.rows))
    db.session.commit()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    return download(to_csv(table), f"items-{item.slug}-{table.key}-{stamp}.csv", "text/csv; charset=utf-8")


@bp.get("/courses/<slug>/export.csv")
def course_export(slug: str):
    """One table of a course's item analysis as CSV (logged in the audit log)."""
    return export("course", slug)


@bp.get("/scenarios/<slug>/export.csv")
def scenario_export(slug: str):
    """The scenario's item analysis as CSV (logged in the audit log)."""
    return export("scenario", slug)
