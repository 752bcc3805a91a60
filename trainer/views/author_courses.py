"""Course authoring for trainers: drafts, the file editor with preview, publishing, zips, editors."""
import io

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange

from ..choices import as_choices
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..i18n import reader_language
from ..item_tables import QUESTION_TYPE_LABELS
from ..models import Course, CourseDraft
from ..permissions import role_required
from ..services import course_authoring as authoring
from ..services import question_files
from ..services.audit import record_audit

bp = Blueprint("author_courses", __name__, url_prefix="/author/courses")


# --- forms ---------------------------------------------------------------------------------

class NewCourseForm(FlaskForm):
    title = StringField(_l("Title of the new course"), validators=[DataRequired(), Length(max=200)])
    source = SelectField(_l("Start from"), choices=[])
    submit = SubmitField(_l("Create draft"))


class AddFileForm(FlaskForm):
    path = StringField(_l("New file"), validators=[DataRequired(), Length(max=authoring.MAX_PATH_LENGTH)],
                       description=_l("A lesson (02-next.md) or a question bank (questions/02-next.yml)."))
    submit = SubmitField(_l("Add file"))


class RenameFileForm(FlaskForm):
    path = HiddenField(validators=[DataRequired()])
    new_path = StringField(_l("New name"), validators=[DataRequired(), Length(max=authoring.MAX_PATH_LENGTH)])
    submit = SubmitField(_l("Rename"))


class DeleteFileForm(FlaskForm):
    path = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Delete"))


class FileTextForm(FlaskForm):
    text = TextAreaField(_l("Text"))
    submit = SubmitField(_l("Save"))


class SettingsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=2000)],
                            description=_l("One paragraph of plain text."))
    pass_mark = IntegerField(_l("Pass mark (percent on the post-test)"),
                             validators=[DataRequired(message=_l("Enter a whole number from 0 to 100.")),
                                         NumberRange(0, 100)])
    submit = SubmitField(_l("Save settings"))


class ImportForm(FlaskForm):
    file = FileField(_l("Course folder as a zip"),
                     validators=[FileRequired(), FileAllowed(["zip"], _l("Choose a .zip file."))])
    submit = SubmitField(_l("Import as a draft"))


class QuestionImportForm(FlaskForm):
    file = FileField(_l("Moodle question file"),
                     validators=[FileRequired(), FileAllowed(["gift", "txt", "xml", "aiken"], _l(
                         "Choose a GIFT or Aiken file (.gift or .txt) or a Moodle XML file (.xml)."))],
                     description=_l("GIFT, Aiken or Moodle XML, as Moodle exports them; at most 2 MB."))
    format = SelectField(_l("Format"), default="", choices=as_choices(
        {"gift": _l("Moodle GIFT"), "aiken": _l("Aiken"), "xml": _l("Moodle XML")}, blank=_l("Recognise from the file")))
    submit = SubmitField(_l("Preview the questions"))


class AddQuestionsForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Add to the draft"))


class EditorForm(FlaskForm):
    email = EmailField(_l("Email of the trainer"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Give edit rights"))


# --- helpers -------------------------------------------------------------------------------

@bp.before_request
@role_required("trainer", "admin")
def require_author():
    """Every route here is for trainers and administrators; object checks follow in each."""


def draft_or_404(draft_id: int) -> CourseDraft:
    """A draft the current user may see; anyone else's is 404, so ids reveal nothing."""
    draft = authoring.draft_for(current_user, draft_id)
    if draft is None:
        abort(404)
    return draft


def course_or_404(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    return course


def editable_course_or_403(slug: str) -> Course:
    course = course_or_404(slug)
    if not authoring.may_edit(current_user, course):
        abort(403)
    return course


def require_csrf() -> None:
    """Bare buttons carry only their CSRF token; check it like any form."""
    if not EmptyForm().validate_on_submit():
        abort(400)


def source_choices() -> list[tuple[str, str]]:
    courses = authoring.copyable_courses(current_user)
    return [("", _("A blank course (one lesson, one question bank)"))] + [
        (course.slug, _("A copy of “%(title)s”", title=course.title)) for course in courses]


def render_index(import_form: ImportForm | None = None, new_form: NewCourseForm | None = None,
                 import_problems: list[str] | None = None, status: int = 200):
    new_form = new_form or NewCourseForm()
    new_form.source.choices = source_choices()
    courses = authoring.editable_courses(current_user)
    return render_template(
        "author/courses/index.html", drafts=authoring.visible_drafts(current_user), courses=courses,
        versions={course.id: authoring.latest_version(course) for course in courses},
        new_form=new_form, import_form=import_form or ImportForm(), import_problems=import_problems or [],
        may_manage_editors=lambda course: authoring.may_manage_editors(current_user, course),
        action_form=EmptyForm()), status


def zip_response(files: dict[str, str], folder: str, filename: str):
    data = authoring.zip_files(files, folder)
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=filename)


# --- overview, new drafts, import ----------------------------------------------------------

@bp.get("")
def index():
    return render_index()


@bp.post("/drafts")
def new_draft():
    """Start a new course: a blank skeleton or a copy of an existing course."""
    form = NewCourseForm()
    form.source.choices = source_choices()
    if not form.validate_on_submit():
        return render_index(new_form=form, status=400)
    source = course_or_404(form.source.data) if form.source.data else None
    try:
        draft = authoring.new_draft(current_user, form.title.data, source, language=reader_language())
    except authoring.AuthoringRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(_("Draft created. Trainees see nothing until you publish it."), "success")
    return redirect(url_for(".draft", draft_id=draft.id))


@bp.post("/<slug>/edit")
def edit_course(slug: str):
    """Start a draft that edits an existing course."""
    course = editable_course_or_403(slug)
    require_csrf()
    try:
        draft = authoring.edit_draft(current_user, course)
    except authoring.AuthoringRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(_("Draft created from the current version. Trainees keep seeing that version until you publish."),
          "success")
    return redirect(url_for(".draft", draft_id=draft.id))


@bp.post("/import")
def import_zip():
    """A zipped course folder becomes a new draft, with every problem listed."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_index(import_form=form, status=400)
    try:
        draft = authoring.import_zip(current_user, form.file.data.read())
    except authoring.ImportRefused as refusal:
        return render_index(import_form=form, import_problems=refusal.messages, status=400)
    except authoring.AuthoringRefused as refusal:
        return render_index(import_form=form, import_problems=[str(refusal)], status=400)
    db.session.commit()
    if draft.course_id:
        flash(_("Imported as a draft of the existing course “%(title)s”: publishing it makes a new version.",
                title=draft.course.title), "success")
    else:
        flash(_("Imported as a draft of a new course."), "success")
    return redirect(url_for(".draft", draft_id=draft.id))


# --- published courses: export and editors --------------------------------------------------

@bp.get("/<slug>/export")
def export_course(slug: str):
    """The files of the course's current version as a zip."""
    course = editable_course_or_403(slug)
    files = authoring.course_files(course)
    if not files:
        abort(404)
    version = authoring.latest_version(course)
    suffix = f"-v{version.number}" if version else ""
    return zip_response(files, course.slug, f"{course.slug}{suffix}.zip")


@bp.get("/<slug>/questions/export")
def export_course_questions(slug: str):
    """The course's current question banks (or ?bank=) as Moodle GIFT or Moodle XML (?format=gift|xml)."""
    course = editable_course_or_403(slug)
    files = authoring.course_files(course)
    if not files:
        abort(404)
    return questions_download(files, course.slug, url_for(".index"))


@bp.route("/<slug>/editors", methods=["GET", "POST"])
def editors(slug: str):
    """The owner (or an administrator) gives other trainers the right to edit the course."""
    course = course_or_404(slug)
    if not authoring.may_manage_editors(current_user, course):
        abort(403)
    form = EditorForm()
    if form.validate_on_submit():
        try:
            person = authoring.add_editor(course, form.email.data)
        except authoring.AuthoringRefused as refusal:
            form.email.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("%(name)s may now edit “%(title)s”.", name=person.full_name, title=course.title), "success")
            return redirect(url_for(".editors", slug=slug))
    return render_template("author/courses/editors.html", course=course, form=form,
                           people=authoring.course_editors(course), action_form=EmptyForm()), \
        400 if form.errors else 200


@bp.post("/<slug>/editors/<int:user_id>/remove")
def remove_editor(slug: str, user_id: int):
    course = course_or_404(slug)
    if not authoring.may_manage_editors(current_user, course):
        abort(403)
    require_csrf()
    authoring.remove_editor(course, user_id)
    db.session.commit()
    flash(_("Edit rights removed."), "success")
    return redirect(url_for(".editors", slug=slug))


# --- a draft -------------------------------------------------------------------------------

@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    draft = draft_or_404(draft_id)
    check = authoring.check_draft(draft)
    return render_template("author/courses/draft.html", draft=draft, check=check, files=sorted(draft.files),
                           add_form=AddFileForm(), rename_form=RenameFileForm(), delete_form=DeleteFileForm(),
                           action_form=EmptyForm(), import_form=QuestionImportForm(),
                           banks=set(question_files.bank_paths(draft.files)))


@bp.post("/drafts/<int:draft_id>/files/add")
def add_file(draft_id: int):
    draft = draft_or_404(draft_id)
    form = AddFileForm()
    if not form.validate_on_submit():
        flash(_("Give the file a name, e.g. 02-next-lesson.md or questions/02-next-lesson.yml."), "error")
        return redirect(url_for(".draft", draft_id=draft.id))
    path = form.path.data.strip()
    try:
        authoring.add_file(draft, path)
    except authoring.AuthoringRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".draft", draft_id=draft.id))
    db.session.commit()
    flash(_("Added %(path)s.", path=path), "success")
    return redirect(url_for(".edit_file", draft_id=draft.id, name=path))


@bp.post("/drafts/<int:draft_id>/files/rename")
def rename_file(draft_id: int):
    draft = draft_or_404(draft_id)
    form = RenameFileForm()
    if form.validate_on_submit():
        try:
            authoring.rename_file(draft, form.path.data, form.new_path.data)
        except authoring.AuthoringRefused as refusal:
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_("Renamed %(old)s to %(new)s.", old=form.path.data, new=form.new_path.data.strip()), "success")
    else:
        flash(_("Type the file's new name."), "error")
    return redirect(url_for(".draft", draft_id=draft.id))


@bp.post("/drafts/<int:draft_id>/files/delete")
def delete_file(draft_id: int):
    draft = draft_or_404(draft_id)
    form = DeleteFileForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        authoring.delete_file(draft, form.path.data)
    except authoring.AuthoringRefused as refusal:
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash(_("Deleted %(path)s.", path=form.path.data), "success")
    return redirect(url_for(".draft", draft_id=draft.id))


@bp.route("/drafts/<int:draft_id>/edit/<path:name>", methods=["GET", "POST"])
def edit_file(draft_id: int, name: str):
    """The editor of one file. Saving always keeps the text, then lists every problem."""
    draft = draft_or_404(draft_id)
    if name not in draft.files:
        abort(404)
    form = FileTextForm()
    status = 200
    if request.method == "POST" and "text" not in request.form:
        abort(400)                               # a save without the text must not empty the file
    if form.validate_on_submit():
        try:
            authoring.save_file(draft, name, form.text.data or "")
        except authoring.AuthoringRefused as refusal:
            # Not stored (too large): the page shows the text again so nothing typed is lost.
            flash(str(refusal), "error")
            status = 400
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".edit_file", draft_id=draft.id, name=name))
    elif request.method == "GET":
        form.text.data = draft.files[name]
    text = form.text.data or ""
    check = authoring.check_draft(draft)
    markdown = name.lower().endswith(".md")
    return render_template("author/courses/file.html", draft=draft, name=name, form=form, check=check,
                           here=check.for_file(name), files=sorted(draft.files), markdown=markdown,
                           preview=authoring.render_preview(text) if markdown else ""), status


def preview_limit_key() -> str:
    return f"preview:{current_user.id}"


@bp.post("/drafts/<int:draft_id>/preview")
# Rendering is the one place a trainer can make the server work hard on demand (deeply nested
# HTML, thousands of entities): the editor asks at most once a second while typing.
@limiter.limit(lambda: current_app.config["PREVIEW_RATE_LIMIT"], key_func=preview_limit_key)
def preview(draft_id: int):
    """Sanitised HTML of Markdown sent as JSON {"text": ...}: the editor's live preview."""
    draft_or_404(draft_id)
    payload = request.get_json(silent=True)
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str):
        return jsonify(error=_('Send JSON: {"text": "..."}')), 400
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:                   # lone surrogates from a hand-made request
        return jsonify(error=_("The text is not valid Unicode.")), 400
    if size > authoring.MAX_FILE_BYTES:
        return jsonify(error=_("The text is too long to preview.")), 400
    return jsonify(html=authoring.render_preview(text))


@bp.route("/drafts/<int:draft_id>/settings", methods=["GET", "POST"])
def settings(draft_id: int):
    """A small form for the title, summary and pass mark in course.yml."""
    draft = draft_or_404(draft_id)
    current = authoring.settings_of(draft)
    if current is None:
        flash(_("course.yml has errors; fix them in the editor first."), "error")
        return redirect(url_for(".edit_file", draft_id=draft.id, name=authoring.COURSE_FILE))
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            authoring.update_settings(draft, form.title.data, form.summary.data, form.pass_mark.data)
        except authoring.AuthoringRefused as refusal:
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_("Settings saved in course.yml."), "success")
            return redirect(url_for(".draft", draft_id=draft.id))
    elif request.method == "GET":
        form.title.data = current["title"] if isinstance(current["title"], str) else ""
        form.summary.data = current["summary"] if isinstance(current["summary"], str) else ""
        form.pass_mark.data = current["pass_mark"] if isinstance(current["pass_mark"], int) else None
    return render_template("author/courses/settings.html", draft=draft, form=form), \
        400 if request.method == "POST" else 200


@bp.post("/drafts/<int:draft_id>/publish")
def publish(draft_id: int):
    """Publish a valid draft as the course's next version; refuse, listing errors, otherwise."""
    draft = draft_or_404(draft_id)
    require_csrf()
    try:
        published = authoring.publish(draft, current_user)
    except authoring.PublishRefused as refusal:
        flash(ngettext("Not published: fix the %(num)d error listed below first.",
                       "Not published: fix the %(num)d errors listed below first.", len(refusal.problems)), "error")
        return redirect(url_for(".draft", draft_id=draft.id))
    except PermissionError:
        abort(403)
    record_audit("course.published", current_user, course=published.course_slug, version=published.number)
    try:
        db.session.commit()
    except IntegrityError:                       # someone published the same course at the same moment
        db.session.rollback()
        flash(_("Someone published this course at the same moment. Publish again."), "error")
        return redirect(url_for(".draft", draft_id=draft_id))
    flash(_("Published “%(title)s”, version %(n)d. Trainees see it now.", title=published.title,
            n=published.number), "success")
    return redirect(url_for("learn.course", slug=published.course_slug))


@bp.get("/drafts/<int:draft_id>/export")
def export_draft(draft_id: int):
    """The draft's files as a zip, problems and all."""
    draft = draft_or_404(draft_id)
    folder = authoring.folder_name(draft)
    return zip_response(draft.files, folder, f"{folder}-draft.zip")


# --- Moodle question files: into a draft, and banks out -------------------------------------

def render_questions(draft: CourseDraft, form: QuestionImportForm, plan=None, error=None, status: int = 200):
    token = question_files.preview_token(draft, plan) if plan is not None and plan.text else ""
    too_large = bool(plan and plan.text and (len(plan.text.encode("utf-8")) > authoring.MAX_FILE_BYTES
                                             or not question_files.token_fits(token)))
    return render_template("author/courses/questions.html", draft=draft, form=form, plan=plan, error=error,
                           add_form=AddQuestionsForm(token=token), too_large=too_large,
                           type_labels=QUESTION_TYPE_LABELS), status


@bp.post("/drafts/<int:draft_id>/questions/import")
def import_questions(draft_id: int):
    """A Moodle GIFT, Aiken or XML file read for the draft: every question as it will come in, every problem."""
    draft = draft_or_404(draft_id)
    form = QuestionImportForm()
    if not form.validate_on_submit():
        return render_questions(draft, form, status=400)
    upload = form.file.data
    try:
        plan = question_files.plan_import(draft.files, upload.read(), upload.filename or "questions",
                                          form.format.data or None)
    except question_files.QuestionFileError as error:
        return render_questions(draft, form, error=error, status=400)
    return render_questions(draft, form, plan=plan)


@bp.post("/drafts/<int:draft_id>/questions/add")
def add_questions(draft_id: int):
    """Write the previewed questions into the draft as a new bank file."""
    draft = draft_or_404(draft_id)
    form = AddQuestionsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        path, count = question_files.add_previewed_bank(draft, form.token.data)
    except authoring.AuthoringRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".draft", draft_id=draft.id))
    db.session.commit()
    flash(ngettext("Added %(num)d question to %(path)s. Officers see it once a lesson's check or a test in "
                   "course.yml uses this bank.",
                   "Added %(num)d questions to %(path)s. Officers see them once a lesson's check or a test in "
                   "course.yml uses this bank.", count, path=path), "success")
    return redirect(url_for(".edit_file", draft_id=draft.id, name=path))


@bp.get("/drafts/<int:draft_id>/questions/export")
def export_draft_questions(draft_id: int):
    """The draft's question banks (or ?bank=) as Moodle GIFT or Moodle XML (?format=gift|xml)."""
    draft = draft_or_404(draft_id)
    return questions_download(draft.files, authoring.folder_name(draft), url_for(".draft", draft_id=draft.id))


def questions_download(files: dict[str, str], name: str, back: str):
    fmt = request.args.get("format", "gift")
    if fmt not in question_files.EXPORT_FORMATS:
        abort(404)
    try:
        export = question_files.export_banks(files, name, fmt, request.args.get("bank") or None)
    except LookupError:
        flash(_("There is no such question bank to export.") if request.args.get("bank")
              else _("This course has no question banks to export."), "error")
        return redirect(back)
    return send_file(io.BytesIO(export.text.encode("utf-8")), mimetype=export.mimetype, as_attachment=True,
                     download_name=export.filename)


@bp.post("/drafts/<int:draft_id>/delete")
def delete_draft(draft_id: int):
    draft = draft_or_404(draft_id)
    require_csrf()
    authoring.discard(draft)
    db.session.commit()
    flash(_("Draft deleted. Published versions are unchanged."), "success")
    return redirect(url_for(".index"))
