"""Figures and dates compared by value across scripts and languages: one small fixture per class a
faithful answer writes differently from its page, each with the unfaithful change it must still
catch."""

from __future__ import annotations

import datetime as dt

import pytest

from briefs.verify import date_stated_in, verify
from tests.test_verify import extraction

ENGLISH_PAGE = (
    "In 2022, regulators handled 153,600 cases and approved 87 drugs, up 17.65 percent.\n"
    "NMPA issued four draft guidelines today on September 28, 2022, soliciting public opinions.\n"
    "Feedbacks need to be submitted by November 14, 2022. The recall level is a Level III recall.\n"
    "From August 17 to 19 2020, 13 manufacturers recalled devices, including Class I and II recalls.\n"
    "The regulation was issued on 17 December 2020 (SAMR Decree No. 47). The hotline is 2907 7300.\n"
    "The government plans to vaccinate 50 million people. The Order takes effect on Feb. 11, 2022.\n"
)
ENGLISH_QUOTE = "Feedbacks need to be submitted by November 14, 2022."


def summary_ok(page: str, quote: str, zh: str = "", en: str = "", published: dt.date | None = None) -> bool:
    found = extraction(quote=quote, summary_zh=zh or "摘要。", summary_en=en or "Summary.")
    checks = verify(found, page, None, published)
    return all(check.ok for check in checks if check.target.startswith("summary"))


ENGLISH_ZH = [
    ("2022年共查处153,600件案件，批准87个药品。", True),
    ("2022年共查处15.36万件案件。", True),
    ("共查处153,700件案件。", False),
    ("批准88个药品。", False),
    ("同比增长17.65%。", True),
    ("同比增长17.66%。", False),
    ("发布四项指导原则征求意见稿。", True),
    ("发布五项指导原则征求意见稿。", False),
    ("于2022年9月28日发布，2022年11月14日前反馈。", True),
    ("于2022年9月29日发布。", False),
    ("2023年发布。", False),
    ("9月发布。", True),
    ("10月发布。", False),
    ("2020年8月17日至19日，13家制造商召回器械，涵盖一级和二级召回。", True),
    ("2020年8月17日至20日召回。", False),
    ("为三级召回。", True),
    ("为五级召回。", False),
    ("该办法于2020年12月17日发布（总局令第47号）。", True),
    ("该办法于2020年12月16日发布。", False),
    ("计划为5000万人接种。", True),
    ("计划为6000万人接种。", False),
    ("一家企业召回一批器械。", True),
]


@pytest.mark.parametrize(("zh", "ok"), ENGLISH_ZH, ids=[row[0] for row in ENGLISH_ZH])
def test_a_chinese_summary_of_an_english_page_is_held_to_its_values(zh: str, ok: bool) -> None:
    """On an English page the measure word is a translation (87 drugs → 87个): the value and its
    magnitude must match, dates by year, month and day; 一家/一批 count as "a"."""
    assert summary_ok(ENGLISH_PAGE, ENGLISH_QUOTE, zh=zh) is ok


ENGLISH_EN = [
    ("The hotline is 2907 7300, under Decree No. 47.", True),
    ("The hotline is 2907 7301.", False),
    ("Comments are due by November 14, 2022.", True),
    ("Comments are due by November 15, 2022.", False),
    ("From August 17 to 19, 2020.", True),
    ("It takes effect on February 11, 2022.", True),
    ("It takes effect on February 12, 2022.", False),
    ("Up 17.65%.", True),
]


@pytest.mark.parametrize(("en", "ok"), ENGLISH_EN, ids=[row[0] for row in ENGLISH_EN])
def test_an_english_summary_of_an_english_page_reads_numbers_as_the_page_spaces_them(en: str, ok: bool) -> None:
    """Numbers are read from the page with its spaces kept: "2907 7300" is two numbers and "No. 47"
    is 47, not a decimal; "September 28, 2022" is 28 and 2022."""
    assert summary_ok(ENGLISH_PAGE, ENGLISH_QUOTE, en=en) is ok


def test_english_dates_and_ranges_in_a_phrase_state_their_date() -> None:
    assert date_stated_in("2022-02-11", "Feb. 11, 2022") is None
    assert date_stated_in("2020-12-17", "issued on 17 December 2020") is None
    assert date_stated_in("2020-05-27", "Wed, 27 May 2020 00:00:00 GMT") is None
    assert date_stated_in("2020-08-19", "From August 17 to 19 2020") is None
    assert date_stated_in("2021-05-01", "from May 1 this year") is None
    assert date_stated_in("2022-02-12", "Feb. 11, 2022") is not None
    assert date_stated_in("2020-08-20", "From August 17 to 19 2020") is not None


def test_a_summary_year_may_come_from_the_page_or_its_publication_date() -> None:
    page = "Imported cosmetics will not need animal testing from May 1 this year."
    quote = "Imported cosmetics will not need animal testing from May 1 this year."
    published = dt.date(2021, 3, 8)
    assert summary_ok(page, quote, zh="自2021年5月1日起不再要求动物试验。", published=published)
    assert not summary_ok(page, quote, zh="自2021年5月2日起不再要求动物试验。", published=published)
    assert not summary_ok(page, quote, zh="自2022年5月1日起不再要求动物试验。", published=published)


# --- Taiwan's ROC calendar ------------------------------------------------------------------------

TAIWAN_PAGE = (
    "臺中市政府衛生局113年1月18日局授衛食藥字第1130005725號函。\n"
    "本辦法自中華民國一百十四年一月一日施行。\n"
    "依據第七十三、七十四、七十五條規定立案調查。\n"
)
TAIWAN_QUOTE = "本辦法自中華民國一百十四年一月一日施行。"


def test_roc_years_state_western_dates() -> None:
    assert date_stated_in("2024-01-18", "臺中市政府衛生局113年1月18日局授衛食藥字第1130005725號函") is None
    assert date_stated_in("2025-01-01", "本辦法自中華民國一百十四年一月一日施行") is None
    assert date_stated_in("1998-11-04", "民國87年11月4日") is None
    assert date_stated_in("2025-01-18", "113年1月18日") is not None


ROC_SUMMARIES = [
    ("卫生局于2024年1月18日发函，本办法自2025年1月1日施行。", True),
    ("卫生局于113年1月18日发函。", True),
    ("卫生局于2024年1月19日发函。", False),
    ("本办法自2026年1月1日施行。", False),
    ("依据第七十三条至第七十五条立案调查。", True),
    ("依据第七十六条立案调查。", False),
]


@pytest.mark.parametrize(("zh", "ok"), ROC_SUMMARIES, ids=[row[0] for row in ROC_SUMMARIES])
def test_a_simplified_summary_of_a_traditional_roc_page(zh: str, ok: bool) -> None:
    assert summary_ok(TAIWAN_PAGE, TAIWAN_QUOTE, zh=zh) is ok


def test_the_english_of_a_number_listed_after_one_ordinal_is_a_number_of_the_page() -> None:
    """第七十三、七十四、七十五條 states 73, 74 and 75 (the later two share the first one's 第)."""
    assert summary_ok(TAIWAN_PAGE, TAIWAN_QUOTE, en="Investigated under Articles 73, 74 and 75.")
    assert not summary_ok(TAIWAN_PAGE, TAIWAN_QUOTE, en="Investigated under Articles 73 and 76.")


# --- Chinese pages ---------------------------------------------------------------------------------

CHINESE_PAGE = (
    "二○二二年一月一日起施行。从市面回收一批产品,查处一起案件。\n"
    "一、所有生产企业均应依据有关规定,提出补充申请,于年3月10日前报省级药品监管部门备案。\n"
    "抽检合格率为99.5%。\n"
)
CHINESE_QUOTE = "所有生产企业均应依据有关规定,提出补充申请,"

CHINESE_SUMMARIES = [
    ("本办法自2022年1月1日起施行。", True),
    ("本办法自2022年1月2日起施行。", False),
    ("回收一批产品，查处一起案件。", True),
    ("回收两批产品。", False),
    ("于3月10日前备案。", True),
    ("于3月11日前备案。", False),
    ("抽检合格率为99.5%。", True),
    ("抽检合格率为99.6%。", False),
]


@pytest.mark.parametrize(("zh", "ok"), CHINESE_SUMMARIES, ids=[row[0] for row in CHINESE_SUMMARIES])
def test_a_chinese_summary_of_a_chinese_page(zh: str, ok: bool) -> None:
    """A ○ date matches its digits; 一批/一起 count as "a" and are not figures; a month and day
    stand even where the page dropped the year's digits (于年3月10日前)."""
    assert summary_ok(CHINESE_PAGE, CHINESE_QUOTE, zh=zh) is ok


def test_a_quote_may_start_after_an_items_number() -> None:
    """一、 numbers a list item: the item's text starts a sentence."""
    checks = verify(extraction(quote=CHINESE_QUOTE), CHINESE_PAGE)
    assert [check.ok for check in checks if check.kind == "quote"] == [True]
    inside = verify(extraction(quote="生产企业均应依据有关规定,"), CHINESE_PAGE)
    assert [check.ok for check in inside if check.kind == "quote"] == [False]
