"""Learning records (xAPI) for managers and administrators: what is kept and sent to the LRS,
and a download of the statements as JSON, by date range and cohort (audited like every export)."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, stream_with_context
from flask_babel import get_timezone
from flask_login import current_user

from ..extensions import db
from ..models import Cohort
from ..permissions import role_required
from ..services import learning_records, reports
from ..services.audit import record_audit
from .errors import error_response

bp = Blueprint("learning_records", __name__, url_prefix="/reports/learning-records")


@bp.before_request
@role_required("manager", "admin")
def require_reader():
    """Managers and administrators only, as the reports."""


# The statements are filtered as the reports are (a cohort typed by name or id), on these only.
READ_FILTERS = ("from", "to", "cohort")


def filters_or_400() -> reports.ReportFilters:
    """The date range (days in the reader's time zone) and cohort in the URL; a 400 page naming
    every value that cannot be used."""
    try:
        return reports.parse_filters({name: request.args.get(name, "") for name in READ_FILTERS})
    except reports.FilterError as error:
        abort(make_response(*error_response(400, " ".join(error.problems))))


def day_start(day: date | None, days_after: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days_after), time.min, tzinfo=ZoneInfo(str(get_timezone())))


@bp.get("/")
def index():
    filters = filters_or_400()
    return render_template("reports/learning_records.html", filters=filters,
                           cohort_label=reports.choice_label(Cohort, filters.cohort_id),
                           summary=learning_records.delivery_summary(), last_error=learning_records.last_error(),
                           endpoint=without_credentials(current_app.config.get("XAPI_ENDPOINT")),
                           address_of_requests=None if current_app.config.get("PUBLIC_BASE_URL")
                           else learning_records.platform().base_url)


def without_credentials(url: str | None) -> str | None:
    """The LRS's address as managers see it: a user name or password written into it stays hidden."""
    if not url:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=host))


@bp.get("/statements.json")
def download():
    """The statements as one JSON array (an LRS's own format), streamed; logged in the audit log."""
    filters = filters_or_400()
    query = learning_records.stored_statements(day_start(filters.start), day_start(filters.end, 1), filters.cohort_id)
    record_audit("export.learning_records.json", current_user, filters=filters.as_args())
    db.session.commit()

    def chunks():
        yield "["
        for number, row in enumerate(db.session.scalars(query.execution_options(yield_per=500))):
            yield ("," if number else "") + "\n" + json.dumps(row.statement, ensure_ascii=False)
        yield "\n]\n"

    response = Response(stream_with_context(chunks()), mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=xapi-statements.json"
    return response
