"""lesson datasets: the tables a lesson shows in the data widget

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 10:00:00

Written by hand. lessons.datasets is new, NULL for every lesson loaded before (they show no
data); the next content load fills it for lessons that list datasets.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('datasets', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('datasets')
