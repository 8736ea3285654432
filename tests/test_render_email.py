"""Email that fits an inbox: the HTML of every sample week (the 177-requirement regulation
included) stays within 100 KB, the CSS is not repeated per element, a table of contents and an
at-a-glance table lead the way, unverified items are marked where they appear, and readers see no
file names or prompt ids outside the run record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefs.render import FONT_STACK

SAMPLE_WEEKS = ("2020-W52", "2021-W31", "2022-W06", "2022-W07", "2022-W30", "2023-W27", "2024-W17", "2025-W01")
LIMIT = 100_000  # Gmail clips a message past about 102 KB of HTML


@pytest.fixture(scope="module")
def weeks(sample_weeks) -> dict[str, tuple[str, object]]:
    found = {}
    for week in SAMPLE_WEEKS:
        result = sample_weeks[week]
        found[week] = ((result.out_dir / "briefing.html").read_text(encoding="utf-8"), result.briefing)
    return found


@pytest.mark.parametrize("week", SAMPLE_WEEKS)
def test_the_html_of_every_sample_week_fits_in_100_kb(weeks, week: str) -> None:
    html, _ = weeks[week]
    assert len(html.encode("utf-8")) <= LIMIT


def test_the_largest_regulation_keeps_its_full_list_out_of_the_mail_and_says_where_it_is(weeks) -> None:
    html, briefing = weeks["2020-W52"]
    total = sum(len(d.requirements) for d in briefing.documents)
    assert total == 177
    assert "not listed in this email: the full list is in the full briefing" in html
    assert "of its 177 requirements" in html


@pytest.mark.parametrize("week", SAMPLE_WEEKS)
def test_the_font_stack_is_set_once_not_per_cell(weeks, week: str) -> None:
    html, _ = weeks[week]
    assert html.count(FONT_STACK.split(",")[-2].strip()) <= 2  # the outer and the main table


@pytest.mark.parametrize("week", SAMPLE_WEEKS)
def test_contents_and_at_a_glance_lead_and_every_anchor_resolves(weeks, week: str) -> None:
    html, briefing = weeks[week]
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets and targets <= ids
    assert {"summary", "actions", "glance", "documents", "warnings", "run"} <= targets
    glance = html.split('id="glance"', 1)[1].split('id="documents"', 1)[0]
    for doc in briefing.documents:
        assert f'href="#doc-{doc.ref}"' in glance
        if doc.document_number:
            assert doc.document_number in glance
    assert (
        html.index('id="contents"')
        < html.index('id="summary"')
        < html.index('id="glance"')
        < html.index('id="documents"')
    )


@pytest.mark.parametrize("week", SAMPLE_WEEKS)
def test_readers_see_no_file_names_or_prompt_ids_outside_the_run_record(weeks, week: str) -> None:
    html, briefing = weeks[week]
    before_run = html.split('id="run"', 1)[0]
    names = {Path(path.path).stem for path in briefing.run.inputs}
    assert names and not any(name in before_run for name in names)
    assert not any(version in before_run for version in briefing.run.prompt_versions.values())


def test_an_unverified_deadline_is_marked_in_the_action_table() -> None:
    import briefing_factory as factory

    from briefs.models import Bilingual, Briefing, BriefingAction, Coverage, SourceLink
    from briefs.render import render

    action = BriefingAction(
        what=Bilingual(zh="核查中药饮片生产", en="Check TCM decoction piece production"),
        who=["manufacturers"],
        product_scope=["tcm"],
        deadline="2022-03-01",
        priority="high",
        sources=[SourceLink(ref="D1", title=Bilingual(zh="通知", en="Notice"))],
        problems=["top_actions[0].deadline: 2022-03-01 is not a verified date of the digests this action names (D1)"],
    )
    briefing = Briefing(period=factory.WEEK_06, coverage=Coverage(), run=factory.run_record(), actions=[action])
    for fmt in ("html", "md", "txt"):
        out = render(briefing, fmt)
        start = 'id="actions"' if fmt == "html" else "Action items"
        table = out.split(start, 1)[1].split("Documents", 1)[0]
        assert "2022-03-01" in table and "⚠" in table and "not verified" in table, fmt
