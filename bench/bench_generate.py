"""Wall time of `briefs generate` on sample weeks: a cold run beside its rerun, in one process run.

Each run is a fresh `python -m briefs generate` process (imports included, as a user sees it):

* replay, cold: no state at all, answers replayed from the bundled recordings (the offline demo);
* replay, rerun: the same command again (replay has no response cache by design: it is already
  offline and deterministic, so the rerun costs what the cold run costs);
* live, cold: against the fake OpenAI-compatible server on 127.0.0.1 answering with the
  hand-written reference answers after a simulated model latency, empty response cache;
* live, cached rerun: the same command again; every answer comes from the response cache and the
  server sees no request.

    python bench/bench_generate.py [--repeat 3] [--latency 0.8]

Figures, not pass/fail. Medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefs.llm.testing.fake_server import FakeServer  # noqa: E402

ANSWERS = REPO / "tests" / "fixtures" / "answers"
WEEKS = {"2022-W06": "1 news page, 2 calls", "2021-W31": "1 long regulation, 3 chunks + merge + synthesis = 5 calls"}


def run_generate(week: str, home: Path, out: Path, env_extra: dict[str, str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFS_"))}
    env.update(BRIEFS_HOME=str(home), PYTHONPATH=str(REPO), **env_extra)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "briefs", "generate", "--week", week, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        cwd=out.parent,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"generate --week {week} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def serve_answers(server: FakeServer) -> None:
    for path in ANSWERS.rglob("*.json"):
        label = path.relative_to(ANSWERS).with_suffix("").as_posix()
        server.set_answer(label, json.loads(path.read_text(encoding="utf-8"))["answer"])


def bench_week(week: str, repeat: int, server: FakeServer) -> dict[str, float]:
    times: dict[str, list[float]] = {"replay cold": [], "replay rerun": [], "live cold": [], "live cached rerun": []}
    requests_on_rerun = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="briefs-bench-") as scratch:
            root = Path(scratch)
            replay_home, live_home, out = root / "replay-home", root / "live-home", root / "out"
            times["replay cold"].append(run_generate(week, replay_home, out, {}))
            times["replay rerun"].append(run_generate(week, replay_home, out, {}))
            live = {"OPENAI_BASE_URL": server.base_url}
            times["live cold"].append(run_generate(week, live_home, out, live))
            before = server.count()
            times["live cached rerun"].append(run_generate(week, live_home, out, live))
            requests_on_rerun += server.count() - before
    medians = {name: statistics.median(values) for name, values in times.items()}
    medians["requests on cached rerun"] = requests_on_rerun
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.8, help="simulated model latency per call (s)")
    args = parser.parse_args()
    print(f"briefs generate, medians of {args.repeat} runs, fake model latency {args.latency:.1f} s per call")
    with FakeServer(latency=args.latency) as server:
        serve_answers(server)
        for week, what in WEEKS.items():
            m = bench_week(week, args.repeat, server)
            print(f"\n{week} ({what})")
            print(f"  replay cold          {m['replay cold']:6.2f} s")
            print(
                f"  replay rerun         {m['replay rerun']:6.2f} s   ({m['replay rerun'] / m['replay cold']:.2f}x cold)"
            )
            print(f"  live cold            {m['live cold']:6.2f} s")
            print(
                f"  live cached rerun    {m['live cached rerun']:6.2f} s   ({m['live cached rerun'] / m['live cold']:.2f}x cold, "
                f"{m['requests on cached rerun']} requests reached the server)"
            )


if __name__ == "__main__":
    main()
