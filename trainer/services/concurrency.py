"""Writing attempts safely when one trainee's saves, submit and double clicks overlap.

Why a version column (SQLAlchemy's `version_id_col`) and not the alternatives:

- Row locks (`SELECT ... FOR UPDATE`) do nothing on SQLite, which small installations use.
- One row per task answer would make every score and report read a join instead of the
  attempt's JSON.
- A version column works the same on both databases: every UPDATE of an attempt says
  `WHERE id = :id AND row_version = :seen` and bumps it. A save that read the attempt before
  another save (or the submit) committed updates no row, SQLAlchemy raises StaleDataError,
  and we roll back and run the whole read-merge-write again on fresh data. The submit bumps
  the version too, so a save racing it either commits first (and is scored) or retries, sees
  the attempt submitted and is refused: "no save after submit" holds in the submit's own
  transaction without a lock.

Starting is made idempotent by unique indexes (see models.py): insert in a SAVEPOINT, and on
IntegrityError return the row the other request inserted.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db

T = TypeVar("T")
RETRIES = 8


class Contended(RuntimeError):
    """The attempt kept changing under us: the caller answers 503 and the browser retries."""


def commit_with_retry(work: Callable[[], T], retries: int = RETRIES) -> T:
    """Run `work` (read, change) and commit; on a concurrent update roll back and run it again.

    `work` must read what it changes inside itself: after a rollback every loaded row is
    expired, so attribute access reads the committed state afresh.
    """
    for round_ in range(retries):
        try:
            result = work()
            db.session.commit()
            return result
        except StaleDataError:
            db.session.rollback()
            time.sleep(random.uniform(0, 0.01 * (round_ + 1)))  # spread the retries of a burst
        except Exception:
            db.session.rollback()
            raise
    raise Contended("the attempt changed too often while saving")


def insert_or_existing(row: T, existing: Callable[[], T | None]) -> T:
    """Insert `row` unless a unique index says another request just did; then return theirs."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = existing()
        if found is None:  # the conflict was something else: let it surface
            raise
        return found
    return row
