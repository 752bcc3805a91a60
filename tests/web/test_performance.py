"""What keeps trainee pages fast under a cohort's load (bench/load_bench.py measures it):
authored Markdown rendered once, not per request."""
import pytest

from conftest import post_form
from sample_scenario import PERFECT
from trainer.domain import markdown


@pytest.fixture
def app_config(example_scenario_config):
    return example_scenario_config


@pytest.fixture
def trainee(make_user, auth, example_loaded):
    user = make_user("trainee")
    auth.login(user)
    return user


@pytest.fixture
def renders(monkeypatch):
    """Counts Markdown renderings (each parse of a text into HTML)."""
    calls = []
    real = markdown._to_html
    monkeypatch.setattr(markdown, "_to_html", lambda text: calls.append(text) or real(text))
    monkeypatch.setattr(markdown, "_RENDERED", type(markdown._RENDERED)())  # start with nothing kept
    return calls


def open_case(client) -> int:
    response = post_form(client, "/scenarios/alay-road/start")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_workspace_renders_the_case_file_once_not_on_every_visit(client, trainee, renders):
    attempt = open_case(client)
    first = client.get(f"/scenario-attempts/{attempt}")
    assert first.status_code == 200 and renders, "the first visit renders the brief, reports and tasks"
    renders.clear()
    assert client.get(f"/scenario-attempts/{attempt}").status_code == 200
    assert renders == []


def test_the_result_page_renders_each_explanation_once(client, trainee, renders):
    attempt = open_case(client)
    client.post(f"/scenario-attempts/{attempt}/save", json=PERFECT,
                headers={"X-CSRFToken": csrf(client, attempt)})
    post_form(client, f"/scenario-attempts/{attempt}/submit")
    renders.clear()
    first = client.get(f"/scenario-attempts/{attempt}/result")
    assert first.status_code == 200 and renders
    assert len(renders) == len(set(renders)), "a text shown twice on the page is rendered once"
    renders.clear()
    assert client.get(f"/scenario-attempts/{attempt}/result").status_code == 200
    assert renders == []


def csrf(client, attempt: int) -> str:
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    return page.split('data-csrf="', 1)[1].split('"', 1)[0]
