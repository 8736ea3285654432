"""A large week end to end: wall time against the endpoint's own limit, and cost per week.

A synthetic week is built from the bundled sample corpus: each news document is 12 sentences drawn
from the sample's news pages, every 15th document a long regulation of 200 sentences drawn from the
sample's regulations (so no two documents are near-duplicates), all dated inside 2022-W06. The real
pipeline (`briefs.pipeline.generate`, default settings: adaptive concurrency up to 64) runs against
the fake OpenAI-compatible server on 127.0.0.1 with a hosted mini model's latency (0.8 s + 8 ms per
output token, scaled by --scale; the default 0.1 keeps a run to minutes: the ratio is what counts)
and a capacity of 64 requests in flight (more get a 429, as a rate-limited provider answers).

Answers: the hand-written reference answer of a sample news page (or of a long regulation's part)
with its quotes replaced by sentences of the request's own text and its figures and dates removed,
so verification holds and answer sizes are those of real answers. They are counted as compact JSON
(`{"a":1,"b":2}`, no space after `,` or `:`), which is how OpenAI's structured outputs arrive: the
openai-python SDK's tests/lib/chat/test_completions.py, whose snapshots are "auto-generated from the
live API", shows message.content as `{"city":"San Francisco","temperature":65,"units":"f"}` (those
snapshots are of gpt-4o-2024-08-06; the 4.1 family was not seen, and is assumed to do the same).

Printed, side by side:
* wall time / ideal, where ideal = the server's busy time / its capacity (what the endpoint itself
  allows), and whether the week got its synthesis;
* cost per week on gpt-4.1-mini at list, cached-prefix and Batch prices (every call batched, and as
  `generate --batch` bills: the extraction batched, merges and synthesis online at list), from
  tiktoken counts of the requests the server really received and of the answers it gave;
* beside it, the same week's bill with gpt-4.1-nano doing the per-chunk extraction and gpt-4.1-mini
  the merges and the synthesis (`extract_model = "gpt-4.1-nano"`): the same token counts at each
  stage's own model's prices, and what `--dry-run` predicts for that setting. Only the price changes
  here: how well nano answers (its re-asks, its quotes and translations) is NOT measured by this
  bench, whose answers are hand-written;
* what each part of the list-price bill is: extraction input (static prefix and the rest), extraction
  output by what it carries (the requirement text the briefing promises: source sentence, English
  rendering, action in both languages; the rest of each requirement; summary and key points; other
  fields), for news pages and first parts apart from parts 2..M of long documents; merges; synthesis;
* beside it, what `briefs generate --dry-run` predicted for the same week before the run (calls,
  tokens, the three prices) and the ratio predicted / measured.

After each run the week is generated again, and the requests that rerun sent are counted (all
cached: 0 expected). With --batch, the same week also runs as `briefs generate --batch` in a fresh home, beside the online
run: the extraction goes to the fake server's /v1/batches (which answers every line at once but
reports the batch in progress for --batch-polls looks, --poll-seconds apart), the rest online.
Printed: wall time (batch run vs online run; the fake's batch is instant, so this is briefs' own
overhead of submitting, polling and collecting, not a provider's queue time), requests sent online,
and the week's cost with the batch lines at Batch prices and the online rest at list, against the
all-online list cost.

    python bench/bench_week.py [--documents 500] [--scale 0.1] [--capacity 64] [--batch]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefs import resources  # noqa: E402
from briefs.estimate import REASK_SHARE  # noqa: E402
from briefs.llm.batch import BatchRun  # noqa: E402
from briefs.llm.testing.fake_server import FakeServer  # noqa: E402
from briefs.llm.usage import price_for  # noqa: E402
from briefs.models import Period  # noqa: E402
from briefs.pipeline import GenerateRequest, generate  # noqa: E402
from briefs.settings import load_settings  # noqa: E402
from briefs.tokens import counter_for  # noqa: E402

ANSWERS = REPO / "tests" / "fixtures" / "answers"
WEEK = Period(label="2022-W06", start=dt.date(2022, 2, 7), end=dt.date(2022, 2, 13), iso_week="2022-W06")
MODEL = "gpt-4.1-mini"
CHEAP = "gpt-4.1-nano"  # the extraction model of the side-by-side bill
COUNT = counter_for(MODEL, None)
SENTENCE = re.compile(r"[^。！？\n]{12,}?[。！？]")


def sentences(names: list[str]) -> list[str]:
    found: list[str] = []
    for path in sorted(resources.sample_corpus_dir().glob("*.txt")):
        if any(name in path.name for name in names):
            text = re.sub(r"<[^>]+>", "\n", path.read_text(encoding="utf-8"))
            found.extend(s.strip() for s in SENTENCE.findall(text) if "http" not in s)
    return list(dict.fromkeys(found))


def build_corpus(folder: Path, documents: int, seed: int = 13) -> int:
    rng = random.Random(seed)
    news = sentences(["000_", "001_", "002_", "003_", "004_"])
    laws = sentences(["_long"])
    long_docs = 0
    for i in range(documents):
        day = WEEK.start + dt.timedelta(days=i % 7)
        is_long = i % 15 == 0
        long_docs += is_long
        body = (
            "\n".join(laws[j] for j in sorted(rng.sample(range(len(laws)), min(200, len(laws)))))
            if is_long
            else "".join(rng.sample(news, 12))
        )
        title = f"关于第{i + 1}号{'规定' if is_long else '通知'}的公告（{rng.randrange(10**6)}）"
        (folder / f"doc{i:05d}.txt").write_text(
            f'---\ntitle: "{title}"\ndate: {day.isoformat()} 10:00:00 +0800\n---\n{body}\n', encoding="utf-8"
        )
    return long_docs


def answer_tokens(value: Any) -> int:
    """Tokens of an answer (or a part of one) as the model would write it: compact JSON."""
    return COUNT(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def reference(label: str) -> dict[str, Any]:
    return json.loads((ANSWERS / f"{label}.json").read_text(encoding="utf-8"))["answer"]


def grounded(template: dict[str, Any], text: str, title: str) -> dict[str, Any]:
    """A reference answer made true of this text: its quotes are this text's sentences; it states no
    figure or date (digits are removed from prose: they would have to be in the text)."""
    answer = json.loads(json.dumps(template, ensure_ascii=False))
    quotes = SENTENCE.findall(text) or [text.strip()[:60]]
    answer["title"]["zh"] = title or answer["title"]["zh"]
    for i, requirement in enumerate(answer["requirements"]):
        requirement.update(source_sentence=quotes[i % len(quotes)].strip(), due_date=None, due_phrase=None)
    answer["dates"], answer["figures"], answer["injection_attempt"] = [], [], None

    def no_digits(value: Any) -> Any:
        if isinstance(value, str):
            return re.sub(r"[0-9０-９零〇两一二三四五六七八九十百千万亿]+", "", value)
        if isinstance(value, dict):
            return {k: no_digits(v) for k, v in value.items()}
        if isinstance(value, list):
            return [no_digits(v) for v in value]
        return value

    for key in ("summary", "key_points", "relevance_reason"):
        answer[key] = no_digits(answer[key])
    for requirement in answer["requirements"]:
        requirement["text_en"] = no_digits(requirement["text_en"])
        requirement["action"] = no_digits(requirement["action"])
    return answer


def answerer() -> Any:
    news = reference("extract/000_b91c7a1454b64df1/chunk-0")
    part = reference("extract/19_lawrefbook_medical_device_regulation_long/chunk-0")
    merged = reference("merge/19_lawrefbook_medical_device_regulation_long")
    week = reference("synthesize/2022-W06")

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        user = body["messages"][1]["content"]
        if "<<<DOCUMENT" in user:
            text = user.split(">>>", 2)[-1].rsplit("<<<END DOCUMENT", 1)[0]
            title = re.search(r"title: (.*)", user)
            template = part if "（part 1 of 1)" not in user and "(part 1 of 1)" not in user else news
            return grounded(template, text, title.group(1).strip() if title else "")
        if "<digests>" in user or "<parts>" in user:
            ids = sorted(set(re.findall(r'"(D\d+)"', user)), key=lambda ref: int(ref[1:]))
            found = json.loads(json.dumps(week, ensure_ascii=False))
            for group in ("themes", "top_actions", "campaigns_to_watch"):
                for item in found[group]:
                    item["document_ids"] = ids[:40]
                    if "deadline" in item:
                        item["deadline"] = None
            for key in ("headline", "executive_summary"):
                found[key] = {
                    k: re.sub(r"[0-9０-９零〇两一二三四五六七八九十百千万亿]+", "", v) for k, v in found[key].items()
                }
            for group in ("themes", "top_actions", "campaigns_to_watch"):
                found[group] = [
                    {
                        k: {kk: re.sub(r"[0-9零〇两一二三四五六七八九十百千万亿]+", "", vv) for kk, vv in v.items()}
                        if isinstance(v, dict)
                        else v
                        for k, v in item.items()
                    }
                    for item in found[group]
                ]
            return found
        return grounded(merged, "", "")  # a merge: document-level fields only

    return answer


def answer_parts(found: dict[str, Any]) -> Counter:
    """Tokens of one extraction answer by what they carry: the requirement text the briefing
    promises (source sentence, English rendering, action in both languages), the rest of each
    requirement (its keys, enums, scope, due date, JSON), summary and key points, and the other fields."""
    parts: Counter = Counter()
    requirements = found.get("requirements") or []
    promised = sum(
        COUNT(r["source_sentence"]) + COUNT(r["text_en"]) + COUNT(r["action"]["zh"]) + COUNT(r["action"]["en"])
        for r in requirements
    )
    whole = answer_tokens(found)
    all_requirements = answer_tokens(requirements) if requirements else 0
    summary = answer_tokens({k: found[k] for k in ("summary", "key_points") if k in found})
    parts["requirement text"] = promised
    parts["requirement structure"] = all_requirements - promised
    parts["summary and key points"] = summary
    parts["other fields"] = whole - all_requirements - summary
    return parts


def request_tokens(body: dict[str, Any]) -> tuple[int, int]:
    """(prompt tokens, tokens of the static prefix: system message and schema) of one request."""
    system = COUNT(body["messages"][0]["content"]) + COUNT(json.dumps(body.get("response_format"), ensure_ascii=False))
    rest = sum(COUNT(m["content"]) for m in body["messages"][1:]) + 4 * len(body["messages"]) + 3
    return system + rest, system


def dry_run(settings: Any) -> tuple[Any, Any]:
    """What `--dry-run` predicts for the week (the same estimate_week), priced as for OpenAI's own endpoint (which the bench
    never calls: the fake server is not a priced endpoint, so the price is switched on here)."""
    from briefs.estimate import estimate_week
    from briefs.extract import extraction_requests
    from briefs.llm import ModelClient
    from briefs.llm_setup import make_llm_config
    from briefs.pipeline import corpus_dir, read_paths, select_period
    from briefs.prompting import Prompts

    selected = select_period(read_paths([corpus_dir(settings)], settings).documents, WEEK)
    prompts = Prompts()
    found = []
    with ModelClient(make_llm_config(settings)) as client:
        client.priced = True
        for extract_model in (None, CHEAP):  # as set up, and with extract_model = CHEAP
            per_document = extraction_requests(selected, prompts, extract_model)
            found.append(estimate_week(client, WEEK, selected, per_document, prompts, settings.synthesis_tokens))
    return found[0], found[1]


def tokens_of(bodies: list[tuple[str, dict[str, Any]]], answer: Any) -> dict[str, Any]:
    """Tiktoken counts of requests (label, body) as sent and of the answers they got, per stage too."""
    prompt = cached = completion = 0
    by_stage: dict[str, Counter] = {}
    for label, body in bodies:
        tokens, prefix = request_tokens(body)
        prompt += tokens
        hit = (prefix // 128) * 128 if prefix >= 1024 else 0  # the provider caches in 128-token steps from 1,024
        cached += hit
        answered = answer_tokens(answer(body))
        completion += answered
        stage = by_stage.setdefault(label.split("/", 1)[0], Counter())
        stage["requests"] += 1
        stage["reasks"] += len(body["messages"]) > 2  # a re-ask carries the answer and its problems
        stage["system"] += COUNT(body["messages"][0]["content"])
        stage["schema"] += COUNT(json.dumps(body.get("response_format"), ensure_ascii=False))
        stage["prompt"] += tokens
        stage["static"] += prefix
        stage["cached"] += hit
        stage["answer"] += answered
        if label.startswith("extract/"):
            later_part = "(part 1 of" not in body["messages"][1]["content"]
            for part, count in answer_parts(answer(body)).items():
                stage[("later parts " if later_part else "") + part] += count
    price = price_for(MODEL)
    assert price is not None
    per_m = 1_000_000
    list_cost = (prompt * price.input + completion * price.output) / per_m
    cached_cost = ((prompt - cached) * price.input + cached * price.cached_input + completion * price.output) / per_m
    return {
        "prompt": prompt,
        "cached": cached,
        "completion": completion,
        "list": list_cost,
        "cached_cost": cached_cost,
        "by_stage": by_stage,
        "price": price,
        "all_main": split_bill(by_stage, MODEL),
        "split": split_bill(by_stage),
    }


def split_bill(by_stage: dict[str, Counter], extract_model: str = CHEAP) -> dict[str, float]:
    """The same tokens, with extraction at ``extract_model``'s prices and every other stage at
    MODEL's: list, cached-prefix, Batch (every call at half of list), `generate --batch` (the extraction
    at half, merges and synthesis online at list), and extraction's share of the list bill."""
    bill = {"list": 0.0, "cached": 0.0, "extract_list": 0.0}
    for stage, t in by_stage.items():
        price = price_for(extract_model if stage == "extract" else MODEL)
        assert price is not None
        output = t["answer"] * price.output
        at_list = (t["prompt"] * price.input + output) / 1_000_000
        bill["list"] += at_list
        bill["cached"] += ((t["prompt"] - t["cached"]) * price.input + t["cached"] * price.cached_input + output) / 1e6
        bill["extract_list"] += at_list if stage == "extract" else 0.0
    bill["batch"] = bill["list"] / 2
    bill["generate_batch"] = bill["list"] - bill["extract_list"] / 2
    return bill


def batch_bodies(server: FakeServer, run: BatchRun | None) -> list[tuple[str, dict[str, Any]]]:
    """Every line of every batch the server was sent: (the label of the call it carries, body)."""
    labels = {}
    for state in (run.state, run.reask_state) if run is not None else ():
        labels |= state.labels if state is not None else {}
    found = []
    for batch in server.batches.values():
        for text in server.files[batch["input_file_id"]].decode("utf-8").splitlines():
            line = json.loads(text)
            found.append((labels.get(line["custom_id"], line["custom_id"]), line["body"]))
    return found


def run_week(
    documents: int, scale: float, capacity: int, batch: bool = False, polls: int = 3, poll_seconds: float = 0.5
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "corpus").mkdir()
        long_docs = build_corpus(root / "corpus", documents)
        answer = answerer()
        with FakeServer(latency=0.8 * scale, per_output_token=0.008 * scale, capacity=capacity) as server:
            server.set_answer("*", answer)
            server.batch_polls = polls
            os.environ.pop("OPENAI_API_KEY", None)
            settings = load_settings(
                None,
                corpus=root / "corpus",
                out=root / "out",
                home=root / "home",
                mode="live",
                base_url=server.base_url,
                model=MODEL,
                batch_poll_seconds=poll_seconds,
            )
            estimate, split_estimate = (None, None) if batch else dry_run(settings)  # before the run: nothing cached
            started = time.perf_counter()
            result = generate(settings, GenerateRequest(period=WEEK, batch=batch))
            wall = time.perf_counter() - started
            seen = [s for s in server.requests if s.fault == "ok"]
            busy = server.busy_seconds
            rejected = server.rejected
            batched = batch_bodies(server, result.batch)
            before = len(server.requests) + len(server.batch_calls)
            generate(settings, GenerateRequest(period=WEEK, batch=batch))  # the rerun: everything is cached
            rerun_requests = len(server.requests) + len(server.batch_calls) - before
        briefing = result.briefing
        online = tokens_of([(s.label, s.body) for s in seen], answer)
        in_batch = tokens_of(batched, answer)
        return {
            "documents": documents,
            "long": long_docs,
            "calls": len(seen),
            "batch_lines": len(batched),
            "rerun_requests": rerun_requests,
            "polls": polls,
            "rejected": rejected,
            "wall": wall,
            "ideal": busy / capacity,
            "synthesis": bool(briefing and briefing.headline is not None),
            "warnings": Counter(w.kind for w in briefing.warnings) if briefing else {},
            "exit": result.exit_code,
            **online,
            "batch": online["list"] / 2,
            "batch_route": in_batch["list"] / 2 + online["list"],
            "batch_route_list": in_batch["list"] + online["list"],
            "stages": {s.stage: s.usage.calls for s in briefing.run.stages} if briefing else {},
            "estimate": estimate,
            "split_estimate": split_estimate,
        }


def print_bill(r: dict[str, Any]) -> None:
    """What each part of the list-price bill is (Batch: half of each)."""
    price, per_m = r["price"], 1_000_000
    lines: list[tuple[str, float]] = []
    for stage, t in r["by_stage"].items():
        lines.append((f"{stage} input, static prefix", t["static"] * price.input / per_m))
        lines.append((f"{stage} input, the rest", (t["prompt"] - t["static"]) * price.input / per_m))
        if stage != "extract":
            lines.append((f"{stage} output", t["answer"] * price.output / per_m))
            continue
        for later in ("", "later parts "):
            for part in ("requirement text", "requirement structure", "summary and key points", "other fields"):
                where = "parts 2..M of long documents" if later else "news pages and first parts"
                lines.append((f"extract output, {where}: {part}", t[later + part] * price.output / per_m))
    total = sum(cost for _, cost in lines)
    print(f"  the list-price bill, ${total:.2f} (Batch: half of each line):")
    for name, cost in lines:
        print(f"    {name:<72} ${cost:5.2f}  {cost / total:4.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[500])
    parser.add_argument("--scale", type=float, default=0.1, help="latency scale (1.0: 0.8 s + 8 ms per token)")
    parser.add_argument("--capacity", type=int, default=64)
    parser.add_argument("--batch", action="store_true", help="also run the week as `generate --batch`, side by side")
    parser.add_argument("--batch-polls", type=int, default=3, help="looks at the batch before it reports completed")
    parser.add_argument("--poll-seconds", type=float, default=0.5, help="pause between two looks")
    args = parser.parse_args()
    print(f"latency {0.8 * args.scale:.3f} s + {8 * args.scale:.2f} ms per output token; capacity {args.capacity}")
    for documents in args.documents:
        r = run_week(documents, args.scale, args.capacity)
        print(
            f"{r['documents']} documents ({r['long']} long): {r['calls']} calls {r['stages']}, {r['rejected']} 429s; "
            f"wall {r['wall']:.1f} s vs ideal {r['ideal']:.1f} s = {r['wall'] / r['ideal']:.2f}x "
            f"(at scale 1.0 about {r['wall'] / args.scale / 60:.1f} min); "
            f"synthesis: {'yes' if r['synthesis'] else 'NO'}; "
            f"exit {r['exit']} {dict(r['warnings'])}"
        )
        print(
            f"  tokens: {r['prompt']:,} prompt ({r['cached']:,} of them a cacheable static prefix), "
            f"{r['completion']:,} completion; {r['prompt'] / max(r['calls'], 1):,.0f} prompt tokens per call"
        )
        for stage, t in r["by_stage"].items():
            n = t["requests"]
            print(
                f"  {stage}: {n} requests, re-asks {t['reasks'] / n:.0%}; per request: system {t['system'] / n:,.0f} + "
                f"schema {t['schema'] / n:,.0f} + the rest {(t['prompt'] - t['system'] - t['schema']) / n:,.0f} "
                f"prompt tokens, answer {t['answer'] / n:,.0f}"
            )
        print(
            f"  cost per week on {MODEL}: list ${r['list']:.2f}, with the prefix cached ${r['cached_cost']:.2f}, "
            f"Batch ${r['batch']:.2f} (every call), `generate --batch` ${r['all_main']['generate_batch']:.2f} "
            "(extraction batched, merges and synthesis online at list)"
        )
        split = r["split"]
        print(
            f"  the same week with extract_model = {CHEAP} (extraction) and {MODEL} (merges, synthesis): "
            f"list ${split['list']:.2f}, with the prefix cached ${split['cached']:.2f}, Batch ${split['batch']:.2f} "
            f"= {split['list'] / r['list']:.2f}x the {MODEL} bill (extraction ${split['extract_list']:.2f} of it); "
            f"`generate --batch` ${split['generate_batch']:.2f}; "
            f"same token counts, only the price changes: the quality of {CHEAP}'s answers is NOT measured here"
        )
        print_bill(r)
        e = r["estimate"]
        print(
            f"  --dry-run predicted: {e.calls} calls ({e.chunk_calls} extraction, {e.merge_calls} merge, "
            f"{e.synthesis_calls} synthesis) + ~{e.reasks} re-asks, {e.prompt_tokens:,} prompt, "
            f"{e.output_tokens:,} output tokens; list ${e.list_usd:.2f}, prompt cache ${e.cached_usd:.2f}, "
            f"`--batch` ${e.batch_usd:.2f}; predicted/measured list cost {e.list_usd / r['list']:.2f}, "
            f"`--batch` cost {e.batch_usd / r['all_main']['generate_batch']:.2f} "
            f"(it counts re-asks for {REASK_SHARE:.1%} of calls, as bench/bench_reasks.py measured; "
            "this bench's answers need none)"
        )
        s = r["split_estimate"]
        parts = "; ".join(
            f"{' and '.join(p.stages)} on {p.model} ${p.list_usd:.2f}" for p in s.models.values() if p.list_usd
        )
        print(
            f"  --dry-run with extract_model = {CHEAP} predicted: list ${s.list_usd:.2f} ({parts}), prompt cache "
            f"${s.cached_usd:.2f}, `--batch` ${s.batch_usd:.2f}; predicted/measured list cost "
            f"{s.list_usd / split['list']:.2f}, `--batch` cost {s.batch_usd / split['generate_batch']:.2f}"
        )
        if args.batch:
            b = run_week(documents, args.scale, args.capacity, True, args.batch_polls, args.poll_seconds)
            print(
                f"  generate --batch: {b['batch_lines']} requests in the batch ({b['polls']} looks, "
                f"{args.poll_seconds} s apart), {b['calls']} online {b['stages']}; wall {b['wall']:.1f} s vs the "
                f"online run's {r['wall']:.1f} s = {b['wall'] / r['wall']:.2f}x; synthesis: "
                f"{'yes' if b['synthesis'] else 'NO'}; exit {b['exit']}; a rerun sent {b['rerun_requests']} requests "
                f"(the online run's rerun: {r['rerun_requests']})"
            )
            print(
                f"  cost per week on {MODEL} through the batch: ${b['batch_route']:.2f} (batch lines at half price, "
                f"the {b['calls']} online requests at list) vs ${b['batch_route_list']:.2f} for the same requests "
                f"all at list = {b['batch_route'] / b['batch_route_list']:.2f}x; the online run's list "
                f"${r['list']:.2f}"
            )


if __name__ == "__main__":
    main()
