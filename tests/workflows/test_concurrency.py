"""Several workers on one database: every message processed once, none set aside for the workers' sake."""
import threading
from pathlib import Path

from helpdesk.build import build_services
from helpdesk.config import load_settings
from helpdesk.samples import build_sample
from storage import InboundMessage, Ticket, repo
from workflows.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]


def test_two_workers_on_mail_to_many_departments_process_every_message(database):
    """On PostgreSQL two workers' batches lock the departments' ticket counters in different orders and
    deadlock now and then; the message that loses is tried again, not quarantined."""
    settings = load_settings(ROOT / "config.toml",
                             environ={"HELPDESK__OUTBOUND__MAX_AUTOMATIC_REPLIES_PER_SENDER_PER_HOUR": "0"})
    count = 100
    rows = []
    for index in range(count):
        sender, recipient, raw = build_sample(index)
        raw = raw.replace(b"Message-ID: <", f"Message-ID: <two{index}.".encode(), 1)
        rows.append({"source": "test", "peer": None, "mail_from": sender, "rcpt_to": [recipient], "raw": raw})
    with database.transaction() as session:
        repo.add_inbound_many(session, rows)
    failures = []

    def work(shard):
        try:
            Pipeline(database, build_services(settings), shard=shard).drain()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)

    workers = [threading.Thread(target=work, args=((n, 2),)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not failures
    with database.sessions() as session:
        statuses = {(m.status, m.error) for m in session.query(InboundMessage)}
        assert statuses == {("done", None)}
        keys = [ticket.key for ticket in session.query(Ticket)]
        roots = session.query(Ticket).filter(Ticket.parent_id.is_(None)).count()
    assert roots == count
    assert len(keys) == len(set(keys)) > count  # some requests also open child tickets
