"""LTI 1.3: platform registrations, the tool's key pair, linked accounts and used nonces

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 03:10:00

Written by hand; new tables only, nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lti_tool_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('private_pem', sa.Text(), nullable=False),
        sa.Column('public_pem', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_tool_keys')),
        sa.UniqueConstraint('kid', name=op.f('uq_lti_tool_keys_kid')),
    )
    op.create_table(
        'lti_registrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('deployment_ids', sa.JSON(), nullable=False),
        sa.Column('auth_login_url', sa.String(length=500), nullable=False),
        sa.Column('auth_token_url', sa.String(length=500), nullable=False),
        sa.Column('key_set_url', sa.String(length=500), nullable=False),
        sa.Column('key_set', sa.JSON(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registrations')),
        sa.UniqueConstraint('issuer', 'client_id', name='uq_lti_registrations_issuer_client'),
    )
    op.create_table(
        'lti_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'],
                                name=op.f('fk_lti_accounts_registration_id_lti_registrations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_accounts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_accounts')),
        sa.UniqueConstraint('issuer', 'sub', name='uq_lti_accounts_issuer_sub'),
    )
    with op.batch_alter_table('lti_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_accounts_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_accounts_user_id'), ['user_id'], unique=False)
    op.create_table(
        'lti_nonces',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('nonce', sa.String(length=255), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_nonces')),
        sa.UniqueConstraint('issuer', 'nonce', name='uq_lti_nonces_issuer_nonce'),
    )


def downgrade():
    op.drop_table('lti_nonces')
    with op.batch_alter_table('lti_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_accounts_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_accounts_registration_id'))
    op.drop_table('lti_accounts')
    op.drop_table('lti_registrations')
    op.drop_table('lti_tool_keys')
