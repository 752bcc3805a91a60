"""A trainee takes a whole course in Chromium, from pre-test to a verified certificate."""
import re

from playwright.sync_api import expect

from trainer.extensions import db
from trainer.services.content import load_courses


def answer_post_test_correctly(page):
    page.get_by_label("A", exact=True).check()
    page.get_by_label("False", exact=True).check()
    for position, item in enumerate(["Collection", "Analysis", "Dissemination"], start=1):
        page.get_by_label(f"Position {position}").select_option(label=item)


def test_trainee_takes_a_course_and_gets_a_certificate_that_verifies(page, log_in, live_app, content_dir, browser, live_server):
    log_in("trainee@example.org")
    page.get_by_role("button", name="Browse the course catalogue").click()
    page.get_by_role("link", name="Grading basics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grading basics")

    # Pre-test first, with wrong answers: it measures what the officer knew before.
    page.get_by_role("button", name="Take the pre-test").click()
    page.get_by_label("B", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").first).to_contain_text("Your score:")
    # The score only: the answers are not shown, so the post-test still measures what was learned.
    expect(page.get_by_text("The pre-test shows only your score")).to_be_visible()
    expect(page.get_by_text("X stands apart from A to C.")).to_have_count(0)

    # Lesson 1: read it, pass its knowledge check, mark it complete.
    page.get_by_role("button", name="Back to the course").click()
    page.get_by_role("link", name="Source reliability").click()
    expect(page.get_by_role("heading", name="Source reliability")).to_be_visible()
    page.get_by_role("button", name="Knowledge check").click()
    page.get_by_label("True", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Your score: 100%")).to_be_visible()
    page.goto("/courses/grading-basics/lessons/01-source")
    page.get_by_role("button", name="Mark complete").click()

    # A trainer reloads the content mid-course: progress stays.
    with live_app.app_context():
        load_courses(content_dir)
        db.session.commit()
    expect(page.get_by_role("heading", name="Information")).to_be_visible()
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("Lessons completed: 100%")).to_be_visible()

    # Post-test: answers are saved as they go and survive a reload.
    page.get_by_role("button", name="Take the post-test").click()
    answer_post_test_correctly(page)
    expect(page.get_by_text("Answers saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("A", exact=True)).to_be_checked()
    expect(page.get_by_label("Position 1")).to_have_value(re.compile(r"\d"))
    answer_post_test_correctly(page)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Your certificate is ready")).to_be_visible()
    expect(page.get_by_text("Your score: 100%")).to_be_visible()

    page.get_by_role("button", name="Back to the course").click()
    page.get_by_role("link", name="Your certificate").click()
    code = page.locator(".certificate strong").inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    assert download.value.suggested_filename == f"certificate-{code}.pdf"

    anonymous = browser.new_context(base_url=live_server).new_page()
    anonymous.goto(f"/verify/{code}")
    expect(anonymous.get_by_role("status")).to_contain_text("Valid certificate")
    expect(anonymous.get_by_text("Grading basics")).to_be_visible()
    anonymous.context.close()
