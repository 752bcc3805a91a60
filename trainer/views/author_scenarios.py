"""Trainers write scenarios in the browser: drafts, YAML editor, preview, publish, import, export.

Drafts are 404 to anyone who may not see them, so draft ids reveal nothing; published
scenarios are public to trainees, so a trainer who may not edit one gets 403.
"""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, StopValidation

from ..extensions import db
from ..forms import EmptyForm
from ..i18n import reader_language
from ..models import Scenario, ScenarioDraft
from ..permissions import role_required
from ..services import scenario_authoring as authoring
from ..services.audit import record_audit

bp = Blueprint("author_scenarios", __name__, url_prefix="/author/scenarios")


def present(form, field):
    """The field was sent at all: a request without it is malformed, not an empty scenario."""
    if not field.raw_data:
        raise StopValidation(_l("The scenario text is missing from the request."))


class DraftForm(FlaskForm):
    source = TextAreaField(_l("Scenario YAML"), validators=[present])
    submit = SubmitField(_l("Save"))


class PickScenarioForm(FlaskForm):
    scenario_id = SelectField(_l("Scenario"), coerce=int)
    submit = SubmitField(_l("Create draft"))


class ImportForm(FlaskForm):
    file = FileField(_l("YAML file"), validators=[
        FileRequired(_l("Choose a file to upload.")),
        FileAllowed(["yml", "yaml"], _l("Upload a .yml or .yaml file."))])
    submit = SubmitField(_l("Import as a draft"))


class GrantForm(FlaskForm):
    email = EmailField(_l("Email of a trainer"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Allow to edit"))


@bp.before_request
@role_required("trainer", "admin")
def require_author():
    """Every route here is for trainers and administrators; objects are checked per route."""


def draft_or_404(draft_id: int) -> ScenarioDraft:
    """A draft the current user may see; any other is 404, as if it did not exist."""
    draft = db.session.get(ScenarioDraft, draft_id)
    if draft is None or not authoring.can_see_draft(current_user, draft):
        abort(404)
    return draft


def scenario_or_404(slug: str):
    scenario = authoring.scenario_by_slug(slug)
    if scenario is None:
        abort(404)
    return scenario


def editable_scenario(slug: str):
    """A published scenario the current user may edit (403 when they may not)."""
    scenario = scenario_or_404(slug)
    if not authoring.can_edit_scenario(current_user, scenario):
        abort(403)
    return scenario


def pick_form(templates_only: bool) -> PickScenarioForm:
    form = PickScenarioForm(prefix="template" if templates_only else "copy")
    form.scenario_id.label.text = _("Template") if templates_only else _("Scenario to copy")
    form.scenario_id.choices = [(s.id, s.title) for s in authoring.copyable_scenarios(current_user, templates_only)]
    return form


def require_button() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# --- index and new drafts -----------------------------------------------------------------

@bp.get("")
def index():
    return render_template("author/scenarios/index.html", drafts=authoring.visible_drafts(current_user),
                           scenarios=authoring.editable_scenarios(current_user),
                           copy_form=pick_form(False), template_form=pick_form(True),
                           may_manage=lambda s: authoring.can_manage_editors(current_user, s))


@bp.post("/new")
def new():
    require_button()
    draft = authoring.new_blank_draft(current_user, reader_language())
    db.session.commit()
    flash(_("A new draft. Fill in every empty \"\" field; the problems list says what is still missing."), "info")
    return redirect(url_for(".editor", draft_id=draft.id))


@bp.post("/new/copy", defaults={"templates_only": False})
@bp.post("/new/template", defaults={"templates_only": True})
def new_from(templates_only: bool):
    form = pick_form(templates_only)
    if not form.validate_on_submit():
        flash(_("Choose a template.") if templates_only else _("Choose a scenario to copy."), "error")
        return redirect(url_for(".index"))
    scenario = db.session.get(Scenario, form.scenario_id.data)
    draft = authoring.new_copy_draft(current_user, scenario)
    db.session.commit()
    flash(_("A new scenario, copied from “%(title)s” under a new id. Change what you need, then publish.",
            title=scenario.title), "info")
    return redirect(url_for(".editor", draft_id=draft.id))


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    form = ImportForm()
    if form.validate_on_submit():
        try:
            draft, problems = authoring.import_draft(current_user, form.file.data.read())
        except authoring.AuthoringError as refusal:
            form.file.errors.append(str(refusal))
            return render_import(form, 400)
        db.session.commit()
        flash_problem_count(problems, _("Imported as a draft."))
        return redirect(url_for(".editor", draft_id=draft.id))
    return render_import(form, 400 if form.errors else 200)


def render_import(form: ImportForm, status: int):
    return render_template("author/scenarios/import.html", form=form,
                           max_kb=authoring.MAX_SOURCE_BYTES // 1000), status


def flash_problem_count(problems, done: str) -> None:
    errors = len(authoring.errors_in(problems))
    if errors:
        flash(done + " " + ngettext("%(num)d problem to fix before it can be published.",
                                    "%(num)d problems to fix before it can be published.", errors), "error")
    else:
        flash(done + " " + _("No problems found."), "success")


# --- the editor ---------------------------------------------------------------------------

def render_editor(draft: ScenarioDraft, form: DraftForm, status: int = 200, problems=None):
    if problems is None:
        _spec, problems = authoring.validate(form.source.data if form.source.data is not None else draft.source)
    return render_template("author/scenarios/editor.html", draft=draft, form=form, problems=problems,
                           errors=authoring.errors_in(problems),
                           may_publish=authoring.may_publish(current_user, draft)), status


@bp.get("/drafts/<int:draft_id>")
def editor(draft_id: int):
    draft = draft_or_404(draft_id)
    return render_editor(draft, DraftForm(source=draft.source))


@bp.post("/drafts/<int:draft_id>")
def save(draft_id: int):
    draft = draft_or_404(draft_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return render_editor(draft, DraftForm(source=draft.source), 400)
    try:
        problems = authoring.save_draft(draft, form.source.data)
    except authoring.AuthoringError as refusal:
        # Not saved, but the text goes back to the page so it is not lost.
        flash(str(refusal), "error")
        return render_editor(draft, form, 400)
    db.session.commit()
    flash_problem_count(problems, _("Saved."))
    return redirect(url_for(".editor", draft_id=draft.id))


@bp.get("/drafts/<int:draft_id>/download")
def download(draft_id: int):
    draft = draft_or_404(draft_id)
    return yaml_download(draft.source, f"draft-{draft.id}.yml")


@bp.post("/drafts/<int:draft_id>/delete")
def delete(draft_id: int):
    draft = draft_or_404(draft_id)
    require_button()
    authoring.delete_draft(draft)
    db.session.commit()
    flash(_("The draft was deleted."), "success")
    return redirect(url_for(".index"))


@bp.get("/drafts/<int:draft_id>/preview")
def preview(draft_id: int):
    draft = draft_or_404(draft_id)
    seed_error = None
    try:
        seed = authoring.parse_seed(request.args.get("seed"))
    except authoring.AuthoringError as refusal:
        seed, seed_error = None, str(refusal)
    shown = authoring.preview(draft, seed)
    return render_template("author/scenarios/preview.html", draft=draft, preview=shown, view=shown.view,
                           errors=authoring.errors_in(shown.problems), seed_error=seed_error), \
        400 if seed_error else 200


@bp.post("/drafts/<int:draft_id>/publish")
def publish(draft_id: int):
    draft = draft_or_404(draft_id)
    require_button()
    if not authoring.may_publish(current_user, draft):
        abort(403)
    outcome = authoring.publish(draft)
    if outcome.version is None:
        flash(_("Not published: fix the problems listed first."), "error")
        return render_editor(draft, DraftForm(source=draft.source), 400, outcome.problems)
    scenario = outcome.version.scenario
    if outcome.created:
        record_audit("scenario.published", current_user, scenario=scenario.slug, version=outcome.version.number)
    db.session.commit()
    if outcome.created:
        flash(_("Published “%(title)s” as version %(n)d. Trainees see it now; attempts already made keep "
                "the version they were made on.", title=scenario.title, n=outcome.version.number), "success")
    else:
        flash(_("Nothing had changed since the current version; the draft was removed."), "info")
    return redirect(url_for(".index"))


# --- published scenarios ------------------------------------------------------------------

@bp.post("/<slug>/edit")
def edit(slug: str):
    scenario = editable_scenario(slug)
    require_button()
    draft = authoring.edit_draft(current_user, scenario)
    db.session.commit()
    return redirect(url_for(".editor", draft_id=draft.id))


@bp.get("/<slug>/export")
def export(slug: str):
    scenario = scenario_or_404(slug)
    if not authoring.may_copy(current_user, scenario):  # the file holds the answer key
        abort(403)
    return yaml_download(authoring.export_source(scenario), f"{scenario.slug}.yml")


def yaml_download(text: str, filename: str) -> Response:
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def managed_scenario(slug: str):
    scenario = scenario_or_404(slug)
    if not authoring.can_manage_editors(current_user, scenario):
        abort(403)
    return scenario


@bp.route("/<slug>/editors", methods=["GET", "POST"])
def editors(slug: str):
    scenario = managed_scenario(slug)
    form = GrantForm()
    if form.validate_on_submit():
        try:
            person = authoring.grant_editor(scenario, form.email.data)
        except authoring.AuthoringError as refusal:
            form.email.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("%(name)s may now edit “%(title)s”.", name=person.full_name, title=scenario.title), "success")
            return redirect(url_for(".editors", slug=slug))
    return render_template("author/scenarios/editors.html", scenario=scenario, form=form,
                           owner=authoring.owner_of(scenario), editors=authoring.editors_of(scenario)), \
        400 if form.errors else 200


@bp.post("/<slug>/editors/<int:user_id>/revoke")
def revoke(slug: str, user_id: int):
    scenario = managed_scenario(slug)
    require_button()
    authoring.revoke_editor(scenario, user_id)
    db.session.commit()
    flash(_("The right to edit was taken back."), "success")
    return redirect(url_for(".editors", slug=slug))
