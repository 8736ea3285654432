"""The week synthesis stage: one schema-constrained call over the period's digests.

The model sees the digests (what extraction produced and verification checked), never the raw
documents: the week costs one call whatever the documents' length, and the synthesis can only
restate what was already traced to a source sentence. Digests are numbered D1, D2, ... by the
pipeline; the answer refers to documents by those ids, and ``check_synthesis`` re-asks once when an
item names no id or one that does not exist, an action's deadline is not a verified date of its own
digests, or a number appears that no digest gives; what still fails becomes a warning.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

import jinja2

from briefs import resources
from briefs.llm import CallRequest, ModelClient, ModelError
from briefs.models import NumberedDigest, Period, WeekSynthesis

TEMPLATE = "synthesize.j2"
STAGE = "synthesize"


@dataclass
class SynthesisOutcome:
    synthesis: WeekSynthesis | None
    problems: list[str]  # soft-check problems left after the re-ask
    error: str | None = None  # one line: why there is no synthesis


@cache
def _template() -> tuple[jinja2.Template, str]:
    # Prompts are plain text for a model, not HTML: no autoescape. Undefined variables fail loudly.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resources.prompts_dir()),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    source = (resources.prompts_dir() / TEMPLATE).read_text(encoding="utf-8")
    return env.get_template(TEMPLATE), source


def prompt_version() -> str:
    """Derived from the template's text: editing the prompt invalidates cached answers."""
    return "synthesize-" + hashlib.sha256(_template()[1].encode("utf-8")).hexdigest()[:12]


def label_for(period: Period) -> str:
    return f"{STAGE}/{period.label}"


def digest_payload(item: NumberedDigest) -> dict:
    """What the model reads of one digest: the extraction minus source sentences and phrases
    (the synthesis restates, it does not quote), plus the document's date and issuer."""
    extraction = item.digest.extraction
    assert extraction is not None, "only extracted digests are synthesised"
    document = item.digest.document
    return {
        "id": item.ref,
        "date": document.date.isoformat() if document.date else None,
        "date_inferred": document.date_inferred,
        "title": extraction.title.model_dump(),
        "doc_type": extraction.doc_type,
        "issuer": extraction.issuer.model_dump(),
        "issuer_level": extraction.issuer_level,
        "document_number": extraction.document_number,
        "product_scope": extraction.product_scope,
        "summary": extraction.summary.model_dump(),
        "key_points": [point.model_dump() for point in extraction.key_points],
        "requirements": [
            {
                "text_en": req.text_en,
                "actors": req.actors,
                "kind": req.kind,
                "product_scope": req.product_scope,
                "priority": req.priority,
                "due_date": req.due_date,
                "action": req.action.model_dump(),
            }
            for req in extraction.requirements
        ],
        "dates": [{"kind": d.kind, "date": d.date} for d in extraction.dates],
        "relevance": extraction.relevance,
        "relevance_reason": extraction.relevance_reason.model_dump(),
        "unverified_checks": len(item.digest.flagged),
    }


def _as_data(payload: dict) -> str:
    # A digest may carry a document's own text; "<" is escaped so nothing in it can close the
    # <digest> delimiter. The model reads \u003c as "<" all the same.
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def build_messages(period: Period, digests: list[NumberedDigest]) -> list[dict[str, str]]:
    template, _ = _template()
    context = template.new_context(
        {
            "period": period,
            "digests": [{"ref": item.ref, "json": _as_data(digest_payload(item))} for item in digests],
        }
    )
    instructions = "".join(template.blocks["instructions"](context)).strip()
    data = "".join(template.blocks["data"](context)).strip()
    return [{"role": "system", "content": instructions}, {"role": "user", "content": data}]


# A number as written (digits, thousands separators, decimals); not the 1 of "D1" or "H1N1".
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:,\d{3})*(?:\.\d+)?")


def numbers_in(text: str) -> set[Decimal]:
    values = set()
    for match in _NUMBER.finditer(text):
        try:
            values.add(Decimal(match.group(0).replace(",", "")))
        except InvalidOperation:
            continue
    return values


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def verified_dates(item: NumberedDigest) -> set[str]:
    """The dates a digest states and verification upheld (a flagged date is not a stated one)."""
    extraction = item.digest.extraction
    if extraction is None:
        return set()
    flagged = {check.target.rsplit(".", 1)[0] for check in item.digest.flagged if check.kind == "date"}
    due = [r.due_date for i, r in enumerate(extraction.requirements) if f"requirements[{i}]" not in flagged]
    stated = [d.date for i, d in enumerate(extraction.dates) if f"dates[{i}]" not in flagged]
    return {date for date in [*due, *stated] if date}


def _texts(answer: WeekSynthesis) -> list[tuple[str, str]]:
    """(where, text) for every prose field of the answer: figures in them must come from the digests."""
    pairs = [("headline", answer.headline), ("executive_summary", answer.executive_summary)]
    pairs += [(f"themes[{i}].summary", t.summary) for i, t in enumerate(answer.themes)]
    pairs += [(f"themes[{i}].title", t.title) for i, t in enumerate(answer.themes)]
    pairs += [(f"top_actions[{i}].what", a.what) for i, a in enumerate(answer.top_actions)]
    pairs += [(f"campaigns_to_watch[{i}].status", c.status) for i, c in enumerate(answer.campaigns_to_watch)]
    pairs += [(f"campaigns_to_watch[{i}].name", c.name) for i, c in enumerate(answer.campaigns_to_watch)]
    return [(f"{where}.{language}", getattr(pair, language)) for where, pair in pairs for language in ("zh", "en")]


def check_synthesis(digests: list[NumberedDigest]):
    """Soft checks shown to the model on a re-ask, and warnings when they still fail:
    every theme, action and campaign names at least one digest, and only digests that exist; an
    action's deadline is a verified date of one of its own digests; every number the synthesis
    writes is a number the digests give (it restates them, it computes nothing new)."""
    known = {item.ref for item in digests}
    dates_of = {item.ref: verified_dates(item) for item in digests}
    figures = set().union(*(numbers_in(text) for item in digests for text in _strings(digest_payload(item))))

    def check(answer: WeekSynthesis) -> list[str]:
        problems = []
        groups = [
            *((f"themes[{i}]", t.document_ids) for i, t in enumerate(answer.themes)),
            *((f"top_actions[{i}]", a.document_ids) for i, a in enumerate(answer.top_actions)),
            *((f"campaigns_to_watch[{i}]", c.document_ids) for i, c in enumerate(answer.campaigns_to_watch)),
        ]
        for where, ids in groups:
            if not ids:
                problems.append(f"{where}.document_ids: names no digest; every item must come from a digest")
            for unknown in sorted(set(ids) - known):
                problems.append(f"{where}.document_ids: {unknown} is not one of the digests' ids")
        for i, action in enumerate(answer.top_actions):
            own = set().union(*(dates_of.get(ref, set()) for ref in action.document_ids))
            if action.deadline and action.deadline not in own:
                problems.append(
                    f"top_actions[{i}].deadline: {action.deadline} is not a verified date of the digests "
                    f"this action names ({', '.join(action.document_ids) or 'none'})"
                )
        for where, text in _texts(answer):
            for value in sorted(numbers_in(text) - figures):
                problems.append(f"{where}: the figure {value} is not in any digest")
        return problems

    return check


def build_request(period: Period, digests: list[NumberedDigest]) -> CallRequest[WeekSynthesis]:
    return CallRequest(
        label=label_for(period),
        messages=build_messages(period, digests),
        schema=WeekSynthesis,
        prompt_version=prompt_version(),
        check=check_synthesis(digests),
        check_reasks=1,
    )


def synthesize(client: ModelClient, period: Period, digests: list[NumberedDigest]) -> SynthesisOutcome:
    """One call; no digests, no call. A failed call is an outcome with its reason, not an exception:
    the briefing still goes out with every document, and says the synthesis is missing."""
    if not digests:
        return SynthesisOutcome(synthesis=None, problems=[])
    try:
        result = client.call(build_request(period, digests))
    except ModelError as error:
        return SynthesisOutcome(synthesis=None, problems=[], error=str(error))
    return SynthesisOutcome(synthesis=result.value, problems=list(result.problems))
