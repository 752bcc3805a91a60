"""A trainee works a scenario: case file without the key, autosave, submit, explained score."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import csrf_token, logged_in, post_form, templates_drawn, without_tokens
from sample_scenario import EXAMPLE, PERFECT, write_scenario
from trainer.domain.scenario import parse_scenario
from trainer.config import PROJECT_ROOT
from trainer.extensions import db
from trainer.models import ScenarioAttempt
from trainer.services.scenarios import load_scenarios

SPEC, _ = parse_scenario(EXAMPLE, "example.yml")
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')
KEY_TEXTS = [item.rationale for task in SPEC.tasks if task.type == "grade" for item in task.key.items] + [
    option.explanation for task in SPEC.tasks if task.type == "decision"
    for decision in task.content.decisions for option in decision.options]


@pytest.fixture
def app_config(example_scenario_config):
    return example_scenario_config


@pytest.fixture
def trainee(make_user, auth, example_loaded):
    user = make_user("trainee")
    auth.login(user)
    return user


def open_case(client) -> int:
    response = post_form(client, "/scenarios/alay-road/start")
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def save(client, attempt_id, body, token=None):
    return client.post(f"/scenario-attempts/{attempt_id}/save", data=json.dumps(body),
                       headers={"Content-Type": "application/json", "X-CSRFToken": token or csrf_token(client)})


def age_attempt(app, attempt_id, minutes):
    with app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        attempt.started_at = attempt.started_at - timedelta(minutes=minutes)
        db.session.commit()


def test_workspace_shows_the_case_file_but_never_the_key(client, trainee):
    attempt = open_case(client)
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert "The Alay road" in page and 'data-entity="P1"' in page
    for text in KEY_TEXTS:
        assert text not in page
    assert '"correct"' not in page and "rationale" not in page


def test_timed_reports_arrive_when_their_time_comes(app, client, trainee):
    attempt = open_case(client)
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert 'id="report-R1"' in page and 'id="report-R2"' not in page and 'id="report-R3"' not in page
    assert "2 more reports will arrive" in page
    age_attempt(app, attempt, 25)
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert 'id="report-R2"' in page and 'id="report-R3"' not in page


def test_autosave_merges_changed_tasks_and_a_reload_restores_them(client, trainee, database):
    attempt = open_case(client)
    token = csrf_token(client)
    assert save(client, attempt, {"evaluate": PERFECT["evaluate"]}, token).get_json()["tasks"] == ["evaluate"]
    assert save(client, attempt, {"final-report": {"text": "Draft: the lorry"}}, token).status_code == 200
    saved = database.get(ScenarioAttempt, attempt).responses
    assert set(saved) == {"evaluate", "final-report"}
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert "Draft: the lorry</textarea>" in page
    assert '<option value="B" selected>' in page


@pytest.mark.parametrize("body, message", [
    ({"no-such-task": {}}, "unknown task id(s): no-such-task"),
    ({"evaluate": "B2"}, "must be a JSON object"),
    (["evaluate"], "expected a JSON object keyed by task id"),
])
def test_malformed_autosave_is_refused_with_a_reason_and_loses_nothing(client, trainee, database, body, message):
    attempt = open_case(client)
    save(client, attempt, {"timeline": {"order": ["E2"]}})
    response = save(client, attempt, body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert database.get(ScenarioAttempt, attempt).responses == {"timeline": {"order": ["E2"]}}


def test_autosave_needs_csrf_and_ownership(client, trainee, auth, make_user):
    attempt = open_case(client)
    refused = client.post(f"/scenario-attempts/{attempt}/save", data="{}", headers={"Content-Type": "application/json"})
    assert refused.status_code == 400
    auth.logout()
    auth.login(make_user("trainee"))
    assert save(client, attempt, {"timeline": {"order": []}}).status_code == 404
    assert client.get(f"/scenario-attempts/{attempt}").status_code == 404
    assert client.get(f"/scenario-attempts/{attempt}/result").status_code == 404


def test_submit_scores_everything_and_explains_it(client, trainee, database):
    attempt = open_case(client)
    save(client, attempt, PERFECT)
    response = post_form(client, f"/scenario-attempts/{attempt}/submit", follow_redirects=True)
    page = response.get_data(as_text=True)
    row = database.get(ScenarioAttempt, attempt)
    # Every auto-scored task perfect; the report (weight 10) waits for a trainer.
    assert (row.status, row.total_percent) == ("awaiting_review", 90.0)
    assert "Total: 90%" in page and "awaiting review" in page
    assert "An anonymous caller cannot be judged" in page  # the rationale of R4's key
    assert save(client, attempt, {"timeline": {"order": []}}).status_code == 409  # final


def test_submitting_a_blank_attempt_scores_zero_not_an_error(client, trainee, database):
    attempt = open_case(client)
    assert post_form(client, f"/scenario-attempts/{attempt}/submit").status_code == 302
    assert database.get(ScenarioAttempt, attempt).total_percent == 0.0


def test_each_trainee_gets_their_own_variant(client, auth, make_user, example_loaded):
    names = []
    for _ in range(2):
        auth.login(make_user("trainee"))
        attempt = open_case(client)
        page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
        names.append(page.split('data-entity="P1">')[1].split("<")[0])
        assert client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True).count(names[-1]) > 1
        auth.logout()
    assert names[0] != names[1]


def test_a_new_version_of_the_file_leaves_recorded_scores_alone(app, client, trainee, scenario_root, database):
    first = open_case(client)
    save(client, first, PERFECT)
    post_form(client, f"/scenario-attempts/{first}/submit")
    # The author changes the key of R1 in a new version of the file.
    write_scenario(scenario_root, EXAMPLE.replace("R1: {source: B, information: 2", "R1: {source: C, information: 2"))
    with app.app_context():
        load_scenarios(scenario_root)
        db.session.commit()
    assert database.get(ScenarioAttempt, first).total_percent == 90.0
    assert "Total: 90%" in client.get(f"/scenario-attempts/{first}/result").get_data(as_text=True)
    second = open_case(client)
    save(client, second, PERFECT)
    post_form(client, f"/scenario-attempts/{second}/submit")
    later = database.get(ScenarioAttempt, second)
    assert later.version_id != database.get(ScenarioAttempt, first).version_id
    assert later.total_percent < 90.0


def test_a_scenario_file_taken_off_disk_is_hidden_but_attempts_stay(app, client, trainee, scenario_root, database):
    attempt = open_case(client)
    (scenario_root / "alay-road.yml").unlink()
    with app.app_context():
        load_scenarios(scenario_root)
        db.session.commit()
    assert client.get("/scenarios/alay-road").status_code == 404
    assert database.get(ScenarioAttempt, attempt) is not None


def test_a_restart_keeps_a_newer_version_published_in_the_browser(app, scenario_root, example_loaded, database):
    from trainer.models import Scenario
    from trainer.services.scenarios import store_version

    edited = EXAMPLE.replace("version: 1", "version: 2")
    with app.app_context():
        spec, _problems = parse_scenario(edited, "edited.yml")
        store_version(spec, edited, "alay-road.yml")  # as publishing from the editor does
        db.session.commit()
        load_scenarios(scenario_root)  # the unchanged file, on the next start
        db.session.commit()
        assert db.session.scalar(select(Scenario)).current_version.declared_version == 2
    write_scenario(scenario_root, EXAMPLE.replace("version: 1", "version: 3"))
    with app.app_context():
        load_scenarios(scenario_root)  # the file itself changed: it becomes the newest version
        db.session.commit()
        assert db.session.scalar(select(Scenario)).current_version.declared_version == 3


def test_a_scenario_page_offers_its_versions_in_other_languages(app, client, auth, make_user):
    with app.app_context():  # the shipped heroin scenario and its Russian version
        load_scenarios(PROJECT_ROOT / "scenarios")
        db.session.commit()
    auth.login(make_user("trainee"))
    english = client.get("/scenarios/heroin-border-crossing").get_data(as_text=True)
    assert 'href="/scenarios/heroin-border-crossing-ru" hreflang="ru" lang="ru">Русский</a>' in english
    russian = client.get("/scenarios/heroin-border-crossing-ru").get_data(as_text=True)
    assert 'href="/scenarios/heroin-border-crossing" hreflang="en" lang="en">English</a>' in russian
    alone = client.get("/scenarios/multi-agency-exchange").get_data(as_text=True)
    assert "hreflang" not in alone.split("<main")[1]  # a work in one language offers nothing


def test_a_workspace_reopened_unchanged_is_not_drawn_again_and_each_session_keeps_its_own_token(app, client, trainee):
    """The workspace's body is kept per attempt state (trainer/fragments.py) without its CSRF
    token: a second browser of the same officer gets the same page with its own token, and a
    save shows at once."""
    attempt = open_case(client)
    with templates_drawn(app, "scenarios/_workspace_body.html") as drawn:
        first = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
        assert without_tokens(client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)) == without_tokens(first)
        other_browser = logged_in(app, trainee)
        second = other_browser.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
        assert len(drawn) == 1
        tokens = [DATA_CSRF.search(page).group(1) for page in (first, second)]
        assert tokens[0] != tokens[1] and "\x00" not in first + second
        assert save(other_browser, attempt, {"final-report": {"text": "From the second browser"}}, tokens[1]).status_code == 200
        assert save(client, attempt, {"timeline": {"order": ["E2"]}}, tokens[0]).status_code == 200

        page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
        assert "From the second browser</textarea>" in page and len(drawn) == 2
