"""api tokens: keys for the dashboards' read API, made and revoked by administrators

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04 03:00:00

Written by hand. A new table only: the SHA-256 hash of each token (never the token), its name,
its scope (every report, or one cohort's figures) and when it was made, last used and revoked.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('reports', 'cohort')", name=op.f('ck_api_tokens_scope')),
        sa.CheckConstraint("(scope = 'cohort') = (cohort_id IS NOT NULL)", name=op.f('ck_api_tokens_cohort_scope')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_api_tokens_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_tokens_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_cohort_id'), ['cohort_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_cohort_id'))
    op.drop_table('api_tokens')
