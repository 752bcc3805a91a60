"""Shared fixtures: app (on SQLite and PostgreSQL), client, runner, auth, make_user."""
from __future__ import annotations

import copy
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import sqlalchemy
from flask import template_rendered
from sqlalchemy import func, select
from sqlalchemy.pool import StaticPool
from werkzeug.routing.rules import Rule

from sample_scenario import write_scenario
from trainer import create_app
from trainer.config import TestConfig
from trainer.extensions import db
from trainer.models import Agency, User
from trainer.services.scenarios import load_scenarios

PASSWORD = "correct horse battery staple"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# TEST_DATABASES=sqlite runs the database tests on SQLite only (quick local runs); the
# README's test command and CI run both.
BACKENDS = os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")


def _remember_url_builders() -> None:
    """Build each route's URL-building function once per test process instead of once per app.

    The suite makes an app for nearly every test, and werkzeug compiles two functions per route
    (about 150 routes) from a syntax tree each time: a third of `create_app`'s time. The function
    depends only on the rule's parsed parts and defaults (it reaches its converters through the
    rule passed in as `self`), so the same parts give the same code.
    """
    compile_builder = Rule._compile_builder
    built: dict = {}

    def remembered(rule: Rule, append_unknown: bool = True):
        defaults = rule.defaults or {}
        if any(is_dynamic and data in defaults for is_dynamic, data in rule._trace):
            return compile_builder(rule, append_unknown)  # a default folded into the code
        key = (rule.rule, tuple(rule._trace), tuple(sorted(defaults, key=str)), append_unknown)
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    Rule._compile_builder = remembered


_remember_url_builders()


def _remember_checked_courses() -> None:
    """Read and check each course folder once per test process while its files are unchanged.

    Checking the shipped courses takes a second or two (YAML with line numbers, Markdown, every
    cross-reference) and dozens of tests load them into a database of their own. The check is
    a function of the files: the key is the folder's path and every file's bytes, so a test
    that writes or breaks a course is checked afresh. Each caller gets its own copy.
    """
    from trainer.services import content

    check_courses = content.check_courses
    checked: dict = {}

    def remembered(root):
        root = Path(root)
        if not root.is_dir():
            return check_courses(root)
        key = (str(root.resolve()), content.folder_digest(root))
        if key not in checked:
            checked[key] = check_courses(root)
        return copy.deepcopy(checked[key])

    content.check_courses = remembered


_remember_checked_courses()


def make_config(**overrides) -> type[TestConfig]:
    """A TestConfig subclass with some settings changed."""
    return type("CustomTestConfig", (TestConfig,), overrides)


@contextmanager
def own_database(backend: str, folder: Path, label: str) -> Iterator[str]:
    """The URL of an empty database of its own: a SQLite file in `folder`, or a new PostgreSQL
    database dropped (its connections closed) when the block ends."""
    name = f"trainer_{label}_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        yield f"sqlite:///{folder / (name + '.sqlite3')}"
        return
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    with own_database("postgresql", tmp_path_factory.getbasetemp(), "test") as url:
        yield url


def database_url_for(request, backend: str) -> str:
    return request.getfixturevalue("postgres_url") if backend == "postgresql" else "sqlite://"


@pytest.fixture
def scenario_root(tmp_path):
    """A scenario folder holding the format's example (id alay-road, a template)."""
    write_scenario(tmp_path / "scenarios")
    return tmp_path / "scenarios"


@pytest.fixture
def example_scenario_config(request, backend, scenario_root, tmp_path):
    """App settings for tests of the example scenario: its folder, and no courses."""
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend),
            "CONTENT_SCENARIOS_DIR": str(scenario_root), "CONTENT_COURSES_DIR": str(tmp_path / "no-courses")}


@pytest.fixture
def example_loaded(app, scenario_root):
    """The example scenario loaded as shipped content (owned by nobody)."""
    with app.app_context():
        load_scenarios(scenario_root)
        db.session.commit()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Each database test runs once per backend."""
    return request.param


@pytest.fixture
def app_config(request, backend):
    """Settings for the `app` fixture; a test adds to them with indirect parametrisation."""
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), **getattr(request, "param", {})}


_SCHEMAS_READY: set[str] = set()


@pytest.fixture
def app(app_config):
    """The application with empty tables.

    No app context is held during the test: each request gets its own, as in production,
    and tests look at the database through the `database` fixture. PostgreSQL keeps one
    schema per run and empties it after each test (much faster than dropping 30 tables).
    """
    application = create_app(make_config(**app_config))
    url = app_config["SQLALCHEMY_DATABASE_URI"]
    shared = url.startswith("postgresql")
    with application.app_context():
        if url == "sqlite://":
            copy_empty_schema(db.engine)
        elif not shared or url not in _SCHEMAS_READY:
            db.create_all()
            _SCHEMAS_READY.add(url)
    yield application
    with application.app_context():
        db.session.remove()
        if shared:
            empty_tables(db.engine)
        elif url != "sqlite://":
            db.drop_all()
        db.engine.dispose()  # an in-memory database goes with its only connection


def empty_tables(engine) -> None:
    """Delete every row and start every id sequence at 1 again.

    Not TRUNCATE: it gives each of the ~35 tables new files, about 200 ms a test even when
    the test wrote three rows; deleting the few rows a test leaves takes a few milliseconds.
    Foreign keys are not checked while deleting (`session_replication_role`, a superuser's
    setting, as the test server's postgres user is): some go both ways (a scenario's current
    version). Without that right, TRUNCATE does it as before.
    """
    tables = [f'"{table.name}"' for table in db.metadata.sorted_tables]
    try:
        with engine.begin() as connection:
            sequences = connection.exec_driver_sql(
                "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name) FROM information_schema.sequences"
            ).scalars().all()
            connection.exec_driver_sql("; ".join(
                ["SET LOCAL session_replication_role = replica"] + [f"DELETE FROM {table}" for table in tables]
                + [f"SELECT setval('{sequence}', 1, false)" for sequence in sequences]))
    except sqlalchemy.exc.ProgrammingError:  # not a superuser
        with engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


_EMPTY_SCHEMA: list[sqlite3.Connection] = []


def copy_empty_schema(engine) -> None:
    """Give an in-memory SQLite database every table by copying a schema made once per process.

    `create_all` takes longer than most tests (some 35 tables with their indexes and constraints);
    SQLite's backup API copies the finished empty database page by page in well under a
    millisecond, with exactly what `create_all` would have made.
    """
    if not _EMPTY_SCHEMA:
        template = sqlite3.connect(":memory:", check_same_thread=False)
        with sqlalchemy.create_engine("sqlite://", creator=lambda: template, poolclass=StaticPool).begin() as connection:
            db.metadata.create_all(connection)
        _EMPTY_SCHEMA.append(template)
    with engine.connect() as connection:
        _EMPTY_SCHEMA[0].backup(connection.connection.driver_connection)


@pytest.fixture
def run_jobs(app):
    """Run the background jobs queued so far (tests queue them in memory); returns how many ran."""
    from trainer.jobs import run_queued_jobs

    return lambda: run_queued_jobs(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Database:
    """Reads and writes rows in a context of their own, like an independent observer."""

    def __init__(self, app):
        self.app = app

    def add(self, *rows):
        """Insert rows and return them detached, with their columns loaded."""
        with self.app.app_context():
            db.session.add_all(rows)
            db.session.commit()
            for row in rows:
                db.session.refresh(row)
            db.session.expunge_all()
        return rows[0] if len(rows) == 1 else rows

    def get(self, model, row_id):
        with self.app.app_context():
            row = db.session.get(model, row_id)
            db.session.expunge_all()
            return row

    def scalar(self, statement):
        with self.app.app_context():
            value = db.session.scalar(statement)
            db.session.expunge_all()
            return value

    def count(self, model) -> int:
        return self.scalar(select(func.count()).select_from(model))

    def update(self, model, row_id, **values):
        with self.app.app_context():
            row = db.session.get(model, row_id)
            for name, value in values.items():
                setattr(row, name, value)
            db.session.commit()


@pytest.fixture
def database(app) -> Database:
    return Database(app)


@pytest.fixture
def make_agency(database):
    """Create an agency."""

    def make(name: str = "Ministry of Internal Affairs", country: str = "KG", short_name: str = "") -> Agency:
        return database.add(Agency(name=name, country=country, short_name=short_name))

    return make


@pytest.fixture
def make_user(database, faker):
    """Create a user whose password is PASSWORD."""

    def make(role: str = "trainee", email: str | None = None, **fields) -> User:
        user = User(
            email=email or f"{role}.{faker.unique.user_name()}@example.org",
            full_name=fields.pop("full_name", faker.name()),
            role=role,
            **fields,
        )
        with database.app.app_context():  # the app's (fast, test) hashing method
            user.set_password(PASSWORD)
        return database.add(user)

    return make


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@contextmanager
def templates_drawn(app, name: str) -> Iterator[list[str]]:
    """A list that grows by one each time the template `name` is rendered inside the block."""
    drawn: list[str] = []

    def count(_sender, template, **_extra):
        if template.name == name:
            drawn.append(name)

    template_rendered.connect(count, app)
    try:
        yield drawn
    finally:
        template_rendered.disconnect(count, app)


def without_tokens(page: str) -> str:
    """A page with its CSRF tokens blanked: they carry the second they were signed in."""
    return re.sub(r'(name="csrf_token"[^>]*value=|data-csrf=)"[^"]*"', r'\1""', page)


def csrf_token(client, path: str = "/") -> str:
    """Read a CSRF token from a page, as a browser would have it."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post_form(client, path: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD, **kwargs):
        email = getattr(user_or_email, "email", user_or_email)
        return post_form(self.client, "/login", {"email": email, "password": password}, **kwargs)

    def logout(self):
        return post_form(self.client, "/logout")


def logged_in(app, user_or_email, password: str = PASSWORD):
    """A test client of its own, logged in (for fixtures that keep a client per person)."""
    client = app.test_client()
    response = AuthActions(client).login(user_or_email, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def fresh_database_url(backend, tmp_path):
    """An empty database of its own (a file for SQLite, a new database for PostgreSQL)."""
    with own_database(backend, tmp_path, "fresh") as url:
        yield url


@pytest.fixture
def fresh_app(fresh_database_url):
    """An application on an empty database with no tables: for migrations and first run."""
    application = create_app(make_config(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    yield application
    with application.app_context():
        db.engine.dispose()
