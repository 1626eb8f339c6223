"""merge: the claim core, hardening, promotions, referrals, funding, reports and shop applications

Each of those revisions builds on 0004 and touches tables of its own (or adds its own columns), so
they apply in any order; this revision joins them into one head.

Revision ID: 0012
Revises: 0005, 0006, 0007, 0008, 0009, 0010, 0011
"""

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = ("0005", "0006", "0007", "0008", "0009", "0010", "0011")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
