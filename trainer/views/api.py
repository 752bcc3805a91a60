"""The read API for dashboards: /api/v1/, JSON, token-authenticated, GET only.

The same report builders as the report pages (trainer/views/reports.py) make every table, and
the API returns their published rows: the small-cell suppression of the exports applies. A
suppressed cell is null in JSON and its column key is listed in the row's "suppressed" list
(null without that listing means "no figure", as "—" on the page). Personal-data tables (the
officer list) are not served.

Tokens (made by administrators, /admin/api-tokens) go in `Authorization: Bearer <token>`.
Scope "reports" reads everything; scope "cohort" reads its cohort only: its cohort filter is
set for it, another cohort is refused (403) and so are the programme-wide figures.

Built with flask-smorest, which binds to the existing Flask app as an extension (the app class
stays Flask) and serves the OpenAPI document at /api/v1/openapi.json. No docs UI: it would come
from a CDN, which the content security policy forbids.
"""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from ..domain.reports import SUPPRESSED
from ..extensions import csrf, db, limiter
from ..models import Cohort, CohortMember, utcnow
from ..services import api_tokens, reports
from . import reports as report_views
from .errors import MESSAGES

MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 100
ID_KEYS = ("country", "gender", "agency_id", "cohort_id", "course_id", "scenario_id", "target_id", "kind",
           "language", "month", "is_total")


class Api(SmorestApi):
    """flask-smorest without its app-wide JSON error handler: the pages keep their HTML errors;
    the API blueprint has its own handler below."""

    def _register_error_handlers(self):
        pass


api = Api()
bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Programme figures for dashboards (read only, token required)")
csrf.exempt(bp)  # bearer tokens, no cookies, GET only: CSRF is moot here and nowhere else exempted


def init_app(app) -> None:
    app.config.setdefault("API_TITLE", "Trainer read API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app, spec_kwargs={"info": {"description": __doc__}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(bp)


# -- schemas -----------------------------------------------------------------------------------

class FilterArgs(Schema):
    """The report filters, as the report pages take them."""

    class Meta:
        unknown = EXCLUDE

    from_ = fields.Date(data_key="from", metadata={"description": "First day of the period (YYYY-MM-DD)"})
    to = fields.Date(metadata={"description": "Last day of the period, counted whole (YYYY-MM-DD)"})
    country = fields.String(metadata={"description": "Country code, e.g. KG"})
    agency = fields.Integer(metadata={"description": "Agency id"})
    cohort = fields.Integer(metadata={"description": "Cohort id"})
    course = fields.Integer(metadata={"description": "Course id"})
    scenario = fields.Integer(metadata={"description": "Scenario id"})
    gender = fields.String(metadata={"description": "female, male, prefer_not_to_say or not_recorded"})
    role = fields.String(metadata={"description": "Whose figures: trainee (default), trainer, manager or admin"})
    language = fields.String(metadata={"description": "The language a course or scenario was taken in"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class TableArgs(FilterArgs):
    table = fields.String(metadata={"description": "Which table of the report (default: the first); "
                                                   "the response lists them in `tables`"})


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class ColumnSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "text, number, people, percent, score or date"})


class LinksSchema(Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(allow_none=True, required=True)
    prev = fields.String(allow_none=True, required=True)


class PagedSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Rows in all pages"})
    pages = fields.Integer(required=True)
    links = fields.Nested(LinksSchema, required=True)


class RowSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    suppressed = fields.List(fields.String(), required=True, metadata={
        "description": "Keys of the cells hidden because they count fewer than five people (or are "
                       "computed from such a count); those cells are null"})


class TableSchema(PagedSchema):
    report = fields.String(required=True)
    table = fields.String(required=True)
    title = fields.String(required=True)
    tables = fields.List(fields.String(), required=True, metadata={"description": "Every table of this report"})
    filters = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    columns = fields.List(fields.Nested(ColumnSchema), required=True)
    rows = fields.List(fields.Dict(keys=fields.String()), required=True, metadata={
        "description": "One object per row: the columns' keys, codes and ids (country, agency_id...), "
                       "is_total on a total row, and `suppressed` (see RowSchema)"})
    notes = fields.List(fields.String(), required=True)


class CohortSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    start_date = fields.Date(allow_none=True, required=True)
    end_date = fields.Date(allow_none=True, required=True)
    members = fields.Integer(allow_none=True, required=True, metadata={"description": "null when fewer than five"})
    suppressed = fields.List(fields.String(), required=True)


class CohortListSchema(PagedSchema):
    items = fields.List(fields.Nested(CohortSchema), required=True)


class ApiErrorSchema(Schema):
    status = fields.Integer(required=True)
    error = fields.String(required=True)
    message = fields.String(required=True)


# -- authentication and errors -----------------------------------------------------------------

def error_json(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    response = jsonify(status=code, error=str(title), message=str(message or default))
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="trainer"'
    return response


@bp.errorhandler(HTTPException)
def http_error(error):
    if error.code == 422:  # webargs: the query arguments did not validate
        messages = getattr(error, "data", {}).get("messages", {})
        text = "; ".join(f"{name}: {' '.join(map(str, problems))}" for name, problems in
                         messages.get("query", messages).items()) if isinstance(messages, dict) else ""
        return error_json(400, _("These arguments cannot be used: %(problems)s", problems=text))
    return error_json(error.code or 500, error.description if error.code in (400, 401, 403) else None)


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "120 per minute")


def limit_key() -> str:
    header = request.headers.get("Authorization", "")
    return "api:" + (api_tokens.token_hash(header)[:16] if header else (request.remote_addr or ""))


limiter.limit(rate_limit, key_func=limit_key)(bp)


def refuse(code: int, message: str):
    error = HTTPException(message)
    error.code = code
    raise error


@bp.before_request
def authenticate():
    """A valid bearer token, or 401 JSON; a session cookie is not enough."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    row = api_tokens.find_token(token.strip()) if scheme.lower() == "bearer" else None
    if row is None:
        refuse(401, _("Send a valid API token: Authorization: Bearer <token>. The token is missing, "
                      "unknown or revoked."))
    g.api_token = row
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
        db.session.commit()


def token_cohort() -> int | None:
    row = g.api_token
    return row.cohort_id if row.scope == "cohort" else None


def require_programme_scope() -> None:
    if token_cohort() is not None:
        refuse(403, _("This token reads one cohort only, not the programme-wide figures."))


def scoped_filters() -> reports.ReportFilters:
    """The report filters in the query (400 naming every bad value), narrowed to the token's cohort."""
    try:
        filters = reports.parse_filters(request.args)
    except reports.FilterError as error:
        refuse(400, _("These report filters cannot be used: %(problems)s", problems=" ".join(error.problems)))
    own = token_cohort()
    if own is not None:
        if filters.cohort_id not in (None, own):
            refuse(403, _("This token reads cohort %(id)s only.", id=own))
        filters = replace(filters, cohort_id=own)
    return filters


# -- building responses --------------------------------------------------------------------------

def json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def api_row(row: dict, columns) -> dict:
    """A published row as JSON: suppressed cells null and listed."""
    out, hidden = {}, []
    for key in ID_KEYS:
        if key in row:
            out[key] = json_value(row[key])
    for column in columns:
        value = row.get(column.key)
        if value == SUPPRESSED and column.kind != "text":
            hidden.append(column.key)
            value = None
        value = json_value(value)
        out[column.key] = value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
    out["suppressed"] = hidden
    return out


def paging(total: int, args: dict) -> tuple[int, int, dict]:
    page, per_page = args["page"], args["per_page"]
    pages = max(1, -(-total // per_page))

    def link(number: int) -> str:
        return url_for(request.endpoint, **{**request.args.to_dict(), "page": number, "per_page": per_page})

    meta = {"page": page, "per_page": per_page, "total": total, "pages": pages,
            "links": {"self": link(page), "first": link(1), "last": link(pages),
                      "next": link(page + 1) if page < pages else None,
                      "prev": link(min(page - 1, pages)) if page > 1 else None}}
    return (page - 1) * per_page, per_page, meta


def table_response(report_key: str, builder, args: dict) -> dict:
    filters = scoped_filters()
    view = builder(filters, None if report_key == "attendance" else 1)  # every session; no officer list
    tables = [table for table in view.tables if not table.personal]
    wanted = args.get("table") or tables[0].key
    table = next((t for t in tables if t.key == wanted), None)
    if table is None:
        refuse(400, _("This report has no table “%(key)s” (it has: %(known)s).", key=wanted,
                      known=", ".join(t.key for t in tables)))
    rows = table.published()
    start, count, meta = paging(len(rows), args)
    return {"report": report_key, "table": table.key, "title": str(table.title), "tables": [t.key for t in tables],
            "filters": filters.as_args(),
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
            "rows": [api_row(row, table.columns) for row in rows[start:start + count]],
            "notes": [str(note) for note in ([table.note] if table.note else []) + list(view.notes)], **meta}


ERRORS = ((400, "Bad filters or arguments"), (401, "Missing, unknown or revoked token"),
          (403, "Outside the token's scope"), (429, "Too many requests"))


def documented(fn):
    fn = bp.doc(security=[{"bearerAuth": []}])(fn)
    for code, description in ERRORS:
        fn = bp.alt_response(code, schema=ApiErrorSchema, description=description)(fn)
    return fn


# -- endpoints -------------------------------------------------------------------------------------

@bp.route("/programme", methods=["GET"])
@bp.arguments(TableArgs, location="query", as_kwargs=False)
@bp.response(200, TableSchema)
@documented
def programme(args):
    """Programme overview: headline figures (table summary), by country, by gender, per month.

    Programme-wide: a cohort token gets 403."""
    require_programme_scope()
    return table_response("programme", report_views.overview_report, args)


@bp.route("/cohorts", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=False)
@bp.response(200, CohortListSchema)
@documented
def cohorts(args):
    """Cohorts, newest first, with their member counts (null when fewer than five); a cohort token
    sees its own cohort only."""
    members = (select(CohortMember.cohort_id, func.count().label("n")).group_by(CohortMember.cohort_id)
               .subquery())
    query = select(Cohort, func.coalesce(members.c.n, 0)).outerjoin(members, members.c.cohort_id == Cohort.id)
    if token_cohort() is not None:
        query = query.where(Cohort.id == token_cohort())
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    start, count, meta = paging(total, args)
    rows = db.session.execute(query.order_by(Cohort.start_date.desc(), Cohort.name, Cohort.id)
                              .offset(start).limit(count)).all()
    items = []
    for cohort, size in rows:
        small = 0 < size < 5
        items.append({"id": cohort.id, "name": cohort.name, "start_date": cohort.start_date,
                      "end_date": cohort.end_date, "members": None if small else size,
                      "suppressed": ["members"] if small else []})
    return {"items": items, **meta}


@bp.route("/completion", methods=["GET"])
@bp.arguments(TableArgs, location="query", as_kwargs=False)
@bp.response(200, TableSchema)
@documented
def completion(args):
    """Completion statuses by course or scenario, cohort, agency and language (as /reports/completion)."""
    return table_response("completion", report_views.completion_report, args)


@bp.route("/attendance", methods=["GET"])
@bp.arguments(TableArgs, location="query", as_kwargs=False)
@bp.response(200, TableSchema)
@documented
def attendance(args):
    """Attendance by cohort, by session and by month (as /reports/attendance)."""
    return table_response("attendance", report_views.attendance_report, args)


@bp.route("/knowledge-gain", methods=["GET"])
@bp.arguments(TableArgs, location="query", as_kwargs=False)
@bp.response(200, TableSchema)
@documented
def knowledge_gain(args):
    """Pre-test against post-test by course, cohort and competency, and the spread of gains."""
    return table_response("knowledge-gain", report_views.gain_report, args)


@bp.route("/scenario-results", methods=["GET"])
@bp.arguments(TableArgs, location="query", as_kwargs=False)
@bp.response(200, TableSchema)
@documented
def scenario_results(args):
    """Results by scenario and the spread of total scores; with ?scenario=, each task's spread and
    the answers most often wrong (as /reports/scenarios)."""
    return table_response("scenario-results", report_views.scenario_report, args)
