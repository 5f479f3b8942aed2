"""The lifecycle: allowed moves, the SLA clock's pauses, recomputed promises."""
import datetime as dt

import pytest

from storage import Ticket
from workflows.calendar import BusinessCalendar
from workflows.lifecycle import TransitionError, recompute, responded, transition
from workflows.services import SlaRule
from workflows.sla import SlaTarget

UTC = dt.timezone.utc
OFFICE = BusinessCalendar.build(timezone="UTC", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
SLA = SlaRule(OFFICE, SlaTarget(dt.timedelta(hours=2), dt.timedelta(hours=8)))
MONDAY_9 = dt.datetime(2026, 11, 23, 9, tzinfo=UTC)


def _ticket():
    return Ticket(key="IT-000001", state="new", created_at=MONDAY_9, updated_at=MONDAY_9, priority="P3",
                  first_response_due=MONDAY_9 + dt.timedelta(hours=2), resolution_due=MONDAY_9 + dt.timedelta(hours=8),
                  paused_seconds=0, reopened_count=0)


class Events(list):
    def __call__(self, kind, actor, cause="", **data):
        self.append((kind, actor, cause, data))

    def kinds(self):
        return [kind for kind, *_ in self]


def test_waiting_pauses_the_clock_and_the_reply_moves_unmet_due_times_by_the_open_time_waited():
    ticket, events = _ticket(), Events()
    transition(ticket, "open", at=MONDAY_9, actor="rule", cause="assigned", sla=SLA, record=events)
    responded(ticket, at=MONDAY_9 + dt.timedelta(hours=1), actor="agent:a@x", record=events)
    transition(ticket, "waiting_on_requester", at=MONDAY_9 + dt.timedelta(hours=1), actor="agent:a@x",
               cause="#waiting", sla=SLA, record=events)
    # the requester answers Tuesday 11:00: 7 open hours Monday (10-17) + 2 Tuesday = 9 hours waited
    back = dt.datetime(2026, 11, 24, 11, tzinfo=UTC)
    transition(ticket, "open", at=back, actor="requester", cause="reply", sla=SLA, record=events)
    assert ticket.paused_seconds == 9 * 3600 and ticket.sla_paused_at is None
    # resolution was due Monday 17:00, 7 open hours after the pause began: now Tuesday 11:00 + 7h = Wednesday 10:00
    assert ticket.resolution_due == dt.datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert ticket.first_response_due == MONDAY_9 + dt.timedelta(hours=2)  # met before the pause: unchanged
    assert events.kinds() == ["state_changed", "first_response", "sla_paused", "state_changed", "sla_resumed",
                              "state_changed"]
    resumed = events[4][3]
    assert resumed["paused_seconds"] == 9 * 3600 and "first_response_due" not in resumed


def test_a_due_time_breached_before_the_pause_is_not_excused():
    ticket, events = _ticket(), Events()
    late = MONDAY_9 + dt.timedelta(hours=3)  # first response was due at 11:00
    transition(ticket, "waiting_on_requester", at=late, actor="agent:a@x", cause="", sla=SLA, record=events)
    transition(ticket, "open", at=late + dt.timedelta(hours=2), actor="requester", cause="", sla=SLA, record=events)
    assert ticket.first_response_due == MONDAY_9 + dt.timedelta(hours=2)
    assert ticket.resolution_due == dt.datetime(2026, 11, 24, 11, tzinfo=UTC)  # Monday 17:00 + 2 open hours


def test_resolve_reopen_and_close_and_what_is_forbidden():
    ticket, events = _ticket(), Events()
    at = MONDAY_9 + dt.timedelta(hours=4)
    transition(ticket, "resolved", at=at, actor="agent:a@x", cause="#resolve", sla=SLA, record=events)
    assert ticket.resolved_at == at
    assert not transition(ticket, "resolved", at=at, actor="agent:a@x", cause="", sla=SLA, record=events)
    transition(ticket, "open", at=at + dt.timedelta(hours=1), actor="requester", cause="reply", sla=SLA,
               record=events)
    assert ticket.resolved_at is None and ticket.reopened_count == 1 and "reopened" in events.kinds()
    transition(ticket, "closed", at=at + dt.timedelta(hours=2), actor="scheduler", cause="", sla=SLA, record=events)
    with pytest.raises(TransitionError, match="IT-000001 is closed: it cannot become open"):
        transition(ticket, "open", at=at, actor="requester", cause="", sla=SLA, record=events)


def test_a_new_priority_recomputes_unmet_due_times_counting_waiting_time():
    ticket, events = _ticket(), Events()
    ticket.paused_seconds = 3600
    p1 = SlaRule(OFFICE, SlaTarget(dt.timedelta(minutes=30), dt.timedelta(hours=4)))
    assert recompute(ticket, at=MONDAY_9, actor="agent:a@x", cause="#priority P1", sla=p1, record=events)
    assert ticket.first_response_due == MONDAY_9 + dt.timedelta(minutes=90)
    assert ticket.resolution_due == MONDAY_9 + dt.timedelta(hours=5)
    assert events.kinds() == ["sla_recomputed"]
    assert not recompute(ticket, at=MONDAY_9, actor="agent:a@x", cause="again", sla=p1, record=events)


def test_kpi_durations_count_open_time_without_waiting():
    ticket, events = _ticket(), Events()
    # answered Monday 11:00 (2 open hours), waiting from 12:00 until resolved Tuesday 12:00 (5 + 3 open hours)
    responded(ticket, at=MONDAY_9 + dt.timedelta(hours=2), actor="agent:a@x", record=events, sla=SLA)
    transition(ticket, "waiting_on_requester", at=MONDAY_9 + dt.timedelta(hours=3), actor="agent:a@x", cause="",
               sla=SLA, record=events)
    transition(ticket, "resolved", at=dt.datetime(2026, 11, 24, 12, tzinfo=UTC), actor="agent:a@x", cause="",
               sla=SLA, record=events)
    assert ticket.first_response_seconds == 2 * 3600
    assert ticket.paused_seconds == 8 * 3600
    assert ticket.resolution_seconds == (8 + 3) * 3600 - 8 * 3600  # Monday 9-17 and Tuesday 9-12, less the pause
    transition(ticket, "open", at=dt.datetime(2026, 11, 24, 13, tzinfo=UTC), actor="requester", cause="",
               sla=SLA, record=events)
    assert ticket.resolution_seconds is None and ticket.resolved_at is None
