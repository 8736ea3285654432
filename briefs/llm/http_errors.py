"""How the model layer reads an HTTP failure: a request too large for the model's context, what to
check when no connection was made (a certificate, the proxy, the endpoint), and the failures that
would repeat for every call (so the next ones are not sent). Pure functions of the SDK's errors."""

from __future__ import annotations

import re
from typing import Any

import httpx2
from openai import APIConnectionError, APIError, APIStatusError, APITimeoutError

from briefs.llm.config import Hints
from briefs.llm.retry import is_quota_exhausted

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
