"""`briefs send` end to end: the bundled sample week 2022-W06, replayed, mailed to aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefs.cli import app
from briefs.errors import EXIT_NOTHING, EXIT_OK, EXIT_USAGE

WEEK = "2022-W06"
# The sample week's one document (briefs/sample/corpus/000_…): its Chinese title must reach both parts.
SAMPLE_TITLE = "国家药监局召开深入开展全国药品安全专项整治行动工作会议"


def write_config(tmp_path: Path, port: int, security: str = "none") -> Path:
    config = tmp_path / "briefs.toml"
    config.write_text(
        f"""
home = "{(tmp_path / "home").as_posix()}"
out = "{(tmp_path / "out").as_posix()}"
mode = "replay"

[[teams]]
name = "regulatory-affairs"
recipients = ["ra@example.com", "li.na@example.com"]

[[teams]]
name = "devices"
recipients = ["qa@example.com"]
language = "en"
product_scope = ["medical_devices"]

[mail]
host = "127.0.0.1"
port = {port}
security = "{security}"
sender = "briefs@example.com"
timeout = 5
""",
        encoding="utf-8",
    )
    return config


def briefs(*args: str):
    return CliRunner().invoke(app, ["send", "--week", WEEK, *args])


def generated(config: Path) -> Path:
    """`briefs generate` first: send mails the files it wrote (and a person reviewed)."""
    run = CliRunner().invoke(app, ["generate", "--week", WEEK, "--config", str(config)])
    assert run.exit_code == EXIT_OK, run.stderr
    return config


def test_send_mails_every_team_its_briefing_of_the_sample_week_once(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    config = generated(write_config(tmp_path, port))
    run = briefs("--config", str(config))
    assert "Traceback" not in run.output
    assert run.exit_code == EXIT_OK, run.stderr
    assert "briefs: regulatory-affairs: sent to 2" in run.stderr and "briefs: devices: sent to 1" in run.stderr
    by_team = {r.message["X-Briefs-Team"]: r.message for r in mailbox.received}
    assert set(by_team) == {"regulatory-affairs", "devices"}
    for message in by_team.values():
        body, *attached = message.iter_parts()
        assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
        assert [a.get_filename() for a in attached] == ["briefing-full.md"]
        assert message["Subject"].startswith(f"{WEEK} 药监周报 · China drug regulation weekly")
        assert "<style" not in message.get_body(("html",)).get_content()
    both = by_team["regulatory-affairs"]
    assert SAMPLE_TITLE in both.get_body(("plain",)).get_content()
    assert SAMPLE_TITLE in both.get_body(("html",)).get_content()
    devices = by_team["devices"].get_body(("plain",)).get_content()
    assert "Filtered for team “devices”" in devices

    again = briefs("--config", str(config))
    assert again.exit_code == EXIT_OK and len(mailbox.received) == 2
    assert "regulatory-affairs: skipped, 2022-W06 already sent" in again.stderr


def test_send_one_team_with_dry_run_prints_where_the_eml_is(tmp_path: Path, unused_port: int) -> None:
    config = generated(write_config(tmp_path, unused_port))  # nothing listens: a dry run never connects
    run = briefs("--config", str(config), "--team", "devices", "--dry-run")
    assert run.exit_code == EXIT_OK, run.stderr
    eml = Path(run.stdout.strip())
    assert eml == tmp_path / "out" / WEEK / "mail" / "devices.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert [p.get_content_type() for p in message.iter_parts()] == ["multipart/alternative", "text/markdown"]
    assert not (tmp_path / "home" / "sendlog.jsonl").exists()


def test_a_server_that_is_down_is_one_error_line_and_exit_code_nothing(tmp_path: Path, unused_port: int) -> None:
    config = generated(write_config(tmp_path, unused_port))
    run = briefs("--config", str(config))
    assert run.exit_code == EXIT_NOTHING
    errors = [line for line in run.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("briefs: error: mail server 127.0.0.1:")
    assert "is unreachable" in errors[0] and "Traceback" not in run.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--team", "nobody"],
            "briefs: error: team 'nobody' is not in the config file (teams: regulatory-affairs, devices)",
        ),
        (
            ["--week", "2022-W60"],
            "briefs: error: --week 2022-W60: 2022 has ISO weeks W01 to W52, there is no week 60",
        ),
    ],
    ids=["an unknown team is named with the known ones", "a week that does not exist is refused"],
)
def test_bad_flags_are_one_line_and_exit_code_usage(
    tmp_path: Path, args: list[str], expected: str, unused_port: int
) -> None:
    config = write_config(tmp_path, unused_port)
    run = CliRunner().invoke(app, ["send", "--week", WEEK, "--config", str(config), *args])
    assert run.exit_code == EXIT_USAGE
    assert run.stderr.strip().splitlines()[-1] == expected


def test_a_config_without_teams_says_so(tmp_path: Path) -> None:
    config = tmp_path / "briefs.toml"
    config.write_text('mode = "replay"\n[mail]\nhost = "127.0.0.1"\nsecurity = "none"\n', encoding="utf-8")
    run = CliRunner().invoke(app, ["send", "--week", WEEK, "--config", str(config), "--dry-run"])
    assert run.exit_code == EXIT_USAGE
    assert run.stderr.strip().splitlines()[-1].startswith("briefs: error: teams: none configured")
