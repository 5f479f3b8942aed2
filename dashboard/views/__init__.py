"""The dashboard's pages, one module each, and the sections they share.

(Not named ``pages/``: Streamlit would turn a ``pages/`` folder next to
``app.py`` into pages of its own, reachable without the login gate.)
"""
