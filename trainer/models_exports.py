"""Report exports built in the background: who asked for what, and how far the job got."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import User, _in, utcnow


class ExportJob(db.Model):
    """A report export built by a background job (trainer/views/exports.py): its owner asked for
    `report` as `format` with these `filters` (URL arguments) in `language`. The worker moves it
    from queued to running to done (the file is then in JOBS_FILES_DIR, see `stored_name`) or
    failed (`error` says why; a failed job may be queued again). `progress` is 0-100 and `rows`
    the rows written so far; `detail` keeps what the download's audit entry names (tables,
    whether personal data is in it)."""

    STATUSES = ("queued", "running", "done", "failed")
    FORMATS = ("xlsx", "pdf")

    __tablename__ = "export_jobs"
    __table_args__ = (CheckConstraint(_in("status", STATUSES), name="status"),
                      CheckConstraint(_in("format", FORMATS), name="format"),
                      CheckConstraint("progress BETWEEN 0 AND 100", name="progress"))

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(10))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(10), default="en")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    rows: Mapped[int] = mapped_column(default=0)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    file_name: Mapped[str] = mapped_column(String(200), default="")  # the name the download is saved under
    error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[Optional[datetime]]
    finished_at: Mapped[Optional[datetime]]

    owner: Mapped[User] = relationship()

    @property
    def stored_name(self) -> str:
        """The file's name in JOBS_FILES_DIR (the download is saved under `file_name`)."""
        return f"export-{self.id}.{self.format}"
