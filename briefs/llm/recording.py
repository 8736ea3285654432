"""Record/replay at the HTTP transport handed to the SDK, so the real SDK code runs in tests and in
the offline demo.

A recording is one readable JSON file per request, named from the call's label plus a short digest
(``extract/000_ab12/chunk-0.3f9a2c71d0.json``)::

    {"provenance": "...", "label": "...",
     "request": {"method": "POST", "path": "/v1/chat/completions", "body": {...}},
     "response": {"status": 200, "headers": {...}, "body": {...}}}

Requests are matched on their canonical body (JSON with sorted keys), never on headers, so the
label and credentials play no part in the match. Request headers are never written; response
headers are kept only if they are on a short allow-list, so credentials (Authorization, api-key,
cookies, organisation/project ids) and volatile headers (dates, request ids, rate-limit counters)
cannot reach a file. Chinese stays Chinese (``ensure_ascii=False``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx2

from briefs.llm.config import Hints
from briefs.llm.errors import LLMConfigError, ReplayMissError
from briefs.llm.files import write_atomically

LABEL_HEADER = "X-Briefs-Label"


def label_header(label: str) -> str:
    """The value of ``LABEL_HEADER`` for a call labelled ``label``: percent-encoded, because a header
    is ASCII and a label holds its file's name (Chinese, as often as not); an ASCII label's letters,
    digits, ``/``, ``_``, ``-`` and ``.`` stay as they are."""
    return quote(label, safe="/")


def label_of(headers: httpx2.Headers | Any, default: str = "") -> str:
    """The label a request carries in ``LABEL_HEADER`` (``label_header``), as the caller wrote it."""
    value = headers.get(LABEL_HEADER)
    return default if value is None else unquote(value)


PROVENANCE_EXTENSION = "briefs_provenance"  # set by transports whose answers are not a model's (answer books)

# Response headers worth keeping: they change how the SDK and our retries read the response.
KEPT_RESPONSE_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-should-retry")


def canonical_body(content: bytes) -> str:
    """The request body as sorted-key JSON; bytes that are not JSON are matched as they are."""
    try:
        return json.dumps(json.loads(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return content.decode("utf-8", errors="replace")


def body_digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def describe_request(body: dict[str, Any]) -> str:
    """ "model gpt-4.1-mini, schema Extraction": what a miss message needs to name the request."""
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("name") if isinstance(fmt, dict) else None
    return f"model {body.get('model', '?')}, schema {schema or '?'}"


# The most UTF-8 bytes of one segment of a recording's path: a file name may have 255, and the last
# segment gets the digest and suffix (16) after it; a label holds a file's stem, of up to 251.
SEGMENT_BYTES = 200


def recording_name(label: str, digest: str) -> Path:
    """A relative path from the label: safe segments only, never leaving the recordings folder, each
    short enough for a file system (a longer one is cut; the digest keeps the names apart)."""
    parts = [_segment(part) for part in label.split("/")]
    parts = [part for part in parts if part] or ["unlabelled"]
    return Path(*parts[:-1], f"{parts[-1]}.{digest[:10]}.json")


def _segment(part: str) -> str:
    safe = re.sub(r"[^\w.\-]+", "_", part)
    return safe.encode("utf-8")[:SEGMENT_BYTES].decode("utf-8", errors="ignore").strip("._")


def _scrubbed_headers(headers: httpx2.Headers) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_RESPONSE_HEADERS if name in headers}


class RecordReplayTransport(httpx2.BaseTransport):
    """live: passes requests to ``inner``. record: passes them on and writes every successful
    (2xx) exchange. replay: answers from the recordings and never touches the network."""

    def __init__(
        self,
        mode: str,
        recordings_dir: Path | None,
        inner: httpx2.BaseTransport | None = None,
        provenance: str | None = None,
        *,
        refresh_hint: str = Hints().refresh_recordings,
    ) -> None:
        if mode in ("replay", "record") and recordings_dir is None:
            raise LLMConfigError(f"mode {mode}: the recordings folder is not set")
        self.mode = mode
        self.recordings_dir = recordings_dir
        self.inner = inner
        self.provenance = provenance
        self.refresh_hint = refresh_hint  # how to refresh the recordings, in the caller's words
        self._lock = threading.Lock()
        self._index: dict[str, Path] = {}
        self._used: set[Path] = set()
        if mode == "replay":
            self._index = index_recordings(recordings_dir)  # type: ignore[arg-type]

    # --- httpx2 transport interface --------------------------------------------------------------

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.mode == "replay":
            return self._replay(request)
        assert self.inner is not None, "live/record mode needs an inner transport"
        response = self.inner.handle_request(request)
        if self.mode == "record":
            return self._record(request, response)
        return response

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()

    # --- replay ----------------------------------------------------------------------------------

    def _replay(self, request: httpx2.Request) -> httpx2.Response:
        canonical = canonical_body(request.read())
        digest = body_digest(canonical)
        path = self._index.get(digest)
        if path is None:
            label = label_of(request.headers, "(no label)")
            try:
                what = describe_request(json.loads(canonical))
            except ValueError:
                what = "a body that is not JSON"
            raise ReplayMissError(
                f"{label}: no recording matches this request ({what}, input sha256 {digest[:12]}) "
                f"in {self.recordings_dir}; {self.refresh_hint}",
                label=label,
            )
        with self._lock:
            self._used.add(path)
        response = json.loads(path.read_text(encoding="utf-8"))["response"]
        body = response.get("body")
        content = body.encode("utf-8") if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
        return httpx2.Response(response["status"], headers=response.get("headers") or {}, content=content)

    # --- record ----------------------------------------------------------------------------------

    def _record(self, request: httpx2.Request, response: httpx2.Response) -> httpx2.Response:
        content = response.read()  # decoded: the stored headers drop content-encoding with it
        kept = _scrubbed_headers(response.headers)
        fresh = httpx2.Response(response.status_code, headers=kept, content=content)
        response.close()
        if not 200 <= response.status_code < 300:
            return fresh  # a transient error is not an answer: its retry is what gets recorded
        canonical = canonical_body(request.read())
        digest = body_digest(canonical)
        label = label_of(request.headers)
        try:
            body: Any = json.loads(content)
        except ValueError:
            body = content.decode("utf-8", errors="replace")
        recording = {
            "provenance": self._provenance_of(response, body, request),
            "label": label,
            "request": {"method": request.method, "path": request.url.path, "body": json.loads(canonical)},
            "response": {"status": response.status_code, "headers": kept, "body": body},
        }
        assert self.recordings_dir is not None
        path = self.recordings_dir / recording_name(label, digest)
        write_atomically(path, json.dumps(recording, ensure_ascii=False, indent=1) + "\n")
        with self._lock:
            self._index[digest] = path
            self._used.add(path)
        return fresh

    def _provenance_of(self, response: httpx2.Response, body: Any, request: httpx2.Request) -> str:
        by_hand = response.extensions.get(PROVENANCE_EXTENSION)
        if by_hand:
            return str(by_hand)
        if self.provenance:
            return self.provenance
        model = body.get("model", "?") if isinstance(body, dict) else "?"
        today = dt.datetime.now(dt.UTC).date().isoformat()
        return f"recorded from model {model} at {request.url.host} on {today}"

    # --- bookkeeping -----------------------------------------------------------------------------

    def used(self) -> set[Path]:
        with self._lock:
            return set(self._used)

    def used_provenance(self) -> list[str]:
        """The distinct provenance lines of the recordings this run replayed, in a stable order."""
        found: dict[str, None] = {}
        for path in sorted(self.used()):
            try:
                found[str(json.loads(path.read_text(encoding="utf-8")).get("provenance") or "unknown")] = None
            except (OSError, ValueError, AttributeError):
                found["unknown"] = None
        return list(found)

    def unused_recordings(self) -> list[Path]:
        """Recordings in the folder that no request of this run matched (candidates for pruning)."""
        if self.recordings_dir is None or self.mode == "live":
            return []
        return unused_recordings(self.recordings_dir, self.used())


def _recording_files(recordings_dir: Path) -> list[Path]:
    if not recordings_dir.is_dir():
        return []
    return sorted(p for p in recordings_dir.rglob("*.json") if not p.name.startswith(".tmp-"))


def index_recordings(recordings_dir: Path) -> dict[str, Path]:
    """Canonical-body digest → recording file. A file that is not a recording fails loudly, naming it."""
    index: dict[str, Path] = {}
    for path in _recording_files(recordings_dir):
        try:
            recording = json.loads(path.read_text(encoding="utf-8"))
            body = recording["request"]["body"]
            recording["response"]["status"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LLMConfigError(f"{path}: not a readable recording ({type(error).__name__}: {error})") from None
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8") if not isinstance(body, str) else body.encode()
        index[body_digest(canonical_body(raw))] = path
    return index


def unused_recordings(recordings_dir: Path, used: set[Path]) -> list[Path]:
    return [p for p in _recording_files(recordings_dir) if p not in used]
