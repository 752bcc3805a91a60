"""Trainee pages under load: gunicorn (2 sync workers) on SQLite and PostgreSQL, driven by Locust.

Run: .venv/bin/pip install -r requirements-bench.txt
     .venv/bin/python bench/load_bench.py [--seconds 15] [--users 100] [--runs 3]
         [--databases sqlite,postgresql] [--officers 1000] [--workers 2]
         [--postgres-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

For each database: a fresh database (a temporary SQLite file, or a new PostgreSQL database
dropped at the end) is migrated, loaded with the shipped content and seeded as `flask seed`
does; `--users` of the seeded officers get a password, an unfinished scenario attempt and
a submitted one. gunicorn then serves `bench/bench_app.py` (the app plus a bare endpoint
registered only there), every virtual trainee logs in through the real login form (CSRF token
and all), and Locust (headless, as a library) sends the trainees, all at once and without
pauses, at one page after another: each trainee asks for their own home page, lessons,
workspace, result and autosave. Each page is measured for `--seconds` once nothing of the
previous page is in flight and every trainee has had an answer on this one (the warm-up).

Printed per page: requests/s, p50/p95/p99 (ms), the ratio of requests/s and of p95 to the
bare endpoint's in the same run (the median over `--runs` when more than one), failures, and
the bytes a browser receives: on a first visit (page and every stylesheet and script it
names, empty cache) and on later visits (page, plus whatever its cached files make it ask
again). Compressed bytes when the server compresses; headers included.
The machine is shared and small, so absolute figures are noisy: read the ratios.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
PASSWORD = "bench trainee password"
SECRET = "load-bench-secret"
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"  # what Chromium asks for
PAGES = ("trainee home", "catalogue", "lesson", "scenario workspace", "scenario result", "autosave POST",
         "signed-in floor", "bare endpoint")


# --- preparing a database (a child process: it imports the app, the load generator does not) ----

def prepare(url: str, officers: int, users: int, out: Path) -> None:
    """Migrate, load content, seed, and give `users` officers what the bench needs; write their paths."""
    import random

    from sqlalchemy import exists, select
    from werkzeug.security import generate_password_hash

    sys.path.insert(0, str(PROJECT_ROOT))
    from trainer import create_app
    from trainer.cli import prepare_platform
    from trainer.extensions import db
    from trainer.models import Course, Enrolment, Lesson, ScenarioAttempt, User
    from trainer.seed import analyse_tables, seed_programme, simulated_response
    from trainer.services import scenarios as casework

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        prepare_platform("a long bench demo password")
        seed_programme(officers, seed=1)
        db.session.commit()
        analyse_tables()
        submitted = exists().where(ScenarioAttempt.user_id == User.id, ScenarioAttempt.submitted_at.is_not(None))
        enrolled = exists().where(Enrolment.user_id == User.id)
        chosen = list(db.session.scalars(select(User).where(User.role == "trainee", User.active, submitted, enrolled)
                                         .order_by(User.id).limit(users)))
        if not chosen:
            raise SystemExit("the seeded programme has no trainee with an enrolment and a submitted scenario")
        # A cheap hash: the bench measures pages, not scrypt (the login form checks any method).
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        rng = random.Random(1)
        accounts = []
        for user in chosen:
            user.password_hash = password_hash
            done = db.session.scalar(select(ScenarioAttempt).where(ScenarioAttempt.user_id == user.id,
                                                                   ScenarioAttempt.submitted_at.is_not(None))
                                     .order_by(ScenarioAttempt.id).limit(1))
            attempt = casework.start_attempt(user, done.version.scenario)
            spec = casework.scenario_for(attempt.version, attempt.seed)
            task = next((t for t in spec.tasks if t.type == "report"), spec.tasks[0])
            course = db.session.scalar(select(Course).join(Enrolment).where(Enrolment.user_id == user.id)
                                       .order_by(Enrolment.id).limit(1))
            lessons = db.session.scalars(select(Lesson).where(Lesson.course_id == course.id, Lesson.active)
                                         .order_by(Lesson.position))
            accounts.append({
                "email": user.email,
                "lessons": [f"/courses/{course.slug}/lessons/{lesson.slug}" for lesson in lessons],
                "workspace": f"/scenario-attempts/{attempt.id}",
                "save": f"/scenario-attempts/{attempt.id}/save",
                "save_body": {task.id: simulated_response(task, 0.7, rng)},
                "result": f"/scenario-attempts/{done.id}/result",
            })
        db.session.commit()
    out.write_text(json.dumps(accounts))


# --- databases and the server ------------------------------------------------------------------

class Database:
    """A fresh database for one run of the bench; `drop()` removes it."""

    def __init__(self, kind: str, admin_url: str, folder: Path):
        self.kind, self.admin_url = kind, admin_url
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / 'bench.sqlite3'}"
        else:
            import psycopg

            self.name = f"trainer_load_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
            base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            self.url = f"{base}/{self.name}"

    def drop(self) -> None:
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, instance: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET, "TRAINER_INSTANCE_DIR": str(instance),
           "RATELIMIT_STORAGE_URI": "memory://", "TRAINER_ENV": "development"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "60",
         "bench_app:create_bench_app()"],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log}\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/bare", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 60 s: see {log}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- the load ------------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_DATA = re.compile(r'data-csrf="([^"]+)"')


def page_request(page: str, account: dict, lesson: int = 0) -> tuple[str, str, dict | None]:
    """What a bench trainee asks for on a page of PAGES: (method, path, JSON body); `lesson`
    picks which of their course's lessons."""
    return {
        "trainee home": ("GET", "/", None),
        "catalogue": ("GET", "/courses", None),
        "lesson": ("GET", account["lessons"][lesson % len(account["lessons"])], None),
        "scenario workspace": ("GET", account["workspace"], None),
        "scenario result": ("GET", account["result"], None),
        "autosave POST": ("POST", account["save"], account["save_body"]),
        "signed-in floor": ("GET", "/_bench/signed-in", None),
        "bare endpoint": ("GET", "/_bench/bare", None),
    }[page]


def run_load(host: str, accounts: list[dict], users: int, seconds: float, warmup: float) -> dict[str, dict]:
    """Every page in turn, all users at once; {page: figures} measured after the warm-up."""
    import gevent
    from locust import FastHttpUser, constant, task
    from locust.env import Environment

    state = {"phase": None, "ready": 0, "next": 0, "errors": [], "busy": 0, "answered": {}}
    headers = {"Accept-Encoding": "gzip, deflate"}

    class Trainee(FastHttpUser):
        wait_time = constant(0)

        def on_start(self):
            self.account = accounts[state["next"] % len(accounts)]
            state["next"] += 1
            self.lesson = 0
            page = self.client.get("/login", name="login form").text
            response = self.client.post("/login", name="login", data={
                "csrf_token": CSRF_FIELD.search(page).group(1), "email": self.account["email"], "password": PASSWORD})
            if "/login" in (response.url or "") or response.status_code != 200:
                state["errors"].append(f"login failed for {self.account['email']}: {response.status_code}")
            workspace = self.client.get(self.account["workspace"], name="workspace (setup)").text
            self.csrf = CSRF_DATA.search(workspace).group(1)
            state["ready"] += 1

        @task
        def visit(self):
            phase = state["phase"]
            if phase is None:
                gevent.sleep(0.05)
                return
            state["busy"] += 1
            try:
                self.request(phase)
            finally:
                state["busy"] -= 1
            state["answered"].setdefault(phase, set()).add(id(self))

        def request(self, phase: str) -> None:
            if phase == "lesson":
                self.lesson += 1
            method, path, body = page_request(phase, self.account, self.lesson)
            if method == "POST":
                self.client.post(path, name=phase, data=json.dumps(body),
                                 headers={**headers, "Content-Type": "application/json", "X-CSRFToken": self.csrf})
            else:
                self.client.get(path, name=phase, headers=headers)

    Trainee.host = host
    env = Environment(user_classes=[Trainee])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=min(users, 50))
    deadline = time.monotonic() + 120
    while state["ready"] < users and time.monotonic() < deadline:
        gevent.sleep(0.1)
    if state["ready"] < users or state["errors"]:
        runner.quit()
        raise SystemExit(f"only {state['ready']} of {users} trainees logged in: {state['errors'][:3]}")
    figures = {}
    for phase in PAGES:
        # Steady state before measuring: nothing of the previous page still in flight, and every
        # trainee answered at least once on this page (a slow page queues 100 requests deep).
        state["phase"] = None
        while state["busy"]:
            gevent.sleep(0.05)
        state["phase"] = phase
        warm_until = time.monotonic() + warmup
        give_up = warm_until + 120
        while (time.monotonic() < warm_until or len(state["answered"].get(phase, ())) < users) \
                and time.monotonic() < give_up:
            gevent.sleep(0.05)
        env.stats.reset_all()
        started = time.monotonic()
        gevent.sleep(seconds)
        elapsed = time.monotonic() - started
        entry = env.stats.get(phase, "POST" if phase == "autosave POST" else "GET")
        figures[phase] = {
            "rps": entry.num_requests / elapsed, "requests": entry.num_requests, "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50), "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
        }
        errors = [f"{e.method} {e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()]
        if errors:
            figures[phase]["errors"] = errors[:3]
    state["phase"] = None
    runner.quit()
    return figures


# --- bytes a browser receives ------------------------------------------------------------------------

ASSET = re.compile(r'<(?:link[^>]*\bhref|script[^>]*\bsrc)="(/static/[^"]+)"')


def wire_bytes(response) -> int:
    """Status line, headers and the body as sent (still compressed)."""
    body = response.raw.read(decode_content=False)
    head = len(f"HTTP/1.1 {response.status_code} {response.reason}\r\n") + 2
    head += sum(len(name) + len(value) + 4 for name, value in response.raw.headers.items())
    return head + len(body)


def cached_without_asking(response) -> bool:
    """Whether a browser reuses this response later without asking the server again."""
    control = response.headers.get("Cache-Control", "")
    age = re.search(r"max-age=(\d+)", control)
    return "immutable" in control or bool(age and int(age.group(1)) >= 3600 and "no-cache" not in control)


def page_weight(session, host: str, method: str, path: str, body: dict | None, csrf: str | None) -> tuple[int, int]:
    """(first visit, later visit) bytes received for the page and the files it names."""
    headers = {"Accept-Encoding": BROWSER_ENCODINGS}
    if method == "POST":
        response = session.post(host + path, data=json.dumps(body), stream=True,
                                headers={**headers, "Content-Type": "application/json", "X-CSRFToken": csrf})
        size = wire_bytes(response)
        return size, size
    response = session.get(host + path, headers=headers, stream=True)
    page = wire_bytes(response)
    html = session.get(host + path).text
    first = later = page
    for asset in dict.fromkeys(ASSET.findall(html)):
        fetched = session.get(host + asset, headers=headers, stream=True)
        first += wire_bytes(fetched)
        if not cached_without_asking(fetched):
            validators = {"If-None-Match": fetched.headers.get("ETag", ""),
                          "If-Modified-Since": fetched.headers.get("Last-Modified", "")}
            again = session.get(host + asset, headers={**headers, **{k: v for k, v in validators.items() if v}},
                                stream=True)
            later += wire_bytes(again)
    return first, later


def measure_bytes(host: str, account: dict) -> dict[str, tuple[int, int]]:
    import requests

    session = requests.Session()
    page = session.get(host + "/login").text
    session.post(host + "/login", data={"csrf_token": CSRF_FIELD.search(page).group(1), "email": account["email"],
                                        "password": PASSWORD})
    csrf = CSRF_DATA.search(session.get(host + account["workspace"]).text).group(1)
    weights = {}
    for page in PAGES:
        method, path, body = page_request(page, account)
        weights[page] = page_weight(session, host, method, path, body, csrf if method == "POST" else None)
    # Fetched by the page's script only when a link chart comes into view (not in "first visit").
    lazy = re.search(r'data-chart-script="([^"]+)"', session.get(host + account["workspace"]).text)
    if lazy:
        size = wire_bytes(session.get(host + lazy.group(1), headers={"Accept-Encoding": BROWSER_ENCODINGS}, stream=True))
        weights["graph library, when a chart comes into view"] = (size, 0)
    return weights


# --- the report ------------------------------------------------------------------------------------

def summarise(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """Median over runs of each figure, ratios computed within each run first."""
    table = {}
    for page in PAGES:
        rows = []
        for figures in runs:
            bare = figures["bare endpoint"]
            row = dict(figures[page])
            row["rps_ratio"] = row["rps"] / bare["rps"] if bare["rps"] else 0.0
            row["p95_ratio"] = row["p95"] / bare["p95"] if bare["p95"] else 0.0
            rows.append(row)
        table[page] = {key: statistics.median(row[key] for row in rows)
                       for key in ("rps", "p50", "p95", "p99", "rps_ratio", "p95_ratio")}
        table[page]["failures"] = sum(row["failures"] for row in rows)
        table[page]["requests"] = sum(row["requests"] for row in rows)
        table[page]["errors"] = [e for row in rows for e in row.get("errors", [])][:3]
    return table


def print_table(title: str, table: dict[str, dict], weights: dict[str, tuple[int, int]]) -> None:
    print(f"\n### {title}\n")
    print("| page | req/s | × bare | p50 ms | p95 ms | p99 ms | p95 × bare | first visit KB | later visits KB | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for page in PAGES:
        row, (first, later) = table[page], weights[page]
        print(f"| {page} | {row['rps']:.0f} | {row['rps_ratio']:.2f} | {row['p50']:.0f} | {row['p95']:.0f} | "
              f"{row['p99']:.0f} | {row['p95_ratio']:.1f} | {first / 1000:.1f} | {later / 1000:.1f} | "
              f"{row['failures']}/{row['requests']} |")
    for name, (size, _later) in weights.items():
        if name not in PAGES:
            print(f"\n{name}: {size / 1000:.1f} KB more, once (cached afterwards when its address is hashed)")
    for page in PAGES:
        for error in table[page]["errors"]:
            print(f"  error: {error}")


def bench_database(kind: str, args, work: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"load-{kind}-", dir=work))
    database = Database(kind, args.postgres_admin_url, folder)
    server = None
    try:
        env = environment(database.url, folder / "instance")
        accounts_file = folder / "accounts.json"
        started = time.monotonic()
        subprocess.run([sys.executable, __file__, "prepare", "--database", database.url, "--officers",
                        str(args.officers), "--users", str(args.users), "--out", str(accounts_file)],
                       env=env, check=True, cwd=PROJECT_ROOT)
        accounts = json.loads(accounts_file.read_text())
        print(f"[{kind}] prepared {args.officers} officers, {len(accounts)} bench trainees in "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        port = free_port()
        server = start_server(env, port, args.workers, folder / "gunicorn.log")
        host = f"http://127.0.0.1:{port}"
        runs = []
        for number in range(args.runs):
            print(f"[{kind}] run {number + 1} of {args.runs}, load average {os.getloadavg()[0]:.1f}",
                  file=sys.stderr, flush=True)
            runs.append(run_load(host, accounts, args.users, args.seconds, args.warmup))
        weights = measure_bytes(host, accounts[0])
        label = "SQLite" if kind == "sqlite" else "PostgreSQL"
        print_table(f"{label}: gunicorn {args.workers} sync workers, {args.users} trainees at once, "
                    f"{args.seconds:g} s per page, median of {args.runs}", summarise(runs), weights)
        sys.stdout.flush()
    finally:
        if server is not None:
            stop_server(server)
        database.drop()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "prepare":
        parser = argparse.ArgumentParser(prog="load_bench.py prepare")
        parser.add_argument("command")
        parser.add_argument("--database", required=True)
        parser.add_argument("--officers", type=int, required=True)
        parser.add_argument("--users", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args()
        prepare(args.database, args.officers, args.users, args.out)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per page")
    parser.add_argument("--warmup", type=float, default=3,
                        help="unmeasured seconds before each page (at least until every trainee had an answer)")
    parser.add_argument("--users", type=int, default=100, help="virtual trainees, all at once")
    parser.add_argument("--runs", type=int, default=1, help="runs per database; the median is printed")
    parser.add_argument("--officers", type=int, default=1000, help="officers in the seeded programme")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop gunicorn and drop the database
    import locust  # noqa: F401  (patches the standard library for gevent before anything else runs)

    print(f"load_bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start, "
          f"command: {' '.join(['bench/load_bench.py'] + sys.argv[1:])}")
    with tempfile.TemporaryDirectory(prefix="load-bench-") as work:
        for kind in args.databases.split(","):
            bench_database(kind.strip(), args, Path(work))


if __name__ == "__main__":
    main()
