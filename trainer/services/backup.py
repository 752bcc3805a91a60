"""Back up and restore the whole database: SQLite by its online backup API, PostgreSQL by pg_dump.

A SQLite backup is itself a SQLite database (open it with `sqlite3 FILE`); a PostgreSQL
backup is pg_dump's custom format (list it with `pg_restore --list FILE`). Each backend
restores only its own kind of file.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL, Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
KINDS = {"sqlite": "a SQLite database file", "postgresql": "a pg_dump custom-format file"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int


def describe(url: URL) -> str:
    """The database for people to read: a file path, or host/name without the password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True).replace(f"{url.drivername}://", "postgresql://", 1)


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the whole database to `target` (a new file)."""
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder: create it first")
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name or remove it first")
    partial = target.with_name(target.name + ".partial")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(_sqlite_path(engine.url), partial)
        elif engine.dialect.name == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"], engine.url, "pg_dump")
        else:
            raise BackupError(f"backups of {engine.dialect.name} databases are not supported")
        partial.replace(target)  # never a half-written file under the chosen name
    finally:
        partial.unlink(missing_ok=True)


def restore(engine: Engine, source: Path) -> None:
    """Replace the whole database with the backup in `source`.

    The caller disposes of the engine's pooled connections before (so none holds a lock or
    a stale schema) and decides whether replacing existing data is allowed.
    """
    source = Path(source)
    backend = check_source(engine, source)
    if backend == "sqlite":
        _sqlite_restore(source, _sqlite_path(engine.url))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", str(source)], engine.url, "pg_restore", dbname_flag=True)


def check_source(engine: Engine, source: Path) -> str:
    """Raise unless `source` is a backup this database can restore; return the backend name."""
    kind = file_kind(source)
    backend = engine.dialect.name
    if backend not in KINDS:
        raise BackupError(f"restoring {backend} databases is not supported")
    if kind != backend:
        found = KINDS.get(kind, "neither a SQLite database nor a pg_dump custom-format file")
        raise BackupError(f"{source} is {found}; this {backend} database restores only from {KINDS[backend]}")
    if backend == "sqlite":
        _sqlite_path(engine.url)
    return backend


def file_kind(path: Path) -> str:
    """"sqlite", "postgresql" or "unknown", from the file's first bytes."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return "unknown"


def row_counts(engine: Engine) -> list[TableCount]:
    """Rows in each table of the database that has any (the data a restore would replace)."""
    counts = []
    with engine.connect() as connection:
        inspector = inspect(connection)
        for name in sorted(inspector.get_table_names()):
            if name == "alembic_version":
                continue
            rows = connection.scalar(select(func.count()).select_from(table(name)))
            if rows:
                counts.append(TableCount(name, rows))
    return counts


# --- SQLite --------------------------------------------------------------------------------------

def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
        raise BackupError("the database is in memory: there is nothing on disk to back up or restore")
    return Path(url.database)


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.exists():
        raise BackupError(f"the database file {database} does not exist")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # page by page, consistent even while the app writes
        # One self-contained file: no -wal or -shm beside it when it is copied elsewhere.
        destination.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {database}: {error}") from error
    finally:
        destination.close()
        source.close()


def _sqlite_restore(source: Path, database: Path) -> None:
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(database, timeout=30)
    try:
        problem = backup_file.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"{source} is a damaged SQLite file ({problem}); nothing was restored")
        backup_file.backup(target)  # replaces every page of the target in one step
    except sqlite3.DatabaseError as error:
        raise BackupError(f"SQLite could not restore from {source}: {error}") from error
    finally:
        target.close()
        backup_file.close()


# --- PostgreSQL ----------------------------------------------------------------------------------

def _run(command: list[str], url: URL, tool: str, dbname_flag: bool = False) -> None:
    """Run a PostgreSQL client tool against `url`; the password travels in the environment."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    libpq = url.set(drivername="postgresql", password=None)
    conninfo = libpq.render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    command = [*command, f"--dbname={conninfo}"] if dbname_flag else [*command, conninfo]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = "\n".join(result.stderr.strip().splitlines()[-5:]) or f"exit status {result.returncode}"
        raise BackupError(f"{tool} failed:\n{detail}")
