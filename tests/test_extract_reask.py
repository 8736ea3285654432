"""A check re-ask asks only for the fields that failed: the rest of the answer is kept, and its
output tokens are not paid twice. A model that answers the whole object again is still read."""

from __future__ import annotations

import json

from briefs.extract import chunk_label, extract_documents, fields_to_fix
from briefs.models import Bilingual
from tests.extract_support import SequencedServer, client_for, hand_document
from tests.test_verify_both_ways import TEXT, extraction

WRONG = Bilingual(zh="国家药监局检查30家企业。", en="NMPA inspects 30 companies.")
RIGHT = Bilingual(zh="国家药监局检查20家企业。", en="NMPA inspects 20 companies.")


def test_only_the_fields_named_by_the_problems_are_asked_for() -> None:
    narrowed = fields_to_fix(extraction(), ["summary.zh: '30家' this figure does not occur in the document"])
    assert narrowed is not None and narrowed.fields == ["summary"]
    assert set(narrowed.schema.model_fields) == {"summary"}
    fixed = narrowed.schema.model_validate({"summary": RIGHT.model_dump()})
    merged = narrowed.merge(extraction(summary=WRONG), fixed)
    assert merged.summary == RIGHT and merged.requirements == extraction().requirements
    assert fields_to_fix(extraction(), ["something unknown"]) is None


def test_the_re_ask_sends_the_narrow_schema_and_the_answer_is_merged() -> None:
    document = hand_document(TEXT, name="targeted")
    label = chunk_label(document, 0)
    first = extraction(summary=WRONG).model_dump(mode="json")
    with SequencedServer() as server:
        server.answer_sequence(label, first, {"summary": RIGHT.model_dump()})
        [digest] = extract_documents([document], client_for(server))
        bodies = server.bodies(label)
    assert len(bodies) == 2
    reask = bodies[1]
    assert set(reask["response_format"]["json_schema"]["schema"]["properties"]) == {"summary"}
    assert "only these fields" in reask["messages"][-1]["content"] and "summary" in reask["messages"][-1]["content"]
    assert digest.status == "verified" and digest.extraction is not None
    assert digest.extraction.summary == RIGHT
    assert digest.extraction.requirements == extraction().requirements


def test_a_whole_object_answered_to_a_narrow_re_ask_is_read_too() -> None:
    document = hand_document(TEXT, name="whole_again")
    label = chunk_label(document, 0)
    with SequencedServer() as server:
        server.answer_sequence(
            label, extraction(summary=WRONG).model_dump(mode="json"), extraction(summary=RIGHT).model_dump(mode="json")
        )
        [digest] = extract_documents([document], client_for(server))
    assert digest.status == "verified" and digest.extraction is not None and digest.extraction.summary == RIGHT


def test_an_unusable_narrow_answer_keeps_the_earlier_answer_with_its_flags() -> None:
    document = hand_document(TEXT, name="unusable")
    label = chunk_label(document, 0)
    with SequencedServer() as server:
        server.answer_sequence(label, extraction(summary=WRONG).model_dump(mode="json"), {"summary": {"zh": ""}})
        [digest] = extract_documents([document], client_for(server))
        assert server.count(label) == 2
    assert digest.status == "flagged" and digest.extraction is not None and digest.extraction.summary == WRONG
    assert json.dumps(digest.extraction.model_dump(mode="json"), ensure_ascii=False)
