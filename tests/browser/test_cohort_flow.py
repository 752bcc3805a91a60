"""A trainer runs a cohort in Chromium while a trainee works the live exercise."""
import re

from playwright.sync_api import expect

from trainer.extensions import db
from trainer.services.accounts import create_user

DEMO_PASSWORD = "browser demo password"  # as in tests/browser/conftest.py


def sign_in(page, email, password=DEMO_PASSWORD):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_trainer_runs_a_cohort_and_watches_a_trainee_live(page, log_in, browser, live_server, live_app, tmp_path):
    log_in("trainer@example.org")
    page.get_by_role("link", name="Cohorts").first.click()
    page.get_by_role("button", name="New cohort").click()
    page.get_by_label("Name").fill("Bishkek webinar, MIA and State Border Guards")
    page.get_by_label("Attendance needed to complete (%)").fill("50")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bishkek webinar, MIA and State Border Guards")
    cohort_path = "/cohorts/" + page.url.split("/cohorts/")[1].split("#")[0]

    for day, topic in (("2026-11-25T09:00", "Day 1: the intelligence cycle"), ("2026-11-26T09:00", "Day 2: the live exercise")):
        page.get_by_text("Add a session").click()
        page.get_by_label("Starts").fill(day)
        page.get_by_label("Topic").fill(topic)
        page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("cell", name="Day 2: the live exercise")).to_be_visible()

    csv_file = tmp_path / "cohort.csv"
    csv_file.write_text("email,full_name,agency,gender\ntrainee@example.org,Demo Trainee,,\n"
                        "border.officer@example.org,Border Officer,SBGS KG,female\n")
    page.get_by_text("Add trainees").click()
    page.get_by_label("A CSV or Excel file (trainee accounts that do not exist are created)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Enrol from file").click()
    expect(page.get_by_role("status")).to_contain_text("2 trainees enrolled.")
    page.get_by_role("button", name="Back to the cohort").click()

    page.locator('select[name="target"]').select_option(label="The Alay road: a heroin consignment")
    page.get_by_role("button", name="Assign").click()
    page.get_by_role("link", name="Take attendance").first.click()
    page.get_by_label("Demo Trainee: present").check()
    page.get_by_label("Border Officer: excused").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance saved (2 changes)")
    page.get_by_role("button", name="Caught up: recording").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as caught up")

    page.goto("/cohorts")
    page.get_by_role("link", name="Bishkek webinar, MIA and State Border Guards").click()
    page.locator('select[name="scenario_id"]').select_option(label="The Alay road: a heroin consignment")
    page.get_by_role("button", name="Start a live exercise").click()
    expect(page.get_by_role("heading", name="Cohort progress")).to_be_visible()

    # The trainee joins from their home page, in their own browser.
    trainee = browser.new_context(base_url=live_server).new_page()
    sign_in(trainee, "trainee@example.org")
    trainee.get_by_role("button", name="Join").click()
    trainee.locator('[data-task="evaluate"] select[data-report="R1"][data-field="source"]').select_option("B")
    expect(trainee.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()

    # The trainer's table updates by itself.
    row = page.locator("tr", has_text="Demo Trainee")
    expect(row).to_contain_text("working", timeout=10_000)
    expect(page.locator("tr", has_text="Border Officer")).to_contain_text("not started")

    # An inject released by the trainer reaches the trainee without a reload.
    expect(trainee.locator("#report-R4")).to_have_count(0)
    page.locator("li", has_text="R4").get_by_role("button", name="Release now").click()
    expect(trainee.get_by_text("New report in your case file: R4")).to_be_visible(timeout=10_000)
    expect(trainee.locator("#report-R4")).to_be_visible()

    trainee.locator('[role="tab"][data-tab="final-report"]').click()  # tasks are tabs
    trainee.locator('[data-task="final-report"] textarea').fill("Key findings: the lorry carries the load for the broker.")
    trainee.on("dialog", lambda dialog: dialog.accept())
    trainee.get_by_role("button", name="Submit for scoring").click()
    expect(trainee.get_by_text("awaiting review").first).to_be_visible()

    expect(row).to_contain_text("submitted", timeout=10_000)
    page.goto("/reviews")
    # This trainee's attempt: the queue may hold others' from earlier tests on the same server.
    attempt_id = re.search(r"/scenario-attempts/(\d+)", trainee.url).group(1)
    page.locator(f'a[href="/reviews/{attempt_id}"]', has_text="The Alay road: a heroin consignment").click()
    expect(page.get_by_text("Key findings: the lorry carries the load for the broker.")).to_be_visible()
    for box in page.locator('input[type="number"]').all():
        box.fill(box.get_attribute("max"))
    page.locator("textarea").first.fill("Clear findings; cite the handling codes next time.")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_role("status")).to_contain_text("Review saved")

    trainee.reload()
    trainee.locator("#result-final-report > summary").click()  # the result's details are collapsed by task
    expect(trainee.get_by_text("Clear findings; cite the handling codes next time.")).to_be_visible()

    # A trainer of another cohort can neither see nor change any of it.
    with live_app.app_context():
        create_user("other.trainer@example.org", "Other Trainer", DEMO_PASSWORD, role="trainer")
        db.session.commit()
    stranger = browser.new_context(base_url=live_server).new_page()
    sign_in(stranger, "other.trainer@example.org")
    stranger.goto("/cohorts")
    expect(stranger.get_by_text("Bishkek webinar")).to_have_count(0)
    assert stranger.goto(cohort_path).status == 404
    stranger.goto("/reviews")
    expect(stranger.get_by_text("Nothing to review.")).to_be_visible()
    trainee.context.close()
    stranger.context.close()
