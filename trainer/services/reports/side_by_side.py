"""Independent parts of one report page computed at the same time, from one snapshot of the data.

The overview's parts (people figures, attendance, knowledge gain, the monthly trend), and
completion's (the status counts, the page of officers, their number), read the same tables and
none needs another's result. On PostgreSQL each part runs in its own thread, in its own
transaction on its own connection, so the server works on them side by side: the page takes about
as long as its slowest part, or its parts' total shared among the cores, rather than their sum
(measured in bench/README.md). Every part reads the same data: the request's transaction exports its snapshot
(`pg_export_snapshot()`) and each part's REPEATABLE READ transaction imports it (`SET TRANSACTION
SNAPSHOT`), so the figures of a page agree with each other exactly as if one transaction had
computed them all, whatever is written meanwhile. A page of parts of much the same size (the
overview's) runs them without PostgreSQL's own parallel query, whose workers on top of the parts
outnumbered the cores and made it slower; a page with one large part (completion's officers)
keeps it (both measured in bench/README.md). Elsewhere (SQLite, whose writers and readers
share one file) or with REPORTS_PARTS_IN_PARALLEL off, the parts run one after the other in the
request's own transaction.

Such a page holds one pooled connection per part besides the request's own (five for the
overview). gunicorn's default sync workers serve one request at a time, well within the pool's
5 + 10 connections per process; a threaded worker serving several overviews at once needs a
larger pool (SQLALCHEMY_ENGINE_OPTIONS pool_size), or the parts off.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import copy_current_request_context, current_app, has_request_context
from sqlalchemy import text

from ...extensions import db
from .common import _dialect, prepare_reading

T = TypeVar("T")
SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")  # what pg_export_snapshot() returns


def side_by_side(parts: dict[str, Callable[[], T]], parallel_query: bool = True) -> dict[str, T]:
    """{name: part()} for every part, computed at the same time where the database allows it;
    parallel_query=False: each part's statements without PostgreSQL's parallel workers."""
    app = current_app._get_current_object()
    if (len(parts) < 2 or _dialect() != "postgresql" or not has_request_context()
            or not app.config.get("REPORTS_PARTS_IN_PARALLEL", True)):
        return {name: part() for name, part in parts.items()}
    snapshot = db.session.scalar(text("SELECT pg_export_snapshot()"))
    if not SNAPSHOT_ID.match(snapshot or ""):  # it goes into a statement as a literal
        raise RuntimeError(f"unexpected snapshot id from PostgreSQL: {snapshot!r}")
    work_mem = app.config.get("REPORTS_WORK_MEM")

    def in_the_snapshot(part: Callable[[], T]) -> T:
        # A copy of the request's context: the reader's language and time zone as in the request,
        # and (Flask-SQLAlchemy scopes sessions by context) a session and connection of its own.
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        db.session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        db.session.execute(text("SET TRANSACTION READ ONLY"))
        prepare_reading(work_mem)
        if not parallel_query:
            db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        try:
            return part()
        finally:
            db.session.rollback()

    # The request's transaction, which exported the snapshot, stays open (idle) until every part
    # has imported it and finished.
    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="report-part") as pool:
        futures = {name: pool.submit(copy_current_request_context(in_the_snapshot), part)
                   for name, part in parts.items()}
        return {name: future.result() for name, future in futures.items()}
