"""Rendering rules, on hand-built briefings: escaping, links, languages, an empty week, JSON."""

from __future__ import annotations

import json
import re

import briefing_factory as factory
import pytest
from markdown_it import MarkdownIt

from briefs.models import Bilingual, Briefing, Coverage
from briefs.render import FORMATS, LABELS, md_text, render, safe_url

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MD_LINK = "[click me](javascript:alert(2))"


@pytest.fixture
def hostile_briefing() -> Briefing:
    """A document whose title and body carry HTML/JS and a javascript: URL, and model answers that
    repeat them (title, summary, requirement, synthesis)."""
    doc = factory.document(
        title=f"通知{HOSTILE}", text=f"正文{HOSTILE}{factory.SENTENCE_000}。", url="javascript:alert(3)"
    )
    ext = factory.extraction(
        title_zh=f"通知{HOSTILE}",
        title_en=f"Notice {HOSTILE} {MD_LINK}",
        summary_en=f"Summary {HOSTILE} | pipe | **bold** {MD_LINK}",
        requirements=[factory.requirement(text_en=f"Do this {HOSTILE} {MD_LINK}")],
    )
    synthesis = factory.synthesis(headline_en=f"Headline {HOSTILE} {MD_LINK}")
    return factory.briefing([factory.digest(doc=doc, ext=ext)], synthesis)


def test_hostile_text_is_inert_in_the_html(hostile_briefing: Briefing) -> None:
    html = render(hostile_briefing, "html")
    tags = factory.elements(html)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "object", "embed", "link")]
    assert not [(t, a) for t, a in tags for name in a if name.startswith("on")], "no event handler attributes"
    hrefs = [a.get("href") for t, a in tags if t == "a"]
    # links leave only for http(s); "#doc-D1" and the like stay inside the briefing
    assert all(href and href.startswith(("http://", "https://", "#")) for href in hrefs)
    assert "javascript:" not in " ".join(str(h) for h in hrefs)
    assert "&lt;script&gt;" in html, "the hostile text is shown, as text"


def test_hostile_text_is_inert_in_the_markdown(hostile_briefing: Briefing) -> None:
    markdown = render(hostile_briefing, "md")
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    tags = factory.elements(html)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe")]
    assert not [(t, a) for t, a in tags for name in a if name.startswith("on")]
    assert all(a.get("href", "").startswith(("http://", "https://")) for t, a in tags if t == "a")
    assert "<script>" not in markdown, "raw HTML never reaches the Markdown"
    assert "click me" in html, "the text itself stays readable"


def test_plain_text_keeps_the_hostile_text_verbatim_and_writes_no_unsafe_url(hostile_briefing: Briefing) -> None:
    text = render(hostile_briefing, "txt")
    assert HOSTILE in text  # plain text is never interpreted
    assert "javascript:alert(3)" not in text


@pytest.mark.parametrize(
    ("url", "rendered"),
    [
        ("https://www.nmpa.gov.cn/a.html", "https://www.nmpa.gov.cn/a.html"),
        ("http://example.com/x?y=1", "http://example.com/x?y=1"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.com/no-scheme", None),
        ("ftp://example.com/file", None),
        ("https://", None),
        ("https://exa mple.com", None),
        (None, None),
    ],
    ids=[
        "an https link is kept",
        "an http link is kept",
        "a javascript link is dropped",
        "a javascript link in capitals is dropped",
        "a data url is dropped",
        "a scheme-relative url is dropped",
        "an ftp url is dropped",
        "a url without a host is dropped",
        "a url with a space is dropped",
        "no url is no link",
    ],
)
def test_only_http_links_are_rendered_as_links(url, rendered) -> None:
    assert safe_url(url) == rendered


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<b>x</b>", r"\<b\>x\</b\>"),
        ("[a](b)", r"\[a\](b)"),
        ("a | b", r"a \| b"),
        ("*x* _y_", r"\*x\* \_y\_"),
        ("第一行\n第二行", "第一行 第二行"),
        ("药监局，“两品一械”。", "药监局，“两品一械”。"),
    ],
    ids=[
        "html tags become literal",
        "link brackets become literal",
        "table pipes become literal",
        "emphasis markers become literal",
        "line breaks cannot break a table row",
        "Chinese punctuation is left exactly as it is",
    ],
)
def test_markdown_escaping(text: str, escaped: str) -> None:
    assert md_text(text) == escaped


def both_titles(b: Briefing) -> tuple[str, str]:
    return b.documents[0].title.zh, b.documents[0].title.en


@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
@pytest.mark.parametrize(("language", "kept", "dropped"), [("zh", 0, 1), ("en", 1, 0)], ids=["zh", "en"])
def test_one_language_drops_the_other_everywhere(fmt: str, language: str, kept: int, dropped: int) -> None:
    briefing = factory.briefing([factory.digest()], factory.synthesis())
    out = render(briefing, fmt, language)
    for key in ("coverage", "summary", "actions", "documents", "warnings", "run", "title"):
        assert LABELS[key][kept] in out
        assert LABELS[key][dropped] not in out, f"heading {key} in the dropped language"
    texts = [
        (briefing.documents[0].title.zh, briefing.documents[0].title.en),
        (briefing.headline.zh, briefing.headline.en),
        (briefing.executive_summary.zh, briefing.executive_summary.en),
        (briefing.actions[0].what.zh, briefing.actions[0].what.en),
    ]
    if language == "zh":
        texts.append((factory.SENTENCE_000, briefing.documents[0].requirements[0].requirement.text_en))
    for pair in texts:
        assert pair[kept] in out or (fmt == "html" and _escaped(pair[kept]) in out)
        assert pair[dropped] not in out
    # The trust bar overrides "drop the other language" for one thing: each requirement keeps the
    # verbatim Chinese sentence it came from, as evidence. Nothing else Chinese is left in English.
    assert factory.SENTENCE_000 in out
    if language == "en":
        chinese = set(re.findall(r"[\u4e00-\u9fff]", out.replace(factory.SENTENCE_000, "")))
        assert not chinese, "no Chinese outside the source sentences in the English briefing"


def _escaped(text: str) -> str:
    import html

    return html.escape(text)


def test_both_languages_put_the_chinese_source_sentence_beside_the_english() -> None:
    briefing = factory.briefing([factory.digest()], factory.synthesis())
    html = render(briefing, "html")
    row = re.search(
        r"<p class=\"quote\"[^>]*lang=\"zh-Hans\"[^>]*>(.*?)</p>\s*<p[^>]*lang=\"en\"[^>]*>(.*?)</p>", html, re.S
    )
    assert row, "a requirement with the Chinese source sentence, then the English"
    assert factory.SENTENCE_000 in row.group(1)
    assert "Focus on cracking down" in row.group(2)


@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
def test_an_empty_week_says_so_with_its_coverage(fmt: str) -> None:
    empty = Briefing(
        period=factory.WEEK_06, coverage=Coverage(documents_read=8, outside_period=8), run=factory.run_record()
    )
    out = render(empty, fmt)
    # briefs knows only what is in the folder: it never claims nothing was published
    assert "No document of this period was found in the corpus folder." in out
    assert "文件夹中没有本期的文件。" in out and "were published" not in out
    assert "Read 8 documents: 0 in this period" in out
    assert "2022-02-07" in out and "2022-02-13" in out


def test_verification_marks_and_inferred_dates_are_shown() -> None:
    flagged = factory.digest(doc=factory.document(date=factory.WEEK_06.end, inferred=True), verified=False)
    out = render(factory.briefing([flagged]), "md")
    assert "⚠ 未在原文中找到 not found in source" in out
    assert "2022-02-13 (推定 inferred)" in out
    assert "unverified" in out.split("## 警示 Warnings")[1]


@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
def test_a_date_from_the_fetch_time_says_so(fmt: str) -> None:
    page = factory.document(date=factory.WEEK_06.end, inferred=True).model_copy(update={"date_source": "fetched"})
    out = render(factory.briefing([factory.digest(doc=page)]), fmt)
    assert "2022-02-13 (按抓取时间推定 inferred from fetch time)" in out


def test_a_failed_document_is_a_warning_and_marks_the_briefing_incomplete() -> None:
    briefing = factory.briefing([factory.digest()], factory.synthesis(), failed=[factory.failed_digest()])
    assert not briefing.complete
    for fmt in ("md", "html", "txt"):
        out = render(briefing, fmt)
        assert "005_broken.txt" in out and "model answer stayed invalid after 3 attempts" in out
        assert "This briefing is incomplete" in out


def test_json_is_the_briefing_itself_with_chinese_kept_as_chinese() -> None:
    briefing = factory.briefing([factory.digest()], factory.synthesis())
    text = render(briefing, "json")
    assert factory.SENTENCE_000 in text, "ensure_ascii=False: Chinese stays readable"
    assert Briefing.model_validate_json(text) == briefing
    assert json.loads(text)["period"]["label"] == "2022-W06"


def test_every_format_renders_without_a_synthesis() -> None:
    briefing = factory.briefing([factory.digest()], None)
    for fmt in FORMATS:
        assert render(briefing, fmt)
    assert "No synthesis for this period." in render(briefing, "md")


def test_titles_fall_back_cleanly_when_english_is_empty() -> None:
    ext = factory.extraction()
    ext.title = Bilingual.model_construct(zh="只有中文标题", en="")  # an answer cannot be empty; old data can
    out = render(factory.briefing([factory.digest(ext=ext)]), "md")
    assert "只有中文标题" in out and "只有中文标题 /" not in out


def test_a_week_whose_documents_all_failed_does_not_claim_nothing_was_published() -> None:
    briefing = factory.briefing([], None, failed=[factory.failed_digest()])
    for fmt in ("md", "html", "txt"):
        out = render(briefing, fmt)
        assert "None of this period's documents could be processed; see Warnings." in out
        assert "No documents were published in this period." not in out


@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
def test_every_other_copy_of_a_merged_story_is_named_with_or_without_a_link(fmt: str) -> None:
    """A repost without a URL (a file from a scraper) is still listed: every source is kept."""
    from briefs.models import SourceRef

    kept = factory.document()
    copies = [
        SourceRef(path=kept.path, source=kept.source, url=kept.url),
        SourceRef(path="corpus/repost_trad.txt", source="廣東藥監", url=None),
        SourceRef(path="corpus/repost_web.txt", source="新华网", url="https://example.org/repost.html"),
    ]
    doc = kept.model_copy(update={"copies": copies})
    text = render(factory.briefing([factory.digest(doc)]), fmt)
    # the email shows readers no file names (the run record does); the other formats name the file
    assert ("repost_trad.txt" in text) is (fmt != "html") and "廣東藥監" in text
    assert "https://example.org/repost.html" in text
    assert text.count("Also published at") == 2  # the kept copy is not listed as its own repost
