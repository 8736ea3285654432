"""Re-asks counted apart from transport retries, kept in the run record, and read back by a dry run:
the share a week's estimate expects is the user's own once their recorded runs have sent enough
calls, and the independently measured one before that."""

from __future__ import annotations

import json
from pathlib import Path

from llm_support import NOTE, client_for, note_request

from briefs import history
from briefs.cli_words import dry_run_lines
from briefs.estimate import REASK_SHARE, RECORDED_CALLS_ENOUGH, expected_reasks
from briefs.llm import Usage
from briefs.llm.testing.fake_server import FakeServer, not_json, server_error
from briefs.pipeline import GenerateRequest, generate, recorded_reasks
from briefs.settings import load_settings
from briefs.weeks import parse_range
from tests.briefing_factory import run_record

LABEL = "extract/doc/chunk-0"
EVERYTHING = parse_range("2020-01-01", "2025-12-31")


def test_a_reask_is_counted_apart_from_a_transport_retry(fake_openai: FakeServer) -> None:
    fake_openai.set_answer(LABEL, NOTE)
    fake_openai.script(LABEL, server_error(503), not_json())  # one retry, then one invalid answer
    with client_for(fake_openai, sleep=lambda seconds: None) as client:
        result = client.call(note_request(LABEL))
        checked = client.call(note_request("extract/other/chunk-0", check=lambda note: ["quote not found"]))
    assert (result.usage.attempts, result.usage.reasks) == (3, 1)
    assert (checked.usage.attempts, checked.usage.reasks) == (2, 1)  # the check's problems asked again
    assert (client.ledger.run.reasks, client.ledger.stage("extract").reasks) == (2, 2)
    assert (Usage(reasks=2) + Usage(reasks=3)).reasks == 5


def _store_with(tmp_path: Path, runs: list[dict]) -> Path:
    """A history store whose briefings carry these run records (as run.json would hold them)."""
    store = tmp_path / "history.db"
    with history.connect(store) as connection:
        for number, run in enumerate(runs):
            connection.execute(
                "INSERT INTO weeks (label, start_date, end_date, iso_week) VALUES (?, ?, ?, ?)",
                (f"2022-W{number + 10:02d}", f"2022-03-{number + 1:02d}", f"2022-03-{number + 1:02d}", None),
            )
            week_id = connection.execute("SELECT max(id) FROM weeks").fetchone()[0]
            connection.execute(
                "INSERT INTO briefings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (week_id, None, None, None, None, 1, None, "{}", "[]", json.dumps(run)),
            )
    return store


def _run(mode: str, calls: int, reasks: int | None, cache_hits: int = 0) -> dict:
    total = run_record().total.model_dump(mode="json")
    total.update(calls=calls, cache_hits=cache_hits)
    if reasks is None:
        total.pop("reasks", None)  # a run recorded before re-asks were counted
    else:
        total["reasks"] = reasks
    return {**run_record().model_dump(mode="json"), "mode": mode, "total": total}


def test_the_store_gives_recorded_reasks_of_live_runs_only(tmp_path: Path) -> None:
    store = _store_with(
        tmp_path,
        [
            _run("live", 120, 9, cache_hits=20),  # 100 sent
            _run("record", 60, 3),
            _run("replay", 500, 0),  # nothing was sent
            _run("live", 400, None),  # re-asks unknown, not zero
        ],
    )
    record = history.reask_record(store)
    assert (record.reasks, record.sent, record.weeks) == (12, 160, 2)
    assert history.reask_record(tmp_path / "none.db") == history.ReaskRecord()
    assert not (tmp_path / "none.db").exists()


def test_the_expected_share_is_the_users_own_once_there_are_enough_calls() -> None:
    assert expected_reasks().share == REASK_SHARE
    assert expected_reasks(5, RECORDED_CALLS_ENOUGH - 1).share == REASK_SHARE  # too few to say
    mine = expected_reasks(30, 300)
    assert mine.share == 0.1 and "30 re-asks in 300 calls" in mine.basis


def test_a_dry_run_expects_the_recorded_share_and_says_where_it_comes_from(tmp_path: Path, fake_openai) -> None:
    settings = load_settings(None, out=tmp_path / "out", mode="live", base_url=fake_openai.base_url)
    store = _store_with(tmp_path, [_run("live", 400, 80)])
    result = generate(settings, GenerateRequest(period=EVERYTHING, dry_run=True, history=store))
    week = result.week_estimate
    assert week is not None and week.reask.share == 0.2 and week.reasks == round(0.2 * week.calls)
    line = dry_run_lines(week, EVERYTHING)[0]
    assert "(20.0% of calls, as in your recorded runs with extraction on gpt-4.1-mini: 80 re-asks in 400 calls)" in line
    assert fake_openai.count() == 0
    fresh = generate(settings, GenerateRequest(period=EVERYTHING, dry_run=True, history=tmp_path / "new.db"))
    assert fresh.week_estimate is not None and fresh.week_estimate.reask.share == REASK_SHARE
    assert "independently written answers" in dry_run_lines(fresh.week_estimate, EVERYTHING)[0]


def test_an_unreadable_store_does_not_stop_a_dry_run(tmp_path: Path) -> None:
    broken = tmp_path / "history.db"
    broken.write_bytes(b"not a database at all" * 100)
    assert recorded_reasks(broken).share == REASK_SHARE


def test_the_run_record_keeps_the_reasks(tmp_path: Path) -> None:
    record = run_record().model_copy(update={"total": Usage(calls=3, attempts=5, reasks=1)})
    assert json.loads(record.model_dump_json())["total"]["reasks"] == 1
