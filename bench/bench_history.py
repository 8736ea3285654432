"""Benchmark of the history store: writing a large week, and searching a long history.

    python bench/bench_history.py [--docs 500] [--weeks 50] [--history-docs 100]

Synthetic data, seeded (no model, no network, nothing from ../shared): documents with Chinese and
English titles, summaries, ten requirements, three dates and three figures each, drawn from a
regulatory vocabulary.

* Week write: one week of ``--docs`` documents written to a fresh store (briefs.history.write_week,
  one transaction), then the same week written again (a rerun: delete + insert). Side by side, in
  the same run: rendering and writing that week's JSON briefing, which every run does anyway.
* One identity within a week: the same week with every two documents sharing a verified 文号, merged
  (briefs.identity.merge_same_number, every run after extraction), beside assembling its briefing.
* Search: ``--weeks`` weeks of ``--history-docs`` documents each, then `history search` for a
  three-character Chinese term (trigram index), a two-character one (substring scan, as the trigram
  cannot serve it), an English word, and the same three-character term by a plain LIKE scan over
  the same rows (what the index saves). Also the read behind a briefing's history sections
  (briefs.history.earlier_than) for the last week.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefs import history
from briefs.assemble import build_briefing, coverage_of, number_digests
from briefs.files import write_atomically
from briefs.identity import merge_same_number
from briefs.models import (
    Bilingual,
    Campaign,
    Check,
    Digest,
    Document,
    Extraction,
    Figure,
    Period,
    Requirement,
    RunRecord,
    StatedDate,
    Theme,
    WeekSynthesis,
)
from briefs.render import render
from briefs.weeks import week_of

ZH_WORDS = (
    "药品 医疗器械 化妆品 疫苗 中药饮片 上市许可持有人 生产企业 经营企业 网络销售 第三方平台 质量管理 "
    "专项整治 飞行检查 不良反应 监测 追溯 召回 抽检 不合格 标签 说明书 注册 备案 临床试验 审评 审批 "
    "风险 隐患 排查 处罚 违法 案件 监管 部门 应当 建立 实施 制度 落实 主体责任 加强 规范 严厉打击"
).split()
EN_WORDS = (
    "drug device cosmetic vaccine TCM MAH manufacturer distributor online platform quality management "
    "campaign inspection adverse reaction monitoring traceability recall sampling label insert "
    "registration filing trial review approval risk enforcement penalty case regulator must establish"
).split()


# In one document of a hundred: a selective query, as most real searches are.
RARE_ZH = "细胞治疗产品。"


def zh(rng: random.Random, words: int) -> str:
    return "".join(rng.choice(ZH_WORDS) for _ in range(words)) + "。"


def en(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(EN_WORDS) for _ in range(words)) + "."


def week_digests(rng: random.Random, period: Period, docs: int) -> list[Digest]:
    digests = []
    for index in range(docs):
        sentences = [zh(rng, 12) for _ in range(10)]
        text = "".join(sentences)
        day = period.start + dt.timedelta(days=index % 7)
        due = (period.end + dt.timedelta(days=rng.randint(1, 200))).isoformat()
        document = Document(
            path=f"{period.label}/doc{index:04d}.txt",
            id=f"{period.label}-{index}",
            sha256=f"{index:064x}",
            title=zh(rng, 6)[:-1],
            date=day,
            iso_week=period.iso_week,
            text=text,
            url=f"https://example.org/{index}",
        )
        requirements = [
            Requirement(
                source_sentence=sentence,
                text_en=en(rng, 14),
                actors=["mah"],
                kind="obligation",
                product_scope=["drugs"],
                priority="medium",
                due_date=due if i == 0 else None,
                due_phrase=f"自{due}起施行" if i == 0 else None,
                action=Bilingual(zh=zh(rng, 5), en=en(rng, 8)),
            )
            for i, sentence in enumerate(sentences)
        ]
        extraction = Extraction(
            title=Bilingual(zh=document.title or "", en=en(rng, 8)),
            doc_type=rng.choice(["regulation", "meeting"]),
            issuer=Bilingual(zh="国家药监局", en="NMPA"),
            issuer_level="national",
            document_number=f"国药监药管〔{period.start.year}〕{index}号",
            product_scope=["drugs"],
            summary=Bilingual(zh=zh(rng, 30) + (RARE_ZH if index % 100 == 7 else ""), en=en(rng, 40)),
            key_points=[Bilingual(zh=zh(rng, 8), en=en(rng, 10))],
            requirements=requirements,
            dates=[StatedDate(kind="comment_deadline", date=due, source_phrase=f"截止{due}") for _ in range(3)],
            figures=[
                Figure(value=f"{i}批次", meaning=Bilingual(zh="批次", en="batches"), source_phrase=f"{i}批次")
                for i in range(3)
            ],
            relevance="medium",
            relevance_reason=Bilingual(zh=zh(rng, 5), en=en(rng, 6)),
            injection_attempt=None,
        )
        checks = [
            Check(kind="quote", target=f"requirements[{i}].source_sentence", value="", ok=True) for i in range(10)
        ]
        digests.append(Digest(document=document, extraction=extraction, checks=checks, status="verified"))
    return digests


def week_briefing(rng: random.Random, period: Period, docs: int):
    numbered = number_digests(week_digests(rng, period, docs))
    synthesis = WeekSynthesis(
        headline=Bilingual(zh=zh(rng, 8), en=en(rng, 10)),
        executive_summary=Bilingual(zh=zh(rng, 40), en=en(rng, 50)),
        themes=[
            Theme(title=Bilingual(zh="主题", en="theme"), summary=Bilingual(zh="主题", en="theme"), document_ids=["D1"])
        ],
        top_actions=[],
        campaigns_to_watch=[
            Campaign(
                name=Bilingual(zh=f"专项整治行动{period.label}", en="campaign"),
                status=Bilingual(zh="进行中", en="ongoing"),
                document_ids=["D1"],
            )
        ],
    )
    briefing = build_briefing(
        period=period,
        numbered=numbered,
        failed=[],
        coverage=coverage_of([], [], [], None),
        synthesis=synthesis,
        synthesis_error=None,
        synthesis_problems=[],
        run=RunRecord(model="bench", mode="replay"),
        corpus=None,
        language="both",
    )
    return briefing, numbered


def timed(action, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_week_write(docs: int, scratch: Path) -> None:
    rng = random.Random(1)
    period = week_of(dt.date(2024, 3, 4))
    briefing, numbered = week_briefing(rng, period, docs)
    store = scratch / "week.db"
    first = timed(lambda: history.write_week(store, briefing, numbered, "corpus"))
    rerun = timed(lambda: history.write_week(store, briefing, numbered, "corpus"), repeat=3)
    json_out = scratch / "briefing.json"
    baseline = timed(lambda: write_atomically(json_out, render(briefing, "json")), repeat=3)
    size = store.stat().st_size / 1e6
    print(f"week write: {docs} documents, {docs * 10} requirements, {docs * 4} dates, {docs * 3} figures")
    print(
        f"  first write (fresh store): {first:.3f} s; rerun of the week (replace): {rerun:.3f} s; store {size:.1f} MB"
    )
    print(f"  rendering + writing the JSON briefing of the same week: {baseline:.3f} s")
    print(f"  ratio history rerun / JSON briefing: {rerun / baseline:.2f}x")


def bench_same_number(docs: int) -> None:
    """The merge of copies sharing a verified 文号 (every run, after extraction), beside assembling the
    briefing of the same week (which every run does anyway)."""
    rng = random.Random(3)
    period = week_of(dt.date(2024, 3, 4))
    digests = []
    for index, digest in enumerate(week_digests(rng, period, docs)):
        assert digest.extraction is not None
        number = f"国药监药管〔2024〕{index // 2}号"  # every two documents: one 文号, found in the page
        check = Check(kind="document_number", target="document_number", value=number, ok=True)
        digests.append(
            digest.model_copy(
                update={
                    "extraction": digest.extraction.model_copy(update={"document_number": number}),
                    "checks": [*digest.checks, check],
                }
            )
        )
    merged = merge_same_number(digests)
    seconds = timed(lambda: merge_same_number(digests), repeat=3)
    numbered = number_digests(merged)
    assembly = timed(
        lambda: build_briefing(
            period=period,
            numbered=numbered,
            failed=[],
            coverage=coverage_of([], [], [], None),
            synthesis=None,
            synthesis_error=None,
            synthesis_problems=[],
            run=RunRecord(model="bench", mode="replay"),
            corpus=None,
        ),
        repeat=3,
    )
    print(f"one identity within a week: {docs} documents, two copies per 文号 -> {len(merged)} items")
    print(f"  merge: {seconds:.3f} s; assembling the briefing of the merged week: {assembly:.3f} s")
    print(f"  ratio merge / assembly: {seconds / assembly:.2f}x")


def bench_search(weeks: int, docs: int, scratch: Path) -> None:
    rng = random.Random(2)
    store = scratch / "history.db"
    started = time.perf_counter()
    periods = [week_of(dt.date(2023, 1, 2) + dt.timedelta(weeks=i)) for i in range(weeks)]
    for period in periods:
        briefing, numbered = week_briefing(rng, period, docs)
        history.write_week(store, briefing, numbered, "corpus")
    built = time.perf_counter() - started
    with history.connect(store) as connection:
        items = connection.execute("SELECT COUNT(*) FROM search_items").fetchone()[0]
    print(
        f"search: {weeks} weeks x {docs} documents = {weeks * docs} documents, {items} searchable rows, "
        f"{store.stat().st_size / 1e6:.1f} MB (built in {built:.1f} s)"
    )
    queries = {
        "3+ Chinese characters, common (trigram index)": "上市许可",
        "3+ Chinese characters, in 1% of documents (trigram index)": "细胞治疗",
        "2 Chinese characters (substring scan)": "召回",
        "English word (trigram index)": "traceability",
    }
    for name, query in queries.items():
        seconds = timed(lambda q=query: history.search(store, q, limit=20), repeat=5)
        print(f"  history search {query!r} [{name}]: {seconds * 1000:.1f} ms (20 newest results)")
    for term in ("细胞治疗", "上市许可"):
        indexed = timed(lambda t=term: history.search(store, t, limit=20), repeat=5)
        # a two-character term beside it forces the substring scan over the same rows
        forced = timed(lambda t=term: history.search(store, f"{t} {t[:2]}", limit=20), repeat=5)
        print(
            f"  '{term}' through the index {indexed * 1000:.1f} ms vs the substring scan {forced * 1000:.1f} ms "
            f"(ratio {indexed / forced:.2f}x)"
        )
    last = periods[-1]
    later = Period(label="next", start=last.end + dt.timedelta(days=1), end=last.end + dt.timedelta(days=7))
    seconds = timed(lambda: history.earlier_than(store, later, 90), repeat=3)
    print(f"  the read behind a briefing's history sections after {weeks} weeks: {seconds:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500, help="documents in the written week")
    parser.add_argument("--weeks", type=int, default=50, help="weeks of history to search")
    parser.add_argument("--history-docs", type=int, default=100, help="documents per week of that history")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefs-bench-history-") as scratch:
        bench_week_write(args.docs, Path(scratch))
        bench_same_number(args.docs)
        bench_search(args.weeks, args.history_docs, Path(scratch))


if __name__ == "__main__":
    main()
