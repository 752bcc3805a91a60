"""LTI 1.3: a partner Moodle (played by this test: its own key pair, its JWKS served over HTTP by a
thread) registers the tool, logs an officer in through OIDC and launches with a signed id_token."""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select

from conftest import csrf_token
from trainer.extensions import db
from trainer.models import AuditEvent, User
from trainer.models_lti import LtiAccount, LtiRegistration

ISSUER = "https://moodle.partner.example"
CLIENT_ID = "tool-client-42"
DEPLOYMENT = "3"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def key_pair():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = json.loads(JWK.from_pem(pem).export_public())
    public.update(kid="platform-key-1", alg="RS256", use="sig")
    return pem, public


PLATFORM_PEM, PLATFORM_JWK = key_pair()
STRANGER_PEM, _ = key_pair()


@pytest.fixture(scope="module")
def platform():
    """The platform's JWKS endpoint: a tiny HTTP server in a thread, counting the fetches."""
    fetches = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            fetches.append(self.path)
            body = json.dumps({"keys": [PLATFORM_JWK]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"jwks": f"http://127.0.0.1:{server.server_address[1]}/mod/lti/certs.php", "fetches": fetches}
    server.shutdown()


@pytest.fixture
def registered(database, platform):
    return database.add(LtiRegistration(
        name="Partner Moodle", issuer=ISSUER, client_id=CLIENT_ID, deployment_ids=[DEPLOYMENT, "7"],
        auth_login_url=f"{ISSUER}/mod/lti/auth.php", auth_token_url=f"{ISSUER}/mod/lti/token.php",
        key_set_url=platform["jwks"]))


def login_initiation(client, **extra):
    """Step 1 and 2: the platform's login initiation; the tool answers with the auth request."""
    params = {"iss": ISSUER, "login_hint": "user-17", "target_link_uri": "http://localhost/lti/launch",
              "lti_message_hint": "hint", "client_id": CLIENT_ID, **extra}
    response = client.post("/lti/login", data=params)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/mod/lti/auth.php"
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def id_token(auth: dict, key=PLATFORM_PEM, kid="platform-key-1", **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER, "aud": CLIENT_ID, "sub": "moodle-user-17", "iat": now, "exp": now + 300,
        "nonce": auth["nonce"], "name": "Aibek Toktogulov", "email": "aibek@partner.example",
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
        LTI + "deployment_id": DEPLOYMENT, LTI + "target_link_uri": "http://localhost/lti/launch",
        LTI + "resource_link": {"id": "rl-1", "title": "Case"},
        LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        LTI + "custom": {"scenario": "no-such-scenario"},
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def launch(client, auth: dict, token: str):
    return client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})


def audit(database, action):
    with database.app.app_context():
        return [event.detail for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_the_tool_serves_its_jwks_at_a_stable_url(client):
    first = client.get("/lti/jwks").get_json()
    second = client.get("/lti/jwks").get_json()
    assert first == second and len(first["keys"]) == 1
    key = first["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert "d" not in key  # the public half only


def test_a_learner_launch_signs_in_a_linked_trainee_created_on_first_launch(client, database, registered, platform):
    auth = login_initiation(client)
    assert auth["client_id"] == CLIENT_ID and auth["login_hint"] == "user-17"
    assert auth["redirect_uri"] == "http://localhost/lti/launch" and auth["response_type"] == "id_token"
    response = launch(client, auth, id_token(auth))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = database.scalar(select(User).where(User.email == "aibek@partner.example"))
    assert (user.full_name, user.role) == ("Aibek Toktogulov", "trainee")
    link = database.scalar(select(LtiAccount))
    assert (link.issuer, link.sub, link.user_id) == (ISSUER, "moodle-user-17", user.id)
    assert client.get("/profile").status_code == 200  # signed in
    assert audit(database, "lti.launch")[0]["resource_link"] == "rl-1"

    # A second launch (a new login) signs in the same account.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    auth = login_initiation(client)
    assert launch(client, auth, id_token(auth)).status_code == 302
    assert database.count(User) == 1 and database.count(LtiAccount) == 1


def test_an_instructor_is_a_trainer_never_an_admin(client, database, registered):
    auth = login_initiation(client)
    roles = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
             "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]
    assert launch(client, auth, id_token(auth, **{LTI + "roles": roles, "email": None})).status_code == 302
    user = database.scalar(select(User))
    assert user.role == "trainer" and user.email.endswith("@lti.invalid")


def test_an_email_of_an_existing_account_is_not_taken_over(client, database, registered, make_user):
    admin = make_user("admin", email="aibek@partner.example")
    auth = login_initiation(client)
    assert launch(client, auth, id_token(auth)).status_code == 302
    link = database.scalar(select(LtiAccount))
    assert link.user_id != admin.id


@pytest.mark.parametrize("case, expected", [
    ("bad signature", "was not signed by the registered platform"),
    ("expired", "has expired"),
    ("wrong audience", "not registered with the training platform"),
    ("unknown deployment", "deployment of the tool is not registered"),
])
def test_refused_launches_say_why_and_are_logged(client, database, registered, case, expected):
    auth = login_initiation(client)
    token = {
        "bad signature": lambda: id_token(auth, key=STRANGER_PEM),
        "expired": lambda: id_token(auth, iat=int(time.time()) - 3600, exp=int(time.time()) - 600),
        "wrong audience": lambda: id_token(auth, aud="someone-else"),
        "unknown deployment": lambda: id_token(auth, **{LTI + "deployment_id": "99"}),
    }[case]()
    response = launch(client, auth, token)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert database.count(User) == 0
    assert len(audit(database, "lti.refused")) == 1
    assert client.get("/profile").status_code == 302  # not signed in


def test_a_replayed_id_token_is_refused(client, database, registered, app):
    auth = login_initiation(client)
    token = id_token(auth)
    assert launch(client, auth, token).status_code == 302
    # The same token again, in the same browser and in another one.
    again = launch(client, auth, token)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert "Open the activity again" in again.get_data(as_text=True)
    other = app.test_client()
    other_auth = login_initiation(other)
    replay = other.post("/lti/launch", data={"id_token": token, "state": other_auth["state"]})
    assert replay.status_code == 400
    # Even a session that still holds the nonce (the library's own check passes) is refused: used nonces are stored.
    with client.session_transaction() as session:
        session[f"lti1p3-nonce-{auth['nonce']}"] = True
    assert launch(client, auth, token).status_code == 400
    reasons = [detail["reason"] for detail in audit(database, "lti.refused")]
    assert reasons == ["Invalid Nonce", "Invalid Nonce", "replayed nonce"]


def test_refusal_pages_are_in_russian(client, database, registered):
    auth = login_initiation(client)
    response = client.post("/lti/launch", data={"id_token": id_token(auth, key=STRANGER_PEM), "state": auth["state"]},
                           headers={"Accept-Language": "ru"})
    assert response.status_code == 400
    assert "Запуск отклонён" in response.get_data(as_text=True)


def test_an_unregistered_platform_cannot_start_a_login(client, database, registered):
    response = client.post("/lti/login", data={"iss": "https://evil.example", "login_hint": "x",
                                               "target_link_uri": "http://localhost/lti/launch"})
    assert response.status_code == 400
    assert audit(database, "lti.refused")[0]["issuer"] == "https://evil.example"


def test_an_administrator_registers_a_platform_and_sees_the_tool_urls(client, database, make_user, auth):
    make_user("admin", email="root@example.org")
    auth.login("root@example.org")
    page = client.get("/admin/lti").get_data(as_text=True)
    for url in ("http://localhost/lti/login", "http://localhost/lti/launch", "http://localhost/lti/jwks"):
        assert url in page
    form = {"csrf_token": csrf_token(client, "/admin/lti"), "name": "Academy Moodle", "issuer": ISSUER,
            "client_id": "abc", "deployment_ids": "1, 2", "auth_login_url": f"{ISSUER}/mod/lti/auth.php",
            "auth_token_url": f"{ISSUER}/mod/lti/token.php", "key_set_url": f"{ISSUER}/mod/lti/certs.php"}
    response = client.post("/admin/lti", data=form)
    assert response.status_code == 302
    registration = database.scalar(select(LtiRegistration))
    assert registration.deployment_ids == ["1", "2"] and registration.client_id == "abc"
    assert "Academy Moodle" in client.get("/admin/lti").get_data(as_text=True)
    # Neither a URL nor keys: told which is missing.
    form.update(client_id="def", key_set_url="")
    assert client.post("/admin/lti", data=form).status_code == 400


DEEP_LINKING = {"deep_link_return_url": f"{ISSUER}/mod/lti/contentitem_return.php?course=4",
                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["window"],
                "data": "opaque-moodle-data"}
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]


def deep_link_token(auth, roles=INSTRUCTOR):
    return id_token(auth, **{LTI + "message_type": "LtiDeepLinkingRequest", LTI + "resource_link": None,
                             LTI + "roles": roles,
                             "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": DEEP_LINKING})


def test_an_instructor_picks_a_scenario_and_the_platform_gets_a_signed_deep_linking_response(client, database,
                                                                                            registered):
    from trainer.models import Scenario

    database.add(Scenario(slug="border-smuggling", title="Smuggling at the border", filename="x.yml"))
    auth = login_initiation(client)
    response = launch(client, auth, deep_link_token(auth))
    assert response.status_code == 302 and response.headers["Location"] == "/lti/deep-link"
    page = client.get("/lti/deep-link").get_data(as_text=True)
    assert "Smuggling at the border" in page
    response = client.post("/lti/deep-link", data={"csrf_token": csrf_token(client, "/lti/deep-link"),
                                                   "item": "scenario:border-smuggling"})
    assert response.status_code == 200
    assert f"form-action 'self' {ISSUER}" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert f'action="{DEEP_LINKING["deep_link_return_url"]}"' in page.replace("&amp;", "&")
    token = page.split('name="JWT" value="')[1].split('"')[0]
    tool_key = client.get("/lti/jwks").get_json()["keys"][0]
    assert jwt.get_unverified_header(token)["kid"] == tool_key["kid"]
    claims = jwt.decode(token, JWK(**tool_key).export_to_pem(), algorithms=["RS256"], audience=ISSUER)
    assert claims["iss"] == CLIENT_ID and claims["aud"] == [ISSUER]
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-moodle-data"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] == [{
        "type": "ltiResourceLink", "title": "Smuggling at the border", "url": "http://localhost/lti/launch",
        "custom": {"scenario": "border-smuggling"}}]
    # The choice was made once: the page now only says where to start.
    assert client.get("/lti/deep-link").status_code == 400


def test_a_learner_cannot_deep_link(client, database, registered):
    auth = login_initiation(client)
    response = launch(client, auth, deep_link_token(auth, roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]))
    assert response.status_code == 400
    assert "Only an instructor" in response.get_data(as_text=True)
    assert database.count(User) == 0


# --- Assignment and Grade Services ----------------------------------------------------------------

@pytest.fixture
def grades_platform():
    """The platform's token and score endpoints: records every request; `fail` makes scores 503."""
    seen = {"token": [], "scores": [], "fail": False}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.path == "/mod/lti/token.php":
                seen["token"].append(parse_qs(body))
                answer, status = {"access_token": "platform-token-1", "token_type": "Bearer", "expires_in": 3600}, 200
            else:
                seen["scores"].append({"path": self.path, "json": json.loads(body),
                                       "authorization": self.headers.get("Authorization"),
                                       "content_type": self.headers.get("Content-Type")})
                answer, status = ({}, 503) if seen["fail"] else ({}, 200)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen["base"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield seen
    server.shutdown()


def launch_scenario_with_grades(client, database, platform, grades_platform):
    database.add(LtiRegistration(
        name="Partner Moodle", issuer=ISSUER, client_id=CLIENT_ID, deployment_ids=[DEPLOYMENT],
        auth_login_url=f"{ISSUER}/mod/lti/auth.php", auth_token_url=f"{grades_platform['base']}/mod/lti/token.php",
        key_set_url=platform["jwks"]))
    auth = login_initiation(client)
    endpoint = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitems": f"{grades_platform['base']}/mod/lti/services.php/4/lineitems?type_id=2",
                "lineitem": f"{grades_platform['base']}/mod/lti/services.php/4/lineitems/21/lineitem?type_id=2"}
    token = id_token(auth, **{LTI + "custom": {"scenario": "alay-road"},
                              "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": endpoint})
    response = launch(client, auth, token)
    assert response.headers["Location"] == "/scenarios/alay-road"


def submit_perfect(client):
    from sample_scenario import PERFECT

    token = csrf_token(client, "/scenarios/alay-road")
    attempt = int(client.post("/scenarios/alay-road/start", data={"csrf_token": token}).headers["Location"]
                  .rsplit("/", 1)[1])
    client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(PERFECT),
                headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert client.post(f"/scenario-attempts/{attempt}/submit", data={"csrf_token": token}).status_code == 302
    return attempt


def test_a_scored_attempt_goes_back_to_the_line_item(client, database, platform, grades_platform, example_loaded):
    from trainer.models_lti import LtiGradeLink

    launch_scenario_with_grades(client, database, platform, grades_platform)
    submit_perfect(client)
    # The token: client credentials with a JWT signed by the tool's key, for the score scope.
    (request,) = grades_platform["token"]
    assert request["grant_type"] == ["client_credentials"]
    assert request["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in request["scope"][0]
    tool_key = client.get("/lti/jwks").get_json()["keys"][0]
    assertion = jwt.decode(request["client_assertion"][0], JWK(**tool_key).export_to_pem(), algorithms=["RS256"],
                           audience=f"{grades_platform['base']}/mod/lti/token.php")
    assert assertion["iss"] == CLIENT_ID and assertion["sub"] == CLIENT_ID
    # The score: every auto-scored task perfect, the report (weight 10) waits for a trainer: 90 of 100.
    (score,) = grades_platform["scores"]
    assert score["path"] == "/mod/lti/services.php/4/lineitems/21/lineitem/scores?type_id=2"
    assert score["authorization"] == "Bearer platform-token-1"
    assert score["content_type"] == "application/vnd.ims.lis.v1.score+json"
    payload = dict(score["json"])
    assert payload.pop("timestamp")
    assert payload == {"scoreGiven": 90.0, "scoreMaximum": 100, "activityProgress": "Completed",
                       "gradingProgress": "PendingManual", "userId": "moodle-user-17"}
    link = database.scalar(select(LtiGradeLink))
    assert (link.pending, link.last_error) == (False, "") and link.sent_at is not None


def test_a_score_the_platform_refuses_is_kept_and_resent(client, database, platform, grades_platform, example_loaded,
                                                         app):
    from trainer.models_lti import LtiGradeLink

    launch_scenario_with_grades(client, database, platform, grades_platform)
    grades_platform["fail"] = True
    submit_perfect(client)  # the officer's submission goes through all the same
    link = database.scalar(select(LtiGradeLink))
    assert link.pending and "503" in link.last_error
    grades_platform["fail"] = False
    result = app.test_cli_runner().invoke(args=["lti", "resend"])
    assert result.exit_code == 0 and "sent 1, still failing 0" in result.output
    assert len(grades_platform["scores"]) == 2
    assert grades_platform["scores"][-1]["json"]["scoreGiven"] == 90.0
    link = database.scalar(select(LtiGradeLink))
    assert not link.pending and link.last_error == ""


def test_a_trainers_review_sends_the_final_score_again(client, database, platform, grades_platform, example_loaded,
                                                       app, make_user):
    from trainer.models import ScenarioAttempt
    from trainer.services import exercises
    from trainer.services.scenarios import scenario_for

    launch_scenario_with_grades(client, database, platform, grades_platform)
    attempt_id = submit_perfect(client)
    trainer = make_user("admin")
    with app.test_request_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        spec = scenario_for(attempt.version, attempt.seed)
        # Full marks on every rubric criterion of the report.
        points = {task.id: {criterion.id: str(criterion.max_points) for criterion in task.content.rubric}
                  for task in exercises.reports_to_review(spec, attempt)}
        exercises.review(attempt, db.session.get(User, trainer.id), points, {})
        db.session.commit()
        app.process_response(app.response_class())  # the end of the trainer's request
    first, second = [score["json"] for score in grades_platform["scores"]]
    assert (first["scoreGiven"], first["gradingProgress"]) == (90.0, "PendingManual")
    assert (second["scoreGiven"], second["gradingProgress"]) == (100.0, "FullyGraded")
