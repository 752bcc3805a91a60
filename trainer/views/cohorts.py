"""Trainers run cohorts: members, assignments, sessions and attendance, live exercises, reviews."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ..domain.numbers import whole_number
from ..domain.people import UnreadableFile, read_user_file
from ..extensions import db
from ..forms import UNREADABLE_UPLOAD, CohortForm, EmptyForm, SessionForm, UserImportForm
from ..models import ATTENDANCE_STATUSES, Agency, Cohort, Course, LiveExercise, Scenario, ScenarioAttempt, TrainingSession, utcnow
from ..permissions import can_manage_cohort, role_required
from ..services import cohorts as programme
from ..services import calendar
from ..services import debrief as debriefs
from ..services import exercises
from ..services.audit import record_audit
from ..services import scenarios as casework
from ..domain.reports import Column
from ..domain.scoring import CURRENT_RULES
from ..exports import Table, overview_pdf
from ..i18n import interface_languages, to_utc, translate, when
from ..services.concurrency import commit_with_retry

bp = Blueprint("cohorts", __name__)

MEMBER_ERRORS = {
    "no_login": _l("Type the email address or username of the account to add."),
    "no_account": _l("No account has this email or username. Create it first, or enrol by CSV or Excel file, "
                     "which creates accounts."),
    "not_trainee": _l("This account is not a trainee."),
    "already_member": _l("This trainee is already in the cohort."),
    "not_trainer": _l("No trainer account has this email or username."),
}
ATTENDANCE_LABELS = {"present": _l("present"), "late": _l("late"), "absent": _l("absent"), "excused": _l("excused")}


def cohort_or_404(cohort_id: int) -> Cohort:
    """A cohort the current user runs; others' cohorts are 404 so their existence stays private."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_manage_cohort(current_user, cohort):
        abort(404)
    return cohort


def session_or_404(cohort: Cohort, session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None or session.cohort_id != cohort.id:
        abort(404)
    return session


def exercise_or_404(exercise_id: int) -> LiveExercise:
    exercise = db.session.get(LiveExercise, exercise_id)
    if exercise is None or not can_manage_cohort(current_user, exercise.cohort):
        abort(404)
    return exercise


def back_to(cohort: Cohort, anchor: str = ""):
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id, _anchor=anchor or None))


def parse_due(raw: str | None) -> tuple[date | None, bool]:
    """(date or None, ok); an empty field is no due date, a malformed one is an error."""
    if not raw:
        return None, True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return None, False


# --- cohorts --------------------------------------------------------------------------------

def cohort_fields(form: CohortForm) -> dict:
    return {"name": form.name.data.strip(), "description": form.description.data or "",
            "start_date": form.start_date.data, "end_date": form.end_date.data,
            "attendance_required_percent": form.attendance_required_percent.data,
            "timezone": form.timezone.data or None}


@bp.get("/cohorts")
@role_required("trainer", "admin")
def index():
    return render_template("cohorts/index.html", cohorts=programme.cohorts_for(current_user))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required("trainer", "admin")
def new():
    form = CohortForm()
    if form.validate_on_submit():
        cohort = programme.create_cohort(current_user, **cohort_fields(form))
        db.session.commit()
        flash(_("Cohort created. Add trainees, sessions and assignments."), "success")
        return back_to(cohort)
    return render_template("cohorts/form.html", form=form, cohort=None), 400 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required("trainer", "admin")
def edit(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        for name, value in cohort_fields(form).items():
            setattr(cohort, name, value)
        db.session.commit()
        flash(_("Cohort saved."), "success")
        return back_to(cohort)
    return render_template("cohorts/form.html", form=form, cohort=cohort), 400 if form.errors else 200


@bp.get("/cohorts/<int:cohort_id>")
@role_required("trainer", "admin")
def detail(cohort_id: int):
    return detail_page(cohort_or_404(cohort_id))


def detail_page(cohort: Cohort, session_form: SessionForm | None = None):
    """The cohort's page; `session_form` with its errors when a session could not be added."""
    assigned_course_ids = {a.course_id for a in cohort.assignments}
    assigned_scenario_ids = {a.scenario_id for a in cohort.assignments}
    return render_template(
        "cohorts/detail.html", cohort=cohort, progress=programme.cohort_progress(cohort),
        courses=[c for c in db.session.scalars(select(Course).where(Course.active).order_by(Course.title)) if c.id not in assigned_course_ids],
        scenarios=[s for s in casework.active_scenarios() if s.id not in assigned_scenario_ids],
        agencies=db.session.scalars(select(Agency).order_by(Agency.country, Agency.name)).all(),
        exercises=db.session.scalars(select(LiveExercise).where(LiveExercise.cohort_id == cohort.id)
                                     .order_by(LiveExercise.started_at.desc())).all(),
        session_form=session_form or SessionForm(), import_form=UserImportForm(), form=EmptyForm(),
        feed_token=calendar.cohort_feed_token(cohort))


@bp.post("/cohorts/<int:cohort_id>/trainers")
@role_required("trainer", "admin")
def add_trainer(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    error = programme.add_trainer(cohort, request.form.get("email", ""))
    if error:
        flash(MEMBER_ERRORS[error], "error")
    else:
        db.session.commit()
        flash(_("Trainer added."), "success")
    return back_to(cohort)


# --- members --------------------------------------------------------------------------------

@bp.post("/cohorts/<int:cohort_id>/members")
@role_required("trainer", "admin")
def add_member(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    error = programme.add_member_by_login(cohort, request.form.get("email", ""))
    if error:
        flash(MEMBER_ERRORS[error], "error")
    else:
        db.session.commit()
        flash(_("Trainee added."), "success")
    return back_to(cohort, "members")


@bp.post("/cohorts/<int:cohort_id>/members/agency")
@role_required("trainer", "admin")
def add_agency(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    agency = db.session.get(Agency, request.form.get("agency_id", type=int) or 0)
    if agency is None:
        flash(_("Choose an agency."), "error")
        return back_to(cohort, "members")
    added = programme.add_members(cohort, programme.trainees_of_agency(agency))
    db.session.commit()
    flash(ngettext("%(num)d trainee of %(agency)s added.", "%(num)d trainees of %(agency)s added.", added,
                   agency=agency.name), "success")
    return back_to(cohort, "members")


@bp.post("/cohorts/<int:cohort_id>/members/import")
@role_required("trainer", "admin")
def import_members(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = UserImportForm()
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors) or _("Choose a CSV or Excel file."), "error")
        return back_to(cohort, "members")
    try:
        users = read_user_file(form.file.data.read(), form.file.data.filename or "", interface_languages())
    except UnreadableFile as error:
        flash(str(UNREADABLE_UPLOAD[error.code]), "error")
        return back_to(cohort, "members")
    result = programme.enrol_from_rows(cohort, list(users.rows), list(users.problems))
    if result.problems:
        db.session.rollback()
        return render_template("cohorts/import_problems.html", cohort=cohort, problems=result.problems), 400
    db.session.commit()
    return render_template("cohorts/import_done.html", cohort=cohort, added=result.added, created=result.created or [],
                           ignored_columns=users.ignored_columns, cohort_columns=users.cohort_columns)


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
@role_required("trainer", "admin")
def remove_member(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    programme.remove_member(cohort, user_id)
    db.session.commit()
    flash(_("Trainee removed from the cohort; their records are kept."), "success")
    return back_to(cohort, "members")


# --- assignments ----------------------------------------------------------------------------

@bp.post("/cohorts/<int:cohort_id>/assignments")
@role_required("trainer", "admin")
def assign(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    target = request.form.get("target", "")
    kind, _sep, raw_id = target.partition(":")
    target_id = whole_number(raw_id)
    course = db.session.get(Course, target_id) if kind == "course" and target_id else None
    scenario = db.session.get(Scenario, target_id) if kind == "scenario" and target_id else None
    due, ok = parse_due(request.form.get("due_date"))
    if not ok:
        flash(_("The due date must be a date (YYYY-MM-DD)."), "error")
    elif course is None and scenario is None:
        flash(_("Choose a course or a scenario to assign."), "error")
    else:
        programme.assign(cohort, course, scenario, due)
        db.session.commit()
        flash(_("Assigned."), "success")
    return back_to(cohort, "assignments")


@bp.post("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/remove")
@role_required("trainer", "admin")
def unassign(cohort_id: int, assignment_id: int):
    cohort = cohort_or_404(cohort_id)
    for assignment in cohort.assignments:
        if assignment.id == assignment_id:
            db.session.delete(assignment)
    db.session.commit()
    return back_to(cohort, "assignments")


# --- sessions and attendance --------------------------------------------------------------------

@bp.post("/cohorts/<int:cohort_id>/sessions")
@role_required("trainer", "admin")
def add_session(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = SessionForm()
    if not form.validate_on_submit():  # shown again, open, with what was typed and each field's error
        return detail_page(cohort, session_form=form), 400
    # Typed as the wall clock where the cohort meets; stored as the UTC moment it means.
    starts_at = to_utc(form.starts_at.data, cohort.timezone)
    db.session.add(TrainingSession(cohort_id=cohort.id, starts_at=starts_at, minutes=form.minutes.data,
                                   topic=form.topic.data.strip(), place=(form.place.data or "").strip(),
                                   recording_url=(form.recording_url.data or "").strip()))
    db.session.commit()
    flash(_("Session added."), "success")
    return back_to(cohort, "sessions")


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@role_required("trainer", "admin")
def attendance(cohort_id: int, session_id: int):
    cohort = cohort_or_404(cohort_id)
    session = session_or_404(cohort, session_id)
    if request.method == "POST":
        marks = {}
        for key, value in request.form.items():
            member_id = whole_number(key[7:]) if key.startswith("status-") else None
            if member_id and value in ATTENDANCE_STATUSES:
                marks[member_id] = value
        changed = programme.record_attendance(session, marks, current_user)
        db.session.commit()
        flash(ngettext("Attendance saved (%(num)d change).", "Attendance saved (%(num)d changes).", changed), "success")
        return redirect(url_for("cohorts.attendance", cohort_id=cohort.id, session_id=session.id))
    members = [m.user for m in sorted(cohort.members, key=lambda m: m.user.full_name)]
    return render_template("cohorts/attendance.html", cohort=cohort, session=session, members=members,
                           grid=programme.attendance_grid(session), labels=ATTENDANCE_LABELS, form=EmptyForm())


@bp.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance/<int:user_id>/caught-up")
@role_required("trainer", "admin")
def caught_up(cohort_id: int, session_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    session = session_or_404(cohort, session_id)
    row = programme.attendance_grid(session).get(user_id)
    if row is None or row.status != "excused":
        flash(_("Only an excused absence can be caught up."), "error")
    else:
        programme.mark_caught_up(row, request.form.get("how", "")[:200] or _("recording watched"))
        db.session.commit()
        flash(_("Marked as caught up."), "success")
    return redirect(url_for("cohorts.attendance", cohort_id=cohort.id, session_id=session.id))


# --- live exercises ---------------------------------------------------------------------------

@bp.post("/cohorts/<int:cohort_id>/exercises")
@role_required("trainer", "admin")
def start_exercise(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    scenario = db.session.get(Scenario, request.form.get("scenario_id", type=int) or 0)
    if scenario is None or scenario.current_version_id is None:
        flash(_("Choose a scenario."), "error")
        return back_to(cohort, "exercises")
    session = db.session.get(TrainingSession, request.form.get("session_id", type=int) or 0)
    exercise = exercises.start_exercise(cohort, scenario, current_user, session if session and session.cohort_id == cohort.id else None)
    db.session.commit()
    return redirect(url_for("cohorts.exercise", exercise_id=exercise.id))


def live_context(exercise: LiveExercise) -> dict:
    stuck = request.args.get("stuck", default=10, type=int)
    spec = casework.scenario_for(exercise.version, None)
    return {"exercise": exercise, "spec": spec, "stuck": stuck,
            "rows": exercises.live_rows(exercise, stuck_minutes=max(1, stuck))}


@bp.get("/exercises/<int:exercise_id>")
@role_required("trainer", "admin")
def exercise(exercise_id: int):
    exercise = exercise_or_404(exercise_id)
    return render_template("cohorts/exercise.html", form=EmptyForm(), **live_context(exercise),
                           poll_seconds=current_app.config["LIVE_POLL_SECONDS"])


@bp.get("/exercises/<int:exercise_id>/live")
@role_required("trainer", "admin")
def exercise_live(exercise_id: int):
    """The live table alone, for the page to refresh without a reload."""
    return render_template("cohorts/_live_table.html", **live_context(exercise_or_404(exercise_id)))


@bp.post("/exercises/<int:exercise_id>/release")
@role_required("trainer", "admin")
def release(exercise_id: int):
    exercise = exercise_or_404(exercise_id)
    report_id = request.form.get("report_id", "")
    # Another trainer may release at the same moment: re-read and retry rather than lose theirs.
    if commit_with_retry(lambda: exercises.release_report(exercise, report_id)
                         and record_audit(debriefs.RELEASED, current_user, exercise=exercise.id, report=report_id)):
        flash(_("Report %(id)s released to the cohort.", id=report_id), "success")
    else:
        flash(_("That report cannot be released (unknown, not an inject, or already out)."), "error")
    return redirect(url_for("cohorts.exercise", exercise_id=exercise.id))


def debrief_context(exercise: LiveExercise) -> dict:
    view = debriefs.exercise_debrief(exercise)
    columns = {"item": _("Item"), "what": _("What"), "answers": _("Answers (how many)"), "key": _("Key"),
               "right": _("Right"), "drawn": _("Drawn by"), "extra": _("%(task)s: links drawn that are not in the key")}
    return {"exercise": exercise, "view": view, "tables": debriefs.debrief_tables(view, columns, translate)}


@bp.get("/exercises/<int:exercise_id>/debrief")
@role_required("trainer", "admin")
def debrief(exercise_id: int):
    """For the screen after the exercise: the cohort's answers item by item, nobody named."""
    return render_template("cohorts/debrief.html", **debrief_context(exercise_or_404(exercise_id)))


@bp.get("/exercises/<int:exercise_id>/debrief.pdf")
@role_required("trainer", "admin")
def debrief_pdf(exercise_id: int):
    """The debrief for the after-action report."""
    context = debrief_context(exercise_or_404(exercise_id))
    exercise, view = context["exercise"], context["view"]
    released = Table("releases", _("Injects released"), (Column("report", _("Report")), Column("title", _("Title")),
                                                         Column("at", _("Released at"))),
                     [{"report": r.report_id, "title": r.title, "at": when(r.at, exercise.cohort.timezone, with_zone=True)}
                      for r in view.releases])
    subtitle = _("%(cohort)s · started %(started)s · %(submitted)d of %(attempts)d attempts submitted",
                 cohort=exercise.cohort.name, started=when(exercise.started_at, exercise.cohort.timezone),
                 submitted=view.submitted, attempts=view.attempts)
    body = overview_pdf(_("Debrief: %(title)s", title=view.spec.title), subtitle, [], [released, *context["tables"]],
                        _("Counts only: no officer is named. Attempts still open are counted on what they had saved."))
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="debrief-{exercise.id}.pdf"'
    return response


@bp.post("/exercises/<int:exercise_id>/end")
@role_required("trainer", "admin")
def end_exercise(exercise_id: int):
    exercise = exercise_or_404(exercise_id)
    unreleased = exercises.unreleased_reports(exercise)
    if unreleased and not exercise.ended_at and request.form.get("confirm_unreleased") != "yes":
        # Trainees are not scored on an inject they never saw: ending now settles that for them.
        flash(ngettext("Not ended: report %(ids)s has not been released. Release it, or tick the box to "
                       "end the exercise without it (trainees are then not scored on it).",
                       "Not ended: reports %(ids)s have not been released. Release them, or tick the box to "
                       "end the exercise without them (trainees are then not scored on them).",
                       len(unreleased), ids=", ".join(r.id for r in unreleased)), "error")
        return redirect(url_for("cohorts.exercise", exercise_id=exercise.id, _anchor="end"))
    exercise.ended_at = exercise.ended_at or utcnow()
    db.session.commit()
    flash(_("Exercise ended. Trainees can still submit their work."), "success")
    return redirect(url_for("cohorts.exercise", exercise_id=exercise.id))


@bp.post("/exercises/<int:exercise_id>/join")
@login_required
def join(exercise_id: int):
    """A trainee of the cohort joins a running exercise."""
    exercise = db.session.get(LiveExercise, exercise_id)
    if exercise is None or exercise.ended_at or exercise not in exercises.open_exercises_for(current_user):
        abort(404)
    attempt = exercises.join_exercise(current_user, exercise)
    db.session.commit()
    return redirect(url_for("scenarios.workspace", attempt_id=attempt.id))


# --- review queue -------------------------------------------------------------------------------

@bp.get("/reviews")
@role_required("trainer", "admin")
def reviews():
    return render_template("cohorts/reviews.html", attempts=exercises.review_queue(current_user),
                           earlier=exercises.scored_with_earlier_rules(current_user),
                           scenario_for=casework.scenario_for, current_rules=CURRENT_RULES)


def reviewable_or_404(attempt_id: int) -> ScenarioAttempt:
    """A submitted attempt of a trainee the current trainer may review (404 otherwise)."""
    attempt = db.session.get(ScenarioAttempt, attempt_id)
    if attempt is None or attempt.submitted_at is None or not exercises.may_review(current_user, attempt):
        abort(404)
    return attempt


@bp.post("/reviews/<int:attempt_id>/rescore")
@role_required("trainer", "admin")
def rescore(attempt_id: int):
    """Score an attempt again with the current rules; the earlier result stays in its history."""
    attempt = reviewable_or_404(attempt_id)

    def work() -> dict:
        entry = casework.rescore(attempt, current_user)
        record_audit("scenario_attempt.rescored", current_user, attempt.user, attempt=attempt.id,
                     scenario=attempt.version.scenario.slug, rules_before=entry["rule_version"],
                     rules_after=attempt.rule_version, total_before=entry["total_percent"],
                     total_after=attempt.total_percent, status_before=entry["status"], status_after=attempt.status)
        return entry

    try:
        entry = commit_with_retry(work)
    except casework.RescoreRefused:
        flash(_("This attempt is already scored with the current rules (version %(n)d).", n=CURRENT_RULES), "info")
    else:
        flash(_("Re-scored with the rules of version %(new)d: %(before)s%% with version %(old)d, %(after)s%% now. "
                "The earlier score is kept in the attempt's history.", new=attempt.rule_version, old=entry["rule_version"],
                before="%.0f" % (entry["total_percent"] or 0), after="%.0f" % attempt.total_percent), "success")
    return redirect(url_for("cohorts.review", attempt_id=attempt.id))


@bp.route("/reviews/<int:attempt_id>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def review(attempt_id: int):
    attempt = reviewable_or_404(attempt_id)
    spec = casework.scenario_for(attempt.version, attempt.seed)
    error = None
    if request.method == "POST":
        points, comments = {}, {}
        for key, value in request.form.items():
            kind, _sep, rest = key.partition(":")
            task_id, _sep, criterion_id = rest.partition(":")
            if kind in ("points", "comment") and criterion_id:
                (points if kind == "points" else comments).setdefault(task_id, {})[criterion_id] = value
        try:
            # The trainee's attempt has a version: a colleague's review (or a rescore) saved a
            # moment earlier makes this one re-read and apply again instead of failing.
            commit_with_retry(lambda: exercises.review(attempt, current_user, points, comments))
        except exercises.ReviewRejected as problem:
            error = problem
        else:
            flash(_("Review saved: %(name)s now has %(t)s%%.", name=attempt.user.full_name, t="%.0f" % attempt.total_percent), "success")
            return redirect(url_for("cohorts.reviews"))
    return render_template("cohorts/review.html", attempt=attempt, spec=spec, error=error,
                           to_review=exercises.reports_to_review(spec, attempt), current_rules=CURRENT_RULES,
                           history=casework.earlier_scores(attempt),
                           form_values=request.form if request.method == "POST" else None), 400 if error else 200

