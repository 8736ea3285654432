"""The chunking settings reach the reader: ``chunk_tokens`` and ``chunk_overlap`` (from Settings,
the environment or a flag) change how ``read_paths`` chunks a long sample document."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefs import resources
from briefs.errors import ConfigError
from briefs.models import Document
from briefs.reader import read_paths
from briefs.settings import Settings, load_settings
from briefs.tokens import count_tokens, encoding_for

LONG_DOC = "18_lawrefbook_cosmetics_production_measures_long.txt"


@pytest.fixture(autouse=True)
def _no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a briefs.toml in the working folder must not change the budget
    for name in ("BRIEFS_CHUNK_TOKENS", "BRIEFS_CHUNK_OVERLAP"):
        monkeypatch.delenv(name, raising=False)


def read_long_doc(settings: Settings) -> Document:
    result = read_paths([resources.sample_corpus_dir() / LONG_DOC], settings)
    assert result.problems == [] and len(result.documents) == 1
    return result.documents[0]


def overlaps(document: Document) -> list[str]:
    """The text each chunk repeats from the one before it ('' when they only touch)."""
    pairs = zip(document.chunks, document.chunks[1:], strict=False)
    return [document.text[later.start : earlier.end] for earlier, later in pairs]


def test_a_smaller_budget_makes_more_chunks_each_within_it(tmp_path: Path, count_o200k) -> None:
    default = read_long_doc(Settings(home=tmp_path / "home"))
    small = read_long_doc(Settings(home=tmp_path / "home", chunk_tokens=800))
    assert len(small.chunks) > len(default.chunks) >= 2
    assert max(count_o200k(c.text) for c in default.chunks) > 800  # the default budget really was bigger
    assert all(count_o200k(c.text) <= 800 for c in small.chunks)
    assert all(c.tokens == count_o200k(c.text) for c in small.chunks)
    assert small.chunks[0].start == 0 and small.chunks[-1].end == len(small.text)


def test_overlap_zero_makes_chunks_that_only_touch(tmp_path: Path) -> None:
    document = read_long_doc(Settings(home=tmp_path / "home", chunk_tokens=800, chunk_overlap=0))
    assert len(document.chunks) >= 3
    assert all(earlier.end == later.start for earlier, later in zip(document.chunks, document.chunks[1:], strict=False))


def test_overlap_makes_consecutive_chunks_share_text(tmp_path: Path, count_o200k) -> None:
    document = read_long_doc(Settings(home=tmp_path / "home", chunk_tokens=800, chunk_overlap=120))
    shared = overlaps(document)
    assert len(shared) >= 3
    assert all(text.strip() for text in shared), "every chunk after the first repeats some of the one before"
    assert all(count_o200k(text) <= 120 + 2 for text in shared)  # BPE counts are not additive at a cut
    for earlier, later, text in zip(document.chunks, document.chunks[1:], shared, strict=False):
        assert earlier.text.endswith(text) and later.text.startswith(text)


def test_the_budget_from_the_environment_reaches_the_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_default = read_long_doc(Settings(home=tmp_path / "home"))
    from_settings = read_long_doc(Settings(home=tmp_path / "home", chunk_tokens=600, chunk_overlap=0))
    monkeypatch.setenv("BRIEFS_CHUNK_TOKENS", "600")
    monkeypatch.setenv("BRIEFS_CHUNK_OVERLAP", "0")
    settings = load_settings(None)
    assert (settings.chunk_tokens, settings.chunk_overlap) == (600, 0)
    from_env = read_long_doc(settings)
    assert [(c.start, c.end) for c in from_env.chunks] == [(c.start, c.end) for c in from_settings.chunks]
    assert len(from_env.chunks) > len(by_default.chunks)


BELOW_MINIMUM = [
    pytest.param(
        {"env": "50"},
        "environment variable BRIEFS_CHUNK_TOKENS: chunk_tokens: ",
        id="a budget below the minimum in the environment is one line naming the variable and key",
    ),
    pytest.param(
        {"flag": 50},
        "--chunk-tokens: chunk_tokens: ",
        id="a budget below the minimum as a flag is one line naming the flag and key",
    ),
    pytest.param(
        {"file": "chunk_tokens = 50\n"},
        "briefs.toml: chunk_tokens: ",
        id="a budget below the minimum in the config file is one line naming the file and key",
    ),
]


@pytest.mark.parametrize(("given", "starts"), BELOW_MINIMUM)
def test_a_budget_below_the_minimum_is_one_line_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: dict, starts: str
) -> None:
    if "env" in given:
        monkeypatch.setenv("BRIEFS_CHUNK_TOKENS", given["env"])
    if "file" in given:
        (tmp_path / "briefs.toml").write_text(given["file"], encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(None, chunk_tokens=given.get("flag"))
    message = str(caught.value)
    assert "\n" not in message
    assert starts in message and "200" in message, message  # says what the minimum is


def test_chunks_are_measured_with_the_extraction_models_tokenizer(tmp_path: Path) -> None:
    """Chunks go to the extraction model: their budget is counted in its tokens, not in those of the
    model that merges and synthesizes (gpt-4 counts with cl100k_base, gpt-4.1-mini with o200k_base)."""
    cl100k = encoding_for("gpt-4")
    assert cl100k.name == "cl100k_base"
    settings = Settings(home=tmp_path / "home", model="gpt-4.1-mini", extract_model="gpt-4", chunk_tokens=800)
    document = read_long_doc(settings)
    assert all(c.tokens == count_tokens(c.text, cl100k) for c in document.chunks)
    assert all(c.tokens <= 800 for c in document.chunks)
