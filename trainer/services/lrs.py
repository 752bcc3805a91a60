"""Sending the outbox's xAPI statements to a partner's LRS, from the background job queue.

When TRAINER_XAPI_ENDPOINT is set, every commit that recorded statements queues the job
"xapi.send", and the sweep "xapi.sweep" runs every minute for whatever is still waiting. Both
POST the waiting statements in batches to `{endpoint}/statements` (Basic auth,
X-Experience-API-Version: 1.0.3):
- 200 or 204: the batch is stored; its statements are marked sent and never sent again.
- 409 Conflict: the LRS has one of those ids already (an earlier send whose answer was lost).
  An LRS refuses the whole batch then, so each statement is sent alone, and a 409 for a single
  statement means it is there: sent. A 400 is split the same way, so one statement the LRS
  refuses does not hold back the rest.
- anything else (the LRS down, a timeout, a 5xx): the statements stay, with the error, and wait
  twice as long after each failure (XAPI_RETRY_SECONDS, 2x, 4x... up to a day) before the next
  try. Nothing is ever dropped, and the statement ids are stable, so an LRS never keeps two copies.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app, has_app_context
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from ..domain.xapi import XAPI_VERSION
from ..extensions import db
from ..jobs import jobs
from ..models import utcnow
from ..models_xapi import XapiStatement
from .learning_records import RECORDED

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15
MAX_BACKOFF_SECONDS = 24 * 3600
STORED = (200, 204)
SPLIT = (400, 409)  # a batch refused for one statement's sake: send them one by one


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


def configured() -> bool:
    return bool(current_app.config.get("XAPI_ENDPOINT"))


@event.listens_for(Session, "after_commit")
def _queue_sending(session: Session) -> None:
    """Statements were committed: have the worker send them (if an LRS is configured)."""
    if session.info.pop(RECORDED, False) and has_app_context() and configured():
        jobs.enqueue("xapi.send")


@jobs.task("xapi.send")
def send_job() -> None:
    send_pending()


@jobs.periodic("xapi.sweep", minute="*")
def sweep_job() -> None:
    if configured():
        send_pending()


def send_pending(now: datetime | None = None) -> Delivery:
    """Send what is due, batch after batch, until nothing is due or the LRS fails us."""
    if not configured():
        return Delivery(0, 0)
    now = now or utcnow()
    size = int(current_app.config.get("XAPI_BATCH_SIZE") or 50)
    sent = failed = 0
    with requests.Session() as http:
        http.auth = (current_app.config.get("XAPI_USERNAME") or "", current_app.config.get("XAPI_PASSWORD") or "")
        http.headers.update({"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json"})
        while True:
            # Two workers (the queued job and the sweep) never take the same rows on PostgreSQL.
            batch = list(db.session.scalars(
                select(XapiStatement).where(XapiStatement.sent_at.is_(None),
                                            or_(XapiStatement.next_attempt_at.is_(None),
                                                XapiStatement.next_attempt_at <= now))
                .order_by(XapiStatement.created_at, XapiStatement.id).limit(size)
                .with_for_update(skip_locked=True)))
            if not batch:
                break
            errors = _deliver(http, batch)
            for row in batch:
                if row.id in errors:
                    row.attempts += 1
                    row.last_error = errors[row.id][:1000]
                    row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
                else:
                    row.sent_at, row.last_error = utcnow(), ""
            db.session.commit()
            sent += len(batch) - len(errors)
            failed += len(errors)
            if errors:
                logger.warning("xAPI: %d statement(s) not taken by the LRS: %s", len(errors),
                               next(iter(errors.values())))
                break  # the rest wait for the next sweep rather than meet the same trouble
    return Delivery(sent, failed)


def backoff_seconds(attempts: int) -> float:
    """How long a statement waits after its `attempts`-th failure."""
    base = float(current_app.config.get("XAPI_RETRY_SECONDS") or 60)
    # The doubling stops at a day; the exponent is capped too, as a float overflows past 2 ** 1023.
    return min(base * 2.0 ** min(attempts - 1, 64), MAX_BACKOFF_SECONDS)


def _deliver(http: requests.Session, batch: list[XapiStatement]) -> dict[str, str]:
    """POST the batch; returns {statement id: why it was not taken} (empty: all taken)."""
    status, error = _post(http, [row.statement for row in batch])
    if status in STORED:
        return {}
    if status in SPLIT and len(batch) > 1:
        errors = {}
        for row in batch:
            single, reason = _post(http, [row.statement])
            if single not in STORED and single != 409:  # 409 alone: the LRS has this very id
                errors[row.id] = reason
        return errors
    if status == 409:
        return {}
    return {row.id: error for row in batch}


def _post(http: requests.Session, statements: list[dict]) -> tuple[int | None, str]:
    url = current_app.config["XAPI_ENDPOINT"].rstrip("/") + "/statements"
    try:
        response = http.post(url, json=statements, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"
    return response.status_code, f"HTTP {response.status_code}: {response.text[:300]}"
