"""The hand-written reference answers for the seed documents: valid, verified against the cleaned
text, complete on the requirements each text states, and in the glossary's terms."""

from __future__ import annotations

import json

import pytest

from briefs.models import Extraction
from briefs.prompting import Prompts
from briefs.verify import fold, verify
from tests.extract_support import ANSWERS_DIR, SEED_STEMS, answer, sample_document


def seed_answer(stem: str) -> Extraction:
    return Extraction.model_validate(answer(f"extract/{stem}/chunk-0"))


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_each_seed_is_one_chunk_at_the_default_budget(stem: str) -> None:
    assert len(sample_document(stem).chunks) == 1


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_each_seed_answer_says_it_was_written_by_hand(stem: str) -> None:
    book = json.loads((ANSWERS_DIR / "extract" / stem / "chunk-0.json").read_text(encoding="utf-8"))
    assert set(book) == {"provenance", "answer"}
    assert "by hand" in book["provenance"] and "not produced by a live model" in book["provenance"]


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_each_seed_answer_validates_and_verifies_clean_against_the_cleaned_text(stem: str) -> None:
    found = seed_answer(stem)
    document = sample_document(stem)
    checks = verify(found, document.text, document.title)
    assert [c for c in checks if not c.ok] == []
    assert sum(c.kind == "quote" for c in checks) == len(found.requirements) >= 4
    assert found.injection_attempt is None


def requirement_quoting(found: Extraction, *fragments: str):
    matches = [r for r in found.requirements if all(fragment in r.source_sentence for fragment in fragments)]
    assert matches, f"no requirement quotes {fragments}"
    return matches[0]


def test_seed_000_names_the_three_enforcement_priorities() -> None:
    found = seed_answer("000_b91c7a1454b64df1")
    priority = requirement_quoting(found, "制售假药劣药", "违法生产中药饮片", "网络非法销售")
    assert priority.kind == "enforcement_priority" and priority.priority == "high"
    for term in ("counterfeit and substandard drugs", "TCM decoction pieces", "illegal online sales"):
        assert term in priority.text_en
    assert "tcm" in priority.product_scope
    focus = requirement_quoting(found, "疫苗等重点产品", "新建企业等重点对象")
    assert focus.kind == "inspection_focus"
    requirement_quoting(found, "与市场监管总局联合印发专项整治工作方案")
    assert "SAMR" in found.summary.en and "special rectification campaign" in found.summary.en


def test_seed_001_quotes_in_traditional_and_names_guangxi_priorities() -> None:
    found = seed_answer("001_856973fa258ed578")
    guangxi = requirement_quoting(found, "制售假藥劣藥", "違法生產中藥飲片", "網絡非法銷售", "非法添加", "無證生產經營")
    assert guangxi.kind == "enforcement_priority"
    assert "unlicensed manufacturing and distribution" in guangxi.text_en
    requirement_quoting(found, "研制、生產、經營、使用全過程")
    requirement_quoting(found, "6個專門工作組")
    assert found.title.zh == "湖南、廣西、甘肅周密部署,確保專項整治工作取得實效"
    assert found.issuer_level == "provincial"
    assert [f.value for f in found.figures] == ["6個"]
    assert {d.date for d in found.dates} == {"2022-02-11", "2022-02-14"}


def test_seed_002_covers_the_covid_product_quality_focus() -> None:
    found = seed_answer("002_b253cffd7abe4a40")
    focus = requirement_quoting(found, "新冠病毒疫苗保质量保供应", "新冠病毒检测试剂质量监管")
    assert focus.kind == "inspection_focus" and "vaccines" in focus.product_scope
    requirement_quoting(found, "强化防疫医疗器械全链条质量监管")
    requirement_quoting(found, "深化审评审批制度改革")
    assert [d.date for d in found.dates] == ["2022-07-25"]


def test_seed_003_addresses_packaging_and_inserts_to_industry() -> None:
    found = seed_answer("003_aac249fd25c995dd")
    packaging = requirement_quoting(found, "推动医药企业改进药品包装", "优化药品说明书")
    assert set(packaging.actors) & {"mah", "manufacturers", "all_industry"}
    assert "regulators" not in packaging.actors
    assert "package inserts" in packaging.text_en
    focus = requirement_quoting(found, "集采中选产品", "药品上市许可持有人主体责任落实")
    assert focus.kind == "inspection_focus"
    assert "marketing authorization holders (MAHs)" in focus.text_en and "volume-based procurement" in focus.text_en
    requirement_quoting(found, "落实违法行为处罚到人要求")
    assert {f.value for f in found.figures} == {"15.36万件", "17.65%"}
    assert found.doc_type == "enforcement_campaign"


def test_seed_004_names_the_provincial_campaigns() -> None:
    found = seed_answer("004_ec791e3e55a5ef9c")
    campaigns = requirement_quoting(found, "药品安全巩固提升行动", "“昆仑2024”专项行动", "打击非法回收药品专项行动")
    assert campaigns.kind == "enforcement_priority"
    assert "Kunlun 2024 campaign" in campaigns.text_en
    requirement_quoting(found, "市场主体责任、部门监管责任、属地管理责任")
    requirement_quoting(found, "全力支持研发创新")
    assert [d.date for d in found.dates] == ["2024-04-17"]
    assert found.issuer_level == "provincial"


def test_no_seed_answer_quotes_page_furniture() -> None:
    furniture = ["相关文章", "返回首页", "Copyright", "评论", "浏览次数", "扫一扫"]
    for stem in SEED_STEMS:
        for requirement in seed_answer(stem).requirements:
            assert not any(word in requirement.source_sentence for word in furniture), (
                stem,
                requirement.source_sentence,
            )


def test_english_uses_the_glossary_terms_not_their_rivals() -> None:
    """The locked English term wins: e.g. 集采 is never 'centralized procurement' in our answers."""
    rivals = {
        "centralized procurement": "volume-based procurement",
        "rectification action": "special rectification campaign",
        "instruction leaflet": "package insert",
        "surprise inspection": "unannounced inspection",
        "State Drug Administration": "NMPA",
        "fake drugs": "counterfeit drugs",
        "penalties reach responsible individuals": "personal liability for violations",
    }
    terms = [term.en for term in Prompts().glossary]
    for locked in rivals.values():
        assert any(locked in term for term in terms), f"{locked!r} is not a glossary term"
    # every hand-written answer: seeds, long documents' chunks and merges, week syntheses
    for path in sorted(ANSWERS_DIR.rglob("*.json")):
        english = json.dumps(json.loads(path.read_text(encoding="utf-8"))["answer"], ensure_ascii=False)
        for rival in rivals:
            assert rival.lower() not in english.lower(), (path.relative_to(ANSWERS_DIR).as_posix(), rival)


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_every_quote_is_the_documents_own_characters_not_a_folded_copy(stem: str) -> None:
    """Width folding is tolerated by the check, but the reference answers copy exactly."""
    document = sample_document(stem)
    found = seed_answer(stem)
    for requirement in found.requirements:
        assert requirement.source_sentence in document.text
        assert fold(requirement.source_sentence) in fold(document.text)
    for figure in found.figures:
        assert figure.value in document.text and figure.source_phrase in document.text
    for stated in found.dates:
        assert stated.source_phrase in document.text
