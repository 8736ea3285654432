"""The glossary in a request: only the terms the data holds, in the user message, so the system
message stays byte-identical (a cacheable prefix) and does not carry ~1,400 tokens of terms a chunk
never uses. Verification still measures drift against the whole glossary."""

from __future__ import annotations

from briefs import resources
from briefs.extract import extract_documents
from briefs.models import Extraction
from briefs.prompting import EXTRACT, MERGE, Prompts
from briefs.tokens import count_tokens, encoding_for
from briefs.verify import glossary_drift
from tests.extract_support import SequencedServer, answer, client_for, hand_document

TEXT = "國家藥監局要求藥品上市許可持有人開展自查。飛行檢查將以疫苗為重點。"  # Traditional on purpose
OTHER = "省药监局部署化妆品专项整治。"


def lines_of(prompts: Prompts, zh: str) -> str:
    term = next(term for term in prompts.glossary if term.zh == zh)
    return f"{term.zh} → {term.en}"


def test_a_chunk_request_lists_the_terms_its_text_holds_and_no_others() -> None:
    prompts = Prompts()
    document = hand_document(TEXT)
    user = prompts.extract_messages(document, document.chunks[0])[1]["content"]
    for zh in ("国家药监局", "药品上市许可持有人", "飞行检查", "疫苗"):  # found through script folding
        assert lines_of(prompts, zh) in user, zh
    for zh in ("化妆品", "专项整治", "国家市场监督管理总局"):
        assert lines_of(prompts, zh) not in user, zh
    assert user.index("→") < user.index("<<<METADATA"), "terms come before the untrusted data"
    # a term inside a longer one is not listed on its own (药品 is inside 药品上市许可持有人 here)
    assert "\n药品 → " not in user


def test_the_system_message_is_static_and_carries_no_glossary_listing() -> None:
    prompts = Prompts()
    one = prompts.extract_messages(hand_document(TEXT), hand_document(TEXT).chunks[0])[0]["content"]
    two = prompts.extract_messages(hand_document(OTHER), hand_document(OTHER).chunks[0])[0]["content"]
    assert one == two == prompts.system_message(EXTRACT)
    listed = [term for term in prompts.glossary if f"{term.zh} → {term.en}" in one]
    assert len(listed) < 10, "only the few worked examples of the language rules, never the glossary"
    assert count_tokens(one, encoding_for("gpt-4.1-mini")) >= 1024  # still long enough to be cached
    assert "glossary" in one.lower()  # the rule to use the listed terms stays


def test_the_glossary_rule_covers_both_languages_whatever_the_page_is_written_in() -> None:
    """A reader searching the Chinese briefing for 药品上市许可持有人 must find an English page's MAH
    under it: the rule asks for the glossary's Chinese in `zh` fields as well as its English in `en`
    fields, and leaves the verbatim copies (a Traditional quote, an English quote) as written."""
    prompts = Prompts()
    for name in (EXTRACT, MERGE):
        rule = prompts.system_message(name).split("# Glossary", 1)[1]
        assert "`zh`" in rule and "`en`" in rule, name
        assert "Chinese term" in rule and "English term" in rule, name
        assert "whatever" in rule.lower(), name  # English and Traditional pages too
    assert "verbatim" in prompts.system_message(EXTRACT).split("# Glossary", 1)[1]


def test_the_synthesis_keeps_the_digests_terms_in_both_languages() -> None:
    """The week's headline and summary are written in both languages from the digests: the Chinese
    must keep the glossary's Chinese the digests carry, as the English keeps the locked English."""
    for template in ("synthesize.j2", "synthesize_reduce.j2"):
        text = " ".join((resources.prompts_dir() / template).read_text(encoding="utf-8").split())
        assert "Chinese in `zh`" in text and "English in `en`" in text, template
        assert "国家药监局 / NMPA" in text, template


def test_a_text_with_no_glossary_term_gets_no_glossary_block() -> None:
    prompts = Prompts()
    plain = hand_document("今天天气很好。")
    user = prompts.extract_messages(plain, plain.chunks[0])[1]["content"]
    assert "→" not in user.split("<<<METADATA")[0]


def test_an_english_page_gets_the_terms_it_names_in_english() -> None:
    """An English page holds none of the Chinese terms; its Chinese fields still need the glossary's
    Chinese for what it names: the locked English whole, its name before the parenthesis, or its
    abbreviation, as whole words."""
    prompts = Prompts()
    page = hand_document(
        "The NMPA ordered marketing authorization holders to recall the vaccines. "
        "The State Administration for Market Regulation will join the inspections."
    )
    user = prompts.extract_messages(page, page.chunks[0])[1]["content"]
    for zh in ("国家药品监督管理局", "药品上市许可持有人", "疫苗", "国家市场监督管理总局"):
        assert lines_of(prompts, zh) in user, zh
    assert lines_of(prompts, "化妆品") not in user
    assert "Glossary terms this document names (" in user  # not "in this document": they are not, in Chinese
    plain = hand_document("Nobody answered the NMPAX hotline yesterday.")  # a longer word is not NMPA
    assert "→" not in prompts.extract_messages(plain, plain.chunks[0])[1]["content"].split("<<<METADATA")[0]


def test_an_english_name_gets_one_chinese_term_the_full_one() -> None:
    """Several glossary terms share one English name (NMPA: 国家药品监督管理局, 国家药监局, 国家局;
    MAH: 药品上市许可持有人, 上市许可持有人, 持有人). An English page naming it gets the first, the
    full name, alone: the `zh` fields are told to use the listed Chinese term, and 国家局 or 持有人 is
    shorthand that reads wrongly out of a Chinese document's context."""
    prompts = Prompts()
    page = hand_document("The NMPA told MAHs and the SAMR that the package insert must change.")
    user = prompts.extract_messages(page, page.chunks[0])[1]["content"].split("<<<METADATA")[0]
    for zh in ("国家药品监督管理局", "药品上市许可持有人", "国家市场监督管理总局", "药品说明书"):
        assert lines_of(prompts, zh) in user, zh
    for zh in ("国家药监局", "国家局", "上市许可持有人", "持有人", "市场监管总局", "说明书"):
        assert f"\n{zh} → " not in user, zh
    # a page that writes the Chinese keeps its own term; the English beside it adds no second one
    mixed = hand_document("国家药监局（NMPA）发布公告。")
    user = prompts.extract_messages(mixed, mixed.chunks[0])[1]["content"].split("<<<METADATA")[0]
    assert lines_of(prompts, "国家药监局") in user
    assert "国家药品监督管理局 → " not in user and "\n国家局 → " not in user
    # different concepts that share a word are both listed
    both = hand_document("Special-use cosmetics and other cosmetics were sampled.")
    user = prompts.extract_messages(both, both.chunks[0])[1]["content"]
    assert lines_of(prompts, "特殊用途化妆品") in user and lines_of(prompts, "化妆品") in user


def test_an_english_name_inside_a_longer_one_is_not_listed_on_its_own() -> None:
    """As in Chinese (药品上市许可持有人 is not also 药品 and 持有人): "contract manufacturers" is
    受托生产企业, not also 生产企业; the campaign's full name is not also 专项整治 and 药品."""
    prompts = Prompts()
    page = hand_document("Contract manufacturers joined the drug safety special rectification campaign.")
    user = prompts.extract_messages(page, page.chunks[0])[1]["content"].split("<<<METADATA")[0]
    assert lines_of(prompts, "受托生产企业") in user and lines_of(prompts, "药品安全专项整治行动") in user
    for zh in ("生产企业", "专项整治", "药品"):
        assert f"\n{zh} → " not in user, zh
    # the shorter name standing on its own elsewhere in the text is listed
    page = hand_document("Contract manufacturers and other manufacturers were inspected.")
    user = prompts.extract_messages(page, page.chunks[0])[1]["content"]
    assert lines_of(prompts, "受托生产企业") in user and lines_of(prompts, "生产企业") in user


def test_an_english_name_is_found_in_either_spelling() -> None:
    """The glossary writes "authorization" and "Center" but "licence"; English pages write either
    (NMPA's own English: "license"; British outlets: "authorisation", "Centre")."""
    prompts = Prompts()
    page = hand_document(
        "Marketing authorisation holders must renew their manufacturing license; the Centre for Drug "
        "Evaluation reviews the files."
    )
    user = prompts.extract_messages(page, page.chunks[0])[1]["content"]
    for zh in ("药品上市许可持有人", "生产许可证", "药品审评中心"):
        assert lines_of(prompts, zh) in user, zh


def test_a_kind_of_document_named_in_english_gets_no_chinese_term() -> None:
    """English "Provisions" may render 办法 or 规定, "regulation" 条例, 法规 or 监管: the `zh`
    fields must keep a document's own Chinese name, so the kinds of document (glossary group
    `form`) are listed for the Chinese that holds them, never for an English page's words."""
    prompts = Prompts()
    forms = [term for term in prompts.glossary if term.group == "form"]
    assert {"条例", "规定", "管理办法", "通知", "通告", "公告"} <= {term.zh for term in forms}
    page = hand_document(
        "The Provisions for Medical Device Registration and Filing follow the regulation; the notice, "
        "circular and announcement and the administrative measures apply to drugs."
    )
    user = prompts.extract_messages(page, page.chunks[0])[1]["content"].split("<<<METADATA")[0]
    assert lines_of(prompts, "医疗器械") in user and lines_of(prompts, "药品") in user
    for term in forms:
        assert f"\n{term.zh} → " not in user, term.zh
    chinese = hand_document("《医疗器械监督管理条例》和本规定自公布之日起施行。")
    user = prompts.extract_messages(chinese, chinese.chunks[0])[1]["content"]
    assert lines_of(prompts, "条例") in user and lines_of(prompts, "规定") in user


def test_the_merge_lists_the_terms_of_its_records() -> None:
    prompts = Prompts()
    record = answer("extract/000_b91c7a1454b64df1/chunk-0")
    system, user = (m["content"] for m in prompts.merge_messages([Extraction.model_validate(record)]))
    assert system == prompts.system_message(MERGE)
    assert lines_of(prompts, "两品一械") in user and lines_of(prompts, "两品一械") not in system
    assert "Glossary terms these records name (" in user


def test_the_merge_finds_terms_in_what_the_records_say_not_in_their_keys_and_choices() -> None:
    """A record's keys (document_number) and fixed choices (doc_type draft_for_comment or
    recall_or_quality_notice) are English words of the schema, not of the document: they named 文号,
    征求意见稿 and 召回 for merges whose records say none of them."""
    prompts = Prompts()
    record = answer("extract/000_b91c7a1454b64df1/chunk-0")
    first, second = dict(record, doc_type="draft_for_comment"), dict(record, doc_type="recall_or_quality_notice")
    records = [Extraction.model_validate(each) for each in (first, second)]
    user = prompts.merge_messages(records)[1]["content"].split("<<<RECORDS")[0]
    for zh in ("文号", "征求意见稿", "召回"):
        assert f"\n{zh} → " not in user, zh
    assert lines_of(prompts, "两品一械") in user  # what the records say still counts


def test_drift_is_still_measured_against_the_whole_glossary() -> None:
    """A term the request did not list (its chunk did not hold it) is still checked in a quote."""
    with SequencedServer() as server:
        document = hand_document(OTHER)
        found = answer("extract/000_b91c7a1454b64df1/chunk-0")
        found["requirements"] = [
            dict(found["requirements"][0], source_sentence=OTHER, text_en="The province deploys a campaign.")
        ]
        found["dates"], found["figures"] = [], []
        server.set_answer("extract/hand_doc/chunk-0", found)
        (digest,) = extract_documents([document], client_for(server))
    assert digest.extraction is not None
    terms = [(term.zh, term.en) for term in Prompts().glossary]
    missed = {check.value for check in glossary_drift(digest.extraction, terms) if not check.ok}
    assert {"省药监局", "化妆品", "专项整治"} <= missed
