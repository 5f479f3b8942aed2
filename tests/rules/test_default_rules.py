"""The shipped rule file loads and routes realistic messages as an agent would."""
from __future__ import annotations

from pathlib import Path

import pytest

import rules
from rules import RulesEngine, load_rules

DEFAULT = Path(rules.__file__).parent / "default.toml"
DEPARTMENTS = ("hr", "it", "finance", "facilities")


@pytest.fixture(scope="module")
def engine():
    with RulesEngine(load_rules(DEFAULT, departments=DEPARTMENTS)) as engine:
        yield engine


def message(department: str, subject: str, body: str = "", sender: str = "ann.example@corp.example", **more) -> dict:
    return {"department": department, "to_address": f"{department}@corp.example", "sender": sender,
            "subject": subject, "body": body, "attachment_count": 0, "classification": "normal", **more}


def test_default_rules_load_with_descriptions_and_use_durable_rules(engine):
    assert engine.evaluator == "durable_rules"
    assert len(engine.ruleset.rules) >= 24
    assert all(rule.description for rule in engine.ruleset.rules)
    assert (engine.ruleset.defaults.category, engine.ruleset.defaults.priority) == ("general", "P3")


@pytest.mark.parametrize(
    ("facts", "department", "category", "priority", "tag"),
    [
        (message("it", "VPN not working since this morning"), None, "outage", "P1", "vpn"),
        (message("it", "Can't log in to my laptop", "It says my password is wrong."), None, "access", "P2", "login"),
        (message("it", "Please install Visio", "I need a licence for Visio."), None, "software", "P4", None),
        (message("it", "Password reset please", "I forgot my password."), None, "access", "P3", "password"),
        (message("it", "Download of the new client is slow"), None, "general", "P3", None),
        (message("it", "Ransomware? All my files are encrypted"), None, "security", "P1", "security"),
        (message("it", "My badge does not open the door"), "facilities", "access-card", "P3", "rerouted"),
        (message("hr", "Formal complaint about my team lead", "I am being bullied."), "hr", "complaint", "P2",
         "confidential"),
        (message("hr", "Payslip for March is wrong"), "finance", "payroll", "P2", "rerouted"),
        (message("hr", "Annual leave in August"), None, "leave", "P3", None),
        (message("hr", "New hire starting 1 June", "Our new starter needs a desk and a laptop."), None,
         "onboarding", "P2", "onboarding"),
        (message("hr", "Question about my pension"), None, "benefits", "P3", None),
        (message("finance", "Expense claim for the Berlin trip", attachment_count=2), None, "expenses", "P3", None),
        (message("finance", "Invoice 2024-113 overdue", "Final reminder.", sender="billing@supplier.example",
                 attachment_count=1), None, "invoices", "P2", "external"),
        (message("finance", "Invoice for October", sender="billing@supplier.example"), None, "invoices", "P3",
         "missing-attachment"),
        (message("finance", "PO-20931 approval needed"), None, "purchase-orders", "P3", None),
        (message("facilities", "Water leak in the kitchen on floor 3"), None, "emergency", "P1", "safety"),
        (message("facilities", "Heating broken in room 2.14"), None, "heating", "P2", None),
        (message("facilities", "Lost my badge"), None, "access-card", "P2", "security"),
        (message("facilities", "Desk move for the sales team"), None, "workplace", "P4", None),
        (message("facilities", "Bins not emptied"), None, "cleaning", "P4", None),
        (message("it", "Burning smell in the server room"), "facilities", "emergency", "P1", "safety"),
        (message("it", "New software for the board", sender="ceo@corp.example"), None, "software", "P2",
         "executive"),
        (message("it", "Critical: mail01 unreachable", sender="monitoring@corp.example"), "it", "outage", "P1",
         "monitoring"),
    ],
)
def test_default_rules_route_realistic_messages(engine, facts, department, category, priority, tag):
    decision = engine.classify(facts)
    assert (decision.department, decision.category, decision.priority) == (department, category, priority), decision
    if tag:
        assert tag in decision.tags, decision
    assert all(match.reasons for match in decision.matched)


def test_confidential_complaint_stops_later_rules(engine):
    decision = engine.classify(message("hr", "Complaint: my salary and holiday were discussed in public"))
    assert [match.rule for match in decision.matched] == ["hr-confidential-complaint"]
    assert (decision.department, decision.tags) == ("hr", ("confidential",))
