"""Overview: the KPIs of ``docs/kpis.md`` for the departments the user may see.

Every figure comes from ``storage.kpis`` through ``dashboard.data.read`` and
has a CSV download. Text from tickets (categories, tags, subjects) is shown
as data (tables, chart labels, plain text), never as markup.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.auth import User
from dashboard.data import read
from dashboard.settings import SettingsError, load_timezone
from storage import Database, kpis, utcnow
from storage.queries import department_names

DEFAULT_DAYS = 30
BREACH_LIMIT = 100
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NO_DEPARTMENTS = "No departments granted: ask an admin to give you access to a department to see its figures."
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(db: Database, user: User | None = None) -> None:
    st.header("Overview")
    if not isinstance(user, User):
        st.error("Nobody is logged in: the Overview shows nothing.")
        return
    if user.departments is not None and not user.departments:
        st.info(NO_DEPARTMENTS)
        return
    kpi = filters(db, user)
    if kpi is None:
        return
    now = utcnow()
    flow_section(db, kpi, now)
    times_section(db, kpi)
    sla_section(db, kpi, now)
    quality_section(db, kpi)
    arrivals_section(db, kpi)
    topics_section(db, kpi)


def filters(db: Database, user: User) -> kpis.KpiFilter | None:
    """The range and dimensions picked on the page, always inside the user's departments."""
    today = utcnow().date()
    days, departments, priorities, categories = st.columns([2, 2, 1, 2])
    picked = days.date_input("Days (UTC)", value=(today - dt.timedelta(days=DEFAULT_DAYS - 1), today),
                             key="overview_days")
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.info("Pick the first and the last day.")
        return None
    allowed = user.departments if user.departments is not None else tuple(read(db, department_names))
    chosen = departments.multiselect("Departments", allowed, placeholder="All your departments",
                                     key="overview_departments")
    scope = tuple(name for name in chosen if user.sees(name)) or user.departments
    choices = read(db, kpis.category_names, kpi=kpis.KpiFilter(*picked, departments=scope))
    priority = priorities.multiselect("Priority", kpis.PRIORITIES, placeholder="All", key="overview_priorities")
    category = categories.multiselect("Category", choices, placeholder="All", key="overview_categories")
    return kpis.KpiFilter(*picked, departments=scope, priorities=tuple(priority) or None,
                          categories=tuple(category) or None)


def flow_section(db: Database, kpi: kpis.KpiFilter, now: dt.datetime) -> None:
    st.subheader("Throughput and backlog")
    per = st.radio("Per", ("day", "week"), horizontal=True, key="overview_flow_per")
    rows = read(db, kpis.daily_flow, kpi=kpi, now=now)
    if per == "week":
        rows = kpis.weekly_flow(rows)
    frame = pd.DataFrame([dataclasses.asdict(row) for row in rows], columns=["start", "created", "resolved", "open"])
    if frame.empty:
        st.info("None of these days has begun yet.")
        return
    frame["start"] = pd.to_datetime(frame["start"])
    created_resolved = frame.melt(id_vars="start", value_vars=["created", "resolved"], var_name="tickets",
                                  value_name="count")
    left, right = st.columns(2)
    left.altair_chart(alt.Chart(created_resolved).mark_bar().encode(
        x=alt.X("start:T", title=f"{per.title()} (UTC)"), xOffset="tickets:N",
        y=alt.Y("count:Q", title="Tickets"), color=alt.Color("tickets:N", title="")), width="stretch")
    right.altair_chart(alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("start:T", title=f"{per.title()} (UTC)"), y=alt.Y("open:Q", title=f"Open at the end of the {per}")),
        width="stretch")
    download(frame, f"throughput-per-{per}", "throughput")


def times_section(db: Database, kpi: kpis.KpiFilter) -> None:
    st.subheader("Response and resolution times (business hours)")
    first = read(db, kpis.first_response_time, kpi=kpi)
    resolution = read(db, kpis.resolution_time, kpi=kpi)
    columns = iter(st.columns(4))
    for name, times, counted in (("First response", first, "first answered"), ("Resolution", resolution, "resolved")):
        for label, seconds in (("median", times.median), ("p90", times.p90)):
            next(columns).metric(f"{name}, {label}", business_hours(seconds),
                                 help=f"Of {times.count} tickets {counted} in the range.")
    download(pd.DataFrame([{"measure": name, "tickets": times.count, "median_seconds": times.median,
                            "p90_seconds": times.p90}
                           for name, times in (("first_response", first), ("resolution", resolution))]),
             "response-and-resolution-times", "times")


def sla_section(db: Database, kpi: kpis.KpiFilter, now: dt.datetime) -> None:
    st.subheader("SLA compliance")
    compliance = read(db, kpis.sla_compliance, kpi=kpi, now=now)
    for column, row in zip(st.columns(len(compliance)), compliance, strict=True):
        column.metric(f"{row.target.replace('_', ' ').capitalize()} met", percent(row.share),
                      help=f"{row.met} met, {row.breached} breached in the range.")
    download(pd.DataFrame([{"target": row.target, "met": row.met, "breached": row.breached, "share": row.share}
                           for row in compliance]), "sla-compliance", "sla")
    breaches = read(db, kpis.sla_breaches, kpi=kpi, now=now, limit=BREACH_LIMIT)
    if not breaches:
        st.caption("No SLA breaches in the range.")
        return
    st.caption(f"Breaches in the range, latest due time first ({len(breaches)} shown, at most {BREACH_LIMIT}; times UTC).")
    frame = pd.DataFrame([dataclasses.asdict(row) for row in breaches], columns=[
        "key", "department", "priority", "category", "subject", "target", "due", "done_at"])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "due": st.column_config.DatetimeColumn("Due (UTC)", format="YYYY-MM-DD HH:mm"),
        "done_at": st.column_config.DatetimeColumn("Done late (UTC)", format="YYYY-MM-DD HH:mm")})
    download(frame, "sla-breaches", "breaches")


def quality_section(db: Database, kpi: kpis.KpiFilter) -> None:
    st.subheader("Reopenings and satisfaction")
    reopened = read(db, kpis.reopen_rate, kpi=kpi)
    rating = read(db, kpis.satisfaction, kpi=kpi)
    first, second, third = st.columns(3)
    first.metric("Reopen rate", percent(reopened.share),
                 help=f"{reopened.count} of {reopened.of} tickets resolved in the range were reopened.")
    second.metric("Satisfaction", "–" if rating.average is None else f"{rating.average:.2f} / 5",
                  help=f"Average of {rating.rated} ratings.")
    third.metric("Rating response rate", percent(rating.response_rate),
                 help=f"{rating.rated} of {rating.resolved} resolved tickets were rated.")
    download(pd.DataFrame([
        {"measure": "reopen_rate", "count": reopened.count, "of": reopened.of, "value": reopened.share},
        {"measure": "satisfaction_average", "count": rating.total, "of": rating.rated, "value": rating.average},
        {"measure": "rating_response_rate", "count": rating.rated, "of": rating.resolved,
         "value": rating.response_rate},
    ]), "reopenings-and-satisfaction", "quality")


def arrivals_section(db: Database, kpi: kpis.KpiFilter) -> None:
    try:
        zone = load_timezone()
    except SettingsError as error:
        st.error(f"{error} The arrivals are shown in UTC.")
        zone = "UTC"
    st.subheader(f"Arrivals per weekday and hour ({zone})")
    cells = read(db, kpis.arrivals_heatmap, kpi=kpi, timezone=zone)
    frame = pd.DataFrame([{"weekday": WEEKDAYS[cell.weekday], "hour": cell.hour, "count": cell.count}
                          for cell in cells])
    st.altair_chart(alt.Chart(frame).mark_rect().encode(
        x=alt.X("hour:O", title=f"Hour ({zone})"), y=alt.Y("weekday:N", sort=list(WEEKDAYS), title=""),
        color=alt.Color("count:Q", title="Tickets"), tooltip=["weekday", "hour", "count"]), width="stretch")
    download(frame, "arrivals-heatmap", "arrivals")


def topics_section(db: Database, kpi: kpis.KpiFilter) -> None:
    top, rising = st.columns(2)
    top.subheader("Top categories")
    categories = pd.DataFrame([dataclasses.asdict(row) for row in read(db, kpis.top_categories, kpi=kpi)],
                              columns=["category", "count", "share"])
    top.dataframe(categories, hide_index=True, width="stretch", column_config={
        "share": st.column_config.NumberColumn("Share", format="percent")})
    with top:
        download(categories, "top-categories", "categories")
    rising.subheader("Rising topics")
    rising.caption("Created in the range's last 7 days against the 7 days before.")
    topics = pd.DataFrame([{**dataclasses.asdict(row), "change": row.change}
                           for row in read(db, kpis.rising_topics, kpi=kpi)],
                          columns=["kind", "name", "this_week", "previous_week", "change"])
    rising.dataframe(topics, hide_index=True, width="stretch")
    with rising:
        download(topics, "rising-topics", "topics")


def download(frame: pd.DataFrame, name: str, key: str) -> None:
    st.download_button("Download CSV", csv_bytes(frame), file_name=f"{name}.csv", mime="text/csv",
                       key=f"overview_csv_{key}", on_click="ignore")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as UTF-8 CSV; text that a spreadsheet would run as a formula gets a leading quote."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(lambda value: f"'{value}"
                                            if isinstance(value, str) and value.startswith(FORMULA_START) else value)
    return safe.to_csv(index=False).encode()


def business_hours(seconds: int | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.2f} h"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.1%}"
