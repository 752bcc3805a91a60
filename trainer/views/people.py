"""A person's record page, visible only to those allowed to see it."""
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..extensions import db
from ..models import User
from ..permissions import can_view_person

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("/<int:user_id>")
@login_required
def record(user_id: int):
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not can_view_person(current_user, person):
        abort(403)
    return render_template("people/record.html", person=person)
