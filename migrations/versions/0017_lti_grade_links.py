"""LTI Assignment and Grade Services: the line item each launched scenario's score goes back to

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 03:20:00

Written by hand; a new table only.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lti_grade_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('scenario_work', sa.String(length=100), nullable=False),
        sa.Column('lineitem', sa.String(length=500), nullable=False),
        sa.Column('endpoint', sa.JSON(), nullable=False),
        sa.Column('pending', sa.Boolean(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'],
                                name=op.f('fk_lti_grade_links_registration_id_lti_registrations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_grade_links_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_grade_links')),
        sa.UniqueConstraint('user_id', 'lineitem', name='uq_lti_grade_links_user_lineitem'),
    )
    with op.batch_alter_table('lti_grade_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_grade_links_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_grade_links_scenario_work'), ['scenario_work'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_grade_links_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lti_grade_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_grade_links_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_grade_links_scenario_work'))
        batch_op.drop_index(batch_op.f('ix_lti_grade_links_registration_id'))
    op.drop_table('lti_grade_links')
