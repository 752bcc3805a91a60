"""The audit log: who did what to whom, when and from where."""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, User

# Actions an administrator can filter the log by, in the order the audit page lists them.
ACTIONS = (
    "api_token.created", "api_token.revoked",
    "login", "login.failed", "logout", "password.changed", "password.reset",
    "user.created", "user.role_changed", "user.deactivated", "user.reactivated", "user.updated",
    "users.imported", "course.published", "scenario.published", "export", "certificate.revoked",
    "lti.registered", "lti.launch", "lti.refused", "lti.deep_link",
)


def record_audit(action: str, actor: User | None = None, subject: User | None = None, **detail) -> AuditEvent:
    """Add an event to the log (the caller commits, so the event lands with the change)."""
    address = (request.remote_addr or "") if has_request_context() else "cli"
    event = AuditEvent(action=action, user_id=actor.id if actor else None,
                       subject_id=subject.id if subject else None, address=address[:64], detail=detail)
    db.session.add(event)
    return event


def record_account_changes(actor: User | None, user: User, before: dict) -> None:
    """Log what an edit changed on an account: role changes and (de)activation each get an event."""
    if before["role"] != user.role:
        record_audit("user.role_changed", actor, user, old=before["role"], new=user.role)
    if before["active"] != user.active:
        record_audit("user.reactivated" if user.active else "user.deactivated", actor, user)
    other = sorted(name for name in ("email", "username", "full_name", "agency_id", "country", "rank", "gender",
                                     "language")
                   if before.get(name) != getattr(user, name))
    if other:
        record_audit("user.updated", actor, user, fields=other)


def account_snapshot(user: User) -> dict:
    """The fields of an account whose changes the log records."""
    return {name: getattr(user, name) for name in
            ("role", "active", "email", "username", "full_name", "agency_id", "country", "rank", "gender", "language")}


def audit_query(action: str = "", person_id: int | None = None):
    """Events newest first, optionally of one action (or family, e.g. "export") and one person."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where((AuditEvent.action == action) | AuditEvent.action.startswith(action + "."))
    if person_id:
        query = query.where((AuditEvent.user_id == person_id) | (AuditEvent.subject_id == person_id))
    return query
