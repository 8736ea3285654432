"""The email HTML in a real browser (Debian's chromium, never a downloaded one) at 600 px wide:
it renders without console errors or horizontal scrolling and every section's text is there.

Skips when chromium is missing, unless BRIEFS_REQUIRE_BROWSER=1 (CI), where a missing browser fails.
The screenshot lands in test-artifacts/briefing-600px.png at the repository root (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import briefing_factory as factory
import pytest

from briefs import assemble
from briefs.models import Briefing, Coverage
from briefs.render import LABELS, render

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        if os.environ.get("BRIEFS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"BRIEFS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def full_briefing() -> Briefing:
    """Every section filled: two documents (one with a long unbreakable URL), a failed one, a
    flagged quote, actions, themes, campaigns."""
    long_url = "https://www.nmpa.gov.cn/xxgk/ggtg/qtggtg/" + "a" * 120 + ".html"
    second = factory.digest(
        doc=factory.document(name="001_hunan.txt", title="湖南、廣西、甘肅周密部署", url=long_url, inferred=True),
        ext=factory.extraction(
            title_zh="湖南、廣西、甘肅周密部署,確保專項整治工作取得實效",
            title_en="Hunan, Guangxi and Gansu deploy the special rectification campaign",
            doc_type="enforcement_campaign",
        ),
        verified=False,
    )
    digests = [factory.digest(), second, factory.failed_digest()]
    numbered = assemble.number_digests(digests)
    documents = [d.document for d in digests]
    return assemble.build_briefing(
        period=factory.WEEK_06,
        numbered=numbered,
        failed=[digests[2]],
        coverage=assemble.coverage_of(documents, [], documents, None),
        synthesis=factory.synthesis(ids=("D1", "D2")),
        synthesis_error=None,
        synthesis_problems=[],
        run=factory.run_record(),
        corpus=None,
    )


def open_at_600(browser, html: str, path: Path, width: int = 600):
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


def test_the_email_html_reads_at_600px_with_every_section(browser, tmp_path: Path) -> None:
    briefing = full_briefing()
    page, errors, requests = open_at_600(browser, render(briefing, "html"), tmp_path / "briefing.html")
    try:
        assert errors == []
        assert [url for url in requests if not url.startswith("file:")] == [], "no external asset is loaded"
        scroll_width, client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width, f"horizontal scrolling: {scroll_width}px content in {client_width}px"
        text = page.inner_text("body")
        for key in ("coverage", "summary", "actions", "documents", "warnings", "run"):
            zh, en = LABELS[key]
            assert zh in text and en in text, f"section {key} is missing"
        for expected in (
            "2022-W06",
            "2022-02-07",
            "2022-02-13",
            briefing.headline.zh,
            briefing.headline.en,
            briefing.actions[0].what.en,
            "湖南、廣西、甘肅周密部署",
            factory.SENTENCE_000,
            "005_broken.txt",
        ):
            assert expected in text
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "briefing-600px-every-section.png"), full_page=True)
    finally:
        page.close()


def test_the_sample_week_reads_at_600px(browser, sample_weeks, tmp_path: Path) -> None:
    """The real thing: 2022-W06 of the bundled sample, replayed through the whole pipeline."""
    result = sample_weeks["2022-W06"]
    briefing = result.briefing
    html = (result.out_dir / "briefing.html").read_text(encoding="utf-8")
    page, errors, requests = open_at_600(browser, html, tmp_path / "briefing.html")
    try:
        assert errors == [] and [url for url in requests if not url.startswith("file:")] == []
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        text = page.inner_text("body")
        for key in ("coverage", "summary", "actions", "documents", "warnings", "run"):
            assert LABELS[key][0] in text and LABELS[key][1] in text, f"section {key} is missing"
        document = briefing.documents[0]
        for expected in (
            "2022-W06",
            briefing.headline.zh,
            briefing.headline.en,
            briefing.actions[0].what.zh,
            document.title.zh,
            document.title.en,
            document.summary.en,
            document.requirements[0].requirement.source_sentence,
            document.requirements[0].requirement.text_en,
            "Read 8 documents: 1 in this period",
        ):
            assert expected in text, expected
        # Chinese must be drawn with a CJK font, not boxes: the Han glyphs have real width.
        han_width = page.evaluate(
            """() => { const c = document.createElement('canvas').getContext('2d');
                       c.font = '16px ' + getComputedStyle(document.querySelector('td')).fontFamily;
                       return c.measureText('药监周报').width; }"""
        )
        assert han_width > 40
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "briefing-600px.png"), full_page=True)
    finally:
        page.close()


def test_an_empty_week_also_renders_cleanly_at_600px(browser, tmp_path: Path) -> None:
    empty = Briefing(
        period=factory.WEEK_06, coverage=Coverage(documents_read=8, outside_period=8), run=factory.run_record()
    )
    page, errors, _ = open_at_600(browser, render(empty, "html"), tmp_path / "empty.html")
    try:
        assert errors == []
        assert "No document of this period was found in the corpus folder." in page.inner_text("body")
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        page.close()


# The widths of a phone (375 px) and of the email's own column (600 px).
WIDTHS = (375, 600)
# Wrapping that cuts English words in the middle ("compli-ance" with no hyphen) where they would fit.
MID_WORD = ("anywhere", "break-all")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("week", ["2020-W52", "2022-W06"])
def test_the_email_reads_at_phone_and_column_width_without_breaking_words(
    browser, sample_weeks, tmp_path: Path, week: str, width: int
) -> None:
    """The 177-requirement regulation's week and the news week, at 375 and 600 px: no sideways
    scrolling, table cells wrap between words, every anchor of the contents leads somewhere."""
    result = sample_weeks[week]
    html = (result.out_dir / "briefing.html").read_text(encoding="utf-8")
    page, errors, requests = open_at_600(browser, html, tmp_path / "briefing.html", width=width)
    try:
        assert errors == [] and [url for url in requests if not url.startswith("file:")] == []
        scroll_width, client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width, f"horizontal scrolling at {width}px: {scroll_width}px of content"
        wraps = page.evaluate(
            """() => [...document.querySelectorAll('td, th, p')].map(e => {
                   const s = getComputedStyle(e); return [s.overflowWrap, s.wordBreak]; })"""
        )
        assert wraps and not any(wrap in MID_WORD or brk in MID_WORD for wrap, brk in wraps)
        missing = page.evaluate(
            """() => [...document.querySelectorAll('a[href^="#"]')]
                   .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))"""
        )
        assert missing == []
        text = page.inner_text("body")
        for key in ("contents", "glance", "summary", "actions", "documents", "warnings", "coverage", "run"):
            assert LABELS[key][1] in text, f"section {key} is missing"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"briefing-{week}-{width}px.png"), full_page=True)
    finally:
        page.close()


def new_parts_briefing() -> Briefing:
    """A draft for comment with its 文号 and a long official link, bilingual warnings of every kind."""
    official = "https://www.nmpa.gov.cn/xxgk/ggtg/qtggtg/" + "b" * 120 + ".html"
    doc = factory.document().model_copy(update={"official_url": official})
    ext = factory.extraction(
        title_zh="药品生产监督管理办法（征求意见稿）", title_en="Measures (draft for comment)", doc_type="regulation"
    ).model_copy(update={"document_number": "国药监药管〔2022〕5号"})
    briefing = full_briefing()
    draft = assemble.build_briefing(
        period=factory.WEEK_06,
        numbered=assemble.number_digests([factory.digest(doc, ext)]),
        failed=[],
        coverage=Coverage(),
        synthesis=None,
        synthesis_error=None,
        synthesis_problems=[],
        run=factory.run_record(),
        corpus=None,
    )
    return briefing.model_copy(update={"documents": [*draft.documents, *briefing.documents[1:]]})


@pytest.mark.parametrize("width", WIDTHS)
def test_status_official_link_and_bilingual_warnings_fit_at_phone_and_column_width(
    browser, tmp_path: Path, width: int
) -> None:
    briefing = new_parts_briefing()
    html = render(briefing, "html", full_briefing="briefing-full.md")
    page, errors, requests = open_at_600(browser, html, tmp_path / "briefing.html", width=width)
    try:
        assert errors == [] and [url for url in requests if not url.startswith("file:")] == []
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        text = page.inner_text("body")
        for expected in ("国药监药管〔2022〕5号", "征求意见稿 / draft for comment", "官方原文 Official source",
                         "www.nmpa.gov.cn", "提取失败", "extraction failed", "未能在原文中核实"):  # fmt: skip
            assert expected in text, expected
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"briefing-new-parts-{width}px.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_team_mail_of_the_largest_week_fits_and_says_the_full_briefing_is_attached(
    browser, sample_weeks, tmp_path: Path, width: int
) -> None:
    from briefs.pipeline import mail_content
    from briefs.settings import Team

    result = sample_weeks["2020-W52"]
    html = mail_content(result.briefing, Team(name="ra", recipients=["ra@example.com"])).html
    assert len(html.encode("utf-8")) <= 100_000
    page, errors, _ = open_at_600(browser, html, tmp_path / "mail.html", width=width)
    try:
        assert errors == []
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert "attached to this email (briefing-full.md)" in page.inner_text("body")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"mail-2020-W52-{width}px.png"), full_page=True)
    finally:
        page.close()
