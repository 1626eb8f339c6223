"""programme: entries, windows, cancellations, seats, registrations, daily figures; the scheduler's job store, locks and runs

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28 22:17:13.542390

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_jobs'))
    )
    with op.batch_alter_table('scheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('scheduler_locks',
    sa.Column('job_id', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_scheduler_locks'))
    )
    op.create_table('scheduler_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=100), nullable=False),
    sa.Column('slot', sa.DateTime(), nullable=True),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_runs')),
    sa.UniqueConstraint('job_id', 'slot', name=op.f('uq_scheduler_runs_job_id_slot'))
    )
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.create_index('ix_scheduler_runs_job_started', ['job_id', 'started_at'], unique=False)

    op.create_table('programme_daily_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('entries_live', sa.Integer(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('cancelled_occurrences', sa.Integer(), nullable=False),
    sa.Column('registrations_new', sa.Integer(), nullable=False),
    sa.Column('registrations_cancelled', sa.Integer(), nullable=False),
    sa.Column('attendees_expected', sa.Integer(), nullable=False),
    sa.Column('checkins', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_programme_daily_figures_branch_id_branches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_daily_figures')),
    sa.UniqueConstraint('day', 'branch_id', name=op.f('uq_programme_daily_figures_day_branch_id'))
    )
    op.create_table('programme_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('event_format', sa.String(length=24), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('online_url', sa.String(length=300), nullable=True),
    sa.Column('colour', sa.String(length=7), nullable=True),
    sa.Column('banner_path', sa.String(length=200), nullable=True),
    sa.Column('tzid', sa.String(length=64), nullable=False),
    sa.Column('all_day', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('dtstart', sa.DateTime(), nullable=False),
    sa.Column('dtend', sa.DateTime(), nullable=False),
    sa.Column('rrule', sa.String(length=300), nullable=True),
    sa.Column('series_end', sa.DateTime(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=16), server_default='upcoming', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_programme_entries_branch_id_branches')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programme_entries_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_entries'))
    )
    with op.batch_alter_table('programme_entries', schema=None) as batch_op:
        batch_op.create_index('ix_programme_entries_branch_span', ['branch_id', 'dtstart', 'series_end'], unique=False)
        batch_op.create_index('ix_programme_entries_kind_status', ['kind', 'status'], unique=False)

    op.create_table('programme_cancellations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_start', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['programme_entries.id'], name=op.f('fk_programme_cancellations_entry_id_programme_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_cancellations')),
    sa.UniqueConstraint('entry_id', 'occurrence_start', name=op.f('uq_programme_cancellations_entry_id_occurrence_start'))
    )
    op.create_table('programme_entry_districts',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_programme_entry_districts_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['programme_entries.id'], name=op.f('fk_programme_entry_districts_entry_id_programme_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'district_id', name=op.f('pk_programme_entry_districts'))
    )
    op.create_table('programme_entry_merchants',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['programme_entries.id'], name=op.f('fk_programme_entry_merchants_entry_id_programme_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_programme_entry_merchants_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'merchant_id', name=op.f('pk_programme_entry_merchants'))
    )
    op.create_table('programme_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['programme_entries.id'], name=op.f('fk_programme_windows_entry_id_programme_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_windows'))
    )
    with op.batch_alter_table('programme_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_windows_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_programme_windows_span', ['opens_at', 'closes_at'], unique=False)

    op.create_table('programme_event_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_start', sa.DateTime(), nullable=False),
    sa.Column('taken', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['programme_entries.id'], name=op.f('fk_programme_event_seats_entry_id_programme_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_event_seats')),
    sa.UniqueConstraint('entry_id', 'occurrence_start', name=op.f('uq_programme_event_seats_entry_id_occurrence_start'))
    )
    op.create_table('programme_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_start', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'], name=op.f('fk_programme_registrations_checked_in_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['programme_entries.id'], name=op.f('fk_programme_registrations_entry_id_programme_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_programme_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_registrations')),
    sa.UniqueConstraint('entry_id', 'occurrence_start', 'user_id', name=op.f('uq_programme_registrations_entry_id_occurrence_start_user_id'))
    )
    with op.batch_alter_table('programme_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_programme_registrations_user', ['user_id', 'occurrence_start'], unique=False)



def downgrade():
    with op.batch_alter_table('programme_registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_registrations_user')

    op.drop_table('programme_registrations')
    op.drop_table('programme_event_seats')
    with op.batch_alter_table('programme_windows', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_windows_span')
        batch_op.drop_index(batch_op.f('ix_programme_windows_entry_id'))

    op.drop_table('programme_windows')
    op.drop_table('programme_entry_merchants')
    op.drop_table('programme_entry_districts')
    op.drop_table('programme_cancellations')
    with op.batch_alter_table('programme_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_entries_kind_status')
        batch_op.drop_index('ix_programme_entries_branch_span')

    op.drop_table('programme_entries')
    op.drop_table('programme_daily_figures')
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_scheduler_runs_job_started')

    op.drop_table('scheduler_runs')
    op.drop_table('scheduler_locks')
    with op.batch_alter_table('scheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_jobs_next_run_time'))

    op.drop_table('scheduler_jobs')
