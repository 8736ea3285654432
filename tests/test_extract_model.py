"""A cheaper model for the per-chunk extraction (``extract_model``), the main ``model`` for the
merges and the synthesis. Everything keyed by the model follows the call: the request the server
sees (re-asks included), the response cache, the recording a replay finds, the batch line, the run
record and the dry run's prices and context checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from generate_support import corpus_of
from llm_support import client_for, note_request

from briefs.cli_words import dry_run_lines, run_line
from briefs.estimate import estimate_week
from briefs.extract import extraction_requests
from briefs.llm import LLMConfig, ModelClient, ReplayMissError, price_for
from briefs.llm.batch import batch_lines
from briefs.llm.testing.fake_server import FakeServer, not_json
from briefs.llm_setup import make_llm_config
from briefs.pipeline import GenerateRequest, corpus_dir, generate, read_paths, select_period
from briefs.prompting import Prompts
from briefs.settings import load_settings
from briefs.weeks import parse_range

EVERYTHING = parse_range("2020-01-01", "2025-12-31")
NEWS = "000_b91c7a1454b64df1"
LONG = "19_lawrefbook_medical_device_regulation_long"
MAIN, CHEAP = "gpt-4.1-mini", "gpt-4.1-nano"
ANSWERS = Path(__file__).parent / "fixtures" / "answers"  # the hand-written reference answers


def live(tmp_path: Path, server: FakeServer, **overrides) -> object:
    return load_settings(
        None,
        out=tmp_path / "briefings",
        mode="live",
        base_url=server.base_url,
        corpus=corpus_of(tmp_path, NEWS, LONG),
        **overrides,
    )


def models_seen(server: FakeServer) -> dict[str, set[str]]:
    """The models each stage's requests named, as the server saw them."""
    seen: dict[str, set[str]] = {}
    for request in server.requests:
        seen.setdefault(request.label.split("/", 1)[0], set()).add(request.body["model"])
    return seen


def test_extraction_and_its_reasks_go_to_the_extract_model_merges_and_synthesis_to_the_main_one(
    tmp_path: Path, fake_openai: FakeServer
) -> None:
    fake_openai.script(f"extract/{NEWS}/chunk-0", not_json())  # an invalid answer: asked again
    result = generate(live(tmp_path, fake_openai, extract_model=CHEAP), GenerateRequest(period=EVERYTHING))
    assert models_seen(fake_openai) == {"extract": {CHEAP}, "merge": {MAIN}, "synthesize": {MAIN}}
    reasked = [r for r in fake_openai.requests if r.label == f"extract/{NEWS}/chunk-0" and len(r.body["messages"]) > 2]
    assert reasked and {r.body["model"] for r in reasked} == {CHEAP}
    # which model did what, in the run record and run.json
    assert result.briefing is not None
    stages = {s.stage: s.model for s in result.briefing.run.stages}
    assert stages == {"extract": CHEAP, "merge": MAIN, "synthesize": MAIN}
    assert result.briefing.run.model == MAIN
    run = json.loads((result.out_dir / "run.json").read_text(encoding="utf-8"))
    assert {s["stage"]: s["model"] for s in run["stages"]} == stages
    text = (result.out_dir / "briefing.txt").read_text(encoding="utf-8")
    assert f"Model {MAIN}, extract stage {CHEAP}" in text
    assert f"cached; extract on {CHEAP}, the rest on {MAIN})" in run_line(result.briefing, 1.0)


def test_without_an_extract_model_every_call_goes_to_the_main_one(tmp_path: Path, fake_openai: FakeServer) -> None:
    generate(live(tmp_path, fake_openai), GenerateRequest(period=EVERYTHING))
    assert models_seen(fake_openai) == {"extract": {MAIN}, "merge": {MAIN}, "synthesize": {MAIN}}


def test_the_cache_misses_when_only_the_extract_model_changes(tmp_path: Path, fake_openai: FakeServer) -> None:
    generate(live(tmp_path, fake_openai), GenerateRequest(period=EVERYTHING))
    first = fake_openai.count()
    extracts = sum(1 for r in fake_openai.requests if r.label.startswith("extract/"))
    generate(live(tmp_path, fake_openai, extract_model=CHEAP), GenerateRequest(period=EVERYTHING))
    again = [r for r in fake_openai.requests[first:] if r.label.startswith("extract/")]
    assert len(again) == extracts and {r.body["model"] for r in again} == {CHEAP}
    sent = fake_openai.count()
    generate(live(tmp_path, fake_openai, extract_model=CHEAP), GenerateRequest(period=EVERYTHING))
    assert fake_openai.count() == sent, "the same settings again: every answer cached"


def test_a_request_of_its_own_model_is_its_own_cache_entry(fake_openai: FakeServer, tmp_path: Path) -> None:
    with client_for(fake_openai, tmp_path) as client:
        client.call(note_request())
        assert not client.call(note_request(model=CHEAP)).usage.from_cache
        assert client.call(note_request(model=CHEAP)).usage.from_cache
        assert client.ledger.models_of("extract") == [MAIN, CHEAP]
        assert f"; model {MAIN}, {CHEAP}" in client.ledger.summary().splitlines()[0]  # `briefs extract` prints it
        # a local server: the price table does not describe its bill, whichever model it serves
        assert "cost unknown (the endpoint is not a priced hosted API" in client.ledger.summary()
    assert [r.body["model"] for r in fake_openai.requests] == [MAIN, CHEAP]


def test_a_recording_answers_only_the_model_it_was_recorded_from(fake_openai: FakeServer, tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    with client_for(fake_openai, mode="record", recordings_dir=recordings) as client:
        client.call(note_request(model=CHEAP))
    replay = LLMConfig(model=MAIN, mode="replay", recordings_dir=recordings)
    with ModelClient(replay) as client:
        assert client.call(note_request(model=CHEAP)).value.title
        with pytest.raises(ReplayMissError, match=f"model {MAIN}"):
            client.call(note_request())


def test_batch_lines_carry_the_extraction_model(tmp_path: Path, fake_openai: FakeServer) -> None:
    settings = live(tmp_path, fake_openai, extract_model=CHEAP)
    documents = select_period(read_paths([corpus_dir(settings)], settings).documents, EVERYTHING)
    requests = [r for rs in extraction_requests(documents, Prompts(), settings.extract_model) for r in rs]
    with ModelClient(make_llm_config(settings)) as client:
        lines, _ = batch_lines(client, requests)
    assert lines and {json.loads(line)["body"]["model"] for line in lines} == {CHEAP}


def _estimate(settings, *, priced: bool = True):
    documents = select_period(read_paths([corpus_dir(settings)], settings).documents, EVERYTHING)
    prompts = Prompts()
    per_document = extraction_requests(documents, prompts, settings.extract_model)
    with ModelClient(make_llm_config(settings)) as client:
        client.priced = priced  # as for OpenAI's own endpoint, which a test never reaches
        return estimate_week(client, EVERYTHING, documents, per_document, prompts, settings.synthesis_tokens)


def _at_list(model: str, prompt: int, output: int) -> float:
    price = price_for(model)
    assert price is not None
    return (prompt * price.input + output * price.output) / 1_000_000


def test_the_dry_run_prices_each_stage_at_its_own_models_rates(tmp_path: Path, fake_openai: FakeServer) -> None:
    one = _estimate(live(tmp_path, fake_openai))
    two = _estimate(live(tmp_path, fake_openai, extract_model=CHEAP))
    assert list(one.models) == [MAIN] and one.models[MAIN].stages == ["extraction", "merges", "synthesis"]
    cheap, main = two.models[CHEAP], two.models[MAIN]
    assert cheap.stages == ["extraction"] and main.stages == ["merges", "synthesis"]
    # the same calls and tokens; only the price of the extraction's part changes
    assert (two.calls, two.prompt_tokens, two.output_tokens) == (one.calls, one.prompt_tokens, one.output_tokens)
    assert cheap.prompt_tokens + main.prompt_tokens == two.prompt_tokens
    assert cheap.list_usd == pytest.approx(_at_list(CHEAP, cheap.prompt_tokens, cheap.output_tokens))
    assert main.list_usd == pytest.approx(_at_list(MAIN, main.prompt_tokens, main.output_tokens))
    assert two.list_usd == pytest.approx(cheap.list_usd + main.list_usd)
    # `generate --batch`: the extraction (all of nano's part) at half, merges and synthesis at list
    assert cheap.batch_usd == pytest.approx(cheap.list_usd / 2) and main.batch_usd == pytest.approx(main.list_usd)
    assert two.batch_usd == pytest.approx(cheap.list_usd / 2 + main.list_usd) and two.cached_usd is not None
    assert one.list_usd is not None and two.list_usd < one.list_usd / 2
    lines = dry_run_lines(two, EVERYTHING)
    assert any(f"extraction on {CHEAP}: about {cheap.prompt_tokens:,} prompt" in line for line in lines)
    assert any(f"merges and synthesis on {MAIN}: " in line for line in lines)
    assert any(f"every call on {MAIN}" in line for line in dry_run_lines(one, EVERYTHING))


def test_an_extract_model_without_a_price_leaves_the_week_unpriced_and_says_which(
    tmp_path: Path, fake_openai: FakeServer
) -> None:
    week = _estimate(live(tmp_path, fake_openai, extract_model="my-local-extractor"))
    assert week.list_usd is None and week.batch_usd is None
    assert week.models["my-local-extractor"].list_usd is None and week.models[MAIN].list_usd is not None
    lines = dry_run_lines(week, EVERYTHING)
    assert "estimated cost unknown" in lines[0]
    assert any("extraction on my-local-extractor" in line and "no price" in line for line in lines)


def test_the_synthesis_budget_is_checked_against_the_main_models_context(
    tmp_path: Path, fake_openai: FakeServer
) -> None:
    # gpt-4o holds 128,000 tokens, gpt-4.1-mini about a million: only the model that gets the synthesis counts
    small_main = _estimate(live(tmp_path, fake_openai, model="gpt-4o", extract_model=MAIN, synthesis_tokens=200_000))
    assert any("synthesis budget" in w and "gpt-4o's context of 128,000" in w for w in small_main.warnings)
    small_extractor = _estimate(live(tmp_path, fake_openai, extract_model="gpt-4o", synthesis_tokens=200_000))
    assert small_extractor.warnings == []


def test_a_chunk_is_checked_against_the_extract_models_context(tmp_path: Path, fake_openai: FakeServer) -> None:
    from briefs.estimate import _context_warnings

    settings = live(tmp_path, fake_openai, extract_model="gpt-4o")
    week = _estimate(settings)
    with ModelClient(make_llm_config(settings)) as client:
        _context_warnings(week, client, {"gpt-4o": 120_000, MAIN: 120_000}, settings.synthesis_tokens)
    assert len(week.warnings) == 1 and "gpt-4o's context of 128,000" in week.warnings[0]


def test_generate_batch_sends_the_extraction_model_in_its_lines_and_names_it_in_the_run_record(
    tmp_path: Path, fake_openai: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from briefs.cli import app

    for name, value in {
        "BRIEFS_MODE": "live",
        "BRIEFS_BASE_URL": fake_openai.base_url,
        "BRIEFS_CORPUS": str(corpus_of(tmp_path, NEWS, LONG)),
        "BRIEFS_OUT": str(tmp_path / "briefings"),
        "BRIEFS_BATCH_POLL_SECONDS": "0.01",
    }.items():
        monkeypatch.setenv(name, value)
    period = ["--from", "2020-01-01", "--to", "2025-12-31"]
    result = CliRunner().invoke(app, ["generate", "--batch", "--extract-model", CHEAP, *period])
    assert result.exit_code == 0, result.output
    lines = [
        json.loads(line)
        for batch in fake_openai.batches.values()
        for line in fake_openai.files[batch["input_file_id"]].decode("utf-8").splitlines()
    ]
    assert lines and {line["body"]["model"] for line in lines} == {CHEAP}  # first answers and re-asks
    online = models_seen(fake_openai)
    assert online.get("merge") == {MAIN} and online.get("synthesize") == {MAIN}
    assert online.get("extract", {CHEAP}) == {CHEAP}, "a line asked online again keeps the extraction model"
    run = json.loads(next((tmp_path / "briefings").glob("*/run.json")).read_text(encoding="utf-8"))
    assert {s["stage"]: s["model"] for s in run["stages"]}["batch"] == CHEAP
    sent = fake_openai.count() + len(fake_openai.batch_calls)
    again = CliRunner().invoke(app, ["generate", "--batch", "--extract-model", CHEAP, *period])
    assert again.exit_code == result.exit_code, again.output
    assert fake_openai.count() + len(fake_openai.batch_calls) == sent, "the rerun found every answer cached"


def test_the_dry_run_expects_the_reask_share_of_runs_whose_extraction_was_on_the_same_model(
    tmp_path: Path, fake_openai: FakeServer
) -> None:
    from test_reask_record import _run, _store_with

    on_nano = _run("live", 200, 60)
    on_nano["stages"] = [{"stage": "extract", "model": CHEAP, "usage": {}}, {"stage": "merge", "model": MAIN}]
    older = _run("live", 400, 8)  # recorded before stages named their model: its extraction was on `model`
    store = _store_with(tmp_path, [on_nano, older])
    cheap = generate(
        live(tmp_path, fake_openai, extract_model=CHEAP), GenerateRequest(EVERYTHING, dry_run=True, history=store)
    ).week_estimate
    assert cheap is not None and cheap.reask.share == 0.3
    assert f"as in your recorded runs with extraction on {CHEAP}: 60 re-asks in 200 calls" in cheap.reask.basis
    main = generate(live(tmp_path, fake_openai), GenerateRequest(EVERYTHING, dry_run=True, history=store)).week_estimate
    assert main is not None and main.reask.share == 0.02
    assert fake_openai.count() == 0


def test_a_rebuild_keeps_its_own_record_when_the_stored_run_extracted_on_another_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored record is of a run whose extraction went to nano; the rebuild read mini's cached
    answers: that is another run, whose re-asks are not the stored run's."""
    from test_history_store import Continuity, _reasked, _rebuild, _run_records, _set_run_record

    continuity = Continuity(tmp_path)
    assert continuity.run("2022-W06").exit_code == 0

    def on_nano(run: dict) -> dict:
        stages = [{**stage, "model": CHEAP} if stage["stage"] == "extract" else stage for stage in run["stages"]]
        return _reasked({**run, "stages": stages})

    _set_run_record(continuity.store, "2022-W06", on_nano)
    _rebuild(continuity, monkeypatch)
    [run] = _run_records(continuity.store).values()
    assert run["total"]["reasks"] == 0 and {s["stage"]: s["model"] for s in run["stages"]}["extract"] == MAIN


def test_a_batch_submitted_for_the_extract_model_is_never_collected_as_the_main_models_answers(
    tmp_path: Path, fake_openai: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collected without --extract-model, nano's answers match no request of the week (mini's keys
    differ) and are not cached as mini's; collected with it, they are nano's, and a run on nano sends
    no extraction request."""
    from typer.testing import CliRunner

    from briefs.cli import app

    for name, value in {
        "BRIEFS_MODE": "live",
        "BRIEFS_BASE_URL": fake_openai.base_url,
        "BRIEFS_CORPUS": str(corpus_of(tmp_path, NEWS)),
        "BRIEFS_OUT": str(tmp_path / "briefings"),
    }.items():
        monkeypatch.setenv(name, value)
    label = f"extract/{NEWS}/chunk-0"
    fake_openai.set_answer(label, json.loads((ANSWERS / f"{label}.json").read_text(encoding="utf-8"))["answer"])
    period = ["--from", "2020-01-01", "--to", "2025-12-31"]
    submitted = CliRunner().invoke(app, ["batch", "submit", "--extract-model", CHEAP, *period])
    assert submitted.exit_code == 0, submitted.output
    wrong = CliRunner().invoke(app, ["batch", "collect", *period])
    assert "0 answers cached now" in wrong.output and "no request of this week carries it" in wrong.output
    right = CliRunner().invoke(app, ["batch", "collect", "--extract-model", CHEAP, *period])
    assert right.exit_code == 0 and "1 answers cached now" in right.output, right.output
    generate(load_settings(None, extract_model=CHEAP), GenerateRequest(EVERYTHING))  # the environment set above
    assert models_seen(fake_openai).get("extract") is None, "every extraction came from the batch"
