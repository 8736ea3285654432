"""Chaos: the weekly job killed with SIGKILL at random moments, then rerun; the invariants checked.

Each trial starts from nothing (its own BRIEFS_HOME, output folder and recipients) and runs the
weekly job as an operator's cron would: `briefs generate --week W` then `briefs send --week W`,
against the fake OpenAI-compatible server (hand-written reference answers after a simulated
latency) and a real SMTP server (aiosmtpd) on 127.0.0.1. The job is killed with SIGKILL at a
moment drawn uniformly over the time an unkilled job takes, so kills land while reading, during
model calls, while cache entries are written, while rendering and while sending. Then the job is
rerun plainly (no --force), and generate once more. Checked, and printed:

* no corrupt cache entry (every entry parses and holds an answer);
* no mixed or partial briefing folder, right after the kill and after the rerun (every file of
  the set present, and all from one run: briefing.json's run record is run.json's);
* no temporary file left after the rerun;
* every in-period document in the final briefing or listed as failed;
* requests to the model on the final rerun = 0;
* no recipient with two copies (and how many are left "unknown": the server may have it, so the
  plain rerun does not guess; `--resend-unknown` would send it, with the same Message-ID).

    python bench/bench_chaos.py [--trials 20] [--week 2021-W31] [--latency 0.15] [--seed 7]

Figures, not pass/fail (the exit code is 1 when an invariant broke, so it can gate a CI job).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefs.llm.testing.fake_server import FakeServer  # noqa: E402

ANSWERS = REPO / "tests" / "fixtures" / "answers"
FORMATS = ("md", "html", "txt", "json")


# --- the loopback mail server ---------------------------------------------------------------------------


class Mailbox:
    """Counts what arrives, per recipient."""

    def __init__(self) -> None:
        self.copies: collections.Counter[str] = collections.Counter()
        self.message_ids: dict[str, set[str]] = collections.defaultdict(set)

    async def handle_DATA(self, server, session, envelope):
        import email

        message_id = email.message_from_bytes(envelope.original_content)["Message-ID"] or ""
        for recipient in envelope.rcpt_tos:
            self.copies[recipient] += 1
            self.message_ids[recipient].add(message_id)
        return "250 Message accepted for delivery"


def start_smtp(mailbox: Mailbox):
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (aiosmtpd needs one named up front)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


# --- one trial --------------------------------------------------------------------------------------------


@dataclass
class Trial:
    kill_at: float
    phase: str = ""
    mixed_after_kill: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    documents: int = 0
    listed_failed: int = 0
    final_requests: int = 0
    copies: dict[str, int] = field(default_factory=dict)
    unknown: int = 0


def serve_answers(server: FakeServer) -> None:
    for path in ANSWERS.rglob("*.json"):
        label = path.relative_to(ANSWERS).with_suffix("").as_posix()
        server.set_answer(label, json.loads(path.read_text(encoding="utf-8"))["answer"])


def write_config(folder: Path, smtp_port: int, trial: int) -> Path:
    config = folder / "briefs.toml"
    config.write_text(
        f"""
[[teams]]
name = "regulatory-affairs"
recipients = ["ra{trial}@example.com", "li.na{trial}@example.com"]

[[teams]]
name = "quality"
recipients = ["qa{trial}@example.com"]
language = "en"

[mail]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "briefs@example.com"
timeout = 5
""",
        encoding="utf-8",
    )
    return config


def environment(home: Path, server: FakeServer, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFS_"))}
    env.update(
        BRIEFS_HOME=str(home),
        BRIEFS_CONFIG=str(config),
        OPENAI_BASE_URL=server.base_url,
        PYTHONPATH=str(REPO),
    )
    return env


def job_command(week: str, out: Path) -> list[str]:
    python = sys.executable
    common = f"--week {week} --out {out}"
    # generate may exit 1 (incomplete): send runs whatever it said, as a cron line with ';' would
    script = f"'{python}' -m briefs generate {common}; '{python}' -m briefs send {common}"
    return ["sh", "-c", script]


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def folder_problems(folder: Path) -> list[str]:
    """What is wrong with a week's briefing folder: missing files, or files of two runs."""
    if not folder.exists():
        return []  # no briefing yet: allowed (nothing was ever replaced)
    names = {p.name for p in folder.iterdir()}
    expected = {f"briefing.{fmt}" for fmt in FORMATS} | {"run.json"}
    problems = [f"missing {name}" for name in sorted(expected - names)]
    problems += [f"temporary {name}" for name in sorted(names) if name.startswith(".tmp-")]
    if problems:
        return problems
    run_record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    briefing = json.loads((folder / "briefing.json").read_text(encoding="utf-8"))
    if any(run_record.get(key) != value for key, value in briefing["run"].items()):
        problems.append("briefing.json and run.json come from different runs")
    stamp = run_record["generated_at"]
    listed = [name for name in run_record.get("files", []) if name.startswith("briefing.")]
    if sorted(listed) != sorted(n for n in names if n.startswith("briefing.")):
        problems.append(f"run.json of {stamp} does not list the files present")
    return problems


def cache_problems(home: Path) -> list[str]:
    problems = []
    for path in (home / "cache").glob("??/*.json"):
        if path.name.startswith(".tmp-"):
            continue
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            problems.append(f"corrupt cache entry {path.name}")
            continue
        if not isinstance(entry, dict) or "answer" not in entry:
            problems.append(f"cache entry without an answer {path.name}")
    return problems


def temporaries(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob(".tmp-*")]


def phase_of(server: FakeServer, before: int, calls: int, home: Path, out: Path) -> str:
    """Where the kill landed, judged from what it left."""
    sent = server.count() - before
    if (home / "sendlog.jsonl").exists():
        return "sending"
    if out.exists() and any(out.iterdir()):
        return "rendering or between generate and send"
    if sent == 0:
        return "reading (before the first call)"
    if sent < calls:
        return "model calls"
    return "last call, cache write or rendering"


def trial(
    number: int, week: str, kill_at: float, calls: int, server: FakeServer, mailbox: Mailbox, smtp_port: int
) -> Trial:
    result = Trial(kill_at=kill_at)
    with tempfile.TemporaryDirectory(prefix="briefs-chaos-") as scratch:
        root = Path(scratch)
        home, out = root / "home", root / "briefings"
        env = environment(home, server, write_config(root, smtp_port, number))
        before = server.count()
        child = subprocess.Popen(
            job_command(week, out),
            env=env,
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kill takes briefs and the shell
        )
        time.sleep(kill_at)
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        result.phase = phase_of(server, before, calls, home, out / week)
        result.mixed_after_kill = folder_problems(out / week)
        result.mixed_after_kill = [p for p in result.mixed_after_kill if not p.startswith("temporary")]

        run(job_command(week, out), env, root)  # the operator reruns the job, no flags
        before_final = server.count()
        run([sys.executable, "-m", "briefs", "generate", "--week", week, "--out", str(out)], env, root)
        result.final_requests = server.count() - before_final

        result.problems += folder_problems(out / week)
        result.problems += cache_problems(home)
        result.problems += [f"left behind: {p.relative_to(root)}" for p in temporaries(home, out)]
        briefing = json.loads((out / week / "briefing.json").read_text(encoding="utf-8"))
        result.documents = len(briefing["documents"])
        result.listed_failed = sum(1 for w in briefing["warnings"] if w["kind"] == "failed")
        recipients = [f"ra{number}@example.com", f"li.na{number}@example.com", f"qa{number}@example.com"]
        result.copies = {r: mailbox.copies[r] for r in recipients}
        log = home / "sendlog.jsonl"
        if log.exists():
            from briefs.deliver import SendLog

            for team in ("regulatory-affairs", "quality"):
                states = SendLog(log).states(week, team)
                result.unknown += sum(1 for state in states.values() if state == "unknown")
    return result


def baseline(week: str, server: FakeServer, smtp_port: int) -> tuple[float, int, int]:
    """An unkilled job: how long it takes, how many model requests, how many documents."""
    with tempfile.TemporaryDirectory(prefix="briefs-chaos-") as scratch:
        root = Path(scratch)
        env = environment(root / "home", server, write_config(root, smtp_port, 0))
        before = server.count()
        started = time.perf_counter()
        done = run(job_command(week, root / "briefings"), env, root)
        took = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"the unkilled job failed ({done.returncode}): {done.stderr.strip()}")
        briefing = json.loads((root / "briefings" / week / "briefing.json").read_text(encoding="utf-8"))
        return took, server.count() - before, len(briefing["documents"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--week", default="2021-W31")
    parser.add_argument("--latency", type=float, default=0.15, help="simulated model latency per call (s)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        raise SystemExit("bench_chaos needs aiosmtpd (pip install -e '.[test]')") from None

    rng = random.Random(args.seed)
    mailbox = Mailbox()
    controller, smtp_port = start_smtp(mailbox)
    try:
        with FakeServer(latency=args.latency) as server:
            serve_answers(server)
            took, calls, expected = baseline(args.week, server, smtp_port)
            print(
                f"briefs chaos: {args.trials} SIGKILLs of `generate; send --week {args.week}` at uniform random "
                f"moments in 0-{took:.1f} s (an unkilled job: {took:.1f} s, {calls} model requests, "
                f"{expected} documents, 3 recipients); fake model latency {args.latency:.2f} s"
            )
            trials = []
            for number in range(1, args.trials + 1):
                outcome = trial(number, args.week, rng.uniform(0, took), calls, server, mailbox, smtp_port)
                trials.append(outcome)
                print(
                    f"  {number:2d}. kill at {outcome.kill_at:5.2f} s ({outcome.phase}): "
                    f"{'mixed ' + str(outcome.mixed_after_kill) if outcome.mixed_after_kill else 'folder whole'}; "
                    f"after rerun {outcome.documents}+{outcome.listed_failed} documents, "
                    f"{outcome.final_requests} requests on the final rerun, copies {sorted(outcome.copies.values())}"
                    f"{', ' + str(outcome.unknown) + ' unknown' if outcome.unknown else ''}"
                    f"{'; PROBLEMS ' + str(outcome.problems) if outcome.problems else ''}"
                )
    finally:
        controller.stop()
    report(trials, expected)


def report(trials: list[Trial], expected: int) -> None:
    phases = collections.Counter(t.phase for t in trials)
    invariants = {
        "no corrupt cache entry": sum(1 for t in trials if not any("cache entry" in p for p in t.problems)),
        "no mixed or partial briefing folder right after the kill": sum(1 for t in trials if not t.mixed_after_kill),
        "no mixed or partial briefing folder after the rerun": sum(
            1 for t in trials if not any(p.startswith(("missing", "briefing.json", "run.json")) for p in t.problems)
        ),
        "no temporary file left after the rerun": sum(
            1 for t in trials if not any(p.startswith(("left behind", "temporary")) for p in t.problems)
        ),
        "every in-period document in the briefing or listed as failed": sum(
            1 for t in trials if t.documents + t.listed_failed == expected
        ),
        "0 requests on the final rerun": sum(1 for t in trials if t.final_requests == 0),
        "no recipient with two copies": sum(1 for t in trials if max(t.copies.values()) <= 1),
    }
    n = len(trials)
    print("\nkills by phase: " + ", ".join(f"{phase} {count}" for phase, count in phases.most_common()))
    for name, held in invariants.items():
        print(f"  {'ok  ' if held == n else 'FAIL'} {name}: {held}/{n} trials")
    delivered = sum(1 for t in trials for c in t.copies.values() if c == 1)
    unknown = sum(t.unknown for t in trials)
    missing = sum(1 for t in trials for c in t.copies.values() if c == 0)
    print(
        f"  recipients: {delivered} with exactly one copy, {missing} with none; {unknown} left 'unknown' "
        "(handed over when killed: not resent without --resend-unknown)"
    )
    if any(held != n for held in invariants.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
