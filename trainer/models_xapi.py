"""Learning records (xAPI): each statement kept beside the event that made it, and its delivery."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import utcnow


class XapiStatement(db.Model):
    """A statement, written in the same transaction as its event (so it exists if the event does),
    downloadable by managers and, when an LRS is configured, waiting here until the LRS took it."""

    __tablename__ = "xapi_statements"
    __table_args__ = (Index("ix_xapi_statements_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the statement's own UUID
    # The officer the statement is about (the trainer is its actor for a review): the download's
    # cohort filter reads it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    verb: Mapped[str] = mapped_column(String(200))
    statement: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[Optional[datetime]]
    attempts: Mapped[int] = mapped_column(default=0)  # failed deliveries so far
    next_attempt_at: Mapped[Optional[datetime]]  # after a failure: not before then (backoff)
    last_error: Mapped[str] = mapped_column(Text, default="")
