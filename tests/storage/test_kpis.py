"""Every KPI of storage.kpis on a hand-built set of 21 tickets, on SQLite and PostgreSQL.

The right answers are worked out by hand in the comments next to each
assertion, from the table below; nothing here recomputes them with the code
under test. The main range is two ISO weeks, Monday 2024-03-04 to Sunday
2024-03-17 (UTC, both days included); the figures are taken at NOW.
"""
import datetime as dt

import pytest
from sqlalchemy import text

from storage import Ticket
from storage.kpis import (
    Breach,
    CategoryCount,
    Flow,
    KpiFilter,
    Percentiles,
    Rate,
    RisingTopic,
    Satisfaction,
    SlaCompliance,
    arrivals_heatmap,
    category_names,
    daily_flow,
    first_response_time,
    reopen_rate,
    resolution_time,
    rising_topics,
    satisfaction,
    sla_breaches,
    sla_compliance,
    top_categories,
    weekly_flow,
)

UTC = dt.UTC
D = dt.date


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=UTC)


NOW = at(2, 12, month=4)
MAIN = KpiFilter(D(2024, 3, 4), D(2024, 3, 17))  # [Mar 4 00:00, Mar 18 00:00) UTC


def ticket(id_, key, department, priority, category, tags, state, created, *, fr_due=None, responded=None,
           frs=None, res_due=None, resolved=None, rs=None, closed=None, paused=None, reopened=0, rating=None,
           parent=None, subject=""):
    return {"id": id_, "subject": subject, "key": key, "department": department, "priority": priority, "category": category,
            "tags": tags, "state": state, "created_at": created, "updated_at": created,
            "requester_email": f"{key.lower()}@corp.example", "first_response_due": fr_due,
            "first_responded_at": responded, "first_response_seconds": frs, "resolution_due": res_due,
            "resolved_at": resolved, "resolution_seconds": rs, "closed_at": closed, "sla_paused_at": paused,
            "reopened_count": reopened, "satisfaction": rating, "parent_id": parent}


# fr = first response, res = resolution; "met"/"breached" say how each target is decided, and when.
TICKETS = [
    # Before the range: both still open at its start.
    ticket(1, "IT-1", "it", "P3", "hardware", [], "resolved", at(28, 10, month=2),
           fr_due=at(28, 14, month=2), responded=at(28, 11, month=2), frs=3600,  # fr met Feb 28: outside
           res_due=at(1, 10), resolved=at(5, 10), rs=90000, rating=2),  # res breached Mar 1: outside; done Mar 5
    ticket(2, "HR-1", "hr", "P4", "payroll", [], "open", at(1, 9),
           fr_due=at(1, 17), responded=at(1, 10), frs=3600,  # fr met Mar 1: outside
           res_due=at(6, 17)),  # res breached at Mar 6 17:00, still unmet
    # Week 1 (Mar 4-10).
    ticket(3, "IT-2", "it", "P2", "network", ["vpn"], "closed", at(4, 8),
           fr_due=at(4, 10), responded=at(4, 9), frs=3600,  # fr met
           res_due=at(4, 16), resolved=at(4, 15), rs=25200, closed=at(11, 15), rating=5),  # res met
    ticket(4, "IT-3", "it", "P2", "network", ["vpn"], "resolved", at(5, 23, 30),
           fr_due=at(6, 9), responded=at(6, 10), frs=7200,  # fr breached at Mar 6 09:00 (answered 10:00)
           res_due=at(6, 17), resolved=at(6, 16), rs=21600, reopened=1),  # res met
    ticket(5, "HR-3", "hr", "P3", "payroll", [], "closed", at(6, 12),
           fr_due=at(6, 16), responded=at(6, 12, 30), frs=1800,  # fr met
           # waited from Mar 6 13:00, auto-closed Mar 13 13:00 (the close resumed the clock: due moved to Mar 14)
           res_due=at(14, 12), closed=at(13, 13)),  # res met by the close, without resolved_at
    ticket(6, "FIN-1", "finance", "P3", "invoice", ["invoice"], "resolved", at(7, 9),
           fr_due=at(7, 13), responded=at(7, 9, 30), frs=1800,  # fr met
           res_due=at(8, 9), resolved=at(7, 17), rs=28800, rating=5),  # res met
    # Week 2 (Mar 11-17).
    ticket(7, "IT-4", "it", "P1", "network", ["vpn", "outage"], "resolved", at(11, 7, 15),
           fr_due=at(11, 7, 45), responded=at(11, 7, 30), frs=900,  # fr met
           res_due=at(11, 11, 15), resolved=at(11, 13, 15), rs=21600, rating=3),  # res breached at 11:15
    ticket(8, "IT-5", "it", "P3", "hardware", [], "waiting_on_requester", at(11, 10),
           fr_due=at(11, 14), responded=at(11, 12), frs=7200,  # fr met
           res_due=at(12, 10), paused=at(11, 16)),  # waiting since before its due: res undecided
    ticket(9, "HR-2", "hr", "P3", "onboarding", ["new-hire"], "closed", at(12, 8, 30),
           fr_due=at(12, 12, 30), responded=at(12, 9), frs=1800,  # fr met
           res_due=at(13, 8, 30), resolved=at(14, 10), rs=36000, closed=at(16, 10), rating=5),  # res breached
    ticket(10, "IT-6", "it", "P3", "access", ["password"], "resolved", at(12, 9),  # a child of HR-2
           fr_due=at(12, 13),  # resolved before its fr due without an answer: fr undecided
           res_due=at(13, 9), resolved=at(12, 11), rs=7200, rating=4, parent=9),  # res met
    ticket(11, "FIN-2", "finance", "P3", "invoice", ["invoice"], "resolved", at(12, 14),
           fr_due=at(12, 18), responded=at(12, 15), frs=3600,  # fr met
           res_due=at(13, 14), resolved=at(13, 10), rs=14400, reopened=1),  # res met
    ticket(12, "IT-7", "it", "P3", "network", ["vpn"], "new", at(13, 14), subject="VPN drops every hour",
           fr_due=at(13, 18), res_due=at(14, 14)),  # fr breached Mar 13 18:00, res breached Mar 14 14:00
    ticket(13, "FIN-3", "finance", "P4", "invoice", ["invoice"], "open", at(13, 9),
           fr_due=at(13, 17), responded=at(13, 16), frs=25200,  # fr met
           res_due=at(15, 9)),  # res breached Mar 15 09:00
    ticket(14, "HR-4", "hr", "P2", "payroll", ["payslip"], "resolved", at(14, 9),
           fr_due=at(14, 11), responded=at(14, 10), frs=3600,  # fr met
           res_due=at(14, 17), resolved=at(14, 16), rs=25200, reopened=2, rating=4),  # res met
    ticket(15, "IT-8", "it", "P4", "hardware", [], "resolved", at(15, 20),
           fr_due=at(18, 10), responded=at(15, 21), frs=0,  # fr met Mar 15 (due after the range)
           res_due=at(20, 10), resolved=at(19, 9), rs=3600, rating=1),  # res met Mar 19: outside
    ticket(16, "HR-5", "hr", "P3", "payroll", ["payslip"], "waiting_on_requester", at(15, 10),
           fr_due=at(15, 14), paused=at(15, 15),  # fr breached at 14:00: the wait began after the due
           res_due=at(18, 10)),  # due after the range
    ticket(17, "FIN-4", "finance", "P3", "expenses", [], "new", at(16, 11),
           fr_due=at(18, 12), res_due=at(19, 11)),  # both due after the range
    ticket(18, "IT-9", "it", "P3", "access", ["password"], "open", at(17, 23),
           fr_due=at(18, 12), responded=at(18, 13), frs=7200,  # fr breached Mar 18: outside
           res_due=at(19, 23)),
    # After the range, around the switch to summer time in Berlin (Sunday 2024-03-31).
    ticket(19, "IT-10", "it", "P2", "network", ["vpn"], "new", at(30, 9, 50)),  # Sat: 10:50 CET, 15:20 IST
    ticket(20, "IT-11", "it", "P2", "network", [], "new", at(1, 9, 10, month=4)),  # Mon: 11:10 CEST, 14:40 IST
    ticket(21, "IT-12", "it", "P2", "network", [], "new", at(1, 9, 45, month=4)),  # Mon: 11:45 CEST, 15:15 IST
]


@pytest.fixture
def db(database):
    with database.transaction() as session:
        for row in TICKETS:
            session.add(Ticket(**row))
            session.flush()  # parents first (IT-6 points at HR-2)
    return database


def kpi(db, function, *args, **kwargs):
    with db.sessions() as session:
        return function(session, *args, **kwargs)


# --- the filter ---

def test_filter_dates_are_whole_utc_days_and_datetimes_half_open():
    assert (MAIN.since, MAIN.until) == (at(4), at(18))
    berlin = dt.timezone(dt.timedelta(hours=1))
    moved = KpiFilter(dt.datetime(2024, 3, 4, 1, tzinfo=berlin), at(5), departments=["it"])
    assert (moved.since, moved.until, moved.departments) == (at(4), at(5), ("it",))
    with pytest.raises(ValueError):
        KpiFilter(at(5), at(5))
    with pytest.raises(ValueError):
        KpiFilter(dt.datetime(2024, 3, 4), at(5))
    with pytest.raises(TypeError):
        KpiFilter(at(4), at(5), departments="it")


# --- throughput and backlog ---

def test_daily_flow_created_done_and_open(db):
    rows = kpi(db, daily_flow, MAIN, now=NOW)
    # created: 4th IT-2; 5th IT-3; 6th HR-3; 7th FIN-1; 11th IT-4, IT-5; 12th IT-6, HR-2, FIN-2;
    #          13th IT-7, FIN-3; 14th HR-4; 15th IT-8, HR-5; 16th FIN-4; 17th IT-9 (23:00)
    # done:    4th IT-2; 5th IT-1; 6th IT-3; 7th FIN-1; 11th IT-4; 12th IT-6; 13th FIN-2, HR-3 (closed,
    #          never resolved); 14th HR-2, HR-4.  (IT-2's and HR-2's later closing do not count again.)
    # open at the end of the day: at the start (Mar 4 00:00) IT-1 and HR-1 = 2, then + created - done:
    # 4th-10th 2; 11th 3; 12th 5; 13th 5; 14th 4; 15th 6; 16th 7; 17th 8. Check of the 17th: HR-1, IT-5,
    # IT-7, IT-8 (done the 19th), IT-9, HR-5, FIN-3, FIN-4.
    created = [1, 1, 1, 1, 0, 0, 0, 2, 3, 2, 1, 2, 1, 1]
    done = [1, 1, 1, 1, 0, 0, 0, 1, 1, 2, 2, 0, 0, 0]
    open_ = [2, 2, 2, 2, 2, 2, 2, 3, 5, 5, 4, 6, 7, 8]
    assert rows == [Flow(D(2024, 3, 4 + n), created[n], done[n], open_[n]) for n in range(14)]


def test_weekly_flow(db):
    assert weekly_flow(kpi(db, daily_flow, MAIN, now=NOW)) == [
        Flow(D(2024, 3, 4), 4, 4, 2),  # Mon-Sun: the sums of the days above; open at the end of Sunday
        Flow(D(2024, 3, 11), 12, 6, 8),
    ]
    # Wed Mar 6 to Tue Mar 12: the cut weeks count only their days in the range.
    assert weekly_flow(kpi(db, daily_flow, KpiFilter(D(2024, 3, 6), D(2024, 3, 12)), now=NOW)) == [
        Flow(D(2024, 3, 4), 2, 2, 2),  # HR-3, FIN-1 | IT-3, FIN-1
        Flow(D(2024, 3, 11), 5, 2, 5),  # IT-4, IT-5, IT-6, HR-2, FIN-2 | IT-4, IT-6
    ]


def test_flow_filters(db):
    def weeks(**dims):
        days = kpi(db, daily_flow, KpiFilter(MAIN.since, MAIN.until, **dims), now=NOW)
        return [(week.created, week.resolved, week.open) for week in weekly_flow(days)]

    # IT, child IT-6 included. Created IT-2, IT-3 | IT-4..IT-9; done IT-1, IT-2, IT-3 | IT-4, IT-6.
    # Open: IT-1 at the start; 4th 1, 5th 1, 6th-10th 0; 11th 1, 12th 1, 13th 2, 14th 2, 15th 3, 16th 3,
    # 17th 4 (IT-5, IT-7, IT-8, IT-9).
    assert weeks(departments=["it"]) == [(2, 3, 0), (6, 2, 4)]
    assert weeks(priorities=["P2"]) == [(2, 2, 0), (1, 1, 0)]  # IT-2, IT-3 | HR-4, each done the same day
    assert weeks(departments=[]) == [(0, 0, 0), (0, 0, 0)]


def test_flow_days_split_at_utc_midnight_whatever_the_session_zone(db):
    with db.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL TIME ZONE 'Pacific/Auckland'"))
        rows = daily_flow(session, KpiFilter(D(2024, 3, 5), D(2024, 3, 6)), now=NOW)
    # IT-3 at 23:30 on the 5th, IT-1 done the 5th; HR-3 created the 6th, IT-3 done the 6th
    assert rows == [Flow(D(2024, 3, 5), 1, 1, 2), Flow(D(2024, 3, 6), 1, 1, 2)]


def test_flow_up_to_now(db):
    rows = kpi(db, daily_flow, KpiFilter(D(2024, 3, 30), D(2024, 4, 5)), now=NOW)
    # Open now (Apr 2 12:00): HR-1, IT-5, IT-7, IT-9, HR-5, FIN-3, FIN-4, IT-10, IT-11, IT-12 = 10.
    # Apr 1: IT-11, IT-12 created -> 8 before; Mar 30: IT-10 created. Days after now are not listed.
    assert rows == [Flow(D(2024, 3, 30), 1, 0, 8), Flow(D(2024, 3, 31), 0, 0, 8),
                    Flow(D(2024, 4, 1), 2, 0, 10), Flow(D(2024, 4, 2), 0, 0, 10)]
    assert kpi(db, daily_flow, KpiFilter(D(2024, 4, 3), D(2024, 4, 5)), now=NOW) == []
    finance = kpi(db, daily_flow, KpiFilter(D(2024, 3, 12), D(2024, 3, 13), departments=["finance"]), now=NOW)
    # FIN-2 created the 12th; FIN-3 created and FIN-2 done the 13th; none open before
    assert finance == [Flow(D(2024, 3, 12), 1, 0, 1), Flow(D(2024, 3, 13), 1, 1, 1)]


# --- times ---

def test_first_response_time_percentiles(db):
    # First answered in the range: IT-2 3600, IT-3 7200, HR-3 1800, FIN-1 1800, IT-4 900, IT-5 7200,
    # HR-2 1800, FIN-2 3600, FIN-3 25200, HR-4 3600, IT-8 0 (Feb/Mar 1/Mar 18 answers are outside).
    # Sorted: 0 900 1800 1800 1800 3600 3600 3600 7200 7200 25200; n = 11:
    # median = the ceil(5.5) = 6th = 3600; p90 = the ceil(9.9) = 10th = 7200.
    assert kpi(db, first_response_time, MAIN) == Percentiles(11, 3600, 7200)
    # Finance: 1800 3600 25200 -> 2nd and ceil(2.7) = 3rd.
    assert kpi(db, first_response_time, KpiFilter(MAIN.since, MAIN.until, departments=["finance"])) == \
        Percentiles(3, 3600, 25200)
    # P1: IT-4 alone is both.
    assert kpi(db, first_response_time, KpiFilter(MAIN.since, MAIN.until, priorities=["P1"])) == \
        Percentiles(1, 900, 900)
    assert kpi(db, first_response_time, KpiFilter(D(2024, 5, 1), D(2024, 5, 2))) == Percentiles(0, None, None)


def test_resolution_time_percentiles(db):
    # Resolved in the range: IT-1 90000, IT-2 25200, IT-3 21600, IT-4 21600, IT-6 7200, HR-2 36000,
    # HR-4 25200, FIN-1 28800, FIN-2 14400 (HR-3 was closed, never resolved; IT-8 on the 19th).
    # Sorted: 7200 14400 21600 21600 25200 25200 28800 36000 90000; n = 9: 5th and ceil(8.1) = 9th.
    assert kpi(db, resolution_time, MAIN) == Percentiles(9, 25200, 90000)
    # Week 2: 21600 7200 36000 25200 14400 -> 7200 14400 21600 25200 36000: 3rd and 5th.
    assert kpi(db, resolution_time, KpiFilter(D(2024, 3, 11), D(2024, 3, 17))) == Percentiles(5, 21600, 36000)


# --- SLA ---

def test_sla_compliance(db):
    first_response, resolution = kpi(db, sla_compliance, MAIN, now=NOW)
    # First response met in the range (answered by the due time): IT-2, HR-3, FIN-1, IT-4, IT-5, HR-2,
    # FIN-2, FIN-3, HR-4, IT-8 = 10. Breached (due in the range, passed unmet): IT-3 (answered late),
    # IT-7 (never), HR-5 (went waiting after the due) = 3. IT-6 resolved before its due without an
    # answer: undecided. FIN-4's and IT-9's due times fall after the range.
    assert first_response == SlaCompliance("first_response", met=10, breached=3)
    assert first_response.share == pytest.approx(10 / 13)
    # Resolution met: IT-2, IT-3, IT-6, HR-3 (closed), HR-4, FIN-1, FIN-2 = 7. Breached: HR-1, IT-4,
    # IT-7, HR-2, FIN-3 = 5. IT-1 was late, but its due time (Mar 1) is before the range; IT-5 waits since
    # before its due time: undecided.
    assert resolution == SlaCompliance("resolution", met=7, breached=5)
    assert resolution.share == pytest.approx(7 / 12)


def test_sla_compliance_is_decided_at_the_due_time_or_when_met(db):
    day = KpiFilter(D(2024, 3, 13), D(2024, 3, 13))
    # Taken on Mar 13 at 17:00. fr: FIN-3 answered 16:00 (due 17:00): met; IT-7's due (18:00) has not
    # passed: undecided. res: FIN-2 resolved 10:00 and HR-3 closed 13:00 in time: met; HR-2 due 08:30
    # passed unmet: breached (on the 13th, though it was resolved on the 14th).
    assert kpi(db, sla_compliance, day, now=at(13, 17)) == [
        SlaCompliance("first_response", 1, 0), SlaCompliance("resolution", 2, 1)]
    # Taken later, IT-7's first response is breached at 18:00 on the 13th.
    assert kpi(db, sla_compliance, day, now=NOW) == [
        SlaCompliance("first_response", 1, 1), SlaCompliance("resolution", 2, 1)]


def test_sla_compliance_per_department(db):
    it = kpi(db, sla_compliance, KpiFilter(MAIN.since, MAIN.until, departments=["it"]), now=NOW)
    # fr met: IT-2, IT-4, IT-5, IT-8 = 4; breached: IT-3, IT-7 = 2
    # res met: IT-2, IT-3, IT-6 = 3; breached: IT-4, IT-7 = 2
    assert it == [SlaCompliance("first_response", 4, 2), SlaCompliance("resolution", 3, 2)]
    none = kpi(db, sla_compliance, KpiFilter(D(2024, 5, 1), D(2024, 5, 2)), now=NOW)
    assert [row.share for row in none] == [None, None]


def test_percentiles_read_in_index_order_equal_the_sorted_ones(db, monkeypatch):
    """Many values are read along the value's index instead of sorted: the same ranks must come out."""
    from storage import kpis

    filters = [MAIN, KpiFilter(D(2024, 3, 6), D(2024, 3, 11)), KpiFilter(D(2024, 2, 1), D(2024, 4, 30)),
               KpiFilter(MAIN.since, MAIN.until, departments=["it", "hr"]),
               KpiFilter(MAIN.since, MAIN.until, priorities=["P3"], categories=["network", "payroll"])]
    sorted_ = [(kpi(db, first_response_time, f), kpi(db, resolution_time, f)) for f in filters]
    assert sorted_[0][0] == Percentiles(11, 3600, 7200)
    monkeypatch.setattr(kpis, "_SORT_AT_MOST", 0)
    assert [(kpi(db, first_response_time, f), kpi(db, resolution_time, f)) for f in filters] == sorted_


def test_sla_compliance_counts_agree_with_the_definitions_in_one_pass(db):
    """The index-friendly counts give what the definitions (met, breached) give summed over every ticket."""
    from sqlalchemy import case, func, select

    from storage import kpis

    filters = [MAIN, KpiFilter(D(2024, 3, 13), D(2024, 3, 13)), KpiFilter(D(2024, 3, 6), D(2024, 3, 11)),
               KpiFilter(MAIN.since, MAIN.until, departments=["it"]), KpiFilter(D(2024, 2, 1), D(2024, 4, 30)),
               KpiFilter(MAIN.since, MAIN.until, categories=["network", "payroll"])]
    for now in (NOW, at(13, 17), at(6, 9, 30)):
        for kpi_filter in filters:
            sums = [func.sum(case((decided, 1), else_=0))
                    for target in kpis.TARGETS
                    for decided in (kpis._met(target, kpi_filter.since, kpi_filter.until),
                                    kpis._breached(target, kpi_filter.since, kpi_filter.until, now))]
            with db.sessions() as session:
                row = session.execute(kpis._dims(session, select(*sums).select_from(Ticket), kpi_filter)).one()
                counted = kpis.sla_compliance(session, kpi_filter, now=now)
            one_pass = [int(value or 0) for value in row]
            assert [(c.met, c.breached) for c in counted] == [tuple(one_pass[:2]), tuple(one_pass[2:])]


def test_sla_breaches_newest_due_first(db):
    rows = kpi(db, sla_breaches, MAIN, now=NOW)
    assert rows == [
        Breach("HR-5", "hr", "P3", "payroll", "first_response", at(15, 14), None),
        Breach("FIN-3", "finance", "P4", "invoice", "resolution", at(15, 9), None),
        Breach("IT-7", "it", "P3", "network", "resolution", at(14, 14), None, "VPN drops every hour"),
        Breach("IT-7", "it", "P3", "network", "first_response", at(13, 18), None, "VPN drops every hour"),
        Breach("HR-2", "hr", "P3", "onboarding", "resolution", at(13, 8, 30), at(14, 10)),
        Breach("IT-4", "it", "P1", "network", "resolution", at(11, 11, 15), at(11, 13, 15)),
        Breach("HR-1", "hr", "P4", "payroll", "resolution", at(6, 17), None),
        Breach("IT-3", "it", "P2", "network", "first_response", at(6, 9), at(6, 10)),
    ]
    assert kpi(db, sla_breaches, MAIN, limit=2, now=NOW) == rows[:2]
    assert kpi(db, sla_breaches, KpiFilter(MAIN.since, MAIN.until, categories=["network"]), now=NOW) == [
        row for row in rows if row.category == "network"]


# --- reopenings and satisfaction ---

def test_reopen_rate(db):
    # Resolved in the range: IT-1, IT-2, IT-3 (reopened 1), IT-4, IT-6, HR-2, HR-4 (2), FIN-1, FIN-2 (1).
    rate = kpi(db, reopen_rate, MAIN)
    assert rate == Rate(3, 9)
    assert rate.share == pytest.approx(1 / 3)
    assert kpi(db, reopen_rate, KpiFilter(MAIN.since, MAIN.until, departments=["hr"])) == Rate(1, 2)  # HR-4 of 2
    assert kpi(db, reopen_rate, KpiFilter(D(2024, 5, 1), D(2024, 5, 2))).share is None


def test_satisfaction(db):
    # The same 9 resolved tickets; rated: IT-1 2, IT-2 5, IT-4 3, IT-6 4, HR-2 5, HR-4 4, FIN-1 5
    # (IT-3 and FIN-2 unrated; IT-8's 1 belongs to the 19th). 7 of 9, sum 28, average 4.0.
    result = kpi(db, satisfaction, MAIN)
    assert result == Satisfaction(resolved=9, rated=7, total=28)
    assert (result.average, result.response_rate) == (4.0, pytest.approx(7 / 9))
    # Payroll: HR-4 alone was resolved (HR-3 closed unresolved, HR-1 and HR-5 open).
    assert kpi(db, satisfaction, KpiFilter(MAIN.since, MAIN.until, categories=["payroll"])) == \
        Satisfaction(1, 1, 4)
    empty = kpi(db, satisfaction, KpiFilter(D(2024, 5, 1), D(2024, 5, 2)))
    assert (empty.average, empty.response_rate) == (None, None)


# --- arrivals heatmap ---

def nonzero(cells):
    assert len(cells) == 168
    return {(cell.weekday, cell.hour): cell.count for cell in cells if cell.count}


def test_heatmap_in_utc_and_in_berlin(db):
    # weekday 0 = Monday. UTC: created times of the 16 tickets of the range.
    assert nonzero(kpi(db, arrivals_heatmap, MAIN)) == {
        (0, 7): 1, (0, 8): 1, (0, 10): 1,  # IT-4 Mon 07:15, IT-2 Mon 08:00, IT-5 Mon 10:00
        (1, 8): 1, (1, 9): 1, (1, 14): 1, (1, 23): 1,  # HR-2, IT-6, FIN-2, IT-3 (Tue 23:30)
        (2, 9): 1, (2, 12): 1, (2, 14): 1,  # FIN-3, HR-3, IT-7
        (3, 9): 2,  # FIN-1, HR-4
        (4, 10): 1, (4, 20): 1,  # HR-5, IT-8
        (5, 11): 1,  # FIN-4
        (6, 23): 1,  # IT-9 (Sun 23:00)
    }
    # Berlin in March is UTC+1: IT-3 moves to Wednesday 00:30, IT-9 to Monday 00:00.
    assert nonzero(kpi(db, arrivals_heatmap, MAIN, timezone="Europe/Berlin")) == {
        (0, 0): 1, (0, 8): 1, (0, 9): 1, (0, 11): 1,
        (1, 9): 1, (1, 10): 1, (1, 15): 1,
        (2, 0): 1, (2, 10): 1, (2, 13): 1, (2, 15): 1,
        (3, 10): 2,
        (4, 11): 1, (4, 21): 1,
        (5, 12): 1,
    }


def test_heatmap_across_daylight_saving_and_half_hour_zones(db):
    around = KpiFilter(D(2024, 3, 30), D(2024, 4, 1))
    # Berlin: Sat 09:50 UTC is 10:50 CET; after the switch, Mon 09:10 and 09:45 UTC are 11:xx CEST.
    assert nonzero(kpi(db, arrivals_heatmap, around, timezone="Europe/Berlin")) == {(5, 10): 1, (0, 11): 2}
    # Kolkata (UTC+5:30): the two Monday arrivals of the same UTC hour fall in different local hours.
    assert nonzero(kpi(db, arrivals_heatmap, around, timezone="Asia/Kolkata")) == {
        (5, 15): 1, (0, 14): 1, (0, 15): 1}


def test_heatmap_ignores_the_session_zone(db):
    with db.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))
        cells = arrivals_heatmap(session, KpiFilter(D(2024, 3, 30), D(2024, 4, 1)))
    assert nonzero(cells) == {(5, 9): 1, (0, 9): 2}


# --- topics ---

def test_top_categories(db):
    # Created in the range (16): network IT-2, IT-3, IT-4, IT-7 = 4; invoice FIN-1..3 = 3;
    # payroll HR-3, HR-4, HR-5 = 3; hardware IT-5, IT-8 = 2; access IT-6, IT-9 = 2; onboarding 1; expenses 1.
    assert kpi(db, top_categories, MAIN, limit=3) == [
        CategoryCount("network", 4, 0.25), CategoryCount("invoice", 3, 3 / 16), CategoryCount("payroll", 3, 3 / 16)]
    assert [row.category for row in kpi(db, top_categories, MAIN)] == [
        "network", "invoice", "payroll", "access", "hardware", "expenses", "onboarding"]


def test_rising_topics_week_over_week(db):
    # Previous week (Mar 4-10): categories network 2, payroll 1, invoice 1; tags vpn 2, invoice 1.
    # This week (Mar 11-17): categories network 2, hardware 2, access 2, invoice 2, payroll 2, onboarding 1,
    # expenses 1; tags vpn 2, password 2, invoice 2, payslip 2, outage 1, new-hire 1.
    # Grew: +2 access, hardware, password, payslip; +1 invoice (both), payroll, expenses, onboarding,
    # new-hire, outage. network and vpn stayed at 2: not rising.
    assert kpi(db, rising_topics, MAIN, limit=20) == [
        RisingTopic("category", "access", 2, 0),
        RisingTopic("category", "hardware", 2, 0),
        RisingTopic("tag", "password", 2, 0),
        RisingTopic("tag", "payslip", 2, 0),
        RisingTopic("category", "invoice", 2, 1),
        RisingTopic("category", "payroll", 2, 1),
        RisingTopic("tag", "invoice", 2, 1),
        RisingTopic("category", "expenses", 1, 0),
        RisingTopic("category", "onboarding", 1, 0),
        RisingTopic("tag", "new-hire", 1, 0),
        RisingTopic("tag", "outage", 1, 0),
    ]
    assert len(kpi(db, rising_topics, MAIN)) == 10
    # Finance: invoice 1 -> 2 (category and tag), expenses 0 -> 1.
    assert kpi(db, rising_topics, KpiFilter(MAIN.since, MAIN.until, departments=["finance"])) == [
        RisingTopic("category", "invoice", 2, 1), RisingTopic("tag", "invoice", 2, 1),
        RisingTopic("category", "expenses", 1, 0)]


def test_category_names_of_the_range(db):
    assert kpi(db, category_names, MAIN) == ["access", "expenses", "hardware", "invoice", "network", "onboarding",
                                             "payroll"]
    # Only the departments narrow the choices (IT-10..12 are IT's); priorities and categories do not.
    assert kpi(db, category_names, KpiFilter(D(2024, 3, 30), D(2024, 4, 1), departments=["it"], priorities=["P4"],
                                             categories=["payroll"])) == ["network"]
    assert kpi(db, category_names, KpiFilter(D(2024, 3, 30), D(2024, 4, 1), departments=["hr"])) == []
    assert kpi(db, category_names, KpiFilter(MAIN.since, MAIN.until, departments=["finance"])) == [
        "expenses", "invoice"]
