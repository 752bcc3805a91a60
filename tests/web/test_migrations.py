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


def test_attempts_scored_before_rule_versions_stay_on_version_1(fresh_app):
    from datetime import datetime, timezone

    from trainer.domain.scoring import CURRENT_RULES
    from trainer.models import ScenarioAttempt

    with fresh_app.app_context():
        upgrade(revision="0009")
        # A scored attempt and an open one, as an installation of 0009 holds them.
        for statement in (
            "INSERT INTO users (id, email, full_name, password_hash, role, country, rank, gender, language, "
            "active, created_at, session_token) VALUES (7, 'old@example.org', 'Old Officer', 'x', 'trainee', "
            "'KG', 'Major', 'female', 'ru', TRUE, CURRENT_TIMESTAMP, 'token-of-an-old-officer')",
            "INSERT INTO scenarios (id, slug, title, summary, language, estimated_minutes, is_template, active, "
            "filename, work) VALUES (1, 'old-case', 'Old case', '', 'en', 30, FALSE, TRUE, '', 'old-case')",
            "INSERT INTO scenario_versions (id, scenario_id, number, declared_version, source, sha256, created_at) "
            "VALUES (1, 1, 1, 1, 'id: old-case', 'abc', CURRENT_TIMESTAMP)",
            "INSERT INTO scenario_attempts (id, user_id, version_id, status, responses, started_at, submitted_at, "
            "total_percent, result) VALUES (1, 7, 1, 'passed', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 82.5, "
            "'{\"total_percent\": 82.5}')",
            "INSERT INTO scenario_attempts (id, user_id, version_id, status, responses, started_at) "
            "VALUES (2, 7, 1, 'in_progress', '{}', CURRENT_TIMESTAMP)",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("SELECT id, rule_version, total_percent FROM scenario_attempts ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, 1, 82.5), (2, 1, None)]
        # New attempts take the current rules.
        attempt = ScenarioAttempt(id=3, user_id=7, version_id=1, responses={}, live_exercise_id=None,
                                  submitted_at=datetime.now(timezone.utc))  # not a second open one
        db.session.add(attempt)
        db.session.flush()
        assert attempt.rule_version == CURRENT_RULES
        db.session.rollback()


def test_certificates_issued_before_badges_get_a_salt_each_and_stay_valid(fresh_app):
    with fresh_app.app_context():
        upgrade(revision="0010")
        for statement in (
            "INSERT INTO users (id, email, full_name, password_hash, role, country, rank, gender, language, "
            "active, created_at, session_token) VALUES (7, 'old@example.org', 'Old Officer', 'x', 'trainee', "
            "'KG', 'Major', 'female', 'ru', TRUE, CURRENT_TIMESTAMP, 'token-of-an-old-officer')",
            "INSERT INTO courses (id, slug, title, summary, language, topic, work, version, estimated_minutes, "
            "pass_mark, settings, folder, active, loaded_at) VALUES (1, 'ilp', 'ILP', '', 'en', 'ilp', 'ilp', 1, 90, "
            "70, '{}', 'ilp', TRUE, CURRENT_TIMESTAMP)",
            "INSERT INTO courses (id, slug, title, summary, language, topic, work, version, estimated_minutes, "
            "pass_mark, settings, folder, active, loaded_at) VALUES (2, 'ilp-ru', 'ПДОДИ', '', 'ru', 'ilp', 'ilp', 1, "
            "90, 70, '{}', 'ilp-ru', TRUE, CURRENT_TIMESTAMP)",
            "INSERT INTO certificates (id, code, user_id, course_id, issued_at, holder_name, agency_name, "
            "course_title, hours) VALUES (1, 'AAAA-BBBB-CCCC', 7, 1, CURRENT_TIMESTAMP, 'Old Officer', '', 'ILP', 1.5)",
            "INSERT INTO certificates (id, code, user_id, course_id, issued_at, holder_name, agency_name, "
            "course_title, hours) VALUES (2, 'DDDD-EEEE-FFFF', 7, 2, CURRENT_TIMESTAMP, 'Old Officer', '', 'ПДОДИ', 1.5)",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        rows = db.session.execute(text(
            "SELECT code, recipient_salt, revoked_at, revocation_reason FROM certificates ORDER BY id")).all()
    assert [(code, revoked, reason) for code, _, revoked, reason in rows] == [
        ("AAAA-BBBB-CCCC", None, ""), ("DDDD-EEEE-FFFF", None, "")]
    salts = [salt for _, salt, _, _ in rows]
    assert len(set(salts)) == 2 and all(len(salt) == 32 and int(salt, 16) >= 0 for salt in salts)


def test_results_stored_before_item_marks_get_the_marks_scoring_writes_now(fresh_app):
    import json

    from trainer.domain.scoring import answer_key_marks

    # One scored attempt as an installation of 0022 holds it: a platform-worded label (a message),
    # an authored one, points above the maximum, an item worth nothing (a link not in the key), a pending written report
    # with rubric marks, and a task with no items; and an attempt still open (no result).
    result = {"total_percent": 62.5, "tasks": [
        {"task_id": "evaluate", "type": "grade", "score": 0.75, "items": [
            {"item_id": "R1", "label": {"msgid": "Source of %(report)s", "params": {"report": "R1"}},
             "points": 1.5, "max_points": 2.0},
            {"item_id": "R2", "label": "Информатор «Сокол»", "points": 0, "max_points": 1},
            {"item_id": "R3", "label": "Over the top", "points": 3, "max_points": 2}]},
        {"task_id": "links", "type": "link_chart", "score": 0.5, "items": [
            {"item_id": "P1|P2", "label": "P1 – P2", "points": 1, "max_points": 1},
            {"item_id": "P1|P9", "label": "P1 – P9 (not in the key)", "points": 0, "max_points": 0}]},
        {"task_id": "final-report", "type": "report", "score": 0.0, "pending": True, "items": [
            {"item_id": "C1", "label": "Clarity", "points": 3, "max_points": 4}]},
        {"task_id": "decisions", "type": "decision", "score": 0.0, "items": []}]}
    with fresh_app.app_context():
        upgrade(revision="0022")
        for statement, values in (
            ("INSERT INTO users (id, email, full_name, password_hash, role, country, rank, gender, language, "
             "active, created_at, session_token) VALUES (7, 'old@example.org', 'Old Officer', 'x', 'trainee', "
             "'KG', 'Major', 'female', 'ru', TRUE, CURRENT_TIMESTAMP, 'token-of-an-old-officer')", {}),
            ("INSERT INTO scenarios (id, slug, title, summary, language, estimated_minutes, is_template, active, "
             "filename, work) VALUES (1, 'old-case', 'Old case', '', 'en', 30, FALSE, TRUE, '', 'old-case')", {}),
            ("INSERT INTO scenario_versions (id, scenario_id, number, declared_version, source, sha256, created_at) "
             "VALUES (1, 1, 1, 1, 'id: old-case', 'abc', CURRENT_TIMESTAMP)", {}),
            ("INSERT INTO scenario_attempts (id, user_id, version_id, status, responses, started_at, submitted_at, "
             "total_percent, result) VALUES (1, 7, 1, 'failed', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 62.5, "
             ":result)", {"result": json.dumps(result, ensure_ascii=False)}),
            ("INSERT INTO scenario_attempts (id, user_id, version_id, status, responses, started_at) "
             "VALUES (2, 7, 1, 'in_progress', '{}', CURRENT_TIMESTAMP)", {}),
        ):
            db.session.execute(text(statement), values)
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("SELECT attempt_id, position, task_id, item_id, label, points, max_points "
                                       "FROM scenario_item_marks ORDER BY id")).all()

    def readable(label):  # a message's JSON, however the database spaced it, compares as its value
        return json.loads(label) if label and label.startswith("{") else label

    migrated = [(attempt, position, task, item, readable(label), points, top)
                for attempt, position, task, item, label, points, top in rows]
    assert migrated == [(1, m["position"], m["task_id"], m["item_id"], readable(m["label"]), m["points"],
                         m["max_points"]) for m in answer_key_marks(result)]
    assert [(position, item, points) for _, position, _, item, _, points, _ in migrated] == [
        (0, "R1", 1.5), (0, "R2", 0), (0, "R3", 2), (1, "P1|P2", 1)]  # points within 0 and the maximum
