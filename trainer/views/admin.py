"""Administration: accounts, agencies and bulk import. Administrators only."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from ..domain.people import UnreadableFile, read_user_file
from ..extensions import db
from ..forms import UNREADABLE_UPLOAD, AgencyForm, CertificateRevokeForm, EmptyForm, UserForm, UserImportForm
from ..i18n import interface_languages
from ..models import Agency, User
from ..permissions import role_required
from ..services import badges
from ..services import courses as learning
from ..services import cohorts as programme
from ..services import create_user, email_taken, new_password, username_taken, would_remove_last_admin
from ..services.audit import ACTIONS, account_snapshot, audit_query, record_account_changes, record_audit

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.before_request
@role_required("admin")
def require_admin():
    """Every route in this blueprint is for administrators."""


def get_or_404(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def agency_choices() -> list[SelectChoice]:
    agencies = db.session.scalars(select(Agency).order_by(Agency.country, Agency.name)).all()
    return [SelectChoice(0, "—")] + [SelectChoice(agency.id, f"{agency.name} ({agency.country})")
                                     for agency in agencies]


# --- users ------------------------------------------------------------------------------

@bp.get("/users")
def users():
    query = select(User).order_by(User.full_name)
    search = request.args.get("q", "").strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(pattern), func.lower(User.email).like(pattern),
                                User.username.like(pattern)))
    if request.args.get("role"):
        query = query.where(User.role == request.args["role"])
    agency_id = request.args.get("agency", type=int)
    if agency_id:
        query = query.where(User.agency_id == agency_id)
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, search=search, agency_id=agency_id,
                           agencies=[(choice.value, choice.label) for choice in agency_choices()[1:]], action_form=EmptyForm())


def apply_user_form(form: UserForm, user: User) -> None:
    user.email = (form.email.data or "").strip().lower() or None
    user.username = (form.username.data or "").strip().lower() or None
    user.full_name = form.full_name.data.strip()
    user.role = form.role.data
    user.agency_id = form.agency_id.data or None
    user.country = form.country.data or None
    user.rank = (form.rank.data or "").strip()
    user.gender = form.gender.data or None
    user.language = form.language.data
    user.timezone = form.timezone.data or None
    user.active = form.active.data


def login_names_taken(form: UserForm, user: User | None = None) -> bool:
    """True (with the field's error) when another account has the form's email or username."""
    taken = False
    if form.email.data and email_taken(form.email.data, except_user=user):
        form.email.errors.append(_("Another account already uses this email."))
        taken = True
    if form.username.data and username_taken(form.username.data, except_user=user):
        form.username.errors.append(_("Another account already uses this username."))
        taken = True
    return taken


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    form.agency_id.choices = agency_choices()
    if form.validate_on_submit() and not login_names_taken(form):
        password = form.password.data or new_password()
        user = create_user(form.email.data, form.full_name.data, password, username=form.username.data)
        apply_user_form(form, user)
        db.session.flush()
        record_audit("user.created", current_user, user, role=user.role)
        db.session.commit()
        if form.password.data:
            flash(_("Account created for %(name)s.", name=user.full_name), "success")
        else:
            flash(_("Account created for %(name)s. Their password, shown only once: %(password)s",
                    name=user.full_name, password=password), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.agency_id.choices = agency_choices()
    if request.method == "GET":
        form.agency_id.data = user.agency_id or 0
        form.country.data = user.country or ""
        form.gender.data = user.gender or ""
        form.timezone.data = user.timezone or ""
    if form.validate_on_submit() and not login_names_taken(form, user):
        if would_remove_last_admin(user, form.role.data, form.active.data):
            flash(_("This is the last active administrator: make someone else an administrator first."), "error")
        else:
            before = account_snapshot(user)
            apply_user_form(form, user)
            record_account_changes(current_user, user, before)
            if form.password.data:
                user.set_password(form.password.data)
                record_audit("password.reset", current_user, user)
            if form.password.data or not user.active:
                user.end_all_sessions()
            db.session.commit()
            flash(_("Changes to %(name)s saved.", name=user.full_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), 400 if form.errors else 200


@bp.post("/users/<int:user_id>/active")
def user_toggle_active(user_id: int):
    """Deactivate an active account or reactivate an inactive one (a bare button)."""
    user = get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    elif would_remove_last_admin(user, user.role, not user.active):
        flash(_("This is the last active administrator: make someone else an administrator first."), "error")
    else:
        user.active = not user.active
        if not user.active:
            user.end_all_sessions()
        record_audit("user.reactivated" if user.active else "user.deactivated", current_user, user)
        db.session.commit()
        if user.active:
            flash(_("%(name)s can log in again.", name=user.full_name), "success")
        else:
            flash(_("%(name)s can no longer log in.", name=user.full_name), "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("admin.users"))


@bp.route("/users/import", methods=["GET", "POST"])
def users_import():
    form = UserImportForm()
    if form.validate_on_submit():
        try:
            users = read_user_file(form.file.data.read(), form.file.data.filename or "", interface_languages())
        except UnreadableFile as error:
            form.file.errors.append(str(UNREADABLE_UPLOAD[error.code]))
            return render_template("admin/users_import.html", form=form), 400
        result = programme.import_accounts(list(users.rows), list(users.problems))
        if result.problems:
            db.session.rollback()
            return render_template("admin/users_import.html", form=form, problems=result.problems), 400
        db.session.flush()
        record_audit("users.imported", current_user, None, count=len(result.created),
                     cohorts=[cohort.name for cohort, _count in result.enrolled])
        for user, _password in result.created:
            if user.role != "trainee":  # a role granted: logged per account, as a hand-made one is
                record_audit("user.created", current_user, user, role=user.role, source="import")
        db.session.commit()
        return render_template("admin/users_import_done.html", created=result.created, enrolled=result.enrolled,
                               ignored_columns=users.ignored_columns)
    return render_template("admin/users_import.html", form=form), 400 if form.errors else 200


# --- agencies -----------------------------------------------------------------------------

@bp.get("/agencies")
def agencies():
    counts = dict(db.session.execute(
        select(User.agency_id, func.count()).where(User.agency_id.is_not(None)).group_by(User.agency_id)
    ).all())
    rows = db.session.scalars(select(Agency).order_by(Agency.country, Agency.name)).all()
    return render_template("admin/agencies.html", agencies=rows, counts=counts)


def agency_name_taken(form: AgencyForm, agency: Agency | None) -> bool:
    existing = db.session.scalar(select(Agency).where(
        func.lower(Agency.name) == form.name.data.strip().lower(), Agency.country == form.country.data))
    return existing is not None and existing is not agency


@bp.route("/agencies/new", methods=["GET", "POST"], defaults={"agency_id": None})
@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
def agency_form(agency_id: int | None):
    agency = get_or_404(Agency, agency_id) if agency_id else None
    form = AgencyForm(obj=agency)
    if form.validate_on_submit():
        if agency_name_taken(form, agency):
            form.name.errors.append(_("An agency with this name already exists in this country."))
        else:
            agency = agency or Agency()
            agency.name = form.name.data.strip()
            agency.short_name = (form.short_name.data or "").strip()
            agency.country = form.country.data
            db.session.add(agency)
            db.session.commit()
            flash(_("Agency %(name)s saved.", name=agency.name), "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, agency=agency), 400 if form.errors else 200


# --- certificates -------------------------------------------------------------------------

@bp.post("/certificates/<code>/revoke")
def certificate_revoke(code: str):
    """Withdraw a certificate with a reason: /verify and its Open Badges assertion then say so."""
    certificate = learning.certificate_by_code(code)
    if certificate is None:
        abort(404)
    form = CertificateRevokeForm()
    if not form.validate_on_submit():
        return render_template("learn/certificate.html", certificate=certificate, revoke_form=form,
                               links=badges.certificate_links(certificate)), 400
    if badges.revoke(certificate, current_user, form.reason.data):
        db.session.commit()
        flash(_("Certificate %(code)s is revoked.", code=certificate.code), "success")
    else:
        flash(_("Certificate %(code)s was already revoked.", code=certificate.code), "info")
    return redirect(url_for("learn.certificate", code=certificate.code))


# --- audit log ----------------------------------------------------------------------------

@bp.get("/audit")
def audit():
    """Logins, failed logins, account and role changes, publication and exports, newest first."""
    action = request.args.get("action", "")
    action = action if action in ACTIONS else ""
    person = db.session.get(User, request.args.get("person", type=int) or 0)
    page = db.paginate(audit_query(action, person.id if person else None), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/audit.html", page=page, actions=ACTIONS, action=action, person=person)
