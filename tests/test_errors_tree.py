"""The error tree is drawn once, in the docstring of briefs/errors.py; the drawing and the classes agree.

Every subclass of ``BriefsError`` defined anywhere in briefs appears in the drawing under its real
parent, and every name in the drawing is a class that exists.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import briefs
import briefs.errors
from briefs.errors import BriefsError
from briefs.llm.errors import LLMError

PACKAGE_DIR = Path(briefs.__file__).parent
_BRANCH = re.compile(r"^(?P<prefix>[ │]*)(?:├── |└── )(?P<name>\w+)")


ROOTS = ("BriefsError", "LLMError")  # briefs' errors, and the model layer's (which imports nothing from briefs)


def drawn_tree(docstring: str) -> dict[str, str | None]:
    """Each class name in the drawing and the name of its parent (None for a root)."""
    parents: dict[str, str | None] = {}
    path: list[str] = []  # the names on the way down to the current branch
    indent = 0
    for line in docstring.splitlines():
        if line.split()[:1] and line.split()[0] in ROOTS:  # a root, perhaps with a note beside it
            indent = len(line) - len(line.lstrip())
            parents[line.split()[0]] = None
            path = [line.split()[0]]
        elif path and (match := _BRANCH.match(line)):
            depth = (len(match["prefix"]) - indent) // 4 + 1
            del path[depth:]
            parents[match["name"]] = path[-1]
            path.append(match["name"])
    return parents


def _import_every_module() -> None:
    """Error classes exist once their module is imported; ``__main__`` is left out (it runs the CLI)."""
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] != "__main__":
            importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))


def real_tree() -> dict[str, str | None]:
    _import_every_module()
    found: dict[str, str | None] = {"BriefsError": None, "LLMError": None}
    pending: list[type] = [BriefsError, LLMError]
    while pending:
        parent = pending.pop()
        for child in parent.__subclasses__():
            if child.__module__.startswith("briefs."):  # tests may subclass; those are not part of the tree
                found[child.__name__] = parent.__name__
                pending.append(child)
    return found


DRAWN = drawn_tree(briefs.errors.__doc__ or "")
REAL = real_tree()


@pytest.mark.parametrize("name", sorted(REAL), ids=[f"{name} is drawn under its parent" for name in sorted(REAL)])
def test_every_error_class_is_drawn_under_its_parent(name: str) -> None:
    assert name in DRAWN, f"add {name} to the tree in briefs/errors.py's docstring"
    assert DRAWN[name] == REAL[name]


def test_every_drawn_error_exists() -> None:
    assert sorted(set(DRAWN) - set(REAL)) == []


def test_the_drawing_is_read_as_a_tree() -> None:
    drawing = """
        BriefsError
        ├── A          a line
        │              that continues
        ├── B
        │   ├── C
        │   └── D
        │       └── E
        └── F
    """
    assert drawn_tree(drawing) == {
        "BriefsError": None,
        "A": "BriefsError",
        "B": "BriefsError",
        "C": "B",
        "D": "B",
        "E": "D",
        "F": "BriefsError",
    }


@pytest.mark.parametrize("name", sorted(REAL), ids=[f"{name} says which exit code it means" for name in sorted(REAL)])
def test_every_error_has_an_exit_code(name: str) -> None:
    classes = {cls.__name__: cls for root in (BriefsError, LLMError) for cls in [root, *_all_subclasses(root)]}
    error = classes[name].__new__(classes[name])  # the code depends on the class alone
    assert briefs.errors.exit_code(error) in {
        briefs.errors.EXIT_USAGE,
        briefs.errors.EXIT_NOTHING,
        briefs.errors.EXIT_INCOMPLETE,
    }


def _all_subclasses(cls: type) -> list[type]:
    return [each for sub in cls.__subclasses__() for each in (sub, *_all_subclasses(sub))]


def test_the_model_layers_errors_keep_their_exit_codes() -> None:
    from briefs.llm.errors import LLMConfigError, ModelUnavailable, ReplayMissError

    assert (
        briefs.errors.exit_code(LLMConfigError("model mode replay: no recordings folder set"))
        == briefs.errors.EXIT_USAGE
    )
    assert briefs.errors.exit_code(ModelUnavailable("gave up")) == briefs.errors.EXIT_NOTHING
    assert briefs.errors.exit_code(ReplayMissError("no recording")) == briefs.errors.EXIT_NOTHING
    assert str(LLMError("a\n  b")) == "a b"


def test_an_error_is_one_line_whatever_its_message() -> None:
    assert str(BriefsError("data/x.html:\n  cannot be\tread")) == "data/x.html: cannot be read"


# --- errors a user can meet are BriefsErrors, not internal errors -----------------------------------


def _write_eml_under_a_file(tmp_path: Path) -> None:
    from email.message import EmailMessage

    from briefs.deliver import write_eml

    (tmp_path / "out").write_text("a file where a folder should be")
    write_eml(EmailMessage(), tmp_path / "out" / "2022-W06" / "mail" / "qa.eml")


def _append_to_a_send_log_under_a_file(tmp_path: Path) -> None:
    from briefs.deliver import SendLog

    (tmp_path / "home").write_text("a file where a folder should be")
    SendLog(tmp_path / "home" / "sendlog.jsonl").append(week="2022-W06")


def _lock_a_send_log_under_a_file(tmp_path: Path) -> None:
    from briefs.deliver import SendLog

    (tmp_path / "home").write_text("a file where a folder should be")
    with SendLog(tmp_path / "home" / "sendlog.jsonl").locked():
        pass


UNWRITABLE = {
    "a dry run's message that cannot be written names its file": _write_eml_under_a_file,
    "a send log that cannot be written names its file": _append_to_a_send_log_under_a_file,
    "a send log that cannot be locked names its file": _lock_a_send_log_under_a_file,
}


@pytest.mark.parametrize("action", UNWRITABLE.values(), ids=UNWRITABLE.keys())
def test_a_place_that_cannot_be_written_is_a_delivery_error_naming_it(action, tmp_path: Path) -> None:
    from briefs.errors import DeliveryError

    with pytest.raises(DeliveryError, match=rf"^{tmp_path / 'home'}|^{tmp_path / 'out'}") as caught:
        action(tmp_path)
    assert "cannot write" in str(caught.value)
