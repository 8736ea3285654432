"""The shared Chinese-text leaf: numerals, date normalisation, folding."""

from __future__ import annotations

import pytest

from briefs.verify import date_stated_in, stated_dates
from briefs.zhtext import HAN, chinese_numeral_value, fold, normalise_for_dates, simplified_key

NUMERALS = {
    "digit by digit": ("二〇二二", 2022),
    "a white circle for zero": ("二○二二", 2022),
    "tens": ("三十一", 31),
    "ten alone": ("十", 10),
    "hundreds with a zero": ("一百零五", 105),
    "two as 两": ("两千", 2000),
    "ten thousands": ("一万二千", 12000),
    "hundred millions": ("三亿", 300_000_000),
    "hundred millions and ten thousands": ("一亿二千万", 120_000_000),
    "万 alone is no number": ("万", None),
    "a word is no number": ("统一", None),
}


@pytest.mark.parametrize(("run", "value"), NUMERALS.values(), ids=NUMERALS.keys())
def test_chinese_numeral_value(run: str, value: int | None) -> None:
    assert chinese_numeral_value(run) == value


def test_dates_with_a_white_circle_for_zero_are_read_by_the_reader_and_by_verification() -> None:
    assert normalise_for_dates("二○二二年一月一日") == "2022年1月1日"
    assert [(d.year, d.month, d.day) for d in stated_dates("二○二二年一月一日起施行")] == [(2022, 1, 1)]


def test_a_date_written_with_a_white_circle_for_zero_is_stated() -> None:
    assert date_stated_in("2022-01-01", "本规定自二○二二年一月一日起施行") is None


def test_folding_keys() -> None:
    assert fold("２０２２ 年，") == "2022年,"
    assert simplified_key("國家藥監局") == "国家药监局"
    assert HAN.findall("NMPA 国家") == ["国", "家"]
