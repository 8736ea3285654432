"""How often the model is asked again, measured on answers written by someone else.

    python bench/bench_reasks.py [--shared ../shared] [--verbose]

The answers in bench/independent/answers were written by helpers who saw only briefs' request for
35 real documents (see bench/independent/PROVENANCE.md), never its checks. Each is served by the
project's fake OpenAI server to the real SDK and the real decision logic: the chunk request briefs
builds (``briefs.extract.chunk_requests``) goes through ``ModelClient.call_many``, which reads the
answer against the schema (an invalid answer is re-asked) and runs the request's soft check (a quote,
figure, date or 文号 that does not verify is re-asked once, for the fields concerned). The server
answers a re-ask with the same answer, so a re-ask is counted once per call whatever it would have
fixed: the share printed is the share of calls asked at least twice.

Printed: the share of calls re-asked and why (invalid answer, or the kinds of failed check), over
all documents and over those whose cleaned text is still the one the answer was written for (the
reader has changed since; a quote of text it no longer keeps is re-asked for a reason that is the
benchmark's, not the model's); and what a re-ask costs beside its call (prompt tokens sent again,
and the tokens of the fields it asks for: the expected output of a narrowed re-ask).

``briefs/estimate.py`` (``REASK_SHARE``, ``REASK_OUTPUT_SHARE``) takes its figures from this script.
The sample seeds come with briefs; the dev pages are read from ../shared/dev-pages at run time (never
copied into the project): without ../shared they are skipped, and the script says so.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_trust import Case, load_cases  # noqa: E402

from briefs.estimate import REASK_OUTPUT_SHARE, REASK_SHARE  # noqa: E402
from briefs.extract import chunk_requests, fields_to_fix  # noqa: E402
from briefs.llm import LLMConfig, ModelClient  # noqa: E402
from briefs.llm.testing.fake_server import FakeServer  # noqa: E402
from briefs.models import Extraction  # noqa: E402
from briefs.prompting import Prompts  # noqa: E402
from briefs.tokens import counter_for  # noqa: E402
from briefs.verify import SoftCheck  # noqa: E402

MODEL = "gpt-4.1-mini"
COUNT = counter_for(MODEL, None)


@dataclasses.dataclass
class Outcome:
    name: str
    text_changed: bool
    requests: int = 0
    invalid: bool = False
    check_kinds: Counter[str] = dataclasses.field(default_factory=Counter)
    problems: list[str] = dataclasses.field(default_factory=list)
    first_prompt: int = 0
    reask_prompt: int = 0
    answer_tokens: int = 0
    narrowed_tokens: int = 0  # the tokens of the fields a narrowed re-ask asks for

    @property
    def reasked(self) -> bool:
        return self.requests > 1


def prompt_tokens(body: dict[str, Any]) -> int:
    """Prompt tokens of one request as the server received it (messages and the schema)."""
    schema = COUNT(json.dumps(body.get("response_format"), ensure_ascii=False))
    return schema + sum(COUNT(m["content"]) for m in body["messages"]) + 4 * len(body["messages"]) + 3


def measure(cases: list[Case]) -> list[Outcome]:
    prompts = Prompts()
    outcomes: dict[str, Outcome] = {}
    requests = []
    with FakeServer() as server:
        config = LLMConfig(model=MODEL, mode="live", base_url=server.base_url, timeout=30.0)
        with ModelClient(config, sleep=lambda seconds: None) as client:
            for case in cases:
                (request,) = chunk_requests(case.document, prompts)
                outcome = outcomes[request.label] = Outcome(case.name, case.text_changed)
                requests.append(dataclasses.replace(request, check=_watched(request.check, outcome)))
                server.set_answer(request.label, case.answer)
            client.call_many(requests, "re-ask bench")
        for seen in server.requests:
            outcome = outcomes[seen.label]
            outcome.requests += 1
            if outcome.requests == 1:
                outcome.first_prompt = prompt_tokens(seen.body)
            else:
                outcome.reask_prompt += prompt_tokens(seen.body)
    for case, outcome in zip(cases, outcomes.values(), strict=True):
        outcome.answer_tokens = COUNT(json.dumps(case.answer, ensure_ascii=False))
        try:
            Extraction.model_validate(case.answer)
        except ValueError:
            outcome.invalid = True  # the client re-asked it before any check could run
        outcome.narrowed_tokens = _narrowed_tokens(case.answer, outcome)
    return list(outcomes.values())


def _watched(check: Any, outcome: Outcome) -> Any:
    """The request's own soft check, unchanged in what it decides; it notes what it found."""

    def watched(extraction: Extraction) -> list[str]:
        problems = check(extraction)
        if not outcome.problems and problems:  # the first answer's problems: the reason for the re-ask
            outcome.problems = problems
            if isinstance(check, SoftCheck):
                kinds = Counter(c.kind for c in check.checks(extraction) if not c.ok)
                outcome.check_kinds = Counter(
                    {k: n for k, n in kinds.items() if k not in ("injection", "completeness")}
                )
        return problems

    return watched


def _narrowed_tokens(answer: dict[str, Any], outcome: Outcome) -> int:
    """What a check re-ask asks back: only the fields its problems name (the whole answer when they
    name none, or every field)."""
    if not outcome.reasked:
        return 0
    if outcome.invalid or not outcome.problems:
        return outcome.answer_tokens
    narrowed = fields_to_fix(Extraction.model_validate(answer), outcome.problems)
    if narrowed is None:
        return outcome.answer_tokens
    return COUNT(json.dumps({field: answer[field] for field in narrowed.fields}, ensure_ascii=False))


def report(title: str, outcomes: list[Outcome], verbose: bool) -> tuple[float, float]:
    calls = len(outcomes)
    reasked = [o for o in outcomes if o.reasked]
    share = len(reasked) / max(calls, 1)
    why: Counter[str] = Counter()
    for outcome in reasked:
        why.update(["invalid answer"] if outcome.invalid else sorted(outcome.check_kinds))
    answer = sum(o.answer_tokens for o in reasked)
    output_share = sum(o.narrowed_tokens for o in reasked) / max(answer, 1)
    first = sum(o.first_prompt for o in reasked)
    prompt_ratio = sum(o.reask_prompt for o in reasked) / max(first, 1)
    print(f"{title}: {len(reasked)} of {calls} calls re-asked = {share:.1%}")
    if reasked:
        print(f"  why (calls with a failed check of each kind): {dict(why.most_common())}")
        print(
            f"  a re-ask sends {prompt_ratio:.2f}x its call's prompt again (the request, the answer and the problems) "
            f"and asks back {output_share:.0%} of the answer's tokens (only the fields named)"
        )
    if verbose:
        for outcome in reasked:
            print(f"  {outcome.name}{' (text changed)' if outcome.text_changed else ''}:")
            for problem in outcome.problems[:6]:
                print(f"    - {problem[:150]}")
    return share, output_share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    cases, skipped = load_cases(args.shared)
    for line in skipped:
        print(f"skipped {line}")
    if not cases:
        print("no documents to measure")
        return
    outcomes = measure(cases)
    print(f"independent answers served through the real client and checks ({MODEL}'s tokenizer):")
    report("all documents", outcomes, args.verbose)
    same = [o for o in outcomes if not o.text_changed]
    if len(same) < len(outcomes):
        report(f"documents whose text is the one their answer was written for ({len(same)})", same, args.verbose)
    print(f"briefs/estimate.py assumes REASK_SHARE {REASK_SHARE:.1%}, REASK_OUTPUT_SHARE {REASK_OUTPUT_SHARE:.0%}")


if __name__ == "__main__":
    main()
