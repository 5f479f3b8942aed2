"""IMAP mailboxes that log in with OAuth 2.0 (XOAUTH2): a real Dovecot checks each token with a local
authorisation server, which also issues tokens by the client-credentials grant."""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from mailgateway.imap import MailboxFetcher
from mailgateway.oauth2 import ClientCredentials, TokenCommand, TokenError
from tests.mailgateway.test_imap import fetching, inbound_count, last_error, mailbox, request
from tests.waiting import wait_for

CLIENT_ID, SECRET, SCOPE = "helpdesk-app", "app-secret-123", "https://outlook.office365.com/.default"


class AuthServer:
    """Issues tokens (POST /token, client credentials) and says whether one is active (POST /introspect)."""

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.users: dict[str, str] = {}  # token -> whose mailbox it opens (default: the user "oauth")
        self.revoked: set[str] = set()
        self.grants: list[dict] = []
        self.refuse: tuple[int, dict] | None = None  # answer every /token request with this
        self.lifetime = 3600
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                form = {key: values[0] for key, values in
                        parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                status, answer = owner.answer(self.path, form)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, form: dict) -> tuple[int, dict]:
        if path == "/introspect":
            token = form.get("token", "")
            active = token in self.issued and token not in self.revoked
            return 200, ({"active": True, "username": self.users.get(token, "oauth")} if active else {"active": False})
        self.grants.append(form)
        if self.refuse:
            return self.refuse
        if (form.get("grant_type"), form.get("client_id"), form.get("client_secret"), form.get("scope")) != (
                "client_credentials", CLIENT_ID, SECRET, SCOPE):
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."}
        token = f"token-{len(self.issued) + 1}"
        self.issued.append(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def auth():
    server = AuthServer()
    yield server
    server.close()


@pytest.fixture
def oauth_dovecot(dovecot_factory, auth):
    return dovecot_factory(introspection_url=f"{auth.url}/introspect")


def credentials(auth: AuthServer, secret: str = SECRET) -> ClientCredentials:
    return ClientCredentials(f"{auth.url}/token", CLIENT_ID, secret, SCOPE, timeout=5)


def test_a_client_credentials_mailbox_fetches_and_reuses_its_token_until_refused(oauth_dovecot, auth,
                                                                                 sqlite_database):
    box = mailbox(oauth_dovecot, "oauth", token=credentials(auth), password="not used")
    oauth_dovecot.deliver("oauth", [request(1), request(2)])
    with fetching(box, sqlite_database):
        assert wait_for(lambda: len(oauth_dovecot.uids("oauth", "Processed")) == 2)
    oauth_dovecot.deliver("oauth", [request(3)])
    with fetching(box, sqlite_database):  # a second connection: the token is still good, no new grant
        assert wait_for(lambda: inbound_count(sqlite_database) == 3)
    assert auth.issued == ["token-1"] and len(auth.grants) == 1
    auth.revoked.add("token-1")  # revoked by the provider before it expired
    oauth_dovecot.deliver("oauth", [request(4)])
    with fetching(box, sqlite_database):  # refused once, then a new token
        assert wait_for(lambda: inbound_count(sqlite_database) == 4, timeout=15)
    assert auth.issued == ["token-1", "token-2"]
    assert "token-1" in auth.revoked and oauth_dovecot.uids("oauth") == []


def test_an_expiring_token_is_renewed_before_it_runs_out(auth):
    auth.lifetime = 30  # less than the margin: every call asks again
    source = credentials(auth)
    assert (source(), source()) == ("token-1", "token-2")
    auth.lifetime = 3600
    assert (source(), source()) == ("token-3", "token-3")


def test_a_refused_client_says_what_the_provider_said_and_never_the_secret(oauth_dovecot, auth, sqlite_database):
    source = credentials(auth, secret="wrong-secret-456")
    with pytest.raises(TokenError, match=r"answered 401: invalid_client: AADSTS7000215: Invalid client secret\.") as error:
        source()
    assert "wrong-secret-456" not in str(error.value) and "wrong-secret-456" not in repr(source)
    box = mailbox(oauth_dovecot, "refused", token=source, password="")
    oauth_dovecot.deliver("refused", [request(1)])
    with fetching(box, sqlite_database):  # the mailbox keeps trying, and says why it cannot
        assert wait_for(lambda: "invalid_client" in (last_error(sqlite_database) or ""))
    assert inbound_count(sqlite_database) == 0 and oauth_dovecot.uids("refused") == [1]
    assert "wrong-secret-456" not in last_error(sqlite_database)


def test_a_token_endpoint_that_is_down_or_answers_nonsense_is_a_clear_error(auth):
    auth.refuse = (200, {"token_type": "Bearer"})
    with pytest.raises(TokenError, match="gave no access token"):
        credentials(auth)()
    source = ClientCredentials("http://127.0.0.1:1/token", CLIENT_ID, SECRET, SCOPE, timeout=2)
    with pytest.raises(TokenError, match="could not be reached"):
        source()


def test_a_token_command_logs_in_and_its_failures_are_named(oauth_dovecot, auth, sqlite_database):
    auth.issued.append("from-the-command")  # the token the program hands out is one the server knows ...
    auth.users["from-the-command"] = "command"  # ... for this mailbox
    box = mailbox(oauth_dovecot, "command", password="",
                  token=TokenCommand([sys.executable, "-c", "print('from-the-command'); print('ignored')"]))
    oauth_dovecot.deliver("command", [request(1)])
    with fetching(box, sqlite_database):
        assert wait_for(lambda: inbound_count(sqlite_database) == 1)
    failing = TokenCommand([sys.executable, "-c", "import sys; sys.stderr.write('vault is sealed'); sys.exit(3)"])
    with pytest.raises(TokenError, match="exited with status 3: vault is sealed"):
        failing()
    with pytest.raises(TokenError, match="printed no token"):
        TokenCommand([sys.executable, "-c", "pass"])()
    with pytest.raises(TokenError, match="could not run"):
        TokenCommand(["/nonexistent/token-helper"])()


def test_a_wrong_token_is_refused_by_the_server(oauth_dovecot, auth):
    fetcher = MailboxFetcher(mailbox(oauth_dovecot, "oauth", password="", token=lambda: "never-issued"), None)
    with pytest.raises(Exception, match="AUTHENTICATIONFAILED|[Aa]uthentication failed"):
        fetcher.connect()
