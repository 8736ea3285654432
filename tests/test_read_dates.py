"""Publication dates and ISO weeks: the rules of tech-notes §8 as a table; and shapes of saved pages
the reader must date right: a page store's own ``date YYYY-MM-DD`` stamp opening the text, and
forum-style ``Posted 24-Apr-2020`` stamps (made-up pages)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefs.load import split_date_stamp
from briefs.metadata import (
    ambiguous_dates,
    extract_metadata,
    full_dates,
    normalise_for_dates,
    parse_timestamp,
)
from briefs.models import iso_week_label
from briefs.reader import read_paths
from briefs.zhtext import english_dates

BODY = "国家药监局召开会议，部署药品安全专项整治工作。会议要求各地加强监管。"


def _meta(header=(), body=BODY, trailer=(), front_matter=None):
    return extract_metadata(
        "page.txt", body=body, header=list(header), trailer=list(trailer), front_matter=front_matter or {}, hints={}
    )


@pytest.mark.parametrize(
    ("day", "week"),
    [
        ("2022-02-11", "2022-W06"),
        ("2022-02-14", "2022-W07"),
        ("2021-01-03", "2020-W53"),
        ("2024-12-30", "2025-W01"),
        ("2019-01-01", "2019-W01"),
        ("2024-12-31", "2025-W01"),
    ],
    ids=[
        "a Friday in W06",
        "the next Monday opens W07",
        "3 Jan 2021 belongs to 2020-W53",
        "30 Dec 2024 belongs to 2025-W01",
        "1 Jan 2019 is in 2019-W01",
        "31 Dec 2024 is 2025-W01",
    ],
)
def test_iso_week(day, week):
    assert iso_week_label(dt.date.fromisoformat(day)) == week


@pytest.mark.parametrize(
    ("header", "body", "front_matter", "date", "inferred", "source"),
    [
        ([], BODY, {"date": "2022-02-11 18:10:58 +0800"}, "2022-02-11", False, "front-matter"),
        ([], BODY, {"date": "2022-02-13 23:30:00 -0500"}, "2022-02-14", False, "front-matter"),
        (["标题", "发布时间：2022-07-26 08:38:44"], BODY, {}, "2022-07-26", False, "label"),
        (["标题", "发布日期：二〇二二年二月十一日"], BODY, {}, "2022-02-11", False, "label"),
        (["标题", "发布日期：２０２２年２月１１日"], BODY, {}, "2022-02-11", False, "label"),
        (
            ["标题", "2024-04-22 16:002500huamei辽宁省药监局"],
            "2024年4月17日,会议召开。",
            {},
            "2024-04-22",
            False,
            "header",
        ),
        (["某某通知"], "2024年4月17日会议召开。自2025年3月1日起施行。", {}, "2024-04-17", True, "body"),
        (["某某通知"], "2022年工作要点。2月11日召开会议。2月14日再次召开会议。", {}, "2022-02-14", True, "body"),
        (["某某通知"], "二〇二二年工作要点。二月十一日召开会议。", {}, "2022-02-11", True, "body"),
        (["某某办法", "2021年8月2日 总局令第46号公布", "2022年1月1日 施行"], BODY, {}, "2021-08-02", False, "header"),
        (["标题", "日期：25/04/2025"], BODY, {}, "2025-04-25", False, "label"),
    ],
    ids=[
        "front matter date wins, in Shanghai time",
        "a front matter time in New York is the next day in Shanghai",
        "a labelled line gives the date",
        "Chinese numerals are read: 二〇二二年二月十一日",
        "full-width digits are read",
        "a date glued to a time and view count in the header zone",
        "no stated date: the latest body date that is not an effective date, marked inferred",
        "month-day without a year takes the year the text names, marked inferred",
        "month-day in Chinese numerals with a Chinese-numeral year",
        "an effective date (施行) in the header is not the publication date",
        "a year-last date whose day exceeds 12 is not ambiguous",
    ],
)
def test_publication_date(header, body, front_matter, date, inferred, source):
    meta = _meta(header=header, body=body, front_matter=front_matter)
    assert (meta.date.isoformat(), meta.date_inferred, meta.date_source) == (date, inferred, source)
    assert meta.problems == []


@pytest.mark.parametrize(
    "header",
    [["标题", "发布日期：04/12/2025"], ["标题", "04.12.2025 国家药监局"]],
    ids=["an ambiguous labelled date is reported, not guessed", "an ambiguous header date is reported, not guessed"],
)
def test_ambiguous_numeric_date_is_a_problem_not_a_guess(header):
    meta = _meta(header=header)
    assert meta.date is None and meta.iso_week is None
    assert any(p.startswith("page.txt: ambiguous date") and "04" in p for p in meta.problems)


def test_sidebar_dates_never_date_the_page(tmp_path, reader_settings):
    """Seed 004's trap, rebuilt: a sidebar of later articles below the body."""
    from briefs.reader import read_paths

    page = (
        "辽宁省药品安全工作会议召开\n\n2024-04-22 16:002500huamei辽宁省药监局\n\n"
        "2024年4月17日,辽宁省药品安全工作领导小组召开全体会议,研究部署下一步工作任务。\n\n"
        "点赞 0\n更多相关评论\n国家药监局召开创新合作平台工作推进会\n\n0评论2026-03-0558\n"
    )
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    [document] = read_paths([path], reader_settings).documents
    assert document.date.isoformat() == "2024-04-22"
    assert "2026" not in document.text
    undated = path.with_name("undated.txt")
    undated.write_text(page.replace("2024-04-22 16:002500huamei辽宁省药监局", "辽宁省药监局"), encoding="utf-8")
    [document] = read_paths([undated], reader_settings).documents
    assert (document.date.isoformat(), document.date_inferred) == ("2024-04-17", True)


def test_no_date_at_all_is_a_problem_line():
    meta = _meta(header=["某某通知"], body="会议要求各地加强监管。")
    assert meta.date is None
    assert meta.problems == ["page.txt: no publication date found; it cannot be placed in a week"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("0评论2026-03-0558", ["2026-03-05"]),
        ("论2026-03-05", ["2026-03-05"]),
        ("编号12022-02-11", []),
        ("2022年2月30日", []),
    ],
    ids=[
        "a view count glued to the day",
        "no word boundary needed before the year",
        "a longer digit run is not a year",
        "an impossible day is not a date",
    ],
)
def test_full_date_matching(text, found):
    assert [f.date.isoformat() for f in full_dates(normalise_for_dates(text))] == found


def test_helpers():
    assert normalise_for_dates("二〇二四年四月二十二日") == "2024年4月22日"
    assert ambiguous_dates("04/12/2025 and 25/12/2025 and 05/05/2025") == ["04/12/2025"]
    assert parse_timestamp("2022-02-11T18:10:58Z") == dt.date(2022, 2, 12)


# --- stamps a page store or a forum writes ------------------------------------------------------

ZH_HANT = "衛生署周三（3日）與警方展開聯合行動，打擊非持牌藥店違法售賣受管制藥物，兩人被捕。"


def _read(tmp_path: Path, content: str, reader_settings):
    path = tmp_path / "page.txt"
    path.write_text(content, encoding="utf-8")
    [document] = read_paths([path], reader_settings).documents
    return document


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(f" date 2025-09-05 {ZH_HANT}\n", id="glued to the first sentence"),
        pytest.param(
            " date 2026-01-16 \u3000\n  • 手機版\n  • |\n  • App\n\n某縣衛生局公布違規廣告\n\n" + ZH_HANT + "\n",
            id="above the site navigation",
        ),
    ],
)
def test_a_store_date_stamp_opening_the_text_is_the_page_date_and_not_body(tmp_path, reader_settings, content):
    document = _read(tmp_path, content, reader_settings)
    assert document.date == dt.date.fromisoformat(content.split()[1])
    assert not document.date_inferred
    assert "date 20" not in document.text


@pytest.mark.parametrize(
    "text",
    ["更新 date 2025-09-05 之后", "dated 2025-09-05", "date 2025-9-5 未补零", "date 20250905"],
)
def test_only_a_leading_stamp_of_that_exact_shape_is_taken(text):
    assert split_date_stamp(text) == ({}, text)


def test_a_forum_stamp_written_day_month_year_with_hyphens_is_a_date():
    assert [day for day, _, _ in english_dates("Posted 24-Apr-2020 15:53")] == [(2020, 4, 24)]
    assert [day for day, _, _ in english_dates("ref 2024-Apr-2020x")] == []
