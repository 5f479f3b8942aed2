"""Workflows: one inbound message to one ticket change, ticket states, SLA and
business calendars, the scheduler, reply templates and agent commands."""
