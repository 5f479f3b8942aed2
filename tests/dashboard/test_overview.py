"""The Overview page, run headless with Streamlit's AppTest on the hand-worked KPI tickets (SQLite).

The page is called as the app will call it, ``overview.render(db, user)``,
with the user given directly (no login). The expected figures are the ones
worked out by hand in tests/storage/test_kpis.py for the two weeks
2024-03-04..17 (MAIN there).
"""
import csv
import datetime as dt
import io
from pathlib import PurePosixPath

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from storage import Ticket
from tests.storage.test_kpis import TICKETS, ticket

D = dt.date
SCRIPT = "<script>alert(1)</script>"
TEXT_ELEMENTS = ("markdown", "caption", "text", "title", "header", "subheader",
                 "error", "info", "warning", "success", "code")


@pytest.fixture
def db(sqlite_database):
    rows = [dict(row) for row in TICKETS]
    # A stranger's words as subject, category and tag, on a ticket whose first response is breached.
    rows.append(ticket(22, "IT-13", "it", "P3", SCRIPT, [SCRIPT], "new", dt.datetime(2024, 3, 16, 9, tzinfo=dt.UTC),
                       subject=SCRIPT, fr_due=dt.datetime(2024, 3, 16, 13, tzinfo=dt.UTC)))
    with sqlite_database.transaction() as session:
        for row in rows:
            session.add(Ticket(**row))
            session.flush()
    return sqlite_database


@pytest.fixture
def media(monkeypatch):
    """The in-memory file stores AppTest gives each run: downloads are read back from them."""
    stores = []
    original = MemoryMediaFileStorage.__init__

    def keep(self, endpoint):
        original(self, endpoint)
        stores.append(self)

    monkeypatch.setattr(MemoryMediaFileStorage, "__init__", keep)
    return stores


def page(db, name, role, departments):
    from dashboard.auth import User
    from dashboard.views import overview

    overview.render(db, User(name, role, departments))


def open_page(db, departments=None, role="manager") -> AppTest:
    at = AppTest.from_function(page, args=(db, "pat", role, departments), default_timeout=30).run()
    assert not at.exception
    return at


def pick(at: AppTest) -> AppTest:
    """The two weeks of the hand-worked figures."""
    at.date_input(key="overview_days").set_value((D(2024, 3, 4), D(2024, 3, 17))).run()
    assert not at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def download(at: AppTest, media, key: str) -> list[dict[str, str]]:
    button = at.download_button(key=f"overview_csv_{key}")
    content = media[-1].get_file(PurePosixPath(button.proto.url).name).content
    return list(csv.DictReader(io.StringIO(content.decode())))


def shown_text(at: AppTest) -> str:
    values = [str(element.value) for kind in TEXT_ELEMENTS for element in at.get(kind)]
    values += [f"{metric.label} {metric.value} {metric.proto.help}" for metric in at.metric]
    return "\n".join(values)


def test_default_range_is_the_last_30_days(db):
    at = open_page(db)
    today = dt.datetime.now(dt.UTC).date()
    assert at.date_input(key="overview_days").value == (today - dt.timedelta(days=29), today)
    # The hand-worked tickets are from 2024: nothing of theirs in the last 30 days.
    shown = metrics(at)
    assert (shown["First response, median"], shown["First response met"], shown["Satisfaction"]) == ("–", "–", "–")


def test_all_departments_show_the_hand_worked_figures(db):
    at = pick(open_page(db))
    assert metrics(at) == {
        # first response: n = 11, 6th = 3600 s, 10th = 7200 s; resolution: n = 9, 5th = 25200, 9th = 90000
        "First response, median": "1.00 h", "First response, p90": "2.00 h",
        "Resolution, median": "7.00 h", "Resolution, p90": "25.00 h",
        # first response 10 met, 3 + IT-13 breached; resolution 7 met of 12
        "First response met": "71.4%", "Resolution met": "58.3%",
        # 3 of 9 resolved reopened; ratings 28 / 7, 7 of 9 rated
        "Reopen rate": "33.3%", "Satisfaction": "4.00 / 5", "Rating response rate": "77.8%",
    }


def test_csv_downloads_hold_the_rows(db, media):
    at = pick(open_page(db))
    assert [(row["start"][:10], row["created"], row["resolved"], row["open"])
            for row in download(at, media, "throughput")][:4] == [
        ("2024-03-04", "1", "1", "2"), ("2024-03-05", "1", "1", "2"), ("2024-03-06", "1", "1", "2"),
        ("2024-03-07", "1", "1", "2")]
    assert download(at, media, "sla") == [
        {"target": "first_response", "met": "10", "breached": "4", "share": str(10 / 14)},
        {"target": "resolution", "met": "7", "breached": "5", "share": str(7 / 12)}]
    breaches = download(at, media, "breaches")
    assert [(row["key"], row["target"]) for row in breaches] == [
        ("IT-13", "first_response"), ("HR-5", "first_response"), ("FIN-3", "resolution"), ("IT-7", "resolution"),
        ("IT-7", "first_response"), ("HR-2", "resolution"), ("IT-4", "resolution"), ("HR-1", "resolution"),
        ("IT-3", "first_response")]
    assert download(at, media, "times") == [
        {"measure": "first_response", "tickets": "11", "median_seconds": "3600", "p90_seconds": "7200"},
        {"measure": "resolution", "tickets": "9", "median_seconds": "25200", "p90_seconds": "90000"}]
    # Per week: Mon Mar 4 created 4 done 4 open 2; Mon Mar 11 created 12 + IT-13, done 6, open 8 + IT-13.
    at.radio(key="overview_flow_per").set_value("week").run()
    assert [(row["start"][:10], row["created"], row["resolved"], row["open"])
            for row in download(at, media, "throughput")] == [
        ("2024-03-04", "4", "4", "2"), ("2024-03-11", "13", "6", "9")]


def test_a_user_limited_to_it_sees_only_it(db, media):
    at = pick(open_page(db, departments=("it",)))
    assert at.multiselect(key="overview_departments").options == ["it"]
    assert metrics(at) == {
        # IT first answers 0 900 3600 7200 7200: 3rd and 5th; resolved 7200 21600 21600 25200 90000: same
        "First response, median": "1.00 h", "First response, p90": "2.00 h",
        "Resolution, median": "6.00 h", "Resolution, p90": "25.00 h",
        "First response met": "57.1%",  # IT-2, IT-4, IT-5, IT-8 met; IT-3, IT-7, IT-13 breached
        "Resolution met": "60.0%",  # IT-2, IT-3, IT-6 met; IT-4, IT-7 breached
        "Reopen rate": "20.0%",  # IT-3 of IT-1, IT-2, IT-3, IT-4, IT-6
        "Satisfaction": "3.50 / 5",  # 2 5 3 4
        "Rating response rate": "80.0%",
    }
    assert {row["key"] for row in download(at, media, "breaches")} == {"IT-13", "IT-7", "IT-4", "IT-3"}
    categories = {row["category"] for row in download(at, media, "categories")}
    assert categories == {"network", "hardware", "access", SCRIPT}  # no payroll, invoice, onboarding
    assert "payroll" not in at.multiselect(key="overview_categories").options


def test_department_choice_narrows_within_the_users_departments(db, media):
    at = pick(open_page(db, departments=("it", "hr")))
    assert at.multiselect(key="overview_departments").options == ["it", "hr"]
    at.multiselect(key="overview_departments").select("hr").run()
    assert not at.exception
    # HR resolved in the range: HR-2 (36000, rated 5), HR-4 (25200, reopened, rated 4)
    assert metrics(at)["Resolution, median"] == "7.00 h"  # 25200 of 25200, 36000
    assert metrics(at)["Reopen rate"] == "50.0%"
    assert {row["key"] for row in download(at, media, "breaches")} == {"HR-5", "HR-2", "HR-1"}


def test_no_departments_granted_is_a_message(db):
    at = open_page(db, departments=())
    assert [info.value for info in at.info] == [
        "No departments granted: ask an admin to give you access to a department to see its figures."]
    assert not at.metric
    assert not at.dataframe
    assert not at.get("download_button")


def test_without_a_user_nothing_is_shown(db):
    at = AppTest.from_function(page_without_user, args=(db,), default_timeout=30).run()
    assert not at.exception
    assert [error.value for error in at.error] == ["Nobody is logged in: the Overview shows nothing."]
    assert not at.metric
    assert not at.dataframe


def page_without_user(db):
    from dashboard.views import overview

    overview.render(db)


def test_user_text_is_data_never_markup(db, media):
    at = pick(open_page(db))
    cells = [(name, value) for frame in at.dataframe for name, column in frame.value.items() for value in column]
    # The breach list's subject and category, the top categories, the rising topics (the category; its tag
    # is 11th of the 10 shown: +1 with 1 this week, after the categories).
    assert [name for name, value in cells if value == SCRIPT] == ["category", "subject", "category", "name"]
    assert "<script" not in shown_text(at)
    texts = [*at.markdown, *at.caption]
    assert texts
    assert not any(element.proto.allow_html for element in texts)
    assert SCRIPT in at.multiselect(key="overview_categories").options


def test_heatmap_in_the_configured_time_zone(db, media, monkeypatch):
    monkeypatch.setenv("HELPDESK_DASHBOARD_TIMEZONE", "Europe/Berlin")
    at = pick(open_page(db))
    assert "Arrivals per weekday and hour (Europe/Berlin)" in [header.value for header in at.subheader]
    cells = {(row["weekday"], row["hour"]): row["count"] for row in download(at, media, "arrivals")}
    assert len(cells) == 168
    # Berlin is UTC+1 in March: IT-9 (Sun 23:00 UTC) on Monday 00:00, FIN-1 and HR-4 (Thu 09:00 UTC) at 10.
    assert (cells["Mon", "0"], cells["Sun", "23"], cells["Thu", "10"], cells["Thu", "9"]) == ("1", "0", "2", "0")


def test_a_bad_time_zone_is_named_and_utc_used(db, media, monkeypatch):
    monkeypatch.setenv("HELPDESK_DASHBOARD_TIMEZONE", "Mars/Olympus")
    at = pick(open_page(db))
    assert any("HELPDESK_DASHBOARD_TIMEZONE is not a known IANA time zone" in error.value for error in at.error)
    cells = {(row["weekday"], row["hour"]): row["count"] for row in download(at, media, "arrivals")}
    assert (cells["Sun", "23"], cells["Thu", "9"]) == ("1", "2")
