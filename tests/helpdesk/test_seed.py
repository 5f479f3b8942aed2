"""`helpdesk seed`: a ticket history made the way the helpdesk makes tickets, on both backends."""
import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from helpdesk.build import build_departments
from helpdesk.config import load_settings
from helpdesk.seed import SeedError, seed
from storage import Event, Message, Ticket, kpis, repo

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.toml"
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
COUNT = 3000


@pytest.fixture(scope="module")
def settings():
    return load_settings(CONFIG)


@pytest.fixture
def seeded(database, settings):
    summary = seed(database, settings, COUNT, days=365, now=NOW, random_seed=7, chunk=700)
    with database.sessions() as session:
        tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        session.expunge_all()
    return database, summary, tickets


def test_every_ticket_is_written_with_its_request_and_timeline(seeded, settings):
    db, summary, tickets = seeded
    assert len(tickets) == summary.tickets == COUNT
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == summary.messages == COUNT
        events = session.execute(select(Event.ticket_id, Event.kind)).all()
    assert len(events) == summary.events
    kinds = Counter(kind for _, kind in events)
    assert kinds["created"] == COUNT
    assert kinds["first_response"] == sum(t.first_responded_at is not None for t in tickets)
    assert kinds["rated"] == sum(t.satisfaction is not None for t in tickets)
    assert set(summary.by_department) == set(settings.departments)
    assert sum(summary.by_state.values()) == COUNT
    prefixes = {key: spec.prefix for key, spec in settings.departments.items()}
    keys = [t.key for t in tickets]
    assert len(set(keys)) == COUNT
    assert all(t.key.startswith(prefixes[t.department] + "-") for t in tickets)


def test_times_are_business_time_on_the_departments_calendars(seeded, settings):
    _, _, tickets = seeded
    departments = build_departments(settings)
    for ticket in tickets[::7]:
        rule = departments[ticket.department].sla[ticket.priority]
        calendar = rule.calendar
        assert ticket.first_response_due == calendar.add(ticket.created_at, rule.target.first_response)
        if ticket.first_responded_at is not None:
            assert calendar.elapsed(ticket.created_at, ticket.first_responded_at).total_seconds() == \
                pytest.approx(ticket.first_response_seconds, abs=1)
        if ticket.resolved_at is not None:
            spent = calendar.elapsed(ticket.created_at, ticket.resolved_at).total_seconds() - ticket.paused_seconds
            assert ticket.resolution_seconds == pytest.approx(max(spent, 0), abs=1)
            assert ticket.resolved_at >= ticket.first_responded_at
        if ticket.paused_seconds == 0 and ticket.resolved_at is None and ticket.sla_paused_at is None:
            assert ticket.resolution_due == calendar.add(ticket.created_at, rule.target.resolution)


def test_states_agree_with_their_times(seeded):
    _, _, tickets = seeded
    for ticket in tickets:
        assert ticket.created_at <= NOW
        assert ticket.updated_at >= ticket.created_at
        if ticket.state == "resolved":
            assert ticket.resolved_at is not None and ticket.closed_at is None
        if ticket.state == "closed":
            assert ticket.closed_at is not None and ticket.closed_at <= NOW
        if ticket.state == "waiting_on_requester":
            assert ticket.sla_paused_at is not None and ticket.resolved_at is None
        if ticket.state == "new":
            assert ticket.first_responded_at is None and ticket.assignee is None
        if ticket.satisfaction is not None:
            assert 1 <= ticket.satisfaction <= 5 and ticket.rated_at >= ticket.resolved_at
        if ticket.parent_id is not None:
            assert ticket.parent_id < ticket.id
    states = Counter(t.state for t in tickets)
    assert states["closed"] > COUNT * 0.8  # a year of history: almost everything is done
    assert states["open"] + states["new"] + states["waiting_on_requester"] + states["resolved"] > 0


def test_the_history_looks_like_a_real_helpdesk(seeded, settings):
    db, _, tickets = seeded
    zone = ZoneInfo(settings.calendars[settings.sla_policies["standard"].calendar].timezone)
    local = [t.created_at.astimezone(zone) for t in tickets]
    weekend = sum(moment.weekday() >= 5 for moment in local) / COUNT
    office = sum(8 <= moment.hour < 18 for moment in local) / COUNT
    assert weekend < 0.06, weekend
    assert office > 0.7, office
    departments = Counter(t.department for t in tickets)
    assert departments.most_common(1)[0][0] == next(iter(settings.departments))  # the first is the busiest
    late = sum(t.first_responded_at is not None and t.first_responded_at > t.first_response_due for t in tickets)
    assert 0.05 < late / COUNT < 0.2
    rated = [t for t in tickets if t.resolved_at is not None]
    assert 0.15 < sum(t.satisfaction is not None for t in rated) / len(rated) < 0.45
    assert any(t.reopened_count for t in tickets) and any(t.parent_id for t in tickets)
    assert any(t.paused_seconds for t in tickets)
    with db.sessions() as session:  # the KPIs see breaches and compliance, not a perfect or a hopeless desk
        for compliance in kpis.sla_compliance(session, kpis.KpiFilter(NOW - dt.timedelta(days=365), NOW), now=NOW):
            assert 0.6 < compliance.share < 0.95, compliance
        rising = kpis.rising_topics(session, kpis.KpiFilter(NOW - dt.timedelta(days=28), NOW))
    assert rising, "the burst still going on shows as a rising topic"


def test_the_same_seed_gives_the_same_history(sqlite_database, tmp_path, settings):
    from storage import Database

    seed(sqlite_database, settings, 300, days=60, now=NOW, random_seed=3)
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    other.upgrade()
    try:
        seed(other, settings, 300, days=60, now=NOW, random_seed=3)
        columns = (Ticket.key, Ticket.created_at, Ticket.priority, Ticket.category, Ticket.state, Ticket.resolved_at)
        rows = []
        for db in (sqlite_database, other):
            with db.sessions() as session:
                rows.append(session.execute(select(*columns).order_by(Ticket.id)).all())
        assert rows[0] == rows[1]
    finally:
        other.dispose()


def test_real_tickets_continue_after_the_seeded_ones(database, settings):
    summary = seed(database, settings, 200, days=30, now=NOW, history=False)
    assert summary.messages == summary.events == 0
    with database.transaction() as session:
        key = repo.next_ticket_key(session.connection(), "it", settings.departments["it"].prefix)
        ticket = Ticket(key=key, department="it", requester_email="a@corp.example", category="general",
                        priority="P3", created_at=NOW, updated_at=NOW)
        session.add(ticket)
        session.flush()
        assert ticket.id == 201  # the id sequence continues (PostgreSQL: after explicit ids)
    assert key == f"{settings.departments['it'].prefix}-{summary.by_department['it'] + 1:06d}"


def test_a_database_with_tickets_is_refused_and_left_alone(sqlite_database, settings):
    seed(sqlite_database, settings, 50, days=30, now=NOW)
    with pytest.raises(SeedError, match="already holds 50 tickets"):
        seed(sqlite_database, settings, 50, days=30, now=NOW)
    with pytest.raises(SeedError, match="at least 1"):
        seed(sqlite_database, settings, 0)
    with sqlite_database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 50


def test_the_command_line(env, tmp_path):
    def helpdesk(*args):
        return subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", str(CONFIG), "seed", *args],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)

    done = helpdesk("--tickets", "400", "--days", "90", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["tickets"] == 400 and result["messages"] == 400 and result["events"] > 800
    assert sum(result["by_state"].values()) == 400
    again = helpdesk("--tickets", "400")
    assert again.returncode == 2
    assert "already holds 400 tickets" in again.stderr
    assert helpdesk("--tickets", "10", "--days", "3").returncode == 2
