"""What a local model server says about its context window, asked before the first call.

A local server's context is often far smaller than the model's: llama-server's `-c` (often 4096),
Ollama's `num_ctx` (2048 or 4096 unless set). A request past it fails (llama-server) or is cut
silently (Ollama), and either looks like a bad model. So before the first call we ask:

* llama-server: ``GET /props`` → ``default_generation_settings.n_ctx``;
* Ollama: ``POST /api/show {"model": ...}`` → ``num_ctx`` in ``parameters`` when the model sets it,
  else Ollama's default applies (reported as unknown, with how to set it).

Best effort: any other answer (a hosted API, vLLM, a server that is down) means "not known", never
an error; the call itself will say what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx2

from briefs.llm.errors import ModelError

PROBE_TIMEOUT = 3.0


@dataclass(frozen=True)
class ServerContext:
    server: str  # "llama-server" or "Ollama"
    tokens: int | None  # None: the server uses a default it does not report
    how_to_raise: str


LLAMA_SERVER_RAISE = "start llama-server with a larger -c (e.g. -c 32768)"
OLLAMA_RAISE = (
    "set num_ctx in the model's Modelfile (PARAMETER num_ctx 32768) or OLLAMA_CONTEXT_LENGTH=32768 for the "
    "server; the OpenAI-compatible API cannot set it per request"
)


def context_shortfall(
    context: ServerContext, where: str, *, largest: int, answer_tokens: int, input_size_hint: str
) -> str | None:
    """A warning when ``context`` cannot hold the ``largest`` request (in tokens) with room for an
    answer of ``answer_tokens``, or cannot tell; None when it can. ``where`` names the server."""
    named = f"{context.server} at {where}"
    if context.tokens is None:
        return (
            f"{named} does not report its context window and uses its default unless num_ctx is set; the "
            f"largest request is about {largest:,} tokens plus up to {answer_tokens:,} for the "
            f"answer: {context.how_to_raise}"
        )
    needed = largest + answer_tokens
    if context.tokens >= needed:
        return None
    return (
        f"{named} has a context of {context.tokens:,} tokens, but the largest request is about {largest:,} "
        f"tokens plus up to {answer_tokens:,} for the answer ({needed:,} in all): "
        f"{context.how_to_raise}, or {input_size_hint}"
    )


def server_root(base_url: str) -> str:
    """http://host:8080/v1 → http://host:8080: where /props and /api/show live."""
    return re.sub(r"/v1/?$", "", base_url.rstrip("/"))


def probe_context(base_url: str, model: str, transport: httpx2.BaseTransport) -> ServerContext | None:
    root = server_root(base_url)
    with httpx2.Client(transport=transport, timeout=PROBE_TIMEOUT) as http:
        for ask in (_llama_server, _ollama):
            try:
                found = ask(http, root, model)
            except (httpx2.HTTPError, ModelError, ValueError, TypeError, AttributeError):
                found = None  # not that kind of server, or not reachable: the probe is only advice
            if found is not None:
                return found
    return None


def _llama_server(http: httpx2.Client, root: str, model: str) -> ServerContext | None:
    response = http.get(f"{root}/props")
    if response.status_code != 200:
        return None
    settings = response.json().get("default_generation_settings") or {}
    n_ctx = settings.get("n_ctx")
    if not isinstance(n_ctx, int):
        return None
    return ServerContext("llama-server", n_ctx, LLAMA_SERVER_RAISE)


def _ollama(http: httpx2.Client, root: str, model: str) -> ServerContext | None:
    response = http.post(f"{root}/api/show", json={"model": model})
    if response.status_code != 200:
        return None
    info = response.json()
    if "model_info" not in info and "parameters" not in info:
        return None
    found = re.search(r"^num_ctx\s+(\d+)", info.get("parameters") or "", re.M)
    return ServerContext("Ollama", int(found.group(1)) if found else None, OLLAMA_RAISE)
