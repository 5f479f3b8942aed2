"""ticket lifecycle: SLA pauses, reopenings, linked tickets, satisfaction; indexes for the scheduler's sweeps

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 12:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('related_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('sla_paused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reopened_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_ticket_related', 'ticket', ['related_id'], ['id'])
        batch_op.create_index('ix_ticket_state_first_response_due', ['state', 'first_response_due'], unique=False)
        batch_op.create_index('ix_ticket_state_resolution_due', ['state', 'resolution_due'], unique=False)
        batch_op.create_index('ix_ticket_state_updated', ['state', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_state_updated')
        batch_op.drop_index('ix_ticket_state_resolution_due')
        batch_op.drop_index('ix_ticket_state_first_response_due')
        batch_op.drop_constraint('fk_ticket_related', type_='foreignkey')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('satisfaction')
        batch_op.drop_column('reopened_count')
        batch_op.drop_column('paused_seconds')
        batch_op.drop_column('sla_paused_at')
        batch_op.drop_column('related_id')
