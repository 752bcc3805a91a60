"""LTI 1.3 tool endpoints: the tool's JWKS, OIDC login initiation, the launch, and the administrator's
page of platform registrations."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from sqlalchemy import select
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from ..extensions import csrf, db
from ..models import Course, Scenario
from ..models_lti import LtiRegistration
from ..permissions import role_required
from ..services import lti, lti_grades
from ..services.audit import record_audit

bp = Blueprint("lti", __name__)
LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

# What the officer is told when a launch is refused, by the library's reason (the log keeps the original).
REFUSALS = (
    ("Signature has expired", _l("The launch has expired. Open the activity again from your course.")),
    ("Signature verification failed", _l("The launch was not signed by the registered platform.")),
    ("Unable to find public key", _l("The launch was not signed by the registered platform.")),
    ("Invalid Nonce", _l("This launch is no longer valid: it was already used or began in another browser session. "
                         "Open the activity again from your course.")),
    ("replayed", _l("This launch was already used. Open the activity again from your course.")),
    ("Registration not found", _l("This platform or client is not registered with the training platform.")),
    ("Client id not registered", _l("This platform or client is not registered with the training platform.")),
    ("Could not find registration", _l("This platform or client is not registered with the training platform.")),
    ("Unable to find deployment", _l("This deployment of the tool is not registered with the training platform.")),
    ("instructor role", _l("Only an instructor can choose which scenario or course to add.")),
    ("State not found", _l("The launch did not come from a login started here. Open the activity again.")),
    ("Missing state", _l("The launch did not come from a login started here. Open the activity again.")),
)


def refusal_message(reason: str):
    for needle, message in REFUSALS:
        if needle.lower() in reason.lower():
            return message
    return _l("The launch could not be checked. Ask your course administrator to check the LTI registration.")


def refuse(reason: str, claims: dict | None = None):
    db.session.rollback()
    claims = claims or {}
    record_audit("lti.refused", None, None, reason=reason[:300], issuer=str(claims.get("iss", ""))[:255],
                 client_id=str(claims.get("aud", ""))[:255])
    db.session.commit()
    current_app.logger.warning("LTI launch refused: %s", reason)
    return render_template("lti/refused.html", message=refusal_message(reason)), 400


def tool_urls() -> dict:
    return {
        "login": url_for("lti.login", _external=True),
        "launch": url_for("lti.launch", _external=True),
        "jwks": url_for("lti.jwks", _external=True),
        "deep_linking": url_for("lti.launch", _external=True),  # Moodle sends deep-linking requests to the launch URL
    }


@bp.get("/lti/jwks")
def jwks():
    """The tool's public keys, at a stable URL the platform fetches."""
    return jsonify(lti.tool_jwks())


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt  # authenticated by the registration and, at launch, by the signed id_token, state and nonce
def login():
    """OIDC login initiation: the platform sends iss, login_hint (and client_id); we answer with the
    authentication request to the platform, always for our own launch URL."""
    try:
        oidc = FlaskOIDCLogin(FlaskRequest(), lti.DatabaseToolConf())
        return oidc.disable_check_cookies().redirect(url_for("lti.launch", _external=True))
    except (OIDCException, LtiException) as error:
        return refuse(str(error), {"iss": request.values.get("iss", ""), "aud": request.values.get("client_id", "")})


def scenario_of(claims: dict) -> Scenario | None:
    custom = claims.get(lti.CUSTOM_CLAIM) or {}
    return db.session.scalar(select(Scenario).where(Scenario.slug == custom["scenario"])) if custom.get("scenario") \
        else None


def target_of(claims: dict):
    """Where the resource link leads: the custom parameter scenario=<slug> or course=<slug>."""
    custom = claims.get(lti.CUSTOM_CLAIM) or {}
    scenario = scenario_of(claims)
    if scenario is not None:
        return url_for("scenarios.detail", slug=scenario.slug)
    if custom.get("course"):
        course = db.session.scalar(select(Course).where(Course.slug == custom["course"]))
        if course is not None:
            return url_for("learn.course", slug=course.slug)
    return url_for("main.home")


@bp.post("/lti/launch")
@csrf.exempt  # authenticated by the signed id_token, the state cookie and the nonce
def launch():
    """The platform's id_token: checked (signature, expiry, audience, nonce, deployment), then the
    officer is signed in as the linked account and sent to the scenario or course."""
    message = FlaskMessageLaunch(FlaskRequest(), lti.DatabaseToolConf())
    try:
        claims = message.get_launch_data()
    except (LtiException, OIDCException) as error:
        return refuse(str(error), getattr(message, "_jwt", {}).get("body"))
    finally:
        # The launch data pylti1p3 keeps in the session is not needed again (the cookie stays small).
        for key in [key for key in session if key.startswith("lti1p3-launch-")]:
            session.pop(key)
    if not lti.use_nonce(claims["iss"], claims["nonce"]):
        return refuse("replayed nonce", claims)
    session.pop(f"lti1p3-nonce-{claims['nonce']}", None)
    registration = lti.find_registration(claims["iss"], message.get_client_id())
    deep_linking = message.is_deep_link_launch()
    if deep_linking and lti.role_from_claims(claims) != "trainer":
        return refuse("deep linking asked by a launch without an instructor role", claims)
    user = lti.linked_account(registration, claims)
    if not user.active:
        return refuse("account deactivated", claims)
    if not deep_linking:
        lti_grades.remember_line_item(registration, user, claims, scenario_of(claims))
    record_audit("lti.launch", user, user, issuer=claims["iss"], client_id=registration.client_id,
                 deployment_id=claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id", ""),
                 resource_link=(claims.get("https://purl.imsglobal.org/spec/lti/claim/resource_link") or {}).get("id", ""))
    db.session.commit()
    login_user(user)
    if deep_linking:
        # Only what the answer needs is kept in the session (not the whole id_token).
        session["lti_deep_link"] = {
            "registration_id": registration.id,
            "deployment_id": claims[LTI_CLAIM + "deployment_id"],
            "settings": claims[DEEP_LINKING_SETTINGS],
        }
        return redirect(url_for("lti.deep_link"))
    return redirect(target_of(claims))


def deep_link_choices() -> list[tuple[str, str]]:
    """Every active scenario and course, as (value, title) for the instructor's choice."""
    scenarios = db.session.scalars(select(Scenario).where(Scenario.active.is_(True)).order_by(Scenario.title))
    courses = db.session.scalars(select(Course).where(Course.active.is_(True)).order_by(Course.title))
    return ([(f"scenario:{scenario.slug}", _("Scenario: %(title)s", title=scenario.title)) for scenario in scenarios]
            + [(f"course:{course.slug}", _("Course: %(title)s", title=course.title)) for course in courses])


@bp.route("/lti/deep-link", methods=["GET", "POST"])
@role_required("trainer", "admin")
def deep_link():
    """The instructor, sent here by a deep-linking launch, picks a scenario or course; the answer is a
    signed LtiDeepLinkingResponse the browser posts back to the platform."""
    pending = session.get("lti_deep_link")
    if not pending:
        return render_template("lti/deep_link.html", choices=[], form=None), 400
    choices = deep_link_choices()
    form = DeepLinkForm()
    form.item.choices = choices
    if form.validate_on_submit():
        registration = db.session.get(LtiRegistration, pending["registration_id"])
        if registration is None:
            abort(404)
        kind, _sep, slug = form.item.data.partition(":")
        title = dict(choices)[form.item.data].split(": ", 1)[-1]
        resource = (DeepLinkResource().set_url(url_for("lti.launch", _external=True)).set_title(title)
                    .set_custom_params({kind: slug}))
        link = DeepLink(lti.pylti_registration(registration), pending["deployment_id"], pending["settings"])
        token = link.get_response_jwt([resource])
        return_url = pending["settings"]["deep_link_return_url"]
        session.pop("lti_deep_link")
        record_audit("lti.deep_link", current_user, None, issuer=registration.issuer, item=form.item.data)
        db.session.commit()
        response = make_response(render_template("lti/deep_link_return.html", return_url=return_url, jwt=token,
                                                 title=title))
        # This page's only form goes back to the platform.
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(return_url))
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
            f"frame-ancestors 'none'; base-uri 'self'; form-action 'self' {origin}")
        return response
    return render_template("lti/deep_link.html", choices=choices, form=form), 400 if form.errors else 200


class DeepLinkForm(FlaskForm):
    item = RadioField(_l("Scenario or course"), validators=[DataRequired()])
    submit = SubmitField(_l("Add to the course"))


@bp.after_app_request
def send_scores(response):
    """Scores of LTI-launched scenarios scored in this request go back to the platform (AGS)."""
    scored = g.pop("lti_scored", None)
    if scored:
        try:
            lti_grades.send_for(scored)
        except Exception:  # noqa: BLE001 (the officer's page is answered whatever the platform does)
            db.session.rollback()
            current_app.logger.exception("LTI scores not sent")
    return response


@bp.cli.command("resend")
def resend_command():
    """Send again the scores a platform did not accept (flask lti resend)."""
    sent, failed = lti_grades.resend_pending()
    print(f"sent {sent}, still failing {failed}")
    if failed:
        raise SystemExit(1)


# --- the administrator's page --------------------------------------------------------------------

def json_key_set(form, field):
    if field.data.strip():
        try:
            value = json.loads(field.data)
        except ValueError:
            raise ValidationError(_("Paste the platform's public keys as a JSON Web Key Set.")) from None
        if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
            raise ValidationError(_("Paste the platform's public keys as a JSON Web Key Set."))


class RegistrationForm(FlaskForm):
    name = StringField(_l("Platform name"), validators=[DataRequired(), Length(max=200)])
    issuer = StringField(_l("Issuer (platform ID)"), validators=[DataRequired(), Length(max=255)])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    deployment_ids = StringField(_l("Deployment IDs (separated by commas)"), validators=[DataRequired(), Length(max=500)])
    auth_login_url = StringField(_l("Authentication request URL"),
                                 validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    auth_token_url = StringField(_l("Access token URL"),
                                 validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    key_set_url = StringField(_l("Public keyset URL"), validators=[Optional(), URL(require_tld=False), Length(max=500)])
    key_set = TextAreaField(_l("Or the platform's public keys (JWKS)"), validators=[Optional(), json_key_set])
    submit = SubmitField(_l("Register the platform"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.key_set_url.data or "").strip() and not (self.key_set.data or "").strip():
            self.key_set_url.errors = [*self.key_set_url.errors, _("Give the public keyset URL or paste the platform's keys.")]
            return False
        return valid


@bp.route("/admin/lti", methods=["GET", "POST"])
@role_required("admin")
def registrations():
    """Registered platforms, the tool's URLs to give each of them, and a form to register one."""
    form = RegistrationForm()
    if form.validate_on_submit():
        issuer, client_id = form.issuer.data.strip(), form.client_id.data.strip()
        if lti.find_registration(issuer, client_id) is not None:
            form.client_id.errors.append(_("This issuer and client ID are already registered."))
        else:
            registration = LtiRegistration(
                name=form.name.data.strip(), issuer=issuer, client_id=client_id,
                deployment_ids=[part.strip() for part in form.deployment_ids.data.split(",") if part.strip()],
                auth_login_url=form.auth_login_url.data.strip(), auth_token_url=form.auth_token_url.data.strip(),
                key_set_url=(form.key_set_url.data or "").strip(),
                key_set=json.loads(form.key_set.data) if (form.key_set.data or "").strip() else None)
            db.session.add(registration)
            record_audit("lti.registered", current_user, None, issuer=issuer, client_id=client_id)
            db.session.commit()
            flash(_("Platform %(name)s registered.", name=registration.name), "success")
            return redirect(url_for("lti.registrations"))
    items = db.session.scalars(select(LtiRegistration).order_by(LtiRegistration.name)).all()
    return (render_template("lti/registrations.html", registrations=items, urls=tool_urls(), form=form,
                            kid=lti.tool_key().kid),
            400 if form.errors else 200)
