"""programme: one monthly theme per branch and scope held by the database; registrations counted
on the entry, so moving or deleting an entry and a registration never interleave; incentive cash:
cashback owed when a reversal found it spent

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incentive_balances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owed_fen', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('programme_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registrations_made', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE programme_entries SET registrations_made = "
        "(SELECT count(*) FROM programme_registrations r WHERE r.entry_id = programme_entries.id)"
    )
    op.create_table(
        'programme_theme_months',
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('month_start', sa.DateTime(), nullable=False),
        sa.Column('wide_entry_id', sa.Integer(), nullable=True),
        sa.Column('scoped', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint('scoped >= 0', name='ck_programme_theme_months_scoped'),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['wide_entry_id'], ['programme_entries.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('branch_id', 'month_start'),
        sa.UniqueConstraint('wide_entry_id'),
    )
    op.create_table(
        'programme_theme_districts',
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('month_start', sa.DateTime(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entry_id'], ['programme_entries.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('branch_id', 'month_start', 'district_id'),
    )
    with op.batch_alter_table('programme_theme_districts', schema=None) as batch_op:
        batch_op.create_index('ix_programme_theme_districts_entry_id', ['entry_id'], unique=False)
    _claim_existing_themes()


def _claim_existing_themes():
    """The themes saved so far (checked one by one when they were saved) take their months."""
    bind = op.get_bind()
    themes = bind.execute(
        sa.text(
            "SELECT id, branch_id, dtstart FROM programme_entries "
            "WHERE kind = 'monthly_theme' AND status <> 'cancelled' ORDER BY id"
        )
    ).all()
    scopes = {}
    for entry_id, district_id in bind.execute(
        sa.text("SELECT entry_id, district_id FROM programme_entry_districts")
    ).all():
        scopes.setdefault(entry_id, set()).add(district_id)
    months, districts = {}, set()
    for entry_id, branch_id, dtstart in themes:
        key = (branch_id, dtstart)
        month = months.setdefault(key, {"wide": None, "scoped": 0})
        mine = scopes.get(entry_id, set())
        if not mine:
            if month["wide"] is None and month["scoped"] == 0:
                month["wide"] = entry_id
            continue
        if month["wide"] is not None or any((branch_id, dtstart, d) in districts for d in mine):
            continue
        month["scoped"] += 1
        for d in mine:
            districts.add((branch_id, dtstart, d))
            bind.execute(
                sa.text(
                    "INSERT INTO programme_theme_districts (branch_id, month_start, district_id, entry_id) "
                    "VALUES (:b, :m, :d, :e)"
                ),
                {"b": branch_id, "m": dtstart, "d": d, "e": entry_id},
            )
    for (branch_id, dtstart), month in months.items():
        bind.execute(
            sa.text(
                "INSERT INTO programme_theme_months (branch_id, month_start, wide_entry_id, scoped) "
                "VALUES (:b, :m, :w, :s)"
            ),
            {"b": branch_id, "m": dtstart, "w": month["wide"], "s": month["scoped"]},
        )


def downgrade():
    with op.batch_alter_table('programme_theme_districts', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_theme_districts_entry_id')
    op.drop_table('programme_theme_districts')
    op.drop_table('programme_theme_months')
    with op.batch_alter_table('programme_entries', schema=None) as batch_op:
        batch_op.drop_column('registrations_made')
    with op.batch_alter_table('incentive_balances', schema=None) as batch_op:
        batch_op.drop_column('owed_fen')
