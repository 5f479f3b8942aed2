"""imap mailboxes: where an inbound message came from, and each mailbox's checkpoint

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailbox', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('uidvalidity', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('uid', sa.BigInteger(), nullable=True))
        batch_op.create_index('ux_inbound_mailbox_uid', ['mailbox', 'uidvalidity', 'uid'], unique=True)

    op.create_table('mailbox_state',
    sa.Column('mailbox', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('folder', sa.String(length=255), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('stale_after_seconds', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('mailbox')
    )


def downgrade() -> None:
    op.drop_table('mailbox_state')
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index('ux_inbound_mailbox_uid')
        batch_op.drop_column('uid')
        batch_op.drop_column('uidvalidity')
        batch_op.drop_column('mailbox')
