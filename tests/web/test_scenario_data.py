"""Datasets in the workspace: loaded as JSON when the data tab opens, only by the attempt's owner;
query answers saved as typed (even in the wrong form) and scored on submit."""
import json

import pytest
from sqlalchemy import select

from conftest import csrf_token, post_form
from sample_data_scenario import TEMPLATE
from trainer.extensions import db
from trainer.models import ScenarioAttempt
from trainer.services import scenarios as casework
from trainer.services.scenarios import load_scenarios


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "scenarios"
    root.mkdir()
    (root / "courier-calls.yml").write_text(TEMPLATE)
    return root


@pytest.fixture
def app_config(request, backend, data_root, tmp_path):
    from conftest import database_url_for
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend),
            "CONTENT_SCENARIOS_DIR": str(data_root), "CONTENT_COURSES_DIR": str(tmp_path / "no-courses")}


@pytest.fixture
def loaded(app, data_root):
    with app.app_context():
        load_scenarios(data_root)
        db.session.commit()


def start(client) -> int:
    response = post_form(client, "/scenarios/courier-calls-generated/start")
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def variant_of(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        return casework.scenario_for(attempt.version, attempt.seed)


def test_the_data_comes_as_json_with_the_variants_own_numbers(app, client, make_user, auth, loaded):
    auth.login(make_user("trainee"))
    attempt = start(client)
    response = client.get(f"/scenario-attempts/{attempt}/data")
    assert response.status_code == 200 and response.is_json
    (calls,) = response.get_json()["datasets"]
    assert [c["id"] for c in calls["columns"]] == ["time", "caller", "callee", "seconds", "cell"]
    assert calls["columns"][1]["label"] == "Calling number"
    assert len(calls["rows"]) == 3000
    variant = variant_of(app, attempt)
    ph1 = variant.entity("PH1").display
    assert calls["entities"][ph1] == {"id": "PH1", "type": "phone"}
    assert calls["rows"][0][0].startswith("2024-02-") and isinstance(calls["rows"][0][3], int)
    one = client.get(f"/scenario-attempts/{attempt}/data?dataset=calls").get_json()
    assert one["rows"] == calls["rows"]
    assert client.get(f"/scenario-attempts/{attempt}/data?dataset=transfers").status_code == 404
    # no key in what the browser gets
    assert "nine calls" not in json.dumps(one) and "compute" not in json.dumps(one)


def test_another_trainee_cannot_read_the_data(client, make_user, auth, loaded):
    owner, other = make_user("trainee"), make_user("trainee")
    auth.login(owner)
    attempt = start(client)
    auth.logout()
    auth.login(other)
    assert client.get(f"/scenario-attempts/{attempt}/data").status_code == 404


def test_an_answer_in_the_wrong_form_is_saved_and_explained_on_submit(app, client, make_user, auth, loaded, database):
    auth.login(make_user("trainee"))
    attempt = start(client)
    variant = variant_of(app, attempt)
    ph2 = variant.entity("PH2").display
    body = {"data": {"answers": {"Q1": ph2, "Q2": "nine"}}}
    saved = client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(body),
                        headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    assert saved.status_code == 200 and saved.get_json()["saved"]
    with app.app_context():
        stored = db.session.get(ScenarioAttempt, attempt)
        assert stored.responses["data"]["answers"]["Q2"] == "nine"
    assert post_form(client, f"/scenario-attempts/{attempt}/submit").status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(ScenarioAttempt).where(ScenarioAttempt.id == attempt)).one()
        items = {i["item_id"]: i for i in stored.result["tasks"][0]["items"]}
        assert items["Q1"]["points"] == 1.0
        assert items["Q2"]["points"] == 0.0
        assert "is not a number" in json.dumps(items["Q2"]["note"])
        assert stored.total_percent == pytest.approx(33.33)  # Q1 right, Q2 unreadable, Q3 blank
    page = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
    assert "&#39;nine&#39; is not a number" in page or "'nine' is not a number" in page
    assert "Questions on the call records" in page


def test_the_workspace_has_a_data_tab_and_the_questions_but_not_the_rows(app, client, make_user, auth, loaded):
    auth.login(make_user("trainee"))
    attempt = start(client)
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert 'data-tab="_data"' in page and 'data-tabpanel="_data"' in page
    assert f'data-url="/scenario-attempts/{attempt}/data"' in page
    assert "js/datatable" in page and "css/data" in page
    assert page.count('data-query="') == 3 and 'data-answer-kind="rows"' in page
    variant = variant_of(app, attempt)
    calls = variant.dataset("calls")
    noise = next(r for r in calls.rows if variant.entity("PH1").display not in (r[1], r[2]))
    assert noise[1] not in page and "3000 rows" in page  # rows come with the tab, not the page
    assert "nine calls" not in page  # no rationale before submitting


def test_answers_typed_come_back_after_a_reload(app, client, make_user, auth, loaded):
    auth.login(make_user("trainee"))
    attempt = start(client)
    body = {"data": {"answers": {"Q2": "nine", "Q3": "4, 17"}}}
    client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(body),
                headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert 'value="nine"' in page and 'value="4, 17"' in page
