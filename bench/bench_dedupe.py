"""Near-duplicate recall as the corpus grows: the share of reposts above the bar that are found.

A synthetic corpus is built from the bundled sample corpus: each document is 6 sentences of its own
(a sample sentence with its characters shuffled) and 6 drawn from all the sample's sentences (so
features shared by many stories crowd into boilerplate as the corpus grows, as a regulator's standard
formulas do), and one document in ten gets a repost later in the corpus: a few sentences edited in their middle, one dropped, an editor's note added. Only reposts whose
sentence-end features are at least ``NEAR_DUPLICATE`` similar to their original count (those are the
ones the verdict should merge: each one missed is extracted, and paid for, twice). Printed side by side
for each corpus size in one run: recall, wrong merges, and the time ``mark_duplicates`` took.

    python bench/bench_dedupe.py [--documents 500 5000] [--seed 11]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefs import resources
from briefs.dedupe import NEAR_DUPLICATE, features, mark_duplicates, sentence_keys, similarity
from briefs.models import Document

SENTENCE = re.compile(r"[^。！？\n]{12,}?[。！？]")


def pool() -> list[str]:
    found: list[str] = []
    for path in sorted(resources.sample_corpus_dir().glob("*.txt")):
        text = re.sub(r"<[^>]+>", "\n", path.read_text(encoding="utf-8"))
        found.extend(s.strip() for s in SENTENCE.findall(text) if "http" not in s)
    return list(dict.fromkeys(found))


def repost(sentences: list[str], rng: random.Random) -> list[str]:
    copy = list(sentences)
    for at in rng.sample(range(len(copy)), 2):  # an edit in the middle of two sentences
        s = copy[at]
        middle = len(s) // 2
        copy[at] = s[:middle] + "有关" + s[middle + 2 :]
    del copy[rng.randrange(len(copy))]
    copy.append(f"（编者按：本文转载自第{rng.randrange(10**6)}号通报。）")
    return copy


def document(number: int, sentences: list[str]) -> Document:
    text = "".join(sentences)
    return Document(path=f"doc{number:05d}.txt", id=f"d{number}", sha256="0" * 64, text=text, tokens=0, chunks=[])


def run(documents: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    sentences = pool()

    def own() -> str:
        sentence = rng.choice(sentences)[:-1]
        return "".join(rng.sample(sentence, len(sentence))) + "。"

    bodies = [[own() for _ in range(6)] + rng.sample(sentences, 6) for _ in range(documents)]
    for body in bodies:
        rng.shuffle(body)
    order: list[list[str]] = list(bodies)
    twins = []
    for original in rng.sample(range(documents), documents // 10):
        copy = repost(bodies[original], rng)
        after = next(i for i, body in enumerate(order) if body is bodies[original])
        order.insert(rng.randrange(after + 1, len(order) + 1), copy)
        twins.append((bodies[original], copy))
    docs = [document(i, body) for i, body in enumerate(order)]
    at = {id(body): i for i, body in enumerate(order)}
    pairs = [(at[id(a)], at[id(b)]) for a, b in twins]
    above = [
        (a, b)
        for a, b in pairs
        if similarity(features(sentence_keys(docs[a].text)), features(sentence_keys(docs[b].text))) >= NEAR_DUPLICATE
    ]
    started = time.perf_counter()
    mark_duplicates(docs)
    seconds = time.perf_counter() - started
    keeper = {d.id: (d.duplicate_of or d.id) for d in docs}
    found = sum(1 for a, b in above if keeper[docs[a].id] == keeper[docs[b].id])
    merged = sum(1 for d in docs if d.duplicate_of)
    wrong = merged - sum(1 for a, b in pairs if keeper[docs[a].id] == keeper[docs[b].id])
    return {
        "documents": len(docs),
        "reposts": len(pairs),
        "above": len(above),
        "found": found,
        "recall": found / max(len(above), 1),
        "wrong": wrong,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    results = [run(n, args.seed) for n in args.documents]
    for r in results:
        print(
            f"{r['documents']:>6} documents: {r['reposts']} reposts, {r['above']} above the bar; "
            f"found {r['found']} = recall {r['recall']:.1%}; wrong merges {r['wrong']}; "
            f"mark_duplicates {r['seconds']:.2f} s"
        )
    if len(results) > 1:
        print(
            f"recall at {results[-1]['documents']} / recall at {results[0]['documents']}: "
            f"{results[-1]['recall'] / max(results[0]['recall'], 1e-9):.2f}"
        )


if __name__ == "__main__":
    main()
