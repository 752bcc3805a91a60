"""scoring rule versions: every scenario attempt records the rules it was scored with

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00

Written by hand. Every attempt that exists when this runs was scored (or will be, if still
open) by the rules before versions existed: version 1, so their recorded scores never change.
The server default backfills them in one statement on SQLite and PostgreSQL alike; new rows
get the current version from the model (trainer/domain/scoring.py CURRENT_RULES), and an
attempt started before the upgrade takes the current rules when it is submitted.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite adds a NOT NULL column with a default without rebuilding the
    # table (a rebuild would have to carry the partial unique indexes over).
    op.add_column('scenario_attempts',
                  sa.Column('rule_version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('scenario_attempts', schema=None) as batch_op:
        batch_op.drop_column('rule_version')
