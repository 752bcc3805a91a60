"""Tokens for the dashboards' read API: made, listed and revoked by administrators.

A token is 40 random URL-safe characters after the prefix "trk_"; only its SHA-256 hash is
stored, so the token is shown once and a stolen database gives no working key. Scopes:
"reports" reads everything a manager reads; "cohort" reads one cohort's figures only.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, Cohort, User, utcnow
from .audit import record_audit

PREFIX = "trk_"
SCOPES = ("reports", "cohort")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(admin: User, name: str, cohort: Cohort | None = None) -> tuple[ApiToken, str]:
    """A new token (the caller commits): the row and the token itself, to show once."""
    token = PREFIX + secrets.token_urlsafe(30)
    row = ApiToken(name=name.strip()[:200], token_hash=token_hash(token), prefix=token[:12],
                   scope="cohort" if cohort else "reports", cohort_id=cohort.id if cohort else None,
                   created_by_id=admin.id)
    db.session.add(row)
    db.session.flush()
    record_audit("api_token.created", admin, token_id=row.id, name=row.name, scope=row.scope,
                 cohort_id=row.cohort_id)
    return row, token


def revoke_token(admin: User, row: ApiToken) -> bool:
    """Revoke a token (the caller commits); False when it was revoked already."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record_audit("api_token.revoked", admin, token_id=row.id, name=row.name, scope=row.scope,
                 cohort_id=row.cohort_id)
    return True


def find_token(token: str) -> ApiToken | None:
    """The live token with this value, or None (unknown, malformed or revoked)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None),
                                                             ApiToken.created_at.desc(), ApiToken.id.desc())))
