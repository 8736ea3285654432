"""A week too large for one synthesis call: compact records, grouped and reduced in bounded calls,
each request within the budget, and the synthesis checks holding on every partial and final answer."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest

from briefs.llm.testing import fake_server
from briefs.models import NumberedDigest, Period, WeekSynthesis
from briefs.synthesize import (
    SynthesisPlan,
    _as_data,
    build_messages,
    check_synthesis,
    compact_record,
    label_for,
    synthesize,
)
from briefs.tokens import counter_for
from tests import briefing_factory as make
from tests.llm_support import client_for

PERIOD = Period(label="2022-W06", start="2022-02-07", end="2022-02-13", iso_week="2022-W06")
TYPES = ("meeting", "enforcement_campaign", "regulation", "recall_or_quality_notice", "approval")
COUNT = counter_for("gpt-4.1-mini", None)


def week(n: int) -> list[NumberedDigest]:
    return [
        NumberedDigest(
            ref=f"D{i}",
            digest=make.digest(
                doc=make.document(name=f"{i:04d}.txt"),
                ext=make.extraction(doc_type=TYPES[i % len(TYPES)], title_en=f"Notice number {i}"),
            ),
        )
        for i in range(1, n + 1)
    ]


def request_tokens(body: dict[str, Any]) -> int:
    messages = sum(COUNT(m["content"]) for m in body["messages"])
    return messages + COUNT(json.dumps(body["response_format"], ensure_ascii=False))


def citing_what_it_reads(body: dict[str, Any]) -> dict[str, Any]:
    """A well-behaved model: a synthesis that names the documents its request shows it."""
    data = body["messages"][-1]["content"]
    ids = sorted(set(re.findall(r'"(D\d+)"', data)), key=lambda ref: int(ref[1:]))
    return make.synthesis(ids=tuple(ids)).model_dump(mode="json")


def test_a_digest_record_stays_small_however_many_requirements_its_document_has() -> None:
    many = make.extraction(requirements=[make.requirement(text_en=f"Requirement {i}.") for i in range(200)])
    one = make.extraction()
    big = COUNT(_as_data(compact_record(NumberedDigest(ref="D1", digest=make.digest(ext=many)))))
    small = COUNT(_as_data(compact_record(NumberedDigest(ref="D1", digest=make.digest(ext=one)))))
    assert big < small * 3, (big, small)
    assert compact_record(NumberedDigest(ref="D1", digest=make.digest(ext=many)))["requirements_total"] == 200


def test_a_small_week_is_one_call_as_before(tmp_path, fake_openai) -> None:
    fake_openai.set_answer("*", citing_what_it_reads)
    with client_for(fake_openai, tmp_path) as client:
        outcome = synthesize(client, PERIOD, week(5))
    assert outcome.error is None and outcome.problems == [] and outcome.calls == 1
    assert [seen.label for seen in fake_openai.requests] == [label_for(PERIOD)]


@pytest.mark.parametrize("size", [120, 500])
def test_a_large_week_is_reduced_in_bounded_calls_each_within_the_budget(tmp_path, fake_openai, size: int) -> None:
    budget = 12_000
    digests = week(size)
    fake_openai.set_answer("*", citing_what_it_reads)
    with client_for(fake_openai, tmp_path, count_tokens=COUNT, concurrency=8) as client:
        outcome = synthesize(client, PERIOD, digests, budget)
    assert outcome.error is None and outcome.problems == []
    assert outcome.synthesis is not None
    labels = [seen.label for seen in fake_openai.requests]
    assert labels[-1] == label_for(PERIOD) and labels.count(label_for(PERIOD)) == 1
    parts = [label for label in labels if "/part-" in label]
    record_tokens = sum(COUNT(_as_data(compact_record(item))) for item in digests)
    assert len(parts) <= 2 * record_tokens // budget + 2  # bounded by the data, not by the documents
    assert len(labels) == outcome.calls <= len(parts) + len(parts) // 2 + 2
    for seen in fake_openai.requests:
        assert request_tokens(seen.body) <= budget, seen.label
    # every document of the week reaches the synthesis through some part, and only through one
    parts_data = [s.body["messages"][-1]["content"] for s in fake_openai.requests if "/part-" in s.label]
    flat = [ref for data in parts_data for ref in re.findall(r'"id": "(D\d+)"', data)]
    assert sorted(flat) == sorted(item.ref for item in digests)
    assert set(outcome.synthesis.themes[0].document_ids) == {item.ref for item in digests}


def test_parts_are_grouped_by_document_type() -> None:
    plan = SynthesisPlan(PERIOD, week(200), 12_000, COUNT)
    groups = plan.groups()
    assert len(groups) > 1
    types = [[item.digest.extraction.doc_type for item in group] for group in groups]
    changes = sum(1 for kinds in types for a, b in itertools.pairwise(kinds) if a != b)
    assert changes <= len(TYPES) - 1


def test_a_final_answer_naming_a_document_no_part_covered_is_re_asked_and_then_a_warning(tmp_path, fake_openai) -> None:
    digests = week(120)
    fake_openai.set_answer("*", citing_what_it_reads)
    bad = make.synthesis(ids=("D1", "D999")).model_dump(mode="json")
    fake_openai.set_answer(label_for(PERIOD), bad)
    with client_for(fake_openai, tmp_path, count_tokens=COUNT) as client:
        outcome = synthesize(client, PERIOD, digests, 12_000)
    assert outcome.synthesis is not None
    assert fake_openai.count(label_for(PERIOD)) == 2  # the check's re-ask
    assert any("D999 is not one of the digests' ids" in problem for problem in outcome.problems)


def test_a_failed_part_leaves_its_documents_out_and_says_which(tmp_path, fake_openai) -> None:
    digests = week(120)
    fake_openai.set_answer("*", citing_what_it_reads)
    fake_openai.script(f"{label_for(PERIOD)}/part-2", fake_server.client_error(422, text="unprocessable"))
    with client_for(fake_openai, tmp_path, count_tokens=COUNT) as client:
        outcome = synthesize(client, PERIOD, digests, 12_000)
    assert outcome.synthesis is not None
    failed = [problem for problem in outcome.problems if problem.startswith("part-2")]
    assert len(failed) == 1 and "does not cover these documents" in failed[0]
    final = next(s for s in fake_openai.requests if s.label == label_for(PERIOD))
    assert "PART-2" not in final.body["messages"][-1]["content"]


def test_the_record_the_model_reads_keeps_what_the_checks_need() -> None:
    digests = week(3)
    messages = build_messages(PERIOD, digests)
    assert all(f'"id": "{item.ref}"' in messages[-1]["content"] for item in digests)
    answer = WeekSynthesis.model_validate(citing_what_it_reads({"messages": messages}))
    assert check_synthesis(digests)(answer) == []
