"""A key never appears in logs, errors, recordings, the cache or outputs.

One run with a sentinel key through successes, record mode and every kind of failure, including a
leaky server that echoes the Authorization header into its error messages; then everything the
run left behind is searched for the sentinel."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from llm_support import client_for, note_request

from briefs.llm import LLMConfig, ModelError
from briefs.llm.testing.fake_server import FakeServer, Fault, client_error, not_json, rate_limited

# Built at run time: a credential-shaped literal in the repo would trip the secret scanners we want
# people to keep trusting. It is not a real key.
SENTINEL = "-".join(("sk", "SENTINEL", "7f3a9c0e5b1d4c2a8e6f"))


def test_a_sentinel_key_leaves_no_trace(
    fake_openai: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    caplog.set_level(logging.DEBUG)  # the SDK's and httpx2's debug logs too
    leaky_500 = Fault("status", status=500, text="upstream failed", echo_auth=True)
    errors: list[ModelError] = []
    key = os.environ["OPENAI_API_KEY"]  # as the pipeline gets it

    for mode in ("live", "record"):
        fake_openai.script("extract/retry/chunk-0", rate_limited(retry_after="0"), leaky_500)
        fake_openai.script("extract/down/chunk-0", *[leaky_500] * 4)
        fake_openai.script("extract/bad/chunk-0", not_json(), not_json(), not_json())
        fake_openai.script(
            "extract/leaky/chunk-0", client_error(401, text="Incorrect API key provided", echo_auth=True)
        )
        with client_for(fake_openai, tmp_path, mode=mode, api_key=key, recordings_dir=tmp_path / "rec") as client:
            labels = ["extract/ok/chunk-0", "extract/retry/chunk-0", "extract/down/chunk-0", "extract/bad/chunk-0"]
            # the text differs per mode so that record mode is not answered from the cache
            for result in client.call_many([note_request(label, text=f"{mode} {label}") for label in labels]):
                if isinstance(result, ModelError):
                    errors.append(result)
            # The refused key marks the endpoint down for every call not yet sent: it comes after the
            # others, whose retries are what it would otherwise cut short (by how the threads are
            # scheduled), then one call more meets the refusal it left behind.
            for label in ("extract/leaky/chunk-0", "extract/after/chunk-0"):
                with pytest.raises(ModelError) as caught:
                    client.call(note_request(label, text=f"{mode} {label}"))
                errors.append(caught.value)
            assert "not sent, because an earlier call failed" in str(errors[-1])
            print(client.ledger.summary())

    assert any(SENTINEL in seen.headers.get("authorization", "") for seen in fake_openai.requests)  # it was sent
    assert len(errors) == 8 and fake_openai.served("status 500") == 10  # the leaky paths were exercised
    assert fake_openai.served("status 401") == 2

    evidence = [caplog.text, *capsys.readouterr(), repr(LLMConfig(model="m", mode="live", api_key=SENTINEL))]
    for error in errors:
        evidence += [str(error), repr(error), *(str(arg) for arg in error.args), getattr(error, "last_raw", "")]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any("cache" in p.parts for p in files) and any("rec" in p.parts for p in files)
    evidence += [p.read_text(encoding="utf-8", errors="replace") for p in files]
    leaks = [text[:200] for text in evidence if SENTINEL in text]
    assert leaks == []
    assert any("***" in str(error) for error in errors)  # the echoed key was scrubbed, not just absent


def test_replay_never_hands_the_real_key_to_the_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefs.llm import PLACEHOLDER_API_KEY, ModelClient

    (tmp_path / "rec").mkdir()
    client = ModelClient(LLMConfig(model="m", mode="replay", api_key=SENTINEL, recordings_dir=tmp_path / "rec"))
    assert client._openai.api_key == PLACEHOLDER_API_KEY
    client.close()


def test_a_local_server_without_a_key_gets_the_placeholder(fake_openai: FakeServer) -> None:
    from briefs.llm import PLACEHOLDER_API_KEY

    with client_for(fake_openai, api_key=None) as client:
        client.call(note_request())
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {PLACEHOLDER_API_KEY}"


def test_the_sentinel_check_itself_can_fail(fake_openai: FakeServer) -> None:
    """Without scrubbing, the leaky server would put the key into the error: prove it does."""
    fake_openai.script("x", client_error(401, echo_auth=True))
    with client_for(fake_openai, api_key=SENTINEL) as client:
        client._secrets = []  # switch scrubbing off
        with pytest.raises(ModelError) as caught:
            client.call(note_request("x"))
    assert SENTINEL in str(caught.value)


def test_no_test_reaches_a_live_model_by_accident() -> None:
    assert "OPENAI_API_KEY" not in os.environ and "OPENAI_BASE_URL" not in os.environ
    assert "briefs-home" in os.environ["BRIEFS_HOME"]


@pytest.mark.live
def test_live_smoke() -> None:
    """Opt-in only (BRIEFS_ALLOW_LIVE=1 with OPENAI_API_KEY or OPENAI_BASE_URL): one real structured call."""
    from briefs.llm import ModelClient

    config = LLMConfig(
        model=os.environ.get("BRIEFS_MODEL", "gpt-4.1-mini"),
        mode="live",
        api_key=os.environ.get("OPENAI_API_KEY"),
        base_url=os.environ.get("OPENAI_BASE_URL"),
        timeout=60,
    )
    with ModelClient(config) as client:
        result = client.call(note_request("live/smoke", text="国家药监局召开会议，部署3项重点工作。"))
    assert result.value.title


def test_a_remote_endpoint_is_unreachable_from_a_test_that_did_not_opt_in() -> None:
    from briefs.llm import ModelClient, ModelRequestError

    config = LLMConfig(model="gpt-4.1-mini", mode="live", api_key="sk-not-real", base_url="https://api.openai.com/v1")
    with ModelClient(config) as client, pytest.raises(ModelRequestError, match="switched off"):
        client.call(note_request("extract/remote/chunk-0"))


def test_a_password_in_the_base_url_is_not_repeated_by_a_404s_advice(fake_openai: FakeServer) -> None:
    """A gateway's user:password@ in the base URL is a secret too: the advice names the URL without it."""
    password = "-".join(("gateway", "SENTINEL", "3b9d"))
    fake_openai.script("x", client_error(404), client_error(404))
    base_url = fake_openai.base_url.replace("http://", f"http://briefs:{password}@")
    with client_for(fake_openai, base_url=base_url) as client, pytest.raises(ModelError) as caught:
        client.call(note_request("x"))
    message = str(caught.value)
    assert "check the model name" in message and fake_openai.base_url in message
    assert password not in message
