"""The same story twice is one document with every copy kept; compared on a folded key only."""

from __future__ import annotations

import opencc
import pytest

from briefs import dedupe
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


# Borderline cases, decided by the folded sentence ends of the bodies (see briefs/dedupe.py).
BOILERPLATE = (
    "会议要求,各级药品监管部门要坚决贯彻落实党中央、国务院决策部署。\n"
    "国家药监局各司局负责同志参加会议。\n"
    "各省、自治区、直辖市药品监督管理局负责同志在分会场参加会议。\n"
)
NOTICE = (
    "国家药监局决定自即日起暂停进口、销售和使用甲公司生产的乙注射液。"
    "各省级药品监督管理部门要监督相关企业立即召回已上市产品。\n"
)
QUOTING_ARTICLE = (
    "3月5日,国家药监局发布公告,原文如下:\n"
    + NOTICE
    + "记者从业内了解到,乙注射液主要用于术后镇痛,去年国内销售额约为两亿元。"
    "甲公司当日晚间发布声明称,公司已启动召回程序,并将配合监管部门开展调查。"
    "业内人士表示,此次暂停源于飞行检查中发现的生产质量管理问题。"
    "分析人士认为,短期内同类产品的供应可能趋紧,医疗机构需提前做好替代安排。"
    "国家药监局表示,将继续加大对无菌注射剂的抽检力度。\n"
)


def _seed(name: str) -> str:
    return next(sample_corpus_dir().glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def _body(name: str, reader_settings, sentences: int | None = None) -> str:
    """A seed's cleaned body, optionally only its first few sentences."""
    text = read_paths([next(sample_corpus_dir().glob(f"{name}_*.txt"))], reader_settings).documents[0].text
    if sentences is None:
        return text
    return "".join(part + "。" for part in text.replace("\n", "").split("。")[:sentences])


def _changed_headline_and_editors_note(settings) -> tuple[str, str]:
    original = _seed("002")
    repost = original.replace("全国药品监督管理工作电视电话会议召开\n", "国家药监局部署下半年药品监管重点工作\n", 1)
    repost = repost.replace("  7月25日,", "  编者按:本文转自国家药监局网站,标题为编者所加。\n  7月25日,", 1)
    assert repost.count("编者按") == 1 and "部署下半年药品监管重点工作" in repost
    return original, repost


def _small_edits_in_several_sentences(settings) -> tuple[str, str]:
    original = _seed("002")
    edits = {
        "总结上半年工作": "总结了上半年的工作",  # middle of a sentence
        "有效维护全国药品安全形势总体稳定": "有效维护了全国药品安全形势的总体稳定",
        "监管资源与监管对象不匹配问题仍然突出": "监管资源与监管对象不相匹配的问题依然突出",
        "切实营造风清气正的政治生态": "切实营造风清气正政治生态",
        "出席会议并讲话。": "出席并讲话。",  # at the end of a sentence
    }
    repost = original
    for before, after in edits.items():
        assert before in repost
        repost = repost.replace(before, after, 1)
    return original, repost


def _traditional_repost(settings) -> tuple[str, str]:
    original = _seed("002")
    return original, opencc.OpenCC("s2t").convert(original)


def _reports_sharing_boilerplate(settings) -> tuple[str, str]:
    return _body("000", settings) + "\n" + BOILERPLATE, _body("004", settings) + "\n" + BOILERPLATE


def _short_reports_sharing_boilerplate(settings) -> tuple[str, str]:
    return _body("000", settings, 5) + "\n" + BOILERPLATE, _body("004", settings, 5) + "\n" + BOILERPLATE


def _related_but_different_events(settings) -> tuple[str, str]:
    return _seed("000"), _seed("001")


def _short_notice_and_an_article_quoting_it(settings) -> tuple[str, str]:
    return NOTICE, QUOTING_ARTICLE


BORDERLINE = [
    (_changed_headline_and_editors_note, True, "a repost with a changed headline and an editor's note is a duplicate"),
    (_traditional_repost, True, "a Traditional-script repost is a duplicate"),
    (
        _small_edits_in_several_sentences,
        True,
        "a repost with a few characters edited in several sentences is a duplicate",
    ),
    (_reports_sharing_boilerplate, False, "two reports sharing 3 boilerplate sentences are different stories"),
    (
        _short_reports_sharing_boilerplate,
        False,
        "two short reports sharing 3 boilerplate sentences are different stories",
    ),
    (_related_but_different_events, False, "seeds 000 and 001 cover related but different events"),
    # Not merged: the article says more than the notice, and only the kept copy of a duplicate is
    # extracted, so merging would silently drop the article's own content (or the notice's, if the
    # notice were kept). Both are read; the notice is quoted twice, which the briefing can reconcile.
    (_short_notice_and_an_article_quoting_it, False, "a 2-sentence notice and a longer article quoting it stay apart"),
]


@pytest.mark.parametrize(("make", "merged"), [row[:2] for row in BORDERLINE], ids=[row[2] for row in BORDERLINE])
def test_borderline_pairs(tmp_path, reader_settings, make, merged):
    first, second = make(reader_settings)
    docs = _read(tmp_path, reader_settings, {"a_first.txt": first, "b_second.txt": second})
    a, b = docs["a_first.txt"], docs["b_second.txt"]
    assert a.text and b.text
    if merged:
        keeper, copy = (a, b) if b.duplicate_of else (b, a)
        assert copy.duplicate_of == keeper.id and keeper.duplicate_of is None
        assert {ref.path for ref in keeper.copies} == {a.path, b.path}
    else:
        assert a.duplicate_of is None and b.duplicate_of is None
        assert len(a.copies) == len(b.copies) == 1


def test_three_reposts_are_one_document_listing_every_source(tmp_path, reader_settings):
    original, edited = _small_edits_in_several_sentences(reader_settings)
    files = {"a.txt": original, "b.txt": opencc.OpenCC("s2t").convert(original), "c.txt": edited}
    docs = _read(tmp_path, reader_settings, files)
    assert docs["a.txt"].duplicate_of is None
    assert docs["b.txt"].duplicate_of == docs["c.txt"].duplicate_of == docs["a.txt"].id
    assert sorted(ref.path.rsplit("/", 1)[-1] for ref in docs["a.txt"].copies) == ["a.txt", "b.txt", "c.txt"]


def test_boilerplate_shared_by_thousands_of_notices_does_not_make_comparisons_quadratic(monkeypatch):
    calls = []
    real = dedupe.similarity
    monkeypatch.setattr(dedupe, "similarity", lambda a, b: calls.append(1) or real(a, b))
    common = [dedupe.comparison_key(line) for line in BOILERPLATE.splitlines()] + ["特此通知"]
    notices = [
        [f"第{i}号通知要求{i}家企业完成第{i}项整改", f"{i * 7919}批次注射液召回{i}", f"抽检{i}批次{i * 13}", *common]
        for i in range(3000)
    ]
    groups = dedupe._group(notices)
    assert len(groups) == len(notices)  # no two notices merged
    assert len(calls) <= len(notices) * dedupe.PROBES * (dedupe.CROWDED + 1) // 10  # all pairs: 4.5 million
