"""Per document: its 文号, whether it is a draft for comment or final, and the regulator's own link
when the page names one (a *.gov.cn address stated in the page, distinct from the mirror's URL).
The link is rendered only for http(s) and escaped like every other text."""

from __future__ import annotations

from pathlib import Path

import briefing_factory as factory
import pytest

from briefs.reader import read_paths
from briefs.render import render

OFFICIAL = "https://www.nmpa.gov.cn/xxgk/ggtg/20220211120000123.html"
MIRROR = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202112274261082"
BODY = (
    "国家药监局近日发布公告，要求各地药品监管部门加强对药品生产企业的监督检查。"
    "公告指出，企业应当建立健全质量管理体系，落实药品安全主体责任。"
)


def page(*lines: str) -> str:
    return "\n".join(["---", 'title: "国家药监局关于药品生产监督检查的公告"', "date: 2022-02-11", f"url: {MIRROR}",
                      "---", BODY, *lines, BODY]) + "\n"  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "official"),
    [
        pytest.param([f"来源：国家药监局网站 {OFFICIAL}"], OFFICIAL, id="stated-in-text"),
        pytest.param([f"原文链接：{OFFICIAL}。"], OFFICIAL, id="trailing-punctuation"),
        pytest.param(["来源：http://www.example.com/notice.html"], None, id="not-a-government-host"),
        pytest.param(["来源：http://nmpa.gov.cn.evil.example/x"], None, id="lookalike-host"),
        pytest.param([], None, id="none-named"),
    ],
)
def test_the_reader_finds_the_regulators_own_link(
    tmp_path: Path, reader_settings, lines: list[str], official: str | None
) -> None:
    (tmp_path / "page.txt").write_text(page(*lines), encoding="utf-8")
    [document] = read_paths([tmp_path / "page.txt"], reader_settings).documents
    assert document.url == MIRROR
    assert document.official_url == official


def test_the_mirror_itself_on_a_government_host_is_not_called_a_second_link(tmp_path: Path, reader_settings) -> None:
    (tmp_path / "page.txt").write_text(
        page(f"来源：{OFFICIAL}").replace(f"url: {MIRROR}", f"url: {OFFICIAL}"), encoding="utf-8"
    )
    [document] = read_paths([tmp_path / "page.txt"], reader_settings).documents
    assert document.official_url is None


def draft_briefing(official_url: str | None):
    doc = factory.document(text=f"会议明确，{factory.SENTENCE_000}。").model_copy(update={"official_url": official_url})
    ext = factory.extraction(title_zh="药品生产监督管理办法（征求意见稿）", title_en="Measures (draft for comment)",
                             doc_type="regulation").model_copy(update={"document_number": "国药监药管〔2022〕5号"})  # fmt: skip
    return factory.briefing([factory.digest(doc, ext)])


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_number_status_and_official_link_are_shown_per_document(fmt: str) -> None:
    out = render(draft_briefing(OFFICIAL), fmt)
    documents = out.split('id="documents"' if fmt == "html" else "Documents", 1)[1]
    assert "国药监药管〔2022〕5号" in documents
    assert "征求意见稿" in documents and "draft for comment" in documents
    assert "Official source" in documents and OFFICIAL in documents
    if fmt == "html":
        assert f'href="{OFFICIAL}"' in documents


def test_a_final_document_says_final() -> None:
    doc = factory.document()
    out = render(factory.briefing([factory.digest(doc, factory.extraction(doc_type="regulation"))]), "html")
    documents = out.split('id="documents"', 1)[1]
    assert "正式发布" in documents and "final" in documents
    assert "Official source" not in documents


@pytest.mark.parametrize("url", ["javascript:alert(1)", 'https://www.nmpa.gov.cn/"><script>x</script>'])
def test_an_unsafe_official_link_is_never_a_link(url: str) -> None:
    html = render(draft_briefing(url), "html")
    tags = factory.elements(html)
    assert "script" not in {tag for tag, _ in tags}
    assert not any((attrs.get("href") or "").startswith("javascript") for _, attrs in tags)


def test_the_at_a_glance_table_says_which_documents_are_drafts() -> None:
    html = render(draft_briefing(None), "html")
    glance = html.split('id="glance"', 1)[1].split('id="documents"', 1)[0]
    assert "征求意见稿 / draft for comment" in glance
