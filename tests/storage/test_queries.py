"""The dashboard's KPI queries, with hand-worked counts, on both backends."""
import datetime as dt

import pytest
from sqlalchemy import text

from storage import Ticket
from storage.queries import (
    BacklogRow,
    DailyCount,
    backlog,
    created_resolved_per_day,
    department_names,
    ticket_list,
)

UTC = dt.timezone.utc


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=UTC)


#   key         department  created       state                 resolved_at   subject / requester
TICKETS = [
    ("IT-000001", "it", at(10, 23, 59), "resolved", at(11, 0, 0), "VPN down", "bob@corp.example"),
    ("IT-000002", "it", at(11, 0, 0), "open", None, "100% CPU on laptop", "ann_lee@corp.example"),
    ("IT-000003", "it", at(11, 9, 30), "new", None, "Printer jam", "annXlee@corp.example"),
    ("HR-000001", "hr", at(10, 12, 0), "waiting_on_requester", None, "Payslip 100 euro short", "cy@corp.example"),
    ("HR-000002", "hr", at(9, 8, 0), "closed", at(10, 23, 59), "Holiday request", "dee@corp.example"),
    ("FIN-000001", "finance", at(12, 10, 0), "open", None, "<script>alert(1)</script>", "eve@corp.example"),
    ("FIN-000002", "finance", at(1, 8, 0), "new", None, "Invoice", "fay@corp.example"),
]


@pytest.fixture
def db(database):
    with database.transaction() as session:
        for key, department, created, state, resolved, subject, requester in TICKETS:
            session.add(Ticket(
                key=key, department=department, requester_email=requester, subject=subject,
                category="general", priority="P3", state=state, tags=[],
                created_at=created, updated_at=resolved or created, resolved_at=resolved,
                resolution_due=created + dt.timedelta(days=2),
            ))
    return database


def keys(rows):
    return [row.key for row in rows]


def test_created_and_resolved_per_utc_day_split_at_midnight(db):
    with db.sessions() as session:
        rows = created_resolved_per_day(session, at(10), at(12))
    assert rows == [
        DailyCount(dt.date(2024, 3, 10), "hr", created=1, resolved=1),
        DailyCount(dt.date(2024, 3, 10), "it", created=1, resolved=0),
        DailyCount(dt.date(2024, 3, 11), "it", created=2, resolved=1),
    ]


def test_per_day_window_is_half_open_and_accepts_any_zone(db):
    plus_one = dt.timezone(dt.timedelta(hours=1))
    since = dt.datetime(2024, 3, 10, 1, 0, tzinfo=plus_one)  # 00:00 UTC
    until = dt.datetime(2024, 3, 11, 1, 0, tzinfo=plus_one)  # 00:00 UTC, excluded
    with db.sessions() as session:
        rows = created_resolved_per_day(session, since, until)
    assert rows == [
        DailyCount(dt.date(2024, 3, 10), "hr", created=1, resolved=1),
        DailyCount(dt.date(2024, 3, 10), "it", created=1, resolved=0),
    ]


def test_per_day_buckets_in_utc_whatever_the_session_zone(db):
    with db.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL TIME ZONE 'Pacific/Auckland'"))
        rows = created_resolved_per_day(session, at(10), at(12), departments=["it"])
    assert rows == [
        DailyCount(dt.date(2024, 3, 10), "it", created=1, resolved=0),
        DailyCount(dt.date(2024, 3, 11), "it", created=2, resolved=1),
    ]


def test_per_day_empty_department_list_means_none(db):
    with db.sessions() as session:
        assert created_resolved_per_day(session, at(1), at(31), departments=[]) == []


def test_backlog_counts_unresolved_per_department_and_state(db):
    with db.sessions() as session:
        rows = backlog(session)
        hr_it = backlog(session, departments=["hr", "it"])
    assert rows == [
        BacklogRow("finance", "new", 1),
        BacklogRow("finance", "open", 1),
        BacklogRow("hr", "waiting_on_requester", 1),
        BacklogRow("it", "new", 1),
        BacklogRow("it", "open", 1),
    ]
    assert sum(row.count for row in hr_it) == 3


def test_ticket_list_newest_first_with_filters_and_limit(db):
    with db.sessions() as session:
        everything = ticket_list(session)
        it_open = ticket_list(session, departments=["it"], states=["open"])
        first_two = ticket_list(session, limit=2)
    assert keys(everything) == [
        "FIN-000001", "IT-000003", "IT-000002", "IT-000001", "HR-000001", "HR-000002", "FIN-000002",
    ]
    assert keys(it_open) == ["IT-000002"]
    assert keys(first_two) == ["FIN-000001", "IT-000003"]
    assert everything[0].subject == "<script>alert(1)</script>"
    assert everything[0].created_at == at(12, 10, 0)
    assert everything[0].resolution_due == at(14, 10, 0)


@pytest.mark.parametrize(("search", "expected"), [
    ("100%", ["IT-000002"]),            # '%' literal: "Payslip 100 euro" must not match
    ("ann_lee", ["IT-000002"]),         # '_' literal: "annXlee" must not match
    ("it-00000", ["IT-000003", "IT-000002", "IT-000001"]),  # key, any case
    ("vpn", ["IT-000001"]),             # subject, any case
    ("DEE@CORP", ["HR-000002"]),        # requester, any case
    ("  printer  ", ["IT-000003"]),     # surrounding blanks ignored
    ("a\\b", []),                       # the escape character itself is literal
    ("", None),                         # empty search: no filter
])
def test_ticket_list_search_is_literal_and_case_insensitive(db, search, expected):
    with db.sessions() as session:
        found = keys(ticket_list(session, search=search))
        everything = keys(ticket_list(session))
    assert found == (everything if expected is None else expected)


def test_department_names(db):
    with db.sessions() as session:
        assert department_names(session) == ["finance", "hr", "it"]
