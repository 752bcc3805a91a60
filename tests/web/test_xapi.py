"""Learning records: real actions write their xAPI statements, in the same transaction."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from conftest import csrf_token, database_url_for, post_form
from sample_course import CORRECT, write_course
from sample_scenario import PERFECT, write_scenario
from trainer.extensions import db
from trainer.models_xapi import XapiStatement
from trainer.services.content import load_courses
from trainer.services.scenarios import load_scenarios
from xapi_checks import problems

BASE = "https://training.example.org"
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def app_config(request, backend, tmp_path):
    write_course(tmp_path / "courses")
    write_scenario(tmp_path / "scenarios")
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "PUBLIC_BASE_URL": BASE,
            "CONTENT_COURSES_DIR": str(tmp_path / "courses"), "CONTENT_SCENARIOS_DIR": str(tmp_path / "scenarios")}


@pytest.fixture
def loaded(app, tmp_path):
    with app.app_context():
        load_courses(tmp_path / "courses")
        load_scenarios(tmp_path / "scenarios")
        db.session.commit()


def statements(database) -> list[dict]:
    with database.app.app_context():
        return [row.statement for row in db.session.scalars(select(XapiStatement).order_by(XapiStatement.created_at))]


def verbs(found: list[dict]) -> list[tuple[str, str]]:
    """(verb, the end of the object's id) of each statement, e.g. ("completed", "lessons/01-source")."""
    return [(s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"].removeprefix(BASE + "/")) for s in found]


def start(client, path: str) -> int:
    return int(post_form(client, path).headers["Location"].split("/attempts/")[1])


def test_a_course_taken_writes_its_statements(client, auth, make_user, loaded, database):
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


def test_a_scenario_submitted_and_reviewed(client, auth, make_user, loaded, database):
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


def test_attendance(app, client, auth, make_user, loaded, database):
    trainer = make_user("trainer")
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
    post_form(client, grid, {f"status-{present.id}": "late", f"status-{absent.id}": "absent"})
    post_form(client, grid, {f"status-{present.id}": "present", f"status-{absent.id}": "absent"})  # no new record
    auth.logout()
    auth.login(elsewhere)
    post_form(client, "/courses/grading-basics/lessons/01-source/complete")
    auth.logout()

    (attended,) = [s for s in statements(database) if s["verb"]["id"] == ADL + "attended"]
    assert attended["actor"]["account"]["name"] == str(present.id)
    assert attended["object"]["id"] == f"{BASE}/cohorts/{cohort}/sessions/{session_id}"
    assert attended["object"]["definition"]["name"] == {"und": "Анализ звонков"}
    assert attended["result"] == {"completion": True, "duration": "PT1H30M"}
