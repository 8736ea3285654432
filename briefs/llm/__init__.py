"""The model layer: structured model calls with retries, re-asks, concurrency, a response cache,
usage and cost, and record/replay at the HTTP transport.

Generic: it takes messages and a pydantic model and returns a validated instance (or a clear
failure with evidence); it knows nothing about briefs' documents and imports nothing from briefs
(a test checks), so it could be published alone.
Names load on first use (PEP 562), as in ``briefs``: ``from briefs.llm import Usage`` (what
``briefs.models`` needs) must not pull in the openai SDK.

    config.py      LLMConfig, CallRequest, CallResult, Usage, TokenEstimate, Narrowed, BatchProgress
    client.py      ModelClient: call, call_many, estimate (the one call path); sends, retries, caches
    answers.py     reading an answer; deciding and building a re-ask; merging re-asked fields back
    http_errors.py an HTTP failure as a ModelError with what to change; failures that repeat for every call
    batch.py       the Batch API: the same requests as batch JSONL, submitted, collected into the cache
    retry.py       the transport retry policy (tenacity)
    throttle.py    AdaptiveLimit: requests in flight, adapted to what the endpoint keeps up with
    cache.py       the on-disk response cache
    usage.py       price table, cost, Ledger
    recording.py   record/replay transport, unused recordings
    network.py     the transport that really sends; the switch that keeps tests off remote hosts
    probe.py       a local server's context window (llama-server, Ollama), asked before the first call
    testing/       out of the hot path, never imported by the layer's own modules:
      fake_server.py   an OpenAI-compatible server on 127.0.0.1 for tests and benchmarks
      answers.py       AnswerBookTransport (hand-written reference answers), completion_wire
    files.py       atomic writes and a best-effort folder (the cache's), which briefs.files re-exports
    errors.py      LLMError, the layer's root: LLMConfigError, ModelError and its subclasses
"""

# The imports are private (underscored) so that the package's namespace is exactly __all__.
import importlib as _importlib
import typing as _typing

# Each public name and the module that defines it.
_EXPORTS = {
    "AnswerMissingError": "briefs.llm.errors",
    "BatchProgress": "briefs.llm.config",
    "BatchRun": "briefs.llm.batch",
    "BatchState": "briefs.llm.batch",
    "BatchWaiting": "briefs.llm.batch",
    "CacheInfo": "briefs.llm.cache",
    "CallRequest": "briefs.llm.config",
    "CallResult": "briefs.llm.config",
    "Collected": "briefs.llm.batch",
    "InvalidOutputError": "briefs.llm.errors",
    "Hints": "briefs.llm.config",
    "LLMConfig": "briefs.llm.config",
    "LLMConfigError": "briefs.llm.errors",
    "LLMError": "briefs.llm.errors",
    "Ledger": "briefs.llm.usage",
    "ModelClient": "briefs.llm.client",
    "ModelError": "briefs.llm.errors",
    "ModelRequestError": "briefs.llm.errors",
    "ModelUnavailable": "briefs.llm.errors",
    "Narrowed": "briefs.llm.config",
    "PLACEHOLDER_API_KEY": "briefs.llm.config",
    "PRICES_AS_OF": "briefs.llm.usage",
    "ReplayMissError": "briefs.llm.errors",
    "TokenEstimate": "briefs.llm.config",
    "Usage": "briefs.llm.config",
    "cache_info": "briefs.llm.cache",
    "clear_cache": "briefs.llm.cache",
    "collect_batch": "briefs.llm.batch",
    "collect_file": "briefs.llm.batch",
    "write_offline": "briefs.llm.batch",
    "context_tokens_of": "briefs.llm.usage",
    "cost_usd": "briefs.llm.usage",
    "price_for": "briefs.llm.usage",
    "reask_state_path": "briefs.llm.batch",
    "retrieve_batch": "briefs.llm.batch",
    "run_batch": "briefs.llm.batch",
    "submit_batch": "briefs.llm.batch",
    "unused_recordings": "briefs.llm.recording",
}

if _typing.TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ loads these
    from briefs.llm.batch import (
        BatchRun,
        BatchState,
        BatchWaiting,
        Collected,
        collect_batch,
        collect_file,
        reask_state_path,
        retrieve_batch,
        run_batch,
        submit_batch,
        write_offline,
    )
    from briefs.llm.cache import CacheInfo, cache_info, clear_cache
    from briefs.llm.client import ModelClient
    from briefs.llm.config import (
        PLACEHOLDER_API_KEY,
        BatchProgress,
        CallRequest,
        CallResult,
        Hints,
        LLMConfig,
        Narrowed,
        TokenEstimate,
        Usage,
    )
    from briefs.llm.errors import (
        AnswerMissingError,
        InvalidOutputError,
        LLMConfigError,
        LLMError,
        ModelError,
        ModelRequestError,
        ModelUnavailable,
        ReplayMissError,
    )
    from briefs.llm.recording import unused_recordings
    from briefs.llm.usage import PRICES_AS_OF, Ledger, context_tokens_of, cost_usd, price_for

__all__ = [  # noqa: RUF022 - plain sorted(), which tests/test_llm_surface.py checks
    "AnswerMissingError",
    "BatchProgress",
    "BatchRun",
    "BatchState",
    "BatchWaiting",
    "CacheInfo",
    "CallRequest",
    "CallResult",
    "Collected",
    "Hints",
    "InvalidOutputError",
    "LLMConfig",
    "LLMConfigError",
    "LLMError",
    "Ledger",
    "ModelClient",
    "ModelError",
    "ModelRequestError",
    "ModelUnavailable",
    "Narrowed",
    "PLACEHOLDER_API_KEY",
    "PRICES_AS_OF",
    "ReplayMissError",
    "TokenEstimate",
    "Usage",
    "cache_info",
    "clear_cache",
    "collect_batch",
    "collect_file",
    "context_tokens_of",
    "cost_usd",
    "price_for",
    "reask_state_path",
    "retrieve_batch",
    "run_batch",
    "submit_batch",
    "unused_recordings",
    "write_offline",
]


def __getattr__(name: str) -> _typing.Any:
    """Load a public name on first use (PEP 562) and keep it, so the next lookup is a plain one."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'briefs.llm' has no attribute {name!r}")
    value = getattr(_importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
