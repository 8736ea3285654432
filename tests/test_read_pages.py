"""Pages from sites the reader was not built on: one small hand-written fixture per trap class.

Each row is a page as a scraper saves it and what the reader must make of it. A wrong date is worse
than none, so several rows check that a tempting date is *not* taken.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefs.reader import read_paths

ZH_BODY = "国家药监局发布通告，要求各地加强药品网络销售监督检查，依法查处违法违规行为。"
EN_BODY = (
    "The National Medical Products Administration said on Friday that it will tighten inspections of online "
    "drug sales and punish violations under the law."
)


def _read(tmp_path: Path, name: str, content: str, reader_settings):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read_paths([path], reader_settings)
    [document] = result.documents
    return document


DATE_RULES = [
    pytest.param("page.txt",
                 f"Home > News\n\nNMPA Tightens Online Drug Sales Rules\n\nby Grace Wang Mar 11, 2022\n\n{EN_BODY}\n\n"
                 "Approval Date\n\nFeb. 24, 2022\n",
                 "NMPA Tightens Online Drug Sales Rules", "2022-03-11", False,
                 id="an English byline date, not a table's date; the headline below the breadcrumb"),
    pytest.param("page.txt", f"衛生局函\n\n日期：113年1月18日\n\n{ZH_BODY}\n", "衛生局函", "2024-01-18", False,
                 id="an ROC year (113年) is 2024"),
    pytest.param("page.txt", f"衛生局公告\n\n中華民國110年3月2日\n\n{ZH_BODY}\n", "衛生局公告", "2021-03-02", False,
                 id="an ROC year with its era name"),
    pytest.param("page.txt", f"• Wed, 27 May 2020 00:00:00 GMT\n\n預告增訂草案公告一則\n\n{ZH_BODY}\n",
                 "預告增訂草案公告一則", "2020-05-27", False,
                 id="an RFC 822 feed date above the item's headline"),
    pytest.param("page.txt", f"药品抽检通告\n\n发布时间：2022.02.11\n\n{ZH_BODY}\n", "药品抽检通告", "2022-02-11", False,
                 id="a dotted date"),
    pytest.param("page.txt", f"上海市药监局通知\n\n{ZH_BODY}\n\n特此通知。\n\n上海市食品药品监督管理局\n\n二○○六年六月二十八日\n",
                 "上海市药监局通知", "2006-06-28", False,
                 id="a signature date in Chinese numerals with ○ under the issuer"),
    pytest.param("page.txt", f"胶囊召回\n\n新华社北京4月18日电 {ZH_BODY}\n", "胶囊召回", None, False,
                 id="a dateline without a year gives no date"),
    pytest.param("page.txt", f"胶囊召回\n\n新华社北京4月18日电 2012年一季度抽检中，{ZH_BODY}\n", "胶囊召回", "2012-04-18", True,
                 id="a dateline takes the year the page names, marked inferred"),
    pytest.param("page.txt", f"药品通知\n\n日期：04/12/2025\n\n{ZH_BODY}\n", "药品通知", None, False,
                 id="an ambiguous numeric date is not guessed"),
    pytest.param("page.txt",
                 f"China approves first local COVID-19 drug\n\n{EN_BODY}\n\nLatest news\n\n"
                 "Azerbaijan, NATO hold meeting in Baku 25 November, 2024 / 19:45\n",
                 "China approves first local COVID-19 drug", None, False,
                 id="a date in the 'Latest news' sidebar is not the page's"),
    pytest.param("page.txt",
                 f"通知标题在此\n\n{ZH_BODY}\n\n相关文章\n\n[2025-11-03] 另一篇文章的标题\n",
                 "通知标题在此", None, False,
                 id="a date in a related-articles list is not the page's"),
    pytest.param("page.txt", f"{ZH_BODY}\n\n2022年1月1日起\n《儿童化妆品监督管理规定》正式施行，\n请遵照执行。\n", None, None, False,
                 id="an entry-into-force date (…起施行) is not a publication date, even inferred"),
    pytest.param("page.txt",
                 "NMPA Asks for Feedback\n\nNMPA issued four draft guidelines today on September 28, 2022, soliciting "
                 "public opinions. Feedback must be submitted by November 14, 2022.\n",
                 "NMPA Asks for Feedback", "2022-09-28", True,
                 id="an English deadline (by November 14) is not the date; the body's own is, inferred"),
    pytest.param("page.txt", f"{EN_BODY}\n\nPublished by Amanda Lim on March 08, 2021\n\n"
                             "Mack Degueurin 22 April 2025 The wearable device analyzes the tiny changes…\n",
                 None, "2021-03-08", False,
                 id="a 'Published by … on' byline below the body; no headline is no title"),
    pytest.param("page.html",
                 '<html><head><meta property="article:published_time" content="2022-02-11T10:00:00+08:00">'
                 f"<title>药监局会议 - 国家药监局网站</title></head><body><h1>药监局会议</h1><p>{ZH_BODY}</p></body></html>",
                 "药监局会议", "2022-02-11", False, id="an article:published_time meta tag"),
    pytest.param("page.html",
                 '<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":'
                 '[{"@type":"NewsArticle","headline":"药监局会议","datePublished":"2023-06-30"}]}</script></head>'
                 f"<body><p>{ZH_BODY}</p></body></html>",
                 "药监局会议", "2023-06-30", False, id="JSON-LD datePublished and headline"),
    pytest.param("page.html",
                 f'<html><body><article><h1>药监局会议</h1><time datetime="2021-07-26">7月26日</time><p>{ZH_BODY}</p>'
                 "</article></body></html>",
                 "药监局会议", "2021-07-26", False, id="a <time datetime> element"),
    pytest.param("page.md",
                 f"---\nurl: https://www.example.gov.cn/xxgk/202202/t20220211_123.html\n---\n药监局会议\n\n{ZH_BODY}\n",
                 "药监局会议", "2022-02-11", True, id="a date in the page's own address, marked inferred"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "title", "date", "inferred"), DATE_RULES)
def test_page_rules(tmp_path, reader_settings, name, content, title, date, inferred):
    document = _read(tmp_path, name, content, reader_settings)
    assert document.title == title
    assert (document.date.isoformat() if document.date else None) == date
    assert document.date_inferred is inferred


def test_an_ambiguous_date_says_why_it_was_not_used(tmp_path, reader_settings):
    document = _read(tmp_path, "page.txt", f"药品通知\n\n日期：04/12/2025\n\n{ZH_BODY}\n", reader_settings)
    assert any("ambiguous date '04/12/2025'" in problem and "day/month" in problem for problem in document.problems)


def test_a_date_in_a_link_inside_the_text_is_not_the_page_address(tmp_path, reader_settings):
    page = f"药监局会议\n\n{ZH_BODY}\n\n链接：https://www.nmpa.gov.cn/2020/08/21/other.html\n"
    assert _read(tmp_path, "page.txt", page, reader_settings).date is None


FURNITURE_RULES = [
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n（总台央视记者 张芸） 【编辑:刘湃】\n", "【编辑", id="editor and reporter credits"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n责任编辑：王五\n", "王五", id="a responsible-editor line"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n凡注明“来源：某某网”的所有作品，未经本网授权，不得转载、摘编或以其他方式使用。\n",
                 "凡注明", id="a copyright disclaimer, prose or not"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n免責聲明：本網站內容僅供參考。\n", "免責聲明", id="a Traditional disclaimer"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n反对 0\n举报\n收藏 0\n另一篇文章的标题在这里\n另一篇的正文，说的完全是别的事情。\n",
                 "另一篇", id="reaction widgets end the article"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n为进一步加强化妆品监管工作,保障...\n近日,某县人民医院顺利完成电子...\n",
                 "近日", id="a list of truncated teasers"),
    pytest.param(f"標題在這裏\n\n{ZH_BODY}\n\n政府新聞網圖片\n\n{ZH_BODY}又一段。\n", "政府新聞網圖片", id="a photo caption"),
    pytest.param(f"按 Enter 到主內容區:::\n\n{ZH_BODY}\n", ":::", id="an accessibility skip link"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n相關文章\n\n另一篇文章的正文，说的完全是别的事情。\n", "另一篇",
                 id="a related-articles block in Traditional"),
    pytest.param(f"Some Headline Here\n\n{EN_BODY} [Read More]\n", "Read More", id="an inline Read More"),
    pytest.param(f"Some Headline Here\n\n{EN_BODY}\n\nShare - WeChat\n\n{EN_BODY}\n", "WeChat", id="a share widget"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n完\n2023年10月4日 (星期三)\n", "2023年10月4日",
                 id="the date under the end mark is metadata, not body"),
    pytest.param(f"Some Headline Here\n\n{EN_BODY}\n\nPublished by Amanda Lim on March 08, 2021\n", "Published by",
                 id="a Published-by byline"),
    pytest.param(f"标题在这里\n\n{ZH_BODY}\n\n京ICP备13027807号\n", "ICP", id="an ICP line"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "furniture"), FURNITURE_RULES)
def test_furniture_rules(tmp_path, reader_settings, content, furniture):
    document = _read(tmp_path, "page.txt", content, reader_settings)
    assert furniture not in document.text
    assert (ZH_BODY if ZH_BODY in content else EN_BODY) in document.text


def test_a_signature_date_is_read_and_the_attachment_after_it_is_not_body(tmp_path, reader_settings):
    page = f"征求意见的通知\n\n{ZH_BODY}\n\n食品药品监管总局办公厅\n2016年10月14日\n附件:1.附录6内审管理(征求意见稿)\n第一条 内审是企业依据规范开展的审核。\n"
    document = _read(tmp_path, "page.txt", page, reader_settings)
    assert (document.date.isoformat(), document.date_source, document.date_inferred) == (
        "2016-10-14",
        "signature",
        False,
    )
    assert "第一条" not in document.text


# --- what scrapers save beside the pages ------------------------------------------------------------


def _folder(tmp_path: Path, pages: dict[str, str]) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_manifest_states_title_date_and_address(tmp_path, reader_settings):
    folder = _folder(tmp_path, {"a.txt": f"{ZH_BODY}\n", "b.txt": f"某个标题在此\n\n{ZH_BODY}再说一遍。\n"})
    lines = [
        {
            "file": "a.txt",
            "url": "https://example.gov.cn/a",
            "title": "清单里的标题",
            "published": "2022-02-11T09:00:00+08:00",
        },
        {"path": "b.txt", "url": "https://example.gov.cn/b", "crawled_at": "2022-03-01T02:00:00Z"},
    ]
    (folder / "manifest.jsonl").write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), "utf-8")
    result = read_paths([folder], reader_settings)
    assert result.problems == []
    a, b = sorted(result.documents, key=lambda d: d.path)
    assert (a.title, a.url, a.date.isoformat(), a.date_source, a.date_inferred) == (
        "清单里的标题", "https://example.gov.cn/a", "2022-02-11", "manifest", False,
    )  # fmt: skip
    assert (b.title, b.date.isoformat(), b.date_source, b.date_inferred) == (
        "某个标题在此",
        "2022-03-01",
        "fetched",
        True,
    )
    assert any("inferred from the time the page was fetched" in problem for problem in b.problems)


def test_a_sidecar_json_beside_a_page(tmp_path, reader_settings):
    folder = _folder(tmp_path, {"page.html": f"<html><body><p>{ZH_BODY}</p></body></html>"})
    sidecar = {"url": "https://example.gov.cn/p", "headline": "旁注里的标题", "date": "Wed, 27 May 2020 00:00:00 GMT"}
    (folder / "page.html.json").write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
    [document] = read_paths([folder], reader_settings).documents
    assert (document.title, document.url, str(document.date), document.date_source) == (
        "旁注里的标题", "https://example.gov.cn/p", "2020-05-27", "manifest",
    )  # fmt: skip


def test_a_stray_index_json_and_an_image_are_not_problems(tmp_path, reader_settings):
    folder = _folder(tmp_path, {"a.txt": f"标题在这里\n\n发布时间：2022-02-11\n\n{ZH_BODY}\n"})
    (folder / "index.json").write_text('{"pages": 1}', encoding="utf-8")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n")
    (folder / "crawl.lock").write_text("", encoding="utf-8")
    result = read_paths([folder], reader_settings)
    assert result.problems == [] and len(result.documents) == 1
    assert sorted(path.name for path in result.ignored) == ["crawl.lock", "index.json", "logo.png"]


def test_a_broken_manifest_is_one_line_and_the_pages_are_still_read(tmp_path, reader_settings):
    folder = _folder(tmp_path, {"a.txt": f"标题在这里\n\n发布时间：2022-02-11\n\n{ZH_BODY}\n"})
    (folder / "manifest.jsonl").write_text('{"file": "a.txt"\n', encoding="utf-8")
    result = read_paths([folder], reader_settings)
    assert len(result.documents) == 1
    assert len(result.problems) == 1 and "manifest.jsonl: not a readable manifest" in result.problems[0]


MORE_DATE_RULES = [
    pytest.param(f"食藥署公告\n\n發布日期：112-05-03\n\n{ZH_BODY}\n", "2023-05-03", id="an ROC numeric date after a label"),
    pytest.param(f"衛生局公告\n\n中華民國一一二年五月三日\n\n{ZH_BODY}\n", "2023-05-03", id="an ROC year in Chinese numerals"),
    pytest.param(f"药品通知\n\n{ZH_BODY}编号110-12-25的批次已召回。\n", None, id="an ROC-like number in the body is not a date"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "date"), MORE_DATE_RULES)
def test_more_date_rules(tmp_path, reader_settings, content, date):
    document = _read(tmp_path, "page.txt", content, reader_settings)
    assert (document.date.isoformat() if document.date else None) == date


@pytest.mark.parametrize(
    "line", ["关键词：药品 监管", "Tags: NMPA, recall", "Editor: Li Hua", "【纠错】"], ids=lambda line: line
)
def test_tag_and_credit_lines_are_furniture(tmp_path, reader_settings, line):
    document = _read(
        tmp_path, "page.txt", f"标题在这里\n\n{ZH_BODY}\n\n{line}\n\n{ZH_BODY}再说一遍。\n", reader_settings
    )
    assert line not in document.text and ZH_BODY in document.text


def test_a_hong_kong_english_press_release_ends_with_its_date(tmp_path, reader_settings):
    page = (
        "Press Releases\n\nRecall of a batch of pharmaceutical product\n\n"
        "The Department of Health (DH) today (June 3) endorsed a licensed drug wholesaler to recall one batch of "
        "tablets from the market as a precautionary measure.\n\nThe DH will closely monitor the recall.\n\n"
        "Ends/Saturday, June 3, 2023\nIssued at HKT 18:30\n\nNNNN\n"
    )
    document = _read(tmp_path, "page.txt", page, reader_settings)
    assert (document.title, str(document.date), document.date_inferred) == (
        "Recall of a batch of pharmaceutical product", "2023-06-03", False,
    )  # fmt: skip
    assert document.text.endswith("The DH will closely monitor the recall.")


def test_a_document_number_line_is_not_the_headline(tmp_path, reader_settings):
    page = f"药监局关于印发药品检查管理办法的通知\n国药监药管〔2021〕31号\n各省、自治区、直辖市药品监督管理局：\n{ZH_BODY}\n国家药监局\n2021年5月24日\n"
    document = _read(tmp_path, "page.txt", page, reader_settings)
    assert (document.title, str(document.date)) == ("药监局关于印发药品检查管理办法的通知", "2021-05-24")


def test_a_headline_glued_to_its_byline(tmp_path, reader_settings):
    page = f"国家药监局部署化妆品专项检查工作 2023-06-12 10:20 来源：中国医药报\n\n{ZH_BODY}\n"
    document = _read(tmp_path, "page.txt", page, reader_settings)
    assert (document.title, str(document.date)) == ("国家药监局部署化妆品专项检查工作", "2023-06-12")


def test_a_date_and_source_line_alone_gives_no_title(tmp_path, reader_settings):
    document = _read(
        tmp_path, "page.txt", f"2026-01-07 06:56:30 来源:参考消息网 责任编辑:刘天霖\n\n{ZH_BODY}\n", reader_settings
    )
    assert document.title is None
