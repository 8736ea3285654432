"""The key never leaves the run: `briefs generate` in record mode, with a sentinel key, against the
fake server answering with the hand-written reference answers (and once echoing the key back in an
error, as a leaky proxy does). Then every file the run could have written (outputs, BRIEFS_HOME with
its cache, the recordings) and everything it printed is searched for the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from briefs.llm.testing.fake_server import FakeServer, Fault

REPO = Path(__file__).resolve().parent.parent
ANSWERS = REPO / "tests" / "fixtures" / "answers"
EXTRACT = "extract/000_b91c7a1454b64df1/chunk-0"
SYNTHESIZE = "synthesize/2022-W06"

# Built at run time: a credential-shaped literal in the repo would trip secret scanners. Not a real key.
SENTINEL = "-".join(("sk", "proj", "PIPELINESENTINEL", "c4e8a1f9b2d7e3a6f0b5"))
TAIL = SENTINEL[-12:]  # a key shown in part ("sk-...f0b5"-style) leaks too


def reference_answer(label: str) -> dict:
    return json.loads((ANSWERS / f"{label}.json").read_text(encoding="utf-8"))["answer"]


def test_generate_in_record_mode_leaves_the_key_nowhere(tmp_path: Path) -> None:
    out, home, recordings = tmp_path / "out", tmp_path / "home", tmp_path / "recordings"
    with FakeServer() as server:
        for label in (EXTRACT, SYNTHESIZE):
            server.set_answer(label, reference_answer(label))
        # a leaky upstream: its error message quotes the Authorization header, then it recovers
        server.script(EXTRACT, Fault("status", status=500, text="upstream failed", echo_auth=True))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFS_"))}
        env.update(
            OPENAI_API_KEY=SENTINEL,
            OPENAI_BASE_URL=server.base_url,
            BRIEFS_HOME=str(home),
            BRIEFS_RECORDINGS=str(recordings),  # never the shipped sample recordings
            PYTHONPATH=str(REPO),
        )
        done = subprocess.run(
            # -v: every retry is logged too, and the leaky error must be scrubbed there as well
            [
                sys.executable,
                "-m",
                "briefs",
                "-v",
                "generate",
                "--week",
                "2022-W06",
                "--mode",
                "record",
                "--out",
                str(out),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        seen = list(server.requests)

    assert done.returncode == 0, done.stderr
    # the key really was used, and the leaky error really carried it back to the client
    assert [s.label for s in seen] == [EXTRACT, EXTRACT, SYNTHESIZE]
    assert all({k.lower(): v for k, v in s.headers.items()}["authorization"] == f"Bearer {SENTINEL}" for s in seen)
    # the run wrote what it should, where it should
    files = [p for folder in (out, home, recordings) for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".md" for p in out.rglob("*")), "no briefing written"
    assert any("cache" in p.relative_to(home).parts for p in files if p.is_relative_to(home)), "no cache written"
    assert len(list(recordings.rglob("*.json"))) == 2, "every call of the run is recorded"

    evidence = {"stdout": done.stdout, "stderr": done.stderr}
    evidence |= {str(p.relative_to(tmp_path)): p.read_bytes().decode("utf-8", errors="replace") for p in files}
    leaks = [where for where, text in evidence.items() if SENTINEL in text or TAIL in text]
    assert leaks == []
    assert "(received Bearer ***)" in done.stderr  # the echoed key was scrubbed, not just absent
