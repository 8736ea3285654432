"""Extraction: documents → verified digests, through the model layer.

Per document:

    chunk 0 ─► extract call ─┐                      one chunk: that record is the answer
    chunk 1 ─► extract call ─┼─► merge call ─► record  several: the merge call writes the document-
    …                        ┘                         level fields from the chunks' records (never the
                                                       text again); requirements, dates and figures are
                                                       merged here, every one kept, repeats dropped
    record ─► verify against the whole cleaned text ─► Digest (verified | flagged | failed)

Every call carries a soft check (briefs.verify): a quote, figure or date that does not verify is
named back to the model once; what still fails is kept and flagged in the digest. All chunk calls of
all documents go to the model together (``call_many``: adaptive concurrency), and a long document's
merge goes as soon as its own chunks are answered, not after the whole week's extraction. A
document whose call fails becomes a failed digest with one line of error; the others go on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

from briefs.llm import CallRequest, CallResult, InvalidOutputError, ModelClient, ModelError, Narrowed
from briefs.models import Digest, Document, Extraction, Requirement, Usage
from briefs.prompting import EXTRACT, MERGE, Prompts
from briefs.verify import SoftCheck, fold, soft_check

Outcome = CallResult | BaseException  # what call_many hands back per request


def doc_stem(document: Document) -> str:
    """The name a document's calls are labelled (and recordings filed) by: its file stem."""
    return Path(document.path).stem


def call_names(documents: Sequence[Document]) -> dict[str, str]:
    """Document id → the name its calls carry: the file stem, plus a short id where two documents
    of one run share a stem (scraped sites are full of index.html), so that no two documents' calls
    share a label in messages, recordings and answer books."""
    stems = Counter(doc_stem(document) for document in documents)
    return {
        document.id: doc_stem(document) if stems[doc_stem(document)] == 1 else f"{doc_stem(document)}-{document.id[:8]}"
        for document in documents
    }


def chunk_label(document: Document, index: int, name: str | None = None) -> str:
    return f"{EXTRACT}/{name or doc_stem(document)}/chunk-{index}"


def merge_label(document: Document, name: str | None = None) -> str:
    return f"{MERGE}/{name or doc_stem(document)}"


def chunk_requests(
    document: Document, prompts: Prompts, name: str | None = None, model: str | None = None
) -> list[CallRequest[Extraction]]:
    """One request per chunk; each answer is checked against its own chunk's text. ``name`` labels
    the calls (default: the file stem; see call_names); ``model`` is the model they and their re-asks
    go to (None: the client's)."""
    return [
        CallRequest(
            label=chunk_label(document, chunk.index, name),
            messages=prompts.extract_messages(document, chunk),
            schema=Extraction,
            prompt_version=prompts.version(EXTRACT),
            check=soft_check(chunk.text, document.title, document.date),
            narrow=fields_to_fix,
            model=model,
        )
        for chunk in document.chunks
    ]


def merge_request(
    document: Document,
    records: list[Extraction],
    prompts: Prompts,
    name: str | None = None,
    against_text: SoftCheck | None = None,
) -> CallRequest[Extraction]:
    """The call that writes a long document's document-level fields from its chunk records. Its soft
    check covers what the merge writes (figures in the summary and key points) against the whole text
    (``against_text``: a check of the whole text already prepared, which the digest verifies with)."""
    against_text = against_text or soft_check(document.text, document.title, document.date)
    return CallRequest(
        label=merge_label(document, name),
        messages=prompts.merge_messages(records),
        schema=Extraction,
        prompt_version=prompts.version(MERGE),
        check=lambda overview: against_text(_document_level(overview)),
        narrow=fields_to_fix,
    )


def fields_to_fix(extraction: Extraction, problems: list[str]) -> Narrowed[Extraction] | None:
    """A check re-ask for only the top-level fields the problems name (summary, figures, dates…):
    the rest of the answer is kept as it was, and its output tokens are not paid twice."""
    named = {match.group(0) for problem in problems if (match := re.match(r"[a-z_]+", problem))}
    fields = sorted(named & set(Extraction.model_fields))
    if not fields or len(fields) == len(Extraction.model_fields):
        return None

    def merge(earlier: Extraction, fixed: BaseModel) -> Extraction:
        return Extraction.model_validate({**earlier.model_dump(), **fixed.model_dump(include=set(fields))})

    return Narrowed(fields=fields, schema=_fix_schema(tuple(fields)), merge=merge)


@lru_cache(maxsize=64)
def _fix_schema(fields: tuple[str, ...]) -> type[BaseModel]:
    """The fields of Extraction named, as one model; extra keys are ignored, so a model that answers
    the whole object again is read all the same."""
    definitions: dict[str, Any] = {
        name: (Extraction.model_fields[name].annotation, Extraction.model_fields[name]) for name in fields
    }
    return create_model("ExtractionFix", __config__=ConfigDict(extra="ignore"), **definitions)


def _document_level(overview: Extraction) -> Extraction:
    return overview.model_copy(update={"requirements": [], "dates": [], "figures": []})


def merge_records(records: list[Extraction], overview: Extraction) -> Extraction:
    """One record for a long document: the merge call's document-level fields, with the chunks'
    requirements, dates and figures merged here — every one kept, in document order, verbatim,
    only duplicates dropped. (Why here and not in the model: a law's requirements alone run to
    tens of thousands of tokens, past any output limit, and software cannot drop one by mistake.)"""
    scopes = list(dict.fromkeys([*overview.product_scope, *(s for r in records for s in r.product_scope)]))
    # every part's attempt, not just the first: each is flagged to the reader
    attempts = [a for a in (overview.injection_attempt, *(r.injection_attempt for r in records)) if a]
    injection = " / ".join(dict.fromkeys(attempts)) or None
    return overview.model_copy(
        update={
            "product_scope": scopes,
            "requirements": unique_requirements(records),
            "dates": _unique(
                [d for record in records for d in record.dates],
                lambda d: (d.kind, d.date, fold(d.source_phrase)),
            ),
            "figures": _unique(
                [f for record in records for f in record.figures],
                lambda f: (fold(f.value), fold(f.source_phrase)),
            ),
            "injection_attempt": injection,
        }
    )


def unique_requirements(records: list[Extraction]) -> list[Requirement]:
    """The chunks' requirements in document order, without the repeats that overlapping chunks
    produce: a requirement is dropped when another chunk has one of the same kind with the same
    quote (the earlier chunk's stays) or with a longer quote containing it (a sentence cut at a
    chunk edge). Within one chunk the model's requirements all stay, and so does a requirement of
    another kind from the same sentence: one sentence may carry two requirements, and a repeat
    shown twice is a smaller harm than a requirement silently lost."""
    quoted = [
        (part, requirement, fold(requirement.source_sentence))
        for part, record in enumerate(records)
        for requirement in record.requirements
    ]
    kept: list[Requirement] = []
    for part, requirement, key in quoted:
        others = [
            (other_part, other_key)
            for other_part, other, other_key in quoted
            if other_part != part and other_key and other.kind == requirement.kind
        ]
        repeated = any(key == other and other_part < part for other_part, other in others)
        inside_longer = any(key != other and key in other for _, other in others)
        if key and (repeated or inside_longer):
            continue
        kept.append(requirement)
    return kept


def _unique(items: list, key: Callable) -> list:
    seen: set = set()
    result = []
    for item in items:
        if (marker := key(item)) not in seen:
            seen.add(marker)
            result.append(item)
    return result


@dataclass
class _Job:
    """One document on its way through extraction."""

    document: Document
    requests: list[CallRequest[Extraction]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    records: list[Extraction] = field(default_factory=list)
    extraction: Extraction | None = None
    error: str | None = None
    failure: str = "call"
    spent: list[Outcome] = field(default_factory=list)  # every outcome so far: the digest's usage
    verifier: SoftCheck | None = None  # the check of the whole text, when a call already prepared it


def extraction_requests(
    documents: Sequence[Document], prompts: Prompts, model: str | None = None
) -> list[list[CallRequest[Extraction]]]:
    """The chunk requests of each document of a run (empty for one that cannot be extracted), to
    ``model`` (None: the client's)."""
    names = call_names(documents)
    return [
        [] if _unextractable(document) else chunk_requests(document, prompts, names[document.id], model)
        for document in documents
    ]


def extract_documents(
    documents: Sequence[Document],
    client: ModelClient,
    prompts: Prompts | None = None,
    extract_model: str | None = None,
) -> list[Digest]:
    """A digest per document, in order. Failures are per document and never raise. The chunk calls
    go to ``extract_model`` (None: the client's model); a long document's merge to the client's."""
    prompts = prompts or Prompts()
    names = call_names(documents)
    jobs = [_Job(document) for document in documents]
    for job, requests in zip(jobs, extraction_requests(documents, prompts, extract_model), strict=True):
        job.error = _unextractable(job.document)
        job.requests = requests

    _extract_and_merge(client, [job for job in jobs if job.error is None], prompts, names)
    return [_digest(job) for job in jobs]


def _unextractable(document: Document) -> str | None:
    if not document.text.strip():
        return f"{document.path}: no text to extract from"
    if not document.chunks:
        return f"{document.path}: the document was not chunked"
    return None


def _extract_and_merge(client: ModelClient, jobs: list[_Job], prompts: Prompts, names: dict[str, str]) -> None:
    """Every chunk call of every job in one batch; a long document's merge call is sent as soon as
    its own chunks are answered, while the rest of the week is still being extracted."""
    jobs = _longest_first(jobs)
    owners = [(job, part) for job in jobs for part in range(len(job.requests))]
    waiting = {id(job): len(job.requests) for job in jobs}
    for job in jobs:
        job.outcomes = [None] * len(job.requests)  # type: ignore[list-item]
    merges: list[tuple[_Job, CallRequest[Extraction]]] = []

    def then(index: int, outcome: Outcome) -> list[CallRequest[Extraction]]:
        if index >= len(owners):
            return []  # a merge's own result: nothing follows it
        job, part = owners[index]
        job.outcomes[part] = outcome
        waiting[id(job)] -= 1
        if waiting[id(job)]:
            return []
        job.spent.extend(job.outcomes)
        _take_chunk_records(job)
        if job.error is not None or len(job.records) < 2:
            return []
        document = job.document
        job.verifier = soft_check(document.text, document.title, document.date)
        merges.append((job, merge_request(document, job.records, prompts, names[document.id], job.verifier)))
        return [merges[-1][1]]

    requests = [request for job in jobs for request in job.requests]
    outcomes = client.call_many(requests, "extracting", then=then) if requests else []
    for (job, merge), outcome in zip(merges, outcomes[len(requests) :], strict=True):
        job.requests, job.outcomes = [merge], [outcome]
        job.spent.append(outcome)
        _take_merged(job)


def _longest_first(jobs: list[_Job]) -> list[_Job]:
    """The jobs with the most chunk calls first (longest processing time first): a long document's
    parts and then its merge are chained calls, so started last they would be the week's tail while
    the endpoint sits idle; started first, the short documents fill the endpoint around them."""
    return sorted(jobs, key=lambda job: -len(job.requests))


def _first_failure(job: _Job) -> str | None:
    """One line naming the call that failed; for a part of a long document, which part of how many
    (the document is then left out whole: a merge of the other parts would be a partial document
    that looks complete)."""
    parts = len(job.requests)
    for number, (request, outcome) in enumerate(zip(job.requests, job.outcomes, strict=True), 1):
        if isinstance(outcome, BaseException):
            job.failure = "answer" if isinstance(outcome, InvalidOutputError) else "call"
            message = _one_line(outcome)  # model errors usually name the call already
            message = message if message.startswith(request.label) else f"{request.label}: {message}"
            if parts > 1:
                message += f" (part {number} of {parts} failed; the document is left out whole, not merged in part)"
            return message
    return None


def _take_chunk_records(job: _Job) -> None:
    job.error = _first_failure(job)
    if job.error is None:
        job.records = [outcome.value for outcome in job.outcomes]  # type: ignore[union-attr]
        if len(job.records) == 1:
            job.extraction = job.records[0]
            check = job.requests[0].check
            if isinstance(check, SoftCheck) and check.source_text == job.document.text:
                job.verifier = check  # it verified this very answer against the whole text


def _take_merged(job: _Job) -> None:
    job.error = _first_failure(job)
    if job.error is None:
        job.extraction = merge_records(job.records, job.outcomes[0].value)  # type: ignore[union-attr]


def _digest(job: _Job) -> Digest:
    usage = usage_of(job.spent)
    if job.error is None and job.extraction is not None and not _usable(job.extraction):
        job.error, job.failure = f"{job.document.path}: the answer has neither a title nor a summary", "answer"
    if job.error is not None or job.extraction is None:
        return Digest(
            document=job.document,
            status="failed",
            error=job.error or "no extraction",
            failure=job.failure,  # type: ignore[arg-type]
            usage=usage,
        )
    document = job.document
    verifier = job.verifier or soft_check(document.text, document.title, document.date)
    checks = verifier.checks(job.extraction)
    status: Literal["verified", "flagged"] = "verified" if all(check.ok for check in checks) else "flagged"
    return Digest(document=job.document, extraction=job.extraction, checks=checks, status=status, usage=usage)


def _usable(extraction: Extraction) -> bool:
    """An answer with neither a title nor a summary says nothing about its document: a failure, not a
    clean digest (schema-valid answers of a broken model look like this)."""
    texts = (extraction.title.zh, extraction.title.en, extraction.summary.zh, extraction.summary.en)
    return any(text.strip() for text in texts)


def usage_of(outcomes: Sequence[Outcome]) -> Usage:
    """The usage of a document's calls, failed ones included: a failed call's error carries what it
    spent, so this equals what the run's ledger counted for them."""
    return sum((_spent(outcome) for outcome in outcomes), Usage())


def _spent(outcome: Outcome) -> Usage:
    if isinstance(outcome, CallResult | ModelError):
        return outcome.usage
    return Usage(calls=1, failed=1)  # not a model error: nothing was counted for it


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def describe_digest(digest: Digest) -> str:
    """A digest as a few readable lines (the ``extract`` command's default output)."""
    name = Path(digest.document.path).name
    if digest.extraction is None:
        return f"{name}: FAILED: {digest.error}"
    found = digest.extraction
    flagged = digest.flagged
    lines = [
        f"{name}: {digest.status} ({len(found.requirements)} requirements, {len(digest.checks)} checks, "
        f"{len(flagged)} flagged)",
        f"  {found.title.zh}",
        f"  {found.title.en}",
        f"  {found.doc_type} · {found.issuer.en} ({found.issuer_level})"
        f" · scope: {', '.join(found.product_scope)}"
        f" · relevance: {found.relevance}",
        f"  zh: {found.summary.zh}",
        f"  en: {found.summary.en}",
    ]
    for number, requirement in enumerate(found.requirements, 1):
        due = f", due {requirement.due_date}" if requirement.due_date else ""
        lines.append(f"  {number}. [{requirement.kind}, {requirement.priority}{due}] {requirement.text_en}")
        lines.append(f"     「{requirement.source_sentence}」")
    for check in flagged:
        lines.append(f"  ! {check.kind} {check.target}: {check.detail} ({check.value[:60]})")
    return "\n".join(lines)
