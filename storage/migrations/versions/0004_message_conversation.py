"""message conversation: Outlook's Thread-Index conversation of each message

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 11:35:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_message_conversation', ['conversation'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_conversation')
        batch_op.drop_column('conversation')
