"""Context overflow named as such: the request size, the server's context and how to raise it; and
a local server's context asked before the first call (llama-server /props, Ollama /api/show)."""

from __future__ import annotations

import pytest
from llm_support import client_for, note_request

from briefs.llm import ModelRequestError
from briefs.llm.testing.fake_server import FakeServer
from briefs.llm_setup import BRIEFS_HINTS


def _count(text: str) -> int:
    return max(len(text.encode("utf-8")) // 4, 1)


@pytest.mark.parametrize("kind", ["llama-server", "openai"])
def test_an_oversize_request_says_it_exceeds_the_servers_context_and_how_to_raise_it(kind: str) -> None:
    with (
        FakeServer(kind=kind, context_tokens=50) as server,
        client_for(server, max_attempts=1, hints=BRIEFS_HINTS) as client,
    ):
        with pytest.raises(ModelRequestError) as caught:
            client.call(note_request(text="国家药监局部署专项整治。" * 40))
    line = str(caught.value)
    assert "exceeds the server's context (50 tokens)" in line
    assert "the request (" in line and "tokens)" in line
    assert "llama-server -c" in line and "num_ctx" in line and "BRIEFS_CHUNK_TOKENS" in line
    assert "structured outputs" not in line
    assert server.count() == 0  # refused before it was answered: one request, no retries (a 400)


def test_a_plain_400_still_says_structured_outputs() -> None:
    from briefs.llm.testing.fake_server import client_error

    with FakeServer() as server, client_for(server) as client:
        server.script("*", client_error(400, text="response_format json_schema is not supported"))
        with pytest.raises(ModelRequestError, match="structured outputs"):
            client.call(note_request())


def test_llama_server_with_a_small_context_is_warned_about_before_the_first_call() -> None:
    with FakeServer(kind="llama-server", context_tokens=4096) as server:
        with client_for(server, count_tokens=_count, max_output_tokens=2000, hints=BRIEFS_HINTS) as client:
            warning = client.context_warning([note_request(text="药" * 20000)])
    assert warning is not None
    assert warning.startswith("llama-server at http://127.0.0.1:")
    assert "context of 4,096 tokens" in warning and "-c 32768" in warning and "BRIEFS_CHUNK_TOKENS" in warning
    assert server.count() == 0  # the probe is no model call


def test_a_context_that_holds_the_largest_request_gets_no_warning() -> None:
    with FakeServer(kind="llama-server", context_tokens=65536) as server:
        with client_for(server, count_tokens=_count, max_output_tokens=2000, hints=BRIEFS_HINTS) as client:
            assert client.context_warning([note_request()]) is None


@pytest.mark.parametrize(("num_ctx", "expected"), [(2048, "context of 2,048 tokens"), (None, "does not report")])
def test_ollama_is_asked_through_api_show(num_ctx: int | None, expected: str) -> None:
    with FakeServer(kind="ollama", context_tokens=num_ctx) as server:
        with client_for(server, model="qwen2.5:14b", count_tokens=_count, max_output_tokens=2000) as client:
            warning = client.context_warning([note_request(text="药" * 20000)])
    assert warning is not None and warning.startswith("Ollama at") and expected in warning
    assert "num_ctx" in warning and "OLLAMA_CONTEXT_LENGTH" in warning


def test_a_server_that_says_nothing_of_its_context_is_not_warned_about(fake_openai: FakeServer) -> None:
    with client_for(fake_openai, count_tokens=_count) as client:
        assert client.context_warning([note_request()]) is None


def test_a_hosted_endpoint_is_never_probed(fake_openai: FakeServer) -> None:
    with client_for(fake_openai, base_url="https://api.openai.com/v1", count_tokens=_count) as client:
        assert client.server_context() is None  # and no request left: remote hosts are switched off here
