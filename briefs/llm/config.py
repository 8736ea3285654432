"""What a caller hands the model layer (``LLMConfig``, ``CallRequest``) and what it gets back
(``CallResult``, ``Usage``). Plain dataclasses, and ``Usage`` a frozen pydantic model because callers
keep it in their own records: the layer is configured in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

import httpx2
from pydantic import BaseModel, ConfigDict

T = TypeVar("T", bound=BaseModel)

Mode = Literal["live", "replay", "record"]

# Sent as the API key when no key is needed (replay, or a local server without auth). It is not a
# secret and cannot unlock anything, so it may appear anywhere without harm.
PLACEHOLDER_API_KEY = "briefs-no-key-needed"

DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Hints:
    """What an error tells the user to change, in the caller's words (its setting names, its
    commands): the model layer names no setting of any application. The defaults speak of this
    layer's own configuration."""

    timeout: str = "a slow server may need a longer timeout (LLMConfig.timeout)"
    input_size: str = "send less input per request"
    concurrency: str = "lower LLMConfig.concurrency"  # to a rate-limiting endpoint
    ca_bundle: str = "set LLMConfig.ca_bundle to its CA certificate file"
    refresh_recordings: str = "record the calls again in record mode against a live model"
    collect_offline: str = "read the runner's output file with collect_file"  # a batch written for a local runner
    run_offline: str = "write it for a batch runner of yours with write_offline"  # an endpoint without a Batch API


@dataclass(frozen=True)
class LLMConfig:
    model: str
    mode: Mode  # resolved by the pipeline ("auto" never reaches here)
    api_key: str | None = field(default=None, repr=False)  # never printed
    base_url: str | None = None
    recordings_dir: Path | None = None  # replay reads here, record writes here
    cache_dir: Path | None = None  # None: no cache
    read_cache: bool = True  # False: bypass reads (answers are still written)
    concurrency: int = 4  # the most requests in flight; the client adapts below it (briefs.llm.throttle)
    start_concurrency: int | None = None  # where the adaptive limit starts (None: at the ceiling)
    timeout: float = 120.0
    max_attempts: int = 4  # transport attempts per request (tenacity); the SDK's max_retries is 0
    max_retry_seconds: float = 300.0
    reasks: int = 2  # re-asks after invalid output
    max_output_tokens: int = 16384
    provenance: str | None = None  # written into recordings made in record mode
    ca_bundle: Path | None = None  # extra CA certificates to trust (a TLS-inspecting proxy's), PEM
    inner_transport: httpx2.BaseTransport | None = None  # live/record: what actually sends (default: network)
    count_tokens: Callable[[str], int] | None = None  # dry-run estimates and answer books
    hints: Hints = field(default_factory=Hints)  # the caller's words for what to change
    # Told how each batch of calls (call_many) stands; the caller draws it (a terminal bar, a log),
    # the layer never does. None: nothing is told.
    progress: Callable[[BatchProgress], None] | None = None

    @property
    def endpoint_url(self) -> str:
        """The base URL the calls go to: ``base_url``, else OpenAI's."""
        return self.base_url or DEFAULT_BASE_URL


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch of calls (``ModelClient.call_many``) stands: ``done`` of ``total`` answered (the
    total grows as follow-up calls are added). Told once at the start (``done`` 0), after each
    answer, and once more with ``finished`` when the batch ends, answered or interrupted."""

    description: str
    done: int
    total: int
    finished: bool = False


@dataclass(frozen=True)
class Narrowed(Generic[T]):
    """A check re-ask that asks only for the fields that failed: the schema of that partial answer
    (it must ignore extra keys, so a model that answers the whole object again is still read) and
    how to put it back into the earlier answer."""

    fields: list[str]
    schema: type[BaseModel]
    merge: Callable[[T, BaseModel], T]


@dataclass(frozen=True)
class CallRequest(Generic[T]):
    label: str  # "extract/<doc-stem>/chunk-<i>", "merge/<doc-stem>", "synthesize/<week>"
    messages: list[dict[str, str]]  # static instructions first, document data last
    schema: type[T]  # strict-safe pydantic model
    prompt_version: str  # part of the cache key and of the provider's prompt_cache_key
    # Soft checks (e.g. quote verification): problems are shown to the model and re-asked
    # check_reasks times, then the last answer is returned with its problems.
    check: Callable[[T], list[str]] | None = None
    check_reasks: int = 1
    # The fields a check re-ask asks for (None: the whole object again). Output tokens are most of
    # the bill: a re-ask for one wrong summary need not repeat every requirement.
    narrow: Callable[[T, list[str]], Narrowed[T] | None] | None = None
    # The model this call goes to, and its re-asks (None: LLMConfig.model). A cheaper model can do the
    # many calls of one stage while the few that need judgment keep the main one.
    model: str | None = None

    @property
    def stage(self) -> str:
        return stage_of(self.label)


def stage_of(label: str) -> str:
    """The stage a call belongs to: the label up to its first "/"."""
    return label.split("/", 1)[0]


class Usage(BaseModel):
    """Calls, requests, tokens and cost: of one call (every HTTP attempt, retry and re-ask included),
    or added up with ``+`` over a document, a stage or a run. The one shape of usage everywhere: a
    call's result carries it, a failed call's error carries it, the ledger and the run record sum it.

    ``cost_usd`` is None when any call added in had no price (a model not in the price table, or an
    endpoint that is not priced): an unknown part makes the whole unknown, never a guessed total.
    """

    model_config = ConfigDict(frozen=True)

    calls: int = 0
    attempts: int = 0  # HTTP requests sent, retries and re-asks included
    prompt_tokens: int = 0
    cached_tokens: int = 0  # of the prompt tokens, those the provider served from its prompt cache
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    cache_hits: int = 0  # calls answered from the response cache (nothing sent)
    failed: int = 0  # calls that ended in an error (their tokens still count)
    # requests that asked again after reading an answer (invalid, or a check found problems); each is
    # also one of the attempts. Apart from transport retries: what a dry run's estimate learns from.
    reasks: int = 0

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost_usd is None or other.cost_usd is None else round(self.cost_usd + other.cost_usd, 8)
        return Usage(
            calls=self.calls + other.calls,
            attempts=self.attempts + other.attempts,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=cost,
            cache_hits=self.cache_hits + other.cache_hits,
            failed=self.failed + other.failed,
            reasks=self.reasks + other.reasks,
        )

    @property
    def from_cache(self) -> bool:
        """One call's usage: it was answered from the response cache."""
        return self.cache_hits > 0


@dataclass
class CallResult(Generic[T]):
    label: str
    value: T
    problems: list[str]  # soft-check problems left after the check re-asks
    raw: str  # the model's raw answer text
    usage: Usage


@dataclass
class TokenEstimate:
    """A dry run: what a batch of calls would send, counted locally, nothing called."""

    calls: int = 0
    cache_hits: int = 0  # calls already answered in the cache (they cost nothing)
    prompt_tokens: int = 0  # of the calls that would be sent
    max_completion_tokens: int = 0  # upper bound: calls x max_output_tokens
    input_cost_usd: float | None = None
    max_cost_usd: float | None = None  # if every answer used the whole output budget
    per_stage: dict[str, int] = field(default_factory=dict)  # prompt tokens per stage
