"""Coverage that proves a quiet week: per source, the documents of this period beside the usual
count of the weeks before it (from the corpus folder's own earlier weeks); an empty week after
weeks that had documents is an alert ("check the scraper") and exits 1, never "all quiet"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from briefs.baseline import RECENT_WEEKS, source_counts
from briefs.cli import app
from briefs.errors import EXIT_INCOMPLETE
from briefs.reader import read_paths
from briefs.settings import Settings
from briefs.weeks import parse_week

BODY = "国家药监局发布通知，要求各地加强药品质量监管，严厉打击违法违规行为。" * 3


def page(folder: Path, name: str, day: str, source: str | None, url: str | None = None) -> None:
    lines = ["---", f'title: "通知 {name}"', f"date: {day}"]
    if source:
        lines.append(f"source: {source}")
    if url:
        lines.append(f"url: {url}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text("\n".join([*lines, "---", f"{BODY}（{name}）", ""]), encoding="utf-8")


def test_each_source_is_counted_this_week_beside_its_recent_weeks(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    page(corpus, "a-this", "2022-02-09", "国家药监局")
    page(corpus, "a-w05", "2022-02-02", "国家药监局")
    page(corpus, "a-w04", "2022-01-26", "国家药监局")
    page(corpus, "b-w05", "2022-02-01", None, "https://ypjg.ln.gov.cn/notice/1.html")
    page(corpus, "a-old", "2021-06-01", "国家药监局")  # long before the recent weeks: not counted
    page(corpus, "a-later", "2022-02-16", "国家药监局")  # after the period: not counted
    documents = read_paths([corpus], Settings(home=tmp_path / "home")).documents
    counts = {c.source: c for c in source_counts(documents, parse_week("2022-W06"))}
    assert set(counts) == {"国家药监局", "ypjg.ln.gov.cn"}
    nmpa = counts["国家药监局"]
    assert nmpa.in_period == 1 and nmpa.recent_total == 2 and len(nmpa.recent_weeks) == RECENT_WEEKS
    assert nmpa.recent_weeks[-2:] == [1, 1]  # oldest first: W04 and W05 just before the period
    assert nmpa.usual == 2 / RECENT_WEEKS
    quiet = counts["ypjg.ln.gov.cn"]
    assert quiet.in_period == 0 and quiet.recent_total == 1


def test_an_empty_week_after_weeks_with_documents_alerts_and_exits_1(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    page(corpus, "w05", "2022-02-02", "国家药监局")
    page(corpus, "w04", "2022-01-26", "国家药监局")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["generate", "--week", "2022-W06", "--corpus", str(corpus), "--out", str(out)])
    assert result.exit_code == EXIT_INCOMPLETE, result.stderr
    assert "check the scraper" in result.stderr
    markdown = (out / "2022-W06" / "briefing.md").read_text(encoding="utf-8")
    assert "No documents were published" not in markdown
    assert "check the scraper" in markdown and "国家药监局" in markdown
    html = (out / "2022-W06" / "briefing.html").read_text(encoding="utf-8")
    assert "check the scraper" in html


def test_a_corpus_with_no_history_says_it_cannot_tell_and_claims_no_quiet_week(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    page(corpus, "later", (dt.date(2022, 2, 9) + dt.timedelta(days=200)).isoformat(), "国家药监局")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["generate", "--week", "2022-W06", "--corpus", str(corpus), "--out", str(out)])
    markdown = (out / "2022-W06" / "briefing.md").read_text(encoding="utf-8")
    assert "No documents were published" not in markdown
    assert "no document of this period" in markdown.lower() or "No document of this period" in markdown
    assert result.exit_code == 0
