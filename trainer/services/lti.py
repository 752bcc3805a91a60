"""LTI 1.3 tool: the tool's key pair, a pylti1p3 tool configuration over the registration table,
and the accounts linked to a platform's users."""
from __future__ import annotations

import hashlib
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import User
from ..models_lti import LtiAccount, LtiNonce, LtiRegistration, LtiToolKey
from .accounts import create_user, email_taken
from .audit import record_audit

ROLE_PREFIXES = ("http://purl.imsglobal.org/vocab/lis/v2/membership#",
                 "http://purl.imsglobal.org/vocab/lis/v2/institution/person#")
CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"


def tool_key() -> LtiToolKey:
    """The tool's RSA key pair, generated (2048 bits) and stored on first use."""
    key = db.session.scalar(select(LtiToolKey).order_by(LtiToolKey.id.desc()).limit(1))
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    key = LtiToolKey(kid=JWK.from_pem(public_pem.encode()).thumbprint(), private_pem=private_pem,
                     public_pem=public_pem)
    db.session.add(key)
    db.session.commit()
    return key


def tool_jwks() -> dict:
    """The tool's public keys as a JSON Web Key Set (kid: the key's RFC 7638 thumbprint)."""
    key = tool_key()
    return {"keys": [Registration.get_jwk(key.public_pem)]}


def pylti_registration(registration: LtiRegistration) -> Registration:
    key = tool_key()
    return (Registration()
            .set_issuer(registration.issuer)
            .set_client_id(registration.client_id)
            .set_auth_login_url(registration.auth_login_url)
            .set_auth_token_url(registration.auth_token_url)
            .set_key_set_url(registration.key_set_url or None)
            .set_key_set(registration.key_set or None)
            .set_tool_private_key(key.private_pem)
            .set_tool_public_key(key.public_pem))


def find_registration(issuer: str, client_id: str | None) -> LtiRegistration | None:
    query = select(LtiRegistration).where(LtiRegistration.issuer == issuer, LtiRegistration.active.is_(True))
    if client_id:
        query = query.where(LtiRegistration.client_id == client_id)
    return db.session.scalars(query.order_by(LtiRegistration.id)).first()


class DatabaseToolConf(ToolConfAbstract):
    """pylti1p3's tool configuration read from lti_registrations (one issuer, many client ids)."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args, **kwargs):
        registration = find_registration(iss, None)
        return pylti_registration(registration) if registration else None

    def find_registration_by_params(self, iss: str, client_id: str, *args, **kwargs):
        registration = find_registration(iss, client_id)
        return pylti_registration(registration) if registration else None

    def find_deployment(self, iss: str, deployment_id: str):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id, *args, **kwargs):
        registration = find_registration(iss, client_id)
        if registration is None or deployment_id not in (registration.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)


def role_from_claims(claims: dict) -> str:
    """Instructor (or administrator of the course) → trainer; anything else → trainee. Never admin."""
    names = set()
    for role in claims.get(ROLES_CLAIM) or []:
        for prefix in ROLE_PREFIXES:
            if role.startswith(prefix):
                role = role[len(prefix):]
        names.add(role.split("#")[-1])
    return "trainer" if names & {"Instructor", "ContentDeveloper", "TeachingAssistant"} else "trainee"


def use_nonce(issuer: str, nonce: str) -> bool:
    """Record a launch's nonce; False when it was used before (a replayed id_token)."""
    if db.session.scalar(select(LtiNonce.id).where(LtiNonce.issuer == issuer, LtiNonce.nonce == nonce)):
        return False
    db.session.add(LtiNonce(issuer=issuer, nonce=nonce))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def linked_account(registration: LtiRegistration, claims: dict) -> User:
    """The account linked to (issuer, sub), created on the first launch from the name and e-mail claims.
    An e-mail already used by another account is not taken over: the new account gets a placeholder."""
    issuer, sub = claims["iss"], str(claims["sub"])
    role = role_from_claims(claims)
    link = db.session.scalar(select(LtiAccount).where(LtiAccount.issuer == issuer, LtiAccount.sub == sub))
    if link is not None:
        user = link.user
        if user.role in ("trainee", "trainer") and user.role != role:
            record_audit("user.role_changed", None, user, old=user.role, new=role, source="lti")
            user.role = role
        return user
    name = (claims.get("name") or " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
            or sub)[:200]
    email = (claims.get("email") or "").strip().lower()
    if not email or email_taken(email):
        digest = hashlib.sha256(f"{issuer}|{sub}".encode()).hexdigest()[:20]
        email = f"lti-{digest}@lti.invalid"
    user = create_user(email, name, secrets.token_urlsafe(24), role=role)
    db.session.flush()
    db.session.add(LtiAccount(registration_id=registration.id, issuer=issuer, sub=sub, user_id=user.id))
    record_audit("user.created", None, user, role=role, source="lti", issuer=issuer)
    return user

