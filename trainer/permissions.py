"""Who may do what: the role decorator and object-level checks."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


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


def can_view_person(viewer, person) -> bool:
    """A person's record is visible to themselves, administrators and programme managers."""
    return viewer.id == person.id or viewer.role in ("admin", "manager")
