"""attempt concurrency: optimistic-lock versions, one open attempt per start

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00

Written by hand. Attempts get a `row_version` (1 for existing rows) that every UPDATE checks
and bumps, and unique indexes make starting an attempt idempotent. Duplicate open attempts
left by the old check-then-insert race would violate the new indexes, so they are closed
first: an extra that holds no saved work is deleted; one that does is closed (submitted_at
set, left unscored) so no typed answer is thrown away.
"""
from collections import defaultdict
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OPEN_TEST = "submitted_at IS NULL AND lesson_id IS NULL"
OPEN_CHECK = "submitted_at IS NULL AND lesson_id IS NOT NULL"
OPEN_SELF_PACED = "submitted_at IS NULL AND live_exercise_id IS NULL"


def _close_duplicate_scenario_attempts(connection, now):
    # Keep the attempt the workspace showed (the newest open one), or the first of a live exercise.
    rows = connection.execute(sa.text(
        "SELECT id, user_id, version_id, live_exercise_id, saved_at, submitted_at FROM scenario_attempts "
        "ORDER BY id")).all()
    groups = defaultdict(list)
    for row in rows:
        if row.live_exercise_id is not None:
            groups[("live", row.user_id, row.live_exercise_id)].append(row)
        elif row.submitted_at is None:
            groups[("open", row.user_id, row.version_id)].append(row)
    for key, members in groups.items():
        extras = members[1:] if key[0] == "live" else members[:-1]
        for row in extras:
            if row.saved_at is None and row.submitted_at is None:
                connection.execute(sa.text("DELETE FROM scenario_attempts WHERE id = :id"), {"id": row.id})
            else:
                connection.execute(sa.text(
                    "UPDATE scenario_attempts SET live_exercise_id = NULL, "
                    "submitted_at = COALESCE(submitted_at, :now) WHERE id = :id"), {"id": row.id, "now": now})


def _close_duplicate_quiz_attempts(connection, now):
    rows = connection.execute(sa.text(
        "SELECT id, user_id, course_id, kind, lesson_id FROM quiz_attempts WHERE submitted_at IS NULL "
        "ORDER BY id")).all()
    groups = defaultdict(list)
    for row in rows:
        groups[(row.user_id, row.course_id, row.kind, row.lesson_id)].append(row)
    for members in groups.values():
        for row in members[1:]:  # the first is the one the trainee was shown
            answered = connection.execute(sa.text(
                "SELECT COUNT(*) FROM attempt_items WHERE attempt_id = :id AND response IS NOT NULL"),
                {"id": row.id}).scalar()
            if answered:
                connection.execute(sa.text("UPDATE quiz_attempts SET submitted_at = :now WHERE id = :id"),
                                   {"id": row.id, "now": now})
            else:
                connection.execute(sa.text("DELETE FROM attempt_items WHERE attempt_id = :id"), {"id": row.id})
                connection.execute(sa.text("DELETE FROM quiz_attempts WHERE id = :id"), {"id": row.id})


def upgrade():
    connection = op.get_bind()
    now = datetime.now(timezone.utc)
    _close_duplicate_scenario_attempts(connection, now)
    _close_duplicate_quiz_attempts(connection, now)

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('scenario_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))

    op.create_index('uq_quiz_attempts_open_test', 'quiz_attempts', ['user_id', 'course_id', 'kind'], unique=True,
                    sqlite_where=sa.text(OPEN_TEST), postgresql_where=sa.text(OPEN_TEST))
    op.create_index('uq_quiz_attempts_open_check', 'quiz_attempts', ['user_id', 'lesson_id', 'kind'], unique=True,
                    sqlite_where=sa.text(OPEN_CHECK), postgresql_where=sa.text(OPEN_CHECK))
    op.create_index('uq_scenario_attempts_open', 'scenario_attempts', ['user_id', 'version_id'], unique=True,
                    sqlite_where=sa.text(OPEN_SELF_PACED), postgresql_where=sa.text(OPEN_SELF_PACED))
    op.create_index('uq_scenario_attempts_user_id_live_exercise_id', 'scenario_attempts',
                    ['user_id', 'live_exercise_id'], unique=True)


def downgrade():
    op.drop_index('uq_scenario_attempts_user_id_live_exercise_id', table_name='scenario_attempts')
    op.drop_index('uq_scenario_attempts_open', table_name='scenario_attempts')
    op.drop_index('uq_quiz_attempts_open_check', table_name='quiz_attempts')
    op.drop_index('uq_quiz_attempts_open_test', table_name='quiz_attempts')
    with op.batch_alter_table('scenario_attempts', schema=None) as batch_op:
        batch_op.drop_column('row_version')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('row_version')
        batch_op.drop_column('saved_at')
