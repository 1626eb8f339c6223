"""stock shards: large coupons keep their stock in several rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock_shards', sa.Integer(), server_default='0', nullable=False))

    op.create_table('coupon_stock_shards',
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.CheckConstraint('remaining >= 0', name=op.f('ck_coupon_stock_shards_shard_not_negative')),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_coupon_stock_shards_coupon_id_coupons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coupon_id', 'shard', name=op.f('pk_coupon_stock_shards'))
    )


def downgrade():
    op.drop_table('coupon_stock_shards')
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_column('stock_shards')
