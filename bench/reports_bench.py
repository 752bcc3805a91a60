"""Report speed at programme scale: seed 10 000 officers, time every report page and export.

Run: .venv/bin/python bench/reports_bench.py [--officers 10000] [--runs 3] [--sqlite-only]
     [--postgres-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Seeds a temporary SQLite file and a fresh PostgreSQL database (dropped at the end), logs in as
a manager through the real form, and prints for each page and export the first request and the
median of the next runs, against a floor: one hand-written SQL aggregate over the same tables
(course completions by country and gender), timed on the same connection pool.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402
from trainer.models import Scenario  # noqa: E402
from trainer.seed import analyse_tables, seed_programme  # noqa: E402
from trainer.services import create_user  # noqa: E402

PASSWORD = "bench manager password"
FLOOR_SQL = """
    SELECT COALESCE(u.country, g.country) AS country, COALESCE(u.gender, 'not_recorded') AS gender,
           count(*) AS enrolments, sum(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS completed
    FROM enrolments e JOIN users u ON u.id = e.user_id LEFT JOIN agencies g ON g.id = u.agency_id
    WHERE u.role = 'trainee'
    GROUP BY COALESCE(u.country, g.country), COALESCE(u.gender, 'not_recorded')
"""


def requests(scenario_id: int) -> list[tuple[str, str]]:
    """(label, path) of every report page and export."""
    pages = [
        ("page overview", "/reports/"),
        ("page overview, KG women 2025", "/reports/?country=KG&gender=female&from=2025-01-01&to=2025-12-31"),
        ("page completion", "/reports/completion"),
        ("page completion, page 100", "/reports/completion?page=100"),
        ("page attendance", "/reports/attendance"),
        ("page knowledge gain", "/reports/knowledge-gain"),
        ("page scenarios", "/reports/scenarios"),
        ("page scenario tasks + items", f"/reports/scenarios?scenario={scenario_id}"),
        ("page disaggregation", "/reports/disaggregation"),
        ("print overview", "/reports/overview/print"),
        ("pdf overview", "/reports/overview.pdf"),
    ]
    exports = [(f"xlsx {report}", f"/reports/{report}/export.xlsx") for report in
               ("overview", "attendance", "knowledge-gain", "disaggregation")]
    exports += [
        ("xlsx scenarios (one scenario)", f"/reports/scenarios/export.xlsx?scenario={scenario_id}"),
        ("xlsx completion (every officer row)", "/reports/completion/export.xlsx"),
        ("csv completion by agency", "/reports/completion/export.csv?table=by_agency"),
        ("csv completion officers", "/reports/completion/export.csv?table=officers"),
        ("csv attendance sessions", "/reports/attendance/export.csv?table=sessions"),
        ("csv disaggregation agency x gender", "/reports/disaggregation/export.csv?table=by_agency_gender"),
    ]
    return pages + exports


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def run_backend(name: str, url: str, officers: int, runs: int) -> list[tuple[str, float, float]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        seconds = timed(lambda: (seed_programme(officers, 1), db.session.commit())) / 1000
        analyse_tables()
        create_user("bench.manager@example.org", "Bench Manager", PASSWORD, role="manager")
        db.session.commit()
        counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in
                  ("users", "enrolments", "lesson_progress", "quiz_attempts", "attendance", "scenario_attempts")}
        scenario_id = db.session.scalar(text(
            "SELECT v.scenario_id FROM scenario_attempts s JOIN scenario_versions v ON v.id = s.version_id "
            "GROUP BY v.scenario_id ORDER BY count(*) DESC")) or db.session.scalar(db.select(Scenario.id))
        floor = [timed(lambda: db.session.execute(text(FLOOR_SQL)).all()) for _ in range(runs + 1)]
    print(f"\n== {name}: seeded {officers} officers in {seconds:.0f} s  "
          + ", ".join(f"{table} {count}" for table, count in counts.items()))
    client = app.test_client()
    response = client.post("/login", data={"email": "bench.manager@example.org", "password": PASSWORD})
    assert response.status_code == 302, "manager login failed"
    floor_ms = statistics.median(floor[1:])
    print(f"{'floor: hand-written SQL aggregate':44s} {floor[0]:9.0f} {floor_ms:9.1f}")
    print(f"{'request':44s} {'first ms':>9s} {'median ms':>9s} {'x floor':>8s} {'bytes':>9s}")
    results = [("floor SQL", floor[0], floor_ms)]
    for label, path in requests(scenario_id):
        samples, size = [], 0
        for _ in range(runs + 1):
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, f"{path}: {response.status_code}"
            size = len(response.data)
        median = statistics.median(samples[1:]) if runs else samples[0]
        print(f"{label:44s} {samples[0]:9.0f} {median:9.0f} {median / floor_ms:8.0f} {size:9d}")
        results.append((label, samples[0], median))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="timed repeats after the first request")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run_backend("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.officers, args.runs)
    if args.sqlite_only:
        return
    name = f"trainer_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.postgres_admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        base = args.postgres_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        run_backend("PostgreSQL", f"{base}/{name}", args.officers, args.runs)
    finally:
        with psycopg.connect(args.postgres_admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
