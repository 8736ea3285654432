"""An honest dry run: every call (chunks, merges, the scaled synthesis, expected re-asks), expected
output from measured answer sizes rather than the output limit, list, prompt-cache and Batch prices,
and a warning when a request cannot fit the model's context. Nothing is ever sent."""

from __future__ import annotations

import json
from pathlib import Path

from briefs import resources
from briefs.cli_words import dry_run_lines
from briefs.estimate import REASK_OUTPUT_SHARE, REASK_SHARE, AnswerSizes, estimate_week
from briefs.extract import extraction_requests
from briefs.llm import ModelClient
from briefs.llm_setup import make_llm_config, token_counter
from briefs.pipeline import GenerateRequest, corpus_dir, generate, read_paths, select_period
from briefs.prompting import Prompts
from briefs.settings import load_settings
from briefs.weeks import parse_range

EVERYTHING = parse_range("2020-01-01", "2025-12-31")  # the whole sample corpus, long regulations included


def settings_for(tmp_path: Path, server, **overrides):
    return load_settings(None, out=tmp_path / "out", mode="live", base_url=server.base_url, **overrides)


def test_every_call_is_counted_and_output_is_expected_not_the_maximum(tmp_path: Path, fake_openai) -> None:
    settings = settings_for(tmp_path, fake_openai)
    result = generate(settings, GenerateRequest(period=EVERYTHING, dry_run=True))
    week = result.week_estimate
    assert fake_openai.count() == 0 and not result.out_dir.exists()
    assert week is not None and week.documents == 8
    documents = select_period(read_paths([corpus_dir(settings)], settings).documents, EVERYTHING)
    long_documents = sum(1 for doc in documents if len(doc.chunks) > 1)
    assert long_documents >= 1 and week.merge_calls == long_documents
    assert week.synthesis_calls == 1 and week.chunk_calls == sum(len(doc.chunks) for doc in documents)
    assert week.calls == week.chunk_calls + week.merge_calls + 1
    assert week.reasks == round(REASK_SHARE * week.calls)
    # more than the chunk requests' messages alone (merges and synthesis send tokens too), with re-asks
    count = token_counter(settings)
    chunk_messages = sum(
        count(message["content"])
        for requests in extraction_requests(documents, Prompts())
        for request in requests
        for message in request.messages
    )
    assert week.prompt_tokens > chunk_messages
    sizes = AnswerSizes.measure(token_counter(settings))
    assert 0 < sizes.extract(1000) < sizes.extract(3000), "longer chunks, longer answers"
    assert sizes.merge_input_per_chunk > 0 and sizes.synthesize > 0
    # the sample corpus is what the bundled recordings answered: the expectation is near their real
    # sizes (a fitted line, not a lookup), far below every call using the whole output limit
    count = token_counter(settings)
    extract_and_merge = [
        json.loads(p.read_text(encoding="utf-8"))
        for stage in ("extract", "merge")
        for p in (resources.sample_recordings_dir() / stage).rglob("*.json")
    ]
    real = sum(count(r["response"]["body"]["choices"][0]["message"]["content"]) for r in extract_and_merge)
    expected = (real + sizes.synthesize) * (1 + REASK_SHARE * REASK_OUTPUT_SHARE)
    assert 0.8 < week.output_tokens / expected < 1.25
    assert week.output_tokens < week.calls * settings.max_output_tokens * 0.6
    line = dry_run_lines(week, EVERYTHING)[0]
    assert f"{week.merge_calls} merge, 1 synthesis" in line and "Nothing was sent" in line


def test_a_week_past_the_synthesis_budget_counts_its_parts_and_reduce_calls(tmp_path: Path, fake_openai) -> None:
    small = generate(
        settings_for(tmp_path, fake_openai, synthesis_tokens=4000), GenerateRequest(EVERYTHING, dry_run=True)
    )
    assert (
        small.week_estimate is not None and small.week_estimate.synthesis_calls >= 3
    )  # two parts or more, then a reduce
    assert fake_openai.count() == 0


def _estimate(settings, *, priced: bool):
    read = read_paths([corpus_dir(settings)], settings)
    selected = select_period(read.documents, EVERYTHING)
    prompts = Prompts()
    with ModelClient(make_llm_config(settings)) as client:
        client.priced = priced  # as for OpenAI's own endpoint, which a test never reaches
        return estimate_week(
            client, EVERYTHING, selected, extraction_requests(selected, prompts), prompts, settings.synthesis_tokens
        )


def test_list_prompt_cache_and_batch_prices(tmp_path: Path, fake_openai) -> None:
    week = _estimate(settings_for(tmp_path, fake_openai), priced=True)
    assert week.list_usd is not None and week.cached_usd is not None and week.batch_usd is not None
    # `generate --batch` batches the extraction (half price); merges and the synthesis stay at list
    assert week.list_usd / 2 < week.batch_usd < week.list_usd
    assert week.cached_usd < week.list_usd and 0 < week.static_tokens < week.prompt_tokens
    unpriced = _estimate(settings_for(tmp_path, fake_openai), priced=False)
    assert unpriced.list_usd is None and unpriced.batch_usd is None


def test_a_request_beyond_the_models_context_is_warned_about(tmp_path: Path, fake_openai) -> None:
    fits = _estimate(settings_for(tmp_path, fake_openai, model="gpt-4o"), priced=True)
    assert fits.warnings == []
    too_big = settings_for(tmp_path, fake_openai, model="gpt-4o", synthesis_tokens=200_000)
    result = generate(too_big, GenerateRequest(EVERYTHING, dry_run=True))
    assert result.week_estimate is not None
    warnings = [line for line in dry_run_lines(result.week_estimate, EVERYTHING) if line.startswith("briefs: warning:")]
    assert any("synthesis budget of 200,000 tokens" in w and "context of 128,000" in w for w in warnings)
    assert fake_openai.count() == 0
