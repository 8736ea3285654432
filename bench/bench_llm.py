"""Benchmark of the model layer against the fake OpenAI-compatible server (no network, no model).

    python bench/bench_llm.py [--calls 40] [--latency 0.3] [--concurrency 8] [--rate-429 0.2] [--seed 1]

1. ``calls`` structured calls, ``latency`` s of simulated model time each, ``concurrency`` in flight:
   wall time against the ideal ceil(calls/concurrency) x latency (goal: at most 1.3x).
2. The same with ``rate-429`` of all responses a 429 with ``Retry-After: 1``: every call must still
   succeed; prints wall time, HTTP attempts and tokens.

The real SDK runs over real HTTP on 127.0.0.1; retries really wait (no injected sleep).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefs.llm import CallRequest, CallResult, LLMConfig, ModelClient
from briefs.llm.testing.fake_server import FakeServer, rate_limited


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_zh: str
    title_en: str
    requirements: list[str]
    deadline: str | None


def requests(n: int) -> list[CallRequest[Item]]:
    return [
        CallRequest(
            label=f"bench/doc-{i:02d}",
            messages=[
                {"role": "system", "content": "Extract the notice as JSON. 只依据文件内容回答。"},
                {"role": "user", "content": f"<document>国家药监局关于第{i}批药品抽检结果的通告……</document>"},
            ],
            schema=Item,
            prompt_version="bench-v1",
        )
        for i in range(n)
    ]


def run(server: FakeServer, args: argparse.Namespace) -> tuple[float, list[object], ModelClient]:
    config = LLMConfig(
        model="gpt-4.1-mini",
        mode="live",
        base_url=server.base_url,
        concurrency=args.concurrency,
        timeout=30.0,
        max_attempts=args.max_attempts,
    )
    client = ModelClient(config)
    started = time.perf_counter()
    results = client.call_many(requests(args.calls), "bench")
    wall = time.perf_counter() - started
    client.close()
    return wall, results, client


def report(
    name: str, wall: float, results: list[object], client: ModelClient, server: FakeServer, ideal: float
) -> bool:
    ok = sum(isinstance(r, CallResult) for r in results)
    run = client.ledger.run
    print(f"{name}")
    print(f"  calls ok         {ok}/{len(results)}")
    print(f"  wall time        {wall:.3f} s   (ideal {ideal:.3f} s, ratio {wall / ideal:.2f}x)")
    print(
        f"  HTTP attempts    {run.attempts} (server saw {server.count()}, of which {server.served('status 429')} were 429)"
    )
    print(
        f"  tokens           prompt {run.prompt_tokens}, cached {run.cached_tokens}, completion {run.completion_tokens}"
    )
    print(f"  cost (est.)      ${run.cost_usd:.5f}" if run.cost_usd is not None else "  cost             unknown")
    print(f"  max in flight    {server.max_in_flight}")
    return ok == len(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate-429", type=float, default=0.2)
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--max-attempts", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ideal = math.ceil(args.calls / args.concurrency) * args.latency

    with FakeServer(latency=args.latency) as server:
        wall, results, client = run(server, args)
        clean_ok = report(
            f"[1] {args.calls} calls, {args.latency}s latency, concurrency {args.concurrency}",
            wall,
            results,
            client,
            server,
            ideal,
        )
        ratio = wall / ideal

    fault = rate_limited(retry_after=args.retry_after)
    with FakeServer(latency=args.latency, fault_rate=args.rate_429, random_fault=fault, seed=args.seed) as server:
        wall429, results429, client429 = run(server, args)
        faulty_ok = report(
            f"[2] same, {args.rate_429:.0%} of responses 429 with Retry-After {args.retry_after}s",
            wall429,
            results429,
            client429,
            server,
            ideal,
        )

    print(f"goal 1: wall <= 1.3x ideal: {'met' if ratio <= 1.3 else 'MISSED'} ({ratio:.2f}x)")
    print(f"goal 2: all {args.calls} calls succeed under 429s: {'met' if faulty_ok else 'MISSED'}")
    return 0 if clean_ok and faulty_ok and ratio <= 1.3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
