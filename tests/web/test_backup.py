"""Durability: SQLite in WAL mode with a busy timeout; `flask backup` and `flask restore` round trips."""
import sqlite3
from contextlib import ExitStack

import pytest
from sqlalchemy import select, text

from conftest import PASSWORD, make_config, own_database
from trainer import create_app
from trainer.extensions import db
from trainer.models import User
from trainer.seed import seed_programme
from trainer.services import create_user


@pytest.fixture
def new_database_url(backend, tmp_path):
    """Make empty databases of their own (files for SQLite, new databases for PostgreSQL)."""
    with ExitStack() as databases:
        yield lambda: databases.enter_context(own_database(backend, tmp_path, "backup"))


def every_row() -> dict[str, list[tuple]]:
    """Each table's rows in primary-key order (all columns for tables without one)."""
    tables = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        tables[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
    db.session.rollback()
    return tables


def flask(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def refused(result, *phrases):
    """The command failed with a message naming the problem, and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "Error:" in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output
    return result.output


# --- SQLite settings on every connection --------------------------------------------------------------

def test_a_file_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.sqlite3'}",
                                 SQLITE_BUSY_TIMEOUT_SECONDS=12))
    with app.app_context():
        first, second = db.engine.connect(), db.engine.connect()  # two pooled connections, each set up
        for connection in (first, second):
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 12000
        first.close(), second.close()
        db.engine.dispose()
    # WAL is a property of the file: another program opening it sees it too.
    outside = sqlite3.connect(tmp_path / "app.sqlite3")
    assert outside.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    outside.close()


def test_the_busy_timeout_defaults_to_fifteen_seconds_and_memory_databases_still_work(tmp_path):
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    with app.app_context():
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        db.engine.dispose()
    memory = create_app(make_config(SQLALCHEMY_DATABASE_URI="sqlite://"))
    with memory.app_context():  # an in-memory database cannot use WAL and is left alone
        db.create_all()
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"


# --- backup and restore -------------------------------------------------------------------------------

def test_backup_restores_into_a_fresh_database_row_for_row(backend, new_database_url, tmp_path):
    source = create_app(make_config(SQLALCHEMY_DATABASE_URI=new_database_url()))
    backup_file = tmp_path / f"programme.{backend}.backup"
    with source.app_context():
        db.create_all()
        seed_programme(12, 11)  # users, cohorts, courses, enrolments, quiz and scenario attempts...
        create_user("admin@example.org", "Admin", PASSWORD, role="admin")
        db.session.commit()
        made = flask(source, "backup", str(backup_file))
        assert made.exit_code == 0 and "Backed up" in made.output, made.output
        expected = every_row()
        db.engine.dispose()
    assert sum(map(len, expected.values())) > 400
    assert all(expected[name] for name in ("users", "courses", "enrolments", "quiz_attempts", "scenario_attempts"))

    target = create_app(make_config(SQLALCHEMY_DATABASE_URI=new_database_url()))
    with target.app_context():
        restored = flask(target, "restore", str(backup_file))  # an empty database needs no --yes
        assert restored.exit_code == 0 and "Restored" in restored.output, restored.output
        assert every_row() == expected
        # The restored database takes new records (PostgreSQL's id sequences came back too).
        create_user("new.officer@example.org", "New Officer", PASSWORD)
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        assert admin.check_password(PASSWORD)

        # Now it holds data: a restore says what it would replace and waits for --yes.
        output = refused(flask(target, "restore", str(backup_file)), "--yes", "users", "replaces all of it")
        assert db.session.scalar(select(User).where(User.email == "new.officer@example.org")) is not None, output
        db.session.rollback()

        confirmed = flask(target, "restore", str(backup_file), "--yes")
        assert confirmed.exit_code == 0, confirmed.output
        assert every_row() == expected  # the account made after the backup is gone again
        db.engine.dispose()


def test_backup_refuses_to_overwrite_a_file_or_to_write_into_a_missing_folder(backend, new_database_url, tmp_path):
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=new_database_url()))
    existing = tmp_path / "yesterday.backup"
    existing.write_bytes(b"yesterday's backup")
    with app.app_context():
        db.create_all()
        refused(flask(app, "backup", str(existing)), "already exists")
        refused(flask(app, "backup", str(tmp_path / "missing" / "today.backup")), "is not a folder")
        db.engine.dispose()
    assert existing.read_bytes() == b"yesterday's backup"
    assert [path.name for path in tmp_path.iterdir() if "partial" in path.name] == []


def test_restore_explains_a_missing_wrong_or_damaged_file(backend, new_database_url, tmp_path):
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=new_database_url()))
    text_file = tmp_path / "notes.txt"
    text_file.write_text("user,email\n")
    other_kind = tmp_path / "other.backup"
    if backend == "sqlite":
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(200))
        damaged = tmp_path / "damaged.sqlite3"
        damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
        damaged_message = "damaged.sqlite3"
    else:
        sqlite3.connect(other_kind).execute("CREATE TABLE t (x)").connection.close()
        damaged = tmp_path / "damaged.dump"
        damaged.write_bytes(b"PGDMP" + b"\x01\x0e\x00\x04\x08\x01\x01" + b"\x00" * 50)
        damaged_message = "pg_restore failed"
    with app.app_context():
        refused(flask(app, "restore", str(tmp_path / "nowhere.backup")), "does not exist")
        refused(flask(app, "restore", str(text_file)), "neither a SQLite database nor a pg_dump")
        expected = "a pg_dump custom-format file" if backend == "sqlite" else "a SQLite database file"
        refused(flask(app, "restore", str(other_kind)), f"is {expected}", "restores only from")
        refused(flask(app, "restore", str(damaged), "--yes"), damaged_message)
        db.engine.dispose()


def test_an_in_memory_database_has_nothing_to_back_up(tmp_path):
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI="sqlite://"))
    with app.app_context():
        refused(flask(app, "backup", str(tmp_path / "memory.backup")), "in memory")
