"""Helpers for the model-layer tests (tests/test_llm_*.py): a small strict schema and a client
pointed at the fake server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from briefs.llm import CallRequest, LLMConfig, ModelClient
from briefs.llm.testing.fake_server import FakeServer


class Note(BaseModel):
    """A small strict-safe schema, nested like the real ones."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="标题")
    count: int
    tags: list[str]
    due: str | None


NOTE = {"title": "国家药监局部署专项整治", "count": 3, "tags": ["药品", "飞行检查"], "due": None}


def note_request(label: str = "extract/doc/chunk-0", text: str = "文件内容", **extra: Any) -> CallRequest[Note]:
    return CallRequest(
        label=label,
        messages=[
            {"role": "system", "content": "Extract a note. 只回答 JSON。"},
            {"role": "user", "content": f"<document>{text}</document>"},
        ],
        schema=Note,
        prompt_version="note-v1",
        **extra,
    )


class Waits(list[float]):
    """Stands in for time.sleep: records the waits the retry policy chose, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def client_for(server: FakeServer, tmp_path: Path | None = None, *, sleep: Any = None, **config: Any) -> ModelClient:
    settings: dict[str, Any] = {
        "model": "gpt-4.1-mini",
        "mode": "live",
        "base_url": server.base_url,
        "timeout": 5.0,
        "cache_dir": tmp_path / "cache" if tmp_path is not None else None,
    }
    settings.update(config)
    return ModelClient(LLMConfig(**settings), sleep=sleep if sleep is not None else Waits())
