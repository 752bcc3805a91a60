"""CPU time and SQL statements per trainee page, in-process: the load bench's pages without the load.

    .venv/bin/python bench/page_cpu_bench.py [--officers 300] [--batches 20] [--batch 10]
                                             [--profile "scenario result"]

The load bench (`load_bench.py`) measures what a class of officers sees, but its figures move
with everything else the machine is doing. This one asks for each page with Flask's test client
as one logged-in bench trainee and prints the CPU time of a request (`time.process_time`, the
minimum over `--batches` batches of `--batch` requests, so other processes' work inflates it
least), the SQL statements it runs, and its ratio to the bare endpoint's CPU time: the same
pages, the same bare endpoint and the same seeded programme as `load_bench.py`. It does not
include the gunicorn worker's own work (parsing HTTP, writing the socket) or waiting for the
database server; `load_bench.py` does.

`--profile PAGE` prints where that page's time goes (cProfile, cumulative, trainer's own code
and the libraries it calls). The result and workspace pages keep their rendered body per
attempt state (trainer/fragments.py), so asking again for an unchanged attempt measures a
reopening; `--no-fragments` measures them drawn in full, as after every change.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent), str(BENCH_DIR)]

import load_bench  # noqa: E402


def requester(client, method: str, path: str, body: dict | None, csrf: str):
    """A request as the browser sends it (compression accepted; the CSRF header on the autosave)."""
    headers = {"Accept-Encoding": load_bench.BROWSER_ENCODINGS}
    if method == "POST":
        return lambda: client.post(path, json=body, headers={**headers, "X-CSRFToken": csrf})
    return lambda: client.get(path, headers=headers)


def measure(ask, batches: int, batch: int, statements: list[int]) -> tuple[float, int]:
    """(minimum CPU ms per request over the batches, SQL statements of one request)."""
    response = ask()
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    before = statements[0]
    ask()
    per_request = statements[0] - before
    best = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for _ in range(batch):
            ask()
        best = min(best, (time.process_time() - started) / batch)
    return best * 1000, per_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--profile", help="print a profile of this page (a name from the table)")
    parser.add_argument("--no-fragments", action="store_true",
                        help="draw every page in full (FRAGMENT_CACHE off): the cost of a first view")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="page-cpu-bench-"))
    url = f"sqlite:///{work / 'bench.sqlite3'}"
    # As load_bench.py's server has it (the instance folder is read when trainer is imported).
    os.environ.update({key: value for key, value in load_bench.environment(url, work / "instance").items()
                       if key != "PYTHONPATH"})
    started = time.perf_counter()
    load_bench.prepare(url, args.officers, 1, work / "accounts.json")
    print(f"prepared {args.officers} officers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    account = json.loads((work / "accounts.json").read_text())[0]

    from sqlalchemy import event

    from bench_app import create_bench_app
    from trainer.extensions import db

    app = create_bench_app()
    if args.no_fragments:
        app.extensions.pop("fragments", None)
    statements = [0]
    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def count(*_args):
            statements[0] += 1

    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": account["email"], "password": load_bench.PASSWORD,
                                           "csrf_token": load_bench.CSRF_FIELD.search(login).group(1)})
    assert response.status_code == 302, "the bench trainee could not log in"
    csrf = load_bench.CSRF_DATA.search(client.get(account["workspace"]).get_data(as_text=True)).group(1)
    pages = {page: load_bench.page_request(page, account) for page in load_bench.PAGES}

    if args.profile:
        ask = requester(client, *pages[args.profile], csrf)
        ask()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.batch * 5):
            ask()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return

    results = {name: measure(requester(client, method, path, body, csrf), args.batches, args.batch, statements)
               for name, (method, path, body) in pages.items()}
    bare = results["bare endpoint"][0]
    kept = "drawn in full every time" if args.no_fragments else "kept fragments on"
    print(f"\nCPU per request, in-process, {args.officers} officers, minimum of {args.batches} batches of "
          f"{args.batch}, {kept}\n")
    print("| page | statements | CPU ms | × bare (requests/s) |")
    print("|---|---:|---:|---:|")
    for name, (cpu, sql) in results.items():
        print(f"| {name} | {sql} | {cpu:.2f} | {bare / cpu:.2f} |")


if __name__ == "__main__":
    main()
