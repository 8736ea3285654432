"""The week synthesis stage: schema-constrained calls over the period's digests.

The model sees compact digest records (what extraction produced and verification checked: titles,
type, issuer, relevance, key points, the top requirements by priority, deadlines), never the raw
documents, so the synthesis can only restate what was already traced to a source sentence. Digests
are numbered D1, D2, ... by the pipeline; the answer refers to documents by those ids.

A week whose records fit the context budget costs one call. A larger week is reduced in a bounded
number of calls, each within the budget::

    records grouped by type and issuer ─► one partial synthesis per group (same schema, same checks)
                                        ─► partial syntheses combined (in rounds while they do not fit)
                                        ─► the week's synthesis

Every answer, partial or final, is held to ``check_synthesis`` over the digests it covers (re-asked
once when an item names no id or one that does not exist, an action's deadline is not a verified
date of its own digests, or a number appears that no digest gives); what still fails becomes a
warning. A part that fails leaves its digests out of the synthesis and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from briefs.llm import CallRequest, CallResult, ModelClient, ModelError
from briefs.models import NumberedDigest, Period, WeekSynthesis
from briefs.prompting import SYNTHESIZE, SYNTHESIZE_REDUCE, Prompts

STAGE = "synthesize"

# Tokens of one synthesis request (instructions and data): far inside any current model's context,
# short enough that a call's prefill never meets the timeout, and re-asking one costs little.
DEFAULT_BUDGET_TOKENS = 60_000
TOP_REQUIREMENTS = 4  # per digest record, by priority: the rest stay in the briefing's document section
KEY_POINTS = 5
_DELIMITER_TOKENS = 16
_PRIORITY = {"high": 0, "medium": 1, "low": 2}


@dataclass
class SynthesisOutcome:
    synthesis: WeekSynthesis | None
    problems: list[str]  # soft-check problems left after the re-ask
    error: str | None = None  # one line: why there is no synthesis
    calls: int = 0  # synthesis calls this week took (partial syntheses included)


@cache
def _prompts() -> Prompts:
    return Prompts()


def prompt_version(name: str = SYNTHESIZE) -> str:
    """Hash of the template, the glossary and WeekSynthesis's schema: editing any of them
    invalidates cached answers (the same rule as every other prompt)."""
    return _prompts().version(name)


def label_for(period: Period) -> str:
    return f"{STAGE}/{period.label}"


def digest_payload(item: NumberedDigest) -> dict:
    """Everything a digest states (minus source sentences and phrases: the synthesis restates, it
    does not quote): what the synthesis checks hold its figures against."""
    extraction = item.digest.extraction
    assert extraction is not None, "only extracted digests are synthesised"
    document = item.digest.document
    return {
        "id": item.ref,
        "date": document.date.isoformat() if document.date else None,
        "date_inferred": document.date_inferred,
        "title": extraction.title.model_dump(),
        "doc_type": extraction.doc_type,
        "issuer": extraction.issuer.model_dump(),
        "issuer_level": extraction.issuer_level,
        "document_number": extraction.document_number,
        "product_scope": extraction.product_scope,
        "summary": extraction.summary.model_dump(),
        "key_points": [point.model_dump() for point in extraction.key_points],
        "requirements": [
            {
                "text_en": req.text_en,
                "actors": req.actors,
                "kind": req.kind,
                "product_scope": req.product_scope,
                "priority": req.priority,
                "due_date": req.due_date,
                "action": req.action.model_dump(),
            }
            for req in extraction.requirements
        ],
        "dates": [{"kind": d.kind, "date": d.date} for d in extraction.dates],
        "relevance": extraction.relevance,
        "relevance_reason": extraction.relevance_reason.model_dump(),
        "unverified_checks": len(item.digest.flagged),
    }


def compact_record(item: NumberedDigest) -> dict:
    """What the model reads of one digest: bounded whatever the document's length (a law's hundred
    requirements are the document section's business; the week needs its most urgent few)."""
    extraction = item.digest.extraction
    assert extraction is not None, "only extracted digests are synthesised"
    document = item.digest.document
    ranked = sorted(extraction.requirements, key=lambda req: (_PRIORITY.get(req.priority, 3), req.due_date is None))
    return {
        "id": item.ref,
        "date": document.date.isoformat() if document.date else None,
        "title": extraction.title.model_dump(),
        "doc_type": extraction.doc_type,
        "issuer": extraction.issuer.en,
        "issuer_level": extraction.issuer_level,
        "document_number": extraction.document_number,
        "product_scope": extraction.product_scope,
        "relevance": extraction.relevance,
        "key_points": [point.model_dump() for point in extraction.key_points[:KEY_POINTS]],
        "top_requirements": [
            {
                "what": req.action.model_dump(),
                "actors": req.actors,
                "kind": req.kind,
                "priority": req.priority,
                "due_date": req.due_date,
            }
            for req in ranked[:TOP_REQUIREMENTS]
        ],
        "requirements_total": len(extraction.requirements),
        "deadlines": [{"kind": d.kind, "date": d.date} for d in extraction.dates if d.date],
        "unverified_checks": len(item.digest.flagged),
    }


def _as_data(payload: dict) -> str:
    # A digest may carry a document's own text; "<" is escaped so nothing in it can close the
    # <digest> delimiter. The model reads \u003c as "<" all the same.
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def _messages(name: str, context: dict) -> list[dict[str, str]]:
    template = _prompts().template(name)
    bound = template.new_context(context)
    instructions = "".join(template.blocks["instructions"](bound)).strip()
    data = "".join(template.blocks["data"](bound)).strip()
    return [{"role": "system", "content": instructions}, {"role": "user", "content": data}]


def record_data(item: NumberedDigest) -> str:
    """A digest's compact record as the model reads it."""
    return _as_data(compact_record(item))


def build_messages(
    period: Period,
    digests: list[NumberedDigest],
    part: str | None = None,
    data_of: Callable[[NumberedDigest], str] = record_data,
) -> list[dict[str, str]]:
    """``data_of``: a digest's record (a plan that already made each to measure it passes its own)."""
    records = [{"ref": item.ref, "json": data_of(item)} for item in digests]
    return _messages("synthesize.j2", {"period": period, "digests": records, "part": part})


def reduce_messages(period: Period, parts: Sequence[tuple[str, WeekSynthesis]], digests: int) -> list[dict[str, str]]:
    shown = [{"ref": ref, "json": _as_data(answer.model_dump(mode="json"))} for ref, answer in parts]
    return _messages("synthesize_reduce.j2", {"period": period, "parts": shown, "digest_count": digests})


# A number as written (digits, thousands separators, decimals); not the 1 of "D1" or "H1N1".
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:,\d{3})*(?:\.\d+)?")


def numbers_in(text: str) -> set[Decimal]:
    values = set()
    for match in _NUMBER.finditer(text):
        try:
            values.add(Decimal(match.group(0).replace(",", "")))
        except InvalidOperation:
            continue
    return values


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def verified_dates(item: NumberedDigest) -> set[str]:
    """The dates a digest states and verification upheld (a flagged date is not a stated one)."""
    extraction = item.digest.extraction
    if extraction is None:
        return set()
    flagged = {check.target.rsplit(".", 1)[0] for check in item.digest.flagged if check.kind == "date"}
    due = [r.due_date for i, r in enumerate(extraction.requirements) if f"requirements[{i}]" not in flagged]
    stated = [d.date for i, d in enumerate(extraction.dates) if f"dates[{i}]" not in flagged]
    return {date for date in [*due, *stated] if date}


def _texts(answer: WeekSynthesis) -> list[tuple[str, str]]:
    """(where, text) for every prose field of the answer: figures in them must come from the digests."""
    pairs = [("headline", answer.headline), ("executive_summary", answer.executive_summary)]
    pairs += [(f"themes[{i}].summary", t.summary) for i, t in enumerate(answer.themes)]
    pairs += [(f"themes[{i}].title", t.title) for i, t in enumerate(answer.themes)]
    pairs += [(f"top_actions[{i}].what", a.what) for i, a in enumerate(answer.top_actions)]
    pairs += [(f"campaigns_to_watch[{i}].status", c.status) for i, c in enumerate(answer.campaigns_to_watch)]
    pairs += [(f"campaigns_to_watch[{i}].name", c.name) for i, c in enumerate(answer.campaigns_to_watch)]
    return [(f"{where}.{language}", getattr(pair, language)) for where, pair in pairs for language in ("zh", "en")]


def digest_figures(item: NumberedDigest) -> set[Decimal]:
    """Every number a digest states (what the synthesis may restate)."""
    return set().union(*(numbers_in(text) for text in _strings(digest_payload(item))))


def check_synthesis(
    digests: list[NumberedDigest], figures_of: Callable[[NumberedDigest], set[Decimal]] = digest_figures
):
    """Soft checks shown to the model on a re-ask, and warnings when they still fail:
    every theme, action and campaign names at least one digest, and only digests that exist; an
    action's deadline is a verified date of one of its own digests; every number the synthesis
    writes is a number the digests give (it restates them, it computes nothing new). ``figures_of``:
    a digest's figures (a large week's parts and its final check share one reading of each digest)."""
    known = {item.ref for item in digests}
    dates_of = {item.ref: verified_dates(item) for item in digests}
    figures = set().union(*map(figures_of, digests))

    def check(answer: WeekSynthesis) -> list[str]:
        problems = []
        groups = [
            *((f"themes[{i}]", t.document_ids) for i, t in enumerate(answer.themes)),
            *((f"top_actions[{i}]", a.document_ids) for i, a in enumerate(answer.top_actions)),
            *((f"campaigns_to_watch[{i}]", c.document_ids) for i, c in enumerate(answer.campaigns_to_watch)),
        ]
        for where, ids in groups:
            if not ids:
                problems.append(f"{where}.document_ids: names no digest; every item must come from a digest")
            for unknown in sorted(set(ids) - known):
                problems.append(f"{where}.document_ids: {unknown} is not one of the digests' ids")
        for i, action in enumerate(answer.top_actions):
            own = set().union(*(dates_of.get(ref, set()) for ref in action.document_ids))
            if action.deadline and action.deadline not in own:
                problems.append(
                    f"top_actions[{i}].deadline: {action.deadline} is not a verified date of the digests "
                    f"this action names ({', '.join(action.document_ids) or 'none'})"
                )
        for where, text in _texts(answer):
            for value in sorted(numbers_in(text) - figures):
                problems.append(f"{where}: the figure {value} is not in any digest")
        return problems

    return check


def build_request(
    period: Period, digests: list[NumberedDigest], data_of: Callable[[NumberedDigest], str] = record_data
) -> CallRequest[WeekSynthesis]:
    """The one call of a week whose records fit the budget."""
    return CallRequest(
        label=label_for(period),
        messages=build_messages(period, digests, data_of=data_of),
        schema=WeekSynthesis,
        prompt_version=prompt_version(),
        check=check_synthesis(digests),
        check_reasks=1,
    )


def synthesize(
    client: ModelClient,
    period: Period,
    digests: list[NumberedDigest],
    budget_tokens: int = DEFAULT_BUDGET_TOKENS,
) -> SynthesisOutcome:
    """The week's synthesis; no digests, no call. A failed call is an outcome with its reason, not
    an exception: the briefing still goes out with every document, and says the synthesis is missing."""
    if not digests:
        return SynthesisOutcome(synthesis=None, problems=[])
    plan = SynthesisPlan(period, digests, budget_tokens, _counter(client))
    if plan.fits_one_call():
        try:
            result = client.call(build_request(period, digests, plan.record_data))
        except ModelError as error:
            return SynthesisOutcome(synthesis=None, problems=[], error=str(error), calls=1)
        return SynthesisOutcome(synthesis=result.value, problems=list(result.problems), calls=1)
    return plan.run(client)


def _counter(client: ModelClient) -> Callable[[str], int]:
    # without a tokenizer, a character is at most a token: an overestimate only makes more parts
    return client.config.count_tokens or len


class SynthesisPlan:
    """How a week's digests are grouped and reduced so that no request exceeds the budget."""

    def __init__(
        self, period: Period, digests: list[NumberedDigest], budget_tokens: int, count: Callable[[str], int]
    ) -> None:
        self.period, self.digests, self.budget, self.count = period, digests, budget_tokens, count
        self._figures: dict[str, set[Decimal]] = {}  # per digest ref, read once for every check
        # the delimiter around a record and the request's framing are counted too
        self._records = {item.ref: record_data(item) for item in digests}  # made once: measured, then sent
        self.sizes = {item.ref: count(self._records[item.ref]) + _DELIMITER_TOKENS for item in digests}
        empty = build_messages(period, [], part="part-1000 (1000 of 100000)")
        self.overhead = sum(count(message["content"]) for message in empty) + count(_schema_text()) + 200
        combining = reduce_messages(period, [], len(digests))
        self.reduce_overhead = sum(count(message["content"]) for message in combining) + count(_schema_text()) + 200

    def fits_one_call(self) -> bool:
        return self.overhead + sum(self.sizes.values()) <= self.budget

    def groups(self) -> list[list[NumberedDigest]]:
        """Digests grouped by type, then issuer level and issuer, packed in order into groups that
        each fit the budget (a document of one type stays beside its kind, so themes form)."""
        room = max(self.budget - self.overhead, 1)
        ordered = sorted(self.digests, key=_group_key)
        groups: list[list[NumberedDigest]] = [[]]
        used = 0
        for item in ordered:
            size = self.sizes[item.ref]
            if groups[-1] and used + size > room:
                groups.append([])
                used = 0
            groups[-1].append(item)
            used += size
        return groups

    def run(self, client: ModelClient) -> SynthesisOutcome:
        groups = self.groups()
        requests = [self._part_request(number, group) for number, group in enumerate(groups, 1)]
        outcomes = client.call_many(requests, "synthesizing")
        calls = len(requests)
        parts: list[tuple[str, WeekSynthesis]] = []
        covered: list[NumberedDigest] = []
        problems: list[str] = []
        for request, group, outcome in zip(requests, groups, outcomes, strict=True):
            part = request.label.rsplit("/", 1)[-1]
            if isinstance(outcome, CallResult):
                parts.append((part.upper(), outcome.value))
                covered.extend(group)
                problems.extend(f"{part}: {problem}" for problem in outcome.problems)
            else:
                problems.append(
                    f"{part} ({_refs(group)}) failed, so the synthesis does not cover these documents: "
                    f"{' '.join(str(outcome).split())}"
                )
        if not parts:
            return SynthesisOutcome(synthesis=None, problems=[], error=problems[-1], calls=calls)
        try:
            final, reduce_calls = self._reduce(client, parts, covered)
        except ModelError as error:
            return SynthesisOutcome(synthesis=None, problems=problems, error=str(error), calls=calls)
        problems.extend(final.problems)
        return SynthesisOutcome(synthesis=final.value, problems=problems, calls=calls + reduce_calls)

    def _part_request(self, number: int, group: list[NumberedDigest]) -> CallRequest[WeekSynthesis]:
        part = f"part-{number}"
        return CallRequest(
            label=f"{label_for(self.period)}/{part}",
            messages=build_messages(
                self.period, group, part=f"{part} ({len(group)} of {len(self.digests)})", data_of=self.record_data
            ),
            schema=WeekSynthesis,
            prompt_version=prompt_version(),
            check=check_synthesis(group, self._figures_of),
            check_reasks=1,
        )

    def record_data(self, item: NumberedDigest) -> str:
        return self._records[item.ref]

    def _figures_of(self, item: NumberedDigest) -> set[Decimal]:
        if item.ref not in self._figures:
            self._figures[item.ref] = digest_figures(item)
        return self._figures[item.ref]

    def _reduce(
        self, client: ModelClient, parts: list[tuple[str, WeekSynthesis]], covered: list[NumberedDigest]
    ) -> tuple[CallResult[WeekSynthesis], int]:
        """Partial syntheses combined: in rounds of as many as fit the budget, until one call holds
        them all (each round at least halves the count, so the calls stay bounded)."""
        check = check_synthesis(covered, self._figures_of)
        calls, level = 0, 1
        while True:
            batches = self._pack(parts)
            if len(batches) == 1 or all(len(batch) == 1 for batch in batches):
                request = self._reduce_request(label_for(self.period), parts, covered, check)
                return client.call(request), calls + 1
            requests = [
                self._reduce_request(f"{label_for(self.period)}/round-{level}-{n}", batch, covered, check)
                for n, batch in enumerate(batches, 1)
            ]
            outcomes = client.call_many(requests, "combining")
            calls += len(requests)
            merged: list[tuple[str, WeekSynthesis]] = []
            for request, batch, outcome in zip(requests, batches, outcomes, strict=True):
                if isinstance(outcome, CallResult):
                    merged.append((request.label.rsplit("/", 1)[-1].upper(), outcome.value))
                else:  # a round that failed: its parts go on as they were
                    merged.extend(batch)
            if len(merged) >= len(parts):
                request = self._reduce_request(label_for(self.period), parts, covered, check)
                return client.call(request), calls + 1
            parts, level = merged, level + 1

    def _pack(self, parts: list[tuple[str, WeekSynthesis]]) -> list[list[tuple[str, WeekSynthesis]]]:
        room = max(self.budget - self.reduce_overhead, 1)
        batches: list[list[tuple[str, WeekSynthesis]]] = [[]]
        used = 0
        for ref, answer in parts:
            size = self.count(_as_data(answer.model_dump(mode="json"))) + _DELIMITER_TOKENS
            if batches[-1] and used + size > room:
                batches.append([])
                used = 0
            batches[-1].append((ref, answer))
            used += size
        return batches

    def _reduce_request(
        self,
        label: str,
        parts: list[tuple[str, WeekSynthesis]],
        covered: list[NumberedDigest],
        check: Callable[[WeekSynthesis], list[str]],
    ) -> CallRequest[WeekSynthesis]:
        return CallRequest(
            label=label,
            messages=reduce_messages(self.period, parts, len(covered)),
            schema=WeekSynthesis,
            prompt_version=prompt_version(SYNTHESIZE_REDUCE),
            check=check,
            check_reasks=1,
        )


def _group_key(item: NumberedDigest) -> tuple[str, str, str, str]:
    extraction = item.digest.extraction
    assert extraction is not None
    return (extraction.doc_type, extraction.issuer_level or "", extraction.issuer.en, item.ref)


def _refs(group: list[NumberedDigest]) -> str:
    refs = [item.ref for item in group]
    return ", ".join(refs) if len(refs) <= 6 else f"{', '.join(refs[:5])} and {len(refs) - 5} more"


@cache
def _schema_text() -> str:
    return json.dumps(WeekSynthesis.model_json_schema(), ensure_ascii=False)
