"""Issue 9, item 13: a scenario's or course's answer key reaches only those who may edit it.

Shipped content is public in the repository, keys included, so any trainer may start from it;
content written in the browser by one trainer is not another's to copy or download.
"""
import pytest

from conftest import database_url_for, post_form
from sample_course import write_course
from sample_scenario import write_scenario
from trainer.extensions import db
from trainer.models import Course, CourseDraft, Scenario, ScenarioDraft
from trainer.services.content import load_courses
from trainer.services.scenarios import load_scenarios


@pytest.fixture
def app_config(request, backend, tmp_path):
    write_scenario(tmp_path / "scenarios")
    write_course(tmp_path / "courses")
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend),
            "CONTENT_COURSES_DIR": str(tmp_path / "courses"), "CONTENT_SCENARIOS_DIR": str(tmp_path / "scenarios")}


@pytest.fixture
def owned_content(app, tmp_path, make_user, database):
    """The example scenario and sample course, as if written in the browser by `owner`."""
    with app.app_context():
        load_scenarios(tmp_path / "scenarios")
        load_courses(tmp_path / "courses")
        db.session.commit()
    owner = make_user("trainer")
    with app.app_context():
        scenario = db.session.scalar(db.select(Scenario))
        course = db.session.scalar(db.select(Course))
        scenario.owner_id = course.owner_id = owner.id
        db.session.commit()
        return {"owner": owner, "scenario": (scenario.id, scenario.slug), "course": course.slug}


def test_another_trainer_cannot_export_a_scenario_with_its_key(client, auth, make_user, owned_content):
    slug = owned_content["scenario"][1]
    auth.login(make_user("trainer"))
    assert client.get(f"/author/scenarios/{slug}/export").status_code == 403
    auth.logout()
    auth.login(owned_content["owner"])
    response = client.get(f"/author/scenarios/{slug}/export")
    assert response.status_code == 200 and slug.encode() in response.data


def test_another_trainer_cannot_copy_a_scenario_or_course_to_read_its_key(client, auth, make_user, database,
                                                                            owned_content):
    scenario_id, _ = owned_content["scenario"]
    auth.login(make_user("trainer"))
    assert post_form(client, "/author/scenarios/new/copy", {"copy-scenario_id": str(scenario_id)}).status_code == 302
    assert post_form(client, "/author/courses/drafts",
                     {"title": "Mine now", "source": owned_content["course"]}).status_code == 400
    assert database.count(ScenarioDraft) == 0 and database.count(CourseDraft) == 0
    auth.logout()
    auth.login(owned_content["owner"])
    assert post_form(client, "/author/scenarios/new/copy", {"copy-scenario_id": str(scenario_id)}).status_code == 302
    assert post_form(client, "/author/courses/drafts",
                     {"title": "Second edition", "source": owned_content["course"]}).status_code == 302
    assert database.count(ScenarioDraft) == 1 and database.count(CourseDraft) == 1


def test_shipped_content_stays_copyable_by_every_trainer(app, client, auth, make_user, database, owned_content):
    with app.app_context():
        db.session.execute(db.update(Scenario).values(owner_id=None))
        db.session.commit()
    auth.login(make_user("trainer"))
    scenario_id, _ = owned_content["scenario"]
    assert post_form(client, "/author/scenarios/new/copy", {"copy-scenario_id": str(scenario_id)}).status_code == 302
    assert database.count(ScenarioDraft) == 1
