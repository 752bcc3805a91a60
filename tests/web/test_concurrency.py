"""50 trainees at once against gunicorn with 3 workers: every confirmed save is kept.

Each trainee logs in through the real form, double-starts a scenario, a course and its
pre-test, makes overlapping saves, then saves and submits at the same moment. Afterwards every
save the server confirmed (HTTP 200) is in the database, each start made exactly one row, and
no request failed. A second test SIGKILLs a worker in the middle of saves.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from conftest import make_config
from sample_course import CORRECT, write_course
from sample_scenario import PERFECT, write_scenario
from trainer import create_app
from trainer.config import PROJECT_ROOT
from trainer.extensions import db
from trainer.models import Enrolment, QuizAttempt, ScenarioAttempt, User
from trainer.services.content import load_courses
from trainer.services.scenarios import load_scenarios

TRAINEES = 50
PASSWORD = "concurrency test password"
GUNICORN = Path(sys.executable).parent / "gunicorn"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ATTEMPT_ID = re.compile(r"/(\d+)$")


class Trainee:
    """One browser: its own cookies, no redirects followed, every answer recorded."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, statuses: Counter, lock: threading.Lock):
        self.base, self.statuses, self.lock = base, statuses, lock
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  self._NoRedirect)
        self.token = ""

    def request(self, method: str, path: str, form: dict | None = None, body: dict | None = None):
        """(status, Location, text); status None when the connection broke (nothing confirmed)."""
        headers, data = {"Accept": "application/json" if body is not None else "text/html"}, None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrf_token": self.token}, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            data = json.dumps(body).encode()
            headers.update({"Content-Type": "application/json", "X-CSRFToken": self.token})
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, location, text = response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            status, location, text = error.code, error.headers.get("Location", ""), error.read().decode()
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException, TimeoutError):
            status, location, text = None, "", ""
        with self.lock:
            self.statuses[status] += 1
        return status, location, text

    def log_in(self, email: str) -> None:
        status, _, page = self.request("GET", "/login")
        self.token = CSRF.search(page).group(1)
        status, location, _ = self.request("POST", "/login", {"email": email, "password": PASSWORD})
        assert status == 302 and "/login" not in location, (email, status, location)
        status, _, page = self.request("GET", "/scenarios/alay-road")
        found = CSRF.search(page)
        assert status == 200 and found, (email, status, page[-2000:])
        self.token = found.group(1)  # the logged-in session's token

    def save(self, attempt_id: int, changes: dict) -> int | None:
        return self.request("POST", f"/scenario-attempts/{attempt_id}/save", body=changes)[0]


def at_once(*calls):
    """Run the calls concurrently (as a double click or overlapping saves do); their results."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def platform(fresh_database_url, tmp_path):
    """A migrated database with content and 50 trainees (fast password hash)."""
    write_scenario(tmp_path / "scenarios")
    write_course(tmp_path / "courses")
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        upgrade()  # the real migrations, as production builds its tables
        load_scenarios(tmp_path / "scenarios")
        load_courses(tmp_path / "courses")
        users = [User(email=f"officer{n}@example.org", full_name=f"Officer {n}", role="trainee") for n in range(TRAINEES)]
        users[0].set_password(PASSWORD)
        for user in users[1:]:
            user.password_hash = users[0].password_hash
        db.session.add_all(users)
        db.session.commit()
    yield app, tmp_path
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def server(platform, fresh_database_url):
    """gunicorn with 3 sync workers on the platform's database; yields (url, master process, log)."""
    app, folder = platform
    port, log = free_port(), folder / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": fresh_database_url, "TRAINER_INSTANCE_DIR": str(folder / "instance"),
           "RATELIMIT_ENABLED": "0", "SECRET_KEY": "concurrency-test-secret", "TRAINER_ENV": "development",
           "TRAINER_SCENARIOS_DIR": str(folder / "scenarios"), "TRAINER_COURSES_DIR": str(folder / "courses")}
    with open(log, "wb") as output:
        master = subprocess.Popen([str(GUNICORN), "-w", "3", "-b", f"127.0.0.1:{port}", "--timeout", "60",
                                   "trainer:create_app()"], cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=10).read()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert master.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    yield url, master, log
    master.terminate()
    master.wait(timeout=20)


def workers_of(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_fifty_trainees_at_once_lose_no_confirmed_save(server, platform):
    url, master, log = server
    app, _ = platform
    statuses, lock = Counter(), threading.Lock()
    outcome: dict[int, dict] = {}

    def trainee(n: int) -> None:
        me = Trainee(url, statuses, lock)
        me.log_in(f"officer{n}@example.org")
        starts = at_once(*[lambda: me.request("POST", "/scenarios/alay-road/start", {})] * 2)
        assert [status for status, _, _ in starts] == [302, 302], starts
        attempt_ids = {int(ATTEMPT_ID.search(location).group(1)) for _, location, _ in starts}
        assert len(attempt_ids) == 1, f"double start gave attempts {attempt_ids}"
        attempt_id = attempt_ids.pop()

        course = at_once(*[lambda: me.request("POST", "/courses/grading-basics/start", {})] * 2)
        assert [status for status, _, _ in course] == [302, 302], course
        tests = at_once(*[lambda: me.request("POST", "/courses/grading-basics/tests/pre_test", {})] * 2)
        assert [status for status, _, _ in tests] == [302, 302], tests
        assert len({location for _, location, _ in tests}) == 1, tests

        # Overlapping saves: four tasks at once, while a fifth task is saved with growing text
        # (one after another, as the browser's queue sends them).
        confirmed: dict[str, dict] = {}

        def one(task: str, value: dict) -> None:
            if me.save(attempt_id, {task: value}) == 200:
                confirmed[task] = value

        def growing() -> None:
            for step in range(1, 4):
                one("final-report", {"text": f"Draft {step} by officer {n}"})

        at_once(*[lambda task=task: one(task, PERFECT[task]) for task in ("evaluate", "links", "ach", "decisions")],
                growing)
        # Save and submit at the same moment: the save is either scored or refused, never lost.
        saved, submitted = at_once(lambda: me.save(attempt_id, {"timeline": PERFECT["timeline"]}),
                                   lambda: me.request("POST", f"/scenario-attempts/{attempt_id}/submit", {}))
        assert saved in (200, 409) and submitted[0] == 302, (saved, submitted)
        if saved == 200:
            confirmed["timeline"] = PERFECT["timeline"]
        outcome[n] = {"attempt": attempt_id, "confirmed": confirmed, "timeline_saved": saved == 200}

    with ThreadPoolExecutor(TRAINEES) as pool:
        for future in [pool.submit(trainee, n) for n in range(TRAINEES)]:
            future.result()

    server_log = log.read_text(errors="replace")
    assert "database is locked" not in server_log and "Traceback" not in server_log, server_log[-3000:]
    assert set(statuses) <= {200, 302, 409}, statuses
    with app.app_context():
        ids = {u.email: u.id for u in db.session.scalars(select(User))}
        for n, result in outcome.items():
            user_id = ids[f"officer{n}@example.org"]
            attempts = list(db.session.scalars(select(ScenarioAttempt).where(ScenarioAttempt.user_id == user_id)))
            assert [a.id for a in attempts] == [result["attempt"]], f"officer{n}: one attempt per start"
            attempt = attempts[0]
            assert attempt.submitted_at is not None
            for task, value in result["confirmed"].items():
                assert attempt.responses.get(task) == value, f"officer{n}: confirmed save of {task} lost"
            assert attempt.responses["final-report"] == {"text": f"Draft 3 by officer {n}"}
            scored = {task["task_id"]: task["score"] for task in attempt.result["tasks"]}
            assert (scored["timeline"] == 1) == result["timeline_saved"], f"officer{n}: a confirmed save was not scored"
            quiz = list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user_id)))
            assert len(quiz) == 1, f"officer{n}: one pre-test per start"
            enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.user_id == user_id)))
            assert len(enrolments) == 1


def test_a_worker_killed_mid_save_loses_nothing_confirmed(server, platform):
    url, master, log = server
    app, _ = platform
    statuses, lock = Counter(), threading.Lock()
    trainees = 8
    last_confirmed: dict[int, int] = {}
    attempts: dict[int, int] = {}
    stop = threading.Event()

    def trainee(n: int) -> None:
        me = Trainee(url, statuses, lock)
        me.log_in(f"officer{n}@example.org")
        _, location, _ = me.request("POST", "/scenarios/alay-road/start", {})
        attempts[n] = int(ATTEMPT_ID.search(location).group(1))
        step = 0
        while not stop.is_set():
            step += 1
            if me.save(attempts[n], {"final-report": {"text": str(step)}}) == 200:
                last_confirmed[n] = step

    with ThreadPoolExecutor(trainees) as pool:
        futures = [pool.submit(trainee, n) for n in range(trainees)]
        deadline = time.monotonic() + 30
        while len(last_confirmed) < trainees and time.monotonic() < deadline:  # everyone is saving
            time.sleep(0.05)
        victims = workers_of(master)
        assert len(victims) == 3
        os.kill(victims[0], signal.SIGKILL)  # mid-save: every worker is busy with saves
        time.sleep(2)  # gunicorn starts a new worker; saves carry on
        stop.set()
        for future in futures:
            future.result()

    assert set(statuses) <= {200, 302, None}, statuses
    assert len(last_confirmed) == trainees
    with app.app_context():
        for n, step in last_confirmed.items():
            stored = int(db.session.get(ScenarioAttempt, attempts[n]).responses["final-report"]["text"])
            # The stored text is the last confirmed one, or a later one whose answer was lost.
            assert stored >= step, f"officer{n}: confirmed save {step} lost (database has {stored})"
