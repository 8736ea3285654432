"""``ModelClient``: the one way briefs calls a model.

One call path: ``client.chat.completions.parse`` of the official SDK (a pydantic model becomes a
strict JSON schema), against api.openai.com or any OpenAI-compatible base URL. Around it:

* transport faults → the tenacity policy in ``briefs.llm.retry`` (the SDK's retries are off), and
  a failure it gives up on → a ``ModelError`` saying what to change (``briefs.llm.http_errors``);
* invalid answers (not JSON, schema violations, cut off, refused, filtered) → re-asked with the
  error shown to the model, ``reasks`` times, then ``InvalidOutputError`` with the evidence;
  soft checks (``CallRequest.check``) → re-asked ``check_reasks`` times, then returned with
  problems. Reading answers and deciding re-asks is ``briefs.llm.answers``; this module sends;
* the on-disk cache (``briefs.llm.cache``), the ledger (``briefs.llm.usage``) and record/replay
  (``briefs.llm.recording``) at the HTTP transport handed to the SDK.

A local server that ignores the schema is caught by our own validation (the SDK's parse), never
trusted. The API key is scrubbed from every message this module raises or logs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import httpx2
import pydantic
from openai import APIError, DefaultHttpx2Client, OpenAI, RateLimitError
from tenacity import RetryCallState

from briefs.llm.answers import Answer, Checked, Conversation
from briefs.llm.cache import ResponseCache, cache_key
from briefs.llm.config import (
    PLACEHOLDER_API_KEY,
    BatchProgress,
    CallRequest,
    CallResult,
    LLMConfig,
    T,
    TokenEstimate,
    Usage,
)
from briefs.llm.errors import InvalidOutputError, LLMConfigError, ModelError, ModelUnavailable
from briefs.llm.http_errors import Endpoint, call_failure, describe, repeats_for_every_call, unreachable
from briefs.llm.network import NetworkTransport, shown_proxy, without_userinfo
from briefs.llm.probe import ServerContext, context_shortfall, probe_context
from briefs.llm.recording import LABEL_HEADER, RecordReplayTransport, label_header
from briefs.llm.retry import transport_retrying
from briefs.llm.throttle import AdaptiveLimit
from briefs.llm.usage import CallTally, Ledger, cost_usd, priced_endpoint

log = logging.getLogger("briefs.llm")

# Models that only accept the default temperature (reasoning models reject temperature=0 with a 400).
_NO_TEMPERATURE_PREFIXES = ("gpt-5", "o1", "o3", "o4")


class ModelClient:
    def __init__(self, config: LLMConfig, *, sleep: Callable[[float], None] | None = None) -> None:
        """``sleep`` is how the retry policy waits; tests pass a recorder to see the waits chosen.
        By default a wait ends early when the client is stopped (Ctrl-C, SIGTERM)."""
        _check_config(config)
        self.config = config
        self.ledger = Ledger()
        # Set when the run is interrupted: no request, retry or re-ask starts after it.
        self._stopping = threading.Event()
        self._sleep: Callable[[float], None] = sleep if sleep is not None else self._wait_unless_stopped
        self._secrets = [s for s in (config.api_key,) if s]
        self._cache = ResponseCache(config.cache_dir) if config.cache_dir else None
        # requests in flight: adapts between 1 and config.concurrency to what the endpoint keeps up with
        self.limit = AdaptiveLimit(config.concurrency, start=config.start_concurrency)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        # Set by the first failure that every later call would repeat (endpoint unreachable, key
        # refused, model not found, quota exhausted): the rest fail at once instead of each
        # spending its own retries against a dead endpoint.
        self._endpoint_failure: ModelError | None = None
        inner = config.inner_transport
        if inner is None and config.mode != "replay":
            inner = NetworkTransport(
                limits=httpx2.Limits(max_connections=max(config.concurrency, 1) * 2), ca_bundle=config.ca_bundle
            )
        self._network = inner if isinstance(inner, NetworkTransport) else None
        # A price is only honest for a known hosted endpoint actually called: a local server with
        # the same model name costs nothing we know of, and a replay costs nothing at all.
        self.priced = config.mode != "replay" and priced_endpoint(config.endpoint_url)
        self.ledger.priced = self.priced
        self._server_contexts: dict[str, ServerContext | None] = {}  # per model, asked once each
        self.transport = RecordReplayTransport(
            config.mode, config.recordings_dir, inner, config.provenance, refresh_hint=config.hints.refresh_recordings
        )
        self._openai = OpenAI(
            api_key=self._api_key(),
            base_url=config.endpoint_url,
            max_retries=0,  # one retry owner: briefs.llm.retry
            timeout=config.timeout,
            http_client=DefaultHttpx2Client(transport=self.transport, timeout=config.timeout),
        )

    def _wait_unless_stopped(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _api_key(self) -> str:
        # Replay never sends anything, so the real key is never even handed to the SDK.
        if self.config.mode == "replay" or not self.config.api_key:
            return PLACEHOLDER_API_KEY
        return self.config.api_key

    # --- before the first call -----------------------------------------------------------------

    def preflight(self) -> None:
        """Fail fast, before anything is paid for. The cache folder is tried (one warning and no
        cache when it cannot be written); the endpoint gets one request, and one that cannot be
        connected to is one ModelUnavailable instead of every call failing on its own."""
        if self._cache is not None:
            self._cache.check()
        inner = self.transport.inner
        if self.config.mode == "replay" or self.config.inner_transport is not None or inner is None:
            return  # a transport handed in (tests, hand-written answers) has no endpoint to try
        url = f"{self.config.endpoint_url.rstrip('/')}/models"
        timeout = httpx2.Timeout(min(self.config.timeout, 10.0)).as_dict()
        try:
            inner.handle_request(httpx2.Request("GET", url, extensions={"timeout": timeout})).close()
        except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.ProxyError) as error:
            raise unreachable(error, self._where(), scrub=self._scrub) from None
        except httpx2.HTTPError:
            pass  # it answered, or was slow to: reachable; the calls have their own retries

    # --- one call ------------------------------------------------------------------------------

    def model_of(self, request: CallRequest[Any]) -> str:
        """The model ``request`` goes to: its own, else the configured one. Everything keyed by the
        model follows it: the cache key, the recording that replays it, its batch line, its price."""
        return request.model or self.config.model

    def call(self, request: CallRequest[T]) -> CallResult[T]:
        """The validated answer to one request, from the cache when it was answered before."""
        params = self.generation_params(request)
        key = self._cache_key(request, params)
        if key is None:
            return self._call_uncached(request, params, None)
        # Identical requests in flight at once wait for the first one, then find its answer cached.
        with self._key_lock(key):
            if self.config.read_cache:
                cached = self._from_cache(request, key)
                if cached is not None:
                    self.ledger.add(request.label, cached.usage, self.model_of(request))
                    return cached
            return self._call_uncached(request, params, key)

    def _key_lock(self, key: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())

    def _call_uncached(self, request: CallRequest[T], params: dict[str, Any], key: str | None) -> CallResult[T]:
        tally = CallTally()
        try:
            result = self._ask(request, params, tally)
        except ModelError as error:
            error.usage = tally.usage(self.model_of(request), priced=self.priced, failed=True)
            self.ledger.add(request.label, error.usage, self.model_of(request))
            raise
        self.ledger.add(request.label, result.usage, self.model_of(request))
        if key is not None and self._cache is not None:
            self._cache.put_answer(key, request, result, self.model_of(request))
        return result

    def _ask(self, request: CallRequest[T], params: dict[str, Any], tally: CallTally) -> CallResult[T]:
        """Send, read, and ask again while the conversation wants to; the answer that stands."""
        talk = Conversation(request, reasks=self.config.reasks, max_output_tokens=self.config.max_output_tokens)
        while True:
            try:
                reply = self._send(request, talk.messages, talk.schema, params, tally)
            except ModelError:
                if talk.best is None:
                    raise
                # a re-ask that cannot be sent (503s, a dropped line) takes nothing away from the
                # valid answer already in hand: it stands, with its problems flagged
                log.info("%s: the re-ask failed; keeping the earlier valid answer", request.label)
                return self._result(request, talk.best, tally)
            answer = talk.read(reply, tally)
            if answer is None:
                log.info("%s: the re-asked fields were unusable; keeping the earlier answer", request.label)
                return self._result(request, talk.standing, tally)
            if answer.error is not None:
                if talk.reask_invalid(answer):
                    tally.reasks += 1
                    log.info("%s: invalid answer, asking again: %s", request.label, self._scrub(answer.error))
                    continue
                if talk.best is not None:  # a check re-ask went wrong: the earlier answer still stands
                    return self._result(request, talk.best, tally)
                raise self._invalid_output(request, answer, tally)
            if not talk.reask_problems(answer):
                return self._result(request, talk.standing, tally)
            tally.reasks += 1
            log.info("%s: %d problem(s) in the answer, asking again", request.label, len(talk.standing.problems))

    def _invalid_output(self, request: CallRequest[Any], answer: Answer[Any], tally: CallTally) -> InvalidOutputError:
        return InvalidOutputError(
            self._scrub(
                f"{request.label}: the answer stayed invalid after {tally.attempts} attempts "
                f"({self.config.reasks} re-asks): {answer.error}"
            ),
            label=request.label,
            attempts=tally.attempts,
            last_raw=self._scrub(answer.raw),
            usage=tally.usage(self.model_of(request), priced=self.priced, failed=True),
        )

    def _result(self, request: CallRequest[T], answer: Checked[T], tally: CallTally) -> CallResult[T]:
        return CallResult(
            label=request.label,
            value=answer.value,
            problems=answer.problems,
            raw=answer.raw,
            usage=tally.usage(self.model_of(request), priced=self.priced),
        )

    # --- transport: one request, retried by the tenacity policy ---------------------------------

    def _send(
        self,
        request: CallRequest[T],
        messages: list[dict[str, str]],
        schema: type[pydantic.BaseModel],
        params: dict[str, Any],
        tally: CallTally,
    ) -> Any:
        """The SDK's raw reply to one request, after as many attempts as the retry policy allows."""
        self._refuse_if_endpoint_down(request.label)
        forgiven_before = tally.forgiven
        retrying = transport_retrying(
            max_attempts=self.config.max_attempts,
            max_seconds=self.config.max_retry_seconds,
            sleep=self._sleep,
            before_sleep=self._log_retry(request.label),
            forgiven=lambda: tally.forgiven - forgiven_before,  # this send's own: a re-ask starts afresh
        )
        started = time.monotonic()
        try:
            return retrying(self._attempt, request, messages, schema, params, tally)
        except APIError as error:
            elapsed = time.monotonic() - started
            failure = call_failure(
                error,
                self._where(self.model_of(request)),
                label=request.label,
                attempts=tally.attempts,
                elapsed=elapsed,
                scrub=self._scrub,
            )
            if repeats_for_every_call(error):
                self._endpoint_failure = failure
            raise failure from None

    def _refuse_if_endpoint_down(self, label: str) -> None:
        if (down := self._endpoint_failure) is not None:
            raise type(down)(
                f"{label}: not sent, because an earlier call failed in a way every call would: {down}",
                label=label,
                attempts=0,
            )

    def _attempt(
        self,
        request: CallRequest[Any],
        messages: list[dict[str, str]],
        schema: type[pydantic.BaseModel],
        params: dict[str, Any],
        tally: CallTally,
    ) -> Any:
        """One HTTP exchange, in a slot of the adaptive limit."""
        label = request.label
        if self._stopping.is_set():
            raise ModelUnavailable(f"{label}: not sent, the run was interrupted", label=label)
        tally.attempts += 1
        with self.limit.slot() as window:  # held for the HTTP exchange only, never across a retry's wait
            try:
                reply = self._openai.chat.completions.with_raw_response.parse(
                    model=self.model_of(request),
                    messages=messages,  # type: ignore[arg-type]
                    response_format=schema,
                    extra_headers={LABEL_HEADER: label_header(label)},
                    **params,
                )
            except RateLimitError:
                if not self.limit.rate_limited(window):
                    tally.forgiven += 1  # sent under a limit since cut: the client's doing, not the request's
                raise
        self.limit.answered(reply.http_response.headers, window)
        return reply

    def _log_retry(self, label: str) -> Callable[[RetryCallState], None]:
        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.info(  # the failure line says how many attempts were spent; each one is not news
                "%s: %s; retrying in %.2fs (attempt %d of %d)",
                label,
                self._scrub(describe(error)),
                wait,
                state.attempt_number,
                self.config.max_attempts,
            )

        return before_sleep

    def _endpoint(self) -> str:
        """The base URL in use, without any user:password@ in it."""
        return without_userinfo(self.config.endpoint_url)

    def _where(self, model: str | None = None) -> Endpoint:
        """Where the calls (to ``model``, default the configured one) go, as a failure's message names it."""
        proxy = self._proxy()
        return Endpoint(
            url=self._endpoint(),
            model=model or self.config.model,
            timeout=self.config.timeout,
            proxy=None if proxy is None else shown_proxy(proxy),
            hints=self.config.hints,
        )

    def _proxy(self) -> httpx2.URL | None:
        if self._network is None:
            return None
        return self._network.proxy_for(httpx2.URL(self.config.endpoint_url))

    # --- many calls -------------------------------------------------------------------------------

    def call_many(
        self,
        requests: Iterable[CallRequest[Any]],
        description: str = "model calls",
        then: Callable[[int, CallResult[Any] | ModelError], Sequence[CallRequest[Any]]] | None = None,
    ) -> list[CallResult[Any] | ModelError]:
        """Every request's result (or its ModelError) in the order given; at most
        ``config.concurrency`` in flight (fewer while the endpoint pushes back); one failure never
        stops the others. ``then(index, outcome)``, called as each result arrives, may return
        follow-up requests (a merge once its parts are answered): they go out next, ahead of the
        requests still waiting (a follow-up ends a chain the caller is waiting on), numbered after
        those before them, and their results follow in the list."""
        todo = list(requests)
        if not todo:
            return []
        workers = max(1, self.config.concurrency)
        pool = ThreadPoolExecutor(max_workers=workers)
        progress = _Counter(description, len(todo), self.config.progress)
        try:
            try:
                results = self._gather(pool, workers, todo, then, progress)
            finally:
                progress.finish()
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or a bug: nothing new is sent, queued calls are dropped and
            # calls stuck on a hanging endpoint are not waited for. Finished answers are already cached.
            self.stop()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return [results[i] for i in range(len(todo))]

    def _gather(
        self,
        pool: ThreadPoolExecutor,
        workers: int,  # the pool's size: never more requests handed to it than it can run at once
        todo: list[CallRequest[Any]],
        then: Callable[[int, CallResult[Any] | ModelError], Sequence[CallRequest[Any]]] | None,
        progress: _Counter,
    ) -> dict[int, CallResult[Any] | ModelError]:
        """Each outcome by its index in ``todo``, as the calls finish; follow-ups join ``todo``.

        Only as many requests as the pool has workers are handed to it; the rest wait here, where a
        follow-up can still go ahead of them (the pool's own queue is first come, first served)."""
        results: dict[int, CallResult[Any] | ModelError] = {}
        waiting: deque[int] = deque(range(len(todo)))
        futures: dict[Future[CallResult[Any]], int] = {}
        while waiting or futures:
            while waiting and len(futures) < workers:
                index = waiting.popleft()
                futures[pool.submit(self.call, todo[index])] = index
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                index = futures.pop(future)
                try:
                    results[index] = future.result()
                except ModelError as error:
                    results[index] = error
                progress.advance()
                follow_ups = list(then(index, results[index])) if then else []
                if follow_ups:
                    todo.extend(follow_ups)
                    progress.add(len(follow_ups))
                    waiting.extendleft(reversed(range(len(todo) - len(follow_ups), len(todo))))
        return results

    # --- dry run ----------------------------------------------------------------------------------

    def estimate(self, requests: Iterable[CallRequest[Any]]) -> TokenEstimate:
        """What the requests would send, counted locally; nothing is called. Cached calls are free."""
        count = self.config.count_tokens
        if count is None:
            raise LLMConfigError("a dry run needs a token counter (LLMConfig.count_tokens is not set)")
        estimate = TokenEstimate()
        input_cost: float | None = 0.0
        max_cost: float | None = 0.0
        for request in requests:
            estimate.calls += 1
            key = self._cache_key(request, self.generation_params(request))
            if key is not None and self._cache is not None and self.config.read_cache and self._cache.get(key):
                estimate.cache_hits += 1
                continue
            tokens = self.prompt_tokens(request)
            estimate.prompt_tokens += tokens
            estimate.max_completion_tokens += self.config.max_output_tokens
            estimate.per_stage[request.stage] = estimate.per_stage.get(request.stage, 0) + tokens
            model = self.model_of(request)  # each request at its own model's price; one unknown, all unknown
            input_cost = _plus(input_cost, cost_usd(model, tokens, 0, 0))
            max_cost = _plus(max_cost, cost_usd(model, tokens, 0, self.config.max_output_tokens))
        if self.priced:
            estimate.input_cost_usd, estimate.max_cost_usd = input_cost, max_cost
        return estimate

    def prompt_tokens(self, request: CallRequest[Any]) -> int:
        """What one request sends, counted locally: messages, schema and per-message framing."""
        count = self.config.count_tokens
        if count is None:
            raise LLMConfigError("counting tokens needs a token counter (LLMConfig.count_tokens is not set)")
        schema = json.dumps(_schema_of(request.schema), ensure_ascii=False)
        return sum(count(m.get("content", "")) + 4 for m in request.messages) + count(schema) + 3

    # --- a local server's context window ----------------------------------------------------------

    def server_context(self, model: str | None = None) -> ServerContext | None:
        """What a local server reports of its context window for ``model`` (default the configured
        one) (llama-server, Ollama); None for a hosted API, a replay, or a server that does not say.
        Asked once per model."""
        model = model or self.config.model
        if model not in self._server_contexts:
            found = None
            if self._network is not None and self.config.mode != "replay" and not self.priced:
                found = probe_context(self.config.endpoint_url, model, self._network)
            self._server_contexts[model] = found
        return self._server_contexts[model]

    def context_warning(self, requests: Sequence[CallRequest[Any]]) -> str | None:
        """A warning, before the first call, when the local server's context (for the model each
        request goes to) cannot hold the largest of ``requests`` with room for its answer; None when
        it can or nobody can tell."""
        if not requests or self.config.count_tokens is None:
            return None
        by_model: dict[str, list[CallRequest[Any]]] = {}
        for request in requests:
            by_model.setdefault(self.model_of(request), []).append(request)
        for model, asked in by_model.items():
            context = self.server_context(model)
            if context is None:
                continue
            warning = context_shortfall(
                context,
                self._endpoint(),
                largest=max(self.prompt_tokens(request) for request in asked),
                answer_tokens=self.config.max_output_tokens,
                input_size_hint=self.config.hints.input_size,
            )
            if warning is not None:
                return warning
        return None

    # --- cache ------------------------------------------------------------------------------------

    def generation_params(self, request: CallRequest[Any]) -> dict[str, Any]:
        """The generation parameters a call of ``request`` sends (what a batch line sends too)."""
        params: dict[str, Any] = {
            "max_completion_tokens": self.config.max_output_tokens,
            # same prompt version → same static prefix; helps the provider route to its prompt cache
            "prompt_cache_key": request.prompt_version,
        }
        if not self.model_of(request).startswith(_NO_TEMPERATURE_PREFIXES):
            params["temperature"] = 0
        return params

    def request_key(self, request: CallRequest[Any]) -> str:
        """The response-cache key of ``request``: where its answer is found, however it was paid for."""
        key = self._cache_key(request, self.generation_params(request))
        if key is None:
            raise LLMConfigError("the response cache is off; a batch's answers have nowhere to go")
        return key

    def is_cached(self, request: CallRequest[Any]) -> bool:
        return self._cache is not None and self._cache.get(self.request_key(request)) is not None

    def store(self, request: CallRequest[Any], result: CallResult[Any]) -> None:
        """Cache an answer obtained another way (a batch), exactly as a call would have."""
        assert self._cache is not None
        self._cache.put_answer(self.request_key(request), request, result, self.model_of(request))

    def _cache_key(self, request: CallRequest[Any], params: dict[str, Any]) -> str | None:
        if self._cache is None:
            return None
        return cache_key(
            endpoint=self._endpoint(),
            model=self.model_of(request),
            prompt_version=request.prompt_version,
            schema=_schema_of(request.schema),
            messages=request.messages,
            params=params,
        )

    def _from_cache(self, request: CallRequest[T], key: str) -> CallResult[T] | None:
        assert self._cache is not None
        found = self._cache.answer(key, request.schema)
        if found is None:
            return None
        value, raw = found
        # checks run again: they may have improved since the answer was cached
        problems = list(request.check(value)) if request.check else []
        usage = Usage(calls=1, cache_hits=1, cost_usd=0.0 if self.priced else None)
        return CallResult(label=request.label, value=value, problems=problems, raw=raw, usage=usage)

    # --- housekeeping -----------------------------------------------------------------------------

    def endpoint_host(self) -> str | None:
        """The host model requests go to (None in replay: nothing is sent anywhere)."""
        if self.config.mode == "replay":
            return None
        return httpx2.URL(self.config.endpoint_url).host or None

    def replayed_provenance(self) -> list[str]:
        """Where the replayed answers came from (each recording's provenance), for the run record."""
        return self.transport.used_provenance() if self.config.mode == "replay" else []

    def unused_recordings(self) -> list[Any]:
        """Recordings in the recordings folder that no request of this client matched."""
        return self.transport.unused_recordings()

    def stop(self) -> None:
        """No request, retry or re-ask starts after this; waits between retries end now."""
        self._stopping.set()

    def close(self) -> None:
        self._openai.close()

    def __enter__(self) -> ModelClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None and not issubclass(exc_info[0], Exception):  # type: ignore[arg-type]
            self.stop()  # interrupted: calls still running in other threads must not send more
            return  # closing would wait for them; the process is on its way out
        self.close()

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


# --- helpers ------------------------------------------------------------------------------------------


def _check_config(config: LLMConfig) -> None:
    if config.mode not in ("live", "replay", "record"):
        raise LLMConfigError(f"model mode {config.mode!r} is not one of live, replay, record")
    if config.mode in ("replay", "record") and config.recordings_dir is None:
        raise LLMConfigError(f"model mode {config.mode}: no recordings folder set")
    if (
        config.mode in ("live", "record")
        and config.inner_transport is None
        and not config.api_key
        and not config.base_url
    ):
        raise LLMConfigError(f"model mode {config.mode}: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server")
    if config.concurrency < 1:
        raise LLMConfigError(f"concurrency must be at least 1 (got {config.concurrency})")


def _plus(total: float | None, cost: float | None) -> float | None:
    return None if total is None or cost is None else total + cost


class _Counter:
    """Progress of a batch of calls whose total may grow (follow-up calls), told to ``progress``."""

    def __init__(self, description: str, total: int, progress: Callable[[BatchProgress], None] | None) -> None:
        self._description, self._done, self._total, self._progress = description, 0, total, progress
        self._tell()

    def advance(self) -> None:
        self._done += 1
        self._tell()

    def add(self, more: int) -> None:
        self._total += more
        self._tell()

    def finish(self) -> None:
        self._tell(finished=True)

    def _tell(self, finished: bool = False) -> None:
        if self._progress is not None:
            self._progress(BatchProgress(self._description, self._done, self._total, finished))


_SCHEMAS: dict[type[pydantic.BaseModel], dict[str, Any]] = {}


def _schema_of(schema: type[pydantic.BaseModel]) -> dict[str, Any]:
    """A schema's JSON schema, built once per process (pydantic builds it anew on every call)."""
    if schema not in _SCHEMAS:
        _SCHEMAS[schema] = schema.model_json_schema()
    return _SCHEMAS[schema]
