"""The README shows real output and the commands CI really runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_briefing_excerpt_is_cut_from_the_golden_briefing() -> None:
    excerpt = re.search(r"```markdown\n(.*?)\n```", README, re.S)
    assert excerpt is not None
    golden = (ROOT / "tests" / "fixtures" / "golden" / "2022-W06" / "briefing.md").read_text(encoding="utf-8")
    pieces = [piece.strip("\n") for piece in excerpt.group(1).split("\n…\n")]
    assert len(pieces) > 1 and all(piece in golden for piece in pieces)


def test_ci_runs_the_test_command_the_readme_gives() -> None:
    test_command = re.search(r"## Run the tests\s+```sh\n(.+?)\n```", README, re.S)
    assert test_command is not None
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any(line.strip().startswith(test_command.group(1).strip()) for line in ci.splitlines())


def test_the_module_table_names_every_module_and_no_file_that_is_gone() -> None:
    named = set(re.findall(r"`(briefs/[\w/]+\.py)`", README))
    modules = {f"briefs/{path.name}" for path in (ROOT / "briefs").glob("*.py") if not path.name.startswith("__")}
    assert sorted(modules - named) == [], "a module the README's table of modules does not name"
    assert sorted(path for path in named if not (ROOT / path).is_file()) == []
