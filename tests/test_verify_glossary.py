"""Glossary drift is measured (a soft flag and a rate in run.json, never a failed check), and a title
the page never published is marked as the model's own in the briefing."""

from __future__ import annotations

from briefs.assemble import NOT_PUBLISHED, shown_title
from briefs.models import Bilingual, Digest
from briefs.pipeline import glossary_drift_record
from briefs.prompting import Prompts
from briefs.verify import glossary_drift
from briefs.zhtext import glossary_terms_in
from tests.extract_support import hand_document
from tests.test_verify import extraction

TERMS = [
    ("药品上市许可持有人", "marketing authorization holder (MAH)"),
    ("药品", "drugs"),
    ("药品监管部门", "medical products regulatory authorities"),
    ("国家食品药品监督管理总局", "China Food and Drug Administration (CFDA)"),
]


def with_requirement(source: str, english: str):
    found = extraction()
    requirement = found.requirements[0].model_copy(update={"source_sentence": source, "text_en": english})
    return found.model_copy(update={"requirements": [requirement]})


def test_a_term_inside_a_longer_term_is_not_checked_on_its_own() -> None:
    assert glossary_terms_in("药品上市许可持有人应当落实主体责任。", TERMS) == [TERMS[0]]
    assert glossary_terms_in("藥品監管部門應當加強監管。", TERMS) == [TERMS[2]]  # Traditional read as Simplified


def test_the_locked_term_its_name_or_its_abbreviation_passes_and_a_rival_is_a_miss() -> None:
    source = "药品上市许可持有人应当落实主体责任。"
    for english in ("The MAH must comply.", "Marketing authorization holders must comply."):
        assert [check.ok for check in glossary_drift(with_requirement(source, english), TERMS)] == [True]
    [miss] = glossary_drift(with_requirement(source, "Licence holders must comply."), TERMS)
    assert not miss.ok and miss.kind == "glossary" and "marketing authorization holder (MAH)" in miss.detail
    plural = with_requirement("药品监管部门应当加强监管。", "The medical products regulatory authority must act.")
    assert [check.ok for check in glossary_drift(plural, TERMS)] == [True]


def test_run_json_gets_the_drift_rate_and_the_misses() -> None:
    document = hand_document("国家食品药品监督管理总局要求企业自查。\n", name="cfda")
    renamed = with_requirement("国家食品药品监督管理总局要求企业自查。", "NMPA requires self-inspection.")
    kept = with_requirement("国家食品药品监督管理总局要求企业自查。", "The CFDA requires self-inspection.")
    digests = [
        Digest(document=document, extraction=renamed, status="verified"),
        Digest(document=document, extraction=kept, status="verified"),
        Digest(document=document, status="failed"),
    ]
    record = glossary_drift_record(digests, Prompts(), None)
    assert (record["terms_checked"], record["missed"], record["drift_rate"]) == (2, 1, 0.5)
    assert record["misses"][0]["term"] == "国家食品药品监督管理总局"


def test_a_title_the_page_never_published_is_marked() -> None:
    title = Bilingual(zh="关于修订说明书的公告", en="Announcement on label revisions")
    untitled = hand_document("一、所有生产企业应当修订说明书。\n", name="untitled").model_copy(update={"title": None})
    shown = shown_title(title, untitled)
    assert shown.zh.endswith(NOT_PUBLISHED.zh) and shown.en.endswith(NOT_PUBLISHED.en)
    headline = Bilingual(zh="所有生产企业应当修订说明书", en="All manufacturers must revise labels")
    assert shown_title(headline, untitled) == headline  # a line of the page: published
    titled = untitled.model_copy(update={"title": "关于修订说明书的公告"})
    assert shown_title(title, titled) == title
