"""The reader on the sample corpus, table-driven over the fixtures' expected.json files."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from briefs.reader import ReadResult, read_paths
from briefs.resources import sample_corpus_dir
from briefs.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = json.loads((FIXTURES / "seeds" / "expected.json").read_text(encoding="utf-8"))
LONG_DOCS = json.loads((FIXTURES / "long-docs" / "expected.json").read_text(encoding="utf-8"))
FIELDS = ("title", "date", "date_inferred", "iso_week", "language", "source", "url")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    result: ReadResult = read_paths([sample_corpus_dir()], Settings(home=tmp_path_factory.mktemp("home")))
    assert result.problems == []
    return {Path(document.path).name: document for document in result.documents}


def _field(document, name: str):
    value = getattr(document, name)
    return value.isoformat() if name == "date" and value is not None else value


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed {s['file'][:3]} reads as expected.json says" for s in SEEDS])
def test_seed_metadata_matches_expected(corpus, seed):
    document = corpus[seed["file"]]
    assert {name: _field(document, name) for name in FIELDS} == {name: seed[name] for name in FIELDS}
    if "subtitle" in seed:
        assert document.subtitle == seed["subtitle"]


@pytest.mark.parametrize(
    "seed", SEEDS, ids=[f"seed {s['file'][:3]} body runs intact from first to last" for s in SEEDS]
)
def test_seed_body_runs_from_first_to_last(corpus, seed):
    text = corpus[seed["file"]].text
    assert text.startswith(seed["body_first"])
    assert text.endswith(seed["body_last"])


@pytest.mark.parametrize(
    ("file", "furniture"),
    [(s["file"], bad) for s in SEEDS for bad in s["not_body"]],
    ids=[f"seed {s['file'][:3]} loses {bad!r}" for s in SEEDS for bad in s["not_body"]],
)
def test_seed_furniture_is_gone(corpus, file, furniture):
    assert furniture not in corpus[file].text


@pytest.mark.parametrize("seed", SEEDS, ids=[f"news seed {s['file'][:3]} fits one chunk" for s in SEEDS])
def test_news_article_fits_one_chunk(corpus, seed):
    document = corpus[seed["file"]]
    assert [(c.start, c.end) for c in document.chunks] == [(0, len(document.text))]


def test_seed_body_keeps_its_own_characters(corpus):
    """Traditional stays Traditional, half-width commas stay half-width, paragraphs stay apart."""
    traditional = corpus["001_856973fa258ed578.txt"].text
    assert "國家藥監局" in traditional and "国家药监局" not in traditional
    assert "召開后,各省" in traditional
    assert "\n\n湖南:抽調精干力量,成立工作專班\n\n" in traditional
    assert "，2月11日，" in corpus["000_b91c7a1454b64df1.txt"].text  # full-width stays full-width


def test_no_seed_is_a_duplicate(corpus):
    assert all(document.duplicate_of is None for document in corpus.values())


@pytest.mark.parametrize("doc", LONG_DOCS, ids=[f"long doc {d['file'][:2]} keeps its body" for d in LONG_DOCS])
def test_long_doc_body_first_and_last_sentence(corpus, doc):
    text = corpus[doc["file"]].text
    assert text.startswith(doc["body_first_sentence"])
    assert text.endswith(doc["body_last_sentence"])
    assert corpus[doc["file"]].title == doc["title"]
    for boilerplate in doc["boilerplate_samples"]:
        assert boilerplate not in text


@pytest.mark.parametrize(
    "doc", LONG_DOCS, ids=[f"long doc {d['file'][:2]} keeps facts and requirements" for d in LONG_DOCS]
)
def test_long_doc_key_facts_and_requirements_present(corpus, doc):
    text = corpus[doc["file"]].text
    for phrase in doc["key_facts"] + doc["requirements"]:
        assert phrase in text


@pytest.mark.parametrize(
    "doc", LONG_DOCS, ids=[f"long doc {d['file'][:2]} splits into covering chunks" for d in LONG_DOCS]
)
def test_long_doc_splits_into_several_chunks_covering_the_body(corpus, doc):
    document = corpus[doc["file"]]
    chunks = document.chunks
    assert len(chunks) >= 2
    assert chunks[0].start == 0 and chunks[-1].end == len(document.text)
    for before, after in itertools.pairwise(chunks):
        assert after.start <= before.end  # no gap: every character lies in some chunk
        assert before.text.rstrip().endswith(("。", "；", "：")) or before.end == len(document.text)
    assert all(c.tokens <= 3000 and c.text == document.text[c.start : c.end] for c in chunks)
    assert [c.id for c in chunks] == [f"{document.id}:{i}" for i in range(len(chunks))]
    # requirement sentences are never cut: each lies whole inside one chunk
    for sentence in doc["requirements"]:
        assert any(sentence in c.text for c in chunks)


def test_long_doc_dated_from_header_not_effective_date(corpus):
    assert corpus["18_lawrefbook_cosmetics_production_measures_long.txt"].date.isoformat() == "2021-08-02"
    assert corpus["20_lawrefbook_shanghai_drug_device_regulation_long.txt"].date.isoformat() == "2024-12-31"


def test_inspect_json_has_the_promised_shape(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from briefs.cli import app

    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path))
    run = CliRunner().invoke(app, ["inspect", str(sample_corpus_dir()), "--json"])
    assert run.exit_code == 0, run.output
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(rows) == 8
    promised = {
        "path",
        "title",
        "subtitle",
        "date",
        "date_inferred",
        "iso_week",
        "language",
        "source",
        "url",
        "text",
        "tokens",
        "chunks",
        "duplicate_of",
        "problems",
    }
    assert all(promised <= row.keys() for row in rows)
    by_file = {Path(row["path"]).name: row for row in rows}
    assert by_file["001_856973fa258ed578.txt"]["date"] == "2022-02-14"
    assert "湖南" in run.stdout  # ensure_ascii=False: Chinese stays readable
