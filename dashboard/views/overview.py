"""Overview: tickets created and resolved per day, the backlog, the newest tickets."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.data import read
from dashboard.views.tickets import ticket_list_section
from storage import Database
from storage.queries import backlog, created_resolved_per_day, department_names

UTC = dt.timezone.utc
DEFAULT_DAYS = 30


def render(db: Database) -> None:
    st.header("Overview")
    departments = department_filter(db)
    throughput_section(db, departments)
    backlog_section(db, departments)
    ticket_list_section(db, departments)


def department_filter(db: Database) -> list[str] | None:
    """The departments chosen in the sidebar; None means all of them."""
    chosen = st.sidebar.multiselect(
        "Departments", read(db, department_names), placeholder="All departments", key="departments"
    )
    return chosen or None


def throughput_section(db: Database, departments: list[str] | None) -> None:
    st.subheader("Created and resolved per day (UTC)")
    today = dt.datetime.now(UTC).date()
    picked = st.date_input(
        "Days", value=(today - dt.timedelta(days=DEFAULT_DAYS - 1), today), key="days"
    )
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.info("Pick the first and the last day.")
        return
    since = dt.datetime.combine(picked[0], dt.time.min, UTC)
    until = dt.datetime.combine(picked[1] + dt.timedelta(days=1), dt.time.min, UTC)
    rows = read(db, created_resolved_per_day, since=since, until=until, departments=departments)
    if not rows:
        st.info("No tickets were created or resolved on these days.")
        return
    frame = pd.DataFrame([dataclasses.asdict(row) for row in rows])
    frame["day"] = pd.to_datetime(frame["day"])
    created, resolved = st.columns(2)
    for column, measure in ((created, "created"), (resolved, "resolved")):
        column.bar_chart(frame, x="day", y=measure, color="department",
                         x_label="Day", y_label=f"Tickets {measure}")


def backlog_section(db: Database, departments: list[str] | None) -> None:
    st.subheader("Backlog")
    rows = read(db, backlog, departments=departments)
    st.metric("Open tickets", sum(row.count for row in rows))
    if not rows:
        return
    frame = pd.DataFrame([dataclasses.asdict(row) for row in rows])
    table = frame.pivot_table(index="department", columns="state", values="count",
                              aggfunc="sum", fill_value=0)
    table["total"] = table.sum(axis=1)
    st.dataframe(table, width="stretch")
