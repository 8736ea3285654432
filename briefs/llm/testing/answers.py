"""``AnswerBookTransport``: answers model requests from hand-written reference answers.

No live model is reachable where briefs is developed, so the sample recordings are written by hand:
``answers_dir/<label>.json`` holds ``{"provenance": "written by hand …", "answer": {...}}`` and this
transport turns it into the exact chat.completion wire response a model would send. Record mode
over it writes recordings whose provenance says they were written by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2

from briefs.llm.errors import AnswerMissingError, LLMConfigError
from briefs.llm.recording import PROVENANCE_EXTENSION, label_of

ESTIMATED_NOTE = "token counts estimated with the local tokenizer"


class AnswerBookTransport(httpx2.BaseTransport):
    def __init__(self, answers_dir: Path, count_tokens: Callable[[str], int]) -> None:
        self.answers_dir = answers_dir
        self.count_tokens = count_tokens

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        label = label_of(request.headers)
        body = json.loads(request.read())
        path = self.answers_dir / f"{label}.json"
        if not label or ".." in Path(label).parts:
            raise AnswerMissingError(f"{label or '(no label)'}: an answer book needs a plain call label", label=label)
        if not path.is_file():
            raise AnswerMissingError(
                f"{label}: no hand-written answer; write {path} as "
                '{"provenance": "written by hand …", "answer": {…the schema object…}}',
                label=label,
            )
        provenance, answer = self._read(path)
        content = json.dumps(answer, ensure_ascii=False)
        wire = completion_wire(
            model=body.get("model", "?"),
            content=content,
            prompt_tokens=self._prompt_tokens(body),
            completion_tokens=self.count_tokens(content),
            completion_id="chatcmpl-answerbook-" + hashlib.sha256(content.encode()).hexdigest()[:16],
        )
        return httpx2.Response(
            200,
            headers={"content-type": "application/json"},
            content=json.dumps(wire, ensure_ascii=False).encode("utf-8"),
            extensions={PROVENANCE_EXTENSION: f"{provenance.rstrip(' .;')}; {ESTIMATED_NOTE}"},
        )

    def _read(self, path: Path) -> tuple[str, Any]:
        try:
            book = json.loads(path.read_text(encoding="utf-8"))
            provenance, answer = str(book["provenance"]), book["answer"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LLMConfigError(
                f'{path}: not an answer file {{"provenance": …, "answer": {{…}}}} ({type(error).__name__}: {error})'
            ) from None
        if "by hand" not in provenance.lower():  # the promise every hand-written recording makes
            provenance = f"written by hand: {provenance}"
        return provenance, answer

    def _prompt_tokens(self, body: dict[str, Any]) -> int:
        messages = body.get("messages") or []
        text = "".join(str(m.get("content", "")) for m in messages)
        schema = json.dumps(body.get("response_format", ""), ensure_ascii=False)
        return self.count_tokens(text) + self.count_tokens(schema) + 4 * len(messages)


def completion_wire(
    *,
    model: str,
    content: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    completion_id: str = "chatcmpl-0",
    finish_reason: str = "stop",
    refusal: str | None = None,
    cached_tokens: int = 0,
) -> dict[str, Any]:
    """A chat.completion response exactly as the API sends it."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": None,
    }
