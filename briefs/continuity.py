"""What changed since last week, and what is coming up: a week's briefing read against the history
store's earlier weeks (briefs.history.Earlier). Pure: no database, no clock.

The rules, in order, for each document of the week (the first that holds wins):
1. final of a draft: an earlier document was a draft for comment (征求意见稿) and this one is not,
   and they share the 文号 stem or the title stem (briefs.identity) → linked to the first such draft
   (the original, not a repost of it);
2. repost or update: an earlier document (an earlier week, or an earlier document of this week) has
   the same normalised 文号, or the same normalised title → a repost when the title or the cleaned
   text is the same, an update when it changed; named by the first such document.
Campaigns (the synthesis' campaigns to watch) are new, ongoing (mentioned in an earlier week), or
ended (mentioned in the previous stored week and not in this one).
"""

from __future__ import annotations

from briefs.history import Earlier, StoredDeadline, StoredDocument, statements_of_each
from briefs.identity import DRAFT, campaign_key, number_key, number_stem, same_campaign, title_key, title_stem
from briefs.models import (
    Bilingual,
    Briefing,
    BriefingDocument,
    CampaignChange,
    ChangeKind,
    DeadlineStatement,
    DocumentChange,
    EarlierDocument,
    History,
    MatchedOn,
    UpcomingDeadline,
)


def history_for(briefing: Briefing, earlier: Earlier, window_days: int = 90) -> History:
    this_week = [_as_stored(briefing, doc) for doc in briefing.documents]
    changes = []
    for index, doc in enumerate(briefing.documents):
        before = [*earlier.documents, *this_week[:index]]
        if change := document_change(doc, this_week[index], before):
            changes.append(change)
    return History(
        previous_week=earlier.weeks[-1] if earlier.weeks else None,
        weeks_before=len(earlier.weeks),
        window_days=window_days,
        campaigns=campaign_changes(briefing, earlier),
        documents=changes,
        deadlines=upcoming(earlier.deadlines),
    )


def _as_stored(briefing: Briefing, doc: BriefingDocument) -> StoredDocument:
    return StoredDocument(
        week=briefing.period.label,
        week_start=briefing.period.start,
        ref=doc.ref,
        title_zh=doc.title.zh,
        title_en=doc.title.en,
        doc_type=doc.doc_type,
        document_number=doc.document_number,
        number_key=number_key(doc.document_number),
        number_stem=number_stem(doc.document_number),
        title_key=title_key(doc.title.zh),
        title_stem=title_stem(doc.title.zh),
        text_id=doc.id,
        url=doc.url,
        path=doc.path,
    )


def _earlier_document(doc: StoredDocument) -> EarlierDocument:
    return EarlierDocument(
        week=doc.week,
        ref=doc.ref,
        title=Bilingual(zh=doc.title_zh, en=doc.title_en),
        document_number=doc.document_number,
        url=doc.url,
        path=doc.path,
    )


def document_change(doc: BriefingDocument, this: StoredDocument, before: list[StoredDocument]) -> DocumentChange | None:
    """How ``doc`` relates to the documents seen before it (oldest first), if at all."""

    def change(kind: ChangeKind, matched_on: MatchedOn, earlier: StoredDocument) -> DocumentChange:
        return DocumentChange(
            ref=doc.ref, title=doc.title, kind=kind, matched_on=matched_on, earlier=_earlier_document(earlier)
        )

    if this.doc_type != DRAFT:
        for earlier in before:
            if earlier.doc_type != DRAFT:
                continue
            if this.number_stem and this.number_stem == earlier.number_stem:
                return change("final_of_draft", "number_stem", earlier)
            if this.title_stem and this.title_stem == earlier.title_stem:
                return change("final_of_draft", "title_stem", earlier)
    for earlier in before:  # the first copy is the original
        if this.number_key and this.number_key == earlier.number_key:
            return change(_repost_or_update(this, earlier), "document_number", earlier)
        if this.title_key and this.title_key == earlier.title_key:
            return change("repost" if this.text_id == earlier.text_id else "update", "title", earlier)
    return None


def _repost_or_update(this: StoredDocument, earlier: StoredDocument) -> ChangeKind:
    same = this.text_id == earlier.text_id or (this.title_key is not None and this.title_key == earlier.title_key)
    return "repost" if same else "update"


def campaign_changes(briefing: Briefing, earlier: Earlier) -> list[CampaignChange]:
    previous = earlier.weeks[-1] if earlier.weeks else None
    changes: list[CampaignChange] = []
    matched_earlier: set[int] = set()  # ids of the stored campaigns matched
    for campaign in briefing.campaigns:
        key = campaign_key(campaign.name.zh)
        seen = [c for c in earlier.campaigns if same_campaign(key, c.name_key)]
        matched_earlier.update(id(c) for c in seen)
        changes.append(
            CampaignChange(
                name=campaign.name,
                state="ongoing" if seen else "new",
                first_week=seen[0].week if seen else briefing.period.label,
                last_week=briefing.period.label,
                sources=campaign.sources,
            )
        )
    ended: dict[str, CampaignChange] = {}
    for stored in earlier.campaigns:
        if stored.week != previous or id(stored) in matched_earlier or stored.name_key in ended:
            continue
        first = next(c.week for c in earlier.campaigns if same_campaign(stored.name_key, c.name_key))
        ended[stored.name_key] = CampaignChange(
            name=Bilingual(zh=stored.name_zh, en=stored.name_en), state="ended", first_week=first, last_week=previous
        )
    return [*changes, *ended.values()]


def upcoming(deadlines: list[StoredDeadline]) -> list[UpcomingDeadline]:
    """Each deadline once (briefs.history.statements_of_each, in the store's order), with its sentence,
    document, flag, and the scope and priority a team's view filters it by (a requirement's priority,
    else the document's relevance). The other requirements stating it for other products or at
    another priority come along (``also_stated``), so that a team of theirs still receives it."""
    return [_upcoming(statements) for statements in statements_of_each(deadlines)]


def _upcoming(statements: list[StoredDeadline]) -> UpcomingDeadline:
    first, *others = statements
    return UpcomingDeadline.model_validate(
        {
            **_statement(first),
            "date": first.date,
            "kind": first.kind,
            "document": _earlier_document(first.document),
            "also_stated": [DeadlineStatement.model_validate(_statement(other)) for other in others],
        }
    )


def _statement(deadline: StoredDeadline) -> dict[str, object]:
    return {
        "source_phrase": deadline.source_phrase,
        "source_sentence": deadline.source_sentence,
        "verified": deadline.verified,
        "product_scope": list(deadline.product_scope),
        "priority": deadline.priority,
    }
