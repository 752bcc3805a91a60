"""Learning records: real actions write their xAPI statements, which reach a stand-in LRS (started
here) exactly once, through an outage; managers download them."""
from __future__ import annotations

import base64
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from conftest import csrf_token, database_url_for, post_form
from sample_course import CORRECT, write_course
from sample_scenario import PERFECT, write_scenario
from trainer.extensions import db
from trainer.models import AuditEvent
from trainer.models_xapi import XapiStatement
from trainer.services import lrs
from trainer.services.content import load_courses
from trainer.services.scenarios import load_scenarios
from xapi_checks import problems

BASE = "https://training.example.org"
LRS_USER, LRS_PASSWORD = "trainer-platform", "lrs secret"


class StandInLrs:
    """An LRS's statements resource, as strict as a real one: Basic auth, the version header and
    valid statements, or it refuses; statements stored by id, a batch holding a known id refused
    with 409 (as Learning Locker does). `down` makes it answer 503 to everything."""

    def __init__(self):
        self.stored: dict[str, dict] = {}
        self.received: list[str] = []  # ids of every statement it stored, in order
        self.requests = 0
        self.down = False
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/xapi"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def wsgi(self, request: Request) -> Response:
        self.requests += 1
        if self.down:
            return Response("down for maintenance", 503)
        expected = "Basic " + base64.b64encode(f"{LRS_USER}:{LRS_PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return Response("unauthorised", 401)
        if request.headers.get("X-Experience-API-Version") != "1.0.3":
            return Response("X-Experience-API-Version 1.0.3 required", 400)
        if request.method != "POST" or request.path != "/xapi/statements":
            return Response("not here", 404)
        batch = request.get_json()
        wrong = [f"{s.get('id')}: {p}" for s in batch for p in problems(s)]
        if wrong:
            return Response("; ".join(wrong), 400)
        if any(statement["id"] in self.stored for statement in batch):
            return Response("a statement with this id exists", 409)
        for statement in batch:
            self.stored[statement["id"]] = statement
            self.received.append(statement["id"])
        return Response(json.dumps([s["id"] for s in batch]), 200, content_type="application/json")


@pytest.fixture(scope="module")
def lrs_server():
    server = StandInLrs()
    yield server
    server.server.shutdown()


@pytest.fixture
def stand_in(lrs_server):
    lrs_server.stored.clear()
    lrs_server.received.clear()
    lrs_server.requests, lrs_server.down = 0, False
    return lrs_server


@pytest.fixture
def app_config(request, backend, tmp_path, lrs_server):
    write_course(tmp_path / "courses")
    write_scenario(tmp_path / "scenarios")
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "PUBLIC_BASE_URL": BASE,
            "CONTENT_COURSES_DIR": str(tmp_path / "courses"), "CONTENT_SCENARIOS_DIR": str(tmp_path / "scenarios"),
            "XAPI_ENDPOINT": lrs_server.url, "XAPI_USERNAME": LRS_USER, "XAPI_PASSWORD": LRS_PASSWORD,
            "XAPI_BATCH_SIZE": 4, "XAPI_RETRY_SECONDS": 60}


@pytest.fixture
def loaded(app, tmp_path):
    with app.app_context():
        load_courses(tmp_path / "courses")
        load_scenarios(tmp_path / "scenarios")
        db.session.commit()


def statements(database) -> list[dict]:
    with database.app.app_context():
        query = select(XapiStatement).order_by(XapiStatement.created_at, XapiStatement.id)
        return [row.statement for row in db.session.scalars(query)]


def verbs(found: list[dict]) -> list[tuple[str, str]]:
    """(verb, the end of the object's id) of each statement, e.g. ("completed", "lessons/01-source")."""
    return [(s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"].removeprefix(BASE + "/")) for s in found]


def start(client, path: str) -> int:
    return int(post_form(client, path).headers["Location"].split("/attempts/")[1])


def test_a_course_taken_writes_its_statements_and_the_lrs_gets_them(client, auth, make_user, loaded, database,
                                                                     run_jobs, stand_in):
    officer = make_user("trainee")
    auth.login(officer)
    check = start(client, "/courses/grading-basics/lessons/01-source/check")
    post_form(client, f"/attempts/{check}/submit", {"q:check-x": "true"})
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    post_form(client, "/courses/grading-basics/lessons/01-source/complete")  # again: nothing new
    post = start(client, "/courses/grading-basics/tests/post_test")
    post_form(client, f"/attempts/{post}/submit", CORRECT)

    found = statements(database)
    code = found[-1]["object"]["id"].rsplit("/", 1)[1]
    assert verbs(found) == [("answered", "courses/grading-basics/questions/check-x"),
                            ("completed", "courses/grading-basics/lessons/01-source"),
                            ("completed", "courses/grading-basics/lessons/02-information"),
                            ("passed", "courses/grading-basics/tests/post_test"),
                            ("earned", f"verify/{code}")]
    for statement in found:
        assert problems(statement) == []
        assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": BASE, "name": str(officer.id)}}
    answered, passed = found[0], found[3]
    assert answered["result"] == {"score": {"scaled": 1.0}, "success": True, "completion": True}
    assert passed["result"]["score"] == {"scaled": 1.0} and passed["result"]["success"] is True
    assert passed["context"]["registration"] != answered["context"]["registration"]

    # Each commit queued a send: the LRS has every statement, once.
    run_jobs()
    assert sorted(stand_in.received) == sorted(s["id"] for s in found)
    with database.app.app_context():
        assert db.session.scalar(select(XapiStatement).where(XapiStatement.sent_at.is_(None))) is None


def test_a_scenario_submitted_and_reviewed(client, auth, make_user, loaded, database, stand_in):
    officer, admin = make_user("trainee"), make_user("admin")
    auth.login(officer)
    attempt = int(post_form(client, "/scenarios/alay-road/start").headers["Location"].rsplit("/", 1)[1])
    client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(PERFECT),
                headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    post_form(client, f"/scenario-attempts/{attempt}/submit")
    submitted = statements(database)
    # Started, then each auto-scored task; the report waits for a trainer, so no outcome yet.
    assert verbs(submitted) == [("attempted", "scenarios/alay-road")] + [
        ("scored", f"scenarios/alay-road/tasks/{task}") for task in ("evaluate", "links", "timeline", "ach", "decisions")]
    assert all(s["result"]["score"]["scaled"] == 1.0 for s in submitted[1:])
    auth.logout()

    auth.login(admin)
    page = client.get(f"/reviews/{attempt}").get_data(as_text=True)
    maxima = {chunk.split('"')[0]: int(chunk.split('max="')[1].split('"')[0])
              for chunk in page.split('name="points:final-report:')[1:]}
    assert post_form(client, f"/reviews/{attempt}",
                     {f"points:final-report:{c}": str(m) for c, m in maxima.items()}).status_code == 302
    reviewed = statements(database)[len(submitted):]
    by_verb = {}
    for statement in reviewed:
        by_verb.setdefault(statement["verb"]["id"].rsplit("/", 1)[1], []).append(statement)
    assert len(by_verb["scored"]) == 6  # the review scores the attempt again, the report included
    (review,) = by_verb["reviewed"]
    assert review["actor"]["account"]["name"] == str(admin.id)
    assert review["context"]["extensions"][f"{BASE}/xapi/extensions/learner"]["account"]["name"] == str(officer.id)
    (outcome,) = by_verb["passed"]
    assert outcome["result"]["score"]["scaled"] == 1.0 and outcome["result"]["success"] is True
    assert outcome["result"]["duration"].startswith("PT")
    registration = submitted[0]["context"]["registration"]
    assert {s["context"]["registration"] for s in reviewed} == {registration}
    for statement in statements(database):
        assert problems(statement) == []


def test_statements_reach_the_lrs_exactly_once_through_an_outage(app, client, auth, make_user, loaded, database,
                                                                  stand_in):
    officer = make_user("trainee")
    auth.login(officer)
    stand_in.down = True
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    check = start(client, "/courses/grading-basics/lessons/01-source/check")
    post_form(client, f"/attempts/{check}/submit", {"q:check-x": "false"})
    kept = {s["id"] for s in statements(database)}
    assert len(kept) == 3
    now = datetime.now(timezone.utc)

    with app.app_context():
        assert lrs.send_pending(now) == lrs.Delivery(sent=0, failed=3)
        assert lrs.send_pending(now + timedelta(seconds=30)) == lrs.Delivery(0, 0)  # backing off: not tried
        assert lrs.send_pending(now + timedelta(seconds=61)) == lrs.Delivery(0, 3)  # 60 s later, still down
        rows = list(db.session.scalars(select(XapiStatement)))
        assert {(row.attempts, row.sent_at) for row in rows} == {(2, None)}
        assert all("503" in row.last_error for row in rows)
        wait = min(row.next_attempt_at for row in rows) - (now + timedelta(seconds=61))
        assert wait == timedelta(seconds=120)  # twice as long after the second failure
    tries_while_down = stand_in.requests

    stand_in.down = False
    with app.app_context():
        assert lrs.send_pending(now + timedelta(seconds=120)) == lrs.Delivery(0, 0)  # still waiting its turn
        assert lrs.send_pending(now + timedelta(seconds=182)) == lrs.Delivery(3, 0)
        assert lrs.send_pending(now + timedelta(days=1)) == lrs.Delivery(0, 0)  # nothing is sent twice
    assert stand_in.requests == tries_while_down + 1
    assert sorted(stand_in.received) == sorted(kept)


def test_a_statement_refused_for_years_still_waits_a_day(app):
    """A statement the LRS always refuses is tried daily; its 2 000th failure must not overflow the
    backoff (a float of 2 ** 1999), which would stall every statement behind it."""
    with app.app_context():
        assert lrs.backoff_seconds(2000) == lrs.MAX_BACKOFF_SECONDS


def test_an_lrs_that_has_some_already_takes_the_rest(app, database, loaded, make_user, client, auth, stand_in):
    """The LRS stored a batch but its answer was lost: the next send gets 409 for the batch, then
    sends one by one; what it has counts as sent, the rest is stored, nothing twice."""
    auth.login(make_user("trainee"))
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    first = statements(database)[0]
    stand_in.stored[first["id"]] = first
    with app.app_context():
        assert lrs.send_pending() == lrs.Delivery(2, 0)
    assert stand_in.received == [statements(database)[1]["id"]]


def test_without_an_lrs_statements_are_kept_and_nothing_is_queued(app, client, auth, make_user, loaded, database,
                                                                   run_jobs, stand_in):
    app.config["XAPI_ENDPOINT"] = ""
    auth.login(make_user("trainee"))
    post_form(client, "/courses/grading-basics/lessons/01-source/complete")
    assert len(statements(database)) == 1
    assert run_jobs() == 0 and stand_in.requests == 0


def test_attendance_and_the_managers_download(app, client, auth, make_user, loaded, database):
    trainer, manager = make_user("trainer"), make_user("manager")
    present, absent, elsewhere = make_user("trainee"), make_user("trainee"), make_user("trainee")
    auth.login(trainer)
    created = post_form(client, "/cohorts/new", {"name": "Bishkek webinar"})
    cohort = int(created.headers["Location"].split("/cohorts/")[1].split("#")[0])
    for officer in (present, absent):
        post_form(client, f"/cohorts/{cohort}/members", {"email": officer.email})
    post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": "2026-11-25T10:00", "minutes": "90",
                                                     "topic": "Анализ звонков"})
    with app.app_context():
        from trainer.models import TrainingSession
        session_id = db.session.scalar(select(TrainingSession.id))
    grid = f"/cohorts/{cohort}/sessions/{session_id}/attendance"
    post_form(client, grid, {f"status-{present.id}": "present", f"status-{absent.id}": "present"})
    post_form(client, grid, {f"status-{present.id}": "late", f"status-{absent.id}": "absent"})  # a mark corrected
    marked = statements(database)
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in marked] == ["attended", "attended", "voided"]
    wrongly = next(s for s in marked if s["actor"]["account"]["name"] == str(absent.id))
    assert marked[2]["object"] == {"objectType": "StatementRef", "id": wrongly["id"]}
    assert marked[2]["actor"]["account"]["name"] == str(trainer.id)
    post_form(client, grid, {f"status-{present.id}": "late", f"status-{absent.id}": "present"})  # after all
    again = statements(database)[3]
    assert again["actor"]["account"]["name"] == str(absent.id) and again["id"] != wrongly["id"]
    auth.logout()
    auth.login(elsewhere)
    post_form(client, "/courses/grading-basics/lessons/01-source/complete")
    auth.logout()

    attended = marked[0] if marked[0]["actor"]["account"]["name"] == str(present.id) else marked[1]
    assert attended["object"]["id"] == f"{BASE}/cohorts/{cohort}/sessions/{session_id}"
    assert attended["object"]["definition"]["name"] == {"und": "Анализ звонков"}
    assert attended["result"] == {"completion": True, "duration": "PT1H30M"}

    auth.login(manager)
    assert 'href="/reports/learning-records/"' in client.get("/reports/").get_data(as_text=True)
    page = client.get("/reports/learning-records/").get_data(as_text=True)
    assert "statements kept" in page and 'data-choices-url="/reports/choices/cohorts"' in page
    assert "Bishkek webinar" not in page  # cohorts are typed and searched, never all listed
    everything = client.get("/reports/learning-records/statements.json")
    assert everything.headers["Content-Disposition"] == "attachment; filename=xapi-statements.json"
    assert len(everything.get_json()) == 5
    cohort_only = client.get(f"/reports/learning-records/statements.json?cohort={cohort}").get_json()
    assert cohort_only == [*marked, again]
    by_name = client.get("/reports/learning-records/statements.json", query_string={"cohort": "Bishkek webinar"})
    assert by_name.get_json() == cohort_only
    today = datetime.now(timezone.utc).date()
    assert client.get(f"/reports/learning-records/statements.json?to={today - timedelta(days=2)}").get_json() == []
    bad = client.get("/reports/learning-records/statements.json?from=25.11.2026&cohort=999")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "“25.11.2026” is not a date for “from”" in text
    assert "There is no cohort with id 999" in text
    exports = database.scalar(select(AuditEvent.detail).where(AuditEvent.action == "export.learning_records.json")
                              .order_by(AuditEvent.id.desc()).limit(1))
    assert exports == {"filters": {"to": str(today - timedelta(days=2))}}


def test_the_records_page_asks_for_a_fixed_address_when_ids_follow_the_request(app, client, auth, make_user):
    # Without TRAINER_BASE_URL every id is built on the address a request came in on: officers
    # reaching the platform by its IP address and by its name give the same lesson two ids in the
    # LRS. The page says so to whoever reads the records, and is quiet once the address is set.
    auth.login(make_user("manager"))
    assert "TRAINER_BASE_URL" not in client.get("/reports/learning-records/").get_data(as_text=True)
    app.config["PUBLIC_BASE_URL"] = ""
    page = client.get("/reports/learning-records/").get_data(as_text=True)
    assert ("Statements and activities are named after the address each request came in on, now "
            "http://localhost: set TRAINER_BASE_URL") in page
