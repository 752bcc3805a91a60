"""A live server and Debian's Chromium driven by Playwright (no browser download)."""
from __future__ import annotations

import os
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from conftest import make_config
from sample_course import write_course
from sample_scenario import write_scenario
from trainer import create_app
from trainer.cli import prepare_platform
from trainer.config import PROJECT_ROOT, TestConfig

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DEMO_PASSWORD = "browser demo password"
# Without these, Chromium keeps trying to reach Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory):
    """The shipped courses plus a small course whose answers the tests know."""
    folder = tmp_path_factory.mktemp("courses")
    shutil.copytree(PROJECT_ROOT / "courses", folder, dirs_exist_ok=True)
    write_course(folder)
    return folder


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory):
    """The shipped scenarios plus the format's example, whose key the tests read."""
    folder = tmp_path_factory.mktemp("scenarios")
    shutil.copytree(PROJECT_ROOT / "scenarios", folder, dirs_exist_ok=True)
    write_scenario(folder)
    return folder


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, content_dir, scenario_dir):
    """The platform on a SQLite file, set up as on first run."""
    folder = tmp_path_factory.mktemp("live")
    config = make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'live.sqlite3'}", CONTENT_COURSES_DIR=str(content_dir),
                         CONTENT_SCENARIOS_DIR=str(scenario_dir),
                         TESTING=False, RATELIMIT_ENABLED=True, SECRET_KEY=TestConfig.SECRET_KEY,
                         # every browser test logs in as the same demo trainee within a minute
                         LOGIN_RATE_LIMIT="100 per minute",
                         LIVE_POLL_SECONDS=1)  # live pages refresh fast enough to watch in a test
    app = create_app(config)
    with app.app_context():
        prepare_platform(demo_password=DEMO_PASSWORD)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The live app served from a thread on a free port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/test.sh, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def log_in(page):
    """Fill the login form as a person would."""

    def fill(email: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return fill


@pytest.fixture
def open_case_file(page):
    """Press "Open the case file" and wait until the workspace has loaded; gives the attempt's id.

    The URL changes when the navigation commits, before the page has loaded: reading it then and
    reloading at once raced Chromium ("Page.reload: Not attached to an active page").
    """

    def press() -> int:
        page.get_by_role("button", name="Open the case file").click()
        page.wait_for_url(re.compile(r"/scenario-attempts/\d+$"), wait_until="load")
        return int(page.url.rsplit("/", 1)[1])

    return press
