"""Report exports built by a background job: queued by a manager, built by the worker into a
file in JOBS_FILES_DIR, downloaded by their owner (or an administrator) once done.

A job writes its file under a temporary name and renames it into place only when the whole
file is written, so a failed or interrupted job never leaves half a file to download. Progress
is written on a connection of its own: the job's reading transaction (and the server-side
cursor it streams officers from) stays open while the page shows how far it got.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import User, utcnow
from ..models_exports import ExportJob

logger = logging.getLogger(__name__)

RECENT_JOBS = 20  # jobs listed on "My exports"
PROGRESS_EVERY_SECONDS = 1.0  # at most one progress write a second: the page polls every 2 s
PART_SUFFIX = ".part"
# No export runs this long (100 000 officers take minutes): one still running lost its worker.
ABANDONED_AFTER = timedelta(hours=3)
STRANDED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Built:
    """What a writer made: the rows it wrote, the download's name, and what the audit names."""

    rows: int
    file_name: str
    detail: dict


class Progress:
    """Reports how far a job got, at most once a second, on a connection of its own."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.written_at = 0.0
        self.percent = 0

    def __call__(self, percent: float, rows: int = 0, force: bool = False) -> None:
        percent = max(0, min(99, int(percent)))  # 100 is for a file in place
        now = time.monotonic()
        if not force and (percent == self.percent or now - self.written_at < PROGRESS_EVERY_SECONDS):
            return
        self.percent, self.written_at = percent, now
        with db.engine.begin() as connection:
            connection.execute(update(ExportJob).where(ExportJob.id == self.job_id)
                               .values(progress=percent, rows=rows))


Writer = Callable[[ExportJob, Path, Progress], Built]


def files_dir() -> Path:
    """Where finished export files wait for their download (made when missing)."""
    folder = Path(current_app.config["JOBS_FILES_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_path(job: ExportJob) -> Path:
    return files_dir() / job.stored_name


def new_export(owner: User, report: str, fmt: str, filters: dict, language: str) -> ExportJob:
    """A queued export job (the caller commits, then queues it)."""
    job = ExportJob(owner_id=owner.id, report=report, format=fmt, filters=dict(filters), language=language,
                    status="queued")
    db.session.add(job)
    db.session.flush()
    return job


def queue_again(job: ExportJob) -> None:
    """A failed job back in the queue, as it was first asked for (the caller commits, then queues it).
    It counts as asked for now, so its file is kept as long as a new export's."""
    job.status, job.progress, job.rows, job.error = "queued", 0, 0, None
    job.created_at, job.started_at, job.finished_at = utcnow(), None, None


def visible_job(job_id: int, user: User) -> ExportJob | None:
    """The job if this user may see it: its owner, or an administrator."""
    job = db.session.get(ExportJob, job_id)
    if job is None or (job.owner_id != user.id and user.role != "admin"):
        return None
    return job


def recent_jobs(user: User) -> list[ExportJob]:
    """The user's latest export jobs, newest first."""
    return list(db.session.scalars(select(ExportJob).where(ExportJob.owner_id == user.id)
                                   .order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(RECENT_JOBS)))


def run(job_id: int, writer: Writer) -> None:
    """Build a queued job's file with `writer` and put it in place; on any error mark the job
    failed with the reason and leave no file behind."""
    # Claimed in one statement: of two deliveries of the same job (a re-queued one), one runs.
    claimed = db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == "queued")
                                 .values(status="running", started_at=utcnow(), progress=0, rows=0))
    db.session.commit()
    if claimed.rowcount != 1:
        return  # deleted meanwhile, or already taken by another delivery of the same job
    job = db.session.get(ExportJob, job_id)
    target = file_path(job)
    part = target.with_name(f"{target.name}.{uuid.uuid4().hex}{PART_SUFFIX}")
    try:
        built = writer(job, part, Progress(job_id))
        os.replace(part, target)  # atomic: the download sees the old file or the whole new one
        failure = None
    except Exception as error:  # noqa: BLE001  any failure is the job's, shown to its owner
        logger.exception("export job %s failed", job_id)
        failure = f"{type(error).__name__}: {error}"[:2000]
    if failure is not None:
        # A stream that broke off may have left a cursor open on this connection (the traceback
        # keeps the writer's frames alive), and on SQLite an open cursor keeps reading an old
        # snapshot: the connection is closed instead of going back to the pool.
        db.session.connection().invalidate()
    db.session.rollback()  # end the reading transaction before writing the outcome
    job = db.session.get(ExportJob, job_id)
    if failure is not None:
        part.unlink(missing_ok=True)
        job.status, job.error, job.finished_at = "failed", failure, utcnow()
    else:
        job.status, job.progress, job.rows, job.finished_at = "done", 100, built.rows, utcnow()
        job.file_name, job.detail = built.file_name, built.detail
    db.session.commit()


def stranded_job_ids(now: datetime | None = None) -> list[int]:
    """Jobs still queued STRANDED_AFTER after they were asked for: their queue entry was never
    written or was lost, or the worker is far behind (running one twice is harmless: a job
    runs only while it is queued)."""
    cutoff = (now or datetime.now(timezone.utc)) - STRANDED_AFTER
    return list(db.session.scalars(select(ExportJob.id).where(ExportJob.status == "queued",
                                                              ExportJob.created_at < cutoff)))


def fail_abandoned(now: datetime | None = None) -> int:
    """Jobs still running long after they started lost their worker (stopped or restarted
    mid-way, taking the job with it): they are marked failed, so their owner can try again.
    Returns how many."""
    cutoff = (now or datetime.now(timezone.utc)) - ABANDONED_AFTER
    stale = list(db.session.scalars(select(ExportJob).where(ExportJob.status == "running",
                                                            ExportJob.started_at < cutoff)))
    for job in stale:
        job.status, job.finished_at = "failed", utcnow()
        job.error = "The worker stopped before the file was finished."
    db.session.commit()
    return len(stale)


def delete_expired(days: float, now: datetime | None = None) -> int:
    """Forget export jobs older than `days`, with their files, and any part file a worker that
    died mid-way left behind. Returns how many jobs went. A job being built stays (its worker is
    about to put its file in place; fail_abandoned ends one whose worker stopped)."""
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=days)
    old = list(db.session.scalars(select(ExportJob).where(ExportJob.created_at < cutoff,
                                                          ExportJob.status != "running")))
    folder = files_dir()
    for job in old:
        (folder / job.stored_name).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.commit()
    for part in folder.glob(f"*{PART_SUFFIX}"):
        if part.stat().st_mtime < cutoff.timestamp():
            part.unlink(missing_ok=True)
    return len(old)
