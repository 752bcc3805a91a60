"""Trainees work synthetic case scenarios: case file, tasks, autosave, submit, feedback."""
from flask import (Blueprint, Response, abort, flash, jsonify, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import defer

from .. import fragments
from ..choices import COLUMN_TYPE_LABELS
from ..domain.chart_export import chart_anx, chart_board
from ..domain.scenario.workspace import attempt_progress, workspace_frame
from ..domain.tasks.attempt import compare_answers
from ..domain.works import arrange_works
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import reader_language, translate
from ..models import ScenarioAttempt
from ..permissions import own_or_404
from ..services import chart_exports
from ..services import scenarios as casework
from ..services.concurrency import Contended, commit_with_retry
from ..services.exercises import may_review

bp = Blueprint("scenarios", __name__)
# What a task's marker says to screen readers (its state: trainer/domain/scenario/workspace.py).
TASK_STATE_TEXTS = {"done": _l("done"), "partly": _l("partly done"), "empty": _l("not started")}


# The answers and the scored breakdown (JSON, the largest columns) are read only when the page's
# body is drawn, not when a kept one is served (trainer/fragments.py).
ANSWER_COLUMNS = ("responses", "result", "report_scores")
WITHOUT_ANSWERS = tuple(defer(getattr(ScenarioAttempt, name)) for name in ANSWER_COLUMNS)


def load_answers(attempt: ScenarioAttempt) -> None:
    """The deferred answer columns in one query (each on its own would be one query apiece)."""
    db.session.refresh(attempt, attribute_names=ANSWER_COLUMNS)


def scenario_or_404(slug: str):
    scenario = casework.scenario_by_slug(slug)
    if scenario is None:
        abort(404)
    return scenario


@bp.get("/scenarios")
@login_required
def index():
    # One entry per work, the version in the reader's language first.
    return render_template("scenarios/index.html",
                           scenarios=arrange_works(casework.active_scenarios(), reader_language()))


@bp.get("/scenarios/<slug>")
@login_required
def detail(slug: str):
    scenario = scenario_or_404(slug)
    return render_template("scenarios/detail.html", scenario=scenario, work=casework.versions_of(scenario),
                           attempts=casework.attempts_of(current_user, scenario), form=EmptyForm())


@bp.post("/scenarios/<slug>/start")
@login_required
def start(slug: str):
    scenario = scenario_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    attempt = casework.start_attempt(current_user, scenario)
    db.session.commit()
    return redirect(url_for("scenarios.workspace", attempt_id=attempt.id))


@bp.get("/scenario-attempts/<int:attempt_id>")
@login_required
def workspace(attempt_id: int):
    attempt = own_or_404(ScenarioAttempt, attempt_id, *WITHOUT_ANSWERS)
    if attempt.submitted_at:
        return redirect(url_for("scenarios.result", attempt_id=attempt.id))
    case = casework.attempt_case(attempt)
    frame = workspace_frame(*case)

    def body():
        view = casework.attempt_view(attempt, case)
        load_answers(attempt)
        responses = attempt.responses or {}
        return render_template("scenarios/_workspace_body.html", attempt=attempt, view=view, responses=responses,
                               COLUMN_TYPE_LABELS=COLUMN_TYPE_LABELS, chart_board=chart_board,
                               progress=attempt_progress(view, responses), STATE_TEXTS=TASK_STATE_TEXTS,
                               task_limit=casework.MAX_TASK_BYTES, SESSION_TOKEN=fragments.SESSION_TOKEN)

    # Kept per attempt state (every autosave bumps row_version) and per case file (reports
    # released by a trainer or by the clock): reopening unchanged work is not drawn again.
    kept = fragments.rendered(("scenario workspace", attempt.id, attempt.user_id, attempt.version_id,
                               attempt.row_version, frame["released"], frame["pending_reports"]), body)
    return render_template("scenarios/workspace.html", frame=frame, body=kept)


@bp.post("/scenario-attempts/<int:attempt_id>/save")
@login_required
def save(attempt_id: int):
    """Autosave: the browser sends only the tasks that changed since its last save."""
    attempt = own_or_404(ScenarioAttempt, attempt_id)
    try:
        changes = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes: refused like any malformed body
        changes = None

    def merge():
        # saved_at is read before the commit expires the attempt: reading it after would load the
        # whole attempt again, answers included, on every autosave.
        return casework.save_responses(attempt, changes), attempt.saved_at

    try:
        saved, saved_at = commit_with_retry(merge)
    except casework.AttemptClosed as problem:
        return jsonify(saved=False, reason="submitted", error=str(problem),
                       message=_("This attempt has been submitted; it can no longer change.")), 409
    except casework.AnswerTooLarge as problem:
        return too_large(attempt, problem)
    except casework.SaveRejected as problem:
        return jsonify(saved=False, error=str(problem)), 400
    except Contended:
        return jsonify(saved=False, error="busy", message=_("Not saved yet: trying again.")), 503
    return jsonify(saved=True, tasks=saved, saved_at=saved_at.isoformat())


def too_large(attempt: ScenarioAttempt, problem):
    """413 naming each task whose answer is over the limit; nothing of this save was stored."""
    titles = {task["id"]: task["title"] for task in casework.attempt_view(attempt)["tasks"]}
    kb = lambda size: f"{size // 1000}"  # noqa: E731
    names = ", ".join(f"“{titles.get(task_id, task_id)}” ({-(-size // 1000)} KB)"  # rounded up: over the limit
                      for task_id, size in sorted(problem.sizes.items()))
    if problem.together:
        message = _("Not saved: your answers together are larger than the platform keeps (%(limit)s KB). "
                    "Shorten %(tasks)s; your text stays in this browser meanwhile.", limit=kb(problem.limit), tasks=names)
    else:
        message = _("Not saved: the answer to %(tasks)s is larger than the platform keeps for one task "
                    "(%(limit)s KB). Shorten it; your text stays in this browser meanwhile.", limit=kb(problem.limit), tasks=names)
    return jsonify(saved=False, error=str(problem), message=message, limit=problem.limit,
                   too_large=[{"task": task_id, "title": titles.get(task_id, task_id), "bytes": size}
                              for task_id, size in sorted(problem.sizes.items())]), 413


@bp.get("/scenario-attempts/<int:attempt_id>/reports")
@login_required
def new_reports(attempt_id: int):
    """Reports released since the page was drawn, as HTML to insert (polled during exercises)."""
    attempt = own_or_404(ScenarioAttempt, attempt_id)
    have = {report_id for report_id in request.args.get("have", "").split(",") if report_id}
    case = casework.attempt_case(attempt)
    frame = workspace_frame(*case)
    if set(frame["released"]) <= have:  # the usual answer to a poll: nothing new, nothing drawn
        return jsonify(pending=frame["pending_reports"], grade_rows={}, reports=[])
    view = casework.attempt_view(attempt, case)
    released = [report["id"] for report in view["reports"]]
    fresh = [report for report in view["reports"] if report["id"] not in have]
    grade_rows = {
        task["id"]: {report["id"]: render_template("scenarios/_grade_row.html", task=task, report_id=report["id"],
                                                   released=released, view=view, grades={})
                     for report in fresh if report["id"] in task["report_ids"]}
        for task in view["tasks"] if task["type"] == "grade"
    }
    return jsonify(pending=view["pending_reports"], grade_rows=grade_rows,
                   reports=[{"id": report["id"], "html": render_template("scenarios/_report.html", report=report)}
                            for report in fresh])


@bp.get("/scenario-attempts/<int:attempt_id>/data")
@login_required
def data(attempt_id: int):
    """The attempt's datasets with their rows, as JSON: the data tab loads them when it is first
    opened, so the workspace page stays light (?dataset=ID gives one)."""
    attempt = own_or_404(ScenarioAttempt, attempt_id)
    table = casework.attempt_data(attempt, request.args.get("dataset"))
    if table is None:
        abort(404)
    return jsonify(table)


def readable_attempt_or_404(attempt_id: int) -> ScenarioAttempt:
    """The current user's own attempt, or a trainee's that they may review (404 otherwise)."""
    attempt = db.session.get(ScenarioAttempt, attempt_id)
    if attempt is None or not (attempt.user_id == current_user.id or may_review(current_user, attempt)):
        abort(404)
    return attempt


# The link chart for i2 Analyst's Notebook (.anx) or as two CSV tables in a zip; PNG and SVG are
# drawn in the browser from the chart on screen (static/js/workspace.js).
CHART_FORMATS = {"anx": "application/octet-stream", "zip": "application/zip"}


@bp.get("/scenario-attempts/<int:attempt_id>/chart/<task_id>.<any(anx, zip):fmt>")
@login_required
def chart_export(attempt_id: int, task_id: str, fmt: str):
    attempt = readable_attempt_or_404(attempt_id)
    chart = chart_exports.attempt_chart(attempt, task_id)
    if chart is None:
        abort(404)
    body = chart_anx(chart, translate) if fmt == "anx" else chart_exports.chart_csv_zip(chart, translate)
    name = f"{attempt.version.scenario.slug}-{task_id}-{attempt.id}.{fmt}"
    return Response(stream_with_context(body) if fmt == "anx" else body, mimetype=CHART_FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


@bp.post("/scenario-attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = own_or_404(ScenarioAttempt, attempt_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        commit_with_retry(lambda: casework.submit(attempt))
    except Contended:
        abort(503)
    if attempt.status == "awaiting_review":
        flash(_("Submitted. Your report is waiting for a trainer's review; the other tasks are scored below."), "info")
    return redirect(url_for("scenarios.result", attempt_id=attempt.id))


@bp.get("/scenario-attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = own_or_404(ScenarioAttempt, attempt_id, *WITHOUT_ANSWERS)
    if not attempt.submitted_at:
        return redirect(url_for("scenarios.workspace", attempt_id=attempt.id))
    spec = casework.scenario_for(attempt.version, attempt.seed)

    def body():
        load_answers(attempt)
        # The trainee's chart beside the key's, their order beside the key's: matched by the rules scored with.
        pictures = compare_answers(spec, attempt.responses, rules=attempt.rule_version)
        return render_template("scenarios/_result_body.html", attempt=attempt, result=attempt.result, spec=spec,
                               pictures=pictures, history=casework.earlier_scores(attempt))

    # Kept per attempt state: a review, a re-score or anything else that changes the attempt
    # bumps its row_version, so the page is drawn again (trainer/fragments.py).
    kept = fragments.rendered(("scenario result", attempt.id, attempt.user_id, attempt.version_id,
                               attempt.row_version), body)
    return render_template("scenarios/result.html", spec=spec, body=kept)
