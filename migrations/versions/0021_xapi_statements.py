"""xapi statements: the learning records' outbox (each statement, and its delivery to an LRS)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 10:30:00

Written by hand; a new table only. Statements are written with their learning events from
now on; events before this revision have none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'xapi_statements',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('verb', sa.String(length=200), nullable=False),
        sa.Column('statement', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_xapi_statements_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statements')),
    )
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_statements_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_xapi_statements_pending', ['sent_at', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statements_pending')
        batch_op.drop_index(batch_op.f('ix_xapi_statements_user_id'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_created_at'))
    op.drop_table('xapi_statements')
