"""Who may do what: the role decorator and object-level checks."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from .extensions import db
from .models import CohortMember, content_editors, cohort_trainers


def role_required(*roles: str):
    """Allow the view only to logged-in users holding one of the roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def own_or_404(model, object_id: int, *options):
    """A row the current user owns (its `user_id`); anyone else's is 404, so ids reveal nothing.
    `options` are loader options for the query (columns to defer, relationships to join)."""
    row = db.session.get(model, object_id, options=options)
    if row is None or row.user_id != current_user.id:
        abort(404)
    return row


def trains(trainer, person) -> bool:
    """True when the person is a member of a cohort the trainer runs."""
    return db.session.scalar(select(exists().where(
        CohortMember.user_id == person.id,
        CohortMember.cohort_id == cohort_trainers.c.cohort_id,
        cohort_trainers.c.user_id == trainer.id,
    ))) or False


def can_view_person(viewer, person) -> bool:
    """A person's record is visible to themselves, administrators, programme managers and the
    trainers of their cohorts."""
    if viewer.id == person.id or viewer.role in ("admin", "manager"):
        return True
    return viewer.role == "trainer" and trains(viewer, person)


def can_manage_cohort(user, cohort) -> bool:
    """Administrators manage every cohort; a trainer only the cohorts they run."""
    return user.role == "admin" or (user.role == "trainer" and any(t.id == user.id for t in cohort.trainers))


def can_edit_content(user, kind: str, slug: str | None, owner_id: int | None) -> bool:
    """Administrators edit all content; trainers what they own or were given to edit."""
    if user.role == "admin":
        return True
    if user.role != "trainer":
        return False
    if owner_id == user.id:
        return True
    return slug is not None and bool(db.session.scalar(select(exists().where(
        content_editors.c.user_id == user.id, content_editors.c.content_kind == kind,
        content_editors.c.content_slug == slug))))
