"""Browser tests: the main pages of every role, filled with data, for the accessibility and CSP tests.

A live server of its own (a seeded programme would change what the other browser tests see):
a synthetic programme for the reports, and the demo trainee with a finished pre-test, an open
post-test, a submitted and an open scenario attempt, in a cohort run by the demo trainer.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import url_for
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from conftest import make_config
from trainer import create_app
from trainer.cli import prepare_platform
from trainer.config import TestConfig
from trainer.extensions import db
from trainer.models import TrainingSession, user_by_email
from trainer.seed import seed_programme
from trainer.services import cohorts as programme
from trainer.services import courses as learning
from trainer.services import scenarios as casework
from trainer.views.reports import REPORTS

DEMO_PASSWORD = "browser tour password"
COURSE, SCENARIO = "grading-basics", "alay-road"


@dataclass(frozen=True)
class TourPage:
    name: str
    role: str | None  # None: not logged in
    path: str  # formatted with the ids build_data returns; for reports, the endpoint
    ready: str = "main"  # a selector that is visible once the page is drawn

    def __str__(self) -> str:
        return self.name


PAGES = [
    TourPage("login", None, "/login"),
    TourPage("trainee home", "trainee", "/"),
    TourPage("trainer home", "trainer", "/"),
    TourPage("manager home", "manager", "/"),
    TourPage("admin home", "admin", "/"),
    TourPage("catalogue", "trainee", "/courses"),
    TourPage("course", "trainee", f"/courses/{COURSE}"),
    TourPage("lesson", "trainee", f"/courses/{COURSE}/lessons/01-source"),
    TourPage("lesson with tables", "trainee", "/courses/ilp-foundations-ru/lessons/03-targeting"),
    TourPage("profile", "trainee", "/profile"),
    TourPage("test attempt", "trainee", "/attempts/{post_test}"),
    TourPage("test result", "trainee", "/attempts/{pre_test}/result"),
    TourPage("my attempts", "trainee", "/attempts"),
    TourPage("scenario list", "trainee", "/scenarios"),
    TourPage("scenario workspace", "trainee", "/scenario-attempts/{open}", ready=".workbench"),
    TourPage("scenario result", "trainee", "/scenario-attempts/{finished}/result"),
    TourPage("cohorts", "trainer", "/cohorts"),
    TourPage("cohort", "trainer", "/cohorts/{cohort}"),
    TourPage("attendance", "trainer", "/cohorts/{cohort}/sessions/{session}/attendance"),
    TourPage("reviews", "trainer", "/reviews"),
    TourPage("course authoring", "trainer", "/author/courses"),
    TourPage("scenario authoring", "trainer", "/author/scenarios"),
    TourPage("item analysis", "trainer", "/items/"),
    TourPage("item analysis of a course", "trainer", f"/items/courses/{COURSE}"),
    TourPage("item analysis of a scenario", "trainer", f"/items/scenarios/{SCENARIO}"),
    TourPage("users", "admin", "/admin/users"),
    TourPage("agencies", "admin", "/admin/agencies"),
    TourPage("API tokens", "admin", "/admin/api-tokens/"),
    TourPage("LTI registrations", "admin", "/admin/lti"),
    # every report page (trainer/views/reports.py), and the printable overview
    *[TourPage(f"report {key}", "manager", endpoint) for key, (endpoint, _) in REPORTS.items()],
    TourPage("report overview print", "manager", "reports.overview_print"),
]


def build_data() -> dict[str, int]:
    """Report data and the demo trainee's work; returns the ids the page paths need."""
    seed_programme(60, seed=11)
    trainee, trainer = user_by_email("trainee@example.org"), user_by_email("trainer@example.org")
    course = learning.course_by_slug(COURSE)
    pre_test = learning.start_attempt(trainee, course, "pre_test")
    learning.submit_attempt(trainee, pre_test, MultiDict())
    for lesson in course.lessons:
        learning.complete_lesson(trainee, lesson)
    post_test = learning.start_attempt(trainee, course, "post_test")
    scenario = casework.scenario_by_slug(SCENARIO)
    finished = casework.start_attempt(trainee, scenario)
    casework.submit(finished)
    db.session.flush()
    open_attempt = casework.start_attempt(trainee, scenario)
    cohort = programme.create_cohort(trainer, name="Border crossings, spring", start_date=date.today())
    programme.add_members(cohort, [trainee])
    programme.assign(cohort, course, None, date.today() + timedelta(days=14))
    programme.assign(cohort, None, scenario, date.today() + timedelta(days=21))
    session = TrainingSession(cohort_id=cohort.id, starts_at=datetime.now(timezone.utc) - timedelta(hours=2),
                              topic="Grading sources and information", place="Training room 2")
    db.session.add(session)
    db.session.flush()
    programme.record_attendance(session, {trainee.id: "present"}, trainer)
    db.session.commit()
    return {"pre_test": pre_test.id, "post_test": post_test.id, "finished": finished.id,
            "open": open_attempt.id, "cohort": cohort.id, "session": session.id}


def resolve(app, ids: dict[str, int]) -> dict[str, str]:
    """Page name -> the path to open."""
    with app.test_request_context():
        return {page.name: url_for(page.path) if page.path.startswith("reports.") else page.path.format(**ids)
                for page in PAGES}


@dataclass(frozen=True)
class Tour:
    url: str
    paths: dict[str, str]
    logins: dict[str, dict]  # role -> Playwright storage state of a logged-in browser


@pytest.fixture(scope="session")
def tour(tmp_path_factory, content_dir, scenario_dir, browser) -> Iterator[Tour]:
    """A live server with the tour's data, and a logged-in browser state per role."""
    folder = tmp_path_factory.mktemp("tour")
    config = make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'tour.sqlite3'}",
                         CONTENT_COURSES_DIR=str(content_dir), CONTENT_SCENARIOS_DIR=str(scenario_dir),
                         TESTING=False, SECRET_KEY=TestConfig.SECRET_KEY, LOGIN_RATE_LIMIT="100 per minute")
    app = create_app(config)
    with app.app_context():
        prepare_platform(demo_password=DEMO_PASSWORD)
        ids = build_data()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    logins = {}
    for role in ("trainee", "trainer", "manager", "admin"):
        context = browser.new_context(base_url=url)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(f"{role}@example.org")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/")
        logins[role] = context.storage_state()
        context.close()
    yield Tour(url, resolve(app, ids), logins)
    server.shutdown()


@contextmanager
def opened(browser, tour: Tour, tour_page: TourPage, before_load=None, **context_options):
    """A page of the tour loaded and drawn in a new context of the page's role.

    `before_load(page)` runs before the page is opened (to listen to its events).
    """
    state = tour.logins[tour_page.role] if tour_page.role else None
    context = browser.new_context(base_url=tour.url, storage_state=state, **context_options)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        if before_load:
            before_load(page)
        path = tour.paths[tour_page.name]
        response = page.goto(path)
        assert response is not None and response.status == 200, \
            f"{tour_page.name}: {path} answered {response.status if response else 'nothing'}"
        assert tour_page.role is None or "/login" not in page.url, f"{tour_page.name}: sent to the login page"
        page.locator(tour_page.ready).first.wait_for(state="visible")
        yield page
    finally:
        context.close()
