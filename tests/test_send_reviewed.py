"""`briefs send` mails the files a person reviewed, never a fresh rendering: generate writes each
team's email beside the briefing (OUT/<week>/teams/<team>/), a reviewer reads or edits them, and send
takes those bytes. An incomplete briefing is refused unless --allow-incomplete; --preview shows what
would go out and sends nothing."""

from __future__ import annotations

from pathlib import Path

from test_send_cli import write_config
from typer.testing import CliRunner

from briefs.cli import app
from briefs.errors import EXIT_NOTHING, EXIT_OK

WEEK = "2022-W06"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_a_hand_edit_to_the_reviewed_html_is_what_arrives(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    config = write_config(tmp_path, port)
    generated = run("generate", "--week", WEEK, "--config", str(config))
    assert generated.exit_code == EXIT_OK, generated.stderr
    team_dir = tmp_path / "out" / WEEK / "teams" / "regulatory-affairs"
    html = team_dir / "briefing.html"
    reviewed = html.read_text(encoding="utf-8").replace("</h1>", "</h1><p>审阅人注：已核对 Reviewed by Li Na</p>", 1)
    html.write_text(reviewed, encoding="utf-8")
    # the corpus is gone: send must not need it (it never reads, extracts or renders again)
    config.write_text(
        config.read_text(encoding="utf-8").replace('mode = "replay"', 'mode = "replay"\ncorpus = "gone"'),
        encoding="utf-8",
    )
    sent = run("send", "--week", WEEK, "--config", str(config), "--team", "regulatory-affairs")
    assert sent.exit_code == EXIT_OK, sent.stderr
    message = mailbox.received[0].message
    body = message.get_body(("html",)).get_content()
    assert "审阅人注：已核对 Reviewed by Li Na" in body
    assert (team_dir / "briefing.txt").read_text(encoding="utf-8").strip() in message.get_body(("plain",)).get_content()


def test_send_before_generate_names_the_missing_file_and_the_command(tmp_path: Path, unused_port: int) -> None:
    config = write_config(tmp_path, unused_port)
    sent = run("send", "--week", WEEK, "--config", str(config))
    assert sent.exit_code == EXIT_NOTHING
    line = sent.stderr.strip().splitlines()[-1]
    assert line.startswith("briefs: error: ") and "run.json: not found" in line
    assert f"run `briefs generate --week {WEEK}` first" in line


def test_an_incomplete_briefing_is_refused_unless_allowed(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    config = write_config(tmp_path, port)
    empty_week = "2022-W10"  # after weeks with documents: the quiet-week alert leaves it incomplete
    assert run("generate", "--week", empty_week, "--config", str(config)).exit_code == 1
    refused = run("send", "--week", empty_week, "--config", str(config))
    assert refused.exit_code == EXIT_NOTHING and mailbox.received == []
    assert "incomplete" in refused.stderr and "--allow-incomplete" in refused.stderr
    preview = run("send", "--week", empty_week, "--config", str(config), "--preview").stdout.splitlines()
    assert "  Briefing: INCOMPLETE (send refuses it without --allow-incomplete); warnings: 1" in preview
    assert any(line.startswith("    - quiet: ") for line in preview), preview
    allowed = run("send", "--week", empty_week, "--config", str(config), "--allow-incomplete")
    assert allowed.exit_code == EXIT_OK, allowed.stderr
    assert (
        f"briefs: the {empty_week} briefing is incomplete; it is mailed as it is (--allow-incomplete)" in allowed.stderr
    )
    assert len(mailbox.received) == 2  # one message per team


def test_preview_shows_subject_recipients_size_and_warnings_and_sends_nothing(tmp_path: Path, unused_port: int) -> None:
    config = write_config(tmp_path, unused_port)  # nothing listens: a preview never connects
    assert run("generate", "--week", WEEK, "--config", str(config)).exit_code == EXIT_OK
    preview = run("send", "--week", WEEK, "--config", str(config), "--preview")
    assert preview.exit_code == EXIT_OK, preview.stderr
    out = preview.stdout
    assert "regulatory-affairs" in out and "devices" in out
    assert "ra@example.com, li.na@example.com" in out and "qa@example.com" in out
    assert f"Subject: {WEEK} 药监周报 · China drug regulation weekly" in out
    assert "KB HTML" in out and "warnings: 0" in out and "complete" in out
    assert "attached: briefing-full.md" in out
    assert not (tmp_path / "home" / "sendlog.jsonl").exists()


def test_the_mail_carries_the_full_briefing_as_an_attachment_byte_for_byte(tmp_path: Path, smtp_server) -> None:
    """The 177-requirement regulation: the mail body shows the top requirements per document and
    attaches the team's full briefing, written at generate time beside the reviewed HTML."""
    import json

    mailbox, port = smtp_server()
    config = write_config(tmp_path, port)
    week = "2020-W52"
    assert run("generate", "--week", week, "--config", str(config)).exit_code == EXIT_OK
    team_dir = tmp_path / "out" / week / "teams" / "regulatory-affairs"
    full = team_dir / "briefing-full.md"
    # a reviewer's note in the attachment arrives too: send mails the file on disk
    full.write_bytes(full.read_bytes() + "\n审阅人注：完整清单已核对\n".encode())
    sent = run("send", "--week", week, "--config", str(config), "--team", "regulatory-affairs")
    assert sent.exit_code == EXIT_OK, sent.stderr
    message = mailbox.received[0].message
    assert message.get_content_type() == "multipart/mixed"
    html = message.get_body(("html",)).get_content()
    assert len(html.encode("utf-8")) <= 100_000
    assert "the full list is in the full briefing attached to this email (briefing-full.md)" in html
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["briefing-full.md"]
    assert attachments[0].get_content_type() == "text/markdown"
    assert attachments[0].get_payload(decode=True) == full.read_bytes()
    briefing = json.loads((tmp_path / "out" / week / "briefing.json").read_text(encoding="utf-8"))
    sentences = [r["requirement"]["source_sentence"] for d in briefing["documents"] for r in d["requirements"]]
    assert len(sentences) == 177
    attached = full.read_text(encoding="utf-8")
    assert all(" ".join(s.split()) in attached for s in sentences)
    assert sum(" ".join(s.split()) in html for s in sentences) < len(sentences)
