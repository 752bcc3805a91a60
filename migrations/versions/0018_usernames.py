"""usernames: officers without an e-mail address log in with a username; e-mail becomes optional

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:00:00

Written by hand. users.username is new (NULL for every existing account, which keeps logging in
with its e-mail), stored lower-case and unique, so it is unique case-insensitively; users.email
may now be NULL (still unique when present, NULLs never clash); every account keeps one of the
two (CHECK). On SQLite the batch rebuilds the table, carrying its rows, indexes and named CHECK
constraints over.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username', sa.String(length=100), nullable=True))
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_users_username'), ['username'])
        batch_op.create_check_constraint('login_name', 'email IS NOT NULL OR username IS NOT NULL')


def downgrade():
    # An account with a username only gets an address that can never receive mail (.invalid,
    # RFC 2606), so the column can be NOT NULL again and the account is still recognisable.
    users = sa.table('users', sa.column('email', sa.String), sa.column('username', sa.String))
    op.get_bind().execute(users.update().where(users.c.email.is_(None))
                          .values(email=users.c.username + '@users.invalid'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('login_name', type_='check')
        batch_op.drop_constraint(batch_op.f('uq_users_username'), type_='unique')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_column('username')
