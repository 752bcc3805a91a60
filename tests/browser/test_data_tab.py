"""The data tab in Chromium: loaded when opened, filtered, sorted and grouped; ticked rows answer a
query question; text for a number is named, saved and scored 0; nothing cut at 1366 or 390 px."""
import uuid

import pytest
from playwright.sync_api import expect

from sample_data_scenario import TEMPLATE
from trainer.extensions import db
from trainer.models import ScenarioAttempt, User
from trainer.services import scenarios as casework
from trainer.services.scenarios import load_scenarios

PASSWORD = "data tab trainee password 42"
SLUG = "courier-calls-generated"
OUTSIDE = """() => {
  const panel = document.querySelector('.task:not([hidden])').getBoundingClientRect();
  const right = Math.min(panel.right, document.documentElement.clientWidth);
  return Array.from(document.querySelectorAll('.task:not([hidden]) *'))
    .filter(e => e.offsetParent && !e.closest('.data-scroller, .data-groups') && e.getBoundingClientRect().right > right + 1)
    .map(e => e.tagName + '.' + e.className);
}"""


@pytest.fixture(scope="module", autouse=True)
def data_scenario(live_app, scenario_dir):
    (scenario_dir / "courier-calls.yml").write_text(TEMPLATE)
    with live_app.app_context():
        load_scenarios(scenario_dir)
        db.session.commit()


def open_attempt(page, log_in, live_app):
    email = f"data-{uuid.uuid4().hex[:8]}@example.org"
    with live_app.app_context():
        user = User(email=email, full_name="Aibek Data", role="trainee", language="en")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    log_in(email, PASSWORD)
    page.goto(f"/scenarios/{SLUG}")
    page.locator('form[action$="/start"] button').click()
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        return attempt_id, casework.scenario_for(attempt.version, attempt.seed)


def test_filter_group_tick_and_answer_from_the_data(page, log_in, live_app, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/data?" in r.url or r.url.endswith("/data") else None)
    attempt_id, spec = open_attempt(page, log_in, live_app)
    ph1, ph2 = spec.entity("PH1").display, spec.entity("PH2").display
    keys = {k.question_id: k for k in spec.task("data").key.items}
    assert not requests  # nothing loaded until the tab is opened
    page.locator('[role="tab"][data-tab="_data"]').click()
    widget = page.locator("[data-datasets]")
    expect(widget.locator("[data-data-count]")).to_have_text("Rows shown: 3000 of 3000")
    assert len(requests) == 1
    page.screenshot(path=tmp_path / "data-tab.png")
    assert page.evaluate(OUTSIDE) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # Filter: calls to the courier's phone from PH2 in the 48 hours before the seizure.
    widget.get_by_label("Filter Called number").fill(ph1)
    widget.get_by_label("Filter Calling number").fill(ph2.replace(" ", ""))  # spaces do not matter
    widget.get_by_label("Filter Start").fill("2024-03-1")
    rows = widget.locator("tbody tr:not(.data-spacer)")
    expected = sorted(keys["Q3"].values)
    shown_march = rows.count()
    assert shown_march >= len(expected)
    # Sort by start, newest first, then back to oldest first.
    widget.get_by_role("button", name="Start").click()
    widget.get_by_role("button", name="Start").click()
    expect(widget.locator("th").nth(1)).to_have_attribute("aria-sort", "descending")
    # Tick exactly the keyed rows (the burst), then use them in the rows question.
    for number in expected:
        widget.get_by_label(f"Tick row {number}", exact=True).check()
    expect(widget.locator("[data-data-selection]")).to_have_text(f"Rows ticked: {len(expected)}")
    # Group all calls to PH1 by caller: PH2 comes first with the most rows.
    widget.get_by_role("button", name="Clear the filters").click()
    widget.get_by_label("Filter Called number").fill(ph1)
    widget.get_by_label("Group by").select_option(label="Calling number")
    first = widget.locator(".data-grouped tbody tr").first
    expect(first.locator("td").first).to_have_text(ph2)
    page.screenshot(path=tmp_path / "data-grouped.png")
    # The query task: the value, text for a number (named, still saved), the ticked rows.
    page.locator('[role="tab"][data-tab="data"]').click()
    task = page.locator('[data-task="data"]')
    task.locator('[data-query="Q1"]').fill(ph2)
    task.locator('[data-query="Q2"]').fill("nine")
    expect(task.locator('[data-question="Q2"] [data-query-problem]')).to_have_text(
        "'nine' is not a number: write digits, e.g. 14 or 1 250,50")
    task.get_by_role("button", name="Use the rows ticked in the data tab").click()
    expect(task.locator('[data-query="Q3"]')).to_have_value(", ".join(map(str, expected)))
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=15_000)
    page.reload()
    page.locator('[role="tab"][data-tab="data"]').click()
    expect(task.locator('[data-query="Q2"]')).to_have_value("nine")
    task.locator('[data-query="Q2"]').fill(str(int(keys["Q2"].number)))
    expect(task.locator('[data-question="Q2"] [data-query-problem]')).to_have_text("")
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=15_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page).to_have_url(f"{page.url.split('/scenario-attempts')[0]}/scenario-attempts/{attempt_id}/result")
    with live_app.app_context():
        assert db.session.get(ScenarioAttempt, attempt_id).total_percent == 100.0


def test_on_a_phone_the_data_tab_fits(page, log_in, live_app, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    open_attempt(page, log_in, live_app)
    page.get_by_role("button", name="Tasks").click()
    page.locator('[role="tab"][data-tab="_data"]').click()
    expect(page.locator("[data-data-count]")).to_have_text("Rows shown: 3000 of 3000")
    page.screenshot(path=tmp_path / "data-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    assert page.evaluate(OUTSIDE) == []
