"""The same story twice is one document with every copy kept; compared on a folded key only."""

from __future__ import annotations

import opencc
import pytest

from briefs.dedupe import comparison_key
from briefs.reader import read_paths
from briefs.resources import sample_corpus_dir

SEED = sample_corpus_dir() / "002_b253cffd7abe4a40.txt"


def _read(tmp_path, settings, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = read_paths([tmp_path], settings)
    return {doc.path.rsplit("/", 1)[-1]: doc for doc in result.documents}


def _variants(original: str) -> dict[str, str]:
    lines = original.splitlines()
    return {
        "an identical copy": original,
        "a repost with other furniture": "\n".join(["分享到 微信 微博", *lines[1:], "相关文章", "别的新闻标题"]),
        "a Traditional-script repost": opencc.OpenCC("s2t").convert(original),
        "a repost with a changed sentence": original.replace(
            "李利强调,做好下半年各项工作,核心在加强党的领导。", "李利强调,要加强党的领导。"
        ),
        "a repost with full-width punctuation": original.replace(",", "，"),
    }


@pytest.mark.parametrize("variant", list(_variants("")), ids=[f"{v} is a duplicate" for v in _variants("")])
def test_repost_is_merged_and_keeps_every_copy(tmp_path, reader_settings, variant):
    original = SEED.read_text(encoding="utf-8")
    docs = _read(tmp_path, reader_settings, {"a_original.txt": original, "b_repost.txt": _variants(original)[variant]})
    keeper, copy = docs["a_original.txt"], docs["b_repost.txt"]
    assert keeper.duplicate_of is None
    assert copy.duplicate_of == keeper.id != copy.id
    assert [ref.path for ref in keeper.copies] == [keeper.path, copy.path]
    assert copy.chunks  # a duplicate is still read whole


def test_traditional_repost_keeps_its_own_characters(tmp_path, reader_settings):
    original = SEED.read_text(encoding="utf-8")
    docs = _read(tmp_path, reader_settings, {"a.txt": original, "b.txt": opencc.OpenCC("s2t").convert(original)})
    assert "會議" in docs["b.txt"].text and "会议" not in docs["b.txt"].text
    assert docs["b.txt"].language == "zh-Hant" and docs["a.txt"].language == "zh-Hans"


def test_simplified_copy_with_a_stated_date_is_kept_over_an_undated_traditional_one(tmp_path, reader_settings):
    original = SEED.read_text(encoding="utf-8")
    docs = _read(tmp_path, reader_settings, {"a_trad.txt": opencc.OpenCC("s2t").convert(original), "b.txt": original})
    assert docs["a_trad.txt"].duplicate_of == docs["b.txt"].id


def test_different_stories_are_not_merged(tmp_path, reader_settings):
    result = read_paths([sample_corpus_dir()], reader_settings)
    assert all(doc.duplicate_of is None for doc in result.documents)
    assert all(len(doc.copies) == 1 for doc in result.documents)


def test_folded_key_ignores_script_width_and_punctuation_only():
    assert comparison_key("國家藥監局，召開會議。") == comparison_key("国家药监局,召开会议.")
    assert comparison_key("国家药监局召开会议") != comparison_key("国家药监局取消会议")
