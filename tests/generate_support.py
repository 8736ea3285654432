"""Helpers shared by the end-to-end tests of `briefs generate` (test_generate.py and the tests of
its faults, events, hints, run line, batch and extract_model): the sample's seed stems, the
hand-written reference answers, a corpus folder of sample documents, and the settings of a replay
or a live run against the fake server."""

from __future__ import annotations

import json
from pathlib import Path

from briefs import resources
from briefs.settings import load_settings
from briefs.weeks import parse_week

REPO = Path(__file__).resolve().parent.parent
ANSWERS = REPO / "tests" / "fixtures" / "answers"
SEED_000 = "000_b91c7a1454b64df1"
SEED_001 = "001_856973fa258ed578"
W06 = parse_week("2022-W06")


def answer(label: str) -> dict:
    return json.loads((ANSWERS / f"{label}.json").read_text(encoding="utf-8"))["answer"]


def replay_settings(tmp_path: Path, **overrides):
    return load_settings(None, out=tmp_path / "briefings", **overrides)


def live_settings(tmp_path: Path, server, corpus: Path | None = None, **overrides):
    return load_settings(
        None, out=tmp_path / "briefings", mode="live", base_url=server.base_url, corpus=corpus, **overrides
    )


def serve_reference_answers(server, *labels: str) -> None:
    for label in labels:
        server.set_answer(label, answer(label))


def corpus_of(tmp_path: Path, *stems: str) -> Path:
    """A corpus folder holding copies of the named sample documents."""
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for stem in stems:
        source = resources.sample_corpus_dir() / f"{stem}.txt"
        (folder / source.name).write_bytes(source.read_bytes())
    return folder
