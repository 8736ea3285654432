"""Rebuild briefs/sample/recordings/ from the hand-written answers in tests/fixtures/answers/.

No live model is reachable where briefs is developed, so the sample's model answers are written by
hand (each file says so in its provenance) and turned into wire-exact recordings here: for every
ISO week that holds a sample document, the real pipeline runs in record mode with the model layer's
AnswerBookTransport standing in for the model. The shipped demo and the tests replay the result.

    python scripts/build_reference_recordings.py        (or: make reference)

Stale recordings are removed first. Every answer file the run will need is checked before anything
is touched; a missing one fails the script with its path and the call it answers.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from briefs import resources
from briefs.errors import BriefsError
from briefs.extract import call_names, chunk_label, merge_label
from briefs.llm.testing.answers import AnswerBookTransport
from briefs.llm_setup import token_counter
from briefs.models import Document, Period
from briefs.pipeline import GenerateRequest, ModelSeam, generate, select_period
from briefs.reader import read_paths
from briefs.settings import Settings, load_settings
from briefs.synthesize import label_for
from briefs.weeks import weeks_of

REPO = Path(__file__).resolve().parent.parent
ANSWERS = REPO / "tests" / "fixtures" / "answers"
PROVENANCE = (
    "written by hand: reference answers from tests/fixtures/answers/, recorded by scripts/build_reference_recordings.py"
)


def labels_needed(period: Period, documents: list[Document]) -> list[str]:
    """Every call label the pipeline will make for this period, in call order."""
    labels, names = [], call_names(documents)
    for document in documents:
        labels.extend(chunk_label(document, chunk.index, names[document.id]) for chunk in document.chunks)
        if len(document.chunks) > 1:
            labels.append(merge_label(document, names[document.id]))
    if documents:
        labels.append(label_for(period))
    return labels


def missing_answers(labels: list[str]) -> list[str]:
    return [label for label in labels if not (ANSWERS / f"{label}.json").is_file()]


def settings_for(recordings: Path, home: Path) -> Settings:
    # The sample corpus and nothing from the environment's model setup: the answer book is the model.
    return load_settings(None, corpus=resources.sample_corpus_dir(), recordings=recordings, home=home, mode="record")


def main() -> int:
    recordings = resources.sample_recordings_dir()
    with tempfile.TemporaryDirectory(prefix="briefs-reference-") as scratch:
        home = Path(scratch)
        settings = settings_for(recordings, home)
        read = read_paths([resources.sample_corpus_dir()], settings)
        for problem in read.problems:
            print(f"warning: {problem}", file=sys.stderr)
        periods = weeks_of(read.readable)
        plan = [(period, select_period(read.documents, period)) for period in periods]

        missing = [label for period, docs in plan for label in missing_answers(labels_needed(period, docs))]
        if missing:
            for label in missing:
                print(
                    f"error: missing answer file {ANSWERS.relative_to(REPO) / label}.json (call {label})",
                    file=sys.stderr,
                )
            print(f"error: {len(missing)} answer file(s) missing; nothing was changed", file=sys.stderr)
            return 1

        if recordings.exists():
            shutil.rmtree(recordings)  # stale recordings would be replayed by nobody and hide gaps
        recordings.mkdir(parents=True)

        transport = AnswerBookTransport(ANSWERS, token_counter(settings))
        failures = 0
        for period, docs in plan:
            run_settings = settings.model_copy(update={"out": home / "briefings"})
            result = generate(
                run_settings,
                GenerateRequest(period=period),
                ModelSeam(inner_transport=transport, provenance=PROVENANCE),
            )
            briefing = result.briefing
            assert briefing is not None
            flagged = [w for w in briefing.warnings if w.kind == "unverified"]
            print(
                f"{period.label}: {len(docs)} document(s) "
                f"({', '.join(Path(d.path).name for d in docs)}), exit {result.exit_code}, "
                f"{len(flagged)} unverified item(s)"
            )
            for warning in briefing.warnings:
                print(f"  {warning.kind}: {warning.document or ''} {warning.message}")
            failures += int(not briefing.complete)
        count = sum(1 for _ in recordings.rglob("*.json"))
        shown = recordings.relative_to(REPO) if recordings.is_relative_to(REPO) else recordings
        print(f"wrote {count} recordings to {shown}")
        return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BriefsError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
