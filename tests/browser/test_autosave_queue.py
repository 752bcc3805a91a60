"""Autosave in Chromium: one save at a time, pending work survives a reload, an oversized answer is named."""
import re
import uuid

from playwright.sync_api import expect

from slow_scripts import before_the_script_runs
from trainer.extensions import db
from trainer.models import QuizAttempt, ScenarioAttempt, User

PASSWORD = "autosave test password"
# Counts the workspace's save requests in flight, each held 700 ms as on a slow connection.
SLOW_SAVES = """
window.__saves = 0; window.__inFlight = 0; window.__maxInFlight = 0;
const realFetch = window.fetch;
window.fetch = function (url, options) {
  if (!String(url).endsWith('/save')) { return realFetch(url, options); }
  window.__saves++; window.__inFlight++;
  window.__maxInFlight = Math.max(window.__maxInFlight, window.__inFlight);
  return new Promise(function (done) { setTimeout(done, 700); })
    .then(function () { return realFetch(url, options); })
    .finally(function () { window.__inFlight--; });
};
"""


def new_trainee(live_app) -> str:
    email = f"autosave-{uuid.uuid4().hex[:8]}@example.org"
    with live_app.app_context():
        user = User(email=email, full_name="Aida Autosave", role="trainee")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return email


def open_case(page, log_in, open_case_file, live_app) -> int:
    log_in(new_trainee(live_app), PASSWORD)
    page.goto("/scenarios")
    page.get_by_role("link", name="The Alay road").click()
    return open_case_file()


def responses(live_app, attempt_id) -> dict:
    with live_app.app_context():
        return db.session.get(ScenarioAttempt, attempt_id).responses


def report(page):
    page.locator('[role="tab"][data-tab="final-report"]').click()  # tasks are tabs: open the report's
    return page.locator('[data-task="final-report"] [data-report-text]')


def first_decision(page):
    page.locator('[role="tab"][data-tab="decisions"]').click()
    return page.locator('[data-task="decisions"] input[data-decision]').first


def test_overlapping_changes_are_saved_one_request_at_a_time(page, log_in, open_case_file, live_app):
    page.add_init_script(SLOW_SAVES)
    attempt_id = open_case(page, log_in, open_case_file, live_app)
    report(page).fill("First draft")
    page.wait_for_function("() => window.__inFlight === 1")  # the first save is on its way...
    report(page).fill("Second draft")                   # ...while the trainee keeps typing
    first_decision(page).check()
    page.wait_for_function("() => window.__saves >= 2 && window.__inFlight === 0", timeout=15_000)
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.")
    assert page.evaluate("() => window.__maxInFlight") == 1
    saved = responses(live_app, attempt_id)
    assert saved["final-report"] == {"text": "Second draft"} and "decisions" in saved


def test_work_not_yet_saved_survives_a_reload_and_is_saved_when_the_server_answers(page, log_in, open_case_file, live_app):
    attempt_id = open_case(page, log_in, open_case_file, live_app)
    page.route("**/save", lambda route: route.abort())  # the connection is gone
    report(page).fill("Typed while offline")
    expect(page.locator("#autosave-status")).to_contain_text("no connection")
    page.reload()
    expect(report(page)).to_have_value("Typed while offline")  # put back from the browser
    assert "final-report" not in responses(live_app, attempt_id)
    page.unroute("**/save")  # the connection is back: the retry sends it
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=15_000)
    assert responses(live_app, attempt_id)["final-report"] == {"text": "Typed while offline"}


def test_an_oversized_answer_is_named_kept_and_other_tasks_still_save(page, log_in, open_case_file, live_app):
    attempt_id = open_case(page, log_in, open_case_file, live_app)
    huge = "Too long. " * 6000  # 60 KB, over the 50 KB one task may hold
    report(page).fill(huge)
    problem = page.locator('[data-task="final-report"] [data-save-problem]')
    expect(problem).to_contain_text("Write the intelligence report")
    expect(problem).to_contain_text("50 KB")
    decision = first_decision(page)
    with page.expect_response("**/save", timeout=10_000) as answer:
        decision.check()
    assert answer.value.status == 200
    expect(page.locator("#autosave-status")).to_contain_text("Other tasks are saved")
    saved = responses(live_app, attempt_id)
    assert "decisions" in saved and "final-report" not in saved
    page.reload()
    expect(report(page)).to_have_value(huge)  # still in the browser
    report(page).fill("Short enough now.")
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=10_000)
    expect(problem).to_have_count(0)
    assert responses(live_app, attempt_id)["final-report"] == {"text": "Short enough now."}


def saves_on_opening_again(page, wait_ms: int) -> list[str]:
    """The save requests the page sends in `wait_ms` after it is opened again by a link (not a
    reload, after which nothing is checked at all)."""
    saves = []
    page.on("request", lambda request: saves.append(request.url) if request.url.endswith("/save") else None)
    page.goto(page.url)
    page.wait_for_timeout(wait_ms)
    return saves


def test_a_grade_chosen_before_the_page_script_has_run_is_still_saved(page, log_in, open_case_file, live_app):
    # On a slow link the case file is on screen before workspace.js has arrived; a quick
    # trainee picks a grade while nothing listens for changes yet (a flake in CI found it).
    attempt_id = open_case(page, log_in, open_case_file, live_app)
    grade = page.locator('[data-task="evaluate"] select[data-report="R1"][data-field="source"]')
    before_the_script_runs(page, re.compile(r"/js/workspace[^/]*\.js"), lambda: grade.select_option("B"))
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=10_000)
    assert responses(live_app, attempt_id)["evaluate"]["grades"]["R1"] == {"source": "B"}
    # The page as the server rendered it has nothing to save (the workspace waits 1.5 s to save).
    assert saves_on_opening_again(page, 2500) == []


def test_a_quiz_answer_given_before_the_page_script_has_run_is_still_saved(page, log_in, live_app):
    log_in(new_trainee(live_app), PASSWORD)
    page.goto("/courses")
    page.get_by_role("link", name="Grading basics").click()
    page.get_by_role("button", name="Take the pre-test").click()
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    before_the_script_runs(page, re.compile(r"/js/autosave[^/]*\.js"),
                           lambda: page.get_by_label("B", exact=True).check())
    expect(page.get_by_text("Answers saved.")).to_be_visible(timeout=10_000)
    with live_app.app_context():
        answers = {item.question["id"]: item.response for item in db.session.get(QuizAttempt, attempt_id).items}
    assert answers["pre-source-x"] == {"value": 1}  # B, the second option
    assert saves_on_opening_again(page, 2000) == []  # the form waits 1.2 s to save


def test_work_typed_after_logging_out_in_another_tab_is_kept_and_saved_after_logging_in_again(
        page, log_in, open_case_file, live_app):
    # The save was sent to the login form, whose page the workspace read as a network failure:
    # "check your connection", with the connection fine. It now says what happened, keeps the
    # work, and saves it once the officer has logged in again elsewhere.
    email = new_trainee(live_app)
    log_in(email, PASSWORD)
    page.goto("/scenarios")
    page.get_by_role("link", name="The Alay road").click()
    attempt_id = open_case_file()
    other_tab = page.context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Log out").click()
    report(page).fill("Typed while logged out elsewhere.")
    expect(page.locator("#autosave-status")).to_contain_text("You are no longer logged in")
    assert "Typed while logged out" not in str(responses(live_app, attempt_id))
    other_tab.goto("/login")
    other_tab.get_by_label("Email").fill(email)
    other_tab.get_by_label("Password").fill(PASSWORD)
    other_tab.get_by_role("button", name="Log in").click()
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=20_000)
    assert responses(live_app, attempt_id)["final-report"]["text"] == "Typed while logged out elsewhere."
