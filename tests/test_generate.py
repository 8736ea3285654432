"""`briefs generate` end to end: the real reader, extraction, model layer (SDK over HTTP) and
rendering. Replay runs use the bundled sample recordings; live runs talk to the fake
OpenAI-compatible server on 127.0.0.1, answering with the hand-written reference answers."""

from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from briefing_factory import elements
from events_support import Told
from generate_support import (
    SEED_000,
    SEED_001,
    W06,
    answer,
    corpus_of,
    live_settings,
    replay_settings,
    serve_reference_answers,
)
from markdown_it import MarkdownIt

from briefs.cli_words import dry_run_lines
from briefs.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, ConfigError
from briefs.events import NothingExtracted, ReplayChosen, UnusedRecording
from briefs.llm.testing import fake_server
from briefs.models import Briefing
from briefs.pipeline import GenerateRequest, generate
from briefs.render import FORMATS, LABELS
from briefs.settings import load_settings
from briefs.weeks import parse_range, parse_week, resolve_period

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "fixtures" / "golden"


def attribute_names(html: str) -> list[str]:
    return [name for _, attributes in elements(html) for name in attributes]


# --- the period ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start", "end", "label"),
    [
        ("2022-W06", "2022-02-07", "2022-02-13", "2022-W06"),
        ("2022W06", "2022-02-07", "2022-02-13", "2022-W06"),
        ("2022-w6", "2022-02-07", "2022-02-13", "2022-W06"),
        ("2022-02-13", "2022-02-07", "2022-02-13", "2022-W06"),
        ("2021-01-03", "2020-12-28", "2021-01-03", "2020-W53"),
        ("2020-W53", "2020-12-28", "2021-01-03", "2020-W53"),
        ("this", "2022-02-07", "2022-02-13", "2022-W06"),
        ("last", "2022-01-31", "2022-02-06", "2022-W05"),
    ],
    ids=[
        "an ISO week with a dash",
        "an ISO week without a dash",
        "a lower-case one-digit week",
        "a Sunday belongs to the week before it",
        "a date early in January can belong to the previous ISO year",
        "week 53 exists in a long ISO year",
        "this is the week of today in Shanghai",
        "last is the week before",
    ],
)
def test_week_values_become_periods(value: str, start: str, end: str, label: str) -> None:
    period = parse_week(value, today=dt.date(2022, 2, 9))
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2022-W00", "--week 2022-W00: 2022 has ISO weeks W01 to W52, there is no week 00"),
        ("2022-W54", "--week 2022-W54: 2022 has ISO weeks W01 to W52, there is no week 54"),
        ("2021-W53", "--week 2021-W53: 2021 has ISO weeks W01 to W52, there is no week 53"),
        ("2022-02-30", "--week 2022-02-30: not a date (day is out of range for month)"),
        ("next", "--week next: not understood"),
    ],
    ids=["week 0 does not exist", "week 54 never exists", "week 53 only in long years", "an impossible date", "a word"],
)
def test_bad_week_values_are_one_clear_line(value: str, message: str) -> None:
    from briefs.cli_words import error_line

    with pytest.raises(ConfigError) as error:
        parse_week(value)
    assert error_line(error.value).startswith(message)  # the command line names its flag
    assert str(error.value).startswith(message.removeprefix("--"))  # a library caller, the argument
    assert "\n" not in str(error.value)


def test_from_to_is_an_inclusive_range_and_goes_alone() -> None:
    from briefs.cli_words import error_line

    period = parse_range("2022-02-07", "2022-02-20")
    assert (period.label, period.iso_week) == ("2022-02-07_2022-02-20", None)
    with pytest.raises(ConfigError, match="end 2022-02-01 is before start 2022-02-07") as caught:
        parse_range("2022-02-07", "2022-02-01")
    assert error_line(caught.value) == "--to 2022-02-01 is before --from 2022-02-07"  # the CLI's flags
    with pytest.raises(ConfigError, match="not both"):
        resolve_period("2022-W06", "2022-02-07", "2022-02-20")
    with pytest.raises(ConfigError, match="go together"):
        resolve_period(None, "2022-02-07", None)


# --- replay: the bundled sample, offline -----------------------------------------------------------


@pytest.fixture(scope="module")
def sample_week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Briefing, int]:
    """2022-W06 of the bundled sample, replayed (auto mode, no key), written once for this module."""
    tmp = tmp_path_factory.mktemp("w06")
    saved = {k: os.environ.pop(k) for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFS_CONFIG") if k in os.environ}
    os.environ["BRIEFS_HOME"] = str(tmp / "home")
    try:
        result = generate(replay_settings(tmp), GenerateRequest(period=W06))
    finally:
        os.environ.update(saved)
    assert result.briefing is not None
    return result.out_dir, result.briefing, result.exit_code


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_week_matches_its_golden_file(sample_week, fmt: str, update_golden: bool) -> None:
    out_dir, _, _ = sample_week
    produced = (out_dir / f"briefing.{fmt}").read_text(encoding="utf-8")
    golden = GOLDEN / "2022-W06" / f"briefing.{fmt}"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: run pytest --update-golden once and review it"
    expected = golden.read_text(encoding="utf-8")
    if produced != expected:
        diff = "".join(
            difflib.unified_diff(expected.splitlines(True), produced.splitlines(True), str(golden), "produced", n=1)
        )
        pytest.fail(f"briefing.{fmt} differs from its golden file (pytest --update-golden to accept):\n{diff[:4000]}")


def test_sample_week_is_complete_verified_and_says_where_it_came_from(sample_week) -> None:
    out_dir, briefing, exit_code = sample_week
    assert exit_code == EXIT_OK and briefing.complete and briefing.warnings == []
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([*(f"briefing.{f}" for f in FORMATS), "run.json"])
    assert [d.path for d in briefing.documents] == [f"{SEED_000}.txt"]
    assert all(r.verified for r in briefing.documents[0].requirements)
    assert briefing.run.mode == "replay" and briefing.run.total.calls == 2
    assert {s.stage for s in briefing.run.stages} == {"extract", "synthesize"}
    run = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    assert run["inputs"] == [{"path": f"{SEED_000}.txt", "sha256": briefing.run.inputs[0].sha256}]
    assert run["complete"] is True and run["prompt_versions"]["synthesize"].startswith("synthesize-")
    for text in (out_dir / "briefing.md").read_text(encoding="utf-8"), (out_dir / "briefing.json").read_text("utf-8"):
        assert "/work/" not in text and "/tmp/" not in text, "no machine path in a briefing"


def test_every_sample_week_replays_offline(sample_weeks) -> None:
    """Every week that holds a sample document has its recordings, synthesis included."""
    weeks = ["2020-W52", "2021-W31", "2022-W06", "2022-W07", "2022-W30", "2023-W27", "2024-W17", "2025-W01"]
    for week in weeks:
        result = sample_weeks[week]
        assert result.briefing is not None
        assert result.exit_code == EXIT_OK, (week, result.briefing.warnings)
        assert result.briefing.coverage.in_period >= 1 and result.briefing.headline is not None, week


def test_an_inferred_date_counts_and_is_marked(tmp_path: Path) -> None:
    result = generate(replay_settings(tmp_path), GenerateRequest(period=parse_week("2022-W07"), formats=("md",)))
    briefing = result.briefing
    assert briefing.coverage.dates_inferred == 1 and briefing.documents[0].date_inferred
    assert "2022-02-14 (推定 inferred)" in (result.out_dir / "briefing.md").read_text(encoding="utf-8")


def test_a_week_without_documents_makes_no_call_and_alerts_when_earlier_weeks_had_some(tmp_path: Path) -> None:
    # 2022-W06 and W07 had documents: an empty W10 looks like a broken scraper, not a quiet week
    result = generate(replay_settings(tmp_path), GenerateRequest(period=parse_week("2022-W10")))
    assert result.exit_code == EXIT_INCOMPLETE
    assert result.briefing.run.total.calls == 0
    markdown = (result.out_dir / "briefing.md").read_text(encoding="utf-8")
    assert "No documents were published" not in markdown and "check the scraper" in markdown
    assert "Read 8 documents: 0 in this period" in markdown


@pytest.mark.parametrize(
    ("language", "kept", "dropped"), [("zh", 0, 1), ("en", 1, 0)], ids=["Chinese only", "English only"]
)
def test_one_language_drops_the_other_in_every_format(tmp_path: Path, language: str, kept: int, dropped: int) -> None:
    result = generate(replay_settings(tmp_path), GenerateRequest(period=W06, language=language))
    for fmt in ("md", "html", "txt"):
        text = (result.out_dir / f"briefing.{fmt}").read_text(encoding="utf-8")
        for key in ("coverage", "summary", "actions", "documents", "warnings", "run"):
            assert LABELS[key][kept] in text and LABELS[key][dropped] not in text, (fmt, key)
        if language == "en":  # only the verbatim source sentences, the evidence, stay in Chinese
            quotes = [r.requirement.source_sentence for d in result.briefing.documents for r in d.requirements]
            assert quotes and all(quote in text or html.escape(quote) in text for quote in quotes), fmt
            for quote in quotes:
                text = text.replace(quote, "").replace(html.escape(quote), "")
            assert not re.search(r"[\u4e00-\u9fff]", text), f"Chinese left in the English {fmt}"
        else:
            assert "Executive summary" not in text and "NMPA launches" not in text


# --- live against the fake server: cache, failures, reruns -----------------------------------------


def test_a_second_run_makes_no_model_call(tmp_path: Path, fake_openai) -> None:
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0", "synthesize/2022-W06")
    settings = live_settings(tmp_path, fake_openai, corpus=corpus_of(tmp_path, SEED_000))
    first = generate(settings, GenerateRequest(period=W06))
    assert first.exit_code == EXIT_OK and fake_openai.count() == 2
    second = generate(settings, GenerateRequest(period=W06))
    assert fake_openai.count() == 2, "the rerun was answered from the cache"
    assert second.briefing.run.total.cache_hits == 2 and second.briefing.run.total.calls == 2
    assert second.briefing.documents == first.briefing.documents


def test_an_undated_page_and_a_stray_index_json_leave_every_week_complete(tmp_path: Path, fake_openai) -> None:
    corpus = corpus_of(tmp_path, SEED_000)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "undated.txt").write_text(
        "国家药监局发布通告，要求各地加强药品网络销售监督检查。\n", encoding="utf-8"
    )
    (corpus / "index.json").write_text('{"pages": 2}', encoding="utf-8")
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0", "synthesize/2022-W06")
    result = generate(live_settings(tmp_path, fake_openai, corpus=corpus), GenerateRequest(period=W06))
    assert result.exit_code == EXIT_OK and result.briefing.complete
    assert result.briefing.coverage.undated == ["sub/undated.txt"]
    assert result.briefing.coverage.skipped == []
    for fmt in ("md", "html", "txt"):
        text = (result.out_dir / f"briefing.{fmt}").read_text(encoding="utf-8")
        assert "1 undated page not placed: sub/undated.txt" in text, fmt


def test_a_failed_document_is_listed_and_the_rerun_redoes_only_it(tmp_path: Path, fake_openai) -> None:
    corpus = corpus_of(tmp_path, SEED_000, SEED_001)
    period = parse_range("2022-02-07", "2022-02-20")
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0", f"extract/{SEED_001}/chunk-0")
    fake_openai.set_answer(f"synthesize/{period.label}", answer("synthesize/2022-W06"))
    fake_openai.script(f"extract/{SEED_001}/chunk-0", fake_server.client_error(400, text="context too long"))
    settings = live_settings(tmp_path, fake_openai, corpus=corpus)

    first = generate(settings, GenerateRequest(period=period))
    assert first.exit_code == EXIT_INCOMPLETE
    failed = [w for w in first.briefing.warnings if w.kind == "failed"]
    assert [w.document for w in failed] == [f"{SEED_001}.txt"]
    assert "400" in failed[0].message
    assert [d.path for d in first.briefing.documents] == [f"{SEED_000}.txt"]
    for fmt in ("md", "html", "txt"):
        text = (first.out_dir / f"briefing.{fmt}").read_text(encoding="utf-8")
        assert f"{SEED_001}.txt" in text and "incomplete" in text

    second = generate(settings, GenerateRequest(period=period))
    assert second.exit_code == EXIT_OK and len(second.briefing.documents) == 2
    assert fake_openai.count(f"extract/{SEED_000}/chunk-0") == 1, "the good document was not asked again"
    assert fake_openai.count(f"extract/{SEED_001}/chunk-0") == 2


def test_hostile_document_and_answers_stay_inert_end_to_end(tmp_path: Path, fake_openai) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    hostile = '<script>alert("doc")</script>'
    (corpus / "evil.md").write_text(
        f'---\ntitle: "药监通知{hostile}"\ndate: 2022-02-08 10:00:00 +0800\nurl: "javascript:alert(1)"\n---\n'
        f"国家药监局发布通知。企业应当落实主体责任。<img src=x onerror=alert(2)>\n",
        encoding="utf-8",
    )
    extraction = answer(f"extract/{SEED_000}/chunk-0")
    extraction["title"] = {"zh": f"药监通知{hostile}", "en": f"Notice {hostile} [x](javascript:alert(3))"}
    extraction["summary"]["en"] = "<img src=x onerror=alert(4)> summary"
    extraction["requirements"] = []
    synthesis = answer("synthesize/2022-W06")
    synthesis["headline"]["en"] = '<iframe src="javascript:alert(5)"></iframe> headline'
    fake_openai.set_answer("extract/evil/chunk-0", extraction)
    fake_openai.set_answer("synthesize/2022-W06", synthesis)

    result = generate(live_settings(tmp_path, fake_openai, corpus=corpus), GenerateRequest(period=W06))
    html = (result.out_dir / "briefing.html").read_text(encoding="utf-8")
    markdown = (result.out_dir / "briefing.md").read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe)\b", html, re.I)
    assert not [name for name in attribute_names(html) if name.startswith("on")], "no event handler attribute"
    assert 'href="javascript' not in html.lower()
    assert "&lt;script&gt;" in html and "&lt;iframe" in html
    assert not re.search(r"(?<!\\)<(script|img|iframe)\b", markdown, re.I), "raw HTML is escaped in Markdown"
    as_html = MarkdownIt("commonmark").render(markdown)  # what a Markdown viewer would build
    assert not re.search(r"<(script|img|iframe)\b", as_html, re.I)
    assert not [name for name in attribute_names(as_html) if name.startswith("on")]
    assert 'href="javascript' not in as_html.lower()


def test_auto_mode_goes_live_when_a_base_url_is_set(tmp_path: Path, fake_openai, monkeypatch) -> None:
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0", "synthesize/2022-W06")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    settings = load_settings(None, out=tmp_path / "out", corpus=corpus_of(tmp_path, SEED_000))
    told = Told()
    result = generate(settings, GenerateRequest(period=W06, formats=("json",)), on_event=told)
    assert result.briefing.run.mode == "live" and fake_openai.count() == 2
    assert told.of(ReplayChosen) == [] and not any("replayed" in line for line in told.lines())


def test_a_dry_run_counts_tokens_and_calls_nothing(tmp_path: Path, fake_openai) -> None:
    settings = live_settings(tmp_path, fake_openai)
    result = generate(settings, GenerateRequest(period=W06, dry_run=True))
    assert fake_openai.count() == 0 and result.briefing is None and not result.out_dir.exists()
    week = result.week_estimate
    assert week is not None and week.chunk_calls == 1 and week.prompt_tokens > 1000
    # a server on 127.0.0.1 is not a priced hosted API, whatever the model's name: tokens, no price
    said = dry_run_lines(week, W06)[0]
    assert "Nothing was sent" in said and "estimated cost unknown (no price" in said


def test_a_team_gets_its_filter_stated(tmp_path: Path) -> None:
    config = tmp_path / "briefs.toml"
    config.write_text(
        '[[teams]]\nname = "devices"\nrecipients = ["qa@example.com"]\nlanguage = "en"\n'
        'product_scope = ["medical_devices"]\nmin_priority = "high"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, out=tmp_path / "briefings")
    result = generate(settings, GenerateRequest(period=W06, team="devices"))
    assert result.briefing.team_filter is not None and result.briefing.language == "en"
    text = (result.out_dir / "briefing.md").read_text(encoding="utf-8")
    assert "Filtered for team “devices”: product scope medical devices, minimum priority high" in text
    with pytest.raises(ConfigError, match="team 'nobody' is not in the config file"):
        generate(settings, GenerateRequest(period=W06, team="nobody"))


# --- the command line -------------------------------------------------------------------------------


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(BRIEFS_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "briefs", "generate", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_writes_the_sample_week_offline_and_says_so(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "--week", "2022-W06", "--format", "md", "--format", "json")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any("replayed from the bundled sample recordings" in line for line in lines)
    assert any(
        line.startswith("briefs: wrote briefings/2022-W06/ (briefing.md, briefing.json, run.json)") for line in lines
    )
    assert any("read 8 documents, 1 in the period" in line for line in lines)
    assert sorted(p.name for p in (tmp_path / "briefings" / "2022-W06").iterdir()) == [
        "briefing.json",
        "briefing.md",
        "run.json",
    ]


BAD_COMMAND_LINES = [
    (["--week", "2021-W53"], "briefs: error: --week 2021-W53: 2021 has ISO weeks W01 to W52, there is no week 53"),
    (["--week", "2022-W06", "--format", "pdf"], "briefs: error: --format pdf: choose from md, html, txt, json"),
    (["--week", "2022-W06", "--language", "fr"], "briefs: error: --language fr: choose both, zh or en"),
    (["--week", "2022-W06", "--corpus", "missing"], "briefs: error: --corpus missing: no such file or folder"),
    ([], "briefs: error: --week is required"),
]


@pytest.mark.parametrize(
    ("args", "message"),
    BAD_COMMAND_LINES,
    ids=["an impossible week", "an unknown format", "an unknown language", "a missing corpus", "no period"],
)
def test_bad_command_lines_are_one_line_and_exit_2(briefs_main, args: list[str], message: str) -> None:
    done = briefs_main("generate", *args)
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith(message) and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_the_installed_command_ends_a_bad_command_line_in_one_line_and_exit_2(tmp_path: Path) -> None:
    """The same boundary as the rows above, once through a real process: its exit status and streams."""
    args, message = BAD_COMMAND_LINES[0]
    done = run_cli(tmp_path, *args)
    assert done.returncode == EXIT_USAGE and done.stdout == ""
    assert done.stderr.startswith(message) and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_a_failed_synthesis_keeps_every_document_and_says_so(tmp_path: Path, fake_openai) -> None:
    serve_reference_answers(fake_openai, f"extract/{SEED_000}/chunk-0")
    fake_openai.script("synthesize/2022-W06", fake_server.client_error(422, text="schema not supported"))
    result = generate(
        live_settings(tmp_path, fake_openai, corpus=corpus_of(tmp_path, SEED_000)), GenerateRequest(period=W06)
    )
    assert result.exit_code == EXIT_INCOMPLETE
    assert [w.kind for w in result.briefing.warnings] == ["synthesis"]
    assert len(result.briefing.documents) == 1 and result.briefing.headline is None
    assert "No synthesis for this period." in (result.out_dir / "briefing.md").read_text(encoding="utf-8")


def test_unused_recordings_are_listed_only_when_asked(tmp_path: Path) -> None:
    quiet = Told()
    generate(replay_settings(tmp_path), GenerateRequest(period=W06, formats=("json",)), on_event=quiet)
    assert quiet.of(UnusedRecording) == [] and not any("unused recording" in line for line in quiet.lines())
    asked = Told()
    generate(
        replay_settings(tmp_path),
        GenerateRequest(period=W06, formats=("json",), list_unused_recordings=True),
        on_event=asked,
    )
    assert asked.of(UnusedRecording)
    unused = [line for line in asked.lines() if "unused recording" in line]
    assert unused and any("2022-W07" in line for line in unused)
    assert not any("2022-W06" in line for line in unused), "what this week used is not listed"


def test_a_document_with_a_chinese_file_name_is_asked_for_and_its_label_read_back(tmp_path: Path, fake_openai) -> None:
    """A call's label carries its file's name (in an HTTP header, which is ASCII): Chinese file names
    are the rule in a regulator's downloads, and they broke every call with a UnicodeEncodeError."""
    corpus = corpus_of(tmp_path, SEED_000)
    (corpus / f"{SEED_000}.txt").rename(corpus / "国家药监局关于发布药品注册管理办法的公告.txt")
    label = "extract/国家药监局关于发布药品注册管理办法的公告/chunk-0"
    fake_openai.set_answer(label, answer(f"extract/{SEED_000}/chunk-0"))
    serve_reference_answers(fake_openai, "synthesize/2022-W06")

    live = generate(live_settings(tmp_path, fake_openai, corpus=corpus), GenerateRequest(period=W06))
    assert live.briefing is not None and live.briefing.complete, live.briefing and live.briefing.warnings
    assert fake_openai.count(label) == 1, "the server read the label back as it was"

    replayed = generate(replay_settings(tmp_path, corpus=corpus, home=tmp_path / "r"), GenerateRequest(period=W06))
    assert replayed.briefing is not None and replayed.briefing.complete, "replay matches the body, not the label"
    page = corpus / "国家药监局关于发布药品注册管理办法的公告.txt"
    page.write_text(
        page.read_text(encoding="utf-8") + "\n药品上市许可持有人应当于2022年3月1日前完成自查。\n", encoding="utf-8"
    )
    told = Told()
    generate(replay_settings(tmp_path, corpus=corpus, home=tmp_path / "m"), GenerateRequest(period=W06), on_event=told)
    [nothing] = told.of(NothingExtracted)
    assert f"{label}: no recording matches this request" in nothing.failures[0].reason
