"""Report workbooks at programme scale: the XLSX export job on the benchmark's cached databases.

Run:  .venv/bin/python bench/export_bench.py [--officers 100000] [--report completion] [--tracemalloc]
      [--postgres-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Uses the PostgreSQL databases that bench/reports_bench.py seeds and keeps
(`trainer_reports_bench_<officers>_s<seed>`; seeded here the same way when missing, which takes
long at 100 000). In a fresh child process, so that its peak memory is its own: a manager presses
"Export XLSX" on the report (the POST that queues the job, in an in-memory queue), then the job
runs in the same process, as the worker would, while a thread samples the progress the job page
would show. Printed: how long the POST took (the request never waits for the file), how long the
job ran, rows written, the file's size, the progress seen, and the growth of the process's peak
memory (RSS) during the job; with `--tracemalloc`, also the peak of Python's own allocations
(slower: every allocation is traced). Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports_bench import (MANAGER, PASSWORD, SETTINGS, database_name, ensure_database,  # noqa: E402
                           seed_fingerprint)

from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402


def probe(url: str, report: str, trace: bool) -> None:
    """In the child: queue the export through the page's POST, run the job, measure it."""
    from trainer.jobs import run_queued_jobs
    from trainer.models_exports import ExportJob

    files = tempfile.mkdtemp(prefix="export-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **SETTINGS, "JOBS_URL": "memory://", "JOBS_FILES_DIR": files})
    client = app.test_client()
    assert client.post("/login", data={"email": MANAGER, "password": PASSWORD}).status_code == 302
    assert client.get("/reports/scenarios").status_code == 200  # imports, templates, pool: warm
    started = time.perf_counter()
    response = client.post(f"/reports/exports/{report}.xlsx")
    assert response.status_code == 302, response.status_code
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post_ms = (time.perf_counter() - started) * 1000

    seen: list[tuple[float, int, int]] = []
    done = threading.Event()

    def watch() -> None:  # what the job page's polling would read, every 2 s
        while not done.wait(2):
            state = client.get(f"/reports/exports/{job_id}/progress").get_json()
            seen.append((time.perf_counter() - started, state["progress"], state["rows"]))

    watcher = threading.Thread(target=watch, daemon=True)
    if trace:
        tracemalloc.start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job_started = time.perf_counter()
    watcher.start()
    assert run_queued_jobs(app) == 1
    job_seconds = time.perf_counter() - job_started
    done.set()
    watcher.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.status == "done", job.error
        size = (Path(files) / job.stored_name).stat().st_size
        rows = job.rows
    print(json.dumps({"post_ms": post_ms, "job_s": job_seconds, "rows": rows, "bytes": size,
                      "peak_growth_mb": (peak - before) / 1024, "peak_rss_mb": peak / 1024,
                      "traced_peak_mb": traced / 2**20 if traced is not None else None,
                      "progress": [(round(t, 1), p, r) for t, p, r in seen]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", default="completion", help="the report to export (completion streams officers)")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python's allocations (slower)")
    parser.add_argument("--no-migrate", action="store_true", help="leave a cached database's schema as it is")
    parser.add_argument("--postgres-admin-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--probe", nargs=3, metavar=("URL", "REPORT", "TRACE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe[0], args.probe[1], args.probe[2] == "1")
        return
    for officers in args.officers:
        url, seconds = ensure_database(args.postgres_admin_url, officers, args.seed, reseed=False,
                                        migrate=not args.no_migrate)
        if seconds is None:
            print(f"using the cached {database_name(officers, args.seed)} (trainer/seed.py {seed_fingerprint()})")
        output = subprocess.run([sys.executable, __file__, "--probe", url, args.report, "1" if args.tracemalloc else "0"],
                                check=True, capture_output=True, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"}).stdout
        result = json.loads(output.strip().splitlines()[-1])
        traced = f", Python allocations peak {result['traced_peak_mb']:.0f} MB" if result["traced_peak_mb"] else ""
        print(f"{officers} officers, {args.report} XLSX: POST {result['post_ms']:.0f} ms, job {result['job_s']:.1f} s, "
              f"{result['rows']} rows, {result['bytes'] / 1e6:.1f} MB, peak memory +{result['peak_growth_mb']:.0f} MB "
              f"(process peak {result['peak_rss_mb']:.0f} MB){traced}", flush=True)
        print("progress seen (s, %, rows): " + ", ".join(f"{t} {p}% {r}" for t, p, r in result["progress"]))
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
