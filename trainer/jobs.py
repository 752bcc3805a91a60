"""Background jobs on Huey: what must not hold up a request (large exports, sending learning
records to a partner's LRS) runs in a worker.

Where the queue lives is one setting, TRAINER_JOBS_URL:
- empty (the default): a SQLite file in the instance folder, so the embedded platform needs
  nothing else to start; `python run.py` runs a worker in its own process (threads);
- ``redis://host:6379/0``: Redis, for production beside gunicorn, with `flask worker` running;
- ``memory://``: in the process, for tests (they run what is queued with `run_queued_jobs`).

Jobs are plain functions registered by name with `@jobs.task("name")`; each runs inside an
application context of the app whose queue it was taken from, so it can use the database like a
view. A job is queued only after the request's transaction committed what it needs.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

logger = logging.getLogger(__name__)


@dataclass
class _Registered:
    function: Callable
    retries: int = 0
    retry_delay: int = 0
    retry_backoff: float | None = None  # each retry waits this many times longer
    schedule: dict | None = None  # crontab fields, for periodic jobs


@dataclass
class JobQueue:
    """The registry of job functions, bound to each app's Huey instance by `init_app`."""

    registered: dict[str, _Registered] = field(default_factory=dict)

    def task(self, name: str, *, retries: int = 0, retry_delay: int = 0, retry_backoff: float | None = None):
        """Register a job function under a stable name (queued jobs refer to it by name)."""
        def register(function: Callable) -> Callable:
            self.registered[name] = _Registered(function, retries, retry_delay, retry_backoff)
            return function
        return register

    def periodic(self, name: str, **schedule: str):
        """Register a job the worker runs on a schedule (crontab fields: minute="*/1", ...)."""
        def register(function: Callable) -> Callable:
            self.registered[name] = _Registered(function, schedule=schedule)
            return function
        return register

    def init_app(self, app: Flask) -> None:
        huey = huey_for(app.config)
        tasks = {}
        for name, entry in self.registered.items():
            runner = _in_app_context(app, entry.function)
            if entry.schedule is not None:
                tasks[name] = huey.periodic_task(crontab(**entry.schedule), name=name)(runner)
            else:
                tasks[name] = huey.task(name=name, retries=entry.retries, retry_delay=entry.retry_delay,
                                          retry_backoff=entry.retry_backoff)(runner)
        app.extensions["jobs"] = huey
        app.extensions["job_tasks"] = tasks

    def enqueue(self, name: str, *args, delay: int | None = None) -> bool:
        """Queue the job `name` with these arguments (plain values: ids, not objects).

        False when the queue cannot be reached (Redis down, the SQLite file locked): what the
        request committed stays committed and the user gets their page, not a 500; every queued
        kind of work is picked up again by a periodic sweep (exports, learning records)."""
        task = current_app.extensions["job_tasks"][name]
        try:
            if delay:
                task.schedule(args=args, delay=delay)
            else:
                task(*args)
        except Exception:  # noqa: BLE001  any storage failure: logged, the sweep catches up
            logger.exception("could not queue job %s%s", name, args)
            return False
        return True


def _in_app_context(app: Flask, function: Callable) -> Callable:
    def run(*args, **kwargs):
        with app.app_context():
            return function(*args, **kwargs)
    run.__name__ = run.__qualname__ = function.__name__
    run.__module__ = function.__module__
    return run


def huey_for(config) -> MemoryHuey | RedisHuey | SqliteHuey:
    """The Huey instance the settings ask for (see the module's docstring)."""
    url = config.get("JOBS_URL") or ""
    name = "trainer"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url == "memory://":
        return MemoryHuey(name, results=False)
    filename = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else config["JOBS_SQLITE_FILE"]
    Path(filename).parent.mkdir(parents=True, exist_ok=True)  # a fresh instance folder may not exist yet
    return SqliteHuey(name, filename=filename, results=False)


class EmbeddedConsumer(Consumer):
    """A worker inside another program (run.py): it leaves Ctrl+C and signals to its host."""

    def _set_signal_handlers(self) -> None:
        pass


def consumer_for(app: Flask, workers: int, embedded: bool = False) -> Consumer:
    consumer_class = EmbeddedConsumer if embedded else Consumer
    # Ctrl+C on run.py waits a few seconds for a running job, not for a whole large export (one cut
    # short is marked failed later and can be tried again); `flask worker` finishes what it runs.
    return consumer_class(app.extensions["jobs"], workers=workers, worker_type="thread", periodic=True,
                          check_worker_health=not embedded, shutdown_timeout=5 if embedded else None)


def run_queued_jobs(app: Flask) -> int:
    """Run every job queued so far, in this thread (tests; `flask worker --burst`). Returns how many."""
    huey = app.extensions["jobs"]
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


jobs = JobQueue()
