"""Per-connection database settings the app applies itself, whatever created the connection."""
from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine

from .extensions import db


def register_database(app: Flask) -> None:
    """Put every file-backed SQLite connection in WAL mode with a busy timeout.

    WAL lets readers carry on while one writer commits, and the busy timeout makes a writer
    wait for the lock instead of failing at once with "database is locked": both matter when
    several workers serve a cohort from one SQLite file. Foreign keys stay off on SQLite:
    batch migrations rebuild tables by dropping and re-creating them, which with
    `foreign_keys=ON` would cascade or fail; PostgreSQL enforces them in production.
    """
    timeout_ms = int(float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 15)) * 1000)
    idle_seconds = float(app.config.get("DATABASE_PING_AFTER_IDLE_SECONDS", 30))
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            if not _in_memory(engine):
                _listen(engine, timeout_ms)
        else:
            ping_after_idle(engine, idle_seconds)
            without_jit(engine)


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only if it sat idle for `idle_seconds` or more.

    `pool_pre_ping` would send a round trip before every request. Connections in steady use
    are alive, and the ones that die are the idle ones (a firewall or proxy dropping quiet
    connections, a database restarted overnight): those are pinged, and a dead one is
    replaced before the request sees it (raising DisconnectionError makes the pool connect
    again). A connection that dies while in steady use fails one request; SQLAlchemy then
    discards the pool's other connections to that server too, so the next request reconnects.
    `pool_recycle` (config) replaces every connection after an hour in any case.
    """
    @event.listens_for(engine, "checkin")
    def remember_when(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # fresh, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any driver error: this connection is gone
            raise exc.DisconnectionError(f"pooled connection died while idle: {error}") from error


def without_jit(engine: Engine) -> None:
    """Turn PostgreSQL's JIT compilation off on every connection of the app.

    The planner compiles a query once its estimated cost passes `jit_above_cost`, which the
    report queries do at tens of thousands of officers; compiling them took 1 to 3 seconds
    (measured with bench/reports_bench.py), several times what running them takes. The app
    runs no query long enough for compiled code to win that back.
    """
    @event.listens_for(engine, "connect")
    def set_jit_off(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def _in_memory(engine: Engine) -> bool:
    database = engine.url.database
    return not database or database == ":memory:" or "mode=memory" in str(engine.url)


def _listen(engine: Engine, timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def set_sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()


def vacuum_analyse(*tables: str) -> None:
    """VACUUM ANALYZE some tables (or the whole database) on PostgreSQL, after a bulk load or a
    rebuild that replaced their rows: fresh planner statistics, the visibility map that
    index-only scans need, and the replaced rows' space free for the next rebuild, now rather
    than whenever autovacuum comes by (never, on a server where it is switched off: a report
    then reads every dead row of every rebuild). Nothing on SQLite. The caller commits first:
    VACUUM runs outside a transaction, on a connection of its own."""
    if db.engine.dialect.name != "postgresql":
        return
    if not all(table.isidentifier() for table in tables):  # names go into the statement
        raise ValueError(f"not table names: {tables!r}")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE {', '.join(tables)}".strip()))
