"""An honest run line: a price only for a known hosted endpoint; a local or unknown endpoint shows
tokens and "no price"; a replay shows whose recordings it replayed and no cost; run.json names the
endpoint host; generate ends with one line of calls, tokens, cost and time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from generate_support import SEED_000, corpus_of, live_settings, serve_reference_answers
from typer.testing import CliRunner

from briefs.cli import app
from briefs.llm.usage import priced_endpoint
from briefs.models import RunRecord, Usage
from briefs.pipeline import GenerateRequest, generate
from briefs.render import cost_words
from briefs.weeks import parse_week

W06 = parse_week("2022-W06")
RUN_LINE = re.compile(r"^briefs: \d+ model calls \(\d+ cached\), [\d,]+ tokens in, [\d,]+ out; .+; \d+\.\d s$")


@pytest.mark.parametrize(
    ("base_url", "priced"),
    [
        ("https://api.openai.com/v1", True),
        ("http://127.0.0.1:8080/v1", False),
        ("http://localhost:11434/v1", False),
        ("https://llm-gateway.corp.example/v1", False),
        ("https://api.openai.com.evil.example/v1", False),
    ],
)
def test_only_a_known_hosted_endpoint_is_priced(base_url: str, priced: bool) -> None:
    assert priced_endpoint(base_url) is priced


def test_a_loopback_server_serving_a_priced_model_name_shows_tokens_and_no_price(tmp_path: Path, fake_openai) -> None:
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0", "synthesize/2022-W06")
    settings = live_settings(tmp_path, fake_openai, corpus=corpus_of(tmp_path, SEED_000), model="gpt-4.1-mini")
    result = generate(settings, GenerateRequest(period=W06))
    run = result.briefing.run
    assert run.total.cost_usd is None and not run.priced and run.total.prompt_tokens > 0
    record = json.loads((result.out_dir / "run.json").read_text(encoding="utf-8"))
    assert record["endpoint"] == "127.0.0.1" and record["priced"] is False and record["total"]["cost_usd"] is None
    markdown = (result.out_dir / "briefing.md").read_text(encoding="utf-8")
    assert "no price (endpoint 127.0.0.1 is not a priced hosted API)" in markdown
    assert "$" not in markdown.split("Run record", 1)[1]


def test_a_replay_of_hand_written_answers_shows_their_provenance_and_no_cost(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--week", "2022-W06", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    last = result.stderr.splitlines()[-1]
    assert RUN_LINE.match(last), last
    assert "no cost (replayed recordings: Written by hand by a bilingual regulatory analyst (briefs team), " in last
    assert "not produced by a live model" in last and "$" not in last
    record = json.loads((tmp_path / "out" / "2022-W06" / "run.json").read_text(encoding="utf-8"))
    assert record["endpoint"] is None and record["total"]["cost_usd"] is None
    assert record["recordings"] and all("Written by hand" in line for line in record["recordings"])
    html = (tmp_path / "out" / "2022-W06" / "briefing.html").read_text(encoding="utf-8")
    assert "$0.0" not in html and "不计费" in html


def test_a_priced_run_says_the_estimate_and_the_date_of_its_prices() -> None:
    run = RunRecord(model="gpt-4.1-mini", mode="live", endpoint="api.openai.com", priced=True,
                    prices_as_of="2025-08-15", total=Usage(calls=2, cost_usd=0.0108))  # fmt: skip
    assert cost_words(run) == "cost $0.0108 (estimated from prices as of 2025-08-15)"
    unknown_model = run.model_copy(update={"model": "my-finetune", "total": Usage(calls=2, cost_usd=None)})
    assert cost_words(unknown_model) == "no price (model my-finetune is not in the price table)"


def test_generate_ends_with_the_run_line_against_a_local_server(tmp_path: Path, fake_openai, monkeypatch) -> None:
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0", "synthesize/2022-W06")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    corpus = corpus_of(tmp_path, SEED_000)
    result = CliRunner().invoke(
        app, ["generate", "--week", "2022-W06", "--corpus", str(corpus), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.stderr
    last = result.stderr.splitlines()[-1]
    assert RUN_LINE.match(last) and last.startswith("briefs: 2 model calls (0 cached)")
    assert "no price (endpoint 127.0.0.1 is not a priced hosted API)" in last
