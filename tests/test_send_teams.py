"""A team's briefing holds only what it subscribed to, and says what was left out.

The briefing here is built by hand so every rule has a row that can fail; the last test renders it
with the real templates and mails it through a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefs.deliver import send_week
from briefs.models import (
    Bilingual,
    Briefing,
    BriefingAction,
    BriefingDocument,
    BriefingRequirement,
    BriefingTheme,
    BriefingWarning,
    Coverage,
    Period,
    Requirement,
    RunRecord,
    SourceLink,
)
from briefs.pipeline import mail_content
from briefs.settings import MailSettings, Settings, Team
from briefs.teams import for_team, priority_at_least, scope_matches

WEEK = Period(label="2022-W06", start=dt.date(2022, 2, 7), end=dt.date(2022, 2, 13), iso_week="2022-W06")
DRUG_SENTENCE = "严厉打击制售假药劣药违法行为"
DEVICE_SENTENCE = "医疗器械注册人应当建立质量管理体系"
DEVICE_LOW_SENTENCE = "鼓励医疗器械企业开展自查"
ALL_SENTENCE = "各级药品监管部门要加强监督检查"
MIXED_DRUG_SENTENCE = "药品经营企业应当核查供货单位资质"


def bi(zh: str, en: str) -> Bilingual:
    return Bilingual(zh=zh, en=en)


def requirement(sentence: str, scope: list[str], priority: str) -> BriefingRequirement:
    return BriefingRequirement(
        requirement=Requirement(
            source_sentence=sentence,
            text_en=f"EN: {sentence}",
            actors=["all_industry"],
            kind="obligation",
            product_scope=scope,
            priority=priority,
            due_date=None,
            due_phrase=None,
            action=bi("核查。", "Check."),
        ),
        verified=True,
    )


def document(
    ref: str, title: str, scope: list[str], requirements: list[BriefingRequirement], **extra
) -> BriefingDocument:
    return BriefingDocument(
        ref=ref, id=f"id-{ref}", path=f"{ref}.txt", sha256="0" * 64, title=bi(title, f"EN {title}"),
        doc_type=extra.pop("doc_type", "regulation"), product_scope=scope, requirements=requirements,
        summary=bi(f"{title}摘要。", f"Summary of {title}."), status=extra.pop("status", "verified"), **extra,
    )  # fmt: skip


def link(ref: str) -> SourceLink:
    return SourceLink(ref=ref, title=bi(ref, ref))


def action(what: str, scope: list[str], priority: str, refs: list[str]) -> BriefingAction:
    return BriefingAction(
        what=bi(what, f"EN {what}"),
        who=["mah"],
        product_scope=scope,
        priority=priority,
        sources=[link(r) for r in refs],
    )


def week_briefing() -> Briefing:
    """D1 drugs only; D2 devices (one medium, one low requirement); D3 all products (one requirement
    for everyone, one for drugs); D4 failed, scope unknown; D5 devices, low relevance, no requirement."""
    return Briefing(
        period=WEEK,
        coverage=Coverage(documents_read=5, in_period=5),
        headline=bi("本周药监要闻", "This week in drug regulation"),
        executive_summary=bi("本周摘要。", "Summary of the week."),
        documents=[
            document("D1", "药品专项整治", ["drugs"], [requirement(DRUG_SENTENCE, ["drugs"], "high")],
                     relevance="high"),
            document(
                "D2", "医疗器械注册管理", ["medical_devices"],
                [requirement(DEVICE_SENTENCE, ["medical_devices"], "medium"),
                 requirement(DEVICE_LOW_SENTENCE, ["medical_devices"], "low")],
                relevance="medium",
            ),
            document(
                "D3", "监督检查通知", ["all"],
                [requirement(ALL_SENTENCE, ["all"], "high"),
                 requirement(MIXED_DRUG_SENTENCE, ["drugs"], "high")],
                relevance="high",
            ),
            document("D4", "坏文件", [], [], status="failed", doc_type="other"),
            document("D5", "器械展会新闻", ["medical_devices"], [], relevance="low", doc_type="meeting"),
        ],
        actions=[
            action("核查药品供应商", ["drugs"], "high", ["D1"]),
            action("更新器械注册资料", ["medical_devices"], "medium", ["D2"]),
            action("配合监督检查", ["all"], "low", ["D3"]),
        ],
        themes=[
            BriefingTheme(title=bi("药品整治", "Drug crackdown"), summary=bi("打击假药。", "Crackdown."),
                          sources=[link("D1")]),
            BriefingTheme(title=bi("监管加强", "Tighter oversight"), summary=bi("加强。", "Tighter."),
                          sources=[link("D1"), link("D2")]),
        ],
        warnings=[
            BriefingWarning(kind="unverified", document="D1", message="quote not found in D1"),
            BriefingWarning(kind="failed", document="D4", message="D4: model answer stayed invalid"),
        ],
        run=RunRecord(model="gpt-4.1-mini", mode="replay"),
    )  # fmt: skip


def sentences(briefing: Briefing) -> set[str]:
    return {r.requirement.source_sentence for d in briefing.documents for r in d.requirements}


# --- the rules, one row each ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "team", "kept"),
    [
        (["drugs"], ["medical_devices"], False),
        (["drugs", "medical_devices"], ["medical_devices"], True),
        (["all"], ["medical_devices"], True),
        ([], ["medical_devices"], True),
        (["vaccines"], ["drugs"], True),
        (["tcm"], ["drugs"], True),
        (["drugs"], ["vaccines"], False),
        (["cosmetics"], [], True),
        (["cosmetics"], ["all"], True),
    ],
    ids=[
        "a drug-only item is not for a device team",
        "an item for drugs and devices is for a device team",
        "an item for all products is for every team",
        "an item of unknown scope is kept rather than silently dropped",
        "a drugs subscription includes vaccines",
        "a drugs subscription includes traditional Chinese medicine",
        "a vaccines subscription does not pull in all drugs",
        "no scope subscribes to everything",
        "scope 'all' subscribes to everything",
    ],
)  # fmt: skip
def test_scope_rules(item: list, team: list, kept: bool) -> None:
    assert scope_matches(item, team) is kept


@pytest.mark.parametrize(
    ("value", "minimum", "kept"),
    [("low", "medium", False), ("medium", "medium", True), ("high", "medium", True), ("none", "low", True),
     ("medium", "high", False), (None, "high", True)],
    ids=["low is below medium", "medium meets medium", "high is above medium",
         "a 'low' minimum keeps everything",
         "medium is below high", "an unknown priority is kept"],
)  # fmt: skip
def test_priority_rules(value, minimum, kept: bool) -> None:
    assert priority_at_least(value, minimum) is kept


def test_a_device_team_gets_no_drug_only_item_and_the_counts_of_what_was_removed() -> None:
    team = Team(name="devices", recipients=["qa@example.com"], product_scope=["medical_devices"])
    view = for_team(week_briefing(), team)
    assert [d.ref for d in view.documents] == ["D2", "D3", "D4", "D5"]
    assert sentences(view) == {DEVICE_SENTENCE, DEVICE_LOW_SENTENCE, ALL_SENTENCE}
    assert [a.what.zh for a in view.actions] == ["更新器械注册资料", "配合监督检查"]
    assert [t.title.en for t in view.themes] == ["Tighter oversight"] and [s.ref for s in view.themes[0].sources] == [
        "D2"
    ]
    assert [w.document for w in view.warnings] == ["D4"]  # the failed document's warning stays
    f = view.team_filter
    assert f is not None and (f.team, f.product_scope, f.min_priority) == (
        "devices",
        ["medical_devices"],
        "low",
    )
    assert (f.documents_removed, f.requirements_removed, f.actions_removed) == (1, 2, 1)


def test_a_minimum_priority_removes_lower_requirements_actions_and_empty_low_documents() -> None:
    team = Team(
        name="devices",
        recipients=["qa@example.com"],
        product_scope=["medical_devices"],
        min_priority="medium",
    )
    view = for_team(week_briefing(), team)
    assert [d.ref for d in view.documents] == ["D2", "D3", "D4"]  # D5: low relevance, nothing left in it
    assert sentences(view) == {DEVICE_SENTENCE, ALL_SENTENCE}
    assert [a.what.zh for a in view.actions] == ["更新器械注册资料"]
    f = view.team_filter
    assert (f.documents_removed, f.requirements_removed, f.actions_removed) == (2, 3, 2)


def test_a_team_without_a_filter_gets_everything_in_its_language_and_no_filter_note() -> None:
    view = for_team(week_briefing(), Team(name="all", recipients=["a@example.com"], language="zh"))
    assert view.team_filter is None and view.language == "zh"
    assert view.documents == week_briefing().documents


def test_filtering_leaves_the_original_briefing_untouched() -> None:
    briefing = week_briefing()
    for_team(
        briefing,
        Team(name="d", recipients=["a@example.com"], product_scope=["cosmetics"], min_priority="high"),
    )
    assert briefing == week_briefing()


# --- through the templates and a real SMTP server ------------------------------------------------------


def test_a_device_team_receives_no_drug_only_item_and_sees_the_filter_stated(tmp_path: Path, smtp_server) -> None:
    mailbox, port = smtp_server()
    devices = Team(name="devices", recipients=["qa@example.com"], product_scope=["medical_devices"])
    everyone = Team(name="ra", recipients=["ra@example.com"])
    settings = Settings(
        home=tmp_path / "home", out=tmp_path / "out", teams=[devices, everyone],
        mail=MailSettings(host="127.0.0.1", port=port, security="none", sender="briefs@example.com",
                          timeout=5),
    )  # fmt: skip
    briefing = week_briefing()
    send_week(settings, WEEK.label, settings.teams, lambda team: mail_content(briefing, team))
    by_recipient = {r.recipients[0]: r.message for r in mailbox.received}
    device_mail = by_recipient["qa@example.com"]
    text = device_mail.get_body(("plain",)).get_content()
    html = device_mail.get_body(("html",)).get_content()
    for body in (text, html):
        assert DRUG_SENTENCE not in body and MIXED_DRUG_SENTENCE not in body and "药品专项整治" not in body
        assert DEVICE_SENTENCE in body and ALL_SENTENCE in body
        assert "Filtered for team “devices”" in body and "本简报已按团队“devices”的订阅筛选" in body
        assert "removed 1 documents, 2 requirements, 1 action items" in body
    assert (
        device_mail["Subject"] == "2022-W06 药监周报 · China drug regulation weekly · devices: "
        "本周药监要闻 / This week in drug regulation"
    )
    # the unfiltered team gets the drug item, no filter note, and both languages in the subject
    full = by_recipient["ra@example.com"]
    assert DRUG_SENTENCE in full.get_body(("plain",)).get_content()
    assert "Filtered for team" not in full.get_body(("plain",)).get_content()
    assert (
        full["Subject"]
        == "2022-W06 药监周报 · China drug regulation weekly: 本周药监要闻 / This week in drug regulation"
    )
