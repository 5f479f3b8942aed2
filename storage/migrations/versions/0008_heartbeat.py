"""heartbeat: the last run of periodic parts (the scheduler), shown on the Health page

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 12:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'heartbeat',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('heartbeat')
