"""An autoresponder war: a peer that answers every mail with a new one (no Auto-Submitted, no tag).

Each of its answers becomes a ticket, but after the configured number of
automatic replies in an hour the helpdesk stops answering, so the loop ends.
"""
import smtplib
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from helpdesk.config import load_settings
from helpdesk.runner import Helpdesk
from storage import Database, Outbox, Ticket

ROOT = Path(__file__).resolve().parents[2]


class Autoresponder:
    """The relay our replies go to, answering each with a fresh mail back to the helpdesk."""

    def __init__(self, gateway_port: int) -> None:
        self.gateway_port = gateway_port
        self.received = 0
        self.lock = threading.Lock()

    def answer(self, number: int) -> None:
        mail = EmailMessage()
        mail["From"] = "Bob Away <bob@corp.example>"
        mail["To"] = "it@corp.example"
        mail["Subject"] = f"Thanks for your message ({number})"
        mail["Message-ID"] = f"<away.{number}.{time.time_ns()}@mail.corp.example>"
        mail.set_content("I read mail once a week. Your message is important to me.")
        with smtplib.SMTP("127.0.0.1", self.gateway_port, timeout=10) as client:
            client.send_message(mail, from_addr="bob@corp.example", to_addrs=["it@corp.example"])

    async def handle_DATA(self, server, session, envelope):
        if "bob@corp.example" not in envelope.rcpt_tos:
            return "250 OK"  # the agents' notices of each new ticket
        with self.lock:
            self.received += 1
            number = self.received
        threading.Thread(target=self.answer, args=(number,), daemon=True).start()
        return "250 OK"


def test_an_autoresponder_gets_at_most_the_configured_replies(tmp_path, config_env):
    env = {**config_env, "HELPDESK__CAPTURE__ENABLED": "false",
           "HELPDESK__OUTBOUND__MAX_AUTOMATIC_REPLIES_PER_SENDER_PER_HOUR": "3"}
    settings = load_settings(ROOT / "config.toml", environ=env)
    peer = Autoresponder(settings.gateway.smtp_port)
    relay = Controller(peer, hostname="127.0.0.1", port=settings.outbound.relay_port)
    relay.start()
    helpdesk = Helpdesk(settings)
    helpdesk.start()
    try:
        peer.answer(0)  # the first mail; every reply to it starts the next round
        deadline = time.monotonic() + 20
        last, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < 3:
            if peer.received != last:
                last, quiet_since = peer.received, time.monotonic()
            time.sleep(0.1)
    finally:
        helpdesk.stop()
        relay.stop()
    db = Database(settings.storage_url())
    with db.sessions() as session:
        tickets = session.query(Ticket).count()
        sent = session.query(Outbox).filter_by(status="sent", kind="acknowledgement").count()
    db.dispose()
    assert peer.received == 3 and sent == 3
    assert tickets == 4  # the answers are kept as tickets; only the replies stop
