"""The reading cache: a file read once is not read again while its bytes, path and the reader stay
the same; a cache that cannot be written costs one warning, never the run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from briefs import readcache, resources
from briefs.reader import read_paths


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(resources.sample_corpus_dir(), folder)
    return folder


def _rows(result):
    return [document.model_dump() for document in result.documents]


def test_a_second_read_comes_from_the_cache_and_is_identical(tmp_path, reader_settings):
    corpus = _corpus(tmp_path)
    first = read_paths([corpus], reader_settings)
    second = read_paths([corpus], reader_settings)
    assert first.from_cache == 0 and second.from_cache == len(second.documents) == 8
    assert _rows(second) == _rows(first)  # ids, chunks, duplicates and dates alike


def test_another_model_of_the_same_tokenizer_reads_from_the_cache_and_another_tokenizer_does_not(
    tmp_path, reader_settings
):
    """Chunks depend on the extraction model's tokenizer, not on the model: switching extraction from
    gpt-4.1-mini to gpt-4.1-nano (both o200k_base) keeps the reading cache; gpt-4 (cl100k_base) does not."""
    corpus = _corpus(tmp_path)
    read_paths([corpus], reader_settings)
    nano = reader_settings.model_copy(update={"extract_model": "gpt-4.1-nano"})
    assert read_paths([corpus], nano).from_cache == 8
    other_tokenizer = reader_settings.model_copy(update={"extract_model": "gpt-4"})
    assert read_paths([corpus], other_tokenizer).from_cache == 0


def test_a_changed_file_is_read_again(tmp_path, reader_settings):
    corpus = _corpus(tmp_path)
    read_paths([corpus], reader_settings)
    page = next(corpus.glob("000_*.txt"))
    page.write_text(page.read_text(encoding="utf-8") + "\n补充一段新的内容，说明会议的后续安排。\n", encoding="utf-8")
    again = read_paths([corpus], reader_settings)
    assert again.from_cache == 7
    assert "补充一段新的内容" in next(d for d in again.documents if d.path == str(page)).text


def test_a_new_reader_version_reads_everything_again(tmp_path, reader_settings, monkeypatch):
    corpus = _corpus(tmp_path)
    read_paths([corpus], reader_settings)
    monkeypatch.setattr(readcache, "reader_version", lambda: "another-version")
    assert read_paths([corpus], reader_settings).from_cache == 0


def test_no_cache_setting_reads_everything(tmp_path, reader_settings):
    corpus = _corpus(tmp_path)
    settings = reader_settings.model_copy(update={"use_cache": False})
    read_paths([corpus], settings)
    assert read_paths([corpus], settings).from_cache == 0
    assert not (settings.home / readcache.CACHE_FOLDER).exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions")
def test_an_unwritable_cache_is_one_warning_and_the_run_goes_on(tmp_path, reader_settings):
    corpus = _corpus(tmp_path)
    home = tmp_path / "readonly-home"
    home.mkdir()
    home.chmod(0o500)
    try:
        result = read_paths([corpus], reader_settings.model_copy(update={"home": home}))
    finally:
        home.chmod(0o700)
    assert len(result.documents) == 8 and result.problems == []
    assert len(result.notes) == 1 and "reading cache" in result.notes[0] and "cannot write" in result.notes[0]


def test_a_cache_path_that_is_a_file_is_one_warning_and_the_run_goes_on(tmp_path, reader_settings):
    corpus = _corpus(tmp_path)
    home = tmp_path / "home-file"
    home.mkdir()
    (home / readcache.CACHE_FOLDER).write_text("not a folder", encoding="utf-8")  # fails for root too
    result = read_paths([corpus], reader_settings.model_copy(update={"home": home}))
    assert len(result.documents) == 8 and result.problems == []
    assert len(result.notes) == 1 and "cannot write" in result.notes[0]


def test_a_corrupt_cache_entry_is_read_again(tmp_path, reader_settings):
    corpus = _corpus(tmp_path)
    first = read_paths([corpus], reader_settings)
    for entry in (reader_settings.home / readcache.CACHE_FOLDER).rglob("*.json"):
        entry.write_text("{truncated", encoding="utf-8")
    again = read_paths([corpus], reader_settings)
    assert again.from_cache == 0 and _rows(again) == _rows(first)


def test_duplicates_are_marked_alike_from_the_cache_and_after_a_new_file(tmp_path, reader_settings):
    corpus = _corpus(tmp_path)
    page = next(corpus.glob("000_*.txt"))
    (corpus / "zz_repost.txt").write_bytes(page.read_bytes())
    first = read_paths([corpus], reader_settings)
    second = read_paths([corpus], reader_settings)  # grouping served from the cache
    assert [d.duplicate_of for d in second.documents] == [d.duplicate_of for d in first.documents]
    assert sum(1 for d in second.documents if d.duplicate_of) == 1
    (corpus / "zzz_another.txt").write_bytes(page.read_bytes())  # a new copy: grouping is made again
    third = read_paths([corpus], reader_settings)
    assert sum(1 for d in third.documents if d.duplicate_of) == 2
