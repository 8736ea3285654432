"""Is the reader's output unchanged? Reads the same pages through two checkouts of briefs (this one and
another, e.g. main before a speed change) and compares everything the reader produces: each page's
cleaned text, the lines around it (header, trailer, hints), metadata, token count, chunks, duplicate
keys and groups.

    .venv/bin/python bench/reader_identity.py --against ../main [--docs 1500]

Pages read: the bundled sample corpus; the synthetic pages of bench_reader.py (``--docs`` of them,
long regulations included); and, when they are present, ../shared/dev-pages/docs, ../shared/seeds and
../shared/long-docs (real pages for evaluation, never copied into the project: skipped with a note
when absent). Each folder is read twice, at the default chunk budget and at a small one (many cuts).
Exit 0 when every output is identical, 1 with the first differences otherwise.

``dump ROOT FOLDER... --out FILE`` (used by the comparison, in a fresh process per checkout) writes
one checkout's outputs as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
SHARED_FOLDERS = ("dev-pages/docs", "seeds", "long-docs")
BUDGETS = ((3000, 150), (256, 64))  # (chunk_tokens, chunk_overlap): the default, and one that cuts often


def dump(root: Path, folders: list[Path], out: Path) -> None:
    """The reader of the checkout at ``root`` over ``folders``, as JSON in ``out``."""
    sys.path.insert(0, str(root))
    from briefs import clean, dedupe, load
    from briefs.reader import inspect_row, read_paths
    from briefs.settings import Settings

    loaded = sys.modules["briefs"].__file__ or ""
    if not Path(loaded).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"briefs was imported from {loaded}, not from {root}")
    outputs: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for folder in folders:
            for budget, overlap in BUDGETS:
                settings = Settings(
                    home=Path(scratch) / "home", use_cache=False, chunk_tokens=budget, chunk_overlap=overlap
                )
                result = read_paths([folder], settings)
                rows = []
                for document in result.documents:
                    row = inspect_row(document)
                    row["chunks"] = [
                        (c.id, c.start, c.end, c.tokens, c.text == document.text[c.start : c.end])
                        for c in document.chunks
                    ]
                    row["sentence_keys"] = hashlib.sha256(
                        "\n".join(dedupe.sentence_keys(document.text)).encode()
                    ).hexdigest()
                    rows.append(row)
                if budget == BUDGETS[0][0]:  # what cleaning hands to metadata, once per folder
                    for row in rows:
                        page = load.load_file(Path(row["path"]), settings.max_file_bytes)
                        cleaned = clean.clean(page.text, page.format)
                        row["clean"] = {"header": cleaned.header, "trailer": cleaned.trailer, "hints": cleaned.hints}
                outputs[f"{folder.name} @{budget}"] = {"documents": rows, "problems": result.problems}
    out.write_text(json.dumps(outputs, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def _differences(old: dict, new: dict, limit: int = 10) -> list[str]:
    found: list[str] = []
    for folder in sorted(set(old) | set(new)):
        if folder not in old or folder not in new:
            found.append(f"{folder}: only in one of the runs")
            continue
        if old[folder]["problems"] != new[folder]["problems"]:
            found.append(f"{folder}: problems differ")
        old_docs, new_docs = old[folder]["documents"], new[folder]["documents"]
        if len(old_docs) != len(new_docs):
            found.append(f"{folder}: {len(old_docs)} documents before, {len(new_docs)} now")
            continue
        for before, after in zip(old_docs, new_docs, strict=True):
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    found.append(
                        f"{folder} {Path(before['path']).name}: {key}: {str(before.get(key))[:160]!r} -> {str(after.get(key))[:160]!r}"
                    )
        if len(found) >= limit:
            break
    return found[:limit]


def compare(against: Path, docs: int) -> int:
    sys.path.insert(0, str(HERE))
    from bench_reader import make_pages

    sys.path.insert(0, str(HERE.parent))
    from briefs.resources import sample_corpus_dir

    with tempfile.TemporaryDirectory() as scratch:
        synthetic = Path(scratch) / "synthetic"
        synthetic.mkdir()
        make_pages(synthetic, docs, seed=7, long_every=15)
        folders = [sample_corpus_dir(), synthetic]
        for name in SHARED_FOLDERS:
            if (SHARED / name).is_dir():
                folders.append(SHARED / name)
            else:
                print(f"note: {SHARED / name} is not here; skipped")
        outputs = []
        for root in (against, HERE.parent):
            out = Path(scratch) / f"{len(outputs)}.json"
            command = [sys.executable, __file__, "dump", str(root), *map(str, folders), "--out", str(out)]
            subprocess.run(command, check=True)
            outputs.append(json.loads(out.read_text(encoding="utf-8")))
    documents = sum(len(run["documents"]) for run in outputs[1].values())
    differences = _differences(*outputs)
    for line in differences:
        print(line)
    print(
        f"{documents} readings ({len(folders)} folders x {len(BUDGETS)} chunk budgets): "
        + ("identical" if not differences else "DIFFERENT")
    )
    return 1 if differences else 0


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "dump":
        parser = argparse.ArgumentParser()
        parser.add_argument("mode")
        parser.add_argument("root", type=Path)
        parser.add_argument("folders", type=Path, nargs="+")
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args()
        dump(args.root, args.folders, args.out)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, required=True, help="the other checkout of briefs (e.g. ../main)")
    parser.add_argument("--docs", type=int, default=1500, help="synthetic pages (bench_reader.py's)")
    args = parser.parse_args()
    sys.exit(compare(args.against, args.docs))


if __name__ == "__main__":
    main()
