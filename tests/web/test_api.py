"""The dashboards' read API (/api/v1/) against a seeded programme, on both databases: tokens made
and revoked on the admin page (shown once, hashed, audited); 401 without a valid token, 403
outside a cohort token's scope; the numbers are the report exports' (the same builders, the same
small-group suppression); paging; and every response is valid against the served OpenAPI
document, itself a valid OpenAPI 3.0 description."""
from __future__ import annotations

import csv
import io

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import select

from conftest import BACKENDS, PASSWORD, csrf_token, logged_in, make_config, own_database
from trainer import create_app
from trainer.domain.reports import format_cell
from trainer.extensions import csrf, db
from trainer.models import ApiToken, AuditEvent, Cohort, CohortMember, User
from trainer.seed import seed_programme
from trainer.services import api_tokens, create_user

MANAGER, ADMIN = "manager@api.test", "admin@api.test"


@pytest.fixture(scope="module", params=BACKENDS)
def programme(request, tmp_path_factory):
    """A seeded programme of 60 officers on its own database, with a manager and an admin."""
    with own_database(request.param, tmp_path_factory.mktemp('api'), 'api') as url:
        app = create_app(make_config(SQLALCHEMY_DATABASE_URI=url))
        with app.app_context():
            db.create_all()
            seed_programme(60, 7)
            # One officer prefers not to say their gender: a group of one, to be hidden.
            first, second = db.session.scalars(select(User).where(User.role == "trainee").order_by(User.id).limit(2))
            first.gender, second.gender = None, "prefer_not_to_say"
            for email, role in ((MANAGER, "manager"), (ADMIN, "admin")):
                create_user(email, role.title(), PASSWORD, role=role)
            db.session.commit()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()



def make_token(app, cohort_id=None) -> str:
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        _row, token = api_tokens.create_token(admin, "test", db.session.get(Cohort, cohort_id) if cohort_id else None)
        db.session.commit()
        return token


@pytest.fixture(scope="module")
def token(programme):
    return make_token(programme)


@pytest.fixture(scope="module")
def spec(programme):
    return programme.test_client().get("/api/v1/openapi.json").get_json()


def resolved(node, spec):
    """The schema with every $ref replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolved(target, spec)
        return {key: resolved(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(value, spec) for value in node]
    return node


def get(app, spec, path: str, token: str | None, status: int = 200, client=None):
    """GET an API path; check the status and that the body is valid against the document."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = (client or app.test_client()).get(path, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    assert response.mimetype == "application/json"
    operation = spec["paths"][path.split("?")[0]]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    OAS30Validator(resolved(schema, spec)).validate(response.get_json())
    return response.get_json()


def csv_rows(client, report: str, table: str, query: str) -> list[list[str]]:
    response = client.get(f"/reports/{report}/export.csv?table={table}&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[1:]


def as_csv(body: dict) -> list[list[str]]:
    """The API's rows written as the CSV export writes cells: "<5" suppressed, "" for nothing."""
    out = []
    for row in body["rows"]:
        cells = []
        for column in body["columns"]:
            value = row[column["key"]]
            if column["key"] in row["suppressed"]:
                assert value is None
                cells.append("<5")
            elif value is None:
                cells.append("")
            else:
                text = format_cell(value, column["kind"])
                cells.append(text[:10] if column["kind"] == "date" else text)
        out.append(cells)
    return out


# -- the document ------------------------------------------------------------------------------------

def test_the_openapi_document_is_valid_and_describes_every_endpoint(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.0")
    assert set(spec["paths"]) == {f"/api/v1/{name}" for name in (
        "programme", "cohorts", "completion", "attendance", "knowledge-gain", "scenario-results")}
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for path in spec["paths"].values():
        assert {"200", "401", "403", "429"} <= set(path["get"]["responses"])
        assert path["get"]["security"] == [{"bearerAuth": []}]


# -- tokens ------------------------------------------------------------------------------------------

def test_requests_without_a_valid_token_get_401_json(programme, spec, token):
    for headers in ({}, {"Authorization": "Bearer trk_not-a-token"}, {"Authorization": f"Basic {token}"},
                    {"Authorization": token}):
        response = programme.test_client().get("/api/v1/completion", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in response.get_json()["message"]
    # A manager's session is not a token.
    get(programme, spec, "/api/v1/programme", None, 401, client=logged_in(programme, MANAGER))


def test_an_admin_makes_a_token_shown_once_stored_hashed_and_revokes_it(programme, spec):
    admin = logged_in(programme, ADMIN)
    page = admin.post("/admin/api-tokens/", data={"name": "Donor dashboard", "scope": "reports",
                                                   "csrf_token": csrf_token(admin, "/admin/api-tokens/")})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert token.startswith("trk_") and len(token) > 40
    listing = admin.get("/admin/api-tokens/").get_data(as_text=True)
    assert "Donor dashboard" in listing and token not in listing  # shown once
    with programme.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Donor dashboard"))
        assert row.token_hash == api_tokens.token_hash(token) and token not in (row.token_hash, row.prefix)
        row_id = row.id
    assert get(programme, spec, "/api/v1/programme", token)["table"] == "summary"
    with programme.app_context():
        assert db.session.get(ApiToken, row_id).last_used_at is not None
    revoke = admin.post(f"/admin/api-tokens/{row_id}/revoke",
                        data={"csrf_token": csrf_token(admin, "/admin/api-tokens/")})
    assert revoke.status_code == 302
    get(programme, spec, "/api/v1/programme", token, 401)
    with programme.app_context():
        actions = [(event.action, event.detail["token_id"]) for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("api_token.%")).order_by(AuditEvent.id))]
        assert ("api_token.created", row_id) in actions and ("api_token.revoked", row_id) in actions


def test_token_pages_are_for_administrators_and_need_csrf(programme):
    assert logged_in(programme, MANAGER).get("/admin/api-tokens/").status_code == 403
    admin = logged_in(programme, ADMIN)
    refused = admin.post("/admin/api-tokens/", data={"name": "No CSRF", "scope": "reports"})
    assert refused.status_code == 400
    with programme.app_context():
        assert db.session.scalar(select(ApiToken).where(ApiToken.name == "No CSRF")) is None
    # The read API's blueprint is the only one exempted from CSRF (it is GET only and cookieless).
    assert {bp.name for bp in csrf._exempt_blueprints} == {"api"}


def test_a_cohort_token_reads_its_cohort_only(programme, spec, token):
    with programme.app_context():
        cohorts = db.session.scalars(select(Cohort.id).order_by(Cohort.id)).all()
    own, other = cohorts[0], cohorts[1]
    scoped = make_token(programme, own)
    get(programme, spec, "/api/v1/programme", scoped, 403)
    get(programme, spec, f"/api/v1/completion?cohort={other}", scoped, 403)
    listed = get(programme, spec, "/api/v1/cohorts", scoped)
    assert [item["id"] for item in listed["items"]] == [own] and listed["total"] == 1
    for path in ("completion?table=by_agency", "attendance?table=by_cohort", "knowledge-gain?table=by_course",
                 "scenario-results?table=by_scenario"):
        mine = get(programme, spec, f"/api/v1/{path}", scoped)
        assert mine["filters"]["cohort"] == str(own)
        sep = "&" if "?" in path else "?"
        assert mine["rows"] == get(programme, spec, f"/api/v1/{path}{sep}cohort={own}", token)["rows"]
        assert get(programme, spec, f"/api/v1/{path}{sep}cohort={own}", scoped)["rows"] == mine["rows"]
    by_cohort = get(programme, spec, "/api/v1/attendance?table=by_cohort", scoped)["rows"]
    assert {row.get("cohort_id") for row in by_cohort if not row.get("is_total")} <= {own}


# -- the numbers -------------------------------------------------------------------------------------

CASES = [
    ("programme", "overview", "summary", ""), ("programme", "overview", "by_gender", "country=KG"),
    ("programme", "overview", "trend", ""),
    ("completion", "completion", "by_target", ""), ("completion", "completion", "by_agency", "gender=female"),
    ("completion", "completion", "by_cohort", ""), ("attendance", "attendance", "by_cohort", ""),
    ("attendance", "attendance", "by_month", "from=2020-01-01"),
    ("knowledge-gain", "knowledge-gain", "by_course", ""), ("knowledge-gain", "knowledge-gain", "by_cohort", ""),
    ("scenario-results", "scenarios", "by_scenario", ""), ("scenario-results", "scenarios", "distribution", ""),
]


def test_the_numbers_are_the_report_exports_with_the_same_filters(programme, spec, token):
    manager = logged_in(programme, MANAGER)
    suppressed = 0
    for endpoint, report, table, query in CASES:
        body = get(programme, spec, f"/api/v1/{endpoint}?table={table}&per_page=500&{query}", token)
        assert body["table"] == table and body["total"] == len(body["rows"])
        assert as_csv(body) == csv_rows(manager, report, table, query), (endpoint, table, query)
        suppressed += sum(len(row["suppressed"]) for row in body["rows"])
    assert suppressed > 0  # small groups exist in the seeded programme, and are hidden


def test_small_groups_are_null_and_listed_as_suppressed(programme, spec, token):
    body = get(programme, spec, "/api/v1/programme?table=by_gender", token)
    prefer_not = [row for row in body["rows"] if row.get("gender") == "prefer_not_to_say"]
    small = [row for row in body["rows"] if row["suppressed"]]
    assert small, body["rows"]
    for row in small:
        assert all(row[key] is None for key in row["suppressed"])
    assert all(row["officers"] in (None, 0) or row["officers"] >= 5 for row in body["rows"])
    assert prefer_not and prefer_not[0]["officers"] is None and "officers" in prefer_not[0]["suppressed"]


def test_the_personal_officer_list_is_not_served(programme, spec, token):
    body = get(programme, spec, "/api/v1/completion", token)
    assert "officers" not in body["tables"]
    get(programme, spec, "/api/v1/completion?table=officers", token, 400)


def test_tables_and_cohorts_come_a_page_at_a_time(programme, spec, token):
    whole = get(programme, spec, "/api/v1/attendance?table=sessions&per_page=500", token)
    assert whole["total"] == len(whole["rows"]) > 4
    pages, rows, path = 0, [], "/api/v1/attendance?table=sessions&per_page=3"
    while path:
        body = get(programme, spec, path, token)
        assert body["per_page"] == 3 and body["total"] == whole["total"]
        assert body["pages"] == -(-whole["total"] // 3)
        rows += body["rows"]
        pages += 1
        path = body["links"]["next"]
    assert rows == whole["rows"] and pages == body["pages"] and body["links"]["last"] == body["links"]["self"]
    beyond = get(programme, spec, f"/api/v1/attendance?table=sessions&per_page=3&page={pages + 1}", token)
    assert beyond["rows"] == []
    cohorts = get(programme, spec, "/api/v1/cohorts?per_page=1", token)
    with programme.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(Cohort))
        sizes = dict(db.session.execute(select(CohortMember.cohort_id, db.func.count())
                                        .group_by(CohortMember.cohort_id)).all())
    assert cohorts["total"] == count and len(cohorts["items"]) == 1
    item = cohorts["items"][0]
    assert item["members"] == (None if 0 < sizes.get(item["id"], 0) < 5 else sizes.get(item["id"], 0))
    for bad in ("per_page=501", "per_page=0", "page=0", "page=x", "from=2026-13-01", "cohort=999999", "gender=x"):
        body = get(programme, spec, f"/api/v1/completion?{bad}", token, 400)
        assert body["status"] == 400 and body["message"]


def test_requests_beyond_the_rate_limit_get_429_json(programme, token):
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=programme.config["SQLALCHEMY_DATABASE_URI"],
                                 RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute"))
    client = app.test_client()
    statuses = [client.get("/api/v1/cohorts", headers={"Authorization": f"Bearer {token}"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/cohorts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429 and response.get_json()["status"] == 429
