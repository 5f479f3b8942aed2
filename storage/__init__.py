"""Storage: the models, the engine and transactions, migrations and queries.

Everything the helpdesk keeps lives here; no other room talks SQL directly.
"""
from storage.db import Database, utcnow
from storage.models import (
    AgentStatus,
    Base,
    Event,
    Heartbeat,
    InboundMessage,
    InboundStatus,
    MailboxState,
    Message,
    Outbox,
    OutboxStatus,
    RuleVersion,
    TeamCursor,
    Ticket,
    TicketState,
    User,
)

__all__ = [
    "AgentStatus",
    "Base",
    "Database",
    "Event",
    "Heartbeat",
    "InboundMessage",
    "InboundStatus",
    "MailboxState",
    "Message",
    "Outbox",
    "OutboxStatus",
    "RuleVersion",
    "TeamCursor",
    "Ticket",
    "TicketState",
    "User",
    "utcnow",
]
