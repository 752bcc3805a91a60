"""Trainees take courses: catalogue, lessons, tests and checks, results, certificates."""
from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import fragments
from ..certificates import certificate_pdf
from ..choices import COLUMN_TYPE_LABELS, topic_label
from ..domain.questions import field_name
from ..extensions import db
from ..forms import CertificateRevokeForm, EmptyForm
from ..i18n import reader_language
from ..models import Certificate, QuizAttempt
from ..permissions import own_or_404
from ..services import badges
from ..services import courses as learning
from ..services.concurrency import Contended, commit_with_retry

bp = Blueprint("learn", __name__)

KIND_LABELS = {"pre_test": _l("Pre-test"), "post_test": _l("Post-test"), "check": _l("Knowledge check")}
NOT_ALLOWED = {
    "pre_test_taken": _l("The pre-test is taken once, before the post-test; you have already taken it."),
    "lessons_first": _l("Complete every lesson before the post-test."),
    "no_test": _l("This course has no such test."),
}


def course_or_404(slug: str):
    course = learning.course_by_slug(slug)
    if course is None:
        abort(404)
    return course


@bp.get("/courses")
@login_required
def catalogue():
    language = request.args.get("language") or None
    topics: dict[str, list] = {}
    # One entry per work, the version in the reader's language (or the filter's) first.
    entries = learning.catalogue(reader_language(), language)
    for entry in entries:
        topics.setdefault(entry.shown.topic, []).append(entry)
    counts = learning.lesson_counts([entry.shown for entry in entries])
    # The same for every officer reading in one language: drawn once, kept under all it shows.
    body = fragments.rendered(("catalogue", catalogue_key(entries, counts)), lambda: render_template(
        "learn/_catalogue_body.html", topics=topics, topic_label=topic_label, lesson_counts=counts))
    return render_template("learn/catalogue.html", language=language, body=body)


def catalogue_key(entries, counts: dict[int, int]) -> tuple:
    """Everything the catalogue's courses show: a course edited or republished is another key."""
    return tuple(((entry.shown.id, entry.shown.slug, entry.shown.title, entry.shown.summary, entry.shown.topic,
                   entry.shown.language, entry.shown.estimated_minutes), counts.get(entry.shown.id, 0),
                  tuple((other.slug, other.language) for other in entry.others))
                 for entry in entries)


@bp.get("/courses/<slug>")
@login_required
def course(slug: str):
    course = course_or_404(slug)
    return render_template("learn/course.html", course=course, progress=learning.course_progress(current_user, course),
                           work=learning.work_of(course), form=EmptyForm())


@bp.post("/courses/<slug>/start")
@login_required
def start(slug: str):
    """Enrol, then go to the pre-test if it is still open, else to where the trainee left off."""
    course = course_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    learning.enrol(current_user, course)
    progress = learning.course_progress(current_user, course)
    db.session.commit()
    if course.settings.get("pre_test") and progress.pre_test_open:
        return redirect(url_for("learn.course", slug=slug, _anchor="pre-test"))
    if progress.resume_lesson is None:
        return redirect(url_for("learn.course", slug=slug))
    return redirect(url_for("learn.lesson", slug=slug, lesson_slug=progress.resume_lesson.slug))


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    course = course_or_404(slug)
    lesson = learning.lesson_by_slug(course, lesson_slug, with_text=True)
    if lesson is None:
        abort(404)
    progress = learning.lesson_progress(current_user, lesson)
    if progress is None:  # the first visit records it; rereading writes nothing, so commits nothing
        progress = learning.record_lesson_view(current_user, lesson)
        db.session.commit()
    lessons = course.lessons
    index = [item.id for item in lessons].index(lesson.id)
    return render_template("learn/lesson.html", course=course, lesson=lesson, progress=progress,
                           previous=lessons[index - 1] if index > 0 else None,
                           next=lessons[index + 1] if index + 1 < len(lessons) else None,
                           number=index + 1, total=len(lessons), form=EmptyForm(),
                           datasets=lesson.datasets or [], COLUMN_TYPE_LABELS=COLUMN_TYPE_LABELS)


@bp.get("/courses/<slug>/lessons/<lesson_slug>/data")
@login_required
def lesson_data(slug: str, lesson_slug: str):
    """The lesson's datasets with their rows, as JSON: the data widget loads them when it is first
    seen, so the lesson page stays light."""
    lesson = learning.lesson_by_slug(course_or_404(slug), lesson_slug)
    if lesson is None or not lesson.datasets:
        abort(404)
    return jsonify(datasets=lesson.datasets)


@bp.post("/courses/<slug>/lessons/<lesson_slug>/complete")
@login_required
def complete_lesson(slug: str, lesson_slug: str):
    course = course_or_404(slug)
    lesson = learning.lesson_by_slug(course, lesson_slug)
    if lesson is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    certificate = learning.complete_lesson(current_user, lesson)
    db.session.commit()
    flash(_("Lesson marked complete."), "success")
    if certificate:
        flash(_("You have completed the course. Your certificate is ready."), "success")
    lessons = course.lessons
    index = [item.id for item in lessons].index(lesson.id)
    if index + 1 < len(lessons):
        return redirect(url_for("learn.lesson", slug=slug, lesson_slug=lessons[index + 1].slug))
    return redirect(url_for("learn.course", slug=slug))


@bp.post("/courses/<slug>/tests/<kind>")
@bp.post("/courses/<slug>/lessons/<lesson_slug>/check", defaults={"kind": "check"})
@login_required
def start_attempt(slug: str, kind: str, lesson_slug: str | None = None):
    course = course_or_404(slug)
    if kind not in ("pre_test", "post_test", "check") or (kind == "check") != (lesson_slug is not None):
        abort(404)
    lesson = learning.lesson_by_slug(course, lesson_slug) if lesson_slug else None
    if lesson_slug and lesson is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = learning.start_attempt(current_user, course, kind, lesson)
    except learning.AttemptNotAllowed as refusal:
        flash(NOT_ALLOWED[str(refusal)], "error")
        return redirect(url_for("learn.course", slug=slug))
    db.session.commit()
    return redirect(url_for("learn.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = own_or_404(QuizAttempt, attempt_id)
    if attempt.submitted_at:
        return redirect(url_for("learn.result", attempt_id=attempt.id))
    return render_template("learn/attempt.html", attempt=attempt, kind_label=KIND_LABELS[attempt.kind],
                           field_name=field_name, spec=learning.item_spec, errors={})


@bp.post("/attempts/<int:attempt_id>/save")
@login_required
def save_attempt(attempt_id: int):
    """Autosave: keep every well-formed answer of an unfinished attempt."""
    attempt = own_or_404(QuizAttempt, attempt_id)
    try:
        errors = commit_with_retry(lambda: learning.save_answers(attempt, request.form))
    except learning.AttemptClosed:
        return jsonify(saved=False, reason="submitted",
                       message=_("This attempt has been submitted; it can no longer change.")), 409
    except Contended:
        return jsonify(saved=False, error="busy", message=_("Not saved yet: trying again.")), 503
    return jsonify(saved=True, problems=len(errors))


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit_attempt(attempt_id: int):
    attempt = own_or_404(QuizAttempt, attempt_id)
    if attempt.submitted_at:
        return redirect(url_for("learn.result", attempt_id=attempt.id))
    try:
        errors, certificate = commit_with_retry(lambda: learning.submit_attempt(current_user, attempt, request.form))
    except Contended:
        abort(503)
    if errors:
        flash(_("Some answers could not be read; they are marked below."), "error")
        return render_template("learn/attempt.html", attempt=attempt, kind_label=KIND_LABELS[attempt.kind],
                               field_name=field_name, spec=learning.item_spec, errors=errors), 400
    if certificate:
        flash(_("You have completed the course. Your certificate is ready."), "success")
    return redirect(url_for("learn.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = own_or_404(QuizAttempt, attempt_id)
    if not attempt.submitted_at:
        return redirect(url_for("learn.attempt", attempt_id=attempt.id))
    return render_template("learn/result.html", attempt=attempt, kind_label=KIND_LABELS[attempt.kind],
                           spec=learning.item_spec, feedback=learning.item_feedback)


@bp.get("/attempts")
@login_required
def history():
    return render_template("learn/history.html", attempts=learning.attempt_history(current_user), kind_labels=KIND_LABELS)


def own_certificate_or_404(code: str) -> Certificate:
    certificate = learning.certificate_by_code(code)
    if certificate is None or (certificate.user_id != current_user.id and current_user.role not in ("admin", "manager")):
        abort(404)
    return certificate


@bp.get("/certificates/<code>")
@login_required
def certificate(code: str):
    certificate = own_certificate_or_404(code)
    revoke_form = CertificateRevokeForm() if current_user.role == "admin" and not certificate.revoked else None
    return render_template("learn/certificate.html", certificate=certificate, revoke_form=revoke_form,
                           links=badges.certificate_links(certificate))


@bp.get("/certificates/<code>.pdf")
@login_required
def certificate_download(code: str):
    certificate = own_certificate_or_404(code)
    if certificate.revoked:
        flash(_("This certificate was revoked: it can no longer be downloaded."), "error")
        return redirect(url_for("learn.certificate", code=certificate.code))
    labels = {"title": _("Certificate of completion"), "certifies": _("This certifies that"),
              "completed": _("has completed the course"), "date": _("Date"), "hours": _("Hours"),
              "code": _("Verification code"), "verify": _("Verify at")}
    pdf = certificate_pdf(certificate.holder_name, certificate.agency_name, certificate.course_title,
                          format_date(certificate.issued_at, "long"), certificate.hours, certificate.code,
                          badges.verify_url(certificate), labels)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@bp.get("/verify/<code>")
def verify(code: str):
    """Public: confirms a certificate's holder, course and date, and nothing else."""
    return render_template("learn/verify.html", certificate=learning.certificate_by_code(code), code=code)
