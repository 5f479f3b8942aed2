"""The ticket list section: newest tickets, searchable, shown only as data."""
from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from dashboard.data import read
from storage import Database, TicketState
from storage.queries import ticket_list

LIMIT = 200
STATES = [state.value for state in TicketState]
COLUMNS = {
    "key": st.column_config.TextColumn("Key"),
    "department": st.column_config.TextColumn("Department"),
    "requester_email": st.column_config.TextColumn("Requester"),
    "subject": st.column_config.TextColumn("Subject"),
    "category": st.column_config.TextColumn("Category"),
    "priority": st.column_config.TextColumn("Priority"),
    "state": st.column_config.TextColumn("State"),
    "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
    "resolution_due": st.column_config.DatetimeColumn("Resolution due (UTC)", format="YYYY-MM-DD HH:mm"),
}


def ticket_list_section(db: Database, departments: list[str] | None) -> None:
    st.subheader("Tickets")
    search, states = st.columns([2, 1])
    text = search.text_input("Search key, subject or requester", key="ticket_search")
    chosen = states.multiselect("State", STATES, placeholder="All states", key="ticket_states")
    rows = read(db, ticket_list, departments=departments, states=chosen or None,
                search=text, limit=LIMIT)
    if not rows:
        st.info("No tickets match.")
        return
    st.caption(f"Newest {len(rows)} matching tickets (at most {LIMIT}).")
    frame = pd.DataFrame([dataclasses.asdict(row) for row in rows], columns=list(COLUMNS))
    st.dataframe(frame, hide_index=True, column_config=COLUMNS, width="stretch")
