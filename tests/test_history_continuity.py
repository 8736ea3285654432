"""Week over week: a sequence of weeks through the real pipeline, with the history store between them.

The continuity fixture (tests/fixtures/continuity/README.md): the sample corpus' 2022 campaign
meeting (2022-W06) and its provincial follow-ups (2022-W07), plus three small fictional documents
written for this test: a draft for comment with a 文号 and a comment deadline (2022-W06), a provincial
repost of it typing the 文号 with other brackets (2022-W08), and the final rule with the same 文号
(2022-W10). Their model answers are hand-written (each says so in its provenance).

    week      documents                  expected
    2022-W06  D1 draft, D2 campaign      first week: one line; the campaign is new
    2022-W07  D1 provincial follow-ups   campaign ongoing since 2022-W06
    2022-W08  D1 repost of the draft     repost of 2022-W06 D1; campaign no longer mentioned;
                                         the comment deadline of 2022-03-10 is upcoming
    2022-W10  D1 final rule              final version of the draft 2022-W06 D1; the deadline
                                         announced in week 1 falls in this week (once, not per copy)
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from events_support import Told

from briefs import resources
from briefs.history import store_path
from briefs.llm.testing.answers import AnswerBookTransport
from briefs.llm_setup import token_counter
from briefs.models import Briefing, Period
from briefs.pipeline import GenerateRequest, GenerateResult, ModelSeam, generate
from briefs.render import render
from briefs.settings import load_settings
from briefs.weeks import parse_week

FIXTURE = Path(__file__).parent / "fixtures" / "continuity"
REFERENCE_ANSWERS = Path(__file__).parent / "fixtures" / "answers"
SAMPLE_DOCS = ("000_b91c7a1454b64df1", "001_856973fa258ed578")
WEEKS = ("2022-W06", "2022-W07", "2022-W08", "2022-W10")


class Continuity:
    """The fixture corpus, its answer book and a home with a history store, in one tmp folder."""

    def __init__(self, root: Path) -> None:
        self.corpus = root / "corpus"
        self.answers = root / "answers"
        shutil.copytree(FIXTURE / "corpus", self.corpus)
        shutil.copytree(FIXTURE / "answers", self.answers)
        for stem in SAMPLE_DOCS:
            shutil.copy(resources.sample_corpus_dir() / f"{stem}.txt", self.corpus)
            shutil.copytree(REFERENCE_ANSWERS / "extract" / stem, self.answers / "extract" / stem)
        self.settings = load_settings(
            None, corpus=self.corpus, home=root / "home", out=root / "briefings", recordings=root / "rec", mode="record"
        )
        self.store = store_path(self.settings.home)

    def run(self, week: str | Period, **request: object) -> GenerateResult:
        seam = ModelSeam(
            inner_transport=AnswerBookTransport(self.answers, token_counter(self.settings)), provenance="t"
        )
        period = parse_week(week) if isinstance(week, str) else week
        self.told = Told()
        return generate(self.settings, GenerateRequest(period=period, **request), seam, self.told)


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Continuity, dict[str, Briefing]]:
    continuity = Continuity(tmp_path_factory.mktemp("continuity"))
    briefings = {}
    for week in WEEKS:
        result = continuity.run(week)
        assert result.exit_code == 0, continuity.told.lines()
        assert result.briefing is not None and result.briefing.history is not None
        briefings[week] = result.briefing
    return continuity, briefings


def test_the_first_week_says_so_in_one_line_and_its_campaign_is_new(weeks) -> None:
    _, briefings = weeks
    history = briefings["2022-W06"].history
    assert history.first_week and history.documents == [] and history.deadlines == []
    assert [(c.name.zh, c.state) for c in history.campaigns] == [("全国药品安全专项整治行动", "new")]
    for fmt in ("md", "txt", "html"):
        text = render(briefings["2022-W06"], fmt)
        assert "First week on record" in text and "历史记录从本周开始" in text
        assert "What changed since last week" not in text and "Upcoming deadlines" not in text


def test_a_campaign_mentioned_again_is_ongoing_since_the_week_it_began(weeks) -> None:
    _, briefings = weeks
    history = briefings["2022-W07"].history
    assert history.previous_week == "2022-W06"
    assert [(c.state, c.first_week, [s.ref for s in c.sources]) for c in history.campaigns] == [
        ("ongoing", "2022-W06", ["D1"])
    ]


def test_a_campaign_of_last_week_not_mentioned_this_week_has_ended(weeks) -> None:
    _, briefings = weeks
    history = briefings["2022-W08"].history
    assert [(c.state, c.first_week, c.last_week) for c in history.campaigns] == [("ended", "2022-W06", "2022-W07")]


def test_a_repost_in_a_later_week_names_the_earlier_week_and_document(weeks) -> None:
    _, briefings = weeks
    [change] = briefings["2022-W08"].history.documents
    assert (change.ref, change.kind, change.matched_on) == ("D1", "repost", "document_number")
    assert (change.earlier.week, change.earlier.ref) == ("2022-W06", "D1")
    assert change.earlier.document_number == "国药监药管〔2022〕18号"  # as published, not folded
    assert change.earlier.url == "https://example.org/nmpa/2022/draft-online-sales"
    md = render(briefings["2022-W08"], "md")
    assert "D1「关于转发" in md and "是 2022-W06 D1「国家药监局综合司公开征求" in md and "的转载" in md


def test_a_final_rule_is_linked_to_its_draft_for_comment(weeks) -> None:
    _, briefings = weeks
    [change] = briefings["2022-W10"].history.documents
    assert (change.kind, change.matched_on, change.earlier.week, change.earlier.ref) == (
        "final_of_draft",
        "number_stem",
        "2022-W06",
        "D1",
    )
    assert "the final version of the draft for comment 2022-W06 D1" in render(briefings["2022-W10"], "txt")


def test_a_deadline_announced_in_week_one_is_upcoming_in_week_five_once_with_its_sentence(weeks) -> None:
    _, briefings = weeks
    deadlines = briefings["2022-W10"].history.deadlines
    comment = [d for d in deadlines if d.kind == "comment_deadline"]
    assert len(comment) == 1, "the repost restates the deadline: it is listed once"
    [d] = comment
    assert d.date.isoformat() == "2022-03-10" and d.verified is True
    assert d.source_sentence == "请于2022年3月10日前将意见反馈至国家药监局药品监管司。"
    assert (d.document.week, d.document.ref, d.document.url) == (
        "2022-W06",
        "D1",
        "https://example.org/nmpa/2022/draft-online-sales",
    )
    for fmt in ("md", "txt", "html"):
        text = render(briefings["2022-W10"], fmt)
        assert "2022-03-10" in text and "请于2022年3月10日前将意见反馈至国家药监局药品监管司。" in text


def test_an_unverified_deadline_is_shown_as_unverified_never_silently(weeks) -> None:
    _, briefings = weeks
    [d] = [d for d in briefings["2022-W10"].history.deadlines if d.date.isoformat() == "2022-04-01"]
    assert d.verified is False
    md = render(briefings["2022-W10"], "md")
    line = next(line for line in md.splitlines() if line.startswith("- **2022-04-01"))
    assert "⚠" in line and "not found in source" in line


def test_this_weeks_own_deadlines_are_not_upcoming_ones(weeks) -> None:
    _, briefings = weeks
    assert all(d.document.week != "2022-W10" for d in briefings["2022-W10"].history.deadlines)


@pytest.mark.parametrize("language", ["both", "zh", "en"])
@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_every_format_and_language_shows_the_sections(weeks, fmt: str, language: str) -> None:
    _, briefings = weeks
    text = render(briefings["2022-W08"], fmt, language)  # type: ignore[arg-type]
    zh, en = "与此前各周相比的变化" in text, "What changed since last week" in text
    assert (zh, en) == {"both": (True, True), "zh": (True, False), "en": (False, True)}[language]
    assert ("即将到来的期限" in text, "Upcoming deadlines" in text) == (zh, en)


def test_the_json_briefing_holds_the_sections(weeks) -> None:
    _, briefings = weeks
    data = Briefing.model_validate_json(render(briefings["2022-W08"], "json"))
    assert data.history == briefings["2022-W08"].history


def _rows(store: Path, week: str | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, the week's rows left out when ``week`` is given (ids ignored: a
    rewritten week's rows get new ones)."""
    with sqlite3.connect(store) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search%'"
            )
        ]
        week_id = connection.execute("SELECT id FROM weeks WHERE label = ?", (week,)).fetchone() if week else None
        found = {}
        for table in tables:
            rows = connection.execute(f"SELECT * FROM {table}").fetchall()
            found[table] = sorted(rows, key=repr)
        found["search_items"] = sorted(connection.execute("SELECT * FROM search_items").fetchall(), key=repr)
    if week_id:
        found = {
            table: [r for r in rows if week_id[0] not in _week_ids(table, r, store)] for table, rows in found.items()
        }
    return found


def _week_ids(table: str, row: tuple, store: Path) -> set[int]:
    with sqlite3.connect(store) as connection:
        if table == "weeks":
            return {row[0]}
        if table in ("briefings",):
            return {row[0]}
        if table in ("campaigns", "documents", "search_items"):
            return {row[1]}
        document_id = row[0] if table in ("copies", "digests") else row[1]
        found = connection.execute("SELECT week_id FROM documents WHERE id = ?", (document_id,)).fetchone()
        return {found[0]} if found else set()


def test_rerunning_a_past_week_changes_only_that_weeks_rows(weeks) -> None:
    continuity, _ = weeks
    before = _rows(continuity.store, "2022-W08")
    counts = {table: len(rows) for table, rows in _rows(continuity.store).items()}
    result = continuity.run("2022-W08")
    assert result.exit_code == 0
    assert _rows(continuity.store, "2022-W08") == before
    assert {table: len(rows) for table, rows in _rows(continuity.store).items()} == counts, "never duplicated"
    with sqlite3.connect(continuity.store) as connection:
        assert connection.execute("SELECT COUNT(*) FROM weeks WHERE label = '2022-W08'").fetchone() == (1,)


def test_a_rerun_of_a_past_week_sees_only_the_weeks_before_it(weeks) -> None:
    continuity, briefings = weeks
    rerun = continuity.run("2022-W07").briefing
    assert rerun is not None and rerun.history == briefings["2022-W07"].history


# --- one 文号 within a week: one item listing every copy ----------------------------------------------


def test_copies_of_one_document_number_in_one_week_are_one_item_listing_every_copy(tmp_path: Path) -> None:
    """The provincial repost dated into the draft's week (and a day before it, so that the repost is
    the copy that stays): one document with both copies, and the requirement and date that only the
    NMPA copy states are still there, with their own verification."""
    continuity = Continuity(tmp_path)
    repost = continuity.corpus / "c2_repost_provincial.txt"
    repost.write_text(repost.read_text(encoding="utf-8").replace("2022-02-22", "2022-02-08"), encoding="utf-8")
    result = continuity.run("2022-W06")
    assert result.exit_code == 0, continuity.told.lines()
    briefing = result.briefing
    assert briefing is not None
    [merged] = [d for d in briefing.documents if d.document_number]
    assert len(briefing.documents) == 2  # the draft (both copies) and the campaign meeting
    assert [c.path for c in merged.copies] == ["c2_repost_provincial.txt", "c1_draft_online_sales.txt"]
    assert [c.url for c in merged.copies] == [
        "https://example.org/province/2022/repost-online-sales",
        "https://example.org/nmpa/2022/draft-online-sales",
    ]
    sentences = [r.requirement.source_sentence for r in merged.requirements]
    assert sentences.count("药品网络销售企业应当建立并实施药品质量安全管理制度。") == 1
    assert "第三方平台应当对入驻的药品网络销售企业的资质进行审核。" in sentences  # only the NMPA copy has it
    assert all(r.verified for r in merged.requirements)
    assert briefing.history is not None and briefing.history.documents == []  # one item, not a repost of itself
    for fmt in ("md", "txt", "html"):
        text = render(briefing, fmt)
        assert "https://example.org/nmpa/2022/draft-online-sales" in text  # the other copy, shown as a copy
        assert text.count("第三方平台应当对入驻的药品网络销售企业的资质进行审核。") >= 1
    with sqlite3.connect(continuity.store) as connection:
        assert connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 2
        assert connection.execute("SELECT COUNT(*) FROM copies").fetchone()[0] >= 2
        unverified = connection.execute("SELECT verified FROM dates WHERE date = '2022-04-01'").fetchall()
    assert unverified == [(0,)]  # the NMPA copy's unverified date is kept, still unverified


def test_a_draft_and_its_final_in_one_week_stay_two_items(tmp_path: Path) -> None:
    continuity = Continuity(tmp_path)
    final = continuity.corpus / "c3_final_online_sales.txt"
    text = final.read_text(encoding="utf-8")
    final.write_text(text.replace(text.split("date: ")[1].split(" ")[0], "2022-02-10", 1), encoding="utf-8")
    result = continuity.run("2022-W06")
    assert result.briefing is not None
    assert sorted(d.doc_type for d in result.briefing.documents if d.document_number) == [
        "draft_for_comment",
        "regulation",
    ]


# --- a --from/--to period beside the ISO weeks ----------------------------------------------------------


def test_a_from_to_period_overlapping_stored_weeks_is_not_counted_twice(tmp_path: Path) -> None:
    """A custom period stored beside the weeks it overlaps changes nothing in the weeks' sections, and
    its own sections do not read the weeks it overlaps as earlier ones (its documents would be
    reposts of themselves)."""
    from briefs.weeks import parse_range

    continuity = Continuity(tmp_path)
    for week in ("2022-W06", "2022-W07"):
        assert continuity.run(week).exit_code == 0
    custom = continuity.run(parse_range("2022-02-08", "2022-02-28")).briefing
    assert custom is not None and custom.history is not None
    assert custom.history.documents == [], "the week it overlaps is not an earlier week"
    w08 = continuity.run("2022-W08").briefing
    assert w08 is not None and w08.history is not None
    assert (w08.history.previous_week, w08.history.weeks_before) == ("2022-W07", 2)
    [change] = w08.history.documents
    assert (change.earlier.week, change.earlier.ref) == ("2022-W06", "D1")
    assert [d.date.isoformat() for d in w08.history.deadlines].count("2022-03-10") == 1


def test_from_to_periods_that_overlap_no_week_are_each_others_history(tmp_path: Path) -> None:
    """Monthly briefings (no ISO week stored): March reads February as its earlier period."""
    from briefs.weeks import parse_range

    continuity = Continuity(tmp_path)
    continuity.run(parse_range("2022-02-01", "2022-02-28"))
    march = continuity.run(parse_range("2022-03-01", "2022-03-31")).briefing
    assert march is not None and march.history is not None
    assert march.history.previous_week == "2022-02-01_2022-02-28"
    [change] = march.history.documents
    assert (change.kind, change.earlier.week) == ("final_of_draft", "2022-02-01_2022-02-28")


# --- a team's briefing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("week", ["2022-W07", "2022-W08"])
def test_a_teams_history_sections_never_name_a_document_its_filter_removed(weeks, week: str) -> None:
    from briefs.settings import Team
    from briefs.teams import for_team

    _, briefings = weeks
    whole = briefings[week]
    assert whole.history is not None
    assert whole.history.documents or any(c.sources for c in whole.history.campaigns)
    team = Team(name="devices", recipients=["qa@example.com"], product_scope=["medical_devices"])
    view = for_team(whole, team)
    kept = {d.ref for d in view.documents}
    assert view.history is not None
    assert [c.ref for c in view.history.documents if c.ref not in kept] == []
    assert [s.ref for c in view.history.campaigns for s in c.sources if s.ref not in kept] == []
    assert [c.state for c in view.history.campaigns if c.state == "ended"] == [
        c.state for c in whole.history.campaigns if c.state == "ended"
    ], "a campaign no longer mentioned names no document of this week: it stays"
    drug_deadlines = [d for d in whole.history.deadlines if d.product_scope == ["drugs"]]
    assert drug_deadlines, "the draft's deadlines were stated for drugs"
    assert view.history.deadlines == [d for d in whole.history.deadlines if d not in drug_deadlines]
    assert view.team_filter is not None and view.team_filter.deadlines_removed == len(drug_deadlines)
