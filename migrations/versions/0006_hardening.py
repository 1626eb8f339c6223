"""hardening: shared failed-attempt counters, users' session version, scheduler run ledger, workflow constraints

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attempt_counters',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('window', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', 'window', name=op.f('pk_attempt_counters'))
    )
    with op.batch_alter_table('attempt_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_counters_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tries', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('waited_from', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('waited_from')
        batch_op.drop_column('tries')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('attempt_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_counters_expires_at'))

    op.drop_table('attempt_counters')
