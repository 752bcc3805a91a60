"""The background jobs' queue: a job runs in an app context, from each kind of queue, in a worker."""
from __future__ import annotations

import time

import pytest
from huey import MemoryHuey, RedisHuey, SqliteHuey

from conftest import make_config
from trainer import create_app
from trainer.extensions import db
from trainer.jobs import JobQueue, consumer_for, huey_for, run_queued_jobs
from trainer.models import Agency


def queue_that_adds_agencies() -> JobQueue:
    queue = JobQueue()

    @queue.task("test.add_agency")
    def add_agency(name: str) -> None:
        db.session.add(Agency(name=name, country="KG"))
        db.session.commit()

    return queue


def agency_names(app) -> set[str]:
    with app.app_context():
        return {agency.name for agency in db.session.scalars(db.select(Agency))}


def test_a_queued_job_waits_until_a_worker_runs_it_and_then_uses_the_database(app):
    queue = queue_that_adds_agencies()
    queue.init_app(app)
    with app.app_context():
        queue.enqueue("test.add_agency", "State Border Guard Service")
    assert agency_names(app) == set()
    assert run_queued_jobs(app) == 1
    assert agency_names(app) == {"State Border Guard Service"}
    assert run_queued_jobs(app) == 0


@pytest.mark.parametrize(("url", "kind"), [("", SqliteHuey), ("memory://", MemoryHuey),
                                           ("redis://127.0.0.1:6379/0", RedisHuey)])
def test_the_setting_chooses_where_the_queue_lives(url, kind, tmp_path):
    huey = huey_for({"JOBS_URL": url, "JOBS_SQLITE_FILE": str(tmp_path / "new-instance" / "jobs.sqlite3")})
    assert isinstance(huey, kind)


def test_the_embedded_worker_runs_jobs_queued_by_another_process_in_the_sqlite_queue(tmp_path):
    """What run.py does: the web process queues into the SQLite file, the worker thread runs it."""
    settings = make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.sqlite3'}", JOBS_URL="",
                           JOBS_SQLITE_FILE=str(tmp_path / "jobs.sqlite3"))
    web, worker_app = create_app(settings), create_app(settings)
    with web.app_context():
        db.create_all()
    for application in (web, worker_app):
        queue_that_adds_agencies().init_app(application)
    with web.app_context():
        queue = queue_that_adds_agencies()
        queue.enqueue("test.add_agency", "Drug Control Agency")
    worker = consumer_for(worker_app, workers=1, embedded=True)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while "Drug Control Agency" not in agency_names(web) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop(graceful=True)
    assert agency_names(web) == {"Drug Control Agency"}


def test_flask_worker_burst_runs_what_is_queued_and_says_how_many(tmp_path):
    settings = make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.sqlite3'}", JOBS_URL="",
                           JOBS_SQLITE_FILE=str(tmp_path / "jobs.sqlite3"))
    application = create_app(settings)
    with application.app_context():
        db.create_all()
    queue_that_adds_agencies().init_app(application)
    with application.app_context():
        for name in ("Customs", "Police"):
            queue_that_adds_agencies().enqueue("test.add_agency", name)
    worker_app = create_app(settings)
    queue_that_adds_agencies().init_app(worker_app)
    result = worker_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "2 job(s) run" in result.output
    assert agency_names(application) == {"Customs", "Police"}
