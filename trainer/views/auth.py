"""Log in, log out, and a user's own profile."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..forms import EmptyForm, LoginForm, PasswordChangeForm, ProfileForm
from ..services import authenticate
from ..i18n import choose_language, interface_languages
from ..services.audit import record_audit

bp = Blueprint("auth", __name__)


def login_limit_key() -> str:
    """Rate-limit attempts per address and account (email or username, in any case), not per
    address alone."""
    login = (request.form.get("email") or "").strip().lower()
    return f"{request.remote_addr}|{login}"


def failed_login(response) -> bool:
    """Only failures count towards the login limits: six correct logins in a minute are no attack."""
    return response.status_code >= 400


def safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=login_limit_key,
               methods=["POST"], deduct_when=failed_login)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = authenticate(form.email.data, form.password.data)
        if outcome.user is not None:
            if session.get("language") in interface_languages():  # chosen on the login page
                outcome.user.language = session["language"]
            record_audit("login", outcome.user, outcome.user)
            db.session.commit()
            # A permanent session expires after PERMANENT_SESSION_LIFETIME without a request.
            session.permanent = True
            login_user(outcome.user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        login = (form.email.data or "").strip()[:254]
        # The account tried, as typed: by its email, or by its username.
        record_audit("login.failed", **{"email" if "@" in login else "username": login}, reason=outcome.error)
        db.session.commit()
        if outcome.error == "inactive":
            flash(_("This account has been deactivated. Ask your administrator to reactivate it."), "error")
        else:
            flash(_("Email, username or password is incorrect."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        # Logging out ends the user's sessions everywhere, so a copied cookie is worthless too.
        current_user.end_all_sessions()
        record_audit("logout", current_user, current_user)
        db.session.commit()
        logout_user()
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))


@bp.post("/language")
def language():
    """The language switch in every page's header, for visitors and users alike."""
    choose_language((request.form.get("language") or "").strip().lower())
    return redirect(safe_next(request.form.get("next")))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    profile_form = ProfileForm(obj=current_user, prefix="profile")
    if request.method == "GET":
        profile_form.timezone.data = current_user.timezone or ""
    password_form = PasswordChangeForm(prefix="password")
    if profile_form.submit.data and profile_form.validate_on_submit():
        current_user.full_name = profile_form.full_name.data.strip()
        current_user.language = profile_form.language.data
        current_user.timezone = profile_form.timezone.data or None
        session["language"] = current_user.language
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    if password_form.submit.data and password_form.validate_on_submit():
        if not current_user.check_password(password_form.current_password.data):
            password_form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            user.set_password(password_form.new_password.data)
            user.end_all_sessions()  # whoever else holds a session with the old password loses it
            record_audit("password.changed", user, user)
            db.session.commit()
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remembered)  # this session goes on with the new token
            flash(_("Your password has been changed. Every other session of yours has been logged out."), "success")
            return redirect(url_for("auth.profile"))
    status = 400 if (profile_form.errors or password_form.errors) else 200
    return render_template("auth/profile.html", profile_form=profile_form,
                           password_form=password_form), status
