"""certificate badges and revocation: a salt for the holder's hashed e-mail in the Open Badges
assertion, and when and why an administrator revoked the certificate

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00

Written by hand. Every certificate that exists gets a salt of its own (random, from Python's
secrets, on SQLite and PostgreSQL alike) and stays valid: revoked_at NULL, no reason.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_salt', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revocation_reason', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    certificates = sa.table('certificates', sa.column('id', sa.Integer), sa.column('recipient_salt', sa.String))
    for (certificate_id,) in list(connection.execute(sa.select(certificates.c.id))):
        connection.execute(certificates.update().where(certificates.c.id == certificate_id)
                           .values(recipient_salt=secrets.token_hex(16)))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('recipient_salt', server_default=None)
        batch_op.alter_column('revocation_reason', server_default=None)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('revocation_reason')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('recipient_salt')
