"""The trust bar, attacked at the verifier: quotes that are not whole sentences, figures that only
look as if they were in the source, dates the phrase does not state. One row per attack; each row
says whether the verifier must let it through (a correct rendering) or flag it (an invention)."""

from __future__ import annotations

import pytest

from briefs.models import Bilingual, Figure
from briefs.verify import date_stated_in, verify
from tests.extract_support import SEED_STEMS, sample_document
from tests.test_verify import SOURCE, extraction, failed

# --- quotes: whole sentences or clauses of the cleaned body, nothing else --------------------------

QUOTES = [
    ("推动医药企业改进药品包装,优化药品说明书,着力解决患者不易看清看懂等问题。", True),
    ("推动医药企业改进药品包装,优化药品说明书,", True),
    ("优化药品说明书,着力解决患者不易看清看懂等问题。", True),
    ("推动医药企业改进药品包装", True),
    ("改进药品包装,优化药品说明书", False),
    ("医药企业改进药品包装,优化药品说明书,着力解决患者不易看清看懂等问题。", False),
    ("推动医药企业改进药品包装,优化药品说明书,着力解决患者不易看清", False),
    ("增长17.65%", False),
    ("本办法自2022年1月1日起施行。共涉及2.5亿元货值。", True),
    ("近日,国家药监局部署全国药监系统启动实施药品安全巩固提升行动。本办法自2022年1月1日起施行。", False),
    ("推动医药企业改进药品包装,优化药品说明书,着力解决患者不易看清看懂等问题!", False),
    ("推动医药企业改进药品包装，优化药品说明书，着力解决患者不易看清看懂等问题。", True),
    ("推动医药企业改进药品包装 ,优化药品说明书,\n着力解决患者不易看清看懂等问题。", True),
    ("。", False),
    ("，。", False),
    ("“”", False),
]
QUOTE_IDS = [
    "a whole sentence passes",
    "a leading clause ending at its comma passes",
    "a closing clause starting after a comma passes",
    "a clause without its comma passes when the document's comma follows",
    "a piece cut out of two clauses fails",
    "a sentence missing its first two characters fails",
    "a sentence cut off mid-clause fails",
    "a figure's phrase is not a requirement's sentence",
    "two adjacent sentences quoted together pass",
    "two non-adjacent sentences stitched together fail",
    "a changed final punctuation mark fails",
    "full-width commas for half-width ones pass",
    "extra spaces and a line break pass",
    "only a full stop fails",
    "only punctuation fails",
    "only quotation marks fail",
]  # a quote of only whitespace is an invalid answer: see test_verify.py


@pytest.mark.parametrize(("quote", "ok"), QUOTES, ids=QUOTE_IDS)
def test_a_source_sentence_is_whole_clauses_of_the_document(quote: str, ok: bool) -> None:
    assert ("requirements[0].source_sentence" not in failed(extraction(quote=quote))) is ok


def test_a_fragment_is_named_as_a_fragment() -> None:
    checks = verify(extraction(quote="改进药品包装,优化药品说明书"), SOURCE)
    [check] = [c for c in checks if c.target == "requirements[0].source_sentence"]
    assert not check.ok and "whole sentence or clause" in check.detail


def test_a_quote_of_the_page_furniture_the_cleaner_removed_fails() -> None:
    """Seed 003's page ends with a related-articles list; its sentences are in the raw file, not in
    the cleaned body, and verification is against the cleaned body."""
    document = sample_document("003_aac249fd25c995dd")
    furniture = "防患于未然,始终保持利剑高悬、重拳出击的监管态势,才能确保药品安全"
    raw = open(document.path, encoding="utf-8").read()
    assert furniture in raw and furniture not in document.text
    checks = verify(extraction(quote=furniture + "。"), document.text, document.title)
    assert [c.ok for c in checks if c.kind == "quote"] == [False]


def test_a_quote_of_the_title_alone_fails() -> None:
    """The title travels as metadata, not as the body: a requirement cannot come from it."""
    document = sample_document("003_aac249fd25c995dd")
    assert document.title and document.title not in document.text
    checks = verify(extraction(quote=document.title), document.text, document.title)
    assert [c.ok for c in checks if c.kind == "quote"] == [False]


# --- figures: an English number must be a number of the source, not a character of a word --------

SOURCE_WITH_WORDS = (
    "会议强调，要进一步统一思想，坚持两品一械一体推进，十分重视老百姓用药安全。\n"
    "以迎接党的二十大胜利召开为主线，学习党的十九届六中全会精神。\n"
    "依照本条例第三十三条的规定，处五万元以上十万元以下罚款。组建六个工作组，查处一批案件。\n"
)

EN_FIGURES = [
    ("Regulators stressed unity.", True),
    ("Violations are fined under Article 33.", True),
    ("Fines run from 50,000 to 100,000 yuan.", True),
    ("Six working groups were formed (6 groups).", True),
    ("With the 20th Party Congress as the main line.", True),
    ("Quality of COVID-19 vaccines is a focus.", True),
    ("The 19th Central Committee's sixth plenary session.", True),
    ("They opened 1 batch of cases.", True),
    ("2 product categories are covered.", False),
    ("10 priorities were set.", False),
    ("100 cases were found.", False),
    ("Fines reach 1,000 yuan.", False),
    ("Fines run from 50,000 to 150,000 yuan.", False),
    ("7 working groups were formed.", False),
]
EN_FIGURE_IDS = [
    "a text without figures passes",
    "an article number written in Chinese numerals matches its digits",
    "amounts in 万 written in Chinese numerals match by value",
    "a count in Chinese numerals with its measure word matches",
    "an ordinal congress (二十大) matches 20th",
    "the 19 of COVID-19 is part of a name, not a figure",
    "十九届 matches 19th",
    "一批 is a count of one",
    "两 inside 两品一械 is not the figure 2",
    "十 inside 十分 (very) is not the figure 10",
    "百 inside 老百姓 is not the figure 100",
    "千 is not in the source as a figure",
    "a changed amount fails",
    "a changed count fails",
]


@pytest.mark.parametrize(("summary", "ok"), EN_FIGURES, ids=EN_FIGURE_IDS)
def test_an_english_figure_must_be_a_number_the_source_states(summary: str, ok: bool) -> None:
    checks = verify(extraction(quote="依照本条例第三十三条的规定", summary_en=summary), SOURCE_WITH_WORDS)
    assert all(c.ok for c in checks if c.target == "summary.en") is ok


ZH_FIGURES = [
    ("组建六个工作组。", True),
    ("处五万元以上十万元以下罚款。", True),
    ("组建七个工作组。", False),
    ("处五万元以上二十万元以下罚款。", False),
    ("依照第三十三条处罚。", True),
    ("依照第三十四条处罚。", False),
]


@pytest.mark.parametrize(
    ("summary", "ok"),
    ZH_FIGURES,
    ids=[
        "a count in Chinese numerals as written passes",
        "amounts in Chinese numerals as written pass",
        "a changed Chinese-numeral count fails",
        "a changed Chinese-numeral amount fails",
        "an article number as written passes",
        "a changed article number fails",
    ],
)
def test_a_chinese_figure_in_chinese_numerals_must_occur_as_written(summary: str, ok: bool) -> None:
    checks = verify(extraction(quote="依照本条例第三十三条的规定", summary_zh=summary), SOURCE_WITH_WORDS)
    assert all(c.ok for c in checks if c.target == "summary.zh") is ok


def test_a_figure_entry_whose_value_is_only_part_of_a_number_fails() -> None:
    """15.3 occurs inside 15.36万件 as characters, but it is not a figure of the document."""
    figure = Figure(value="15.3", meaning=Bilingual(zh="案件", en="cases"), source_phrase="案件15.36万件")
    assert "figures[0].value" in failed(extraction(figures=[figure]))


# --- dates ------------------------------------------------------------------------------------------

DUE_DATES = [
    ("2022-07-31", "2022年7月底前完成", True),
    ("2022-07-01", "自2022年7月起施行", True),
    ("2022-07-15", "2022年7月底前完成", False),
    ("2022-07-15", "自2022年7月起施行", False),
    ("2022-01-31", "自2022年1月1日起30日内", False),
    ("2022-03-01", "自发布之日起施行", False),
    ("2022-12-31", "于2022年12月31日前", True),
]


@pytest.mark.parametrize(
    ("date", "phrase", "ok"),
    DUE_DATES,
    ids=[
        "year and month with 底 state the month's last day",
        "year and month state the month's first day",
        "a mid-month day is not stated by year and month",
        "a mid-month day is not stated by a start month",
        "a relative deadline computed from a date is not stated",
        "a date relative to publication is not stated",
        "a full date with 前 passes",
    ],
)
def test_a_due_date_must_be_the_date_its_phrase_states(date: str, phrase: str, ok: bool) -> None:
    assert (date_stated_in(date, phrase) is None) is ok


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_every_seed_reference_answer_still_verifies_clean(stem: str) -> None:
    from tests.test_extract_answers import seed_answer

    document = sample_document(stem)
    checks = verify(seed_answer(stem), document.text, document.title)
    assert [(c.target, c.value, c.detail) for c in checks if not c.ok] == []
