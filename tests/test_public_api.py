"""The package's public surface, kept honest (as httpx's tests/test_exported_members.py does): every
name in ``__all__`` exists, ``__all__`` is sorted, nothing a user needs is missing from it, and
``import briefs`` stays light because the names load on first use."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import tomllib
import types
import typing
from pathlib import Path

import pytest

import briefs
import briefs.llm
from briefs.errors import BriefsError

PACKAGE_DIR = Path(briefs.__file__).parent
PYPROJECT = PACKAGE_DIR.parent / "pyproject.toml"


def test_all_is_sorted() -> None:
    assert briefs.__all__ == sorted(briefs.__all__)


@pytest.mark.parametrize("name", briefs.__all__)
def test_every_exported_name_exists(name: str) -> None:
    assert getattr(briefs, name) is not None


def test_every_public_name_of_the_package_is_exported() -> None:
    """What ``dir(briefs)`` shows, submodules aside, is exactly ``__all__``."""
    for name in briefs.__all__:
        getattr(briefs, name)
    public = [
        name
        for name in dir(briefs)
        if not name.startswith("_") and not isinstance(getattr(briefs, name), types.ModuleType)
    ]
    assert sorted(public) == sorted(name for name in briefs.__all__ if not name.startswith("_"))


def test_each_exported_name_is_the_object_its_module_defines() -> None:
    for name, module in briefs._EXPORTS.items():
        assert getattr(briefs, name) is getattr(sys.modules[module], name), name


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse((PACKAGE_DIR / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
    )
    return {
        alias.name: node.module or "" for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }


def test_what_type_checkers_see_is_what_loads_at_run_time() -> None:
    assert _type_checking_imports() == briefs._EXPORTS
    assert sorted(briefs._EXPORTS) == [name for name in briefs.__all__ if name != "__version__"]


def _subclasses(cls: type) -> list[type]:
    return [each for sub in cls.__subclasses__() for each in (sub, *_subclasses(sub))]


def _every_module() -> None:
    """Import every module of briefs (but ``__main__``, which runs the CLI), so every error class exists."""
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] != "__main__":
            importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))


def test_every_error_a_user_can_meet_is_exported() -> None:
    _every_module()
    errors = {cls.__name__ for cls in _subclasses(BriefsError) if cls.__module__.startswith("briefs.")}
    assert sorted(errors - set(briefs.__all__)) == []


def test_the_model_errors_are_the_same_objects_as_in_the_model_layer() -> None:
    shared = set(briefs.__all__) & set(briefs.llm.__all__)
    assert shared and all(getattr(briefs, name) is getattr(briefs.llm, name) for name in shared)


JOBS = ["generate", "extract_paths", "send_briefings", "read_paths", "load_settings", "parse_week"]


def _briefs_classes(hint: object) -> set[type]:
    """The briefs classes named in a type hint, however deeply nested (list[Team], X | None, ...)."""
    found = {hint} if isinstance(hint, type) and hint.__module__.startswith("briefs") else set()
    for arg in typing.get_args(hint):
        found |= _briefs_classes(arg)
    return found


@pytest.mark.parametrize("job", JOBS, ids=[f"what {job} needs and returns is exported" for job in JOBS])
def test_what_a_job_takes_and_gives_back_is_exported(job: str) -> None:
    """A user can build every required argument and name every result without reaching into modules."""
    function = getattr(briefs, job)
    hints = typing.get_type_hints(function)
    required = [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    ]
    classes = set().union(*(_briefs_classes(hints[name]) for name in [*required, "return"]))
    assert sorted(cls.__name__ for cls in classes if cls.__name__ not in briefs.__all__) == []


def test_the_version_is_the_one_in_pyproject() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert briefs.__version__ == project["version"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        briefs.nonsense  # noqa: B018 - the lookup is the test


def test_importing_briefs_loads_no_stage_and_no_heavy_dependency() -> None:
    """``briefs --help`` pays for ``import briefs``; the pipeline's openai, tiktoken and jinja2 load on first use."""
    probe = "import sys, briefs; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    )
    heavy = {"openai", "tiktoken", "jinja2", "pydantic", "httpx2", "briefs.pipeline", "briefs.models"}
    assert sorted(loaded & heavy) == []
    assert sorted(name for name in loaded if name.startswith("briefs")) == ["briefs"]
