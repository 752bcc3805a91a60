"""Per-connection database settings the app applies itself, whatever created the connection."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event
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
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite" and not _in_memory(engine):
            _listen(engine, timeout_ms)


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
