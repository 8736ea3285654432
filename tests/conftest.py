"""Shared fixtures. Each part of briefs adds its own at the end; do not rewrite others'."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

# --- model layer: no test reaches a live model unless it opts in -------------------------
#
# Like pydantic-ai's check_allow_model_requests: every test runs with the OpenAI variables unset and
# all state under tmp_path, so nothing can find a key or a remote endpoint by accident. A test that
# really wants a live model marks itself ``@pytest.mark.live`` and runs only with BRIEFS_ALLOW_LIVE=1.

_LIVE_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "BRIEFS_CONFIG")
# The model layer honours the proxy variables: a machine's own proxy must not carry the tests'
# loopback requests (tests/test_llm_proxy.py sets them itself).
_PROXY_VARIABLES = tuple(
    name for base in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY") for name in (base, base.lower())
)


@pytest.fixture(autouse=True)
def _no_live_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if request.node.get_closest_marker("live"):
        if os.environ.get("BRIEFS_ALLOW_LIVE") != "1":
            pytest.skip("calls a live model: set BRIEFS_ALLOW_LIVE=1 to run it")
        return
    for name in _LIVE_VARIABLES + _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path / "briefs-home"))
    # and even an explicit remote base URL or key cannot reach past 127.0.0.1
    import briefs.llm.network

    monkeypatch.setattr(briefs.llm.network, "ALLOW_REMOTE_REQUESTS", False)
    monkeypatch.setattr(
        briefs.llm.network, "REMOTE_OFF_HINT", "a test must be marked `live` and run with BRIEFS_ALLOW_LIVE=1"
    )


@pytest.fixture
def fake_openai() -> Iterator[FakeServer]:  # noqa: F821  (imported lazily: conftest stays light)
    """A fake OpenAI-compatible server on 127.0.0.1 (briefs.llm.testing.fake_server), stopped afterwards."""
    from briefs.llm.testing.fake_server import FakeServer

    with FakeServer() as server:
        yield server


# --- reader --------------------------------------------------------------------------------


@pytest.fixture
def reader_settings(tmp_path: Path):
    """Default settings with state under tmp_path: what `briefs inspect` uses."""
    from briefs.settings import Settings

    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="session")
def count_o200k():
    """Token counter of the default encoding (o200k_base), loaded once per session."""
    from briefs.tokens import count_tokens, encoding_for

    encoding = encoding_for("gpt-4.1-mini")
    return lambda text: count_tokens(text, encoding)


# --- briefing: golden files are rewritten only when asked --------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures/golden/ from the current output (or set BRIEFS_UPDATE_GOLDEN=1)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when this run may rewrite golden files: review the diff before committing it."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get("BRIEFS_UPDATE_GOLDEN") == "1"


# --- email: a real SMTP server (aiosmtpd) on 127.0.0.1 in the test process ---------------


class SmtpReceived:
    """One message as the server got it: envelope and raw bytes, parsed on demand (policy default)."""

    def __init__(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        self.envelope_from, self.recipients, self.raw = envelope_from, recipients, raw

    @property
    def message(self):  # -> email.message.EmailMessage
        import email
        import email.policy

        return email.message_from_bytes(self.raw, policy=email.policy.default)


class SmtpMailbox:
    """The server's side: what arrived, who logged in, and which recipients to refuse."""

    def __init__(self, refuse: set[str], credentials: tuple[str, str] | None) -> None:
        self.refuse = set(refuse)
        self.credentials = credentials
        self.received: list[SmtpReceived] = []
        self.logins: list[str] = []
        self.answer_delay = 0.0  # seconds between storing a message and answering 250 (a slow server)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        got = SmtpReceived(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        self.received.append(got)
        if self.answer_delay:
            import asyncio

            await asyncio.sleep(self.answer_delay)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        user, password = self.credentials or ("", "")
        given = (auth_data.login, auth_data.password) if isinstance(auth_data, LoginPassword) else None
        ok = given == (user.encode("utf-8"), password.encode("utf-8"))
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok, handled=False)  # handled=False: the server itself answers 535


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens: a mail server that is down."""
    return _free_port()


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost and 127.0.0.1: (cert.pem, key.pem)."""
    from tls_support import self_signed_certificate

    return self_signed_certificate(tmp_path_factory.mktemp("tls"), "localhost", "IP:127.0.0.1")


@pytest.fixture
def smtp_server(smtp_certificate: tuple[Path, Path]):
    """Start SMTP servers on 127.0.0.1, stopped after the test: ``mailbox, port = smtp_server(tls=...,
    credentials=..., refuse=...)`` with tls None, "starttls" or "tls"; credentials (user, password)
    make AUTH required (over TLS when the server has TLS); refused recipients get a 550."""
    import ssl

    from aiosmtpd.controller import Controller

    controllers = []

    def start(tls: str | None = None, credentials: tuple[str, str] | None = None, refuse: set[str] = frozenset()):
        mailbox = SmtpMailbox(refuse, credentials)
        options: dict = {"hostname": "127.0.0.1", "port": _free_port(), "server_hostname": "localhost"}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*smtp_certificate)
            if tls == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        if credentials is not None:
            auth_options = {"auth_required": True, "auth_require_tls": tls is not None}
            options.update(authenticator=mailbox.authenticate, **auth_options)
        controller = Controller(mailbox, **options)
        controller.start()
        controllers.append(controller)
        return mailbox, options["port"]

    yield start
    for controller in controllers:
        controller.stop()


# --- command line: the real entry point, in this process -----------------------------------


class Ran(NamedTuple):
    """What a run of the command left, named as subprocess.CompletedProcess names it."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def briefs_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """Run ``briefs ARGS`` through ``briefs.cli.main``, the installed command's own entry point and
    error boundary (click's usage errors included, which typer's CliRunner does not pass through),
    in this process and in tmp_path. A subprocess costs seconds of interpreter and import start-up:
    keep those for what only a process shows (the installed command, signals, pipes)."""
    import signal
    import sys

    from briefs import cli

    def exit_now(code: int) -> None:  # main() ends worker threads left by an interrupt with os._exit
        raise SystemExit(code)

    def run(*args: str) -> Ran:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(sys, "argv", ["briefs", *args])
        monkeypatch.setattr(os, "_exit", exit_now)
        monkeypatch.setattr(cli, "_quiet", False)
        capsys.readouterr()
        terminate = signal.getsignal(signal.SIGTERM)
        try:
            cli.main()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        finally:
            signal.signal(signal.SIGTERM, terminate)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


# --- the bundled sample's weeks, replayed once a session ---------------------------------


class SampleWeeks:
    """The bundled sample's weeks, each replayed through the whole pipeline (every format) the first
    time a test asks for it, then shared. Shared means read-only: a test that changes a file copies
    it first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._results: dict[str, object] = {}

    def __getitem__(self, week: str):  # -> briefs.pipeline.GenerateResult
        if week not in self._results:
            from briefs.pipeline import GenerateRequest, generate
            from briefs.settings import load_settings
            from briefs.weeks import parse_week

            with pytest.MonkeyPatch.context() as patch:  # what _no_live_model gives a test, for the session
                for name in _LIVE_VARIABLES + _PROXY_VARIABLES:
                    patch.delenv(name, raising=False)
                patch.setenv("BRIEFS_HOME", str(self.folder / "home"))
                settings = load_settings(None, out=self.folder / "out", mode="replay")
                self._results[week] = generate(settings, GenerateRequest(period=parse_week(week)))
        return self._results[week]


@pytest.fixture(scope="session")
def sample_weeks(tmp_path_factory: pytest.TempPathFactory) -> SampleWeeks:
    return SampleWeeks(tmp_path_factory.mktemp("sample-weeks"))
