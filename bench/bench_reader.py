"""Reader throughput: a few thousand news-sized pages and long regulations through read_paths (load →
clean → metadata → dedupe → chunk), beside tiktoken encoding the *cleaned* texts alone, in one run;
then an unpunctuated 320k-character line cut into chunks, beside encoding it once; with ``--stages``,
where the reader's CPU time goes, stage by stage.

    .venv/bin/python bench/bench_reader.py [--docs 3000] [--long-every 15] [--seed 7] [--repeat 5] [--stages]

The pages are made from the bundled samples: each keeps the chrome of one seed page (breadcrumbs,
widgets, sidebars) around paragraphs drawn at random from all eight sample bodies plus a numbered
sentence, so no two are near-duplicates and dedupe cannot collapse them; every ``--long-every``-th
page is a long regulation instead (200 paragraphs of the sample regulations' articles, several
chunks). The goal: reading, cleaning and chunking cost no more than 3x encoding the cleaned text.
Beside the wall-time ratio (the goal's), the same ratio in CPU time of the process: on a shared,
loaded machine it moves less from run to run.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefs import chunk, dedupe, load, metadata, reader, tokens
from briefs import clean as clean_stage
from briefs.chunk import chunk_text
from briefs.clean import clean
from briefs.load import load_file
from briefs.reader import read_paths
from briefs.resources import sample_corpus_dir
from briefs.settings import Settings
from briefs.tokens import count_tokens, encoding_for, token_ends

GOAL_RATIO = 3.0


def make_pages(folder: Path, count: int, seed: int, long_every: int = 0) -> int:
    """Write ``count`` pages into ``folder``; returns the total bytes written."""
    rng = random.Random(seed)
    samples = sorted(sample_corpus_dir().glob("*.txt"))
    pool: list[str] = []
    articles: list[str] = []
    for path in samples:
        body = clean(load_file(path, 10_000_000).text, "text").body
        pool += [p for p in body.split("\n\n") if len(p) > 20]
        if "_long" in path.name:
            articles += [p for p in body.split("\n\n") if p.strip()]
    news = samples[:5]
    templates = []
    for path in news:
        raw = path.read_text(encoding="utf-8")
        first = clean(raw, "text").body.split("\n\n")[0]
        head, _, tail = raw.partition(first[:20])
        templates.append((head, tail[tail.find("\n") :] if "\n" in tail else ""))
    total = 0
    for i in range(count):
        if long_every and i % long_every == 0:
            # laid out as the sample regulations are: a title, the promulgation line, the articles
            paragraphs = [f"# 第{i}号基准测试规定", f"2022年2月{1 + i % 28}日 国务院令第{i}号公布", "<!-- INFO END -->"]
            paragraphs += rng.sample(articles, min(200, len(articles)))
            data = "\n\n".join(paragraphs).encode("utf-8")
            (folder / f"{i:05d}.txt").write_bytes(data)
            total += len(data)
            continue
        head, _ = templates[i % len(templates)]
        paragraphs = rng.sample(pool, 5)
        paragraphs.insert(0, f"本文是第{i}号基准测试稿件，用于测量读取速度。")
        sidebar = "\n相关文章\n" + "\n".join(rng.sample(pool, 3)) + "\n点赞 0\n0评论2026-03-0558\n"
        text = head + "\n".join(paragraphs) + "\n" + sidebar
        data = text.encode("utf-8")
        (folder / f"{i:05d}.txt").write_bytes(data)
        total += len(data)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--long-every", type=int, default=15, help="every n-th page a long regulation (0: none)")
    parser.add_argument("--line", type=int, default=320_000, help="characters of the unpunctuated line")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved runs; the best of each side counts")
    parser.add_argument("--stages", action="store_true", help="then where the reader's CPU time goes, stage by stage")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "pages"
        folder.mkdir()
        size = make_pages(folder, args.docs, args.seed, args.long_every)
        settings = Settings(home=Path(scratch) / "home", use_cache=False)  # reading itself, not the reading cache
        encoding = encoding_for(settings.model, settings.encoding)
        encoding.encode_ordinary("warm up")
        texts = [document.text for document in read_paths([folder], settings).documents]  # the cleaned texts

        # Interleaved repetitions, best of each: other processes on a shared machine slow both alike.
        load_before = os.getloadavg()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reader_runs, encode_runs = [], []
        reader_cpu, encode_cpu = [], []  # CPU time of the process: steadier than wall time on a shared machine
        for _ in range(args.repeat):
            started, cpu = time.perf_counter(), time.process_time()
            result = read_paths([folder], settings)
            reader_runs.append(time.perf_counter() - started)
            reader_cpu.append(time.process_time() - cpu)
            started, cpu = time.perf_counter(), time.process_time()
            encoded_tokens = sum(len(encoding.encode_ordinary(text)) for text in texts)
            encode_runs.append(time.perf_counter() - started)
            encode_cpu.append(time.process_time() - cpu)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reader_seconds, encode_seconds = min(reader_runs), min(encode_runs)
        load_after = os.getloadavg()

        tracemalloc.start()
        read_paths([folder], settings)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        stages = stage_times(folder, settings) if args.stages else None

    line_seconds, line_encode, line_chunks = cut_line(args.line, encoding, settings.chunk_tokens, args.repeat)

    documents = len(result.documents)
    long_pages = sum(1 for d in result.documents if len(d.chunks) > 1)
    duplicates = sum(1 for d in result.documents if d.duplicate_of)
    chunks = sum(len(d.chunks) for d in result.documents)
    megabytes = size / 1_000_000
    ratio = reader_seconds / encode_seconds
    print(
        f"pages: {args.docs} ({megabytes:.2f} MB UTF-8, {megabytes * 1000 / args.docs:.1f} kB each), "
        f"read: {documents} ({long_pages} of several chunks), duplicates: {duplicates}, chunks: {chunks}, "
        f"problems: {len(result.problems)}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs; load average 1/5/15 min: {' '.join(f'{x:.2f}' for x in load_before)}"
        f" before the runs, {' '.join(f'{x:.2f}' for x in load_after)} after"
    )
    print(
        f"runs (s): reader {', '.join(f'{t:.2f}' for t in reader_runs)} | encode {', '.join(f'{t:.2f}' for t in encode_runs)}"
    )
    print(
        f"reader (load+clean+metadata+dedupe+chunk), best: {reader_seconds:.2f} s  "
        f"{documents / reader_seconds:,.0f} docs/s  {megabytes / reader_seconds:.2f} MB/s"
    )
    print(
        f"tiktoken encode_ordinary alone, the cleaned texts, best: {encode_seconds:.2f} s  "
        f"{megabytes / encode_seconds:.2f} MB/s  ({encoded_tokens:,} tokens)"
    )
    print(
        f"ratio reader / encode-only: {ratio:.2f}x  (goal <= {GOAL_RATIO:.0f}x: {'met' if ratio <= GOAL_RATIO else 'NOT met'})"
    )
    cpu_ratio = min(reader_cpu) / min(encode_cpu)
    print(f"  in CPU time: reader {min(reader_cpu):.2f} s / encode-only {min(encode_cpu):.2f} s = {cpu_ratio:.2f}x")
    print(
        f"peak memory: process max RSS {rss_after / 1024:.0f} MB (before reading {rss_before / 1024:.0f} MB); "
        f"tracemalloc peak during a second read {traced_peak / 1_000_000:.1f} MB"
    )
    print(
        f"an unpunctuated {args.line:,}-character line: chunked in {line_seconds:.3f} s ({line_chunks} chunks), "
        f"encoded once in {line_encode:.3f} s: {line_seconds / line_encode:.1f}x"
    )
    if stages:
        encode_cpu_best = min(encode_cpu)
        print("where the reader's CPU time goes (one more read, each stage timed apart), as a share of encode-only:")
        for stage, seconds in sorted(stages.items(), key=lambda item: -item[1]):
            print(f"  {stage:<34} {seconds:6.3f} s  {seconds / encode_cpu_best:5.2f}x")


# The reader's stages, as read_paths reaches them (module attributes, looked up at each call).
_STAGES = (
    (reader, "expand_paths", "find files (expand_paths)"),
    (load, "read_bytes", "read bytes"),
    (load, "load_bytes", "decode, front matter"),
    (clean_stage, "clean", "clean"),
    (metadata, "extract_metadata", "metadata"),
    (reader._LazyCounter, "_encode", "tiktoken encode (whole texts, edges)"),
    (tokens, "ends_of", "token ends (long documents)"),
    (chunk, "chunk_text", "chunk"),
    (dedupe, "sentence_keys", "duplicate keys"),
    (dedupe, "mark_duplicates", "duplicate groups"),
)


def stage_times(folder: Path, settings: Settings) -> dict[str, float]:
    """CPU seconds of each stage in one read of ``folder``, each stage's own time only (a stage
    called inside another, such as the encoding inside chunking, is taken out of the outer one);
    what no stage holds is the reader's glue ("other")."""
    spent: dict[str, float] = dict.fromkeys([stage for _, _, stage in _STAGES] + ["other"], 0.0)
    running: list[list] = []  # [stage, since] of the stages entered and not yet left, innermost last

    def timed(function, stage: str):
        def call(*args, **kwargs):
            now = time.process_time()
            if running:  # pause the stage this one runs inside
                spent[running[-1][0]] += now - running[-1][1]
            running.append([stage, now])
            try:
                return function(*args, **kwargs)
            finally:
                left = time.process_time()
                spent[stage] += left - running.pop()[1]
                if running:
                    running[-1][1] = left

        return call

    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in _STAGES]
    for (owner, name, stage), (_, _, original) in zip(_STAGES, originals, strict=True):
        setattr(owner, name, timed(original, stage))
    try:
        started = time.process_time()
        read_paths([folder], settings)
        total = time.process_time() - started
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    spent["other"] = total - sum(spent.values())
    return spent


def cut_line(characters: int, encoding, budget: int, repeat: int) -> tuple[float, float, int]:
    """Best-of times: chunking one unpunctuated line of ``characters`` characters, and encoding it."""
    rng = random.Random(3)
    words = ["药品", "医疗器械", "监督管理", "注册人", "备案", "生产企业", "质量", "abc", "2022", "规范"]
    line = ""
    while len(line) < characters:
        line += "".join(rng.choice(words) for _ in range(1000))
    line = line[:characters]
    count = lambda text: count_tokens(text, encoding)  # noqa: E731
    ends = lambda text: token_ends(text, encoding)  # noqa: E731
    chunked, encoded = [], []
    for _ in range(min(repeat, 3)):
        started = time.perf_counter()
        chunks = chunk_text("line", line, count, budget, 150, ends=ends)
        chunked.append(time.perf_counter() - started)
        started = time.perf_counter()
        encoding.encode_ordinary(line)
        encoded.append(time.perf_counter() - started)
    return min(chunked), min(encoded), len(chunks)


if __name__ == "__main__":
    main()
