"""Traditional → Simplified, for comparison keys only (never for stored text: quotes are verified
against the document's own characters). A leaf: it imports nothing from briefs.

One converter per process, shared by the reader (language, duplicate keys) and verification
(Traditional figures)."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)
