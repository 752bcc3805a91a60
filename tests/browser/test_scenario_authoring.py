"""A trainer writes a scenario in Chromium: from a template, a problem fixed in the editor,
preview as a trainee, publish; a later edit leaves a trainee's recorded score alone, and
another trainer never sees the draft."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from trainer.extensions import db
from trainer.models import ScenarioAttempt, User
from trainer.services import scenarios as casework

TITLE = "Night delivery at the Osh cold store"  # contains no shipped scenario's title
SLUG = "osh-cold-store-exercise"
SECOND_TRAINER = ("second.trainer@example.org", "second trainer password")


def second_trainer(live_app) -> str:
    """Another trainer, who may not see the first one's drafts."""
    email, password = SECOND_TRAINER
    with live_app.app_context():
        if db.session.scalar(select(User).where(User.email == email)) is None:
            user = User(email=email, full_name="Second Trainer", role="trainer")
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
    return email


def switch_to(page, log_in, email, *password):
    """Log out, then in as someone else."""
    page.get_by_role("button", name="Log out").click()
    log_in(email, *password)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def editor_text(page) -> str:
    return page.get_by_label("Scenario YAML").input_value()


def total_on(page) -> str:
    return re.search(r"Total: (\d+)%", page.content()).group(1)


def test_trainer_authors_previews_and_publishes_a_scenario_that_keeps_old_scores(page, log_in, open_case_file, live_app):
    log_in("trainer@example.org")
    page.goto("/author/scenarios")
    page.get_by_label("Template").select_option(label="The Alay road: a heroin consignment")
    page.get_by_role("button", name="Create from template").click()
    expect(page.get_by_role("heading", name="The Alay road: a heroin consignment (copy)")).to_be_visible()
    draft_url = page.url

    # Rename it, and make a mistake on the way.
    text = editor_text(page)
    text = re.sub(r"^id: .*$", f"id: {SLUG}", text, count=1, flags=re.MULTILINE)
    text = re.sub(r"^title: .*$", f'title: "{TITLE}"', text, count=1, flags=re.MULTILINE)
    page.get_by_label("Scenario YAML").fill(text.replace("pass_mark: 70", "pass_mark: 170"))
    page.get_by_role("button", name="Save", exact=True).click()
    problem = page.locator(".problem", has_text="pass_mark")
    expect(problem).to_contain_text("170 is out of range")
    bad_line = text.split("\n").index("pass_mark: 70") + 1
    expect(problem.get_by_role("link")).to_have_text(f"Line {bad_line}")
    expect(page.get_by_label("Scenario YAML")).to_have_value(re.compile("pass_mark: 170"))  # the text is kept

    # The problem takes the caret to its line, selected; typing replaces it.
    problem.get_by_role("link").click()
    expect(page.locator("[data-caret]")).to_contain_text(f"Line {bad_line}, column")
    expect(page.get_by_label("Scenario YAML")).to_be_focused()
    page.keyboard.type("pass_mark: 70")
    expect(page.locator("[data-caret]")).to_contain_text("Unsaved changes")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("No problems: the scenario is ready to publish.")).to_be_visible()

    # Another trainer can neither see the draft nor change it.
    switch_to(page, log_in, second_trainer(live_app), SECOND_TRAINER[1])
    page.goto("/author/scenarios")
    expect(page.get_by_role("heading", name="Scenario authoring")).to_be_visible()
    expect(page.get_by_text(TITLE)).to_have_count(0)
    assert page.goto(draft_url).status == 404
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.content()).group(1)
    assert page.request.post(draft_url, form={"source": "id: taken\n", "csrf_token": token}).status == 404
    assert page.request.post(draft_url + "/publish", form={"csrf_token": token}).status == 404
    switch_to(page, log_in, "trainer@example.org")
    page.goto(draft_url)
    expect(page.get_by_label("Scenario YAML")).to_have_value(re.compile(f"id: {SLUG}"))  # unchanged

    # Preview as a trainee, as the variant of a chosen seed.
    page.get_by_role("button", name="Preview as a trainee").click()
    expect(page.locator(".preview-banner")).to_contain_text("Preview")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_label("Variant seed").fill("42")
    page.get_by_role("button", name="Show this variant").click()
    expect(page).to_have_url(re.compile(r"seed=42"))
    expect(page.locator("#report-R4")).to_be_visible()  # released by a trainer in a live exercise, shown here
    expect(page.locator("body")).not_to_contain_text("{faker:")
    page.get_by_role("link", name="Back to the editor").click()

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(f"Published “{TITLE}” as version 1")).to_be_visible()

    # A trainee takes it and is scored.
    switch_to(page, log_in, "trainee@example.org")
    page.goto("/scenarios")
    page.get_by_role("link", name=TITLE).click()
    attempt_id = open_case_file()
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        grade = next(t for t in casework.scenario_for(attempt.version, attempt.seed).tasks if t.type == "grade")
    first = grade.key.items[0]
    for field in ("source", "information", "handling"):
        page.locator(f'select[data-report="{first.report_id}"][data-field="{field}"]').select_option(getattr(first, field))
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_text(re.compile(r"Total: \d+%"))).to_be_visible()
    total = total_on(page)
    assert int(total) > 0
    result_url = page.url

    # The trainer changes the key that scored it and publishes version 2.
    switch_to(page, log_in, "trainer@example.org")
    page.goto("/author/scenarios")
    page.get_by_role("row", name=re.compile(TITLE)).get_by_role("button", name="Edit").click()
    expect(page.get_by_text("Changes to the published scenario")).to_be_visible()
    code = f"{first.report_id}: {{source: {first.source}, information: {first.information}"
    changed = "C" if first.source != "C" else "B"
    page.get_by_label("Scenario YAML").fill(editor_text(page).replace(code, f"{first.report_id}: {{source: {changed}, information: {first.information}"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("No problems: the scenario is ready to publish.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(f"Published “{TITLE}” as version 2")).to_be_visible()

    # The trainee's recorded score is the one they were given.
    switch_to(page, log_in, "trainee@example.org")
    page.goto(result_url)
    assert total_on(page) == total
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        assert attempt.version.number == 1 and f"{attempt.total_percent:.0f}" == total
        assert attempt.version.scenario.current_version.number == 2
