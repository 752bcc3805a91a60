"""scenario item marks: each scored attempt's answer-key items as rows, for item analysis

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 07:30:00

Written by hand. A new table (models.ScenarioItemMark), filled from the results already stored
as trainer.domain.scoring.answer_key_marks reads them: every item of a task that is not the
written report, worth more than nothing, its points kept within 0 and the maximum. Written out
here in each database's JSON functions, so this migration does not change when the
application's code does.
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

COLUMNS = "attempt_id, position, task_id, item_id, label, points, max_points"

FILL_POSTGRESQL = f"""
INSERT INTO scenario_item_marks ({COLUMNS})
SELECT a.id, t.position - 1, coalesce(t.value ->> 'task_id', ''), coalesce(i.value ->> 'item_id', ''),
       i.value ->> 'label', least(greatest((i.value ->> 'points')::float, 0), (i.value ->> 'max_points')::float),
       (i.value ->> 'max_points')::float
FROM scenario_attempts a
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(a.result::jsonb -> 'tasks') = 'array'
                                             THEN a.result::jsonb -> 'tasks' ELSE '[]'::jsonb END)
     WITH ORDINALITY AS t(value, position)
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(t.value -> 'items') = 'array'
                                             THEN t.value -> 'items' ELSE '[]'::jsonb END) AS i(value)
WHERE a.result IS NOT NULL AND coalesce(t.value ->> 'type', '') <> 'report'
  AND i.value ->> 'points' IS NOT NULL AND (i.value ->> 'max_points')::float > 0
ORDER BY a.id, t.position
"""

FILL_SQLITE = f"""
INSERT INTO scenario_item_marks ({COLUMNS})
SELECT a.id, t.key, coalesce(json_extract(t.value, '$.task_id'), ''), coalesce(json_extract(i.value, '$.item_id'), ''),
       json_extract(i.value, '$.label'),
       min(max(json_extract(i.value, '$.points'), 0), json_extract(i.value, '$.max_points')),
       json_extract(i.value, '$.max_points')
FROM scenario_attempts a, json_each(a.result, '$.tasks') t, json_each(t.value, '$.items') i
WHERE a.result IS NOT NULL AND json_type(a.result, '$.tasks') = 'array' AND json_type(t.value, '$.items') = 'array'
  AND coalesce(json_extract(t.value, '$.type'), '') <> 'report'
  AND json_extract(i.value, '$.points') IS NOT NULL AND json_extract(i.value, '$.max_points') > 0
ORDER BY a.id, t.key
"""


def upgrade():
    op.create_table(
        'scenario_item_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Text(), nullable=False),
        sa.Column('item_id', sa.Text(), nullable=False),
        sa.Column('label', sa.Text(), nullable=True),
        sa.Column('points', sa.Double(), nullable=False),
        sa.Column('max_points', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['scenario_attempts.id'],
                                name=op.f('fk_scenario_item_marks_attempt_id_scenario_attempts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_item_marks')),
    )
    with op.batch_alter_table('scenario_item_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenario_item_marks_attempt_id'), ['attempt_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FILL_POSTGRESQL)
        op.execute("ANALYZE scenario_item_marks")  # else the planner guesses, and scans the whole table
    else:
        op.execute(FILL_SQLITE)


def downgrade():
    with op.batch_alter_table('scenario_item_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenario_item_marks_attempt_id'))
    op.drop_table('scenario_item_marks')
