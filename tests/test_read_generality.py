"""Pages from sites the reader has never seen: made-up fixtures, one per rule class, in the shapes
that made rules fire wrongly. A wrong date is worse than none, so most rows check that a tempting
date is *not* taken, or that disagreeing dates give none and say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs.reader import read_paths

ZH = "市场监管局发布通告，要求各地加强药品网络销售监督检查，依法查处违法违规行为。"
ZH_HANT = "衛生局今日公布，一款產品在檢驗中發現含有未標示的西藥成分，市民如已購買應立即停止使用。"
EN = (
    "The regulator said on Friday that it will tighten inspections of online drug sales and punish "
    "violations under the law, according to a notice posted on its website."
)


def _read(tmp_path: Path, content: str, reader_settings, name: str = "page.txt"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    [document] = read_paths([path], reader_settings).documents
    return document


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
