"""The data tab in the browser at 10 000 rows: how long filtering and grouping take (target < 100 ms
each, issue 13) and how many bytes the workspace sends before and when the tab is opened.

The shipped data scenario (scenarios/courier-network-data.yml) with its call records generated at
10 000 rows instead of 3 000 is served from a thread on a throw-away SQLite database; Debian's
Chromium (Playwright, as tests/browser) logs in as the demo trainee, opens an attempt and, for each
operation, times in the page the change event and the drawing it runs (the table or the groups
and their bar chart, layout included), several times, printing the median and the slowest run.

Run: .venv/bin/python bench/data_tab_bench.py [--runs 7] [--rows 10000]
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="data-tab-bench-"))
os.environ.update(TRAINER_INSTANCE_DIR=str(WORK / "instance"), DATABASE_URL=f"sqlite:///{WORK / 'bench.sqlite3'}",
                  SECRET_KEY="data tab bench", TRAINER_SCENARIOS_DIR=str(WORK / "scenarios"),
                  TRAINER_COURSES_DIR=str(WORK / "courses"), LOGIN_RATE_LIMIT="1000 per minute")
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from trainer import create_app  # noqa: E402
from trainer.cli import prepare_platform  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "data tab bench password"
TARGET_MS = 100.0
# One operation: set a control's value, fire its event, force layout; the time it took (ms).
TIMED = """([selector, value, event]) => {
  const control = document.querySelector(selector);
  const start = performance.now();
  control.value = value;
  control.dispatchEvent(new Event(event, { bubbles: true }));
  document.body.offsetHeight;  // layout of what was drawn
  return performance.now() - start;
}"""
WIDGET = "[data-datasets]"


def serve(rows: int):
    (WORK / "scenarios").mkdir(parents=True)
    (WORK / "courses").mkdir()
    source = (ROOT / "scenarios" / "courier-network-data.yml").read_text()
    (WORK / "scenarios" / "courier-network-data.yml").write_text(source.replace("rows: 3000", f"rows: {rows}", 1))
    app = create_app()
    with app.app_context():
        prepare_platform(demo_password=PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def transferred(page, pattern: str = "") -> int:
    """Bytes over the wire (compressed) of the page and every resource whose URL matches."""
    return int(page.evaluate("""pattern => performance.getEntries()
      .filter(e => (e.entryType === 'navigation' || e.entryType === 'resource') && e.name.match(pattern))
      .reduce((sum, e) => sum + e.transferSize, 0)""", pattern))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    server, base = serve(args.rows)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(base_url=base, viewport={"width": 1366, "height": 768}).new_page()
        page.goto("/login")
        page.get_by_label("Email").fill("trainee@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/scenarios/courier-network-data")
        page.locator('form[action$="/start"] button').click()
        page.wait_for_url(re.compile(r"/scenario-attempts/\d+$"))
        page.wait_for_load_state("networkidle")
        workspace = transferred(page)
        page.locator('[role="tab"][data-tab="_data"]').click()
        page.locator(f"{WIDGET} [data-data-count]").filter(has_text=f"of {args.rows}").wait_for()
        data = transferred(page, "/data$")
        caller = page.evaluate(f"document.querySelector('{WIDGET} tbody td:nth-child(3)').textContent")
        operations = [
            ("filter: called number", '[data-filter="2"]', caller, "input"),
            ("filter: duration >300", '[data-filter="3"]', ">300", "input"),
            ("search every column", "[data-data-search]", caller[-6:], "input"),
            ("group by calling number", "[data-data-group]", "1", "change"),
            ("group by day (histogram)", "[data-data-group]", "day:0", "change"),
            ("group by caller, then callee", "[data-data-group2]", "2", "change"),
        ]
        clear = {"input": "", "change": ""}
        print(f"Data tab, {args.rows} call records, Chromium {browser.version}, {args.runs} runs each; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a busy machine slows every figure)")
        print(f"{'operation':32} {'median ms':>10} {'slowest':>8}  target < {TARGET_MS:.0f} ms")
        for name, selector, value, event in operations:
            if name.startswith("group by caller, then"):
                page.evaluate(TIMED, [f"{WIDGET} [data-data-group]", "1", "change"])
            times = []
            for _ in range(args.runs):
                times.append(page.evaluate(TIMED, [f"{WIDGET} {selector}", value, event]))
                page.evaluate(TIMED, [f"{WIDGET} {selector}", clear[event], event])
            if name.startswith("group by caller, then"):
                page.evaluate(TIMED, [f"{WIDGET} [data-data-group]", "", "change"])
            verdict = "ok" if statistics.median(times) < TARGET_MS else "OVER"
            print(f"{name:32} {statistics.median(times):10.1f} {max(times):8.1f}  {verdict}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        print(f"workspace page and its files, data tab closed: {workspace / 1000:.1f} KB transferred")
        print(f"the rows, fetched when the data tab is opened: {data / 1000:.1f} KB transferred")
        browser.close()
    server.shutdown()
    shutil.rmtree(WORK, ignore_errors=True)  # the throw-away database and scenario


if __name__ == "__main__":
    main()
