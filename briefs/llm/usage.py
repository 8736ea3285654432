"""Tokens and money: a price table for a few known models, the cost of a call, the ``CallTally`` of
one call's attempts and tokens, and the ``Ledger`` that totals calls per stage (the label up to its
first "/") and per run."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from briefs.llm.config import Usage, stage_of


@dataclass(frozen=True)
class Price:
    """USD per 1M tokens."""

    input: float
    cached_input: float
    output: float


# Standard (non-batch) prices as published on https://openai.com/api/pricing/, as we assume them
# on 2025-08-15. Prices change: check them before trusting a cost figure. A model not listed
# here is reported in tokens only (cost None), never guessed.
PRICES_AS_OF = "2025-08-15"
PRICES: dict[str, Price] = {
    "gpt-4.1": Price(input=2.00, cached_input=0.50, output=8.00),
    "gpt-4.1-mini": Price(input=0.40, cached_input=0.10, output=1.60),
    "gpt-4.1-nano": Price(input=0.10, cached_input=0.025, output=0.40),
    "gpt-4o": Price(input=2.50, cached_input=1.25, output=10.00),
    "gpt-4o-mini": Price(input=0.15, cached_input=0.075, output=0.60),
    "gpt-5-mini": Price(input=0.25, cached_input=0.025, output=2.00),
}

# Endpoints whose bill the price table describes. Any other host (a local server, a company gateway,
# another provider serving a model of the same name) gets tokens and "no price", never a guess.
PRICED_HOSTS = frozenset({"api.openai.com"})


def priced_endpoint(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").lower() in PRICED_HOSTS


_DATED_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


# Context windows as published in OpenAI's model pages, in tokens (what a request and its answer share).
CONTEXT_TOKENS: dict[str, int] = {
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "gpt-5-mini": 400_000,
}


def context_tokens_of(model: str) -> int | None:
    """A hosted model's context window, or None when it is not in the table."""
    return CONTEXT_TOKENS.get(model) or CONTEXT_TOKENS.get(_DATED_SNAPSHOT.sub("", model))


def price_for(model: str) -> Price | None:
    """The price of ``model``; a dated snapshot ("gpt-4.1-mini-2025-04-14") costs what its alias does."""
    return PRICES.get(model) or PRICES.get(_DATED_SNAPSHOT.sub("", model))


def cost_usd(model: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int) -> float | None:
    """Cached tokens are a subset of the prompt tokens and are billed at the cached rate."""
    price = price_for(model)
    if price is None:
        return None
    uncached = max(prompt_tokens - cached_tokens, 0)
    total = uncached * price.input + cached_tokens * price.cached_input + completion_tokens * price.output
    return round(total / 1_000_000, 8)


@dataclass
class CallTally:
    """Attempts and tokens of one call so far, every HTTP attempt and re-ask included."""

    attempts: int = 0
    # of the attempts, 429s to a request sent before the concurrency limit was last cut: not the
    # request's fault, so not held against its attempt bound
    forgiven: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    reasks: int = 0

    def add_wire_usage(self, usage: Any) -> None:
        """Add the ``usage`` object of a chat completion as it came over the wire."""
        if not isinstance(usage, dict):
            return  # a local server may send none: we count what we are told
        details = usage.get("prompt_tokens_details") or {}
        self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.cached_tokens += int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
        self.completion_tokens += int(usage.get("completion_tokens") or 0)

    def usage(self, model: str, *, priced: bool, failed: bool = False) -> Usage:
        """This call's usage so far, as one call (answered, or ``failed``)."""
        cost = cost_usd(model, self.prompt_tokens, self.cached_tokens, self.completion_tokens) if priced else None
        return Usage(
            calls=1,
            attempts=self.attempts,
            prompt_tokens=self.prompt_tokens,
            cached_tokens=self.cached_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=cost,
            failed=int(failed),
            reasks=self.reasks,
        )


@dataclass
class Ledger:
    """Usage of every call a client made, per stage and per run. Thread-safe."""

    run: Usage = field(default_factory=Usage)
    stages: dict[str, Usage] = field(default_factory=dict)
    # the models each stage's calls went to, in the order first seen (a run may give a stage its own)
    models: dict[str, list[str]] = field(default_factory=dict)
    priced: bool = True  # the calls went to an endpoint the price table describes (else no cost is known)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, label: str, usage: Usage, model: str | None = None) -> None:
        with self._lock:
            self.run += usage
            stage = stage_of(label)
            self.stages[stage] = self.stages.get(stage, Usage()) + usage
            seen = self.models.setdefault(stage, [])
            if model is not None and model not in seen:
                seen.append(model)

    def models_of(self, stage: str) -> list[str]:
        with self._lock:
            return list(self.models.get(stage, []))

    def stage(self, name: str) -> Usage:
        with self._lock:
            return self.stages.get(name, Usage())

    def summary(self) -> str:
        """One line per stage and one for the run, for logs and the run record."""
        with self._lock:
            rows = [*((name, t) for name, t in sorted(self.stages.items())), ("total", self.run)]
            models = {name: ", ".join(found) for name, found in self.models.items() if found}
        return "\n".join(
            f"{name}: {_describe(t, self.priced)}{f'; model {models[name]}' if name in models else ''}"
            for name, t in rows
        )


def _describe(t: Usage, priced: bool = True) -> str:
    if t.cost_usd is not None:
        cost = f"${t.cost_usd:.4f}"
    elif priced:
        cost = "cost unknown (model not in the price table)"
    else:
        cost = "cost unknown (the endpoint is not a priced hosted API, or answers were replayed)"
    return (
        f"{t.calls} calls ({t.cache_hits} cached, {t.failed} failed), {t.attempts} requests, "
        f"{t.prompt_tokens} prompt tokens ({t.cached_tokens} cached), {t.completion_tokens} completion tokens, {cost}"
    )
