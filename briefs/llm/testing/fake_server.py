"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

It speaks the wire format the SDK expects, runs in a thread of the calling process on an ephemeral
port, and can be scripted per request to misbehave in every way a real endpoint does::

    with FakeServer(latency=0.3) as server:
        server.script("extract/a/chunk-0", rate_limited(retry_after="1"), server_error(503))
        client = ModelClient(LLMConfig(model="gpt-4.1-mini", mode="live", base_url=server.base_url))

Scripted faults are served in order to the requests carrying that ``X-Briefs-Label`` (``"*"``:
any request; a batch line, the custom_id made of that label), then the server answers normally. An answer is built from the JSON schema in the
request (every field filled, Chinese strings included) unless one is set with ``set_answer``.
It counts every request it sees, so tests can prove retries do not multiply.
"""

from __future__ import annotations

import email.policy
import json
import random
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from briefs.llm.batch import custom_id_of
from briefs.llm.recording import label_of
from briefs.llm.testing.answers import completion_wire


@dataclass(frozen=True)
class Fault:
    kind: str  # ok, status, slow, drop, malformed_body, not_json, schema_break, length, refusal, content_filter
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    code: str | None = None
    delay: float = 0.0
    text: str = ""
    echo_auth: bool = False  # put the request's Authorization header into the error (a leaky server)


def rate_limited(retry_after: str | None = None, retry_after_ms: str | None = None) -> Fault:
    headers = []
    if retry_after is not None:
        headers.append(("retry-after", retry_after))
    if retry_after_ms is not None:
        headers.append(("retry-after-ms", retry_after_ms))
    return Fault("status", status=429, headers=tuple(headers), code="rate_limit_exceeded", text="Rate limit reached")


def quota_exhausted() -> Fault:
    return Fault("status", status=429, code="insufficient_quota", text="You exceeded your current quota")


def status(code: int, *, should_retry: str | None = None) -> Fault:
    """Any HTTP error status (408, 409, 5xx, ...), optionally with ``x-should-retry``."""
    headers = (("x-should-retry", should_retry),) if should_retry is not None else ()
    return Fault("status", status=code, headers=headers, text=f"HTTP {code} from the fake server")


def server_error(status: int = 500, *, should_retry: str | None = None) -> Fault:
    headers = (("x-should-retry", should_retry),) if should_retry is not None else ()
    return Fault("status", status=status, headers=headers, text="The server had an error")


def client_error(status: int, *, text: str = "Bad request", echo_auth: bool = False) -> Fault:
    return Fault("status", status=status, text=text, echo_auth=echo_auth, code="invalid_request")


def slow(seconds: float) -> Fault:
    """Answers correctly, but only after ``seconds`` (past the client's timeout, typically)."""
    return Fault("slow", delay=seconds)


def dropped() -> Fault:
    """Reads the request, then closes the connection without a word."""
    return Fault("drop")


def done_then_dropped() -> Fault:
    """Does what the request asks (a batch is created), then closes the connection without a word:
    the reply is lost, the work is not."""
    return Fault("drop_after")


def malformed_body() -> Fault:
    """A 200 whose body is not JSON at all."""
    return Fault("malformed_body")


def not_json() -> Fault:
    """A chat completion whose content is not JSON."""
    return Fault("not_json")


def schema_break() -> Fault:
    """Valid JSON that ignores the schema (what a local server that drops constraints sends)."""
    return Fault("schema_break")


def cut_off() -> Fault:
    return Fault("length")


def refusal(text: str = "I'm sorry, I can't help with that.") -> Fault:
    return Fault("refusal", text=text)


def content_filtered() -> Fault:
    return Fault("content_filter")


OK = Fault("ok")
# The label the requests of the files and batches APIs take their scripted faults from (a status or a
# dropped connection; never those scripted for "*", which are the model calls').
BATCH_API = "batch-api"


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    label: str
    body: dict[str, Any]
    headers: dict[str, str]
    fault: str


@dataclass
class FakeServer:
    latency: float = 0.0  # added to every response
    fault_rate: float = 0.0  # chance that an unscripted request gets ``random_fault``
    random_fault: Fault = field(default_factory=lambda: rate_limited(retry_after="1"))
    seed: int = 0
    cached_tokens: int = 0  # reported in every usage block
    # The endpoint's own limit: a request beyond this many in flight gets a 429 (retry-after-ms 200),
    # as a rate-limited provider or a server with fixed slots answers. None: no limit.
    capacity: int | None = None
    per_output_token: float = 0.0  # seconds added per output token (a model's decode time)
    tls: ssl.SSLContext | None = None  # serve HTTPS with this server context (proxy and CA tests)
    # Act as a local server with a small context: "llama-server" answers GET /props and refuses an
    # oversize request as llama.cpp does; "ollama" answers POST /api/show; "openai" refuses an
    # oversize request as OpenAI and vLLM do. Request size is estimated as bytes / 4.
    context_tokens: int | None = None
    kind: str = "openai"
    # A batch reports "in_progress" (its lines answered a share at a time) to this many retrievals
    # before it is "completed" and its output can be read, as a real batch takes its time. 0: at once.
    batch_polls: int = 0
    batch_refusal: str | None = None  # refuse every batch as a whole with this reason (status "failed", no files)
    # The longest custom_id a batch line may carry: Anthropic and OpenRouter refuse a longer one
    # ("custom_id: String should have at most 64 characters"). None: no limit (OpenAI documents none).
    custom_id_limit: int | None = 64
    batch_api: bool = True  # False: /v1/files and /v1/batches are not found, as on vLLM's or llama.cpp's server
    batch_list: bool = True  # False: GET /v1/batches (the list) is not found, though a batch can be created

    def __post_init__(self) -> None:
        self.requests: list[Seen] = []
        self._scripts: dict[str, deque[Fault]] = {}
        self._answers: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests it was answering at once
        self.rejected = 0  # requests turned away with a 429 because it was at capacity
        self.busy_seconds = 0.0  # answering time summed over requests (what its capacity divides)
        self.files: dict[str, bytes] = {}  # /v1/files: uploaded batch inputs and written outputs
        self.batches: dict[str, dict[str, Any]] = {}  # /v1/batches: every batch created
        self.batch_lines = 0  # batch lines answered (never counted among ``requests``)
        self.batch_calls: list[str] = []  # every /v1/files and /v1/batches request, as "METHOD path"
        self._finished_batches: dict[str, dict[str, Any]] = {}  # what a batch will report once done
        self._polls_left: dict[str, int] = {}

    # --- scripting -----------------------------------------------------------------------------

    def script(self, label: str, *faults: Fault) -> None:
        """Serve ``faults`` in order to the next requests labelled ``label`` ("*": any label)."""
        with self._lock:
            self._scripts.setdefault(label, deque()).extend(faults)

    def set_answer(self, label: str, answer: Any) -> None:
        """Answer requests labelled ``label`` with this object instead of one built from the schema
        (a callable is called with the request body, for answers that depend on the request;
        ``"*"``: any label without an answer of its own)."""
        with self._lock:
            self._answers[label] = answer

    def count(self, label: str | None = None) -> int:
        with self._lock:
            return sum(1 for seen in self.requests if label is None or seen.label == label)

    def served(self, fault: str) -> int:
        """How many requests got ``fault`` ("ok", "drop", "status 429", ...)."""
        with self._lock:
            return sum(1 for seen in self.requests if seen.fault == fault)

    def _next_fault(self, label: str) -> Fault:
        with self._lock:
            for key in (label, "*"):
                queue = self._scripts.get(key)
                if queue:
                    return queue.popleft()
            if self.fault_rate and self._random.random() < self.fault_rate:
                return self.random_fault
            return OK

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start the server first"
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def address(self) -> tuple[str, int]:
        assert self._httpd is not None, "start the server first"
        return ("127.0.0.1", self._httpd.server_address[1])

    def start(self) -> FakeServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if self.tls is not None:
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- answering -----------------------------------------------------------------------------

    def answer_for(self, label: str, body: dict[str, Any]) -> Any:
        with self._lock:
            answer = self._answers.get(label, self._answers.get("*"))
        if answer is not None:
            return answer(body) if callable(answer) else answer
        fmt = body.get("response_format") or {}
        schema = ((fmt.get("json_schema") or {}).get("schema")) or {"type": "object", "properties": {}}
        return example_for(schema, schema.get("$defs", {}))


class _Handler(BaseHTTPRequestHandler):
    fake: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read counts, not logs
        pass

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm and delayed ACKs add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._drop_reply = False

    def _batch_api_refused(self, method: str) -> bool:
        """Count a request of the files and batches APIs; answer it here (True) when there is no
        Batch API or a fault is scripted for it (``BATCH_API``). A ``done_then_dropped`` fault lets
        the request through and marks its reply to be lost (``_reply_batch_api``)."""
        fake = self.fake
        with fake._lock:
            fake.batch_calls.append(f"{method} {self.path}")
            queue = fake._scripts.get(BATCH_API)
            fault = queue.popleft() if queue else OK
        self._drop_reply = fault.kind == "drop_after"
        listing = method == "GET" and self.path.split("?")[0].rstrip("/") == "/v1/batches"
        if not fake.batch_api or (listing and not fake.batch_list):
            self._send_json(404, {"detail": "Not Found"})  # what vLLM's server (FastAPI) answers an unknown route
            return True
        if fault.kind in ("status", "drop"):
            self._respond(fault, BATCH_API, {}, 0)
            return True
        return False

    def do_GET(self) -> None:
        fake = self.fake
        if self.path.startswith(("/v1/files", "/v1/batches")) and self._batch_api_refused("GET"):
            return
        if self.path.startswith("/v1/files/") and self.path.endswith("/content"):
            data = fake.files.get(self.path.split("/")[3])
            if data is None:
                self._send_json(404, {"error": {"message": "no such file", "type": "invalid_request_error"}})
            else:
                self._send(200, data, {"content-type": "application/octet-stream"})
            return
        if self.path.split("?")[0].rstrip("/") == "/v1/batches":
            self._send_json(200, _listed_batches(fake, self.path))
            return
        if self.path.startswith("/v1/batches/"):
            batch = _retrieved_batch(fake, self.path.split("/")[3])
            if batch is None:
                self._send_json(404, {"error": {"message": "no such batch", "type": "invalid_request_error"}})
            else:
                self._send_json(200, batch)
            return
        if self.path.rstrip("/") == "/props" and fake.kind == "llama-server":
            self._send_json(200, {"default_generation_settings": {"n_ctx": fake.context_tokens}, "total_slots": 1})
            return
        self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if self.path.startswith(("/v1/files", "/v1/batches")) and self._batch_api_refused("POST"):
            return
        if self.path.rstrip("/") == "/v1/files":
            self._send_json(200, _batch_upload(self.fake, self.headers.get("content-type", ""), raw))
            return
        if self.path.rstrip("/") == "/v1/batches":
            created = _run_batch(self.fake, json.loads(raw))
            if self._drop_reply:  # created, and the reply lost on the way
                self._respond(Fault("drop"), BATCH_API, {}, 0)
            else:
                self._send_json(200, created)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        if self.path.rstrip("/") == "/api/show":  # a context probe, not a model request: not counted
            if self.fake.kind == "ollama":
                self._send_json(200, _ollama_show(body, self.fake.context_tokens))
            else:
                self._send_json(404, {"error": "404 page not found"})
            return
        if (overflow := _overflow(self.fake, len(raw))) is not None:
            self._send_json(400, overflow)
            return
        label = label_of(self.headers)
        fault = self.fake._next_fault(label)
        with self.fake._lock:
            kind = f"status {fault.status}" if fault.kind == "status" else fault.kind
            self.fake.requests.append(Seen(label, body, dict(self.headers.items()), kind))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        with self.fake._lock:
            full = self.fake.capacity is not None and self.fake.in_flight >= self.fake.capacity
            if full:
                self.fake.rejected += 1
            else:
                self.fake.in_flight += 1
                self.fake.max_in_flight = max(self.fake.max_in_flight, self.fake.in_flight)
        if full:
            error = {"message": "Rate limit reached", "type": "requests", "param": None, "code": "rate_limit_exceeded"}
            self._send_json(429, {"error": error}, {"retry-after-ms": "200"})
            return
        try:
            content = self.fake.answer_for(label, body) if self.fake.per_output_token else None
            decode = self.fake.per_output_token * len(json.dumps(content, ensure_ascii=False)) / 4 if content else 0.0
            time.sleep(self.fake.latency + decode + fault.delay)
            with self.fake._lock:
                self.fake.busy_seconds += self.fake.latency + decode + fault.delay
            self._respond(fault, label, body, len(raw))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
        finally:
            with self.fake._lock:
                self.fake.in_flight -= 1

    def _respond(self, fault: Fault, label: str, body: dict[str, Any], request_bytes: int) -> None:
        if fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault.kind == "status":
            message = fault.text
            if fault.echo_auth:
                message += f" (received {self.headers.get('authorization', '')})"
            error = {"message": message, "type": "error", "param": None, "code": fault.code}
            self._send_json(fault.status, {"error": error}, dict(fault.headers))
            return
        if fault.kind == "malformed_body":
            self._send(200, b'{"id": "chatcmpl-broken", "choices": [', {"content-type": "application/json"})
            return
        answer = json.dumps(self.fake.answer_for(label, body), ensure_ascii=False)
        content: str | None = answer
        finish, refusal_text = "stop", None
        if fault.kind == "not_json":
            content = "Sure! Here is the summary you asked for: 药监局发布通知"
        elif fault.kind == "schema_break":
            content = json.dumps({"answer": "这不是要求的格式", "items": "none"}, ensure_ascii=False)
        elif fault.kind == "length":
            content, finish = answer[: max(len(answer) // 2, 1)], "length"
        elif fault.kind == "refusal":
            content, refusal_text = None, fault.text
        elif fault.kind == "content_filter":
            content, finish = None, "content_filter"
        wire = completion_wire(
            model=str(body.get("model", "fake-model")),
            content=content,
            prompt_tokens=max(request_bytes // 4, 1),
            completion_tokens=max(len(content or refusal_text or "") // 4, 1),
            completion_id=f"chatcmpl-fake-{len(self.fake.requests)}",
            finish_reason=finish,
            refusal=refusal_text,
            cached_tokens=min(self.fake.cached_tokens, max(request_bytes // 4, 1)),
        )
        self._send_json(200, wire)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, data, {"content-type": "application/json", **(headers or {})})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        # headers and body in one write (BaseHTTPRequestHandler's buffer; typeshed leaves it out)
        self._headers_buffer.append(b"\r\n" + data)  # type: ignore[attr-defined]
        self.flush_headers()


def _file_object(fake: FakeServer, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
    file_id = f"file-fake-{len(fake.files)}"
    fake.files[file_id] = data
    return {
        "id": file_id,
        "object": "file",
        "bytes": len(data),
        "created_at": int(time.time()),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }


def _batch_upload(fake: FakeServer, content_type: str, raw: bytes) -> dict[str, Any]:
    """POST /v1/files: a multipart upload (the SDK's ``files.create``)."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(f"content-type: {content_type}\r\n\r\n".encode() + raw)
    data, filename, purpose = b"", "upload", "batch"
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "file":
            payload = part.get_payload(decode=True)
            data, filename = payload if isinstance(payload, bytes) else b"", part.get_filename() or filename
        elif name == "purpose":
            payload = part.get_payload(decode=True)
            purpose = payload.decode() if isinstance(payload, bytes) else purpose
    with fake._lock:
        return _file_object(fake, data, filename, purpose)


def _run_batch(fake: FakeServer, body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/batches: answers every line at once from the configured answers and scripts (a
    scripted status fault makes that line fail), writes the output and error files, and reports
    the batch completed."""
    outputs, errors = [], []
    lines = fake.files.get(str(body.get("input_file_id")), b"").decode("utf-8").splitlines()
    refusals = _refused_lines(fake, lines)
    label_of = _batch_labels(fake)
    for index, text in enumerate(line for line in lines if line.strip()):
        line = json.loads(text)
        custom_id, request = line["custom_id"], line["body"]
        label = label_of.get(custom_id, custom_id)
        fault = fake._next_fault(label)
        with fake._lock:
            fake.batch_lines += 1
        if fault.kind == "status":
            error = {"message": fault.text, "type": "error", "code": fault.code}
            response = {"status_code": fault.status, "request_id": f"req-{index}", "body": {"error": error}}
            errors.append({"id": f"batch_req_{index}", "custom_id": custom_id, "response": response, "error": None})
            continue
        content = json.dumps(fake.answer_for(label, request), ensure_ascii=False)
        size = len(text.encode("utf-8"))
        wire = completion_wire(
            model=str(request.get("model", "fake-model")),
            content=content,
            prompt_tokens=max(size // 4, 1),
            completion_tokens=max(len(content) // 4, 1),
            completion_id=f"chatcmpl-batch-{index}",
        )
        response = {"status_code": 200, "request_id": f"req-{index}", "body": wire}
        outputs.append({"id": f"batch_req_{index}", "custom_id": custom_id, "response": response, "error": None})

    def jsonl(rows: list[dict[str, Any]]) -> bytes:
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")

    now = int(time.time())
    with fake._lock:
        output = _file_object(fake, jsonl(outputs), "batch_output.jsonl", "batch_output") if outputs else None
        error_file = _file_object(fake, jsonl(errors), "batch_errors.jsonl", "batch_output") if errors else None
        batch_id = f"batch_fake_{len(fake.batches)}"
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint"),
            "input_file_id": body.get("input_file_id"),
            "completion_window": body.get("completion_window"),
            "metadata": body.get("metadata"),
            "status": "completed",
            "created_at": now,
            "completed_at": now,
            "output_file_id": output["id"] if output else None,
            "error_file_id": error_file["id"] if error_file else None,
            "request_counts": {"total": len(outputs) + len(errors), "completed": len(outputs), "failed": len(errors)},
        }
        if refusals:
            refused = {"object": "list", "data": refusals}
            batch |= {"status": "failed", "output_file_id": None, "error_file_id": None, "errors": refused}
            batch["request_counts"] = {"total": len(lines), "completed": 0, "failed": 0}
        if fake.batch_polls:
            fake._finished_batches[batch_id] = batch
            fake._polls_left[batch_id] = fake.batch_polls
            batch = {**batch, "status": "validating", "completed_at": None, "output_file_id": None}
            batch |= {"error_file_id": None, "request_counts": {"total": 0, "completed": 0, "failed": 0}}
        fake.batches[batch_id] = batch
    return batch


def _batch_labels(fake: FakeServer) -> dict[str, str]:
    """custom_id -> label, for the labels answers and faults are scripted by: a batch line carries
    its call's label only as the custom_id made of it (``batch.custom_id_of``)."""
    with fake._lock:
        labels = set(fake._scripts) | set(fake._answers)
    return {custom_id_of(label): label for label in labels}


def _refused_lines(fake: FakeServer, lines: list[str]) -> list[dict[str, Any]]:
    """Why the batch is refused as a whole, as a provider's validation reports it (empty: it runs)."""
    if fake.batch_refusal is not None:
        return [{"code": "invalid_request", "line": 1, "message": fake.batch_refusal}]
    limit = fake.custom_id_limit
    ids = [str(json.loads(text).get("custom_id", "")) for text in lines if text.strip()]
    message = f"custom_id: String should have at most {limit} characters"
    return [
        {"code": "invalid_request", "line": number, "message": message}
        for number, custom_id in enumerate(ids, 1)
        if limit is not None and len(custom_id) > limit
    ]


def _listed_batches(fake: FakeServer, path: str) -> dict[str, Any]:
    """GET /v1/batches?limit=&after=: the batches created, newest first, a page at a time (the
    cursor page the SDK pages through: ``after`` is the last id of the page before)."""
    query = parse_qs(urlsplit(path).query)
    limit = int(query.get("limit", ["20"])[0])
    with fake._lock:
        newest_first = [fake.batches[batch_id] for batch_id in reversed(fake.batches)]
    after = query.get("after", [""])[0]
    if after:
        ids = [batch["id"] for batch in newest_first]
        newest_first = newest_first[ids.index(after) + 1 :] if after in ids else []
    page = newest_first[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(newest_first) > limit,
    }


def _retrieved_batch(fake: FakeServer, batch_id: str) -> dict[str, Any] | None:
    """GET /v1/batches/{id}: a batch still running moves a step on with each retrieval, its
    counts growing, until it reports the completed batch with its files."""
    with fake._lock:
        left = fake._polls_left.get(batch_id, 0)
        if not left:
            return fake.batches.get(batch_id)
        fake._polls_left[batch_id] = left - 1
        final = fake._finished_batches[batch_id]
        if left == 1:
            fake.batches[batch_id] = final
            return final
        counts = final["request_counts"]
        share = (fake.batch_polls - left + 1) / fake.batch_polls
        running = {key: int(value * share) for key, value in counts.items() if key != "total"}
        batch = {**fake.batches[batch_id], "status": "in_progress"}
        batch["request_counts"] = {"total": counts["total"], **running}
        fake.batches[batch_id] = batch
        return batch


def _ollama_show(body: dict[str, Any], num_ctx: int | None) -> dict[str, Any]:
    """What Ollama's /api/show says of a model: its trained context, and num_ctx when set."""
    parameters = (
        f'num_ctx                        {num_ctx}\nstop                           "<|im_end|>"' if num_ctx else ""
    )
    return {
        "modelfile": f"FROM {body.get('model', 'model')}",
        "parameters": parameters,
        "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
    }


def _overflow(fake: FakeServer, request_bytes: int) -> dict[str, Any] | None:
    """The error body a server sends for a request larger than its context, or None if it fits."""
    tokens = max(request_bytes // 4, 1)
    if fake.context_tokens is None or tokens <= fake.context_tokens or fake.kind == "ollama":
        return None
    if fake.kind == "llama-server":
        message = f"request ({tokens} tokens) exceeds the available context size ({fake.context_tokens} tokens), try increasing it"
        return {
            "error": {
                "code": 400,
                "message": message,
                "type": "exceed_context_size_error",
                "n_prompt_tokens": tokens,
                "n_ctx": fake.context_tokens,
            }
        }
    message = (
        f"This model's maximum context length is {fake.context_tokens} tokens. However, your messages resulted in "
        f"{tokens} tokens. Please reduce the length of the messages."
    )
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }


def example_for(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A value that satisfies a (strict) JSON schema: the answer a well-behaved model would give."""
    if "$ref" in schema:
        return example_for(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        return example_for(branches[0], defs) if branches else None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {name: example_for(sub, defs) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [example_for(schema.get("items") or {}, defs) for _ in range(max(schema.get("minItems", 1), 1))]
    if kind == "string":
        return "国家药监局发布通知"
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    return None
