"""KPI covering indexes: the Overview's range counts and percentiles read the index only

The created, resolved and first-response time indexes also carry the
Overview's filter columns (department, priority, category) and the values
it aggregates, so a year of a million tickets is counted without reading
the table; they replace the plain created_at, resolved_at,
first_responded_at and closed_at indexes. Tickets closed without a resolution
get a small partial index of their own, and the due times indexes that hold what
deciding a breach reads, and the business-time values in order (percentiles
of many tickets without sorting them).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 19:20:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

DIMS = ['department', 'priority', 'category']
UNRESOLVED = sa.text('resolved_at IS NULL')


def upgrade() -> None:
    op.create_index('ix_ticket_kpi_created', 'ticket', ['created_at', *DIMS])
    op.create_index('ix_ticket_kpi_resolved', 'ticket', ['resolved_at', 'closed_at', *DIMS, 'resolution_seconds',
                                                         'reopened_count', 'satisfaction', 'resolution_due'])
    op.create_index('ix_ticket_kpi_responded', 'ticket', ['first_responded_at', *DIMS, 'first_response_seconds',
                                                          'first_response_due'])
    op.create_index('ix_ticket_closed_unresolved', 'ticket', ['closed_at', *DIMS, 'resolution_due'],
                    sqlite_where=UNRESOLVED, postgresql_where=UNRESOLVED)
    op.create_index('ix_ticket_kpi_resolution_seconds', 'ticket', ['resolution_seconds', 'resolved_at', *DIMS])
    op.create_index('ix_ticket_kpi_first_response_seconds', 'ticket', ['first_response_seconds',
                                                                       'first_responded_at', *DIMS])
    op.create_index('ix_ticket_kpi_first_response_due', 'ticket', ['first_response_due', *DIMS,
                                                                   'first_responded_at', 'resolved_at', 'closed_at',
                                                                   'sla_paused_at'])
    op.create_index('ix_ticket_kpi_resolution_due', 'ticket', ['resolution_due', *DIMS, 'resolved_at', 'closed_at',
                                                               'sla_paused_at'])
    op.drop_index('ix_ticket_created_at', table_name='ticket')
    op.drop_index('ix_ticket_resolved_at', table_name='ticket')
    op.drop_index('ix_ticket_first_responded_at', table_name='ticket')
    op.drop_index('ix_ticket_closed_at', table_name='ticket')


def downgrade() -> None:
    op.create_index('ix_ticket_closed_at', 'ticket', ['closed_at'])
    op.create_index('ix_ticket_first_responded_at', 'ticket', ['first_responded_at'])
    op.create_index('ix_ticket_resolved_at', 'ticket', ['resolved_at'])
    op.create_index('ix_ticket_created_at', 'ticket', ['created_at'])
    op.drop_index('ix_ticket_kpi_resolution_due', table_name='ticket')
    op.drop_index('ix_ticket_kpi_first_response_seconds', table_name='ticket')
    op.drop_index('ix_ticket_kpi_resolution_seconds', table_name='ticket')
    op.drop_index('ix_ticket_kpi_first_response_due', table_name='ticket')
    op.drop_index('ix_ticket_closed_unresolved', table_name='ticket')
    op.drop_index('ix_ticket_kpi_responded', table_name='ticket')
    op.drop_index('ix_ticket_kpi_resolved', table_name='ticket')
    op.drop_index('ix_ticket_kpi_created', table_name='ticket')
