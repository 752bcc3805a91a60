"""a version column on live exercises, so concurrent releases are never lost

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('live_exercises', schema=None) as batch_op:
        batch_op.drop_column('row_version')
