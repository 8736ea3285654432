"""A team's upcoming deadlines are its own: they keep the product scope (and, from a requirement, the
priority) of what stated them, and a team's view drops the ones outside its subscription and counts
them, as it does documents, requirements and actions.

Two weeks written through the real history store: 2022-W06 states a drugs deadline (a requirement's
due date, priority medium) and a cosmetics one (a date of a cosmetics notice, no priority); 2022-W07
reads them as upcoming.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from briefing_factory import digest, document, extraction, requirement, run_record, synthesis
from test_history_continuity import Continuity
from typer.testing import CliRunner

from briefs import assemble, history
from briefs.cli import app
from briefs.continuity import history_for
from briefs.models import Briefing, Period, StatedDate
from briefs.render import render
from briefs.settings import Team
from briefs.teams import for_team

W06 = Period(label="2022-W06", start=dt.date(2022, 2, 7), end=dt.date(2022, 2, 13), iso_week="2022-W06")
W07 = Period(label="2022-W07", start=dt.date(2022, 2, 14), end=dt.date(2022, 2, 20), iso_week="2022-W07")

DRUG_SENTENCE = "药品上市许可持有人应当于2022年3月31日前完成网络销售自查。"
COSMETICS_PHRASE = "自2022年4月15日起执行"

COSMETICS = Team(name="cosmetics", recipients=["cos@example.com"], product_scope=["cosmetics"])
EVERYONE = Team(name="everyone", recipients=["ra@example.com"], product_scope=["all"])
DRUGS = Team(name="drugs", recipients=["qa@example.com"], product_scope=["drugs"])
HIGH_ONLY = Team(name="urgent", recipients=["boss@example.com"], min_priority="high")


def _week(period: Period, digests: list) -> tuple[Briefing, list]:
    numbered = assemble.number_digests(digests)
    documents = [d.document for d in digests]
    briefing = assemble.build_briefing(
        period=period,
        numbered=numbered,
        failed=[],
        coverage=assemble.coverage_of(documents, [], documents, None),
        synthesis=synthesis(ids=tuple(n.ref for n in numbered)),
        synthesis_error=None,
        synthesis_problems=[],
        run=run_record(),
        corpus=None,
    )
    return briefing, numbered


def _first_week() -> tuple[Briefing, list]:
    return _week(W06, _first_week_digests())


def _first_week_digests() -> list:
    drug_requirement = requirement(
        sentence=DRUG_SENTENCE, scope=("drugs",), priority="medium", due_date="2022-03-31"
    ).model_copy(update={"due_phrase": "于2022年3月31日前"})
    drugs = digest(
        document("drugs.txt", title="关于开展药品网络销售自查的通知", text=DRUG_SENTENCE, date=dt.date(2022, 2, 8)),
        extraction(title_zh="关于开展药品网络销售自查的通知", scope=("drugs",), requirements=[drug_requirement]),
    )
    cosmetics_extraction = extraction(
        title_zh="关于化妆品标签管理的公告", scope=("cosmetics",), requirements=[]
    ).model_copy(update={"dates": [StatedDate(kind="compliance", date="2022-04-15", source_phrase=COSMETICS_PHRASE)]})
    cosmetics = digest(
        document(
            "cosmetics.txt",
            title="关于化妆品标签管理的公告",
            text=f"本公告{COSMETICS_PHRASE}。",
            date=dt.date(2022, 2, 9),
        ),
        cosmetics_extraction,
    )
    return [drugs, cosmetics]


def _second_week(store: Path) -> Briefing:
    this = digest(document("w07.txt", title="国家药监局召开工作会议", date=dt.date(2022, 2, 15)), extraction())
    briefing, _ = _week(W07, [this])
    return briefing.model_copy(update={"history": history_for(briefing, history.earlier_than(store, W07, 90))})


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    path = tmp_path / "history.db"
    history.write_week(path, *_first_week(), None)
    return path


def _dates(briefing: Briefing) -> list[str]:
    assert briefing.history is not None
    return [d.date.isoformat() for d in briefing.history.deadlines]


def test_deadlines_keep_the_scope_and_priority_of_what_stated_them(store: Path) -> None:
    whole = _second_week(store)
    assert whole.history is not None
    found = {d.date.isoformat(): (d.product_scope, d.priority) for d in whole.history.deadlines}
    assert found == {"2022-03-31": (["drugs"], "medium"), "2022-04-15": (["cosmetics"], "high")}, (
        "a date of the notice's own list: its relevance"
    )


def test_a_cosmetics_team_sees_only_its_deadline_and_the_filter_counts_the_other(store: Path) -> None:
    view = for_team(_second_week(store), COSMETICS)
    assert _dates(view) == ["2022-04-15"]
    assert view.team_filter is not None and view.team_filter.deadlines_removed == 1


def test_an_all_scope_team_sees_both_deadlines(store: Path) -> None:
    assert _dates(for_team(_second_week(store), EVERYONE)) == ["2022-03-31", "2022-04-15"]
    view = for_team(_second_week(store), DRUGS)
    assert _dates(view) == ["2022-03-31"] and view.team_filter.deadlines_removed == 1


def test_a_deadline_below_the_teams_priority_goes_and_one_of_a_relevant_documents_dates_stays(store: Path) -> None:
    view = for_team(_second_week(store), HIGH_ONLY)
    assert _dates(view) == ["2022-04-15"]
    assert view.team_filter.deadlines_removed == 1


@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_every_format_states_the_deadlines_removed(store: Path, fmt: str) -> None:
    text = render(for_team(_second_week(store), COSMETICS), fmt)
    assert "1 upcoming deadlines" in text and "即将到来的期限 1 条" in text
    assert DRUG_SENTENCE not in text and "2022-03-31" not in text
    assert COSMETICS_PHRASE in text


def test_the_json_briefing_holds_the_count_and_each_deadlines_scope(store: Path) -> None:
    data = json.loads(render(for_team(_second_week(store), COSMETICS), "json"))
    assert data["team_filter"]["deadlines_removed"] == 1
    assert [(d["date"], d["product_scope"], d["priority"]) for d in data["history"]["deadlines"]] == [
        ("2022-04-15", ["cosmetics"], "high")
    ]


# --- a store written before deadlines kept a scope ---------------------------------------------------

_ADDED_COLUMNS = ("product_scope_json", "priority")


def as_version_one(store: Path) -> None:
    """Make ``store`` what briefs wrote before deadlines kept their scope: schema version 1, the dates
    table exactly as the first migration creates it (a test below checks that)."""
    with sqlite3.connect(store) as connection:
        for column in _ADDED_COLUMNS:
            connection.execute(f"ALTER TABLE dates DROP COLUMN {column}")
        connection.execute("PRAGMA user_version = 1")
    assert _dates_columns(store) == _version_one_dates_columns()


def _dates_columns(store: Path) -> list[str]:
    with sqlite3.connect(store) as connection:
        return [row[1] for row in connection.execute("PRAGMA table_info(dates)")]


def _version_one_dates_columns() -> list[str]:
    with sqlite3.connect(":memory:") as connection:
        for statement in history._statements(history.MIGRATIONS[0]):
            connection.execute(statement)
        return [row[1] for row in connection.execute("PRAGMA table_info(dates)")]


def test_an_old_store_opens_and_its_deadlines_stay_for_every_team(store: Path) -> None:
    as_version_one(store)
    whole = _second_week(store)  # opening it migrates it
    with sqlite3.connect(store) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
    assert set(_ADDED_COLUMNS) <= set(_dates_columns(store))
    assert whole.history is not None
    assert [(d.product_scope, d.priority) for d in whole.history.deadlines] == [([], None), ([], None)]
    for team in (COSMETICS, DRUGS, HIGH_ONLY):
        view = for_team(whole, team)
        assert _dates(view) == ["2022-03-31", "2022-04-15"], "unknown scope may matter: it stays"
        assert view.team_filter.deadlines_removed == 0


def test_a_week_written_again_into_a_migrated_store_keeps_the_scope(store: Path) -> None:
    as_version_one(store)
    history.write_week(store, *_first_week(), None)
    view = for_team(_second_week(store), COSMETICS)
    assert _dates(view) == ["2022-04-15"]


def test_rebuild_fills_the_scope_of_an_old_stores_deadlines(tmp_path: Path, monkeypatch) -> None:
    continuity = Continuity(tmp_path)
    assert continuity.run("2022-W06").exit_code == 0  # record mode: every answer is now in the cache
    as_version_one(continuity.store)
    monkeypatch.setenv("BRIEFS_HOME", str(continuity.settings.home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    monkeypatch.setenv("BRIEFS_CORPUS", str(continuity.corpus))
    result = CliRunner().invoke(app, ["history", "rebuild"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(continuity.store) as connection:
        rows = connection.execute(
            "SELECT t.origin, t.date, t.product_scope_json, t.priority FROM dates t ORDER BY t.date, t.origin"
        ).fetchall()
    assert ("requirement", "2022-03-10", '["drugs"]', "medium") in rows
    assert ("dates", "2022-03-10", '["drugs"]', "high") in rows, "the document's relevance"
    assert all(scope is not None for _, _, scope, _ in rows)


# --- one deadline stated by several requirements ------------------------------------------------------

SHARED_PHRASE = "于2022年4月30日前"
DRUG_DUTY = f"药品生产企业应当{SHARED_PHRASE}完成标签更新。"
COSMETICS_DUTY = f"化妆品注册人应当{SHARED_PHRASE}完成标签更新。"


def _one_date_two_requirements(store: Path) -> Briefing:
    """One notice for drugs, cosmetics and devices: a drug requirement (high) and a cosmetics one (low)
    due the same day, which its date list also states. Listed once (one document, one date)."""

    def due(sentence: str, scope: str, priority: str):
        made = requirement(sentence=sentence, scope=(scope,), priority=priority, due_date="2022-04-30")
        return made.model_copy(update={"due_phrase": SHARED_PHRASE})

    notice = extraction(
        title_zh="关于标签更新的通知",
        scope=("drugs", "cosmetics", "medical_devices"),
        requirements=[due(DRUG_DUTY, "drugs", "high"), due(COSMETICS_DUTY, "cosmetics", "low")],
    ).model_copy(update={"dates": [StatedDate(kind="compliance", date="2022-04-30", source_phrase=SHARED_PHRASE)]})
    made = digest(document("labels.txt", title="关于标签更新的通知", text=DRUG_DUTY + COSMETICS_DUTY), notice)
    history.write_week(store, *_week(W06, [made]), None)
    return _second_week(store)


def test_a_deadline_two_requirements_state_is_for_the_teams_of_either(tmp_path: Path) -> None:
    whole = _one_date_two_requirements(tmp_path / "history.db")
    assert _dates(whole) == ["2022-04-30"]
    assert [d.source_sentence for d in whole.history.deadlines] == [DRUG_DUTY], "the whole briefing: as before"
    for team, sentence in ((COSMETICS, COSMETICS_DUTY), (DRUGS, DRUG_DUTY), (HIGH_ONLY, DRUG_DUTY)):
        view = for_team(whole, team)
        assert _dates(view) == ["2022-04-30"], f"{team.name}: a requirement of its scope states it"
        assert [d.source_sentence for d in view.history.deadlines] == [sentence], "its own requirement's words"
        assert view.team_filter.deadlines_removed == 0
    text = render(for_team(whole, COSMETICS), "md")
    assert COSMETICS_DUTY in text and DRUG_DUTY not in text


def test_the_documents_own_date_list_does_not_widen_what_its_requirements_say(tmp_path: Path) -> None:
    whole = _one_date_two_requirements(tmp_path / "history.db")
    devices = Team(name="devices", recipients=["qa@example.com"], product_scope=["medical_devices"])
    view = for_team(whole, devices)
    assert _dates(view) == [] and view.team_filter.deadlines_removed == 1
    cosmetics_only_high = Team(name="c", recipients=["c@example.com"], product_scope=["cosmetics"], min_priority="high")
    assert _dates(for_team(whole, cosmetics_only_high)) == [], "the cosmetics requirement is low"


@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_a_team_whose_filter_removed_every_deadline_is_not_told_there_were_none(store: Path, fmt: str) -> None:
    devices = Team(name="devices", recipients=["qa@example.com"], product_scope=["medical_devices"])
    view = for_team(_second_week(store), devices)
    assert _dates(view) == [] and view.team_filter.deadlines_removed == 2
    text = render(view, fmt)
    assert "No deadline announced in an earlier week falls within" not in text and "没有落在本周起" not in text
    assert "None of the 2 deadlines announced in earlier weeks that fall within 90 days of this week" in text
    assert "此前各周公布、落在本周起 90 天内的 2 项期限都不在本团队的订阅范围内" in text
    whole = render(_second_week(store).model_copy(update={"history": view.history, "team_filter": None}), fmt)
    assert "No deadline announced in an earlier week falls within 90 days of this week." in whole


def test_a_scope_or_priority_damaged_by_hand_is_an_unknown_one_never_a_crash(store: Path) -> None:
    with sqlite3.connect(store) as connection:
        connection.execute("UPDATE dates SET product_scope_json = 'drugs, I think' WHERE date = '2022-03-31'")
        connection.execute(
            "UPDATE dates SET product_scope_json = '[\"pets\"]', priority = 'urgent' WHERE date = '2022-04-15'"
        )
    whole = _second_week(store)
    assert [(d.product_scope, d.priority) for d in whole.history.deadlines] == [([], "medium"), ([], None)]
    view = for_team(whole, COSMETICS)
    assert _dates(view) == ["2022-03-31", "2022-04-15"], "what cannot be judged stays"


# --- a date of the document's own list is judged by the document's relevance ---------------------------

LOW_PHRASE = "自2022年5月1日起施行"
NONE_PHRASE = "自2022年5月20日起施行"


def _dated_notice(name: str, title: str, phrase: str, date: str, relevance: str):
    """A cosmetics notice with no requirement, one date of its own list, and the given relevance."""
    made = extraction(title_zh=title, scope=("cosmetics",), requirements=[]).model_copy(
        update={
            "relevance": relevance,
            "dates": [StatedDate(kind="effective", date=date, source_phrase=phrase)],
        }
    )
    return digest(document(name, title=title, text=f"本公告{phrase}。", date=dt.date(2022, 2, 10)), made)


def _with_relevances(store: Path) -> Briefing:
    """The first week plus two cosmetics notices whose only deadline is a date of their own list: one of
    low relevance (2022-05-01), one of none (2022-05-20). The first week's cosmetics notice is high."""
    low = _dated_notice("low.txt", "关于化妆品备案资料的说明", LOW_PHRASE, "2022-05-01", "low")
    none = _dated_notice("none.txt", "关于化妆品展会的通知", NONE_PHRASE, "2022-05-20", "none")
    history.write_week(store, *_week(W06, [*_first_week_digests(), low, none]), None)
    return _second_week(store)


def test_a_date_of_the_documents_own_list_carries_the_documents_relevance(tmp_path: Path) -> None:
    whole = _with_relevances(tmp_path / "history.db")
    found = {d.date.isoformat(): d.priority for d in whole.history.deadlines}
    assert found == {"2022-03-31": "medium", "2022-04-15": "high", "2022-05-01": "low", "2022-05-20": "none"}


def test_a_team_drops_a_date_of_a_document_it_would_drop_by_relevance(tmp_path: Path) -> None:
    whole = _with_relevances(tmp_path / "history.db")
    urgent = for_team(whole, HIGH_ONLY)
    assert _dates(urgent) == ["2022-04-15"], "the low and none relevance notices' dates go, as the notices would"
    assert urgent.team_filter.deadlines_removed == 3
    medium = Team(name="m", recipients=["m@example.com"], product_scope=["cosmetics"], min_priority="medium")
    assert _dates(for_team(whole, medium)) == ["2022-04-15"]
    assert _dates(for_team(whole, COSMETICS)) == ["2022-04-15", "2022-05-01", "2022-05-20"], "low keeps every one"


def test_the_store_keeps_a_dates_relevance_and_an_old_row_stays_unknown(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    _with_relevances(store)
    with sqlite3.connect(store) as connection:
        rows = dict(connection.execute("SELECT date, priority FROM dates WHERE origin = 'dates'").fetchall())
        assert rows == {"2022-04-15": "high", "2022-05-01": "low", "2022-05-20": "none"}
        connection.execute("UPDATE dates SET priority = NULL WHERE origin = 'dates'")  # as stored before
    urgent = for_team(_second_week(store), HIGH_ONLY)
    assert _dates(urgent) == ["2022-04-15", "2022-05-01", "2022-05-20"], "no relevance stored: unknown, it stays"


# --- briefs deadlines --team -------------------------------------------------------------------------


def _config(tmp_path: Path, store: Path) -> Path:
    config = store.parent / "briefs.toml"
    config.write_text(
        """
[[teams]]
name = "cosmetics"
recipients = ["cos@example.com"]
product_scope = ["cosmetics"]

[[teams]]
name = "urgent"
recipients = ["boss@example.com"]
min_priority = "high"

[[teams]]
name = "devices"
recipients = ["qa@example.com"]
product_scope = ["medical_devices"]

[[teams]]
name = "everyone"
recipients = ["ra@example.com"]
""",
        encoding="utf-8",
    )
    return config


def _listed(config: Path, *extra: str):
    """`briefs deadlines` over the store beside ``config`` (the home is the folder of both)."""
    result = CliRunner().invoke(
        app,
        ["deadlines", "--from", "2022-02-14", "--days", "120", "--json", "--config", str(config), *extra],
        env={"BRIEFS_HOME": str(config.parent)},
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return result, records


def test_deadlines_for_a_team_lists_only_its_own(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    _with_relevances(store)
    config = _config(tmp_path, store)
    result, records = _listed(config)
    assert result.exit_code == 0, result.output
    assert [(r["date"], r["product_scope"], r["priority"]) for r in records] == [
        ("2022-03-31", ["drugs"], "medium"),
        ("2022-04-15", ["cosmetics"], "high"),
        ("2022-05-01", ["cosmetics"], "low"),
        ("2022-05-20", ["cosmetics"], "none"),
    ], "no team: every deadline, with whom it is for"
    for team, dates in (
        ("cosmetics", ["2022-04-15", "2022-05-01", "2022-05-20"]),
        ("urgent", ["2022-04-15"]),
        ("everyone", ["2022-03-31", "2022-04-15", "2022-05-01", "2022-05-20"]),
    ):
        result, records = _listed(config, "--team", team)
        assert result.exit_code == 0, result.output
        assert [r["date"] for r in records] == dates, team


def test_a_teams_calendar_holds_only_its_deadlines(tmp_path: Path) -> None:
    import icalendar

    store = tmp_path / "history.db"
    _with_relevances(store)
    config = _config(tmp_path, store)
    ics = tmp_path / "urgent.ics"
    result, _ = _listed(config, "--team", "urgent", "--ics", str(ics))
    assert result.exit_code == 0, result.output
    events = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert [event.decoded("DTSTART").isoformat() for event in events] == ["2022-04-15"]
    whole = tmp_path / "all.ics"
    _listed(config, "--ics", str(whole))
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(whole.read_bytes()).walk("VEVENT")}
    assert {str(e["UID"]) for e in events} <= uids, "the same event as in the whole calendar"


def test_a_team_receives_a_shared_deadline_in_its_requirements_words(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    _one_date_two_requirements(store)
    config = _config(tmp_path, store)
    _, records = _listed(config, "--team", "cosmetics")
    assert [(r["date"], r["source_sentence"]) for r in records] == [("2022-04-30", COSMETICS_DUTY)]
    _, records = _listed(config)
    assert [(r["date"], r["source_sentence"]) for r in records] == [("2022-04-30", DRUG_DUTY)], "as before"
    result, records = _listed(config, "--team", "devices")
    assert records == [] and result.exit_code == 0


def test_a_team_left_with_no_deadline_is_told_how_many_are_outside_its_subscription(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    history.write_week(store, *_first_week(), None)
    result, records = _listed(_config(tmp_path, store), "--team", "devices")
    assert records == [] and result.exit_code == 0
    assert "no stored deadline" not in result.stderr
    assert "none of the 2 stored deadlines from 2022-02-14 to 2022-06-14 is for team 'devices'" in result.stderr


def test_an_unknown_team_is_refused_in_one_line(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    history.write_week(store, *_first_week(), None)
    result, _ = _listed(_config(tmp_path, store), "--team", "nobody")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "briefs: error: team 'nobody' is not in the config file (teams: cosmetics, urgent, devices, everyone)"
    ]
