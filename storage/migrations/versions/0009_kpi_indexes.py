"""KPI indexes: tickets closed without a resolution and first responses, counted per day by range

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 17:40:00.000000
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ticket_closed_at', 'ticket', ['closed_at'])
    op.create_index('ix_ticket_first_responded_at', 'ticket', ['first_responded_at'])


def downgrade() -> None:
    op.drop_index('ix_ticket_first_responded_at', table_name='ticket')
    op.drop_index('ix_ticket_closed_at', table_name='ticket')
