"""How the model layer reads an HTTP failure and tells it: which ``ModelError`` it becomes, with
what to check or change (a certificate, the proxy, the key, the model name, a request too large for
the model's context, a slow server), and which failures would repeat for every call (so the next ones
are not sent). Pure functions of the SDK's errors and of the ``Endpoint`` the calls go to; the
words that name the caller's settings come in through ``Hints``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
from openai import APIConnectionError, APIError, APIStatusError, APITimeoutError

from briefs.llm.config import Hints
from briefs.llm.errors import ModelError, ModelRequestError, ModelUnavailable, clipped
from briefs.llm.retry import is_quota_exhausted, is_transient

Scrub = Callable[[str], str]  # takes every secret out of a message


@dataclass(frozen=True)
class Endpoint:
    """Where a client's calls go, as its failure messages name it."""

    url: str  # the base URL, without any user:password@ in it
    model: str
    timeout: float  # seconds a request may take
    proxy: str | None  # the proxy on the way, as shown (no password); None: a direct connection
    hints: Hints

    @property
    def route(self) -> str:
        """Words to add to a connection error when the endpoint is reached through a proxy."""
        return "" if self.proxy is None else f" through the proxy {self.proxy}"


def call_failure(
    error: APIError, endpoint: Endpoint, *, label: str, attempts: int, elapsed: float, scrub: Scrub
) -> ModelError:
    """The error a call ends with once the retry policy has given up on ``error``."""
    what = scrub(describe(error))
    spent = f"{attempts} attempts in {elapsed:.1f}s"
    if isinstance(error, APITimeoutError):
        return ModelUnavailable(
            f"{label}: {endpoint.url} did not answer within {endpoint.timeout:g}s, {spent}; {endpoint.hints.timeout}",
            label=label,
            attempts=attempts,
        )
    if isinstance(error, APIConnectionError) and not never_connected(error):
        return ModelUnavailable(
            f"{label}: the connection to {endpoint.url} was dropped before an answer ({what}), {spent}; "
            "the server was reached, so try again later",
            label=label,
            attempts=attempts,
        )
    if isinstance(error, APIConnectionError):
        return ModelUnavailable(
            f"{label}: cannot connect to the model endpoint {endpoint.url}{endpoint.route} ({what}), {spent}; "
            f"{connection_advice(error, endpoint.proxy is not None, endpoint.hints)}",
            label=label,
            attempts=attempts,
        )
    if is_transient(error) or (isinstance(error, APIStatusError) and error.status_code >= 500):
        return ModelUnavailable(
            f"{label}: the model endpoint kept failing ({what}) after {spent}; "
            f"try again later, or {endpoint.hints.concurrency} if it is rate limiting",
            label=label,
            attempts=attempts,
        )
    if not isinstance(error, APIStatusError):  # an unexpected response shape, say
        return ModelUnavailable(f"{label}: {what}", label=label, attempts=attempts)
    return ModelRequestError(f"{label}: {request_advice(error, endpoint)} ({what})", label=label, attempts=attempts)


def unreachable(error: httpx2.HTTPError, endpoint: Endpoint, *, scrub: Scrub) -> ModelUnavailable:
    """The error of a preflight request that could not connect, before any call is paid for."""
    advice = connection_advice(error, endpoint.proxy is not None, endpoint.hints)
    return ModelUnavailable(
        f"cannot connect to the model endpoint {endpoint.url}{endpoint.route} ({type(error).__name__}: "
        f"{scrub(clipped(str(error), 120))}); {advice}",
        label="preflight",
    )


def request_advice(error: APIStatusError, endpoint: Endpoint) -> str:
    """What to change when the endpoint refused the request itself (retrying cannot help)."""
    model = endpoint.model
    if is_quota_exhausted(error):
        return "the account's quota is exhausted: check billing and the plan limits of the API key"
    status = error.status_code
    if status == 400 and (overflow := context_overflow(error)) is not None:
        return overflow_advice(*overflow, endpoint=endpoint)
    if status == 400:
        return (
            f"the endpoint rejected the request: check that model {model!r} supports structured outputs (json_schema)"
        )
    if status == 401:
        return "the API key was refused: set a valid OPENAI_API_KEY (or none for a local server without auth)"
    if status == 403:
        return f"permission denied: the API key's project may not use model {model!r}"
    if status == 404:
        return f"not found: check the model name {model!r} and the base URL {endpoint.url} (OPENAI_BASE_URL)"
    if status == 422:
        return f"the endpoint could not process the request for model {model!r}"
    return f"the endpoint refused the request (HTTP {status})"


def overflow_advice(request_tokens: int | None, context_tokens: int | None, *, endpoint: Endpoint) -> str:
    """What to raise or lower when a request did not fit the model's context."""
    size = f"the request ({request_tokens:,} tokens)" if request_tokens else "the request"
    limit = f"the server's context ({context_tokens:,} tokens)" if context_tokens else "the server's context"
    return (
        f"{size} exceeds {limit} of model {endpoint.model!r} at {endpoint.url}: raise the context "
        "(llama-server -c 32768; Ollama num_ctx / OLLAMA_CONTEXT_LENGTH; vLLM --max-model-len) "
        f"or {endpoint.hints.input_size}"
    )


def describe(error: BaseException | None) -> str:
    """An SDK error in a few words, for a retry line or a failure's message."""
    if isinstance(error, APIStatusError):
        return f"HTTP {error.status_code}: {clipped(error.message)}"
    if isinstance(error, APITimeoutError):
        return "timed out"
    if isinstance(error, APIConnectionError):
        cause = error.__cause__
        return f"connection failed ({type(cause).__name__ if cause else 'unknown'})"
    return clipped(f"{type(error).__name__}: {error}")


_CONTEXT_WORDS = re.compile(r"context (length|size|window)|maximum context|too many tokens|exceeds? .*context", re.I)


def context_overflow(error: APIStatusError) -> tuple[int | None, int | None] | None:
    """(request tokens, context tokens) when a 400 says the request is larger than the model's
    context (llama-server's exceed_context_size_error, OpenAI's and vLLM's context_length_exceeded),
    each None when the server does not say; None when the error is something else."""
    body = error.body if isinstance(error.body, dict) else {}
    detail: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else body
    message = str(detail.get("message") or error.message or "")
    kind = f"{detail.get('type') or ''} {detail.get('code') or ''}"
    if (
        "exceed_context_size" not in kind
        and "context_length_exceeded" not in kind
        and not _CONTEXT_WORDS.search(message)
    ):
        return None
    request_tokens = detail.get("n_prompt_tokens")
    context_tokens = detail.get("n_ctx")
    if not isinstance(request_tokens, int):
        found = re.search(r"request \((\d+) tokens\)|resulted in (\d+) tokens|requested (\d+) tokens", message)
        request_tokens = int(next(g for g in found.groups() if g)) if found else None
    if not isinstance(context_tokens, int):
        found = re.search(r"context (?:size|length) (?:is )?\(?(\d+)|maximum context length is (\d+)", message)
        context_tokens = int(next(g for g in found.groups() if g)) if found else None
    return request_tokens, context_tokens


def connection_advice(error: BaseException, proxied: bool, hints: Hints) -> str:
    """What to check, from what failed: a certificate, the proxy, or the endpoint itself."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(f"{type(c).__name__} {c}" for c in chain)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return f"the server's TLS certificate is not trusted; behind a TLS-inspecting proxy, {hints.ca_bundle}"
    if proxied:
        return (
            "check the proxy settings (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY; NO_PROXY for hosts to reach "
            "directly) and that the proxy lets this host through"
        )
    return "check OPENAI_BASE_URL and that the server is running"


def repeats_for_every_call(error: APIError) -> bool:
    """Failures that do not depend on the request: no point sending the next one."""
    if isinstance(error, APIConnectionError):
        # refused, DNS: the endpoint is not there. A timeout may be one slow answer, and a connection
        # dropped mid-answer came from a server that is running: those stay with their own call.
        return never_connected(error)
    if isinstance(error, APIStatusError):
        return error.status_code in (401, 403, 404) or is_quota_exhausted(error)
    return False


def never_connected(error: APIConnectionError) -> bool:
    """True when no connection was made at all (refused, no such host), not when one was lost."""
    if isinstance(error, APITimeoutError):
        return False
    # a proxy that refuses the tunnel never connected us to the endpoint either
    return isinstance(error.__cause__, (httpx2.ConnectError, httpx2.ProxyError)) or error.__cause__ is None
