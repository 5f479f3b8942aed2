"""The Streamlit dashboard: thin pages over the storage queries.

Start it with ``streamlit run dashboard/app.py``; the launcher passes the
settings in ``HELPDESK_DASHBOARD_*`` environment variables (see
``dashboard.settings``). Ticket text comes from untrusted email, so pages show
it only through ``st.dataframe`` / ``st.text``, never as markdown or HTML.
"""
