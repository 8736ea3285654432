"""Shapes of saved pages the reader must date right: a page store's own ``date YYYY-MM-DD`` stamp
opening the text, and forum-style ``Posted 24-Apr-2020`` stamps. Made-up pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefs.load import split_date_stamp
from briefs.reader import read_paths
from briefs.zhtext import english_dates

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
