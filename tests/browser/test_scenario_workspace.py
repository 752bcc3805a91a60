"""A trainee works a whole scenario in Chromium: every task, a reload mid-way, submit, feedback."""
import re
from datetime import timedelta

import pytest
import yaml
from playwright.sync_api import expect

from trainer.config import PROJECT_ROOT
from trainer.extensions import db
from trainer.models import ScenarioAttempt
from trainer.services import scenarios as casework


def attempt_and_spec(live_app, attempt_id, minutes_ago=0):
    """The trainee's variant of the scenario (to read its key), ageing the attempt if asked."""
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        if minutes_ago:
            attempt.started_at = attempt.started_at - timedelta(minutes=minutes_ago)
            db.session.commit()
        return casework.scenario_for(attempt.version, attempt.seed)


def panel(page, task):
    return page.locator(f'[data-task="{task.id}"]')


def fill_grades(page, task):
    for item in task.key.items:
        for field in ("source", "information", "handling"):
            panel(page, task).locator(f'select[data-report="{item.report_id}"][data-field="{field}"]').select_option(getattr(item, field))


def fill_links(page, task):
    for link in task.key.links:
        box = panel(page, task)
        box.locator("[data-link-a]").select_option(link.a)
        box.locator("[data-link-b]").select_option(link.b)
        box.locator("[data-link-type]").select_option(link.type)
        box.get_by_role("button", name="Add link").click()


def fill_timeline(page, task):
    wanted = [item.event_id for item in task.key.items]
    box = panel(page, task)
    for index, event_id in enumerate(wanted):
        current = box.locator("[data-timeline] li").evaluate_all("items => items.map(i => i.dataset.event)")
        for _ in range(current.index(event_id) - index):
            box.locator(f'li[data-event="{event_id}"] [data-move="up"]').click()


def fill_ach(page, task):
    box = panel(page, task)
    for row in task.key.rows:
        for hypothesis_id, rating in row.ratings:
            box.locator(f'select[data-evidence="{row.evidence_id}"][data-hypothesis="{hypothesis_id}"]').select_option(rating)
    box.locator(f'[data-conclusion][value="{task.key.conclusion}"]').check()


def fill_decisions(page, task):
    for item in task.key.items:
        for option_id in item.correct:
            panel(page, task).locator(f'input[data-decision="{item.decision_id}"][value="{option_id}"]').check()


SHIPPED = [yaml.safe_load(path.read_text()) for path in sorted((PROJECT_ROOT / "scenarios").glob("*.yml"))]
TITLES = {spec["id"]: spec["title"] for spec in SHIPPED}


def open_from_the_list(page, slug):
    """The list shows each work once in the reader's language; a translation is one "Also in" link away."""
    spec = next((spec for spec in SHIPPED if spec["id"] == slug), {"title": "The Alay road"})
    original = spec.get("translation_of")
    page.goto("/scenarios")
    if original:
        page.locator("article").filter(has=page.get_by_role("link", name=TITLES[original], exact=True)) \
            .locator(f'a[hreflang="{spec["language"]}"]').click()
    else:
        page.get_by_role("link", name=spec["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(spec["title"])


@pytest.mark.parametrize("slug", ["alay-road"] + [spec["id"] for spec in SHIPPED])
def test_trainee_works_every_task_reloads_and_gets_an_explained_score(page, log_in, live_app, slug):
    log_in("trainee@example.org")
    open_from_the_list(page, slug)
    page.get_by_role("button", name="Open the case file").click()
    attempt_id = int(page.url.rsplit("/", 1)[1])
    spec = attempt_and_spec(live_app, attempt_id, minutes_ago=60)  # every timed report has arrived
    page.reload()
    expect(page.locator("article.report")).to_have_count(len(spec.reports))

    tasks = {task.type: task for task in spec.tasks}
    fill_grades(page, tasks["grade"])
    fill_links(page, tasks["link_chart"])
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()

    page.reload()  # mid-way: nothing may be lost
    first = tasks["grade"].key.items[0]
    expect(panel(page, tasks["grade"]).locator(f'select[data-report="{first.report_id}"][data-field="source"]')).to_have_value(first.source)
    expect(panel(page, tasks["link_chart"]).locator("[data-links] li")).to_have_count(len(tasks["link_chart"].key.links))

    fill_timeline(page, tasks["timeline"])
    fill_ach(page, tasks["hypotheses"])
    fill_decisions(page, tasks["decision"])
    panel(page, tasks["report"]).locator("textarea").fill("Key findings: the driver and the broker act together.")
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for scoring").click()
    report_weight = tasks["report"].weight
    expect(page.get_by_text(f"Total: {100 - report_weight:.0f}%")).to_be_visible()
    expect(page.get_by_text("awaiting review").first).to_be_visible()
    rationale = re.sub(r"[*_`]", "", tasks["grade"].key.items[-1].rationale).split("{{")[0].strip()
    expect(page.get_by_text(rationale[:30]).first).to_be_visible()  # every key item explained


def test_workspace_is_usable_on_a_narrow_screen_with_the_keyboard(browser, live_server, log_in, page):
    log_in("trainee@example.org")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/scenarios/alay-road")
    page.locator('form[action$="/start"] button').click()  # "Open the case file" or "Continue working"
    expect(page.locator(".task").first).to_be_visible()
    too_wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.overflow-auto'))
        .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392, too_wide[:5]
    # Reorder the timeline with the keyboard only.
    first_up = page.locator("[data-timeline] li").nth(1).locator('[data-move="up"]')
    moving = page.locator("[data-timeline] li").nth(1).get_attribute("data-event")
    first_up.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-timeline] li").first).to_have_attribute("data-event", moving)
