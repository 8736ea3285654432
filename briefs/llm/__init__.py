"""The model layer: structured model calls with retries, re-asks, concurrency, a response cache,
usage and cost, and record/replay at the HTTP transport.

Generic: it takes messages and a pydantic model and returns a validated instance (or a clear
failure with evidence); it knows nothing about briefs' documents. It imports ``briefs.errors`` only.

    config.py      LLMConfig, CallRequest, CallResult, CallUsage, TokenEstimate
    client.py      ModelClient: call, call_many, estimate (the one call path)
    retry.py       the transport retry policy (tenacity)
    throttle.py    AdaptiveLimit: requests in flight, adapted to what the endpoint keeps up with
    cache.py       the on-disk response cache
    usage.py       price table, cost, Ledger
    recording.py   record/replay transport, unused recordings
    network.py     the transport that really sends; the switch that keeps tests off remote hosts
    answers.py     AnswerBookTransport (hand-written reference answers)
    fake_server.py an OpenAI-compatible server on 127.0.0.1 for tests and benchmarks
    errors.py      ModelError and its subclasses
"""

from briefs.llm.answers import AnswerBookTransport
from briefs.llm.cache import CacheInfo, cache_info, clear_cache
from briefs.llm.client import ModelClient
from briefs.llm.config import (
    PLACEHOLDER_API_KEY,
    CallRequest,
    CallResult,
    CallUsage,
    LLMConfig,
    TokenEstimate,
)
from briefs.llm.errors import (
    AnswerMissingError,
    InvalidOutputError,
    ModelError,
    ModelRequestError,
    ModelUnavailable,
    ReplayMissError,
)
from briefs.llm.recording import LABEL_HEADER, REFRESH_HINT, RecordReplayTransport, unused_recordings
from briefs.llm.usage import PRICES, PRICES_AS_OF, Ledger, Price, Totals, cost_usd, price_for

__all__ = [  # noqa: RUF022 - plain sorted(), which tests/test_llm_surface.py checks
    "AnswerBookTransport",
    "AnswerMissingError",
    "CacheInfo",
    "CallRequest",
    "CallResult",
    "CallUsage",
    "InvalidOutputError",
    "LABEL_HEADER",
    "LLMConfig",
    "Ledger",
    "ModelClient",
    "ModelError",
    "ModelRequestError",
    "ModelUnavailable",
    "PLACEHOLDER_API_KEY",
    "PRICES",
    "PRICES_AS_OF",
    "Price",
    "REFRESH_HINT",
    "RecordReplayTransport",
    "ReplayMissError",
    "TokenEstimate",
    "Totals",
    "cache_info",
    "clear_cache",
    "cost_usd",
    "price_for",
    "unused_recordings",
]
