"""The facts rules see about a message, and the employee directory they come from."""
import datetime as dt

import pytest

from mailgateway.parse import parse
from workflows.calendar import BusinessCalendar
from workflows.directory import Directory, DirectoryError
from workflows.facts import importance, message_facts

OFFICE = BusinessCalendar.build(timezone="Europe/Berlin", hours={d: ["08:00-17:00"] for d in ("mon", "tue", "wed")})


def _raw(extra=""):
    return (b"From: =?utf-8?q?Ana_Garc=C3=ADa?= <Ana.Garcia@Corp.Example>\r\nTo: it@corp.example, x@corp.example\r\n"
            b"Cc: Boss <boss@corp.example>\r\nSubject: Printer\r\nMessage-ID: <1@x>\r\n" + extra.encode()
            + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
            b"> old quoted text\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
            b"filename=scan.pdf\r\n\r\n%PDF\r\n--b--\r\n")


def test_message_facts_cover_addresses_attachments_arrival_and_requester(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("email,name,department,manager,location,vip\n"
                    "ana.garcia@corp.example,Ana García,Sales,Boss@Corp.Example,Berlin,yes\n", encoding="utf-8")
    wednesday_evening = dt.datetime(2026, 11, 25, 17, 30, tzinfo=dt.timezone.utc)  # 18:30 in Berlin: closed
    facts = message_facts(parse(_raw("Importance: High\r\n")), kind="normal", department="it",
                          address="it@corp.example", at=wednesday_evening, calendar=OFFICE,
                          directory=Directory.load(path))
    assert facts["sender"] == "ana.garcia@corp.example" and facts["sender_domain"] == "corp.example"
    assert facts["to"] == "it@corp.example, x@corp.example" and facts["cc"] == "boss@corp.example"
    assert facts["attachment_count"] == 1 and facts["attachment_types"] == "application/pdf scan.pdf"
    assert facts["importance"] == "high"
    assert (facts["weekday"], facts["hour"], facts["business_hours"]) == ("wed", 18, False)
    assert facts["requester_vip"] is True and facts["requester_manager"] == "boss@corp.example"
    assert facts["requester_name"] == "Ana García" and facts["requester_location"] == "Berlin"


def test_a_sender_the_directory_does_not_list_has_no_requester_fields():
    facts = message_facts(parse(_raw()), kind="normal", department="it", address="it@corp.example",
                          at=dt.datetime(2026, 11, 23, 9, tzinfo=dt.timezone.utc), calendar=OFFICE,
                          directory=Directory({}))
    assert not any(key.startswith("requester_") for key in facts)
    assert facts["business_hours"] is True and facts["importance"] == "normal"


@pytest.mark.parametrize("headers, expected", [
    ({"importance": "Low"}, "low"),
    ({"x-priority": "2 (High)"}, "high"),
    ({"x-priority": "5"}, "low"),
    ({"x-priority": "3 (Normal)"}, "normal"),
    ({"priority": "urgent"}, "high"),
    ({"x-msmail-priority": "High"}, "high"),
    ({"importance": "bogus", "x-priority": "1"}, "high"),
    ({}, "normal"),
])
def test_importance_from_each_header_mail_clients_use(headers, expected):
    assert importance(headers) == expected


def test_directory_reads_an_hr_export_with_bom_semicolons_and_any_column_order(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffVIP ; Email ; Name\n1;Maria.Keller@corp.example;Maria Keller\n\n"
                     "no;jan@corp.example;Jan\n".encode("utf-8"))
    directory = Directory.load(path)
    assert len(directory) == 2
    assert directory["MARIA.KELLER@corp.example"].vip is True and directory.get("jan@corp.example").vip is False
    assert directory.manager_of("jan@corp.example") is None and directory.get("nobody@x") is None


@pytest.mark.parametrize("text, message", [
    ("name,dept\nx,y\n", "export.csv:1: the header row has no 'email' column"),
    ("email,name,boss\na@x,A,B\n", "export.csv:1: unknown column 'boss'"),
    ("email,name\na@x,A\nb@x,B\nA@X,C\n", "export.csv:4: a@x is listed twice (first at line 2)"),
    ("email,vip\na@x,maybe\n", "export.csv:2: vip must be yes or no, not 'maybe'"),
    ("email\nnot-an-address\n", "export.csv:2: 'not-an-address' is not an email address"),
])
def test_a_directory_that_cannot_be_used_is_refused_with_file_and_line(tmp_path, text, message):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DirectoryError) as error:
        Directory.load(path)
    assert f"{path.parent}/{message}" in str(error.value)


def test_directory_keeps_quoted_line_breaks_and_reads_addresses_written_with_a_name(tmp_path):
    # HR exports quote cells holding line breaks, and some write "Name <address>" for email and manager.
    path = tmp_path / "people.csv"
    path.write_bytes(b'email,name,location,manager,vip\r\n'
                     b'"Anna Schmidt <Anna.Schmidt@corp.example>",Anna,"Berlin\r\nHaus 2","Maria <maria@corp.example>",1\r\n'
                     b'ben@corp.example,Ben,Hamburg,,no\r\n'
                     b'not-an-address,Nobody,,,no\r\n')
    with pytest.raises(DirectoryError, match=r"people.csv:5: 'not-an-address' is not an email address"):
        Directory.load(path)
    path.write_bytes(path.read_bytes().replace(b"not-an-address,Nobody,,,no\r\n", b""))
    directory = Directory.load(path)
    anna = directory.get("anna.schmidt@corp.example")
    assert anna is not None and anna.location == "Berlin\nHaus 2" and anna.manager == "maria@corp.example"
    assert directory.manager_of("ANNA.SCHMIDT@corp.example") == "maria@corp.example"
    assert directory["ben@corp.example"].location == "Hamburg"
