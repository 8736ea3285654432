"""Reading a model's answer and asking again when it cannot be used.

One request's exchange with the model is a ``Conversation``: the messages so far, the re-asks it has
left, and the last valid answer with what the request's checks found in it. It decides, answer by
answer, whether to ask again and how: an invalid answer (not JSON, a schema violation, cut off,
refused, filtered) is shown back with what was wrong (instructor's pattern: a failed validation
becomes the next prompt); a valid answer with problems is shown back with the problems, asking only
for the failing fields when the request can narrow them, and the fields that come back are merged
into the earlier answer. Sending is not done here: the client sends, retries and keeps the books.
A batch's output lines are answers too, read by the same rules (``read_completion``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, cast

import pydantic
from openai import APIError, ContentFilterFinishReasonError, LengthFinishReasonError, omit
from openai._models import construct_type
from openai.lib._parsing._completions import parse_chat_completion
from openai.types.chat import ChatCompletion, ParsedChatCompletion

from briefs.llm.config import CallRequest, Narrowed, T
from briefs.llm.errors import clipped
from briefs.llm.usage import CallTally

Messages = list[dict[str, str]]

_SHOWN_SCHEMA_ERRORS = 12  # a model fixes a few named mistakes better than a wall of them


@dataclass
class Answer(Generic[T]):
    """One answer read: a valid value, or the error to show the model when asking again."""

    raw: str
    value: T | None = None
    error: str | None = None
    echo: bool = True  # show the raw answer back to the model when re-asking


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A valid answer and the problems the request's checks found in it."""

    value: T
    raw: str
    problems: list[str]


def read_answer(reply: Any, tally: CallTally, *, max_output_tokens: int) -> Answer[Any]:
    """The answer a raw SDK reply (``with_raw_response.parse``) carries, validated by the SDK against
    the schema it was sent; its token usage is added to ``tally`` whether the answer is usable or not."""
    text = reply.http_response.text
    try:
        wire = json.loads(text)
    except ValueError:
        return Answer(raw=text, error=f"the response body is not JSON: {clipped(text)}", echo=False)
    return _read(wire, text, reply.parse, tally, max_output_tokens)


def read_completion(wire: Any, schema: type[T], tally: CallTally, *, max_output_tokens: int) -> Answer[T]:
    """A chat completion that came as data rather than as a reply (a line of a batch's output file),
    read exactly as an online answer is: the same checks, the same words for what is wrong."""
    text = json.dumps(wire, ensure_ascii=False)
    return _read(wire, text, lambda: _parsed(wire, schema), tally, max_output_tokens)


class NotACompletion(ValueError):
    """A body that is not a chat completion at all."""


def _parsed(wire: Any, schema: type[T]) -> ParsedChatCompletion[T]:
    """What the SDK's ``parse()`` makes of a chat-completion body: the same schema validation, and the
    same errors for an answer cut off or filtered."""
    # construct_type and parse_chat_completion are private to the SDK (as batch.py's
    # type_to_response_format_param is), but they are what its parse() runs on a reply: through
    # them a batch's answer passes exactly the checks an online answer does. The SDK is pinned below
    # 4; tests/test_batch.py reads refused, cut-off and off-schema batch lines through them.
    if not isinstance(wire, dict) or not isinstance(wire.get("choices"), list):
        raise NotACompletion("no list of choices")
    completion = cast(ChatCompletion, construct_type(type_=ChatCompletion, value=wire))  # leniently, as the SDK does
    try:
        return parse_chat_completion(response_format=schema, input_tools=omit, chat_completion=completion)
    except (AttributeError, TypeError, KeyError) as error:  # choices that are not choices
        raise NotACompletion(str(error)) from None


def _read(wire: Any, text: str, parse: Callable[[], Any], tally: CallTally, max_output_tokens: int) -> Answer[Any]:
    """Read a decoded chat completion (``wire``, sent as ``text``); ``parse`` validates it."""
    tally.add_wire_usage(wire.get("usage") if isinstance(wire, dict) else None)
    raw = _content_of(wire)
    try:
        completion = parse()
    except LengthFinishReasonError:
        return Answer(
            raw=raw,
            error=f"the answer was cut off at the {max_output_tokens}-token limit; answer more concisely",
            echo=False,
        )
    except ContentFilterFinishReasonError:
        return Answer(raw=raw, error="the answer was stopped by the content filter", echo=False)
    except pydantic.ValidationError as error:
        return Answer(raw=raw, error=schema_errors(error))
    except (APIError, NotACompletion) as error:  # a 200 whose body is not a chat completion
        return Answer(
            raw=raw or text, error=f"the response is not a chat completion ({clipped(str(error))})", echo=False
        )
    if not completion.choices:
        return Answer(raw=raw or text, error="the response has no choices", echo=False)
    message = completion.choices[0].message
    if message.refusal:
        return Answer(raw=message.refusal, error=f"the model refused: {clipped(message.refusal)}", echo=False)
    if message.parsed is None:
        return Answer(raw=raw, error="the answer was empty", echo=False)
    return Answer(raw=raw, value=message.parsed)


def schema_errors(error: pydantic.ValidationError) -> str:
    """What was wrong with an answer, in words a model can act on."""
    issues = error.errors(include_url=False, include_input=False)
    if issues and all(issue["type"] == "json_invalid" for issue in issues):
        return f"the answer is not valid JSON ({issues[0]['msg']})"
    shown = issues[:_SHOWN_SCHEMA_ERRORS]
    lines = [f"{'.'.join(str(p) for p in issue['loc']) or '(root)'}: {issue['msg']}" for issue in shown]
    more = f"; and {len(issues) - len(shown)} more" if len(issues) > len(shown) else ""
    return f"the answer does not match the schema ({len(issues)} errors): " + "; ".join(lines) + more


def reask_invalid(answer: Answer[Any]) -> Messages:
    """The turns that ask again after an unusable answer, the answer shown back when it helps."""
    instruction = (
        f"Your previous answer could not be used: {answer.error}.\n"
        "Answer again with only one JSON object that matches the required schema exactly."
    )
    if answer.echo and answer.raw:
        return [{"role": "assistant", "content": answer.raw}, {"role": "user", "content": instruction}]
    return [{"role": "user", "content": instruction}]


def reask_problems(raw: str, problems: Sequence[str], fields: Sequence[str] | None = None) -> Messages:
    """The turns that show a valid answer its problems: the whole object again, or only ``fields``."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    ask = (
        f"Correct them and answer with a JSON object holding only these fields of your answer, "
        f"corrected: {', '.join(fields)}. Everything else stays as you answered it."
        if fields
        else "Correct them and answer again with the complete JSON object."
    )
    return [
        {"role": "assistant", "content": raw},
        {"role": "user", "content": f"Your answer has these problems:\n{listed}\n{ask}"},
    ]


def merged(narrowed: Narrowed[T], earlier: T, fixed: pydantic.BaseModel | None) -> T | None:
    """The earlier answer with the re-asked fields replaced, validated as a whole again; None when
    the fields do not fit back in."""
    if fixed is None:
        return None
    try:
        return narrowed.merge(earlier, fixed)
    except (pydantic.ValidationError, ValueError):
        return None


class Conversation(Generic[T]):
    """One request's exchange with the model, answer by answer: what to send next, and whether to
    ask again. ``reasks`` bounds the re-asks after invalid answers; the request's ``check_reasks``
    bounds those after problems its checks found."""

    def __init__(self, request: CallRequest[T], *, reasks: int, max_output_tokens: int) -> None:
        self.request = request
        self.messages: Messages = [dict(m) for m in request.messages]
        self.reasks_left = reasks
        self.check_reasks_left = request.check_reasks
        self.max_output_tokens = max_output_tokens
        self.best: Checked[T] | None = None  # the last valid answer: it stands if asking again goes wrong
        self.narrowed: Narrowed[T] | None = None  # the check re-ask in flight asks only for these fields

    @property
    def standing(self) -> Checked[T]:
        """The last valid answer: it stands when asking again is not needed or goes wrong."""
        if self.best is None:
            raise LookupError(f"{self.request.label}: no valid answer yet")
        return self.best

    @property
    def schema(self) -> type[pydantic.BaseModel]:
        """What the next answer must match: the request's schema, or the narrowed fields'."""
        return self.narrowed.schema if self.narrowed is not None else self.request.schema

    def read(self, reply: Any, tally: CallTally) -> Answer[T] | None:
        """The answer in ``reply``, settled (see ``settle``)."""
        return self.settle(read_answer(reply, tally, max_output_tokens=self.max_output_tokens))

    def settle(self, answer: Answer[Any]) -> Answer[T] | None:
        """``answer`` as an answer to the whole request: one to a narrowed re-ask comes back merged
        into the earlier answer, or None when its fields could not be put back (or were invalid):
        the earlier answer then stands."""
        if self.narrowed is None or self.best is None:
            return answer
        whole = merged(self.narrowed, self.best.value, answer.value) if answer.error is None else None
        return None if whole is None else Answer(raw=whole.model_dump_json(), value=whole)

    def reask_invalid(self, answer: Answer[T]) -> bool:
        """Ask again after an invalid answer, if re-asks are left; False when none are."""
        if self.reasks_left == 0:
            return False
        self.reasks_left -= 1
        self.messages += reask_invalid(answer)
        return True

    def reask_problems(self, answer: Answer[T]) -> bool:
        """Keep a valid answer as the best so far and check it; ask again about its problems if it
        has any and check re-asks are left. False when the answer stands as it is."""
        return self.ask_about(self.check(answer))

    def check(self, answer: Answer[T]) -> Checked[T]:
        """Run the request's checks on a valid answer, which becomes the best so far."""
        assert answer.value is not None
        check = self.request.check
        self.best = Checked(answer.value, answer.raw, list(check(answer.value)) if check else [])
        return self.best

    def ask_about(self, checked: Checked[T]) -> bool:
        """Show a checked answer its problems, asking only for the failing fields when the request
        can narrow them; False when there is nothing to ask (no problems, or no check re-ask left)."""
        self.best = checked
        if not checked.problems or self.check_reasks_left == 0:
            return False
        self.check_reasks_left -= 1
        narrow = self.request.narrow
        self.narrowed = narrow(checked.value, checked.problems) if narrow else None
        fields = self.narrowed.fields if self.narrowed else None
        self.messages += reask_problems(checked.raw, checked.problems, fields)
        return True


def _content_of(wire: Any) -> str:
    try:
        content = wire["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return ""
    return content if isinstance(content, str) else ""
