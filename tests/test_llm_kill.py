"""A run killed halfway loses only the calls in flight.

A real client in another process makes 20 calls through the real SDK to the fake server (in this
process, with latency, so the run takes a while); once some answers are cached it is SIGKILLed,
with no chance to clean up. Every answer it finished must be in the cache, whole, and a rerun with
the same cache must ask the server for exactly the calls that were not finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from llm_support import client_for, note_request

from briefs.llm import CallResult
from briefs.llm.cache import cache_info
from briefs.llm.testing.fake_server import FakeServer

CALLS = 20
KILL_AFTER_ENTRIES = 5
DEADLINE_SECONDS = 30.0
TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent

# The child makes the same requests the rerun below makes (same labels, texts and config), so the
# rerun's cache keys are the child's.
CHILD = """
import sys
from pathlib import Path

from llm_support import note_request

from briefs.llm import LLMConfig, ModelClient

base_url, cache_dir, calls = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
config = LLMConfig(model="gpt-4.1-mini", mode="live", base_url=base_url, timeout=5.0, cache_dir=cache_dir, concurrency=2)
with ModelClient(config) as client:
    client.call_many([note_request(f"extract/doc-{i}/chunk-0", text=f"第{i}份文件") for i in range(calls)])
print("finished every call", flush=True)
"""


def requests() -> list:
    return [note_request(f"extract/doc-{i}/chunk-0", text=f"第{i}份文件") for i in range(CALLS)]


def start_child(tmp_path: Path, server: FakeServer, cache_dir: Path) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS_DIR), str(REPO)])
    log = (tmp_path / "child.log").open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(script), server.base_url, str(cache_dir), str(CALLS)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for_entries(child: subprocess.Popen, cache_dir: Path, tmp_path: Path) -> None:
    """Until the cache holds KILL_AFTER_ENTRIES answers; fails (never hangs) past the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while cache_info(cache_dir).entries < KILL_AFTER_ENTRIES:
        log = (tmp_path / "child.log").read_text(encoding="utf-8", errors="replace")
        if child.poll() is not None:
            pytest.fail(f"the client ended (exit {child.returncode}) before it was killed:\n{log}")
        if time.monotonic() > deadline:
            pytest.fail(f"fewer than {KILL_AFTER_ENTRIES} cached answers after {DEADLINE_SECONDS:.0f} s:\n{log}")
        time.sleep(0.02)


def wait_until_quiet(server: FakeServer) -> None:
    """The killed client's requests still being answered finish (their replies go nowhere)."""
    deadline = time.monotonic() + 5.0
    last = -1
    while time.monotonic() < deadline:
        if server.in_flight == 0 and server.count() == last:
            return
        last = server.count()
        time.sleep(0.3)
    pytest.fail("the fake server never went quiet after the kill")


def test_a_killed_run_loses_only_the_calls_in_flight(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    with FakeServer(latency=0.2) as server:
        child = start_child(tmp_path, server, cache_dir)
        try:
            wait_for_entries(child, cache_dir, tmp_path)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
        wait_until_quiet(server)
        before_rerun = server.count()

        written = cache_info(cache_dir).entries
        assert KILL_AFTER_ENTRIES <= written < CALLS, "the kill came too late to prove anything"
        # Every file a cache lookup would open is a whole answer; a write cut short by the kill can
        # only be a ".tmp-*" file, which no lookup ever opens and cache_info does not count.
        for path in cache_dir.glob("??/*.json"):
            if path.name.startswith(".tmp-"):
                continue
            entry = json.loads(path.read_text(encoding="utf-8"))
            assert "answer" in entry, path
        # what the server was asked but the cache did not get: at most the two calls in flight
        assert 0 <= before_rerun - written <= 2

        with client_for(server, tmp_path, concurrency=2) as client:
            results = client.call_many(requests())
        assert all(isinstance(result, CallResult) for result in results), results
        assert server.count() - before_rerun == CALLS - written
        assert sum(result.usage.from_cache for result in results) == written
        assert cache_info(cache_dir).entries == CALLS
