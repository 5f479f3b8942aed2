"""The outbound sender's connection to the relay: opportunistic and required STARTTLS, TLS on connect,
AUTH, against real aiosmtpd relays with a certificate made for the test."""
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from helpdesk.config import ConfigError, load_settings
from helpdesk.runner import _relay
from mailgateway.outbound import OutboundSender
from storage import Outbox
from tests.mailgateway.test_outbound import ACK, _queue, _settings

USER, PASSWORD = "helpdesk", "relay-pass-789"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    folder = tmp_path_factory.mktemp("relay-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _server_context(certificate):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


class Recorder:
    """Keeps each message with whether it came over TLS and who logged in."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, bool, str | None]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        login = session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append((envelope.original_content, tls, login))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, data):
    good = (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=good, handled=False, auth_data=data)  # not handled: aiosmtpd answers 535 to a failure


class _NoTls(SMTP):
    async def smtp_STARTTLS(self, arg):  # noqa: N802 - aiosmtpd's name
        await self.push("454 4.7.0 TLS not available due to temporary reason")


class _Relay(Controller):
    def __init__(self, handler, port, server_class=SMTP, **options):
        self.server_class = server_class
        super().__init__(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **options)

    def factory(self):
        return self.server_class(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def relay(free_port, certificate):
    """``relay(**options)``: a started aiosmtpd relay with a Recorder; stopped afterwards."""
    started = []

    def start(tls="starttls", server_class=SMTP, **options):
        recorder = Recorder()
        if tls == "starttls":
            options["tls_context"] = _server_context(certificate)
        elif tls == "tls":
            options["ssl_context"] = _server_context(certificate)
        controller = _Relay(recorder, free_port(), server_class, **options)
        controller.start()
        started.append(controller)
        return controller, recorder

    yield start
    for controller in started:
        controller.stop()


def _outcome(db, outbox_id):
    with db.sessions() as session:
        row = session.get(Outbox, outbox_id)
        return row.status, row.last_error or ""


def test_opportunistic_tls_encrypts_whenever_the_relay_offers_it(database, relay):
    controller, recorder = relay()  # a certificate nobody trusts: opportunistic TLS does not ask
    outbox_id = _queue(database)
    OutboundSender(database, _settings(controller.port)).send_due()
    assert _outcome(database, outbox_id) == ("sent", "")
    assert [(tls, login) for _, tls, login in recorder.received] == [(True, None)]
    assert recorder.received[0][0].endswith(ACK)


def test_opportunistic_tls_goes_on_in_clear_when_the_relay_cannot_do_it(database, relay):
    controller, recorder = relay(server_class=_NoTls)
    outbox_id = _queue(database)
    OutboundSender(database, _settings(controller.port)).send_due()
    assert _outcome(database, outbox_id) == ("sent", "")
    assert [tls for _, tls, _ in recorder.received] == [False]


def test_required_starttls_checks_the_certificate_and_refuses_a_relay_without_it(database, relay, certificate):
    controller, recorder = relay()
    trusted = OutboundSender(database, _settings(controller.port, security="starttls", ca_file=str(certificate[0])))
    first = _queue(database)
    trusted.send_due()
    assert _outcome(database, first) == ("sent", "") and recorder.received[-1][1] is True
    second = _queue(database, message_id="<ack-2@corp.example>")
    OutboundSender(database, _settings(controller.port, security="starttls")).send_due()  # system CAs only
    status, error = _outcome(database, second)
    assert status == "pending" and "CERTIFICATE_VERIFY_FAILED" in error
    plain, plain_recorder = relay(tls=None)
    OutboundSender(database, _settings(plain.port, security="starttls")).send_due()
    assert _outcome(database, second)[0] == "pending"  # leased again only when due: the error is from before
    third = _queue(database, message_id="<ack-3@corp.example>")
    OutboundSender(database, _settings(plain.port, security="starttls")).send_due()
    status, error = _outcome(database, third)
    assert status == "pending" and "does not offer STARTTLS" in error and plain_recorder.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_tls_on_connect_and_login(database, relay, certificate):
    # aiosmtpd does not count TLS on connect as TLS for AUTH (auth_require_tls): the transport is checked instead
    controller, recorder = relay(tls="tls", authenticator=_authenticate, auth_required=True, auth_require_tls=False)
    settings = _settings(controller.port, security="tls", ca_file=str(certificate[0]), user=USER, password=PASSWORD)
    assert PASSWORD not in repr(settings)
    outbox_id = _queue(database)
    OutboundSender(database, settings).send_due()
    assert _outcome(database, outbox_id) == ("sent", "")
    assert [(tls, login) for _, tls, login in recorder.received] == [(True, USER)]


def test_a_wrong_password_keeps_the_mail_waiting_with_the_relays_answer(database, relay, certificate):
    controller, recorder = relay(authenticator=_authenticate, auth_required=True)
    outbox_id = _queue(database)
    OutboundSender(database, _settings(controller.port, security="starttls", ca_file=str(certificate[0]),
                                       user=USER, password="wrong")).send_due()
    status, error = _outcome(database, outbox_id)
    assert status == "pending" and "535" in error and recorder.received == []
    assert "wrong" not in error


def test_relay_login_settings_are_checked(tmp_path, monkeypatch):
    from tests.helpdesk.test_imap_config import SAMPLE

    def load(extra):
        path = tmp_path / "config.toml"
        sample = "\n".join(line for line in SAMPLE.splitlines() if not line.startswith("relay_security ="))
        path.write_text(sample.replace('relay_host = "127.0.0.1"\n', extra, 1))
        return load_settings(path, environ={})

    with pytest.raises(ConfigError, match=r"outbound: .*relay_user needs relay_password_env"):
        load('relay_host = "127.0.0.1"\nrelay_user = "helpdesk"\nrelay_security = "starttls"\n')
    with pytest.raises(ConfigError, match=r"outbound: .*relay_user needs relay_security"):
        load('relay_host = "smtp.corp.example"\nrelay_user = "helpdesk"\nrelay_password_env = "RELAY_PASSWORD"\n')
    settings = load('relay_host = "smtp.corp.example"\nrelay_security = "starttls"\nrelay_user = "helpdesk"\n'
                    'relay_password_env = "RELAY_PASSWORD"\n')
    monkeypatch.delenv("RELAY_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="RELAY_PASSWORD is not set"):
        _relay(settings)
    monkeypatch.setenv("RELAY_PASSWORD", "s3cret")
    relay = _relay(settings)
    assert (relay.security, relay.user, relay.password) == ("starttls", "helpdesk", "s3cret")
