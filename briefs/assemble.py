"""The aggregate stage: digests, synthesis and run facts become one ``Briefing``.

Everything every output format shows is decided here, once: which documents, in which order, which
requirement is verified, what goes under warnings. ``briefs.render`` only lays it out (and
``briefs.teams.for_team`` narrows a briefing to a team's subscription).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from briefs.models import (
    POSSIBLY_INCOMPLETE,
    ActionItem,
    Bilingual,
    Briefing,
    BriefingAction,
    BriefingCampaign,
    BriefingDocument,
    BriefingLanguage,
    BriefingRequirement,
    BriefingTheme,
    BriefingWarning,
    Campaign,
    Check,
    Coverage,
    Digest,
    Document,
    NumberedDigest,
    Period,
    RunRecord,
    SkippedInput,
    SourceLink,
    Theme,
    WeekSynthesis,
)
from briefs.zhtext import simplified_key

S = TypeVar("S", BriefingTheme, BriefingAction, BriefingCampaign)


def relative_path(path: str, corpus: Path | None) -> str:
    """Paths in a briefing are relative to the corpus: no machine's folders leak into outputs."""
    if corpus is not None:
        # as named first; resolving links (a file system call per part) only when that is not inside
        for inside, base in _candidates(path, corpus):
            try:
                relative = inside.relative_to(base).as_posix()
            except ValueError:
                continue
            return relative if relative != "." else Path(path).name
    return Path(path).name


def _candidates(path: str, corpus: Path) -> Iterator[tuple[Path, Path]]:
    yield Path(path).absolute(), corpus.absolute()
    yield _resolved(path), corpus.resolve()


def _resolved(path: str) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13): as it is named
        return Path(path).absolute()


def number_digests(digests: Iterable[Digest]) -> list[NumberedDigest]:
    """Extracted digests in date order (undated last, then by path), numbered D1, D2, ..."""
    usable = [d for d in digests if d.extraction is not None]
    usable.sort(key=lambda d: (d.document.date is None, d.document.date, d.document.path))
    return [NumberedDigest(ref=f"D{i}", digest=d) for i, d in enumerate(usable, start=1)]


def coverage_of(
    documents: list[Document], problems: list[str], in_period: list[Document], corpus: Path | None
) -> Coverage:
    originals = [d for d in documents if d.duplicate_of is None]
    skipped = [SkippedInput(path=None, reason=line) for line in problems]
    # (a page with no text never gets here: the reader reports it among ``problems``)
    undated = [relative_path(doc.path, corpus) for doc in originals if doc.date is None]
    dated = [d for d in originals if d.date is not None]
    return Coverage(
        documents_read=len(documents),
        in_period=len(in_period),
        duplicates_merged=len(documents) - len(originals),
        outside_period=len(dated) - len(in_period),
        dates_inferred=sum(1 for d in in_period if d.date_inferred),
        skipped=skipped,
        undated=undated,
    )


def requirement_verdicts(digest: Digest) -> list[BriefingRequirement]:
    extraction = digest.extraction
    if extraction is None:
        return []
    entries = []
    by_requirement = _checks_by_requirement(digest.checks)
    for index, requirement in enumerate(extraction.requirements):
        checks = by_requirement.get(str(index), [])
        failed = [c for c in checks if not c.ok]
        entries.append(
            BriefingRequirement(
                requirement=requirement,
                verified=None if not checks else not failed,
                problem="; ".join(c.detail or f"{c.kind} not found in the source" for c in failed),
            )
        )
    return entries


def _checks_by_requirement(checks: list[Check]) -> dict[str, list[Check]]:
    """The checks whose target is inside ``requirements[i]``, by ``i`` as written, in their order: one
    pass over the checks, not one per requirement."""
    found: dict[str, list[Check]] = {}
    for check in checks:
        if check.target.startswith(_REQUIREMENT_TARGET):
            index, bracket, _ = check.target[len(_REQUIREMENT_TARGET) :].partition("]")
            if bracket:
                found.setdefault(index, []).append(check)
    return found


_REQUIREMENT_TARGET = "requirements["

NOT_PUBLISHED = Bilingual(zh="（页面未发布标题，此为概括）", en=" (no title published: a descriptive title)")


def shown_title(title: Bilingual, document: Document) -> Bilingual:
    """The extracted title, marked when the page published none: the reader found no title and the
    model's title is not a line of the page, so it was written by the model, not by the issuer."""
    key = simplified_key(title.zh)
    if document.title is not None or not key or key in simplified_key(document.text):
        return title
    return Bilingual(zh=title.zh + NOT_PUBLISHED.zh, en=title.en + NOT_PUBLISHED.en)


def briefing_document(item: NumberedDigest, corpus: Path | None) -> BriefingDocument:
    digest, document = item.digest, item.digest.document
    extraction = digest.extraction
    assert extraction is not None
    return BriefingDocument(
        ref=item.ref,
        id=document.id,
        path=relative_path(document.path, corpus),
        sha256=document.sha256,
        title=shown_title(extraction.title, document),
        doc_type=extraction.doc_type,
        issuer=extraction.issuer,
        document_number=extraction.document_number,
        product_scope=extraction.product_scope,
        source=document.source,
        url=document.url,
        official_url=document.official_url,
        date=document.date,
        date_inferred=document.date_inferred,
        date_from_fetch_time=document.date_source == "fetched",
        summary=extraction.summary,
        key_points=extraction.key_points,
        requirements=requirement_verdicts(digest),
        relevance=extraction.relevance,
        relevance_reason=extraction.relevance_reason,
        status=digest.status,
        copies=[copy.model_copy(update={"path": relative_path(copy.path, corpus)}) for copy in document.copies],
    )


def _check_warning(ref: str, check: Check) -> BriefingWarning:
    value = check.value if len(check.value) <= 80 else check.value[:79] + "…"
    detail = f" ({check.detail})" if check.detail else ""
    if check.kind == "injection":
        return BriefingWarning(
            kind="injection",
            document=ref,
            message=f"the document contains text addressed to the model; it was not followed: {value}",
            detail=value,
        )
    if check.kind == "completeness":
        return BriefingWarning(
            kind="unverified",
            document=ref,
            message=f"{POSSIBLY_INCOMPLETE}: no requirement was extracted, but the document says: {value}",
            detail=value,
        )
    return BriefingWarning(
        kind="unverified",
        document=ref,
        message=f"{check.target}: {check.kind} not verified against the source{detail}: {value}",
        detail=value,
    )


def problems_of(synthesis_problems: list[str], where: str) -> list[str]:
    """The synthesis problems about one item (``top_actions[2].deadline: ...``), so that the item
    itself can carry its mark wherever it is shown, not only the Warnings section."""
    return [p for p in synthesis_problems if p.startswith((f"{where}.", f"{where}:"))]


def warnings_of(
    numbered: list[NumberedDigest],
    failed: list[Digest],
    coverage: Coverage,
    synthesis_error: str | None,
    synthesis_problems: list[str],
    corpus: Path | None,
) -> list[BriefingWarning]:
    warnings = [BriefingWarning(kind="quiet", message=coverage.alert)] if coverage.alert else []
    warnings += [
        BriefingWarning(
            kind="failed",
            document=relative_path(d.document.path, corpus),
            message=f"extraction failed, the document is not in this briefing: {d.error or 'no reason recorded'}",
            detail=d.error or "",
        )
        for d in failed
    ]
    for item in numbered:
        warnings.extend(_check_warning(item.ref, check) for check in item.digest.flagged)
    if synthesis_error:
        warnings.append(
            BriefingWarning(
                kind="synthesis",
                message=f"the week synthesis failed, documents are listed without it: {synthesis_error}",
                detail=synthesis_error,
            )
        )
    warnings.extend(BriefingWarning(kind="unverified", message=f"synthesis: {p}", detail=p) for p in synthesis_problems)
    warnings.extend(
        BriefingWarning(kind="unreadable", document=s.path, message=s.reason, detail=s.reason) for s in coverage.skipped
    )
    return warnings


def _links(ids: list[str], by_ref: dict[str, BriefingDocument]) -> list[SourceLink]:
    return [SourceLink(ref=i, title=by_ref[i].title, url=by_ref[i].url) for i in ids if i in by_ref]


def _shown_items(
    items: Sequence[Theme | ActionItem | Campaign],
    shown: type[S],
    field: str,
    by_ref: dict[str, BriefingDocument],
    synthesis_problems: list[str],
) -> list[S]:
    """The synthesis's themes, actions or campaigns as the briefing shows them: each item's own
    fields, its document ids as links to the documents, and the problems the checks found at its
    place in the answer (``top_actions[2]``)."""
    copied = [name for name in shown.model_fields if name not in ("sources", "problems")]
    return [
        shown(
            **{name: getattr(item, name) for name in copied},
            sources=_links(item.document_ids, by_ref),
            problems=problems_of(synthesis_problems, f"{field}[{i}]"),
        )
        for i, item in enumerate(items)
    ]


def build_briefing(
    *,
    period: Period,
    numbered: list[NumberedDigest],
    failed: list[Digest],
    coverage: Coverage,
    synthesis: WeekSynthesis | None,
    synthesis_error: str | None,
    synthesis_problems: list[str],
    run: RunRecord,
    corpus: Path | None,
    language: BriefingLanguage = "both",
) -> Briefing:
    documents = [briefing_document(item, corpus) for item in numbered]
    by_ref = {doc.ref: doc for doc in documents}
    briefing = Briefing(
        period=period,
        language=language,
        coverage=coverage,
        documents=documents,
        warnings=warnings_of(numbered, failed, coverage, synthesis_error, synthesis_problems, corpus),
        run=run,
    )
    if synthesis is not None:
        briefing.headline = synthesis.headline
        briefing.executive_summary = synthesis.executive_summary
        themes, actions, campaigns = synthesis.themes, synthesis.top_actions, synthesis.campaigns_to_watch
        briefing.themes = _shown_items(themes, BriefingTheme, "themes", by_ref, synthesis_problems)
        briefing.actions = _shown_items(actions, BriefingAction, "top_actions", by_ref, synthesis_problems)
        briefing.campaigns = _shown_items(campaigns, BriefingCampaign, "campaigns_to_watch", by_ref, synthesis_problems)
    return briefing
