"""Report speed at programme scale: every report page against its SQL floor, and the CSV export.

Run:  .venv/bin/python bench/reports_bench.py [--officers 10000 100000] [--runs 3] [--reseed]
      [--postgres-admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--sqlite]

For each size, a PostgreSQL database `trainer_reports_bench_<officers>_s<seed>` is seeded once by
`trainer.seed.seed_programme` (what `flask seed --officers N --seed S` does) and kept for later runs:
seeding 100 000 officers takes long (52 minutes on the shared 2-core machine of bench/README.md; 10 000
about 3), timing the pages a minute or two. The database's comment records the hash of trainer/seed.py
that seeded it, and a run says so when the generator has changed since; `--reseed` drops and seeds it
again, `--drop` removes the cached databases and exits. Migrations are applied to a cached database
before every run, so it follows the schema (`--no-migrate` leaves it, to time an older checkout).

Each page is requested through the test client as a logged-in manager: the first request, then the
median of `--runs` more. Beside it, the page's floor: ONE hand-written SQL query that computes the
page's main table from the raw tables (kept below, next to the page), timed the same way on the same
database. Printed: page ms, floor ms, page / floor, HTML bytes. Then the officers CSV export (every
officer x course or scenario row), in a child process: time to first byte, total time, bytes, and the
growth of the process's peak memory (RSS) during the request.

Targets (issue 12): at 100 000 officers every page <= 1.5 s and <= 3x its floor, <= 150 KB of HTML;
at 10 000 <= 300 ms; the CSV's first byte < 1 s with memory flat. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402

MANAGER = "bench.manager@example.org"
PASSWORD = "bench manager password, long enough"
SETTINGS = {"SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}


# -- the pages and their floors -------------------------------------------------------------------
#
# Each floor computes the page's main table in one statement, as an engineer would write it by
# hand for this one table with no filters: no ORM, no per-officer lookups, nothing the page shows
# besides that table. Written for PostgreSQL.

# Overview: the headline figures (officers trained, course completions, certificates, attendance
# rate, mean and median gain, scenario pass rate).
FLOOR_OVERVIEW = """
WITH trainees AS (SELECT id FROM users WHERE role = 'trainee'),
trained AS (
    SELECT user_id FROM enrolments UNION
    SELECT a.user_id FROM scenario_attempts a UNION
    SELECT user_id FROM attendance WHERE status IN ('present', 'late')),
places AS (
    SELECT count(*) AS expected,
           count(*) FILTER (WHERE a.status IN ('present', 'late')
                            OR (a.status = 'excused' AND a.caught_up_at IS NOT NULL)) AS attended
    FROM training_sessions s JOIN cohort_members m ON m.cohort_id = s.cohort_id
    JOIN trainees t ON t.id = m.user_id
    LEFT JOIN attendance a ON a.session_id = s.id AND a.user_id = m.user_id
    WHERE s.starts_at <= now()),
tests AS (
    SELECT user_id, course_id, min(id) FILTER (WHERE kind = 'pre_test') AS pre_id,
           max(score_percent) FILTER (WHERE kind = 'post_test' AND submitted_at IS NOT NULL) AS post
    FROM quiz_attempts WHERE kind IN ('pre_test', 'post_test') AND score_percent IS NOT NULL
    GROUP BY user_id, course_id),
gains AS (SELECT t.post - q.score_percent AS gain FROM tests t JOIN quiz_attempts q ON q.id = t.pre_id
          WHERE t.post IS NOT NULL),
outcomes AS (
    SELECT a.user_id, v.scenario_id, bool_or(a.status = 'passed') AS passed
    FROM scenario_attempts a JOIN scenario_versions v ON v.id = a.version_id
    WHERE a.status IN ('passed', 'failed') AND a.submitted_at IS NOT NULL GROUP BY a.user_id, v.scenario_id)
SELECT (SELECT count(*) FROM trained JOIN trainees t ON t.id = trained.user_id) AS trained,
       (SELECT count(*) FROM enrolments e JOIN trainees t ON t.id = e.user_id WHERE e.completed_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM certificates r WHERE r.user_id = e.user_id AND r.course_id = e.course_id AND r.revoked_at IS NOT NULL))
           AS completions,
       (SELECT count(*) FROM certificates c JOIN trainees t ON t.id = c.user_id WHERE c.revoked_at IS NULL)
           AS certificates,
       (SELECT attended * 100.0 / nullif(expected, 0) FROM places) AS attendance_rate,
       (SELECT avg(gain) FROM gains) AS mean_gain,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gain) FROM gains) AS median_gain,
       (SELECT count(DISTINCT user_id) FILTER (WHERE passed) * 100.0 / nullif(count(DISTINCT user_id), 0)
        FROM outcomes) AS pass_rate
"""

# Completion: officers x course or scenario by status, per course and scenario (passed: a
# certificate or a passed attempt; completed: every lesson done, or submitted; in progress:
# enrolled or started; not started: assigned only).
FLOOR_COMPLETION = """
WITH trainees AS (SELECT id FROM users WHERE role = 'trainee'),
lesson_counts AS (SELECT course_id, count(*) AS lessons FROM lessons WHERE active GROUP BY course_id),
done AS (SELECT p.user_id, l.course_id, count(*) AS done FROM lesson_progress p
         JOIN lessons l ON l.id = p.lesson_id WHERE l.active AND p.completed_at IS NOT NULL
         GROUP BY p.user_id, l.course_id),
course_pairs AS (
    SELECT user_id, course_id FROM enrolments UNION
    SELECT m.user_id, a.course_id FROM assignments a JOIN cohort_members m ON m.cohort_id = a.cohort_id
    WHERE a.course_id IS NOT NULL),
course_status AS (
    SELECT 'course' AS kind, p.course_id AS target_id,
           CASE WHEN c.revoked_at IS NULL AND (c.id IS NOT NULL OR e.completed_at IS NOT NULL) THEN 'passed'
                WHEN coalesce(n.lessons, 0) > 0 AND coalesce(d.done, 0) >= n.lessons THEN 'completed'
                WHEN e.id IS NOT NULL THEN 'in_progress' ELSE 'not_started' END AS status
    FROM course_pairs p JOIN trainees t ON t.id = p.user_id
    LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
    LEFT JOIN certificates c ON c.user_id = p.user_id AND c.course_id = p.course_id
    LEFT JOIN lesson_counts n ON n.course_id = p.course_id
    LEFT JOIN done d ON d.user_id = p.user_id AND d.course_id = p.course_id),
attempts AS (
    SELECT a.user_id, v.scenario_id, bool_or(a.status = 'passed') AS passed,
           bool_or(a.status <> 'in_progress' AND a.submitted_at IS NOT NULL) AS submitted
    FROM scenario_attempts a JOIN scenario_versions v ON v.id = a.version_id GROUP BY a.user_id, v.scenario_id),
scenario_pairs AS (
    SELECT user_id, scenario_id FROM attempts UNION
    SELECT m.user_id, a.scenario_id FROM assignments a JOIN cohort_members m ON m.cohort_id = a.cohort_id
    WHERE a.scenario_id IS NOT NULL),
scenario_status AS (
    SELECT 'scenario' AS kind, p.scenario_id AS target_id,
           CASE WHEN s.passed THEN 'passed' WHEN s.submitted THEN 'completed'
                WHEN s.user_id IS NOT NULL THEN 'in_progress' ELSE 'not_started' END AS status
    FROM scenario_pairs p JOIN trainees t ON t.id = p.user_id
    LEFT JOIN attempts s ON s.user_id = p.user_id AND s.scenario_id = p.scenario_id)
SELECT kind, target_id, count(*) FILTER (WHERE status = 'not_started') AS not_started,
       count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
       count(*) FILTER (WHERE status = 'completed') AS completed,
       count(*) FILTER (WHERE status = 'passed') AS passed, count(*) AS total
FROM (SELECT * FROM course_status UNION ALL SELECT * FROM scenario_status) s
GROUP BY kind, target_id
"""

# Attendance: places, marks by status and the rate, per cohort.
FLOOR_ATTENDANCE = """
SELECT s.cohort_id, count(DISTINCT s.id) AS sessions, count(*) AS expected,
       count(*) FILTER (WHERE a.status IN ('present', 'late')
                        OR (a.status = 'excused' AND a.caught_up_at IS NOT NULL)) AS attended,
       count(*) FILTER (WHERE a.status = 'present') AS present, count(*) FILTER (WHERE a.status = 'late') AS late,
       count(*) FILTER (WHERE a.status = 'absent') AS absent, count(*) FILTER (WHERE a.status = 'excused') AS excused,
       count(*) FILTER (WHERE a.status = 'excused' AND a.caught_up_at IS NOT NULL) AS caught_up,
       count(*) FILTER (WHERE a.id IS NULL) AS unrecorded
FROM training_sessions s JOIN cohort_members m ON m.cohort_id = s.cohort_id
JOIN users u ON u.id = m.user_id AND u.role = 'trainee'
LEFT JOIN attendance a ON a.session_id = s.id AND a.user_id = m.user_id
WHERE s.starts_at <= now()
GROUP BY s.cohort_id
"""

# Knowledge gain: per course, officers with both tests, mean pre, mean post, mean and median gain,
# officers improved (first pre-test against best post-test).
FLOOR_GAIN = """
WITH tests AS (
    SELECT q.user_id, q.course_id, min(q.id) FILTER (WHERE q.kind = 'pre_test') AS pre_id,
           max(q.score_percent) FILTER (WHERE q.kind = 'post_test' AND q.submitted_at IS NOT NULL) AS post
    FROM quiz_attempts q JOIN users u ON u.id = q.user_id AND u.role = 'trainee'
    WHERE q.kind IN ('pre_test', 'post_test') AND q.score_percent IS NOT NULL
    GROUP BY q.user_id, q.course_id),
pairs AS (SELECT t.course_id, p.score_percent AS pre, t.post, t.post - p.score_percent AS gain
          FROM tests t JOIN quiz_attempts p ON p.id = t.pre_id WHERE t.post IS NOT NULL)
SELECT course_id, count(*) AS officers, avg(pre) AS mean_pre, avg(post) AS mean_post, avg(gain) AS mean_gain,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY gain) AS median_gain, count(*) FILTER (WHERE gain > 0) AS improved
FROM pairs GROUP BY course_id
"""

# Scenarios: per scenario, officers, attempts, passed, failed, awaiting review, mean scores.
FLOOR_SCENARIOS = """
SELECT v.scenario_id, count(DISTINCT a.user_id) AS officers, count(*) AS attempts,
       count(*) FILTER (WHERE a.status = 'passed') AS passed, count(*) FILTER (WHERE a.status = 'failed') AS failed,
       count(*) FILTER (WHERE a.status = 'awaiting_review') AS awaiting_review,
       avg(a.total_percent) AS mean_total, avg(a.case_percent) AS mean_case,
       avg(a.safeguards_percent) AS mean_safeguards
FROM scenario_attempts a JOIN scenario_versions v ON v.id = a.version_id
JOIN users u ON u.id = a.user_id AND u.role = 'trainee'
WHERE a.submitted_at IS NOT NULL AND a.status <> 'in_progress'
GROUP BY v.scenario_id
"""

# Disaggregation: per agency and gender, officers, trained, completers, certified, scenario passers.
FLOOR_DISAGGREGATION = """
WITH trained AS (
    SELECT user_id FROM enrolments UNION SELECT user_id FROM scenario_attempts UNION
    SELECT user_id FROM attendance WHERE status IN ('present', 'late')),
completers AS (SELECT DISTINCT user_id FROM enrolments e WHERE completed_at IS NOT NULL AND
    NOT EXISTS (SELECT 1 FROM certificates r WHERE r.user_id = e.user_id AND r.course_id = e.course_id AND r.revoked_at IS NOT NULL)),
certified AS (SELECT DISTINCT user_id FROM certificates WHERE revoked_at IS NULL),
passers AS (SELECT DISTINCT user_id FROM scenario_attempts WHERE status = 'passed' AND submitted_at IS NOT NULL)
SELECT coalesce(u.country, g.country) AS country, u.agency_id, coalesce(u.gender, 'not_recorded') AS gender,
       count(*) AS officers, count(t.user_id) AS trained, count(c.user_id) AS completers,
       count(x.user_id) AS certified, count(p.user_id) AS scenario_passers
FROM users u LEFT JOIN agencies g ON g.id = u.agency_id
LEFT JOIN trained t ON t.user_id = u.id LEFT JOIN completers c ON c.user_id = u.id
LEFT JOIN certified x ON x.user_id = u.id LEFT JOIN passers p ON p.user_id = u.id
WHERE u.role = 'trainee'
GROUP BY 1, 2, 3
"""

# Item analysis of the most attempted scenario: per answer-key item of the latest 500 first
# submitted attempts, attempts and mean credit (the facility index), from the marks scoring
# writes beside each result (scenario_item_marks; before migration 0023 the floor parsed every
# result's JSON, about 270 ms at 10 000 officers).
FLOOR_ITEMS = """
WITH first AS (
    SELECT min(a.id) AS id FROM scenario_attempts a JOIN scenario_versions v ON v.id = a.version_id
    JOIN users u ON u.id = a.user_id AND u.role = 'trainee'
    WHERE v.scenario_id = :scenario AND a.submitted_at IS NOT NULL AND a.status <> 'in_progress'
    GROUP BY a.user_id ORDER BY 1 DESC LIMIT 500)
SELECT m.task_id, m.item_id, count(*) AS attempts, avg(m.points / m.max_points) AS facility
FROM scenario_item_marks m JOIN first f ON f.id = m.attempt_id
GROUP BY 1, 2
"""


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    floor: str


def pages(scenario_id: int) -> list[Page]:
    """The report pages, each with its floor; filtered and later-page variants share a floor."""
    return [
        Page("overview", "/reports/", FLOOR_OVERVIEW),
        Page("completion", "/reports/completion", FLOOR_COMPLETION),
        Page("completion, page 100", "/reports/completion?page=100", FLOOR_COMPLETION),
        Page("attendance", "/reports/attendance", FLOOR_ATTENDANCE),
        Page("knowledge gain", "/reports/knowledge-gain", FLOOR_GAIN),
        Page("scenarios", "/reports/scenarios", FLOOR_SCENARIOS),
        Page("disaggregation", "/reports/disaggregation", FLOOR_DISAGGREGATION),
        Page("items (one scenario)", f"/reports/items?scenario={scenario_id}", FLOOR_ITEMS),
    ]


OFFICERS_CSV = "/reports/completion/export.csv?table=officers"


# -- the cached databases ---------------------------------------------------------------------------

def seed_fingerprint() -> str:
    """A short hash of the seeding code: a changed generator gets a new cached database."""
    return hashlib.sha256((ROOT / "trainer" / "seed.py").read_bytes()).hexdigest()[:8]


def database_name(officers: int, seed: int) -> str:
    return f"trainer_reports_bench_{officers}_s{seed}"


def database_url(admin_url: str, name: str) -> str:
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, **SETTINGS})


def ensure_database(admin_url: str, officers: int, seed: int, reseed: bool,
                    migrate: bool = True) -> tuple[str, float | None]:
    """The URL of a database seeded with `officers`, seeding it if needed; seconds spent seeding
    (None when the cached one was used). Seeded rows and the manager commit together, so a
    database with the manager is complete."""
    from flask_migrate import upgrade

    from trainer.models import User
    from trainer.seed import analyse_tables, seed_programme
    from trainer.services import create_user

    name = database_name(officers, seed)
    stamp = f"seeded by trainer/seed.py {seed_fingerprint()}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                    "WHERE datname = %s", (name,)).fetchone()
        if exists and reseed:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if exists and exists[0] != stamp:
            print(f"note: {name} was {exists[0] or 'seeded by another version'}; trainer/seed.py has changed "
                  "since (--reseed seeds it again)", flush=True)
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    url = database_url(admin_url, name)
    app = make_app(url)
    seconds = None
    with app.app_context():
        if migrate or not exists:
            try:
                upgrade()  # a new database gets the schema; a cached one follows new migrations
            except SystemExit:  # Flask-Migrate exits on an error it has already printed
                print("warning: the migrations could not be applied; timing the schema as it is", flush=True)
        if db.session.scalar(db.select(User.id).where(User.email == MANAGER)) is None:
            print(f"seeding {officers} officers into {name} ...", flush=True)
            started = time.perf_counter()
            seed_programme(officers, seed)
            create_user(MANAGER, "Bench Manager", PASSWORD, role="manager")
            db.session.commit()
            analyse_tables()
            seconds = time.perf_counter() - started
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{stamp}'")
            print(f"seeded in {seconds:.0f} s", flush=True)
        after_seed(app)
        db.session.remove()
        db.engine.dispose()
    return url, seconds


def after_seed(app) -> None:
    """Rebuild the progress read model (what `flask reports rebuild` does) and vacuum it, so a
    database seeded by an older generator, or migrated since, is timed with a complete one."""
    from trainer.database import vacuum_analyse
    from trainer.services import progress_summary

    if not _has_table("progress_summary"):  # an older checkout (--no-migrate): nothing to build
        return
    started = time.perf_counter()
    rows = progress_summary.rebuild()
    db.session.commit()
    vacuum_analyse("progress_summary")  # else every run's replaced rows stay where autovacuum is off
    print(f"progress read model rebuilt: {rows} rows in {time.perf_counter() - started:.1f} s", flush=True)


def _has_table(name: str) -> bool:
    return db.session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name})


def drop_databases(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'trainer_reports_bench_%'")]
        for name in names:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            print(f"dropped {name}")


# -- measuring ------------------------------------------------------------------------------------

def median_ms(call, runs: int, cpu=None) -> tuple[float, float, float]:
    """(first, median of the next `runs`) in milliseconds of the clock, and the median CPU time
    the runs took (`cpu()` reads a CPU clock in ms; 0 without one)."""
    samples, cpu_samples = [], []
    for _ in range(runs + 1):
        cpu_before = cpu() if cpu else 0.0
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        cpu_samples.append((cpu() if cpu else 0.0) - cpu_before)
    rest = slice(1, None) if runs else slice(0, 1)
    return samples[0], statistics.median(samples[rest]), statistics.median(cpu_samples[rest])


class CpuClock:
    """CPU time spent on a request or query, in ms: this process's, plus that of the PostgreSQL
    backends serving the benchmark's database (read from /proc: the server runs on this machine).

    On a shared machine the clock on the wall counts the time other processes hold the cores;
    CPU time is about what the clock would read on an idle one. Parallel query is turned off
    (--cpu) so that no CPU goes to short-lived worker processes this cannot see."""

    TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

    def __init__(self, admin_url: str, database: str):
        self.admin = psycopg.connect(admin_url, autocommit=True)
        self.database = database

    def backends(self) -> float:
        pids = [row[0] for row in self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,))]
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # not on this machine, or gone
                continue
            total += (int(fields[11]) + int(fields[12])) * self.TICK_MS  # utime, stime
        return total

    def __call__(self) -> float:
        return time.process_time() * 1000 + self.backends()

def login(app):
    client = app.test_client()
    response = client.post("/login", data={"email": MANAGER, "password": PASSWORD})
    assert response.status_code == 302, f"manager login failed: {response.status_code}"
    return client


def busiest_scenario() -> int:
    return db.session.scalar(text(
        "SELECT v.scenario_id FROM scenario_attempts a JOIN scenario_versions v ON v.id = a.version_id "
        "GROUP BY v.scenario_id ORDER BY count(*) DESC, v.scenario_id LIMIT 1"))


def measure(url: str, officers: int, runs: int, cpu: CpuClock | None = None,
            only: list[str] | None = None) -> list[dict]:
    app = make_app(url)
    with app.app_context():
        scenario_id = busiest_scenario()
        counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in
                  ("users", "cohorts", "enrolments", "lesson_progress", "quiz_attempts", "attendance",
                   "scenario_attempts")}
    print(f"\n== {officers} officers: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    client = login(app)
    header = f"{'page':26s} {'first ms':>9s} {'ms':>8s} {'floor ms':>9s} {'x floor':>8s} {'KB html':>8s}"
    print(header + (f" {'cpu ms':>8s} {'floor cpu':>9s} {'x floor':>8s}" if cpu else ""))
    results = []
    floors: dict[str, tuple[float, float]] = {}
    for page in pages(scenario_id):
        if only and page.label not in only:
            continue
        if page.floor not in floors:
            with app.app_context():
                connection = db.session.connection()
                # As the app's report queries run: no JIT compilation (database.py), and the report
                # pages' work_mem (config REPORTS_WORK_MEM) for sorts and hashes.
                connection.execute(text("SET LOCAL jit = off"))
                connection.execute(text(f"SET LOCAL work_mem = '{app.config.get('REPORTS_WORK_MEM') or '4MB'}'"))
                floors[page.floor] = median_ms(
                    lambda: connection.execute(text(page.floor), {"scenario": scenario_id}).all(), runs, cpu)[1:]
                db.session.remove()
        size = 0

        def get():
            nonlocal size
            response = client.get(page.path)
            assert response.status_code == 200, f"{page.path}: {response.status_code}"
            size = len(response.data)

        first, ms, cpu_ms = median_ms(get, runs, cpu)
        floor, floor_cpu = floors[page.floor]
        line = f"{page.label:26s} {first:9.0f} {ms:8.0f} {floor:9.0f} {ms / floor:8.1f} {size / 1024:8.0f}"
        if cpu:
            line += f" {cpu_ms:8.0f} {floor_cpu:9.0f} {cpu_ms / max(floor_cpu, 1):8.1f}"
        print(line, flush=True)
        results.append({"page": page.label, "first_ms": first, "ms": ms, "floor_ms": floor, "bytes": size,
                        "cpu_ms": cpu_ms, "floor_cpu_ms": floor_cpu})
    if only and "officers CSV" not in only:
        return results
    probe = export_probe(url, OFFICERS_CSV)
    print(f"officers CSV: first byte {probe['first_byte_ms']:.0f} ms, first row {probe['first_row_ms']:.0f} ms, "
          f"whole {probe['total_ms']:.0f} ms, "
          f"{probe['bytes'] / 1e6:.1f} MB, peak memory +{probe['peak_growth_mb']:.0f} MB", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    results.append({"page": "officers CSV", **probe})
    return results


def export_probe(url: str, path: str) -> dict:
    """Run one export in a fresh process (so its peak memory is its own) and read what it measured."""
    output = subprocess.run([sys.executable, __file__, "--probe", url, path], check=True, capture_output=True,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}).stdout
    return json.loads(output.strip().splitlines()[-1])


def probe(url: str, path: str) -> None:
    """In the child: warm up on a small page, then stream the export, timing its first chunk."""
    app = make_app(url)
    client = login(app)
    assert client.get("/reports/scenarios").status_code == 200  # imports, templates, pool: warm
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    size, lines, first_byte, first_row = 0, 0, None, None
    for chunk in response.response:
        if chunk and first_byte is None:
            first_byte = time.perf_counter()
        size, lines = size + len(chunk), lines + chunk.count(b"\n")
        if first_row is None and lines >= 2:
            first_row = time.perf_counter()  # the header line and one officer's row are out
    response.close()
    ended = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"first_byte_ms": ((first_byte or ended) - started) * 1000,
                      "first_row_ms": ((first_row or ended) - started) * 1000, "total_ms": (ended - started) * 1000,
                      "bytes": size, "peak_growth_mb": (peak - before) / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="timed repeats after the first request")
    parser.add_argument("--reseed", action="store_true", help="seed the databases again")
    parser.add_argument("--seed-only", action="store_true", help="seed (or check) the databases, time nothing")
    parser.add_argument("--drop", action="store_true", help="drop every cached benchmark database and exit")
    parser.add_argument("--no-migrate", action="store_true",
                        help="leave a cached database's schema as it is (to time an older checkout on it)")
    parser.add_argument("--postgres-admin-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--cpu", action="store_true",
                        help="also print CPU time (this process and its PostgreSQL backends; parallel query off)")
    parser.add_argument("--pages", nargs="+", metavar="PAGE",
                        help='time only these pages (labels as printed, e.g. overview "officers CSV")')
    parser.add_argument("--probe", nargs=2, metavar=("URL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cpu:  # before any connection: the app's, the floors' and the export probe's alike
        os.environ["PGOPTIONS"] = (os.environ.get("PGOPTIONS", "") + " -c max_parallel_workers_per_gather=0").strip()
    if args.probe:
        probe(*args.probe)
        return
    if args.drop:
        drop_databases(args.postgres_admin_url)
        return
    for officers in args.officers:
        url, seconds = ensure_database(args.postgres_admin_url, officers, args.seed, args.reseed,
                                        migrate=not args.no_migrate)
        if seconds is None:
            print(f"using the cached {database_name(officers, args.seed)}")
        if not args.seed_only:
            cpu = CpuClock(args.postgres_admin_url, database_name(officers, args.seed)) if args.cpu else None
            measure(url, officers, args.runs, cpu, args.pages)


if __name__ == "__main__":
    main()
