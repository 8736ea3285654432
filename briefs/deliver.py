"""Deliver a week's briefing to each team by email, exactly once.

    MailContent (text + html of one team's briefing) ─► build_message ─► smtp_send ─► send log

* The message is stdlib ``EmailMessage``: ``multipart/alternative`` with the plain text first and the
  HTML (CSS inlined, no ``<style>`` left: mail clients drop it) last, because clients show the last
  alternative they can display. A message with attachments (the team's full briefing) wraps that in
  ``multipart/mixed``, the attachments after it. Chinese in the subject and display name is RFC 2047-encoded by the
  default policy.
* Exactly once, per recipient: the send log (JSON lines, ``settings.home / "sendlog.jsonl"``) records
  every attempt — week, team, Message-ID, recipients, time, outcome — and from it each recipient's
  state: ``accepted`` (the server said 250), ``refused`` (the server said no), ``unknown`` (the message
  was handed over but no answer came back — a timeout after DATA, a kill mid-send: the server may have
  it) or ``not sent`` (the attempt failed before the message was handed over). A "started" line is
  written before talking to the server, so a process killed mid-send leaves its recipients ``unknown``.
  A rerun sends to ``not sent`` and ``refused`` recipients only: ``unknown`` ones are resent only when
  asked (``resend_unknown``), ``force`` resends everything unfinished (unknown included), and only
  ``force`` with ``resend_all`` sends again to who already accepted. The Message-ID is the same for
  every send of one week to one team, so a mail system that already has the message can drop the copy.
* A recipient the server refuses is reported and the others still receive the message
  (``EXIT_INCOMPLETE``). A server that is down, refuses the login or cannot be trusted is one
  ``DeliveryError`` line, and nothing is marked sent.

This module does not know how a briefing is made: the caller hands over a function from a team to its
``MailContent`` (``briefs.pipeline.mail_content``, which renders it with ``briefs.render``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Literal

import css_inline

from briefs.errors import EXIT_INCOMPLETE, EXIT_OK, ConfigError, DeliveryError, Hint
from briefs.settings import MailSettings, Settings, Team

# The briefing's own title (briefs.render.LABELS["title"]); the caller passes that one in.
DEFAULT_TITLE = ("药监周报", "China drug regulation weekly")
SENDLOG_NAME = "sendlog.jsonl"
SUBJECT_HEADLINE_CHARS = 100  # mail clients show about this much; the body has the whole headline
NO_TEAMS = "teams: none configured; add [[teams]] to the config file (see briefs.example.toml)"

# What the send log records per attempt, and what a team's send came to.
LogOutcome = Literal["started", "sent", "partial", "refused", "failed", "unknown"]
TeamOutcome = Literal["sent", "partial", "refused", "unknown", "skipped", "dry-run"]
RecipientState = Literal["accepted", "refused", "unknown", "not sent"]


@dataclass(frozen=True)
class Attachment:
    """A file the message carries as it is on disk (the team's full briefing)."""

    filename: str
    data: bytes
    content_type: str = "text/markdown"


@dataclass(frozen=True)
class MailContent:
    """One team's briefing, rendered: what the message carries."""

    week: str  # the period label, e.g. "2022-W06"
    text: str  # the plain-text alternative
    html: str  # a full HTML document; its CSS is inlined here
    headline: str | None = None  # one line for the subject, in the team's language(s)
    title: tuple[str, str] = DEFAULT_TITLE  # (Chinese, English): the subject is bilingual for every team
    audience: str | None = None  # the team's name when its briefing is filtered: said in the subject
    attachments: tuple[Attachment, ...] = ()  # after the alternatives: the message becomes multipart/mixed


@dataclass
class TeamResult:
    team: str
    outcome: TeamOutcome
    message_id: str | None = None
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # the server may have it: not confirmed either way
    held: list[str] = field(default_factory=list)  # unknown from an earlier send, so not resent now
    eml: Path | None = None
    recipients: int = 0  # the team's recipients
    already: list[str] = field(default_factory=list)  # skipped: those with a confirmed copy from earlier
    passed_over: int = 0  # dry run: recipients a real send would skip (they have it or may have it)
    error: str = ""  # unknown: why the server's answer never came


@dataclass
class SendReport:
    week: str
    results: list[TeamResult]

    @property
    def exit_code(self) -> int:
        unfinished = any(r.refused or r.unknown or r.held for r in self.results)
        return EXIT_INCOMPLETE if unfinished else EXIT_OK


# --- the message --------------------------------------------------------------------------------------


def subject_for(content: MailContent) -> str:
    """Week first (sorts in a mailbox), then the bilingual title; the team when it has a filter."""
    title_zh, title_en = content.title
    subject = f"{content.week} {title_zh} · {title_en}"
    if content.audience:
        subject += f" · {content.audience}"
    if content.headline:
        subject += f": {_shortened(content.headline, SUBJECT_HEADLINE_CHARS)}"
    # A header is one line: a headline from the model must not smuggle in a second one.
    return " ".join(subject.split())


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def inline_css(html: str) -> str:
    # Hermetic (no remote stylesheets) and no <style> left: several clients drop <head> styles, and
    # @media rules would survive only in a <style> block, so they go too; the templates are built to
    # read at 600 px without them.
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_at_rules=False)
    return inliner.inline(html)


def build_message(
    content: MailContent, team: Team, mail: MailSettings, *, now: dt.datetime | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject_for(content)
    message["From"] = formataddr((mail.sender_name, mail.sender))
    message["To"] = ", ".join(team.recipients)
    message["Date"] = format_datetime(now or dt.datetime.now(dt.UTC).astimezone())
    message["Message-ID"] = message_id(content.week, team.name, mail.sender)
    message["X-Briefs-Week"] = content.week
    message["X-Briefs-Team"] = team.name
    # base64: safe through relays without 8BITMIME, and for Chinese a third the size of
    # quoted-printable (every Han character is nine bytes in QP, four in base64).
    message.set_content(content.text, subtype="plain", cte="base64")
    message.add_alternative(inline_css(content.html), subtype="html", cte="base64")
    for attachment in content.attachments:
        # Bytes, base64: the file arrives exactly as it was reviewed on disk.
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def message_id(week: str, team: str, sender: str) -> str:
    # Short enough to stay on one header line (a folded Message-ID comes back with a leading space
    # from some parsers). The same for every send of this week to this team: a resend after an
    # unconfirmed send is the same message, so mail systems that keep Message-IDs drop the copy.
    domain = sender.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256("\0".join((week, team, sender)).encode("utf-8")).hexdigest()[:16]
    return f"<{week}.{_ascii_slug(team)[:24]}.{digest}@{domain}>"


def _slug(name: str) -> str:
    """For file names: keeps Chinese, drops what a file system or shell would trip on."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "team"


def _ascii_slug(name: str) -> str:
    # A Message-ID is an ASCII header that is never encoded; a Chinese team name must not reach it.
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-.") or "team"


# --- SMTP ---------------------------------------------------------------------------------------------


@dataclass
class Transmission:
    accepted: list[str]
    refused: dict[str, str]
    unknown: list[str] = field(default_factory=list)  # handed over, but the answer never came
    error: str = ""  # why the answer never came


def tls_context(mail: MailSettings) -> ssl.SSLContext:
    """The system's trust store, plus ``mail.ca_file`` when set. Verification is never switched off."""
    context = ssl.create_default_context()
    if mail.ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(mail.ca_file))
        except (OSError, ssl.SSLError) as error:
            raise DeliveryError(f"mail.ca_file: cannot load {mail.ca_file}: {error}") from None
    return context


def smtp_send(message: EmailMessage, recipients: list[str], mail: MailSettings) -> Transmission:
    """Send ``message`` to ``recipients`` (the envelope; the To header may list more).

    Returns who was accepted and who refused. Raises DeliveryError when nothing could be sent for a
    reason that is not about one recipient: unreachable server, TLS, login, sender or data refused.
    """
    where = f"mail server {mail.host}:{mail.effective_port}"
    password = mail.password()  # ConfigError before any connection when the variable is missing
    try:
        server = _connect(mail)
        try:
            sent = _transaction(server, message, recipients, mail, password, where)
        except OSError as error:  # smtplib's errors are OSErrors too
            if not server.handed_over or isinstance(error, smtplib.SMTPResponseException):
                raise
            # The message went out and the answer never came (a timeout, a dropped line): the server
            # may have stored it. Neither "sent" nor "failed" is true.
            server.close()
            return Transmission(accepted=[], refused={}, unknown=list(recipients), error=_lost_answer(error, mail))
        _hang_up(server)
        return sent
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(
            f"{where} refused the login of {mail.username!r}: {_reply(error.smtp_code, error.smtp_error)}"
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(f"{where}: {error}") from None
    except smtplib.SMTPSenderRefused as error:
        raise DeliveryError(
            f"{where} refused the sender {mail.sender}: {_reply(error.smtp_code, error.smtp_error)}"
        ) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"{where} refused the message: {_reply(error.smtp_code, error.smtp_error)}") from None
    except ssl.SSLCertVerificationError as error:
        raise DeliveryError(
            f"{where}: its certificate is not trusted ({error.verify_message}); set mail.ca_file to trust a private CA"
        ) from None
    except (ssl.SSLError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{where}: {type(error).__name__}: {error}") from None
    except TimeoutError:
        raise DeliveryError(f"{where} did not answer within {mail.timeout:g} s") from None
    except OSError as error:
        raise DeliveryError(f"{where} is unreachable: {error.strerror or error}") from None


def _transaction(
    server: smtplib.SMTP,
    message: EmailMessage,
    recipients: list[str],
    mail: MailSettings,
    password: str | None,
    where: str,
) -> Transmission:
    if mail.security == "starttls":
        server.ehlo()
        if not server.has_extn("starttls"):
            raise DeliveryError(f"{where} does not offer STARTTLS (mail.security = 'starttls')")
        server.starttls(context=tls_context(mail))
        server.ehlo()
    if mail.username is not None:
        login(server, mail.username, password or "")
    try:
        refused = server.send_message(message, from_addr=mail.sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as error:
        refused = error.recipients
    return Transmission(
        accepted=[r for r in recipients if r not in refused],
        refused={r: _reply(code, text) for r, (code, text) in refused.items()},
    )


def _hang_up(server: smtplib.SMTP) -> None:
    # Once the server has accepted the data the message is sent: a QUIT that fails afterwards
    # (an odd reply, a dropped line) must not turn a delivery into a "failed" one and a resend.
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


def login(server: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN (or LOGIN) with UTF-8 credentials, one mechanism, one try.

    Not ``SMTP.login``: it encodes credentials as ASCII (a password with a Chinese character or an
    accent fails with UnicodeEncodeError), and after a refusal it tries the next mechanism, counting
    twice against the account's lockout limit. PLAIN and LOGIN only ever run inside TLS here (plain
    SMTP is allowed only to localhost); servers offering neither go through ``SMTP.login``.
    """
    server.ehlo_or_helo_if_needed()
    if not server.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("the server does not offer AUTH, but mail.username is set")
    mechanisms = server.esmtp_features["auth"].upper().split()
    if "PLAIN" in mechanisms:
        code, reply = server.docmd("AUTH", "PLAIN " + _b64(f"\0{username}\0{password}"))
    elif "LOGIN" in mechanisms:
        code, reply = server.docmd("AUTH", "LOGIN " + _b64(username))
        if code == 334:
            code, reply = server.docmd(_b64(password))
    else:
        server.login(username, password)
        return
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, reply)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


class _Handover:
    """Knows whether the message itself was handed to the server: from DATA on, a lost answer means
    the server may have the message, so it cannot be called unsent."""

    handed_over = False

    def data(self, msg):
        self.handed_over = True
        return super().data(msg)


class _SMTP(_Handover, smtplib.SMTP):
    pass


class _SMTPOverTLS(_Handover, smtplib.SMTP_SSL):
    pass


def _connect(mail: MailSettings) -> _SMTP | _SMTPOverTLS:
    if mail.security == "tls":
        return _SMTPOverTLS(mail.host, mail.effective_port, timeout=mail.timeout, context=tls_context(mail))
    return _SMTP(mail.host, mail.effective_port, timeout=mail.timeout)


def _lost_answer(error: OSError, mail: MailSettings) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {mail.timeout:g} s after the message was handed over"
    return f"the connection was lost after the message was handed over ({type(error).__name__})"


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())


# --- the send log ---------------------------------------------------------------------------------------


class SendLog:
    """Append-only JSON lines; the newest line for a (week, team, Message-ID) is its state."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[dict]:
        if not self.path.is_file():
            return []
        text = self.path.read_text(encoding="utf-8")
        lines = text.splitlines()
        if lines and not text.endswith("\n") and not _parses(lines[-1]):
            # The process was killed while writing its last line. Leaving it out is safe: a torn
            # "started" line was written before the server was contacted, and a torn result line
            # leaves its "started" line in force, which reads as "unknown" (never resent unasked).
            lines.pop()
        entries = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                raise DeliveryError(
                    f"{self.path}:{number}: not a JSON line; fix or remove that line (it may record a send)"
                ) from None
        return entries

    def append(self, **entry: object) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _drop_torn_tail(self.path)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())  # a "started" line must be on disk before the server is contacted
        except OSError as error:
            raise _cannot_write(self.path, "the send log", error) from None

    def states(self, week: str, team: str) -> dict[str, RecipientState]:
        """Each recipient's state for this week and team, from every attempt in order. Once accepted,
        a recipient has the message whatever a later attempt did."""
        states: dict[str, RecipientState] = {}
        for entry in self.entries():
            if entry.get("week") != week or entry.get("team") != team:
                continue
            for recipient in entry.get("recipients", []):
                if states.get(recipient) != "accepted":
                    states[recipient] = _state_after(entry, recipient)
        return states

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One ``briefs send`` at a time per home folder: two would both see 'not sent yet'."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _cannot_write(self.path, "the send log", error) from None
        try:
            import fcntl
        except ImportError:  # not POSIX (Windows): no lock; one scheduled send at a time is the rule there
            yield
            return
        with (self.path.parent / (self.path.name + ".lock")).open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise DeliveryError(f"another 'briefs send' is running (lock {handle.name})") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _drop_torn_tail(path: Path) -> None:
    """A last line without its newline was being written when the process was killed: it is no
    record (see ``SendLog.entries``), so it goes before the next line is written after it."""
    if not path.is_file():
        return
    with path.open("r+b") as handle:
        data = handle.read()
        if data and not data.endswith(b"\n"):
            handle.truncate(data.rfind(b"\n") + 1)


def _state_after(entry: dict, recipient: str) -> RecipientState:
    outcome = entry.get("outcome")
    if outcome == "started":  # no result line followed: the process died while sending
        return "unknown"
    if recipient in entry.get("accepted", []):
        return "accepted"
    if recipient in entry.get("refused", {}):
        return "refused"
    if outcome == "unknown" or recipient in entry.get("unknown", []):
        return "unknown"
    return "not sent"


def _cannot_write(path: Path, what: str, error: OSError) -> DeliveryError:
    # A home or output folder that cannot be written is the user's to fix, not a bug: one line naming it.
    return DeliveryError(f"{path}: cannot write {what}: {error.strerror or error}")


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --- one week, every team ---------------------------------------------------------------------------


def send_week(
    settings: Settings,
    week: str,
    teams: list[Team],
    content_for: Callable[[Team], MailContent],
    *,
    dry_run: bool = False,
    force: bool = False,
    resend_unknown: bool = False,
    resend_all: bool = False,
    progress: Callable[[TeamResult], None] = lambda result: None,
) -> SendReport:
    """Send each team its briefing of ``week``; see the module docstring for the guarantees.
    ``progress`` is given each team's result as soon as the team is done."""
    if not teams:
        raise ConfigError(NO_TEAMS)
    if resend_all and not force:
        raise ConfigError(
            Hint("all", "resend_all"),
            ": only with ",
            Hint("force", "force"),
            " (it sends again to recipients who already have the message)",
        )
    rule = ResendRule(unknown=resend_unknown or force, accepted=force and resend_all)
    if not dry_run:
        settings.mail.password()  # a missing password variable is a ConfigError before any work
    log = SendLog(settings.home / SENDLOG_NAME)
    results: list[TeamResult] = []
    with contextlib.nullcontext() if dry_run else log.locked():
        for team in teams:
            result = _send_team(settings, log, week, team, content_for, dry_run=dry_run, rule=rule)
            progress(result)
            results.append(result)
    return SendReport(week=week, results=results)


@dataclass(frozen=True)
class ResendRule:
    """Who gets the message again. Recipients never sent to, or refused, always get it."""

    unknown: bool = False  # those an earlier send may have reached (never confirmed)
    accepted: bool = False  # those who already have it

    def wants(self, state: RecipientState | None) -> bool:
        if state == "accepted":
            return self.accepted
        if state == "unknown":
            return self.unknown
        return True


def _send_team(
    settings: Settings,
    log: SendLog,
    week: str,
    team: Team,
    content_for: Callable[[Team], MailContent],
    *,
    dry_run: bool,
    rule: ResendRule,
) -> TeamResult:
    states = log.states(week, team.name)
    pending = [r for r in team.recipients if rule.wants(states.get(r))]
    held = [r for r in team.recipients if r not in pending and states.get(r) == "unknown"]
    already = [r for r in team.recipients if states.get(r) == "accepted"]
    if not pending and not dry_run:
        return TeamResult(team.name, "skipped", held=held, recipients=len(team.recipients), already=already)

    message = build_message(content_for(team), team, settings.mail)
    message_id = str(message["Message-ID"])
    if dry_run:
        path = write_eml(message, settings.out / week / "mail" / f"{_slug(team.name)}.eml")
        passed_over = len(team.recipients) - len(pending)
        return TeamResult(
            team.name,
            "dry-run",
            message_id=message_id,
            eml=path,
            recipients=len(team.recipients),
            passed_over=passed_over,
        )

    record = {"week": week, "team": team.name, "message_id": message_id, "recipients": pending}
    log.append(**record, accepted=[], refused={}, time=_now_iso(), outcome="started")
    try:
        sent = smtp_send(message, pending, settings.mail)
    except Exception as error:
        # The message was never handed over: close the attempt as failed so the next run sends again.
        log.append(**record, accepted=[], refused={}, time=_now_iso(), outcome="failed", error=str(error))
        raise
    if sent.unknown:
        log.append(**record, accepted=[], refused={}, unknown=sent.unknown, time=_now_iso(), outcome="unknown",
                   error=sent.error)  # fmt: skip
        return TeamResult(
            team.name, "unknown", message_id=message_id, unknown=sent.unknown, held=held, error=sent.error
        )
    outcome: TeamOutcome = "sent" if not sent.refused else ("partial" if sent.accepted else "refused")
    log.append(**record, accepted=sent.accepted, refused=sent.refused, time=_now_iso(), outcome=outcome)
    return TeamResult(
        team.name, outcome, message_id=message_id, accepted=sent.accepted, refused=sent.refused, held=held
    )


def write_eml(message: EmailMessage, path: Path) -> Path:
    """The message exactly as it would go on the wire (CRLF line ends), openable by any mail client."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message.as_bytes(policy=SMTP_POLICY))
    except OSError as error:
        raise _cannot_write(path, "the message", error) from None
    return path
