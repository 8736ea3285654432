"""`briefs send` against a real SMTP server (aiosmtpd) on 127.0.0.1 in the test process.

Each test starts its own server on a free port (the ``smtp_server`` fixture, tests/conftest.py):
plain, STARTTLS with a throwaway self-signed certificate made by openssl, or implicit TLS; with or
without AUTH; refusing chosen recipients. What the server received is parsed with the stdlib parser
(policy default) and checked.
"""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from briefs.cli_words import team_line
from briefs.deliver import MailContent, SendLog, send_week
from briefs.errors import EXIT_INCOMPLETE, EXIT_OK, ConfigError, DeliveryError
from briefs.settings import MailSettings, Settings, Team

WEEK = "2022-W06"
USER, PASSWORD = "briefs-bot", "correct horse 电池"  # non-ASCII on purpose: AUTH must carry UTF-8
PASSWORD_ENV = "BRIEFS_TEST_SMTP_PASSWORD"

CONTENT = MailContent(
    week=WEEK,
    text=(
        "药监周报 2022-W06\n\n国家药监局部署开展药品安全专项整治。\nNMPA launches a special rectification campaign.\n"
    ),
    html=(
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "h1 { color: #0b3d91; font-size: 20px } .zh { font-family: 'PingFang SC', sans-serif }"
        "@media (max-width: 600px) { h1 { font-size: 18px } }"
        "</style></head><body><h1>药监周报 2022-W06</h1>"
        "<p class='zh'>国家药监局部署开展药品安全专项整治。</p>"
        "<p>NMPA launches a special rectification campaign.</p></body></html>"
    ),
    headline="专项整治启动 / Campaign launched",
)


def settings_for(tmp_path: Path, port: int, teams: list[Team] | None = None, **mail: object) -> Settings:
    mail = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "briefs@example.com",
        "timeout": 5,
    } | mail
    return Settings(
        home=tmp_path / "home",
        out=tmp_path / "out",
        teams=teams or [Team(name="合规 compliance", recipients=["li.na@example.com", "sam@example.com"])],
        mail=MailSettings(**mail),
    )


def send(settings: Settings, **options: object):
    return send_week(settings, WEEK, settings.teams, lambda team: CONTENT, **options)


def sendlog(settings: Settings) -> list[dict]:
    return SendLog(settings.home / "sendlog.jsonl").entries()


# --- the message as received --------------------------------------------------------------------------


def test_the_received_message_has_text_then_html_and_the_headers(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    report = send(settings_for(tmp_path, port))
    assert report.exit_code == EXIT_OK
    [got] = mailbox.received
    message = got.message
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == f"{WEEK} 药监周报 · China drug regulation weekly: 专项整治启动 / Campaign launched"
    assert message["From"].addresses[0].display_name == "药监周报 Briefs"
    assert message["From"].addresses[0].addr_spec == "briefs@example.com"
    assert [a.addr_spec for a in message["To"].addresses] == ["li.na@example.com", "sam@example.com"]
    assert message["Date"].datetime is not None and message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.com>")
    assert got.envelope_from == "briefs@example.com"
    assert sorted(got.recipients) == ["li.na@example.com", "sam@example.com"]


def test_chinese_survives_in_the_subject_and_both_bodies_and_is_encoded_on_the_wire(tmp_path, smtp_server) -> None:
    mailbox, port = smtp_server()
    send(settings_for(tmp_path, port))
    [got] = mailbox.received
    headers = got.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # RFC 2047: the header block is pure ASCII
    assert "=?utf-8?" in headers
    message = got.message
    assert "药监周报" in message["Subject"]
    assert "国家药监局部署开展药品安全专项整治。" in message.get_body(("plain",)).get_content()
    assert "国家药监局部署开展药品安全专项整治。" in message.get_body(("html",)).get_content()


def test_the_html_has_its_css_inlined_and_no_style_block_left(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    send(settings_for(tmp_path, port))
    html = mailbox.received[0].message.get_body(("html",)).get_content()
    assert "<style" not in html.lower()
    assert 'style="color: #0b3d91;font-size: 20px;"' in html


def test_starttls_with_a_self_signed_certificate_trusted_through_ca_file(
    tmp_path, smtp_server, smtp_certificate
) -> None:
    mailbox, port = smtp_server(tls="starttls")
    send(settings_for(tmp_path, port, security="starttls", ca_file=smtp_certificate[0]))
    assert len(mailbox.received) == 1


def test_implicit_tls_works_too(tmp_path: Path, smtp_server, smtp_certificate) -> None:
    mailbox, port = smtp_server(tls="tls")
    send(settings_for(tmp_path, port, security="tls", ca_file=smtp_certificate[0]))
    assert len(mailbox.received) == 1


def test_an_untrusted_certificate_fails_cleanly_and_nothing_is_marked_sent(tmp_path, smtp_server) -> None:
    mailbox, port = smtp_server(tls="starttls")
    settings = settings_for(tmp_path, port, security="starttls")  # no ca_file: the system store
    with pytest.raises(DeliveryError, match=r"certificate is not trusted.*mail\.ca_file"):
        send(settings)
    assert mailbox.received == []
    assert [e["outcome"] for e in sendlog(settings)] == ["started", "failed"]


def test_a_server_without_starttls_is_refused_rather_than_sent_to_in_clear(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()  # plain server: offers no STARTTLS
    settings = settings_for(tmp_path, port, security="starttls")
    with pytest.raises(DeliveryError, match=r"^mail server 127.0.0.1:\d+ does not offer STARTTLS"):
        send(settings)
    assert mailbox.received == [] and "sent" not in {e["outcome"] for e in sendlog(settings)}


def test_auth_over_starttls_logs_in_with_the_password_from_the_environment(
    tmp_path, smtp_server, smtp_certificate, monkeypatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    mailbox, port = smtp_server(tls="starttls", credentials=(USER, PASSWORD))
    settings = settings_for(
        tmp_path,
        port,
        security="starttls",
        ca_file=smtp_certificate[0],
        username=USER,
        password_env=PASSWORD_ENV,
    )
    send(settings)
    assert mailbox.logins == [USER] and len(mailbox.received) == 1
    assert PASSWORD not in (settings.home / "sendlog.jsonl").read_text(encoding="utf-8")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_wrong_password_fails_in_one_line_and_nothing_is_marked_sent(tmp_path, smtp_server, monkeypatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong password")
    mailbox, port = smtp_server(credentials=(USER, PASSWORD))  # plain: this server allows AUTH without TLS
    settings = settings_for(tmp_path, port, username=USER, password_env=PASSWORD_ENV)
    with pytest.raises(DeliveryError) as caught:
        send(settings)
    message = str(caught.value)
    assert "refused the login of 'briefs-bot'" in message and "535" in message and "\n" not in message
    assert "wrong password" not in message
    assert mailbox.received == []
    assert "sent" not in {e["outcome"] for e in sendlog(settings)}
    # the password fixed, the rerun sends: nothing was recorded as delivered
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    assert send(settings).results[0].outcome == "sent"
    assert len(mailbox.received) == 1


def test_an_unset_password_variable_is_a_config_error_before_connecting(
    tmp_path: Path, monkeypatch, unused_port: int
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    settings = settings_for(tmp_path, unused_port, username=USER, password_env=PASSWORD_ENV)
    with pytest.raises(ConfigError, match=f"^mail.password_env: environment variable {PASSWORD_ENV} is not set$"):
        send(settings)
    assert sendlog(settings) == []


# --- exactly once -------------------------------------------------------------------------------------


def test_a_refused_recipient_is_reported_while_the_other_receives_it(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server(refuse={"sam@example.com"})
    settings = settings_for(tmp_path, port)
    report = send(settings)
    [result] = report.results
    assert report.exit_code == EXIT_INCOMPLETE
    assert result.outcome == "partial" and result.accepted == ["li.na@example.com"]
    assert list(result.refused) == ["sam@example.com"] and result.refused["sam@example.com"].startswith("550")
    assert "sam@example.com (550" in team_line(result, WEEK)
    assert [r.recipients for r in mailbox.received] == [["li.na@example.com"]]
    [_, entry] = sendlog(settings)
    assert entry["outcome"] == "partial" and entry["accepted"] == ["li.na@example.com"]
    assert list(entry["refused"]) == ["sam@example.com"]


def test_a_rerun_after_a_partial_send_retries_only_the_refused_recipient(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server(refuse={"sam@example.com"})
    settings = settings_for(tmp_path, port)
    send(settings)
    mailbox.refuse.clear()  # the mailbox was created meanwhile
    report = send(settings)
    assert report.exit_code == EXIT_OK and report.results[0].accepted == ["sam@example.com"]
    assert [r.recipients for r in mailbox.received] == [["li.na@example.com"], ["sam@example.com"]]


def test_a_second_send_is_skipped_and_force_sends_again(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    settings = settings_for(tmp_path, port)
    send(settings)
    again = send(settings)
    [skipped] = again.results
    assert skipped.outcome == "skipped" and skipped.already == ["li.na@example.com", "sam@example.com"]
    assert team_line(skipped, WEEK) == (
        "合规 compliance: skipped, 2022-W06 already sent to all 2 recipients (--force --all sends again)"
    )
    assert len(mailbox.received) == 1
    forced = send(settings, force=True)
    assert forced.results[0].outcome == "skipped" and len(mailbox.received) == 1  # nothing is unfinished
    everyone = send(settings, force=True, resend_all=True)
    assert everyone.results[0].outcome == "sent" and len(mailbox.received) == 2
    first, second = (r.message["Message-ID"] for r in mailbox.received)
    assert first == second  # the same message again: a mail system can drop the copy


def test_the_send_log_records_week_team_message_id_recipients_time_and_outcome(tmp_path, smtp_server) -> None:
    mailbox, port = smtp_server()
    settings = settings_for(tmp_path, port)
    send(settings)
    lines = (settings.home / "sendlog.jsonl").read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[-1])
    assert "合规 compliance" in lines[-1]  # ensure_ascii=False: Chinese stays readable
    assert entry["week"] == WEEK and entry["team"] == "合规 compliance" and entry["outcome"] == "sent"
    assert entry["message_id"] == mailbox.received[0].message["Message-ID"]
    assert entry["accepted"] == ["li.na@example.com", "sam@example.com"] and entry["refused"] == {}
    assert entry["time"].endswith("+00:00")


def test_a_server_that_is_down_fails_in_one_line_and_nothing_is_marked_sent(tmp_path: Path, unused_port: int) -> None:
    settings = settings_for(tmp_path, unused_port, timeout=5)
    with pytest.raises(DeliveryError, match=r"^mail server 127.0.0.1:\d+ is unreachable: ") as caught:
        send(settings)
    assert "\n" not in str(caught.value)
    assert [e["outcome"] for e in sendlog(settings)] == ["started", "failed"]
    states = SendLog(settings.home / "sendlog.jsonl").states(WEEK, "合规 compliance")
    assert set(states.values()) == {"not sent"}


def test_an_interrupted_send_is_not_guessed_at(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    settings = settings_for(tmp_path, port)
    log = SendLog(settings.home / "sendlog.jsonl")
    log.append(week=WEEK, team="合规 compliance", message_id="<x@example.com>", recipients=["sam@example.com"],
               accepted=[], refused={}, time="2022-02-14T08:00:00+00:00", outcome="started")  # fmt: skip
    report = send(settings)
    assert [r.recipients for r in mailbox.received] == [["li.na@example.com"]]  # sam may have it already
    assert report.exit_code == EXIT_INCOMPLETE and report.results[0].held == ["sam@example.com"]
    assert "--resend-unknown" in team_line(report.results[0], WEEK)
    assert send(settings).results[0].outcome == "skipped" and len(mailbox.received) == 1
    send(settings, resend_unknown=True)
    assert [r.recipients for r in mailbox.received] == [["li.na@example.com"], ["sam@example.com"]]


def test_a_server_that_stores_the_message_but_answers_after_the_timeout_is_not_sent_to_twice(
    tmp_path: Path, smtp_server
) -> None:
    mailbox, port = smtp_server()
    mailbox.answer_delay = 1.5
    settings = settings_for(tmp_path, port, timeout=0.5)
    report = send(settings)
    [result] = report.results
    assert result.outcome == "unknown" and result.unknown == ["li.na@example.com", "sam@example.com"]
    assert report.exit_code == EXIT_INCOMPLETE and "may have it" in team_line(result, WEEK)
    assert sendlog(settings)[-1]["outcome"] == "unknown"
    mailbox.answer_delay = 0
    again = send(settings)  # a plain rerun: never a second copy of a message the server may have
    assert again.results[0].outcome == "skipped" and len(mailbox.received) == 1
    forced = send(settings, resend_unknown=True)
    assert forced.results[0].accepted == ["li.na@example.com", "sam@example.com"]
    first, second = (r.message["Message-ID"] for r in mailbox.received)
    assert first == second


def test_force_after_a_kill_resends_only_the_unfinished_team(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    teams = [Team(name="one", recipients=["a@example.com"]), Team(name="two", recipients=["b@example.com"])]
    settings = settings_for(tmp_path, port, teams=teams)
    send_week(settings, WEEK, teams[:1], lambda team: CONTENT)
    log = SendLog(settings.home / "sendlog.jsonl")  # killed -9 while team two was being sent
    log.append(week=WEEK, team="two", message_id="<y@example.com>", recipients=["b@example.com"],
               accepted=[], refused={}, time="2022-02-14T08:00:00+00:00", outcome="started")  # fmt: skip
    report = send_week(settings, WEEK, teams, lambda team: CONTENT, force=True)
    assert [r.outcome for r in report.results] == ["skipped", "sent"]
    assert [r.recipients for r in mailbox.received] == [["a@example.com"], ["b@example.com"]]


def test_all_is_only_accepted_with_force(tmp_path: Path, unused_port: int) -> None:
    from briefs.cli_words import error_line

    with pytest.raises(ConfigError, match=r"^resend_all: only with force") as caught:
        send(settings_for(tmp_path, unused_port), resend_all=True)
    assert error_line(caught.value).startswith("--all: only with --force (")  # the command line's flags


def test_two_sends_at_once_cannot_both_send(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    settings = settings_for(tmp_path, port)
    with SendLog(settings.home / "sendlog.jsonl").locked():  # another `briefs send` holds the log
        with pytest.raises(DeliveryError, match="another 'briefs send' is running"):
            send(settings)
    assert mailbox.received == []
    send(settings)
    assert len(mailbox.received) == 1


def test_teams_each_get_their_own_message(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    teams = [
        Team(name="devices", recipients=["dev@example.com"], product_scope=["medical_devices"]),
        Team(name="drugs", recipients=["rx@example.com"], language="zh"),
    ]
    seen: list[str] = []

    def content_for(team: Team) -> MailContent:
        seen.append(team.name)
        return CONTENT

    report = send_week(settings_for(tmp_path, port, teams=teams), WEEK, teams, content_for)
    assert seen == ["devices", "drugs"] and [r.outcome for r in report.results] == ["sent", "sent"]
    assert [r.recipients for r in mailbox.received] == [["dev@example.com"], ["rx@example.com"]]
    assert [r.message["X-Briefs-Team"] for r in mailbox.received] == ["devices", "drugs"]


# --- dry run --------------------------------------------------------------------------------------------


def test_a_dry_run_writes_an_eml_that_a_mail_parser_opens_with_both_parts(tmp_path: Path, unused_port: int) -> None:
    settings = settings_for(tmp_path, unused_port)  # nothing listens there: a dry run must not connect
    report = send(settings, dry_run=True)
    [result] = report.results
    assert result.outcome == "dry-run" and result.eml is not None and str(result.eml) in team_line(result, WEEK)
    assert result.eml == settings.out / WEEK / "mail" / "合规-compliance.eml"
    with result.eml.open("rb") as handle:
        message = email.parser.BytesParser(policy=email.policy.default).parse(handle)
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "药监周报" in message["Subject"]
    assert "国家药监局" in message.get_body(("plain",)).get_content()
    assert "<style" not in message.get_body(("html",)).get_content()
    assert sendlog(settings) == []  # a dry run sends nothing, so it records nothing


def test_a_send_log_line_torn_by_a_kill_is_left_out_and_the_next_line_starts_clean(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    settings = settings_for(tmp_path, port)
    path = settings.home / "sendlog.jsonl"
    log = SendLog(path)
    log.append(week=WEEK, team="合规 compliance", message_id="<x@example.com>", recipients=["sam@example.com"],
               accepted=[], refused={}, time="2022-02-14T08:00:00+00:00", outcome="started")  # fmt: skip
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"week": "2022-W06", "team": "合规 compliance", "outc')  # killed mid-write
    report = send(settings)  # sam stays unknown (the torn line may have been its result): not resent
    assert [r.recipients for r in mailbox.received] == [["li.na@example.com"]]
    assert report.results[0].held == ["sam@example.com"]
    assert [e["outcome"] for e in sendlog(settings)] == ["started", "started", "sent"]
