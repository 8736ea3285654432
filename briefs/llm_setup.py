"""Settings → ``LLMConfig``, in one place, for every command that calls the model.

``mode = "auto"`` resolves here: live when ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` is set (they
arrive as ``settings.api_key`` / ``settings.base_url``), else replay from the recordings folder
(default: the sample recordings briefs ships), so the demo and the tests run with no model at all.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx2

from briefs import resources
from briefs.llm import BatchProgress, Hints, LLMConfig
from briefs.settings import Settings
from briefs.tokens import counter_for


def resolve_mode(settings: Settings) -> str:
    if settings.mode != "auto":
        return settings.mode
    return "live" if settings.api_key is not None or settings.base_url else "replay"


def token_counter(settings: Settings) -> Callable[[str], int]:
    # most requests counted are chunks, which go to the extraction model and are sized in its tokens
    return counter_for(settings.extraction_model, settings.encoding)


# What a model-layer error tells a caller of briefs to change, in the library's words: its settings
# (and their BRIEFS_ variables) and functions. The text reaches a library caller as it is (an error,
# a briefing's warning); the command line words these hints with its flags and commands instead
# (briefs.cli_words.MODEL_HINTS), as it does the pipeline's own (briefs.errors.Hint).
BRIEFS_HINTS = Hints(
    timeout="a slow local server may need a longer timeout (BRIEFS_TIMEOUT)",
    input_size="lower the chunk budget (BRIEFS_CHUNK_TOKENS or chunk_tokens in the config file) or max_output_tokens",
    concurrency="lower concurrency (BRIEFS_CONCURRENCY)",
    ca_bundle="set BRIEFS_CA_BUNDLE (or ca_bundle in the config file) to its CA certificate file",
    collect_offline="collect its output file with batch_collect(from_file=FILE)",
    run_offline="write it for a batch runner of yours with batch_submit(offline=True)",
    refresh_recordings=(
        "refresh them in mode record against a live model, or `make reference` for the hand-written sample answers"
    ),
)


def make_llm_config(
    settings: Settings,
    *,
    provenance: str | None = None,
    inner_transport: httpx2.BaseTransport | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
) -> LLMConfig:
    """The model layer's configuration for these settings.

    The response cache lives in ``settings.home / "cache"``; ``use_cache = False`` bypasses cache
    reads but still writes; so does record mode. Replay has no cache: it is already
    offline and deterministic, and a cache in front of it would hide an edited recording.
    """
    mode = resolve_mode(settings)
    return LLMConfig(
        model=settings.model,
        mode=mode,  # type: ignore[arg-type]  # resolve_mode never returns "auto"
        api_key=settings.api_key.get_secret_value() if settings.api_key is not None else None,
        base_url=settings.base_url,
        recordings_dir=settings.recordings or resources.sample_recordings_dir(),
        cache_dir=None if mode == "replay" else settings.home / "cache",
        # record mode asks the model even for cached calls: a recording is only written for a call
        # that reaches the transport, and a run in mode record must leave every call of it recorded
        read_cache=settings.use_cache and mode != "record",
        concurrency=settings.concurrency,
        timeout=settings.timeout,
        max_attempts=settings.max_attempts,
        max_retry_seconds=settings.max_retry_seconds,
        reasks=settings.reasks,
        max_output_tokens=settings.max_output_tokens,
        provenance=provenance,
        ca_bundle=settings.ca_bundle,
        inner_transport=inner_transport,
        count_tokens=token_counter(settings),
        hints=BRIEFS_HINTS,
        progress=progress,
    )
