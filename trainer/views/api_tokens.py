"""Administration of the read API's tokens: make (shown once), list and revoke. Administrators only."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..forms import EmptyForm
from ..models import ApiToken, Cohort
from ..permissions import role_required
from ..services import api_tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")


@bp.before_request
@role_required("admin")
def require_admin():
    """Every route here is for administrators."""


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name (who uses it, for what)"), validators=[DataRequired(), Length(max=200)])
    scope = SelectField(_l("What it may read"))
    submit = SubmitField(_l("Create token"))


def token_form() -> ApiTokenForm:
    form = ApiTokenForm()
    cohorts = db.session.execute(select(Cohort.id, Cohort.name).order_by(Cohort.start_date.desc(), Cohort.name)).all()
    form.scope.choices = [("reports", _("Every report (as a manager reads them)"))] + [
        (f"cohort:{cohort_id}", _("Cohort only: %(name)s", name=name)) for cohort_id, name in cohorts]
    return form


def page(form: ApiTokenForm, new_token: str | None = None, status: int = 200):
    return render_template("admin/api_tokens.html", form=form, tokens=api_tokens.all_tokens(), new_token=new_token,
                           action_form=EmptyForm()), status


@bp.get("/")
def index():
    """The tokens, newest first, and the form to make one."""
    return page(token_form())


@bp.post("/")
def create():
    """Make a token and show it once: only its hash is kept."""
    form = token_form()
    if not form.validate_on_submit():
        return page(form, status=400)
    cohort = None
    if form.scope.data.startswith("cohort:"):
        cohort = db.session.get(Cohort, int(form.scope.data.partition(":")[2]))
    row, token = api_tokens.create_token(current_user, form.name.data, cohort)
    db.session.commit()
    flash(_("Token “%(name)s” created. Copy it now: it is not shown again.", name=row.name), "success")
    return page(token_form(), new_token=token)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    """Revoke a token: every request with it is refused from now on."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    row = db.session.get(ApiToken, token_id)
    if row is None:
        abort(404)
    if api_tokens.revoke_token(current_user, row):
        db.session.commit()
        flash(_("Token “%(name)s” revoked.", name=row.name), "success")
    return redirect(url_for("api_tokens.index"))
