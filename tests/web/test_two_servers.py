"""Two gunicorn servers sharing one PostgreSQL database and one Redis behave as one platform.

The production layout in the README: a reverse proxy sends each request to either server, so
a login, a rate limit and a report released in a live exercise must not depend on which one
answered. Each server runs two workers, so nothing may live in one process's memory either.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis
from sqlalchemy import select

from conftest import BACKENDS, PASSWORD, make_config
from sample_scenario import write_scenario
from trainer import create_app
from trainer.config import PROJECT_ROOT
from trainer.extensions import db
from trainer.models import Scenario
from trainer.services import create_user
from trainer.services.cohorts import add_members, create_cohort
from trainer.services.exercises import start_exercise
from trainer.services.scenarios import load_scenarios

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
LOGIN_LIMIT = 3

pytestmark = [
    pytest.mark.skipif("postgresql" not in BACKENDS, reason="two servers share a PostgreSQL database"),
    pytest.mark.parametrize("backend", ["postgresql"]),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test looks at each redirect itself


class Browser:
    """One person's browser: a cookie jar used against whichever server it is pointed at."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def request(self, url: str, form: dict | None = None) -> tuple[int, str, dict]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=15) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def get(self, url: str) -> tuple[int, str, dict]:
        return self.request(url)

    def post(self, url: str, form: dict, token_from: str) -> tuple[int, str, dict]:
        """POST a form with the CSRF token of a page, read as the browser would."""
        status, page, _ = self.get(token_from)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {token_from} ({status})"
        return self.request(url, {**form, "csrf_token": match.group(1)})

    def log_in(self, server: str, email: str, password: str = PASSWORD) -> tuple[int, str, dict]:
        return self.post(f"{server}/login", {"email": email, "password": password}, token_from=f"{server}/login")


@pytest.fixture
def platform(fresh_database_url, tmp_path):
    """A cohort with a trainer and a trainee, and a live exercise of the example scenario running."""
    scenarios = tmp_path / "scenarios"
    write_scenario(scenarios)
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        db.create_all()
        load_scenarios(scenarios)
        trainer = create_user("trainer@example.org", "Trainer Two-Servers", PASSWORD, role="trainer")
        trainee = create_user("trainee@example.org", "Aibek Two-Servers", PASSWORD)
        db.session.flush()
        cohort = create_cohort(trainer, name="Osh webinar")
        add_members(cohort, [trainee])
        scenario = db.session.scalar(select(Scenario).where(Scenario.slug == "alay-road"))
        exercise = start_exercise(cohort, scenario, trainer, None)
        db.session.commit()
        exercise_id = exercise.id
        db.engine.dispose()
    return {"database_url": fresh_database_url, "scenarios": scenarios, "exercise": exercise_id}


@pytest.fixture
def redis_prefix():
    """A rate-limit key prefix of this run's own, its keys deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not running at {REDIS_URL} ({error}); scripts/test.sh starts it")
    prefix = f"trainer-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def servers(platform, redis_prefix, tmp_path):
    """Two gunicorn servers (two workers each) on one database, one Redis and one SECRET_KEY."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("TRAINER_", "RATELIMIT_", "LOGIN_RATE", "DATABASE_URL", "SECRET_KEY"))}
    env.update({
        "TRAINER_ENV": "production", "SESSION_COOKIE_SECURE": "0",  # plain HTTP in the test
        "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": platform["database_url"],
        "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix, "RATELIMIT_ENABLED": "1",
        "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "TRAINER_SCENARIOS_DIR": str(platform["scenarios"]), "TRAINER_COURSES_DIR": str(tmp_path / "no-courses"),
        "PYTHONUNBUFFERED": "1",
    })
    started = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = (tmp_path / f"server-{name}.log").open("w")
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "trainer:create_app()", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--graceful-timeout", "3", "--no-control-socket"],
                cwd=PROJECT_ROOT, env={**env, "TRAINER_INSTANCE_DIR": str(tmp_path / f"instance-{name}")},
                stdout=log, stderr=subprocess.STDOUT)
            started.append((process, log, f"http://127.0.0.1:{port}", tmp_path / f"server-{name}.log"))
        for process, _, url, log_path in started:
            wait_until_serving(process, url, log_path)
        yield [url for _, _, url, _ in started]
    finally:
        for process, log, _, _ in started:
            process.terminate()
        for process, log, _, _ in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def wait_until_serving(process, url: str, log_path) -> None:
    deadline = time.monotonic() + 120  # generous: a loaded CI machine imports the app slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn at {url} did not start:\n{log_path.read_text()[-3000:]}")


def test_two_servers_share_logins_rate_limits_and_live_exercise_releases(servers, platform):
    a, b = servers
    exercise = platform["exercise"]

    # A login on server A is valid on server B.
    trainee = Browser()
    status, _, headers = trainee.log_in(a, "trainee@example.org")
    assert status == 302 and not headers["Location"].endswith("/login"), status
    status, page, _ = trainee.get(f"{b}/profile")
    assert status == 200 and "Aibek Two-Servers" in page
    assert Browser().get(f"{b}/profile")[0] == 302  # a stranger's browser is sent to log in

    # The trainee joins the live exercise on B (with a form token from A's page); the trainer
    # releases report R4 on A; the trainee's page, polling B, receives it.
    status, _, headers = trainee.post(f"{b}/exercises/{exercise}/join", {}, token_from=f"{a}/")
    assert status == 302 and "/scenario-attempts/" in headers["Location"], status
    attempt = int(headers["Location"].rstrip("/").rsplit("/", 1)[1])
    poll = f"/scenario-attempts/{attempt}/reports?have=R1,R2,R3"
    status, body, _ = trainee.get(b + poll)
    assert status == 200 and '"id":"R4"' not in body.replace(" ", "")

    trainer = Browser()
    assert trainer.log_in(a, "trainer@example.org")[0] == 302
    status, _, _ = trainer.post(f"{a}/exercises/{exercise}/release", {"report_id": "R4"},
                                token_from=f"{a}/exercises/{exercise}")
    assert status == 302
    for server in (b, a, b):  # every worker of both servers sees it
        status, body, _ = trainee.get(server + poll)
        assert status == 200 and '"id":"R4"' in body.replace(" ", ""), body[:300]

    # Failed logins on A count on B: after the limit, B refuses the next attempt.
    attacker = Browser()
    for _ in range(LOGIN_LIMIT):
        status, _, _ = attacker.log_in(a, "trainer@example.org", "wrong password 1")
        assert status == 401
    status, page, _ = attacker.log_in(b, "trainer@example.org", "wrong password 2")
    assert status == 429, page[:300]
    # The limit is per account and address: the trainer's open session is untouched.
    assert trainer.get(f"{b}/exercises/{exercise}")[0] == 200
