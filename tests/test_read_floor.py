"""The reader's quality floor on the bundled sample pages, as an evaluation gate: the figures in
tests/fixtures/reader_floor.json may rise, never fall. A change that lowers one fails here, and
lowering the floor is an edit to that file that a reviewer sees.

(The 30 dev pages from other sites are scored by bench/bench_reader_devpages.py; they stay outside
the project, so this gate uses the sample pages and their hand-checked expectations.)
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from briefs import resources
from briefs.reader import read_paths

FIXTURES = Path(__file__).parent / "fixtures"


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[str, int]:
    from briefs.settings import Settings

    expected = json.loads((FIXTURES / "seeds" / "expected.json").read_text(encoding="utf-8"))
    home = tmp_path_factory.mktemp("home")
    documents = {
        Path(d.path).name: d for d in read_paths([resources.sample_corpus_dir()], Settings(home=home)).documents
    }
    figures = dict.fromkeys(("titles", "dates", "wrong_dates", "body_first", "body_last", "furniture_removed"), 0)
    for seed in expected:
        document = documents[seed["file"]]
        figures["titles"] += document.title == seed["title"]
        date = document.date.isoformat() if document.date else None
        figures["dates"] += date == seed["date"]
        figures["wrong_dates"] += date is not None and date != seed["date"]
        body = _norm(document.text)
        figures["body_first"] += _norm(seed["body_first"]) in body
        figures["body_last"] += _norm(seed["body_last"]) in body
        figures["furniture_removed"] += sum(
            _norm(item) not in body for item in seed["not_body"] if len(_norm(item)) >= 4
        )
    return figures


@pytest.mark.parametrize("figure", ["titles", "dates", "body_first", "body_last", "furniture_removed"])
def test_the_reader_stays_at_or_above_its_floor(measured, figure):
    floor = json.loads((FIXTURES / "reader_floor.json").read_text(encoding="utf-8"))
    assert measured[figure] >= floor[figure], f"{figure}: {measured[figure]} is below the floor of {floor[figure]}"


def test_no_wrong_date_on_the_sample_pages(measured):
    assert measured["wrong_dates"] == 0
