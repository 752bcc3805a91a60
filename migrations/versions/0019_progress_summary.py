"""progress summary: the reports' read model, one row per officer and course or scenario

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 10:00:00

Written by hand. A new table (models.ProgressSummary), filled from the existing rows with the
query services/progress_summary.rebuild runs (written out here, so this migration does not
change when the application's code does).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

FILL = """
INSERT INTO progress_summary (user_id, kind, item_id, started_at, lessons_done_at, completed_at, issued_at,
                              submitted_at, passed_at)
SELECT e.user_id, 'course', e.course_id, e.started_at,
       CASE WHEN n.lessons > 0 AND d.done >= n.lessons THEN d.last_done END, e.completed_at, c.issued_at, NULL, NULL
FROM enrolments e
LEFT JOIN certificates c ON c.user_id = e.user_id AND c.course_id = e.course_id
LEFT JOIN (SELECT course_id, count(*) AS lessons FROM lessons WHERE active GROUP BY course_id) n
       ON n.course_id = e.course_id
LEFT JOIN (SELECT p.user_id, l.course_id, count(*) AS done, max(p.completed_at) AS last_done
           FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
           WHERE l.active AND p.completed_at IS NOT NULL GROUP BY p.user_id, l.course_id) d
       ON d.user_id = e.user_id AND d.course_id = e.course_id
UNION ALL
SELECT a.user_id, 'scenario', v.scenario_id, min(a.started_at), NULL, NULL, NULL,
       min(CASE WHEN a.status <> 'in_progress' THEN a.submitted_at END),
       min(CASE WHEN a.status = 'passed' THEN a.submitted_at END)
FROM scenario_attempts a JOIN scenario_versions v ON v.id = a.version_id
GROUP BY a.user_id, v.scenario_id
"""


def upgrade():
    op.create_table(
        'progress_summary',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lessons_done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('passed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('course', 'scenario')", name=op.f('ck_progress_summary_kind')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_progress_summary_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', 'kind', 'item_id', name=op.f('pk_progress_summary')),
    )
    with op.batch_alter_table('progress_summary', schema=None) as batch_op:
        batch_op.create_index('ix_progress_summary_kind_item_id', ['kind', 'item_id'], unique=False)
    op.execute(FILL)


def downgrade():
    with op.batch_alter_table('progress_summary', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_summary_kind_item_id')
    op.drop_table('progress_summary')
