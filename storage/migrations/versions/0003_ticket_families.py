"""ticket families and requester lookups: parent tickets, indexes for per-requester queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key('fk_ticket_parent', 'ticket', ['parent_id'], ['id'])
        batch_op.create_index('ix_ticket_parent', ['parent_id'], unique=False)
        batch_op.create_index('ix_ticket_requester_created', ['requester_email', 'created_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_ticket', ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_ticket')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_requester_created')
        batch_op.drop_index('ix_ticket_parent')
        batch_op.drop_constraint('fk_ticket_parent', type_='foreignkey')
        batch_op.drop_column('parent_id')
