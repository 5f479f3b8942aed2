"""rule versions and assignment: applied rule files, ticket assignee/team/SLA policy/watchers, round-robin

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('team', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sla_policy', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('watchers', sa.JSON(), nullable=True))
        batch_op.create_index('ix_ticket_assignee_state', ['assignee', 'state'], unique=False)
    op.create_table(
        'rule_version',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('author', sa.String(length=320), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('diff', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_rule_version_version', 'rule_version', ['version'], unique=False)
    op.create_index('ix_rule_version_applied', 'rule_version', ['applied_at'], unique=False)
    op.create_table(
        'team_cursor',
        sa.Column('team', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('team'),
    )
    op.create_table(
        'agent_status',
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('away', sa.Boolean(), nullable=False),
        sa.Column('away_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('email'),
    )


def downgrade() -> None:
    op.drop_table('agent_status')
    op.drop_table('team_cursor')
    op.drop_index('ix_rule_version_applied', table_name='rule_version')
    op.drop_index('ix_rule_version_version', table_name='rule_version')
    op.drop_table('rule_version')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_assignee_state')
        batch_op.drop_column('watchers')
        batch_op.drop_column('sla_policy')
        batch_op.drop_column('team')
        batch_op.drop_column('assignee')
