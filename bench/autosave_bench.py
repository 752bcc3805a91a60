"""Autosave cost: 100 trainees saving scenario answers through the real endpoint.

Run: .venv/bin/python bench/autosave_bench.py [--database postgresql://postgres@127.0.0.1:5432/bench]
Prints the time per save request and how many saves a second one worker can take, against
the load a cohort makes: the browser sends only changed tasks, at most once per 1.5 s of
typing, so 100 trainees typing at once make at most ~67 saves a second.
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainer import create_app  # noqa: E402
from trainer.config import PROJECT_ROOT  # noqa: E402
from trainer.extensions import db  # noqa: E402
from trainer.models import Scenario, User  # noqa: E402
from trainer.services import scenarios as casework  # noqa: E402

TRAINEES = 100
ROUNDS = 5
DEBOUNCE_SECONDS = 1.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        casework.load_scenarios(PROJECT_ROOT / "scenarios")
        scenario = db.session.scalar(db.select(Scenario).where(Scenario.slug == "heroin-border-crossing"))
        attempts = []
        for n in range(TRAINEES):
            user = User(email=f"t{n}@example.org", full_name=f"Trainee {n}", role="trainee")
            user.set_password("bench password")
            db.session.add(user)
            db.session.flush()
            attempts.append((user.email, casework.start_attempt(user, scenario).id))
        db.session.commit()

    clients = {}
    for email, _ in attempts:  # log in through the real form, as each browser would
        clients[email] = app.test_client()
        clients[email].post("/login", data={"email": email, "password": "bench password"})
    timings = []
    for round_number in range(ROUNDS):
        for email, attempt_id in attempts:
            client = clients[email]
            body = {"final-report": {"text": f"Draft {round_number}: " + "findings " * 200}}
            started = time.perf_counter()
            response = client.post(f"/scenario-attempts/{attempt_id}/save", data=json.dumps(body),
                                   headers={"Content-Type": "application/json"})
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)

    median_ms = statistics.median(timings) * 1000
    p95_ms = sorted(timings)[int(len(timings) * 0.95)] * 1000
    capacity = 1000 / median_ms
    demand = TRAINEES / DEBOUNCE_SECONDS
    print(f"database            {url.split(':')[0]}")
    print(f"save requests       {len(timings)} ({TRAINEES} trainees x {ROUNDS})")
    print(f"median / p95        {median_ms:.1f} ms / {p95_ms:.1f} ms")
    print(f"one worker takes    {capacity:.0f} saves/s")
    print(f"cohort worst case   {demand:.0f} saves/s (all {TRAINEES} typing, {DEBOUNCE_SECONDS}s debounce)")
    print(f"headroom            {capacity / demand:.1f}x for one worker")


if __name__ == "__main__":
    main()
