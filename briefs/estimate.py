"""An honest dry run: every call a week would make, what it would send and, from measured answer
sizes, what it would get back, priced at list, prompt-cache and Batch rates; nothing is called.

Only the chunk requests exist before the model answers. The rest is estimated from them and from
the sizes of real answers (the bundled sample recordings, counted with the run's tokenizer): a long
document's merge reads its chunk answers; the synthesis reads one compact record per document and,
past its budget, is split into parts and reduced (the same arithmetic as the synthesis plan).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from briefs import resources
from briefs.extract import merge_request
from briefs.llm import CallRequest, ModelClient, context_tokens_of, price_for
from briefs.models import Digest, Document, Extraction, NumberedDigest, Period
from briefs.prompting import Prompts
from briefs.synthesize import SynthesisPlan, _as_data, compact_record

# Re-asks (an invalid answer, a check that wants a field again) cannot be known before the model
# answers. Measured by `python bench/bench_reasks.py`: 35 answers written by independent helpers to
# real extraction requests, run through the real client and checks, re-asked 2 calls of 35 (both for
# quotes of text the reader has since stopped keeping; 0 of the 22 whose text is unchanged). A
# small sample of careful writers: a hosted mini model may be asked again more often, which is why
# the user's own recorded runs take over when there are enough of them (expected_reasks).
REASK_SHARE = 2 / 35
# A check re-ask asks back only the fields its problems name: 82% of those answers' tokens (same run).
REASK_OUTPUT_SHARE = 0.82
# The user's own runs replace the measured share once they have sent this many calls (run.json and
# the history store count re-asks apart from transport retries): fewer would make one re-ask a point.
RECORDED_CALLS_ENOUGH = 100

_DOCUMENT = re.compile(r"^<<<DOCUMENT [^>]*>>>\n(.*)\n<<<END DOCUMENT [^>]*>>>$", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Line:
    """answer tokens = intercept + slope x the tokens of the data a request carries (a chunk's text,
    the merge's records), fitted on real answers: a dense legal chunk gets a longer answer than a
    short news page. The data, not the whole user message: the preamble and the glossary terms sent
    with a chunk say nothing about how long its answer will be."""

    intercept: float
    slope: float

    @classmethod
    def fit(cls, points: list[tuple[int, int]]) -> Line:
        if not points:
            return cls(0.0, 0.0)
        n = len(points)
        mean_x = sum(x for x, _ in points) / n
        mean_y = sum(y for _, y in points) / n
        spread = sum((x - mean_x) ** 2 for x, _ in points)
        slope = max(sum((x - mean_x) * (y - mean_y) for x, y in points) / spread, 0.0) if spread else 0.0
        return cls(max(mean_y - slope * mean_x, 0.0), slope)

    def __call__(self, tokens: float) -> float:
        return self.intercept + self.slope * tokens


@dataclass(frozen=True)
class AnswerSizes:
    """Answer tokens per stage and compact-record tokens, measured on real answers (the bundled
    sample recordings): what a call is expected to return, instead of the output limit."""

    extract: Line
    merge: Line
    merge_input_per_chunk: float  # what a merge reads of one chunk answer (its merge view)
    synthesize: float
    records: list[Extraction]

    @classmethod
    def measure(cls, count: Callable[[str], int], folder: Path | None = None) -> AnswerSizes:
        folder = folder or resources.sample_recordings_dir()
        points: dict[str, list[tuple[int, int]]] = {"extract": [], "merge": [], "synthesize": []}
        per_chunk: list[float] = []
        records: list[Extraction] = []
        for path in sorted(folder.rglob("*.json")):  # extract/<document>/chunk-0.<hash>.json, merge/..., ...
            recording = json.loads(path.read_text(encoding="utf-8"))
            content = _compact(recording["response"]["body"]["choices"][0]["message"]["content"] or "")
            body = recording["request"].get("body") or {}
            own = sum(count(m["content"]) for m in body.get("messages", []) if m.get("role") != "system")
            stage = path.relative_to(folder).parts[0]
            if stage in points:
                points[stage].append((count(_data_of(body)) if stage == "extract" else own, count(content)))
            if stage == "merge":
                document = str(recording.get("label", "")).rsplit("/", 1)[-1]
                chunks = len(list((folder / "extract" / document).glob("*.json")))
                if chunks:
                    per_chunk.append(own / chunks)
            if stage in ("extract", "merge"):
                try:
                    records.append(Extraction.model_validate_json(content))
                except pydantic.ValidationError:
                    pass
        synthesis = [answer for _, answer in points["synthesize"]]
        return cls(
            extract=Line.fit(points["extract"]),
            merge=Line.fit(points["merge"]),
            merge_input_per_chunk=sum(per_chunk) / len(per_chunk) if per_chunk else 0.0,
            synthesize=sum(synthesis) / len(synthesis) if synthesis else 0.0,
            records=records,
        )

    def record_tokens(self, count: Callable[[str], int], document: Document) -> float:
        """Mean tokens of one document's compact record in the synthesis request."""
        if not self.records:
            return 0.0
        items = [
            NumberedDigest(ref="D1", digest=Digest(document=document, extraction=record)) for record in self.records
        ]
        return sum(count(_as_data(compact_record(item))) for item in items) / len(items)


@dataclass(frozen=True)
class ReaskExpectation:
    share: float  # of the calls, asked again once
    basis: str  # where the share comes from, for the dry run's line


def expected_reasks(
    recorded_reasks: int = 0, recorded_calls: int = 0, extract_model: str | None = None
) -> ReaskExpectation:
    """The share of calls expected to be asked again: what the user's own runs (with extraction on
    ``extract_model``, when given) recorded when they sent enough calls to say, else the share
    measured on independently written answers."""
    if recorded_calls >= RECORDED_CALLS_ENOUGH:
        runs = f"your recorded runs with extraction on {extract_model}" if extract_model else "your recorded runs"
        return ReaskExpectation(
            recorded_reasks / recorded_calls,
            f"as in {runs}: {recorded_reasks:,} re-asks in {recorded_calls:,} calls",
        )
    return ReaskExpectation(REASK_SHARE, "as measured on independently written answers")


@dataclass
class ModelShare:
    """The part of a week one model does (a run may give extraction a model of its own): its stages,
    tokens, and prices at that model's rates (None: no price for it)."""

    model: str
    stages: list[str] = field(default_factory=list)  # "extraction", "merges", "synthesis", as they come
    prompt_tokens: int = 0
    static_tokens: int = 0
    output_tokens: int = 0
    batched_prompt_tokens: int = 0  # of those, what `generate --batch` sends in a batch (the extraction)
    batched_output_tokens: int = 0
    list_usd: float | None = None
    cached_usd: float | None = None
    batch_usd: float | None = None  # as `generate --batch` bills: the extraction at half, the rest at list


@dataclass
class WeekEstimate:
    documents: int = 0
    chunk_calls: int = 0
    cached: int = 0  # chunk calls answered in the response cache already (free)
    merge_calls: int = 0
    synthesis_calls: int = 0
    reasks: int = 0  # expected, at the share of ``reask``
    reask: ReaskExpectation = field(default_factory=expected_reasks)
    prompt_tokens: int = 0  # re-asks included
    static_tokens: int = 0  # of those, the static prefix a provider's prompt cache discounts
    output_tokens: int = 0  # expected, re-asks included
    list_usd: float | None = None
    cached_usd: float | None = None
    batch_usd: float | None = None  # `generate --batch`: extraction through the Batch API, merges and synthesis online
    warnings: list[str] = field(default_factory=list)
    models: dict[str, ModelShare] = field(default_factory=dict)  # each model's part, priced at its own rates

    @property
    def calls(self) -> int:
        return self.chunk_calls - self.cached + self.merge_calls + self.synthesis_calls


def estimate_week(
    client: ModelClient,
    period: Period,
    documents: Sequence[Document],
    per_document: Sequence[Sequence[CallRequest[Extraction]]],
    prompts: Prompts,
    synthesis_budget: int,
    reask: ReaskExpectation | None = None,
) -> WeekEstimate:
    count = client.config.count_tokens or len
    sizes = AnswerSizes.measure(count)
    estimate = WeekEstimate(documents=len(documents), reask=reask or expected_reasks())
    largest: dict[str, int] = {}  # the largest request per model, for its context
    extracted = 0
    model = client.config.model  # merges and the synthesis; chunk requests may name their own
    for document, requests in zip(documents, per_document, strict=True):
        if not requests:
            continue
        extracted += 1
        for chunk, request in zip(document.chunks, requests, strict=True):
            estimate.chunk_calls += 1
            if client.is_cached(request):
                estimate.cached += 1
                continue
            tokens = client.prompt_tokens(request)
            extractor = client.model_of(request)
            largest[extractor] = max(largest.get(extractor, 0), tokens)
            share = _share(estimate, extractor, "extraction")
            output = sizes.extract(count(chunk.text))
            _add(estimate, share, tokens, _static(client, request, count), output, batched=True)
        if len(requests) > 1:
            merge = merge_request(document, [], prompts)
            own = round(len(requests) * sizes.merge_input_per_chunk)
            tokens = client.prompt_tokens(merge) + own
            largest[model] = max(largest.get(model, 0), tokens)
            estimate.merge_calls += 1
            _add(estimate, _share(estimate, model, "merges"), tokens, _static(client, merge, count), sizes.merge(own))
    if extracted:
        share = _share(estimate, model, "synthesis")
        _add_synthesis(estimate, share, client, period, documents, extracted, sizes, synthesis_budget, count)
    estimate.reasks = round(estimate.reask.share * estimate.calls)
    _price(estimate, client)
    _context_warnings(estimate, client, largest, synthesis_budget)
    return estimate


def _share(estimate: WeekEstimate, model: str, stage: str) -> ModelShare:
    """``model``'s part of the week, noting that it does ``stage``."""
    share = estimate.models.setdefault(model, ModelShare(model))
    if stage not in share.stages:
        share.stages.append(stage)
    return share


def _compact(content: str) -> str:
    """An answer as OpenAI's structured outputs write it: JSON without a space after ',' or ':' (the
    openai SDK's own snapshots of live answers read '{"city":"San Francisco","temperature":65}'). The
    bundled answers were written out with spaces, which would count ~7% more output than is billed."""
    try:
        return json.dumps(json.loads(content), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return content


def _data_of(body: dict) -> str:
    """The document text a recorded chunk request carried (between its DOCUMENT markers); the whole
    user message when there are none (a prompts folder of one's own may lay it out otherwise)."""
    user = "".join(m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user")
    found = _DOCUMENT.search(user)
    return found.group(1) if found else user


def _static(client: ModelClient, request: CallRequest[Extraction], count: Callable[[str], int]) -> int:
    """The request's static prefix: its system message and schema, the same in every call."""
    system = sum(count(m.get("content", "")) for m in request.messages if m.get("role") == "system")
    return system + client.prompt_tokens(CallRequest(label="-", messages=[], schema=request.schema, prompt_version="-"))


def _add(
    estimate: WeekEstimate, part: ModelShare, prompt: int, static: int, output: float, batched: bool = False
) -> None:
    """Count a call (``batched``: one `generate --batch` sends through the Batch API, re-asks too)."""
    # a re-ask sends the request again with the answer (and the problems, a few tokens) and gets
    # back the fields it names; it goes to the model of the call it re-asks
    share = estimate.reask.share
    prompt_tokens = round(prompt + share * (prompt + output))
    static_tokens = round(static * (1 + share))
    output_tokens = round(output * (1 + share * REASK_OUTPUT_SHARE))
    for total in (estimate, part):
        total.prompt_tokens += prompt_tokens
        total.static_tokens += static_tokens
        total.output_tokens += output_tokens
    if batched:
        part.batched_prompt_tokens += prompt_tokens
        part.batched_output_tokens += output_tokens


def _add_synthesis(
    estimate: WeekEstimate,
    part: ModelShare,
    client: ModelClient,
    period: Period,
    documents: Sequence[Document],
    extracted: int,
    sizes: AnswerSizes,
    budget: int,
    count: Callable[[str], int],
) -> None:
    plan = SynthesisPlan(period, [], budget, count)
    records = extracted * sizes.record_tokens(count, documents[0])
    if plan.overhead + records <= budget:
        estimate.synthesis_calls += 1
        _add(estimate, part, round(plan.overhead + records), plan.overhead, sizes.synthesize)
        return
    parts = math.ceil(records / max(budget - plan.overhead, 1))
    estimate.synthesis_calls += parts
    _add(estimate, part, round(parts * plan.overhead + records), parts * plan.overhead, parts * sizes.synthesize)
    per_call = max(int((budget - plan.reduce_overhead) // max(sizes.synthesize, 1)), 2)
    while True:  # reduce rounds: each call combines as many partial answers as fit the budget
        calls = 1 if parts <= per_call else math.ceil(parts / per_call)
        estimate.synthesis_calls += calls
        prompt = calls * plan.reduce_overhead + parts * sizes.synthesize
        _add(estimate, part, round(prompt), calls * plan.reduce_overhead, calls * sizes.synthesize)
        if calls == 1:
            return
        parts = calls


def _price(estimate: WeekEstimate, client: ModelClient) -> None:
    """Each model's part at its own rates; the week's total only when every part has a price (an
    unknown part makes the whole unknown, never a guessed total)."""
    if not client.priced:
        return
    per_m = 1_000_000
    for part in estimate.models.values():
        price = price_for(part.model)
        if price is None:
            continue
        uncached = part.prompt_tokens - part.static_tokens
        output = part.output_tokens * price.output
        part.list_usd = (part.prompt_tokens * price.input + output) / per_m
        part.cached_usd = (uncached * price.input + part.static_tokens * price.cached_input + output) / per_m
        # the Batch API bills input and output at half; `generate --batch` batches the extraction only
        batched = (part.batched_prompt_tokens * price.input + part.batched_output_tokens * price.output) / per_m
        part.batch_usd = part.list_usd - batched / 2
    parts = list(estimate.models.values())
    if parts and all(part.list_usd is not None for part in parts):
        estimate.list_usd = sum(part.list_usd or 0.0 for part in parts)
        estimate.cached_usd = sum(part.cached_usd or 0.0 for part in parts)
        estimate.batch_usd = sum(part.batch_usd or 0.0 for part in parts)


def _context_warnings(estimate: WeekEstimate, client: ModelClient, largest: dict[str, int], budget: int) -> None:
    """Each model against its own context: the largest request it would get, and for the main model
    the synthesis budget."""
    answer = client.config.max_output_tokens
    for model, tokens in largest.items():
        context = context_tokens_of(model)
        if context is not None and tokens + answer > context:
            estimate.warnings.append(
                f"a request of about {tokens:,} tokens plus up to {answer:,} for its answer exceeds "
                f"{model}'s context of {context:,} tokens"
            )
    context = context_tokens_of(client.config.model)
    if context is not None and budget + answer > context:
        estimate.warnings.append(
            f"the synthesis budget of {budget:,} tokens plus up to {answer:,} for its answer exceeds "
            f"{client.config.model}'s context of {context:,} tokens: lower synthesis_tokens"
        )
