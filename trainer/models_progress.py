"""The progress read model of the programme reports (services/progress_summary.py keeps it)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class ProgressSummary(db.Model):
    """The progress read model: one row per officer and course they enrolled on (kind "course") or
    scenario they attempted (kind "scenario", any version), holding the moments its report status
    turns on, so reports count rows instead of deriving each status from lessons, tests,
    certificates and attempts.

    Kept in the same transaction as the writes that change it (services/progress_summary.py);
    `flask reports rebuild` computes it again from those tables. Moments, not statuses, so the
    status at the end of any period is still exact.
    """

    __tablename__ = "progress_summary"
    __table_args__ = (CheckConstraint("kind IN ('course', 'scenario')", name="kind"),
                      Index("ix_progress_summary_kind_item_id", "kind", "item_id"))

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)  # a course id or a scenario id
    started_at: Mapped[datetime]  # enrolled; the first attempt started
    lessons_done_at: Mapped[Optional[datetime]]  # the last of the course's active lessons done
    completed_at: Mapped[Optional[datetime]]  # the enrolment's completion
    issued_at: Mapped[Optional[datetime]]  # the certificate
    submitted_at: Mapped[Optional[datetime]]  # the first attempt submitted
    passed_at: Mapped[Optional[datetime]]  # the first attempt passed (its submission)
