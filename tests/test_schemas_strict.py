"""The schema the model is sent is strict-safe (see the tech notes, section 1).

The schema is read from the request the real SDK put on the wire (captured by the fake server),
so what is checked is exactly what OpenAI would receive: no ``default``, every object closed
(``additionalProperties: false``) with all properties required, and no keyword strict mode rejects.
"""

from __future__ import annotations

from typing import Any

import pytest
from llm_support import client_for
from pydantic import BaseModel, ConfigDict, Field

from briefs.llm import CallRequest
from briefs.llm.testing.fake_server import FakeServer
from briefs.models import Extraction, WeekSynthesis

UNSUPPORTED = (
    "default",
    "minLength",
    "maxLength",
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "unevaluatedProperties",
)
MAX_DEPTH = 10  # OpenAI's nesting limit (counted per $defs entry: a rough guard, not exact)


def strict_violations(schema: dict[str, Any]) -> list[str]:
    """Every place the schema breaks OpenAI's strict structured-output rules."""
    found: list[str] = []

    def walk(node: Any, where: str, depth: int) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]", depth)
            return
        if not isinstance(node, dict):
            return
        for key in UNSUPPORTED:
            if key in node:  # a node's keywords; property *names* are never looked at here
                found.append(f"{where}: '{key}' is not allowed")
        if node.get("type") == "object" or "properties" in node:
            if node.get("additionalProperties") is not False:
                found.append(f"{where}: additionalProperties must be false")
            missing = set(node.get("properties", {})) - set(node.get("required", []))
            if missing:
                found.append(f"{where}: not required: {sorted(missing)}")
            if depth > MAX_DEPTH:
                found.append(f"{where}: nested deeper than {MAX_DEPTH}")
        for key, value in node.items():
            if key == "properties":
                for name, sub in value.items():
                    walk(sub, f"{where}.{name}", depth + 1)
            elif key in ("items", "anyOf", "$defs"):
                if key == "$defs":
                    for name, sub in value.items():
                        walk(sub, f"$defs.{name}", 1)
                else:
                    walk(value, f"{where}.{key}", depth)

    if schema.get("type") != "object":
        found.append("(root): must be an object")
    if "anyOf" in schema:
        found.append("(root): anyOf is not allowed at the root")
    walk(schema, "(root)", 1)
    return found


def sent_schema(server: FakeServer, schema: type[BaseModel]) -> dict[str, Any]:
    with client_for(server) as client:
        client.call(
            CallRequest(
                label=f"schema/{schema.__name__}",
                messages=[{"role": "user", "content": "x"}],
                schema=schema,
                prompt_version="v1",
            )
        )
    response_format = server.requests[-1].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["name"] == schema.__name__
    return response_format["json_schema"]["schema"]


@pytest.mark.parametrize(
    "schema", [Extraction, WeekSynthesis], ids=lambda s: f"the {s.__name__} schema sent is strict-safe"
)
def test_every_schema_the_model_is_asked_for_is_strict_safe(fake_openai: FakeServer, schema: type[BaseModel]) -> None:
    assert strict_violations(sent_schema(fake_openai, schema)) == []


class _WithDefault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flag: bool = False


class _WithLength(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=10)


class _WithOpenDict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    labels: dict[str, str]


@pytest.mark.parametrize(
    ("schema", "complaint"),
    [
        pytest.param(_WithDefault, "'default' is not allowed", id="a default is caught"),
        pytest.param(_WithLength, "'maxLength' is not allowed", id="maxLength is caught"),
        pytest.param(_WithOpenDict, "additionalProperties must be false", id="an open dict is caught"),
    ],
)
def test_the_strictness_check_catches_what_openai_rejects(
    fake_openai: FakeServer, schema: type[BaseModel], complaint: str
) -> None:
    violations = strict_violations(sent_schema(fake_openai, schema))
    assert any(complaint in v for v in violations), violations
