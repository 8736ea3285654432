"""Pages from sites the reader was not built on: one small hand-written fixture per trap class, in
the shapes that made rules fire wrongly.

Each row is a page as a scraper saves it and what the reader must make of it. A wrong date is worse
than none, so many rows check that a tempting date is *not* taken, or that disagreeing dates give
none and say so.
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


def _read(tmp_path: Path, content: str, reader_settings, name: str = "page.txt"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    [document] = read_paths([path], reader_settings).documents
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
    document = _read(tmp_path, content, reader_settings, name)
    assert document.title == title
    assert (document.date.isoformat() if document.date else None) == date
    assert document.date_inferred is inferred


def test_an_ambiguous_date_says_why_it_was_not_used(tmp_path, reader_settings):
    document = _read(tmp_path, f"药品通知\n\n日期：04/12/2025\n\n{ZH_BODY}\n", reader_settings)
    assert any("ambiguous date '04/12/2025'" in problem and "day/month" in problem for problem in document.problems)


def test_a_date_in_a_link_inside_the_text_is_not_the_page_address(tmp_path, reader_settings):
    page = f"药监局会议\n\n{ZH_BODY}\n\n链接：https://www.nmpa.gov.cn/2020/08/21/other.html\n"
    assert _read(tmp_path, page, reader_settings).date is None


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
    document = _read(tmp_path, content, reader_settings)
    assert furniture not in document.text
    assert (ZH_BODY if ZH_BODY in content else EN_BODY) in document.text


def test_a_signature_date_is_read_and_the_attachment_after_it_is_not_body(tmp_path, reader_settings):
    page = f"征求意见的通知\n\n{ZH_BODY}\n\n食品药品监管总局办公厅\n2016年10月14日\n附件:1.附录6内审管理(征求意见稿)\n第一条 内审是企业依据规范开展的审核。\n"
    document = _read(tmp_path, page, reader_settings)
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
    document = _read(tmp_path, content, reader_settings)
    assert (document.date.isoformat() if document.date else None) == date


@pytest.mark.parametrize(
    "line", ["关键词：药品 监管", "Tags: NMPA, recall", "Editor: Li Hua", "【纠错】"], ids=lambda line: line
)
def test_tag_and_credit_lines_are_furniture(tmp_path, reader_settings, line):
    document = _read(tmp_path, f"标题在这里\n\n{ZH_BODY}\n\n{line}\n\n{ZH_BODY}再说一遍。\n", reader_settings)
    assert line not in document.text and ZH_BODY in document.text


def test_a_hong_kong_english_press_release_ends_with_its_date(tmp_path, reader_settings):
    page = (
        "Press Releases\n\nRecall of a batch of pharmaceutical product\n\n"
        "The Department of Health (DH) today (June 3) endorsed a licensed drug wholesaler to recall one batch of "
        "tablets from the market as a precautionary measure.\n\nThe DH will closely monitor the recall.\n\n"
        "Ends/Saturday, June 3, 2023\nIssued at HKT 18:30\n\nNNNN\n"
    )
    document = _read(tmp_path, page, reader_settings)
    assert (document.title, str(document.date), document.date_inferred) == (
        "Recall of a batch of pharmaceutical product", "2023-06-03", False,
    )  # fmt: skip
    assert document.text.endswith("The DH will closely monitor the recall.")


def test_a_document_number_line_is_not_the_headline(tmp_path, reader_settings):
    page = f"药监局关于印发药品检查管理办法的通知\n国药监药管〔2021〕31号\n各省、自治区、直辖市药品监督管理局：\n{ZH_BODY}\n国家药监局\n2021年5月24日\n"
    document = _read(tmp_path, page, reader_settings)
    assert (document.title, str(document.date)) == ("药监局关于印发药品检查管理办法的通知", "2021-05-24")


def test_a_headline_glued_to_its_byline(tmp_path, reader_settings):
    page = f"国家药监局部署化妆品专项检查工作 2023-06-12 10:20 来源：中国医药报\n\n{ZH_BODY}\n"
    document = _read(tmp_path, page, reader_settings)
    assert (document.title, str(document.date)) == ("国家药监局部署化妆品专项检查工作", "2023-06-12")


def test_a_date_and_source_line_alone_gives_no_title(tmp_path, reader_settings):
    document = _read(tmp_path, f"2026-01-07 06:56:30 来源:参考消息网 责任编辑:刘天霖\n\n{ZH_BODY}\n", reader_settings)
    assert document.title is None


# --- more unseen shapes: labels on the next line, site clocks, bylines, furniture -------------------

ZH = "市场监管局发布通告，要求各地加强药品网络销售监督检查，依法查处违法违规行为。"
ZH_HANT = "衛生局今日公布，一款產品在檢驗中發現含有未標示的西藥成分，市民如已購買應立即停止使用。"
EN = (
    "The regulator said on Friday that it will tighten inspections of online drug sales and punish "
    "violations under the law, according to a notice posted on its website."
)


DATES = [
    pytest.param(f"某药品召回公告\n\n生产日期：\n\n2021-03-05\n\n{ZH}\n", None,
                 id="a production date whose value is on the next line is not the publication date"),
    pytest.param(f"某药品召回公告\n\n发布时间：\n\n2021-03-05\n\n{ZH}\n", "2021-03-05",
                 id="a publication label whose value is on the next line"),
    pytest.param(f"某药品召回公告\n\n日期：\n\n2021-03-05\n\n{ZH}\n", "2021-03-05",
                 id="a bare date label whose value is on the next line"),
    pytest.param(f"某药品召回公告\n\n生产日期：2021-03-05\n\n{ZH}\n", None,
                 id="a production date (生产日期) under the headline is not the publication date"),
    pytest.param(f"某药品召回公告\n\nUpdated: 2024-05-01\n\nPublished: 2024-01-02\n\n{ZH}\n", "2024-01-02",
                 id="a Published label wins over an earlier Updated one"),
    pytest.param(f"某药品召回公告\n\n2024年01月26日 22:08 最後更新:2024年01月27日 00:06\n\n{ZH}\n", "2024-01-26",
                 id="the byline's date, not the later 'updated' one beside it"),
    pytest.param(f"Drug Recall Notice Issued\n\nLast updated: March 2, 2024\n\n{EN}\n", "2024-03-02",
                 id="an Updated label alone is the only date the page states"),
    pytest.param("今天是2024年3月1日 星期五\n\n首页\n\n新闻中心\n\n通知公告\n\n政策法规\n\n" + ZH + "\n", None,
                 id="a site clock at the top of a page with no headline is not its date"),
    pytest.param(f"某药品召回公告\n\n来源：某局\n\n热点 2023-05-01 另一篇\n\n热点 2023-06-01 又一篇\n\n{ZH}\n", None,
                 id="dated list lines under the headline that disagree give no date"),
    pytest.param(f"某药品召回公告\n\n{ZH}\n\n附件：清单\n\n批准日期\n\n2022年2月24日\n", None,
                 id="a lone date in a table below the body is not a signature"),
    pytest.param(f"某药品召回公告\n\n{ZH}\n\n特此公告。\n\n某某市市场监督管理局\n\n2022年2月24日\n", "2022-02-24",
                 id="a signature date under the issuer is read"),
    pytest.param(f"某药品召回公告\n\n2024年3月1日召开会议。2024年2月1日印发方案。{ZH}\n", None,
                 id="a body naming several dates gives none, not the latest"),
    pytest.param(f"某药品召回公告\n\n2023年工作总结。2024年工作要点。3月5日召开会议。{ZH}\n", None,
                 id="a month and day in a body naming two years give none"),
    pytest.param(f"某药品召回公告\n\n{ZH}\n\n2024年3月1日召开会议，部署工作。\n", "2024-03-01 inferred",
                 id="a body's one date is still inferred"),
    pytest.param("某药品召回公告\n\n日期:2017-10-11 00:00:00?来源:?浏览次数:\n\n? 字体:[ 大 中 小 ]\n\n" + ZH + "\n",
                 "2017-10-11", id="a metadata line with widgets glued on is metadata, not the body's start"),
    pytest.param(f"某药品召回公告\n\n发布时间：2022-01-05\n\n{ZH}\n\n发布日期：2022-03-01\n", None,
                 id="two publication labels that disagree give none"),
    pytest.param(f"某藥品標示說明\n\n發布日期:\n\n110-05-12\n\n類別:\n\n藥品專區\n\n{ZH_HANT}\n\n更新日期:110-05-11\n",
                 "2021-05-12", id="a publication label's ROC value on the next line wins over the update date"),
    pytest.param(f"某新聞網\n\n2025/03/14\n\nFriday\n\n09:30\n\n某藥品廣告警示\n\n2012.06.08\n\n{ZH_HANT}\n",
                 "2012-06-08", id="a site clock (date, weekday, time) above the headline is not the page's date"),
    pytest.param(f"首頁\n\n2025年3月14日 星期五 09:30\n\n{ZH_HANT}\n",
                 None, id="a lone date with weekday and time and no label is a site clock"),
    pytest.param(f"某藥品回收公告\n\n2023年10月4日 (星期三)\n\n{ZH_HANT}\n",
                 "2023-10-04", id="a byline's date with its weekday alone is still the date"),
    pytest.param(f"Wed, 27 May 2020 00:00:00 GMT\n\n某藥品公告草案\n\n{ZH_HANT}\n",
                 "2020-05-27", id="a feed's RFC 822 stamp with its zone is not a site clock"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "date"), DATES)
def test_date_rules_that_must_not_guess(tmp_path, reader_settings, content, date):
    document = _read(tmp_path, content, reader_settings)
    read = f"{document.date} inferred" if document.date_inferred else document.date and document.date.isoformat()
    assert read == date


def test_disagreeing_dates_are_named_in_a_problem_line(tmp_path, reader_settings):
    content = f"某药品召回公告\n\n发布时间：2022-01-05\n\n{ZH}\n\n发布日期：2022-03-01\n"
    document = _read(tmp_path, content, reader_settings)
    assert document.date is None
    assert any("2022-01-05, 2022-03-01" in problem and "disagree" in problem for problem in document.problems)


TITLES = [
    pytest.param(f"Loading\n\n回收一款藥物\n\n衛生局\n\n2016-04-26 19:51\n\n未能播放Youtube視頻\n\n{ZH_HANT}\n",
                 "回收一款藥物", "2016-04-26",
                 id="a video player's error is never the title; a desk tag between headline and date is skipped"),
    pytest.param(f"date 2026-03-07 快訊\n\n食藥署發警訊！2款電刀異常 24家醫院受影響\n\n中央社／ 台北7日電\n\n{ZH_HANT}\n",
                 "食藥署發警訊！2款電刀異常 24家醫院受影響", "2026-03-07",
                 id="a headline with ！ inside is not the body; a 中央社 dateline is not the headline"),
    pytest.param(f"下载APP\n\n3·15晚会丨某某美容针或致毁容\n\n时讯\n\n2023-03-15 20:22:32 某某台\n\n{ZH}\n",
                 "3·15晚会丨某某美容针或致毁容", "2023-03-15", id="a headline with 丨 above a channel tag"),
    pytest.param(f"衛生局呼籲勿使用一款摻雜西藥的產品\n\n「某某植物精油」\n\n{ZH_HANT}\n",
                 "衛生局呼籲勿使用一款摻雜西藥的產品", None, id="a quoted product name under the headline is a subtitle"),
    pytest.param(f"Newswire July 21, 2025\n\nSmith & Jones LLP\n\n{EN}\n", None, "2025-07-21",
                 id="a law firm's name is a byline, not a headline; the source's date line dates the page"),
    pytest.param(f"Some Journal 2020, 7(4), 98; https://doi.org/10.1234/abc\n\n{EN}\n", None, None,
                 id="a citation line is not a title"),
    pytest.param(f"某某财经\n\n某市开展药品安全宣传周活动启动仪式\n\n要闻滚动\n\n{ZH}\n",
                 "某市开展药品安全宣传周活动启动仪式", None, id="a channel label under the headline is not the title"),
    pytest.param(f"新闻配图\n\n{ZH}\n", None, None, id="an image label is not a title"),
    pytest.param(f"某某報(Logo-image) 某某報(Logo-text)\n\n{ZH_HANT}\n", None, None,
                 id="a logo's alt text is not a title"),
    pytest.param(f"請勿購買來路不明的減肥藥\n\n摘自某某縣府網站\n\n2009.03.02\n\n{ZH_HANT}\n",
                 "請勿購買來路不明的減肥藥", "2009-03-02", id="a source credit line between headline and date is skipped"),
    pytest.param(f"Regulator Opens Fast Track for Rare Disease Drugs\n\nInstitute for Drug Policy\n\n{EN}\n",
                 "Regulator Opens Fast Track for Rare Disease Drugs", None,
                 id="a source's name under the headline is not the title"),
    pytest.param(f"Notes on the Annual Drug Review Report\n\nMarch, 2024 - Ann LEE, Bo (Bob) WANG\n\n{EN}\n",
                 "Notes on the Annual Drug Review Report", None,
                 id="a month-year byline with author names is not the title, nor a date"),
    pytest.param(f"類別:\n\n第12/01/M號法令\n\n公報編號:\n\n12/2001\n\n刊登日期:\n\n2001.3.5\n\n{ZH_HANT}\n",
                 "第12/01/M號法令", "2001-03-05", id="a regulation's number as the value in a label/value table"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "title", "date"), TITLES)
def test_title_rules_on_unseen_shapes(tmp_path, reader_settings, content, title, date):
    document = _read(tmp_path, content, reader_settings)
    assert document.title == title
    assert (document.date.isoformat() if document.date else None) == date
    if title:
        assert title not in document.text


FURNITURE = [
    pytest.param(f"通告标题在此\n\n{ZH}\n\n查看圖庫\n\n此頁面有問題嗎?\n\n幫助我們改進本網站\n\n* 必填項\n",
                 ["查看圖庫", "此頁面有問題嗎", "幫助我們改進本網站"], ZH,
                 id="a gallery button and a feedback form below the body"),
    pytest.param(f"Drug Recall Notice Issued\n\n{EN}\n\nWas this page helpful?\n\nYes No\n",
                 ["Was this page helpful", "Yes No"], EN, id="an English feedback form"),
    pytest.param(f"通告标题在此\n\n{ZH}\n\n訂閱本局Telegram新聞頻道:https://t.me/example,即時接收最新消息。\n\n"
                 "本局 Facebook\n",
                 ["訂閱本局Telegram", "t.me/example"], ZH, id="a subscribe line naming a channel, though it ends in 。"),
    pytest.param(f"通告标题在此\n\n{ZH}\n\n-------------------\n某报创办20周年\n时代在变,信念不变。\n-------------------\n"
                 "支持我们,您可以:\n成为网站会员\n",
                 ["某报创办20周年", "时代在变,信念不变。"], ZH, id="a promotion boxed between two rules"),
    pytest.param(f"Drug Recall Notice Issued\n\n{EN}\n\nRelated NewsBank Says Sector Expected to Grow\n\n"
                 "The agency will also publish a list of approved products next month, it said in the statement.\n",
                 ["Related NewsBank"], "The agency will also publish a list of approved products next month",
                 id="a related link glued to its headline between paragraphs; the body goes on after it"),
    pytest.param(f"通告标题在此\n\n{ZH}\n\n[ART_TITLE]\n\n{{dede:field.title/}}\n\n"
                 "各地要加强日常监督检查，发现问题及时处置，并向社会公开处理结果。\n",
                 ["[ART_TITLE]", "dede:field"], "各地要加强日常监督检查", id="unrendered template placeholders"),
    pytest.param(f"通告标题在此\n\n{ZH_HANT}某報系資料照\n\n衛生局呼籲市民如有疑問，可致電查詢熱線。\n",
                 ["某報系資料照"], "衛生局呼籲市民如有疑問", id="a photo credit glued after a caption's sentence"),
    pytest.param(f"通告标题在此\n\n{ZH}\n\n声明:转载此文是出于传递更多信息之目的。若有来源标注错误,请与本站联系。\n",
                 ["转载此文"], ZH, id="a reposting disclaimer"),
    pytest.param(f"通告標題在此\n\n{ZH_HANT}\n\n1. 更多\n\n1. 某地發生交通意外兩人受傷\n\n12分鐘前\n\n"
                 "2. 另一則新聞標題\n\n3小時前\n", ["更多", "交通意外", "12分鐘前", "3小時前"], ZH_HANT,
                 id="a numbered 'more' list with relative times"),
    pytest.param(f"通告標題在此\n\n{ZH_HANT}\n\n廣告 廣告\n\n衛生局呼籲市民如有疑問，可致電查詢熱線。\n\n"
                 "【看原文連結】\n\n更多某某報報導\n\n某名人慘淪外送員 放下自尊悲吐原因\n",
                 ["廣告", "看原文連結", "更多某某報報導", "外送員"], "衛生局呼籲市民如有疑問",
                 id="a repeated ad label in the body; an original-link button and a 'more from' list end it"),
    pytest.param(f"Drug Recall Notice Issued\n\n{EN}\n\nImage or Video\n\n"
                 "The agency will also publish a list of approved products next month, it said in the statement.\n\n"
                 "Click the download button for the full PDF of this report.\n",
                 ["Image or Video", "Click the download"], "The agency will also publish",
                 id="a media placeholder between paragraphs and a download prompt"),
    pytest.param(f"Drug Recall Notice Issued\n\n{EN}\n\nMEMBER COMMENTS\n\nMember: Please login to add your comment.\n",
                 ["MEMBER COMMENTS", "Please login"], EN, id="a members' comment widget"),
    pytest.param("某藥品標示說明\n\n發布日期:2021-01-01\n\n為保障民眾用藥安全,藥品包裝上應載明下列事項:\n\n"
                 "(1)品名、重量、製造日期、有效期限\n\n(2)廠商名稱及地址、批號、保存方法與使用注意事項。\n",
                 [], "為保障民眾用藥安全", id="a lead-in line ending in a colon before a list starts the body"),
    pytest.param(f"第12/01/M號法令\n\n{ZH_HANT}\n\n• 第5/2020號法律 - 藥物註冊及監督法。\n\n"
                 "本法規的內容已被第9/2024號法律重新公佈\n\n第一條\n\n為適用本法規的規定,下列各詞之定義為:\n\n"
                 "“生產”:是指以收集或提取之方式,從天然有機體獲得藥物;\n",
                 ["第5/2020號法律", "重新公佈"], "“生產”:是指以收集或提取之方式",
                 id="a gazette's related-act links and change note go; a definition ending in ; ends the body"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "furniture", "kept"), FURNITURE)
def test_furniture_on_unseen_sites(tmp_path, reader_settings, content, furniture, kept):
    document = _read(tmp_path, content, reader_settings)
    for item in furniture:
        assert item not in document.text
    assert kept in document.text


@pytest.mark.parametrize(
    ("headline", "title"),
    [
        ("国药监药管〔2021〕31号国家药监局关于印发药品检查管理办法的通知", "国家药监局关于印发药品检查管理办法的通知"),
        ("国家药监局关于印发药品检查管理办法的通知国药监药管〔2021〕31号", "国家药监局关于印发药品检查管理办法的通知"),
        ("某省药监局关于化妆品抽检结果的公告（2022年第12号）", "某省药监局关于化妆品抽检结果的公告（2022年第12号）"),
        ("重磅！国家药监局发布药品网络销售新规", "重磅！国家药监局发布药品网络销售新规"),
    ],
    ids=[
        "a document number glued before the headline",
        "a document number glued after the headline",
        "a bulletin's issue number stays in its title",
        "a headline opening with 重磅！ is the title, not the body",
    ],
)
def test_headline_shapes(tmp_path, reader_settings, headline, title):
    document = _read(tmp_path, f"{headline}\n\n2021-05-28 10:00 来源：某网\n\n{ZH}\n", reader_settings)
    assert (document.title, str(document.date)) == (title, "2021-05-28")
    assert headline not in document.text


def test_prose_that_starts_like_a_related_link_stays(tmp_path, reader_settings):
    line = "More newspapers reported the recall on Friday, and officials said more batches may follow."
    document = _read(tmp_path, f"Drug Recall Notice Issued\n\n{EN}\n\n{line}\n", reader_settings)
    assert line in document.text


# An official letter relayed by an association: its subject line (主旨) restates the headline, here with
# one more space, and goes on with the request to the members. The headline is the title and never
# repeats as a body line; the subject line is the letter's own sentence (it carries the request) and stays.
LETTER_HEADLINE = "有關某某藥業公司之「某某錠(衛署藥製字第012345號)」(批號1101)藥品,辦理回收"
LETTER_SUBJECT = (
    "主旨:有關某某藥業公司之「某某錠 (衛署藥製字第012345號)」(批號1101)藥品,辦理回收,請貴會轉知所屬會員配合下架回收。"
)


def test_a_letters_subject_line_that_restates_the_headline_stays_in_the_body(tmp_path, reader_settings):
    page = (
        f"首頁 >最新訊息 > 回收專區\n\n{LETTER_HEADLINE}\n\n日期:2024-03-05\n\n \n\n"
        f"依據某市政府衛生局113年2月27日函辦理。\n\n{LETTER_SUBJECT}\n \n說明:\n"
        "一、本案係該公司表示產品安定性試驗結果不符規定,故啟動全批號回收作業。\n"
    )
    document = _read(tmp_path, page, reader_settings)
    assert (document.title, str(document.date)) == (LETTER_HEADLINE, "2024-03-05")
    paragraphs = document.text.split("\n\n")
    assert paragraphs[0] == "依據某市政府衛生局113年2月27日函辦理。"
    assert LETTER_HEADLINE not in paragraphs
    assert LETTER_SUBJECT in paragraphs
    assert paragraphs[-1].startswith("一、本案係")


def test_a_late_paragraph_on_another_subject_stays(tmp_path, reader_settings):
    """A last paragraph that shares almost no words with the headline or the paragraphs before it (the
    agency's standing advice, a background note) is still the article: the reader does not cut at a
    change of subject, which cannot be told from the next article spliced in by an endless-scroll page."""
    advice = "衛生署提醒市民，切勿購買或服用來歷不明的產品，如有疑問應諮詢醫護人員的意見。"
    document = _read(
        tmp_path, f"某藥廠回收兩款軟膏\n\n2024年01月26日 22:08\n\n{ZH_HANT}\n\n{advice}\n", reader_settings
    )
    assert document.text.split("\n\n") == [ZH_HANT, advice]
