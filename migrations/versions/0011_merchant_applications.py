"""merchant applications: legal name, unified social credit code, business licence photo, contact person

Revision ID: 0011
Revises: 0004
Create Date: 2026-12-01 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('credit_code', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('licence_path', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('contact_mobile', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_column('contact_mobile')
        batch_op.drop_column('contact_name')
        batch_op.drop_column('licence_path')
        batch_op.drop_column('credit_code')
        batch_op.drop_column('legal_name')
