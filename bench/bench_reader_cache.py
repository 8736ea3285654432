"""Incremental reading: a week's reading cost follows the week, not the folder.

    .venv/bin/python bench/bench_reader_cache.py [--per-week 300] [--weeks 10] [--repeat 3]

A folder of ``--weeks`` ISO weeks of news-sized pages (the generator of bench_reader.py, each page
dated by front matter) is read with the per-file reading cache under a scratch BRIEFS_HOME, beside
a folder holding one week of the same pages. Measured side by side in one run (best of --repeat):

* A  the one-week folder, cache empty: what reading one week costs;
* B  the ten-week folder, cache empty (the first run ever);
* C  the ten-week folder again, cache warm (the goal: C <= 1.3 x A);
* D  the ten-week folder plus one new week of pages (the weekly run: only the new week is read).

The token encoding is loaded before timing, so neither side pays for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reader import make_pages

from briefs.reader import read_paths
from briefs.settings import Settings
from briefs.tokens import counter_for

GOAL = 1.3
MONDAY = dt.date(2022, 1, 3)


def make_weeks(folder: Path, weeks: range, per_week: int, seed: int) -> None:
    """``per_week`` pages for each week in ``weeks``, each dated by front matter inside its week."""
    for week in weeks:
        target = folder / f"week-{week:02d}"
        target.mkdir(parents=True)
        make_pages(target, per_week, seed + week)
        for index, page in enumerate(sorted(target.glob("*.txt"))):
            day = MONDAY + dt.timedelta(weeks=week, days=index % 5)
            # a page number unique across weeks, so no two weeks hold the same text
            text = page.read_text(encoding="utf-8").replace("本文是第", f"本文是第{week}周第", 1)
            page.with_suffix(".md").write_text(f"---\ndate: {day.isoformat()}\n---\n{text}", encoding="utf-8")
            page.unlink()


def timed(folder: Path, settings: Settings) -> tuple[float, int, int]:
    started = time.perf_counter()
    result = read_paths([folder], settings)
    return time.perf_counter() - started, len(result.documents), result.from_cache


def traced_peak(folder: Path, settings: Settings) -> float:
    """Peak Python memory (MB) while reading ``folder``, by tracemalloc (a separate, slower run)."""
    tracemalloc.start()
    read_paths([folder], settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1_000_000


def fresh_home(scratch: Path, name: str) -> Settings:
    home = scratch / name
    shutil.rmtree(home, ignore_errors=True)
    return Settings(home=home)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-week", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        one_week, many_weeks = scratch / "one", scratch / "many"
        make_weeks(one_week, range(args.weeks, args.weeks + 1), args.per_week, args.seed)
        make_weeks(many_weeks, range(args.weeks), args.per_week, args.seed)
        counter_for(Settings().model)("warm up")  # the encoding, loaded once for both sides

        runs: dict[str, list[float]] = {"A": [], "B": [], "C": [], "D": []}
        load_before = os.getloadavg()
        for _ in range(args.repeat):
            seconds, one_docs, _ = timed(one_week, fresh_home(scratch, "home-a"))
            runs["A"].append(seconds)
            settings = fresh_home(scratch, "home-b")
            seconds, many_docs, _ = timed(many_weeks, settings)
            runs["B"].append(seconds)
            seconds, _, cached = timed(many_weeks, settings)
            runs["C"].append(seconds)
            new_week = many_weeks / f"week-{args.weeks:02d}"
            shutil.copytree(one_week / f"week-{args.weeks:02d}", new_week)
            seconds, grown_docs, grown_cached = timed(many_weeks, settings)
            runs["D"].append(seconds)
            shutil.rmtree(new_week)
        load_after = os.getloadavg()
        peaks = {"A": traced_peak(one_week, fresh_home(scratch, "home-a")), "C": traced_peak(many_weeks, settings)}

    best = {name: min(values) for name, values in runs.items()}
    print(
        f"pages: {one_docs} in the one-week folder, {many_docs} in the {args.weeks}-week folder "
        f"(second run: {cached} from the cache; with a new week: {grown_docs} pages, {grown_cached} from the cache)"
    )
    print(
        f"machine: {os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} after"
    )
    for name, label in (
        ("A", "one week, cache empty"),
        ("B", f"{args.weeks} weeks, cache empty"),
        ("C", f"{args.weeks} weeks, cache warm"),
        ("D", f"{args.weeks} weeks + 1 new week"),
    ):
        print(f"{name} {label:<28} best {best[name]:.2f} s  runs {', '.join(f'{t:.2f}' for t in runs[name])}")
    ratio = best["C"] / best["A"]
    print(f"B/A {best['B'] / best['A']:.2f}x (no cache: the folder's cost)")
    print(f"C/A {ratio:.2f}x  (goal <= {GOAL}x: {'met' if ratio <= GOAL else 'NOT met'})")
    print(f"D/A {best['D'] / best['A']:.2f}x (a weekly run: last week's pages are new)")
    print(
        f"memory (tracemalloc peak): A {peaks['A']:.1f} MB, C {peaks['C']:.1f} MB, "
        f"C/A {peaks['C'] / peaks['A']:.2f}x (every page's reading is still held: dedupe needs them all)"
    )


if __name__ == "__main__":
    main()
