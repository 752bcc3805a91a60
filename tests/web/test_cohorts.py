"""Trainers run cohorts: members, assignments, attendance, live exercises, reviews."""
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import csrf_token, database_url_for, post_form
from sample_scenario import PERFECT, write_scenario
from trainer.extensions import db
from trainer.models import Attendance, Cohort, CohortMember, LiveExercise, ScenarioAttempt, TrainingSession
from trainer.services.scenarios import load_scenarios


@pytest.fixture
def app_config(request, backend, tmp_path):
    write_scenario(tmp_path / "scenarios")
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend),
            "CONTENT_SCENARIOS_DIR": str(tmp_path / "scenarios"), "CONTENT_COURSES_DIR": str(tmp_path / "none")}


@pytest.fixture
def world(app, make_user, make_agency, tmp_path):
    """Two trainers, three trainees (two of one agency), the example scenario loaded."""
    with app.app_context():
        load_scenarios(tmp_path / "scenarios")
        db.session.commit()
    agency = make_agency("State Border Guards Service", "KG", "SBGS")
    return {
        "trainer": make_user("trainer", full_name="Trainer One"),
        "other_trainer": make_user("trainer", full_name="Trainer Two"),
        "aibek": make_user("trainee", full_name="Aibek Border", agency_id=agency.id),
        "nurgul": make_user("trainee", full_name="Nurgul Border", agency_id=agency.id),
        "outsider": make_user("trainee", full_name="Outside Person"),
        "agency": agency,
    }


def new_cohort(client, name="Bishkek webinar, 25-26 November", percent="50") -> int:
    response = post_form(client, "/cohorts/new", {"name": name, "attendance_required_percent": percent,
                                                  "start_date": "2026-11-25", "end_date": "2026-11-26"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/cohorts/")[1].split("#")[0])


def test_trainer_creates_a_cohort_that_other_trainers_cannot_see_or_change(client, auth, world):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    assert "Bishkek webinar" in client.get("/cohorts").get_data(as_text=True)
    auth.logout()
    auth.login(world["other_trainer"])
    assert "Bishkek webinar" not in client.get("/cohorts").get_data(as_text=True)
    assert client.get(f"/cohorts/{cohort}").status_code == 404
    assert post_form(client, f"/cohorts/{cohort}/members", {"email": world["outsider"].email}).status_code == 404
    auth.logout()
    auth.login(world["aibek"])
    assert client.get("/cohorts").status_code == 403


def test_bad_cohort_form_names_the_field(client, auth, world):
    auth.login(world["trainer"])
    response = post_form(client, "/cohorts/new", {"name": "", "start_date": "2026-11-26", "end_date": "2026-11-25",
                                                  "attendance_required_percent": "150"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This field is required." in page and "before the first day" in page and "between 0 and 100" in page


def test_enrol_one_by_one_by_agency_and_by_csv(client, auth, world, database):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    page = post_form(client, f"/cohorts/{cohort}/members", {"email": "nobody@example.org"}, follow_redirects=True).get_data(as_text=True)
    assert "No account has this email" in page
    post_form(client, f"/cohorts/{cohort}/members", {"email": world["outsider"].email})
    post_form(client, f"/cohorts/{cohort}/members/agency", {"agency_id": world["agency"].id})
    csv_text = "email,full_name,agency\nnew.officer@example.org,New Officer,SBGS\n" + f"{world['aibek'].email},Aibek Border,\n"
    done = post_form(client, f"/cohorts/{cohort}/members/import", {"file": (io.BytesIO(csv_text.encode()), "c.csv")},
                     content_type="multipart/form-data").get_data(as_text=True)
    assert "1 trainee enrolled." in done and "new.officer@example.org" in done  # Aibek was already in
    members = database.scalar(select(db.func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort))
    assert members == 4


def test_csv_enrolment_with_a_bad_row_enrols_nobody(client, auth, world, database):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    csv_text = f"email,full_name\n{world['aibek'].email},Aibek\nbroken-email,X\n{world['trainer'].email},Trainer\n"
    response = post_form(client, f"/cohorts/{cohort}/members/import", {"file": (io.BytesIO(csv_text.encode()), "c.csv")},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nobody was enrolled" in page
    assert "<td>3</td><td>email</td>" in page and "not a valid email" in page and "not a trainee" in page
    assert database.scalar(select(db.func.count()).select_from(CohortMember)) == 0


def test_assignments_reach_the_trainee_home_page(client, auth, world):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    post_form(client, f"/cohorts/{cohort}/members", {"email": world["aibek"].email})
    scenario_id = client.get(f"/cohorts/{cohort}").get_data(as_text=True).split('value="scenario:')[1].split('"')[0]
    bad = post_form(client, f"/cohorts/{cohort}/assignments", {"target": f"scenario:{scenario_id}", "due_date": "soon"}, follow_redirects=True)
    assert "must be a date" in bad.get_data(as_text=True)
    post_form(client, f"/cohorts/{cohort}/assignments", {"target": f"scenario:{scenario_id}", "due_date": "2026-12-01"})
    auth.logout()
    auth.login(world["aibek"])
    home = client.get("/").get_data(as_text=True)
    assert "Assigned to you" in home and "The Alay road" in home and "due Dec 1, 2026" in home  # a date in words


def test_attendance_grid_and_completion_with_catch_up(app, client, auth, world, database):
    auth.login(world["trainer"])
    cohort = new_cohort(client, percent="100")
    for trainee in ("aibek", "nurgul"):
        post_form(client, f"/cohorts/{cohort}/members", {"email": world[trainee].email})
    bad = post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": "tomorrow", "minutes": "90", "topic": "ILP"}, follow_redirects=True)
    assert "Starts" in bad.get_data(as_text=True)
    post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": "2026-01-10T09:00", "minutes": "120", "topic": "Intelligence cycle"})
    with app.app_context():
        session_id = db.session.scalar(select(Cohort).where(Cohort.id == cohort)).sessions[0].id
    grid = f"/cohorts/{cohort}/sessions/{session_id}/attendance"
    post_form(client, grid, {f"status-{world['aibek'].id}": "present", f"status-{world['nurgul'].id}": "excused",
                             f"status-{world['outsider'].id}": "present"})  # not a member: ignored
    assert database.scalar(select(db.func.count()).select_from(Attendance)) == 2
    page = client.get(f"/cohorts/{cohort}").get_data(as_text=True)
    nurgul_row = page.split("Nurgul Border")[1].split("</tr>")[0]
    assert "0%" in nurgul_row and "not yet" in nurgul_row
    post_form(client, f"{grid}/{world['nurgul'].id}/caught-up", {"how": "recording watched"})
    page = client.get(f"/cohorts/{cohort}").get_data(as_text=True)
    assert "100%" in page.split("Nurgul Border")[1].split("</tr>")[0]


def test_a_session_with_an_error_is_shown_again_with_what_was_typed(client, auth, world):
    # The form's errors came back as messages over an emptied, folded form: the trainer typed
    # the topic, place and time again for one wrong length.
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    typed = {"starts_at": "2026-12-10T09:30", "minutes": "3", "topic": "Link analysis", "place": "Room 204"}
    response = post_form(client, f"/cohorts/{cohort}/sessions", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="2026-12-10T09:30"' in page and 'value="Link analysis"' in page and 'value="Room 204"' in page
    assert 'value="3"' in page and "Number must be between 5 and 600." in page
    assert '<details open><summary>Add a session' in page
    assert "No sessions yet." in page


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:10", "9999-12-31T23:30"])
def test_a_session_in_a_year_nobody_meant_is_refused_and_the_calendar_stays_readable(client, auth, world, starts_at):
    # Year 1 failed turning the cohort's time into UTC (a 500); year 9999 was stored, and every
    # calendar feed of the cohort and its officers failed from then on.
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    response = post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": starts_at, "minutes": "90",
                                                                "topic": "Link analysis"})
    assert response.status_code == 400
    assert "Give a date between 1900 and 2999." in response.get_data(as_text=True)
    feed = client.get(f"/cohorts/{cohort}").get_data(as_text=True).split('href="http://localhost/calendar/')[1]
    assert client.get("/calendar/" + feed.split('"')[0]).status_code == 200


def test_a_session_stored_in_year_9999_before_the_check_leaves_the_feed_readable(client, auth, world, database):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": "2026-12-10T09:30", "minutes": "90",
                                                     "topic": "Link analysis"})
    database.add(TrainingSession(cohort_id=cohort, starts_at=datetime(9999, 12, 31, 23, 30), topic="A typing slip"))
    feed = client.get(f"/cohorts/{cohort}").get_data(as_text=True).split('href="http://localhost/calendar/')[1]
    calendar = client.get("/calendar/" + feed.split('"')[0])
    assert calendar.status_code == 200
    assert "Link analysis" in calendar.get_data(as_text=True) and "A typing slip" not in calendar.get_data(as_text=True)


def test_adding_nobody_asks_for_an_email_or_username(client, auth, world):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    for path in (f"/cohorts/{cohort}/members", f"/cohorts/{cohort}/trainers"):
        page = post_form(client, path, {"email": "  "}, follow_redirects=True).get_data(as_text=True)
        assert "Type the email address or username of the account to add." in page
        assert "No account has this email" not in page and "No trainer account" not in page


def test_trainer_reads_records_of_their_trainees_only(client, auth, world):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    post_form(client, f"/cohorts/{cohort}/members", {"email": world["aibek"].email})
    assert client.get(f"/people/{world['aibek'].id}").status_code == 200
    assert client.get(f"/people/{world['outsider'].id}").status_code == 403


def test_live_exercise_release_and_live_view(app, client, auth, world, database):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    post_form(client, f"/cohorts/{cohort}/members", {"email": world["aibek"].email})
    post_form(client, f"/cohorts/{cohort}/members", {"email": world["nurgul"].email})
    scenario_id = client.get(f"/cohorts/{cohort}").get_data(as_text=True).split('name="scenario_id"')[1].split('value="')[1].split('"')[0]
    exercise = int(post_form(client, f"/cohorts/{cohort}/exercises", {"scenario_id": scenario_id}).headers["Location"].rsplit("/", 1)[1])
    auth.logout()

    auth.login(world["aibek"])
    assert "Live exercise now: The Alay road" in client.get("/").get_data(as_text=True)
    attempt = int(post_form(client, f"/exercises/{exercise}/join").headers["Location"].rsplit("/", 1)[1])
    assert 'id="report-R4"' not in client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    token = csrf_token(client)
    client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps({"evaluate": PERFECT["evaluate"]}),
                headers={"Content-Type": "application/json", "X-CSRFToken": token})
    auth.logout()

    auth.login(world["trainer"])
    live = client.get(f"/exercises/{exercise}/live").get_data(as_text=True)
    aibek_row, nurgul_row = live.split("Aibek Border")[1].split("</tr>")[0], live.split("Nurgul Border")[1].split("</tr>")[0]
    assert "working" in aibek_row and "not started" in nurgul_row
    # Scored live on what is saved: the grading task (weight 25) is perfect, nothing else yet.
    assert '<td class="num">100%</td>' in aibek_row and '<td class="num">25%</td>' in aibek_row
    post_form(client, f"/exercises/{exercise}/release", {"report_id": "R4"})
    assert database.get(LiveExercise, exercise).released_reports == ["R4"]
    with app.app_context():  # no save for 20 minutes: stuck
        row = db.session.get(ScenarioAttempt, attempt)
        row.saved_at = datetime.now(timezone.utc) - timedelta(minutes=20)
        db.session.commit()
    assert "no progress for 10 min" in client.get(f"/exercises/{exercise}/live").get_data(as_text=True)
    auth.logout()

    auth.login(world["aibek"])
    news = client.get(f"/scenario-attempts/{attempt}/reports?have=R1,R2,R3").get_json()
    assert [report["id"] for report in news["reports"]] == ["R4"]
    assert 'data-grade-row="R4"' in news["grade_rows"]["evaluate"]["R4"]
    assert news["pending"] == 2  # R2 and R3 come with the exercise's clock
    # Polled again with R4 on the page: nothing new, the same two still to come.
    assert client.get(f"/scenario-attempts/{attempt}/reports?have=R1,R4").get_json() == {
        "pending": 2, "grade_rows": {}, "reports": []}


def test_review_queue_scores_the_report_and_the_trainee_sees_it(app, client, auth, world, database):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    post_form(client, f"/cohorts/{cohort}/members", {"email": world["aibek"].email})
    auth.logout()
    auth.login(world["aibek"])
    attempt = int(post_form(client, "/scenarios/alay-road/start").headers["Location"].rsplit("/", 1)[1])
    client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(PERFECT),
                headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    post_form(client, f"/scenario-attempts/{attempt}/submit")
    auth.logout()

    auth.login(world["other_trainer"])
    assert "The Alay road" not in client.get("/reviews").get_data(as_text=True)
    assert client.get(f"/reviews/{attempt}").status_code == 404
    auth.logout()

    auth.login(world["trainer"])
    assert "The Alay road" in client.get("/reviews").get_data(as_text=True)
    page = client.get(f"/reviews/{attempt}").get_data(as_text=True)
    maxima = {chunk.split('"')[0]: int(chunk.split('max="')[1].split('"')[0]) for chunk in page.split('name="points:final-report:')[1:]}
    first, *others = maxima
    typed = {f"points:final-report:{first}": "99", **{f"points:final-report:{c}": "1" for c in others}}
    bad = post_form(client, f"/reviews/{attempt}", typed)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert f"A score needs correcting: 99 is more than this criterion gives (0 to {maxima[first]})." in page
    marked = page.split(f'name="points:final-report:{first}"')[1].split(">")[0]
    assert 'aria-invalid="true"' in marked and 'value="99"' in marked  # the field in error, as typed
    assert page.count('aria-invalid="true"') == 1
    # A trainer reading in Russian reads the message in Russian.
    typed[f"points:final-report:{first}"] = "много"
    client.get("/?lang=ru")
    russian = post_form(client, f"/reviews/{attempt}", typed).get_data(as_text=True)
    assert f"Оценку нужно исправить: укажите число баллов от 0 до {maxima[first]}." in russian
    client.get("/?lang=en")
    # The report is tagged as a legal safeguard: scoring it 0 drops safeguards below the minimum.
    post_form(client, f"/reviews/{attempt}", {f"points:final-report:{c}": "0" for c in maxima})
    row = database.get(ScenarioAttempt, attempt)
    assert (row.status, row.total_percent) == ("failed", 90.0)
    form = {f"points:final-report:{c}": str(m) for c, m in maxima.items()}
    form[f"comment:final-report:{next(iter(maxima))}"] = "Give the handling code of every source."
    assert post_form(client, f"/reviews/{attempt}", form).status_code == 302
    row = database.get(ScenarioAttempt, attempt)
    assert (row.status, row.total_percent) == ("passed", 100.0)
    auth.logout()

    auth.login(world["aibek"])
    result = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
    assert "Give the handling code of every source." in result and "Total: 100%" in result


@pytest.fixture
def two_injects(app_config, tmp_path):
    """The example scenario with a second inject: R3 waits for the trainer as R4 does."""
    from sample_scenario import EXAMPLE
    write_scenario(tmp_path / "scenarios", EXAMPLE.replace("release: after 40m", "release: trainer"))


def test_two_trainers_releasing_at_once_both_get_their_report_out(two_injects, app, world, database):
    from trainer.models import Scenario
    from trainer.services import exercises
    from trainer.services.concurrency import commit_with_retry
    with app.app_context():
        trainer = db.session.get(type(world["trainer"]), world["trainer"].id)
        cohort = Cohort(name="Live", trainers=[trainer])
        db.session.add(cohort)
        db.session.flush()
        scenario = db.session.scalar(select(Scenario).where(Scenario.slug == "alay-road"))
        exercise_id = exercises.start_exercise(cohort, scenario, trainer, None).id
        db.session.commit()
    with app.app_context():
        mine = db.session.get(LiveExercise, exercise_id)
        assert mine.released_reports == []  # read before the colleague's release
        with app.app_context():  # the colleague, on another server, releases R3 first
            theirs = db.session.get(LiveExercise, exercise_id)
            assert exercises.release_report(theirs, "R3")
            db.session.commit()
        assert commit_with_retry(lambda: exercises.release_report(mine, "R4"))
    assert database.get(LiveExercise, exercise_id).released_reports == ["R3", "R4"]


def test_the_debrief_counts_the_cohorts_answers_names_nobody_and_exports_a_pdf(app, client, auth, world, database):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    for trainee in ("aibek", "nurgul"):
        post_form(client, f"/cohorts/{cohort}/members", {"email": world[trainee].email})
    scenario_id = client.get(f"/cohorts/{cohort}").get_data(as_text=True).split('name="scenario_id"')[1].split('value="')[1].split('"')[0]
    exercise = int(post_form(client, f"/cohorts/{cohort}/exercises", {"scenario_id": scenario_id}).headers["Location"].rsplit("/", 1)[1])
    post_form(client, f"/exercises/{exercise}/release", {"report_id": "R4"})
    auth.logout()
    wrong_r1 = {**PERFECT["evaluate"]["grades"], "R1": {"source": "C", "information": "3", "handling": "H0"}}
    for trainee, answers in (("aibek", PERFECT), ("nurgul", {"evaluate": {"grades": wrong_r1},
                                                             "decisions": {"choices": {"D1": "b", "D2": ["a"]}}})):
        auth.login(world[trainee])
        attempt = int(post_form(client, f"/exercises/{exercise}/join").headers["Location"].rsplit("/", 1)[1])
        client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(answers),
                    headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
        if trainee == "aibek":
            post_form(client, f"/scenario-attempts/{attempt}/submit")
        auth.logout()

    auth.login(world["trainer"])
    page = client.get(f"/exercises/{exercise}/debrief").get_data(as_text=True)
    assert "2 attempts, 1 submitted" in page
    r1 = page.split("<td>R1</td>")[1].split("</tr>")[0]  # one B2 (right), one C3; key B2
    assert "B2 H0 × 1 · C3 H0 × 1" in r1 and "<td>B2 H0</td>" in r1 and "<td>1 / 2</td>" in r1
    d2 = page.split("<td>D2</td>")[1].split("</tr>")[0]  # options counted one by one
    assert "a (" in d2 and "× 2" in d2 and "× 1" in d2
    assert "Aibek" not in page and "Nurgul" not in page  # counts only
    assert "{faker:" not in page  # a template: each officer's case has its own names (see test_debrief)
    releases = page.split('id="releases"')[1].split("</section>")[0]
    assert "<strong>R4</strong>" in releases and "exercise started" in releases
    pdf = client.get(f"/exercises/{exercise}/debrief.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Injects released" in text and "R4" in text and "B2 H0 × 1" in text and "Aibek" not in text
