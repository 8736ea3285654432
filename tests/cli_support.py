"""The command line's options, for tests that keep its words out of the layers below it."""

from __future__ import annotations

import re

import typer.main

from briefs.cli import app


def command_line_options() -> set[str]:
    """Every --option of every briefs command, subcommands included."""
    options: set[str] = set()
    commands = [typer.main.get_command(app)]
    while commands:
        command = commands.pop()
        options |= {opt for param in command.params for opt in getattr(param, "opts", []) if opt.startswith("--")}
        commands += list((getattr(command, "commands", None) or {}).values())
    return options


def options_named_in(text: str, options: set[str]) -> set[str]:
    """The options ``text`` names as whole words (--out is not named by --output or --out-dir)."""
    return {option for option in options if re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text)}
