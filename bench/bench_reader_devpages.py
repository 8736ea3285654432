"""The reader on pages from sites it was not built on: ../shared/dev-pages (30 real pages, 30 sites,
with gold titles, dates, first and last body sentences and furniture strings).

    .venv/bin/python bench/bench_reader_devpages.py [--gold PATH] [--docs PATH] [-v]

Scored as ../shared/tools/score_reader.py scores `briefs inspect --json`: titles, dates, wrong dates
(a date given that is not the gold one; an inferred date on a page with no gold date is not wrong),
undated pages left undated, first and last body sentence, furniture strings removed. Goals: titles
>= 90%, dates >= 90%, wrong dates 0, furniture removed >= 90%.

When trafilatura and htmldate are importable (they are not dependencies of briefs:
`pip install trafilatura htmldate` to compare), the same pages are scored through them side by side:
trafilatura's bare_extraction (favor_recall, with metadata) for title and body, htmldate's
find_date (extensive search, original date) for the date. Stored text pages are wrapped one <p> per
line for them.

The pages are third-party material kept outside the project: without ../shared the script says so
and exits 0.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefs.reader import read_paths
from briefs.settings import Settings

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "dev-pages"
GOALS = {"titles": 0.9, "dates": 0.9, "furniture": 0.9}


def norm(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@dataclass
class Score:
    titles: int = 0
    titles_of: int = 0
    dates: int = 0
    dates_of: int = 0
    wrong_dates: int = 0
    undated_kept: int = 0
    undated_of: int = 0
    first: int = 0
    last: int = 0
    pages: int = 0
    furniture: int = 0
    furniture_of: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, gold: dict, title: str | None, date: str | None, inferred: bool, text: str) -> None:
        self.pages += 1
        name = gold["file"][:2]
        body = norm(text)
        if gold.get("title"):
            self.titles_of += 1
            got, want = norm(title), norm(gold["title"])
            ok = bool(got) and (got == want or want in got or (len(got) >= 6 and got in want))
            self.titles += ok
            if not ok:
                self.misses.append(f"{name} title: {title!r}")
        if gold.get("date"):
            self.dates_of += 1
            ok = (date or "")[:10] == gold["date"]
            self.dates += ok
            if date and not ok:
                self.wrong_dates += 1
            if not ok:
                self.misses.append(f"{name} date: {date} (gold {gold['date']})")
        else:
            self.undated_of += 1
            ok = not date or inferred
            self.undated_kept += ok
            if not ok:
                self.wrong_dates += 1
                self.misses.append(f"{name} date: {date} (gold none)")
        for key, attribute in (("body_first", "first"), ("body_last", "last")):
            sentence = gold.get(key)
            if sentence and norm(sentence)[:40] in body:
                setattr(self, attribute, getattr(self, attribute) + 1)
        for furniture in gold.get("not_body") or []:
            if len(norm(furniture)) < 4:
                continue
            self.furniture_of += 1
            gone = norm(furniture) not in body
            self.furniture += gone
            if not gone:
                self.misses.append(f"{name} kept: {furniture[:30]!r}")

    def lines(self, label: str) -> list[str]:
        def pct(a: int, b: int) -> str:
            return f"{a}/{b} ({a / b:.0%})" if b else f"{a}/{b}"

        return [
            f"{label}: titles {pct(self.titles, self.titles_of)}  dates {pct(self.dates, self.dates_of)}  "
            f"wrong dates {self.wrong_dates}  undated left undated {pct(self.undated_kept, self.undated_of)}",
            f"{' ' * len(label)}  first sentence {pct(self.first, self.pages)}  last sentence {pct(self.last, self.pages)}  "
            f"furniture removed {pct(self.furniture, self.furniture_of)}",
        ]

    def goals_met(self) -> bool:
        return (
            self.titles >= GOALS["titles"] * self.titles_of
            and self.dates >= GOALS["dates"] * self.dates_of
            and self.wrong_dates == 0
            and self.furniture >= GOALS["furniture"] * self.furniture_of
        )


def score_briefs(gold: list[dict], docs: Path) -> Score:
    score = Score()
    with tempfile.TemporaryDirectory() as home:
        result = read_paths([docs], Settings(home=Path(home), use_cache=False))
    by_name = {Path(d.path).name: d for d in result.documents}
    for record in gold:
        document = by_name.get(record["file"])
        if document is None:
            score.add(record, None, None, False, "")
            score.misses.append(f"{record['file'][:2]} not read")
            continue
        date = document.date.isoformat() if document.date else None
        score.add(record, document.title, date, document.date_inferred, document.text)
    return score


def score_trafilatura(gold: list[dict], docs: Path) -> Score | None:
    try:
        import htmldate
        import trafilatura
    except ImportError:
        return None
    score = Score()
    for record in gold:
        raw = (docs / record["file"]).read_text(encoding="utf-8", errors="replace")
        if not record["file"].endswith((".html", ".htm")):
            raw = "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in raw.splitlines() if line.strip())
            raw += "</body></html>"
        extracted = trafilatura.bare_extraction(raw, with_metadata=True, favor_recall=True)
        try:
            date = htmldate.find_date(raw, extensive_search=True, original_date=True)
        except Exception:
            date = None
        score.add(record, getattr(extracted, "title", None), date, False, getattr(extracted, "text", "") or "")
    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=SHARED / "gold.jsonl")
    parser.add_argument("--docs", type=Path, default=SHARED / "docs")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    if not args.gold.is_file() or not args.docs.is_dir():
        print(f"skipped: {args.gold} or {args.docs} not found (the dev pages live outside the project, in ../shared)")
        return 0
    gold = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    ours = score_briefs(gold, args.docs)
    print(f"{len(gold)} pages from {args.docs}")
    for line in ours.lines("briefs"):
        print(line)
    print(
        f"goals (titles >= 90%, dates >= 90%, wrong dates 0, furniture >= 90%): {'met' if ours.goals_met() else 'NOT met'}"
    )
    if args.verbose:
        print("\n".join(f"  {miss}" for miss in ours.misses))
    theirs = score_trafilatura(gold, args.docs)
    if theirs is None:
        print("trafilatura/htmldate: not installed, no side-by-side comparison")
    else:
        for line in theirs.lines("trafilatura+htmldate"):
            print(line)
        if args.verbose:
            print("\n".join(f"  {miss}" for miss in theirs.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
