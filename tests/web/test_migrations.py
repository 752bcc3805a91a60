"""Schema changes go through Alembic, and upgrading keeps existing rows."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import text

from trainer.config import PROJECT_ROOT
from trainer.extensions import db

FIRST_REVISION = "0001"


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_migrations_build_exactly_the_models_schema(fresh_app):
    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == [], "models changed without a migration: run `flask db migrate`"


def test_upgrade_from_the_first_revision_keeps_rows(fresh_app):
    assert revisions_oldest_first()[0] == FIRST_REVISION
    with fresh_app.app_context():
        upgrade(revision=FIRST_REVISION)
        # Rows written with the first revision's columns, as an old installation has them.
        db.session.execute(text(
            "INSERT INTO agencies (id, name, short_name, country, created_at) "
            "VALUES (1, 'State Border Guards Service', 'SBGS', 'KG', CURRENT_TIMESTAMP)"))
        db.session.execute(text(
            "INSERT INTO users (id, email, full_name, password_hash, role, agency_id, country, rank, "
            "gender, language, active, created_at) VALUES (7, 'old@example.org', 'Old Officer', 'x', "
            "'trainee', 1, 'KG', 'Major', 'female', 'ru', TRUE, CURRENT_TIMESTAMP)"))
        db.session.commit()
        upgrade()
        upgrade()  # run.py upgrades on every start: a second run must change nothing
        row = db.session.execute(text(
            "SELECT u.email, u.full_name, a.name FROM users u JOIN agencies a ON a.id = u.agency_id")).one()
    assert tuple(row) == ("old@example.org", "Old Officer", "State Border Guards Service")
