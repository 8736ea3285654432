"""The trust bar, attacked at the week synthesis: an action or theme that names no document or a
document that does not exist, a deadline no verified digest of that action states, a figure no
digest gives. Each is a problem the model is re-asked about, and what is left is a warning."""

from __future__ import annotations

import json

import pytest

from briefs.models import Bilingual, Check, NumberedDigest, StatedDate, WeekSynthesis
from briefs.synthesize import check_synthesis
from tests import briefing_factory as make
from tests.extract_support import ANSWERS_DIR


def numbered() -> list[NumberedDigest]:
    with_date = make.extraction(requirements=[make.requirement(due_date="2022-03-31")])
    with_date.dates.append(StatedDate(kind="compliance", date="2022-06-30", source_phrase="2022年6月30日前"))
    with_date.key_points.append(Bilingual(zh="共查处案件15.36万件", en="153,600 cases were investigated"))
    second = make.extraction(title_zh="第二份文件", summary_en="A second notice.")
    second.dates.append(StatedDate(kind="effective", date="2022-05-01", source_phrase="自2022年5月1日起施行"))
    return [
        NumberedDigest(ref="D1", digest=make.digest(ext=with_date)),
        NumberedDigest(ref="D2", digest=make.digest(doc=make.document(name="001.txt"), ext=second)),
    ]


def answer(**changes) -> WeekSynthesis:
    found = make.synthesis(ids=("D1",))
    action = found.top_actions[0]
    for key, value in changes.items():
        if key in ("deadline", "document_ids"):
            setattr(action, key, value)
        elif key == "summary_en":
            found.executive_summary.en = value
        elif key == "summary_zh":
            found.executive_summary.zh = value
        elif key == "theme_ids":
            found.themes[0].document_ids = value
        elif key == "campaign_ids":
            found.campaigns_to_watch[0].document_ids = value
    return found


CASES = [
    ({}, []),
    ({"document_ids": ["D9"]}, ["top_actions[0].document_ids"]),
    ({"document_ids": []}, ["top_actions[0].document_ids"]),
    ({"theme_ids": []}, ["themes[0].document_ids"]),
    ({"campaign_ids": ["D1", "D7"]}, ["campaigns_to_watch[0].document_ids"]),
    ({"deadline": "2022-03-31"}, []),
    ({"deadline": "2022-06-30"}, []),
    ({"deadline": "2022-04-30"}, ["top_actions[0].deadline"]),
    ({"deadline": "2022-05-01"}, ["top_actions[0].deadline"]),
    ({"summary_en": "Regulators investigated 153,600 cases."}, []),
    ({"summary_zh": "全系统共查处案件15.36万件。"}, []),
    ({"summary_en": "Regulators investigated 163,600 cases."}, ["executive_summary.en"]),
    ({"summary_zh": "全系统共查处案件16.36万件。"}, ["executive_summary.zh"]),
    ({"summary_en": "Comply by 31 March 2022."}, []),
]
IDS = [
    "a grounded answer has no problems",
    "an action naming a document that does not exist (D9) is a problem",
    "an action naming no document at all is a problem",
    "a theme naming no document is a problem",
    "a campaign naming one real and one unknown document is a problem",
    "a deadline its own document states passes",
    "a date of its own document's dates passes",
    "a deadline no digest states is a problem",
    "a deadline stated only by another document than the action's is a problem",
    "an English figure a digest gives passes",
    "a Chinese figure a digest gives passes",
    "an English figure no digest gives is a problem",
    "a Chinese figure no digest gives is a problem",
    "an English rendering of a stated deadline passes",
]


@pytest.mark.parametrize(("changes", "where"), CASES, ids=IDS)
def test_the_synthesis_is_grounded_in_the_digests(changes: dict, where: list[str]) -> None:
    problems = check_synthesis(numbered())(answer(**changes))
    assert [problem.split(":")[0] for problem in problems] == where


def test_a_deadline_whose_verification_failed_in_its_digest_is_not_a_stated_deadline() -> None:
    digests = numbered()
    digests[0].digest.checks.append(
        Check(kind="date", target="requirements[0].due_date", value="2022-03-31 ← …", ok=False, detail="not stated")
    )
    problems = check_synthesis(digests)(answer(deadline="2022-03-31"))
    assert [problem.split(":")[0] for problem in problems] == ["top_actions[0].deadline"]


@pytest.mark.parametrize("path", sorted((ANSWERS_DIR / "synthesize").glob("*.json")), ids=lambda p: p.stem)
def test_every_reference_synthesis_names_documents_for_each_item(path) -> None:
    found = WeekSynthesis.model_validate(json.loads(path.read_text(encoding="utf-8"))["answer"])
    for item in [*found.themes, *found.top_actions, *found.campaigns_to_watch]:
        assert item.document_ids
