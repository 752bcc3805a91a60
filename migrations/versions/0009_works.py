"""works: linked versions of a course or scenario in several languages

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('courses', 'scenarios'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('work', sa.String(length=100), nullable=False, server_default=''))
            batch_op.create_index(batch_op.f(f'ix_{table}_work'), ['work'], unique=False)
    # An original is its own work; a course's translation_of (kept in its settings) names its work.
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE scenarios SET work = slug"))
    courses = sa.table('courses', sa.column('id', sa.Integer), sa.column('slug', sa.String),
                       sa.column('work', sa.String), sa.column('settings', sa.JSON))
    rows = list(connection.execute(sa.select(courses.c.id, courses.c.slug, courses.c.settings)))
    for row in rows:
        settings = row.settings if isinstance(row.settings, dict) else {}
        work = settings.get('translation_of') or row.slug
        connection.execute(courses.update().where(courses.c.id == row.id).values(work=str(work)[:100]))
    for table in ('courses', 'scenarios'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('work', server_default=None)


def downgrade():
    for table in ('scenarios', 'courses'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_work'))
            batch_op.drop_column('work')
