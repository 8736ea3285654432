"""Hand-built documents, digests and syntheses for the briefing tests.

They let render and assemble be tested without the reader, the model layer or extraction; the
end-to-end tests (test_generate*.py) use the real stages over the bundled sample instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html.parser import HTMLParser

from briefs import assemble
from briefs.models import (
    ActionItem,
    Bilingual,
    Briefing,
    Campaign,
    Check,
    Coverage,
    Digest,
    Document,
    Extraction,
    Period,
    Requirement,
    RunRecord,
    Theme,
    Usage,
    WeekSynthesis,
)

WEEK_06 = Period(label="2022-W06", start=dt.date(2022, 2, 7), end=dt.date(2022, 2, 13), iso_week="2022-W06")

SENTENCE_000 = "以严厉打击制售假药劣药、违法生产中药饮片、网络非法销售为重点"


def document(
    name: str = "000_sample.txt",
    title: str = "国家药监局召开深入开展全国药品安全专项整治行动工作会议",
    text: str = f"会议明确，{SENTENCE_000}，严防严管严控质量安全风险。",
    date: dt.date | None = dt.date(2022, 2, 11),
    inferred: bool = False,
    url: str | None = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202112274261082",
    source: str | None = "上海证券报·中国证券网",
) -> Document:
    return Document(
        path=f"corpus/{name}",
        id=f"id-{name}",
        sha256="0" * 64,
        title=title,
        date=date,
        date_inferred=inferred,
        date_source="body" if inferred else "front-matter",
        iso_week=date.strftime("%G-W%V") if date else None,
        language="zh-Hans",
        source=source,
        url=url,
        text=text,
        tokens=len(text),
    )


def requirement(
    sentence: str = SENTENCE_000,
    text_en: str = "Focus on cracking down on making and selling counterfeit and substandard drugs, illegal production of TCM decoction pieces and illegal online sales.",
    priority: str = "high",
    scope: tuple[str, ...] = ("drugs", "tcm"),
    due_date: str | None = None,
) -> Requirement:
    return Requirement(
        source_sentence=sentence,
        text_en=text_en,
        actors=["regulators"],
        kind="enforcement_priority",
        product_scope=list(scope),
        priority=priority,
        due_date=due_date,
        due_phrase=None,
        action=Bilingual(zh="核查产品来源与网络销售渠道。", en="Review product sourcing and online sales channels."),
    )


def extraction(
    title_zh: str = "国家药监局召开深入开展全国药品安全专项整治行动工作会议",
    title_en: str = "NMPA holds work meeting on the national drug safety special rectification campaign",
    summary_en: str = "NMPA launched a national drug safety special rectification campaign.",
    requirements: list[Requirement] | None = None,
    doc_type: str = "meeting",
    scope: tuple[str, ...] = ("drugs", "medical_devices", "cosmetics"),
) -> Extraction:
    return Extraction(
        title=Bilingual(zh=title_zh, en=title_en),
        doc_type=doc_type,
        issuer=Bilingual(zh="国家药监局", en="NMPA"),
        issuer_level="national",
        document_number=None,
        product_scope=list(scope),
        summary=Bilingual(zh="国家药监局部署深入开展全国药品安全专项整治行动。", en=summary_en),
        key_points=[Bilingual(zh="成立专项整治工作领导小组", en="A leading group for the campaign was set up")],
        requirements=requirements if requirements is not None else [requirement()],
        dates=[],
        figures=[],
        relevance="high",
        relevance_reason=Bilingual(zh="明确执法重点", en="Sets enforcement priorities"),
        injection_attempt=None,
    )


def digest(doc: Document | None = None, ext: Extraction | None = None, verified: bool = True) -> Digest:
    ext = ext or extraction()
    checks = [
        Check(kind="quote", target=f"requirements[{i}].source_sentence", value=r.source_sentence, ok=verified)
        for i, r in enumerate(ext.requirements)
    ]
    return Digest(
        document=doc or document(),
        extraction=ext,
        checks=checks,
        status="verified" if verified else "flagged",
        usage=Usage(calls=1, attempts=1, prompt_tokens=1200, completion_tokens=600),
    )


def failed_digest(name: str = "005_broken.txt", error: str = "model answer stayed invalid after 3 attempts") -> Digest:
    return Digest(document=document(name=name, title="坏文件"), extraction=None, status="failed", error=error)


def synthesis(
    ids: tuple[str, ...] = ("D1",), headline_en: str = "NMPA launches a national drug safety campaign"
) -> WeekSynthesis:
    return WeekSynthesis(
        headline=Bilingual(zh="国家药监局部署全国药品安全专项整治行动", en=headline_en),
        executive_summary=Bilingual(
            zh="国家药监局召开会议，部署深入开展全国药品安全专项整治行动。",
            en="NMPA held a meeting launching a national drug safety special rectification campaign.",
        ),
        themes=[
            Theme(
                title=Bilingual(zh="专项整治", en="Special rectification"),
                summary=Bilingual(zh="打击假劣药品。", en="Crackdown on counterfeit drugs."),
                document_ids=list(ids),
            )
        ],
        top_actions=[
            ActionItem(
                what=Bilingual(
                    zh="核查中药饮片供应商资质。", en="Check the qualifications of TCM decoction piece suppliers."
                ),
                who=["manufacturers", "distributors_pharmacies"],
                product_scope=["tcm"],
                deadline=None,
                priority="high",
                document_ids=list(ids),
            )
        ],
        campaigns_to_watch=[
            Campaign(
                name=Bilingual(zh="药品安全专项整治行动", en="Drug safety special rectification campaign"),
                status=Bilingual(zh="工作方案即将印发。", en="The work plan is about to be issued."),
                document_ids=list(ids),
            )
        ],
    )


def run_record() -> RunRecord:
    return RunRecord(model="gpt-4.1-mini", mode="replay", prompt_versions={"synthesize": "synthesize-test"})


def briefing(
    digests: Sequence[Digest],
    synthesis: WeekSynthesis | None = None,
    failed: Sequence[Digest] = (),
    coverage: Coverage | None = None,
) -> Briefing:
    """The briefing of WEEK_06 that assemble builds from these digests (numbered in this order) and
    failed ones; the coverage counts every one of their documents as read and in the period."""
    documents = [d.document for d in [*digests, *failed]]
    return assemble.build_briefing(
        period=WEEK_06,
        numbered=assemble.number_digests(list(digests)),
        failed=list(failed),
        coverage=coverage if coverage is not None else assemble.coverage_of(documents, [], documents, None),
        synthesis=synthesis,
        synthesis_error=None,
        synthesis_problems=[],
        run=run_record(),
        corpus=None,
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of html with its attributes, to assert on what a browser would build."""
    parser = _Elements()
    parser.feed(html)
    return parser.tags
