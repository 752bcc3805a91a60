"""Learning records (xAPI) for managers and administrators: what is kept and sent to the LRS,
and a download of the statements as JSON, by date range and cohort (audited like every export)."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, stream_with_context
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..domain.numbers import FIRST_YEAR, LAST_YEAR, usable_day, whole_number
from ..extensions import db
from ..models import Cohort
from ..permissions import role_required
from ..services import learning_records
from ..services.audit import record_audit
from .errors import error_response

bp = Blueprint("learning_records", __name__, url_prefix="/reports/learning-records")


@bp.before_request
@role_required("manager", "admin")
def require_reader():
    """Managers and administrators only, as the reports."""


def filters_or_400() -> dict:
    """The date range (days in the reader's time zone) and cohort in the URL; a 400 page naming
    every value that cannot be used."""
    problems, values = [], {}
    for field, label in (("from", _("From")), ("to", _("To"))):
        raw = request.args.get(field, "").strip()
        values[field] = None
        try:
            day = date.fromisoformat(raw) if raw else None
        except ValueError:
            problems.append(_("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).", field=label, value=raw))
            continue
        if day is not None and not usable_day(day):
            problems.append(_("%(field)s: “%(value)s” is not between %(first)s and %(last)s.", field=label,
                              value=raw, first=FIRST_YEAR, last=LAST_YEAR))
        else:
            values[field] = day
    raw = request.args.get("cohort", "").strip()
    values["cohort"] = None
    if raw:
        cohort = whole_number(raw)
        if cohort is None or db.session.get(Cohort, cohort) is None:
            problems.append(_("Cohort: there is no cohort %(value)s.", value=raw))
        else:
            values["cohort"] = cohort
    if values.get("from") and values.get("to") and values["from"] > values["to"]:
        problems.append(_("To: the last day comes before the first."))
    if problems:
        abort(make_response(*error_response(400, " ".join(problems))))
    return values


def day_start(day: date | None, days_after: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days_after), time.min, tzinfo=ZoneInfo(str(get_timezone())))


@bp.get("/")
def index():
    filters = filters_or_400()
    cohorts = db.session.execute(select(Cohort.id, Cohort.name).order_by(Cohort.name)).all()
    return render_template("reports/learning_records.html", filters=filters, cohorts=cohorts,
                           summary=learning_records.delivery_summary(), last_error=learning_records.last_error(),
                           endpoint=current_app.config.get("XAPI_ENDPOINT"))


@bp.get("/statements.json")
def download():
    """The statements as one JSON array (an LRS's own format), streamed; logged in the audit log."""
    filters = filters_or_400()
    query = learning_records.stored_statements(day_start(filters["from"]), day_start(filters["to"], 1),
                                               filters["cohort"])
    record_audit("export.learning_records.json", current_user,
                 filters={key: str(value) for key, value in filters.items() if value is not None})
    db.session.commit()

    def chunks():
        yield "["
        for number, row in enumerate(db.session.scalars(query.execution_options(yield_per=500))):
            yield ("," if number else "") + "\n" + json.dumps(row.statement, ensure_ascii=False)
        yield "\n]\n"

    response = Response(stream_with_context(chunks()), mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=xapi-statements.json"
    return response
