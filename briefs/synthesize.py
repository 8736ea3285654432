"""The week synthesis stage: one schema-constrained call over the period's digests.

The model sees the digests (what extraction produced and verification checked), never the raw
documents: the week costs one call whatever the documents' length, and the synthesis can only
restate what was already traced to a source sentence. Digests are numbered D1, D2, ... by the
pipeline; the answer refers to documents by those ids, and ``check_synthesis`` re-asks once when it
names an id that does not exist or a deadline no digest states.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
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


def check_synthesis(digests: list[NumberedDigest]):
    """Soft checks shown to the model on a re-ask: ids must exist, deadlines must be stated."""
    known = {item.ref for item in digests}
    stated_dates = {
        date
        for item in digests
        if item.digest.extraction
        for date in [
            *(r.due_date for r in item.digest.extraction.requirements if r.due_date),
            *(d.date for d in item.digest.extraction.dates),
        ]
    }

    def check(answer: WeekSynthesis) -> list[str]:
        problems = []
        groups = [
            *((f"themes[{i}]", t.document_ids) for i, t in enumerate(answer.themes)),
            *((f"top_actions[{i}]", a.document_ids) for i, a in enumerate(answer.top_actions)),
            *((f"campaigns_to_watch[{i}]", c.document_ids) for i, c in enumerate(answer.campaigns_to_watch)),
        ]
        for where, ids in groups:
            for unknown in sorted(set(ids) - known):
                problems.append(f"{where}.document_ids: {unknown} is not one of the digests' ids")
        for i, action in enumerate(answer.top_actions):
            if action.deadline and action.deadline not in stated_dates:
                problems.append(f"top_actions[{i}].deadline: {action.deadline} is not a date any digest states")
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
