"""The history store itself: migrations, one transaction per week, a store that cannot be written,
full-text search in Chinese and English, export, deadlines as .ics, rebuild, and the identity keys."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import icalendar
import pytest
from test_history_continuity import WEEKS, Continuity
from typer.testing import CliRunner

from briefs import history
from briefs.cli import app
from briefs.errors import HistoryError
from briefs.identity import campaign_key, number_key, number_stem, same_campaign, title_key, title_stem

# --- identity keys, one row per rule -----------------------------------------------------------------

SAME_NUMBER = {
    "hexagonal brackets": ("国药监药管〔2022〕18号", "国药监药管〔2022〕18号"),
    "square brackets": ("国药监药管[2022]18号", "国药监药管〔2022〕18号"),
    "full-width square brackets": ("国药监药管［2022］18号", "国药监药管〔2022〕18号"),
    "full-width round brackets": ("国药监药管（2022）18号", "国药监药管〔2022〕18号"),
    "half-width round brackets": ("国药监药管(2022)18号", "国药监药管〔2022〕18号"),
    "lenticular brackets": ("国药监药管【2022】18号", "国药监药管〔2022〕18号"),
    "full-width digits": ("国药监药管〔２０２２〕１８号", "国药监药管〔2022〕18号"),
    "spaces": ("国药监药管 〔2022〕 18 号", "国药监药管〔2022〕18号"),
    "Traditional characters": ("國藥監藥管〔2022〕18號", "国药监药管〔2022〕18号"),
}


@pytest.mark.parametrize(("a", "b"), SAME_NUMBER.values(), ids=SAME_NUMBER.keys())
def test_one_document_number_whatever_its_brackets_width_or_script(a: str, b: str) -> None:
    assert number_key(a) == number_key(b) is not None


def test_different_document_numbers_stay_apart() -> None:
    assert number_key("国药监药管〔2022〕18号") != number_key("国药监药管〔2022〕19号")
    assert number_key("国药监药管〔2022〕18号") != number_key("国药监药管〔2021〕18号")
    assert number_key(None) is None and number_key("  ") is None


def test_a_draft_marker_is_not_part_of_the_number_stem() -> None:
    assert number_stem("国药监药管〔2022〕18号（征求意见稿）") == number_stem("国药监药管[2022]18号")


TITLE_STEMS = {
    "a call for comment and the announcement of the final": (
        "国家药监局综合司公开征求《药品网络销售质量管理规定（征求意见稿）》意见",
        "国家药监局关于发布《药品网络销售质量管理规定》的公告",
    ),
    "a bare draft title and the bare final title": (
        "药品网络销售质量管理规定（征求意见稿）",
        "药品网络销售质量管理规定",
    ),
    "草案 as the marker": ("《化妆品标签管理办法（草案）》", "化妆品标签管理办法"),
}


@pytest.mark.parametrize(("draft", "final"), TITLE_STEMS.values(), ids=TITLE_STEMS.keys())
def test_a_final_shares_its_drafts_title_stem(draft: str, final: str) -> None:
    assert title_stem(draft) == title_stem(final) is not None


def test_a_repost_title_has_the_originals_key() -> None:
    original = "国家药监局综合司公开征求《药品网络销售质量管理规定（征求意见稿）》意见"
    assert title_key("关于转发" + original + "的通知") == title_key(original)
    assert title_key("药品网络销售质量管理规定") != title_key("药品网络销售监督管理办法")


def test_campaign_names_join_across_wording() -> None:
    national = campaign_key("全国药品安全专项整治行动")
    assert same_campaign(national, campaign_key("全国药品安全专项整治行动（省级落实）"))
    assert same_campaign(national, campaign_key("深入开展药品安全专项整治行动"))
    assert not same_campaign(national, campaign_key("药品安全巩固提升行动"))


# --- the store through the continuity weeks ------------------------------------------------------


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Continuity:
    continuity = Continuity(tmp_path_factory.mktemp("stored"))
    for week in WEEKS:
        assert continuity.run(week).exit_code == 0
    return continuity


def test_the_schema_is_versioned_and_every_documented_table_is_there(stored: Continuity) -> None:
    with sqlite3.connect(stored.store) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    documented = (Path(__file__).parent.parent / "docs" / "history.md").read_text(encoding="utf-8")
    for table in (
        "weeks",
        "briefings",
        "documents",
        "copies",
        "digests",
        "requirements",
        "dates",
        "figures",
        "campaigns",
        "search_items",
        "search",
    ):
        assert table in tables
        assert f"`{table}`" in documented, f"docs/history.md does not describe {table}"


def test_stored_text_is_the_documents_own(stored: Continuity) -> None:
    with sqlite3.connect(stored.store) as connection:
        sentences = {row[0] for row in connection.execute("SELECT source_sentence FROM requirements")}
        numbers = {row[0] for row in connection.execute("SELECT document_number FROM documents")}
    assert "請於" not in "".join(sentences)
    assert any("，" in s for s in sentences), "full-width punctuation kept"
    assert {"国药监药管〔2022〕18号", "国药监药管[2022]18号"} <= numbers, "each copy's 文号 as written"


def test_the_week_record_keeps_the_run_record_and_every_copy(stored: Continuity) -> None:
    with sqlite3.connect(stored.store) as connection:
        run = json.loads(
            connection.execute(
                "SELECT run_json FROM briefings b JOIN weeks w ON w.id = b.week_id WHERE w.label = '2022-W06'"
            ).fetchone()[0]
        )
        copies = connection.execute("SELECT COUNT(*) FROM copies").fetchone()[0]
        documents = connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert run["mode"] == "record" and run["prompt_versions"] and run["total"]["calls"] >= 2
    assert copies >= documents


def test_a_newer_schema_is_refused_in_one_line(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    with sqlite3.connect(store) as connection:
        connection.execute(f"PRAGMA user_version = {history.SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="written by a newer briefs"), history.connect(store):
        pass


def test_a_store_of_an_older_version_is_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "history.db"
    with history.connect(store):
        pass
    monkeypatch.setattr(history, "MIGRATIONS", (*history.MIGRATIONS, "CREATE TABLE notes (id INTEGER PRIMARY KEY);"))
    monkeypatch.setattr(history, "SCHEMA_VERSION", len(history.MIGRATIONS))
    with history.connect(store) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(history.MIGRATIONS)
        assert connection.execute("SELECT COUNT(*) FROM notes").fetchone() == (0,)


# --- search ----------------------------------------------------------------------------------------

SEARCHES = {
    "Chinese, three characters or more": ("质量管理规定", {"2022-W06", "2022-W08", "2022-W10"}),
    "Chinese, two characters (below the trigram)": ("入驻", {"2022-W06", "2022-W10"}),
    "English, any case": ("QUALITY MANAGEMENT", {"2022-W06", "2022-W08", "2022-W10"}),
    "two words, both must occur": ("专项整治 湖南", {"2022-W07"}),
    "a 文号 as typed": ("〔2022〕18号", {"2022-W06", "2022-W10"}),
    "nothing": ("疫苗批签发", set()),
}


@pytest.mark.parametrize(("query", "weeks"), SEARCHES.values(), ids=SEARCHES.keys())
def test_search(stored: Continuity, query: str, weeks: set[str]) -> None:
    assert {hit.week for hit in history.search(stored.store, query, limit=100)} == weeks


def test_search_treats_quotes_and_wildcards_as_text(stored: Continuity) -> None:
    assert history.search(stored.store, 'a"b OR *') == []
    assert history.search(stored.store, "%") == []


def test_the_search_command_prints_json_lines(stored: Continuity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFS_HOME", str(stored.settings.home))
    result = CliRunner().invoke(app, ["history", "search", "第三方平台", "--json"])
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits and all("第三方平台" in hit["zh"] for hit in hits)
    assert hits[0]["week"] == "2022-W10", "newest week first"


def test_search_without_a_store_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["history", "search", "药品"])
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1 and "not there yet" in result.stderr
    assert not (tmp_path / "history.db").exists()


# --- export ------------------------------------------------------------------------------------------


def test_export_jsonl_holds_requirements_deadlines_and_documents(stored: Continuity, monkeypatch) -> None:
    monkeypatch.setenv("BRIEFS_HOME", str(stored.settings.home))
    result = CliRunner().invoke(app, ["history", "export", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["table"] for r in records} == {"documents", "requirements", "deadlines"}
    assert "请于2022年3月10日前将意见反馈至国家药监局药品监管司。" in result.stdout, "Chinese as Chinese"
    assert sum(r["table"] == "documents" for r in records) == 5


def test_export_csv_is_one_table(stored: Continuity, monkeypatch) -> None:
    monkeypatch.setenv("BRIEFS_HOME", str(stored.settings.home))
    result = CliRunner().invoke(app, ["history", "export", "--format", "csv", "--table", "deadlines"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["week"], r["date"], r["kind"]) for r in rows} >= {("2022-W06", "2022-03-10", "comment_deadline")}
    assert {(r["date"], r["origin"], r["product_scope"], r["priority"]) for r in rows if r["week"] == "2022-W06"} >= {
        ("2022-03-10", "requirement", '["drugs"]', "medium"),
        ("2022-03-10", "dates", '["drugs"]', "high"),
    }, "each deadline's scope and priority (a requirement's, else its document's relevance) is exported"
    refused = CliRunner().invoke(app, ["history", "export", "--format", "csv"])
    assert refused.exit_code == 2 and "--table" in refused.stderr


# --- deadlines and the calendar ----------------------------------------------------------------------


def _deadlines(stored: Continuity, monkeypatch, ics: Path, *extra: str) -> list:
    monkeypatch.setenv("BRIEFS_HOME", str(stored.settings.home))
    result = CliRunner().invoke(app, ["deadlines", "--from", "2022-03-01", "--days", "120", "--ics", str(ics), *extra])
    assert result.exit_code == 0, result.output
    return icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")


def test_the_ics_parses_with_one_event_per_deadline(stored: Continuity, monkeypatch, tmp_path: Path) -> None:
    events = _deadlines(stored, monkeypatch, tmp_path / "d.ics")
    by_date = {event.decoded("DTSTART").isoformat(): event for event in events}
    assert sorted(by_date) == ["2022-03-10", "2022-04-01", "2022-06-01"], "the repost's copy of 03-10 is one event"
    comment = by_date["2022-03-10"]
    assert "请于2022年3月10日前将意见反馈至国家药监局药品监管司。" in str(comment["DESCRIPTION"])
    assert "药品网络销售质量管理规定" in str(comment["SUMMARY"])
    assert str(comment["URL"]) == "https://example.org/nmpa/2022/draft-online-sales"
    assert "[unverified]" in str(by_date["2022-04-01"]["SUMMARY"])
    assert all(len(line.encode()) <= 75 for line in (tmp_path / "d.ics").read_bytes().decode().split("\r\n"))


def test_a_re_export_keeps_every_uid(stored: Continuity, monkeypatch, tmp_path: Path) -> None:
    first = {str(e["UID"]) for e in _deadlines(stored, monkeypatch, tmp_path / "a.ics")}
    assert stored.run("2022-W08").exit_code == 0  # the week rewritten: new row ids, same deadlines
    second = {str(e["UID"]) for e in _deadlines(stored, monkeypatch, tmp_path / "b.ics")}
    assert first == second and len(first) == 3


def test_the_deadlines_command_lists_the_window(stored: Continuity, monkeypatch) -> None:
    monkeypatch.setenv("BRIEFS_HOME", str(stored.settings.home))
    result = CliRunner().invoke(app, ["deadlines", "--from", "2022-03-01", "--days", "15", "--json"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["date"], r["kind"], r["verified"], r["week"]) for r in records] == [
        ("2022-03-10", "comment_deadline", True, "2022-W06")
    ], "the repost restates it: listed once, from the week that announced it"
    assert result.exit_code == 0


# --- safety: transactions, an unwritable store ---------------------------------------------------------


def test_a_store_that_cannot_be_written_never_sinks_the_run(tmp_path: Path) -> None:
    continuity = Continuity(tmp_path)
    continuity.store.parent.mkdir(parents=True)
    continuity.store.mkdir()  # a folder where the file should be: sqlite cannot open it
    result = continuity.run("2022-W06")
    assert result.exit_code == 0
    assert (continuity.settings.out / "2022-W06" / "briefing.md").is_file()
    warnings = [line for line in continuity.told.lines() if "history store" in line]
    assert len(warnings) == 1 and warnings[0].startswith("briefs: warning: history store")
    assert result.briefing is not None and result.briefing.history is None


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from briefs import history
    from test_history_continuity import Continuity

    continuity = Continuity.__new__(Continuity)
    root = Path({root!r})
    Continuity.__init__  # the folders exist already: rebuild the object without copying again
    continuity.corpus, continuity.answers = root / "corpus", root / "answers"
    from briefs.settings import load_settings
    continuity.settings = load_settings(None, corpus=continuity.corpus, home=root / "home", out=root / "briefings",
                                        recordings=root / "rec", mode="record")
    continuity.store = history.store_path(continuity.settings.home)
    real = history._insert_campaigns

    def die(*args):  # the week's documents are written, its campaigns are not: the process dies
        real(*args)
        os.kill(os.getpid(), signal.SIGKILL)

    history._insert_campaigns = die
    continuity.run("2022-W07")
    """
)


def test_a_run_killed_mid_write_leaves_the_previous_store_intact(tmp_path: Path) -> None:
    continuity = Continuity(tmp_path)
    assert continuity.run("2022-W06").exit_code == 0
    assert continuity.run("2022-W07").exit_code == 0
    before = _dump(continuity.store)
    script = KILL_SCRIPT.format(tests=str(Path(__file__).parent), root=str(tmp_path))
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ.copy())
    assert killed.returncode == -9, killed.stderr
    assert _dump(continuity.store) == before


def _dump(store: Path) -> list[str]:
    with sqlite3.connect(store) as connection:
        return list(connection.iterdump())


# --- rebuild -----------------------------------------------------------------------------------------


def test_rebuild_makes_the_same_store_from_cached_answers_without_a_model_call(tmp_path: Path, monkeypatch) -> None:
    continuity = Continuity(tmp_path)
    for week in WEEKS:
        assert continuity.run(week).exit_code == 0  # record mode: every answer is now in the cache
    before = _rows_without_ids(continuity.store)
    monkeypatch.setenv("BRIEFS_HOME", str(continuity.settings.home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")  # live mode: the record run's endpoint and cache
    monkeypatch.setenv("BRIEFS_CORPUS", str(continuity.corpus))
    result = CliRunner().invoke(app, ["history", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.stderr and "(4 weeks)" in result.stderr
    assert _rows_without_ids(continuity.store) == before


def test_rebuild_leaves_the_store_when_an_answer_is_not_cached(tmp_path: Path, monkeypatch) -> None:
    continuity = Continuity(tmp_path)
    assert continuity.run("2022-W06").exit_code == 0
    before = _dump(continuity.store)
    monkeypatch.setenv("BRIEFS_HOME", str(continuity.settings.home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    monkeypatch.setenv("BRIEFS_CORPUS", str(continuity.corpus))
    monkeypatch.setenv("BRIEFS_MODEL", "another-model")  # nothing cached for it
    result = CliRunner().invoke(app, ["history", "rebuild"])
    assert result.exit_code == 1
    assert "could not be rebuilt without a model call" in result.stderr and "left as it was" in result.stderr
    assert _dump(continuity.store) == before


def _run_records(store: Path) -> dict[str, dict]:
    with sqlite3.connect(store) as connection:
        rows = connection.execute("SELECT w.label, b.run_json FROM briefings b JOIN weeks w ON w.id = b.week_id")
        return {label: json.loads(run) for label, run in rows}


def _set_run_record(store: Path, week: str, change) -> None:
    runs = _run_records(store)
    with sqlite3.connect(store) as connection:
        connection.execute(
            "UPDATE briefings SET run_json = ? WHERE week_id = (SELECT id FROM weeks WHERE label = ?)",
            (json.dumps(change(runs[week]), ensure_ascii=False), week),
        )


def _rebuild(continuity: Continuity, monkeypatch) -> None:
    monkeypatch.setenv("BRIEFS_HOME", str(continuity.settings.home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")  # live mode: the record run's endpoint and cache
    monkeypatch.setenv("BRIEFS_CORPUS", str(continuity.corpus))
    result = CliRunner().invoke(app, ["history", "rebuild"])
    assert result.exit_code == 0, result.output


def _reasked(run: dict) -> dict:
    """The record of a run whose model answered two requests invalidly before answering them well."""
    return {**run, "total": {**run["total"], "reasks": 2, "attempts": run["total"]["attempts"] + 2}}


def test_rebuild_keeps_what_the_stored_runs_say_about_reasks(tmp_path: Path, monkeypatch) -> None:
    """A rebuild makes no model call (every call a cache hit, no re-ask): the record of the run that
    paid for the answers stays the week's, or the dry run's recorded re-ask share would lose it."""
    continuity = Continuity(tmp_path)
    for week in ("2022-W06", "2022-W07"):
        assert continuity.run(week).exit_code == 0
    _set_run_record(continuity.store, "2022-W06", _reasked)
    before, record = _run_records(continuity.store), history.reask_record(continuity.store)
    assert record.reasks == 2 and record.sent > 0
    _rebuild(continuity, monkeypatch)
    assert history.reask_record(continuity.store) == record
    assert _run_records(continuity.store) == before


def test_rebuild_of_a_week_whose_files_changed_keeps_its_own_record(tmp_path: Path, monkeypatch) -> None:
    """Another run's record is never pasted over a week made from other files: the stored record
    names a file the rebuilt week did not read, so the rebuild's own record (no re-ask known) stays."""
    continuity = Continuity(tmp_path)
    assert continuity.run("2022-W06").exit_code == 0

    def other_files(run: dict) -> dict:
        return _reasked({**run, "inputs": [*run["inputs"], {"path": "gone.txt", "sha256": "1" * 64}]})

    _set_run_record(continuity.store, "2022-W06", other_files)
    _rebuild(continuity, monkeypatch)
    [run] = _run_records(continuity.store).values()
    assert run["total"]["reasks"] == 0 and run["total"]["calls"] == run["total"]["cache_hits"]
    assert "gone.txt" not in json.dumps(run)


def _rows_without_ids(store: Path) -> dict[str, list]:
    """Every table's rows minus their integer ids (the rebuilt file numbers rows afresh) and minus the
    run record (a rebuild reads the cache: its calls are cache hits)."""
    with sqlite3.connect(store) as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in tables:
            if table.startswith("search") and table != "search_items":
                continue
            cursor = connection.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            keep = [i for i, c in enumerate(columns) if c not in ("id", "week_id", "document_id", "run_json")]
            found[table] = sorted((tuple(row[i] for i in keep) for row in cursor), key=repr)
    return found


# --- within one week, and the size of the sections ----------------------------------------------------


def _week_of_two(number_a: str, number_b: str, title_b: str):
    import datetime as dt

    from briefing_factory import briefing, digest, document, extraction, synthesis

    from briefs.assemble import coverage_of

    a = digest(
        document("a.txt", date=dt.date(2022, 2, 9)), extraction().model_copy(update={"document_number": number_a})
    )
    b_ext = extraction(title_zh=title_b).model_copy(update={"document_number": number_b})
    b = digest(document("b.txt", title=title_b, date=dt.date(2022, 2, 10), text="另一份文件。"), b_ext)
    return briefing([a, b], synthesis(), coverage=coverage_of([], [], [], None))


def test_a_repost_within_the_week_is_joined_by_its_document_number() -> None:
    from briefs.continuity import history_for

    briefing = _week_of_two("国药监药管〔2022〕5号", "国药监药管（２０２２）5号", "关于转发国家药监局通知的通知")
    empty = history.Earlier(weeks=[], documents=[], campaigns=[], deadlines=[])
    [change] = history_for(briefing, empty).documents
    assert (change.ref, change.kind, change.matched_on, change.earlier.week, change.earlier.ref) == (
        "D2",
        "update",
        "document_number",
        "2022-W06",
        "D1",
    )


def test_different_document_numbers_in_one_week_are_not_joined() -> None:
    from briefs.continuity import history_for

    briefing = _week_of_two("国药监药管〔2022〕5号", "国药监药管〔2022〕6号", "另一份通知")
    empty = history.Earlier(weeks=[], documents=[], campaigns=[], deadlines=[])
    assert history_for(briefing, empty).documents == []


def test_the_history_sections_stay_small_in_html(stored: Continuity) -> None:
    """Thirty deadlines at most are listed (the rest are one command away): the sections must not eat
    the email's size budget."""
    import datetime as dt

    from briefs.models import EarlierDocument, History, UpcomingDeadline
    from briefs.render import DEADLINES_SHOWN, render

    briefing = stored.run("2022-W10").briefing
    doc = EarlierDocument(week="2022-W06", ref="D1", title=briefing.documents[0].title, url="https://example.org/x")
    many = [
        UpcomingDeadline(
            date=dt.date(2022, 3, 10),
            kind="compliance",
            source_phrase="x",
            verified=True,
            document=doc,
            source_sentence="药品网络销售企业应当建立并实施药品质量安全管理制度。" * 3,
        )
        for _ in range(200)
    ]
    base = render(briefing.model_copy(update={"history": History(weeks_before=1, previous_week="2022-W08")}), "html")
    full = render(
        briefing.model_copy(update={"history": History(weeks_before=1, previous_week="2022-W08", deadlines=many)}),
        "html",
    )
    assert full.count("药品网络销售企业应当建立并实施药品质量安全管理制度。" * 3) == DEADLINES_SHOWN
    assert "170 more" in full
    added = len(full.encode()) - len(base.encode())
    assert added < 40_000, f"{added} bytes of HTML for the listed deadlines"


def test_a_corrupt_store_is_one_warning_and_the_briefing_is_written(tmp_path: Path) -> None:
    continuity = Continuity(tmp_path)
    continuity.store.parent.mkdir(parents=True)
    continuity.store.write_bytes(b"not a database at all" * 100)
    result = continuity.run("2022-W06")
    assert result.exit_code == 0
    warnings = [line for line in continuity.told.lines() if "history store" in line]
    assert len(warnings) == 1 and "file is not a database" in warnings[0], warnings
    assert (continuity.settings.out / "2022-W06" / "briefing.md").is_file()
    assert continuity.store.read_bytes() == b"not a database at all" * 100, "never overwritten"


def test_a_corrupt_store_is_one_line_for_the_commands(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "history.db").write_bytes(b"garbage" * 100)
    monkeypatch.setenv("BRIEFS_HOME", str(tmp_path))
    for command in (["history", "search", "药品"], ["deadlines"], ["history", "export"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 3, (command, result.output)
        assert result.stderr.count("\n") == 1 and "history store" in result.stderr


def test_a_store_damaged_by_hand_is_one_warning_never_a_crash(tmp_path: Path) -> None:
    continuity = Continuity(tmp_path)
    assert continuity.run("2022-W06").exit_code == 0
    with sqlite3.connect(continuity.store) as connection:
        connection.execute("DROP TABLE campaigns")  # a query of the week's read now fails
    result = continuity.run("2022-W07")
    assert result.exit_code == 0
    warnings = [line for line in continuity.told.lines() if "history store" in line]
    assert len(warnings) == 1 and "no such table: campaigns" in warnings[0], warnings


def _numbered_copy(name: str, number: str, found: bool):
    import datetime as dt

    from briefing_factory import digest, document, extraction

    from briefs.models import Check

    made = digest(
        document(name, date=dt.date(2022, 2, 9), url=f"https://example.org/{name}"),
        extraction().model_copy(update={"document_number": number}),
    )
    check = Check(kind="document_number", target="document_number", value=number, ok=found)
    return made.model_copy(update={"checks": [*made.checks, check]})


def test_one_document_number_in_one_week_is_merged_only_when_the_verifier_found_it_in_each_page() -> None:
    from briefs.identity import merge_same_number

    found = [
        _numbered_copy("a.txt", "国药监药管〔2022〕5号", True),
        _numbered_copy("b.txt", "国药监药管(2022)5号", True),
    ]
    [merged] = merge_same_number(found)
    assert [c.url for c in merged.document.copies] == ["https://example.org/a.txt", "https://example.org/b.txt"]
    assert len(merged.extraction.requirements) == 1  # the same requirement in both copies: once
    invented = [found[0], _numbered_copy("b.txt", "国药监药管(2022)5号", False)]
    assert len(merge_same_number(invented)) == 2


def test_a_team_that_drops_the_earlier_copy_of_this_week_sees_the_change_without_a_dangling_ref() -> None:
    import datetime as dt

    from briefing_factory import briefing as assembled
    from briefing_factory import digest, document, extraction, requirement, synthesis

    from briefs.assemble import coverage_of
    from briefs.continuity import history_for
    from briefs.render import render
    from briefs.settings import Team
    from briefs.teams import for_team

    devices = extraction(scope=("medical_devices",), requirements=[requirement(scope=("medical_devices",))])
    drugs = extraction(scope=("drugs",), requirements=[requirement(scope=("drugs",))])
    a = digest(document("a.txt", date=dt.date(2022, 2, 9)), devices)
    b = digest(document("b.txt", date=dt.date(2022, 2, 10), text="另一份文件。"), drugs)
    week = assembled([a, b], synthesis(), coverage=coverage_of([], [], [], None))
    week_before = history.Earlier(weeks=["2022-W05"], documents=[], campaigns=[], deadlines=[])
    briefing = week.model_copy(update={"history": history_for(week, week_before)})
    assert [(c.ref, c.earlier.ref) for c in briefing.history.documents] == [("D2", "D1")]
    view = for_team(briefing, Team(name="drugs", recipients=["qa@example.com"], product_scope=["drugs"]))
    assert [d.ref for d in view.documents] == ["D2"]
    [change] = view.history.documents
    assert change.earlier.ref == "" and change.earlier.title.zh  # named by its title, not by a ref it lacks
    text = render(view, "txt")
    lines = [line for line in text.splitlines() if "an update of 2022-W06" in line or "是 2022-W06" in line]
    assert len(lines) == 2 and not any("D1" in line for line in lines)
