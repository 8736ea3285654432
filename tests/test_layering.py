"""Imports go one way: the package's layers as a table of rules, read from the source with ``ast``.

Every module of ``briefs/`` belongs to one layer (LAYERS); each rule says which layers a layer may
import from. Imports inside functions count too (a lazy import is still a dependency), so the rules
hold for the design, not just for what runs at import time. A new module must be given a layer here,
which is the moment to decide where it belongs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

import briefs

PACKAGE_DIR = Path(briefs.__file__).parent


@dataclass(frozen=True)
class Import:
    module: str  # the briefs module imported (a submodule when ``from pkg import submodule``)
    line: int
    top_level: bool  # runs when the importing module is imported (not inside a function)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def _absolute(importer: str, node: ast.ImportFrom) -> str:
    """The module a ``from ... import`` names, with relative imports resolved against the importer."""
    if not node.level:
        return node.module or ""
    package = importer if SOURCES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _is_type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and ast.unparse(test).split(".")[-1] == "TYPE_CHECKING"


def imports_in(importer: str, tree: ast.AST, known: Iterable[str]) -> list[Import]:
    """The briefs modules ``tree`` imports; ``from pkg import name`` counts as pkg.name when that is a module.

    Imports under ``if TYPE_CHECKING:`` are left out: they never run.
    """
    known = set(known)
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        if _is_type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno, top_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(importer, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append(Import(submodule if submodule in known else base, node.lineno, top_level))
        nested = top_level and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(tree, True)
    return [found_import for found_import in found if found_import.module.split(".")[0] == "briefs"]


IMPORTS = {
    name: imports_in(name, ast.parse(path.read_text(encoding="utf-8")), SOURCES) for name, path in SOURCES.items()
}

MODEL_LAYER = frozenset(name for name in SOURCES if name == "briefs.llm" or name.startswith("briefs.llm."))

LAYERS: dict[str, frozenset[str]] = {
    "leaves": frozenset({"briefs.errors", "briefs.files", "briefs.models", "briefs.resources", "briefs.zhtext"}),
    "settings": frozenset({"briefs.settings"}),
    "the model layer": MODEL_LAYER,
    "the reading steps": frozenset(
        {
            "briefs.load",
            "briefs.clean",
            "briefs.metadata",
            "briefs.manifest",
            "briefs.dedupe",
            "briefs.chunk",
            "briefs.tokens",
            "briefs.readcache",
        }
    ),
    "the reader": frozenset({"briefs.reader"}),
    "the prompts": frozenset({"briefs.prompting"}),
    "extraction": frozenset({"briefs.extract", "briefs.verify"}),
    "week selection": frozenset({"briefs.weeks", "briefs.baseline"}),
    "synthesis": frozenset({"briefs.synthesize"}),
    "assembly": frozenset({"briefs.assemble"}),
    "rendering": frozenset({"briefs.render"}),
    "history": frozenset({"briefs.identity", "briefs.history", "briefs.continuity", "briefs.calendar"}),
    "delivery": frozenset({"briefs.deliver", "briefs.teams"}),
    "the model wiring": frozenset({"briefs.llm_setup"}),
    "the pipeline": frozenset({"briefs.pipeline", "briefs.estimate", "briefs.events"}),
    "the entry points": frozenset({"briefs", "briefs.cli", "briefs.cli_words", "briefs.__main__"}),
}

# The stages of DESIGN.md's data flow. They never import each other: only the pipeline knows the order.
STAGES = {
    "read": LAYERS["the reading steps"] | LAYERS["the reader"],
    "extract": LAYERS["extraction"],
    "select week": LAYERS["week selection"],
    "synthesize": LAYERS["synthesis"],
    "assemble": LAYERS["assembly"],
    "render": LAYERS["rendering"],
    "deliver": LAYERS["delivery"],
    "history": LAYERS["history"],
}


def _layers(*names: str) -> frozenset[str]:
    return frozenset().union(*(LAYERS[name] for name in names))


EVERYTHING = frozenset(SOURCES)
CONFIG = _layers("leaves", "settings")  # what any stage may read: data models, errors, resources, settings


@dataclass(frozen=True)
class Rule:
    who: str  # a layer
    may_import: frozenset[str]  # modules


RULES = {
    "the leaves import nothing from briefs but the model layer's data types, errors and file helpers": Rule(
        "leaves", frozenset({"briefs.llm", "briefs.llm.files"})
    ),
    "settings imports only the leaves": Rule("settings", _layers("leaves")),
    "the model layer imports only itself, briefs.errors and briefs.files": Rule(
        "the model layer", MODEL_LAYER | {"briefs.errors", "briefs.files"}
    ),
    "the reading steps import only each other and the leaves": Rule(
        "the reading steps", _layers("the reading steps", "leaves")
    ),
    "the reader imports only the reading steps and configuration": Rule(
        "the reader", CONFIG | LAYERS["the reading steps"]
    ),
    "the prompts import only configuration": Rule("the prompts", CONFIG),
    "extraction imports only itself, the prompts, the model layer and configuration": Rule(
        "extraction", CONFIG | LAYERS["extraction"] | LAYERS["the prompts"] | MODEL_LAYER
    ),
    "week selection imports only configuration": Rule("week selection", CONFIG),
    "synthesis imports only the prompts, the model layer and configuration": Rule(
        "synthesis", CONFIG | LAYERS["the prompts"] | MODEL_LAYER
    ),
    "assembly imports only configuration": Rule("assembly", CONFIG),
    "rendering imports only configuration, never extraction, the model layer or delivery": Rule("rendering", CONFIG),
    "history imports only itself and configuration": Rule("history", CONFIG | LAYERS["history"]),
    "delivery imports only itself and configuration, never rendering, extraction or the model layer": Rule(
        "delivery", CONFIG | LAYERS["delivery"]
    ),
    "the model wiring imports only the model layer, token counting and configuration": Rule(
        "the model wiring", CONFIG | MODEL_LAYER | {"briefs.tokens"}
    ),
    "the pipeline imports every stage but never the CLI": Rule("the pipeline", EVERYTHING - LAYERS["the entry points"]),
    "the entry points may import anything": Rule("the entry points", EVERYTHING),
}


def _outside(rule: Rule) -> list[str]:
    return [
        f"{importer}:{found.line} imports {found.module}"
        for importer in sorted(LAYERS[rule.who])
        for found in IMPORTS[importer]
        if found.module not in rule.may_import
    ]


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_imports_go_one_way(rule: Rule) -> None:
    assert _outside(rule) == []


def test_every_module_belongs_to_exactly_one_layer() -> None:
    placed = [name for members in LAYERS.values() for name in members]
    assert sorted(placed) == sorted(SOURCES), "give a new module a layer in LAYERS (and a rule if it is new)"


def test_every_layer_has_a_rule() -> None:
    assert sorted(rule.who for rule in RULES.values()) == sorted(LAYERS)


def test_only_the_pipeline_and_the_entry_points_import_several_stages() -> None:
    allowed = LAYERS["the pipeline"] | LAYERS["the entry points"]
    several = {}
    for importer, found in IMPORTS.items():
        own = {stage for stage, members in STAGES.items() if importer in members}
        stages = {stage for stage, members in STAGES.items() for each in found if each.module in members} - own
        if importer not in allowed and len(stages) > 1:
            several[importer] = sorted(stages)
    assert several == {}


def test_no_stage_imports_another_stage() -> None:
    crossings = [
        f"{importer}:{found.line} ({stage}) imports {found.module} ({other})"
        for stage, members in STAGES.items()
        for importer in sorted(members)
        for found in IMPORTS[importer]
        for other, others in STAGES.items()
        if other != stage and found.module in others
    ]
    assert crossings == []


# Reaching into the model layer's modules past ``briefs.llm`` couples the caller to its layout.
# Known exceptions (the test fails when one disappears): briefs.files builds on the layer's file
# helpers, which are not part of what the layer offers its callers.
MODEL_LAYER_REACH_INS: set[tuple[str, str]] = {("briefs.files", "briefs.llm.files")}


def test_outside_the_model_layer_only_its_public_surface_is_imported() -> None:
    reach_ins = {
        (importer, found.module)
        for importer, found_imports in IMPORTS.items()
        if importer not in MODEL_LAYER
        for found in found_imports
        if found.module in MODEL_LAYER - {"briefs.llm"}
    }
    assert reach_ins == MODEL_LAYER_REACH_INS


def test_the_cli_imports_only_the_leaves_at_module_level_so_help_stays_fast() -> None:
    """``briefs --help`` must not pay for openai, tiktoken and jinja2: the commands import their stage lazily."""
    eager = [f"briefs.cli:{found.line} {found.module}" for found in IMPORTS["briefs.cli"] if found.top_level]
    assert [line for line in eager if line.split()[-1] not in LAYERS["leaves"]] == []


def test_importing_the_package_imports_nothing_of_briefs() -> None:
    """``import briefs`` (which every command pays) stays light: its public names load on first use."""
    assert [found for found in IMPORTS["briefs"] if found.top_level] == []


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle in ``graph`` as a path that returns to its start, or [] when there is none."""
    state: dict[str, str] = {}  # "open" while on the DFS path, "done" afterwards
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_there_are_no_import_cycles() -> None:
    graph = {name: {found.module for found in found_imports} - {name} for name, found_imports in IMPORTS.items()}
    assert _cycle(graph) == []


# The checks above are only as good as the parser; these rows make sure it sees every kind of import.
PARSER_CASES = {
    "an absolute import is seen": ("briefs.render", "import briefs.models", ["briefs.models"]),
    "a from-import of a submodule names the submodule": (
        "briefs.render",
        "from briefs import resources",
        ["briefs.resources"],
    ),
    "a from-import of a name names its module": ("briefs.render", "from briefs.models import Chunk", ["briefs.models"]),
    "a relative import is resolved": ("briefs.llm.client", "from .errors import ModelError", ["briefs.llm.errors"]),
    "a relative import of a sibling package is resolved": (
        "briefs.llm.client",
        "from .. import errors",
        ["briefs.errors"],
    ),
    "an import inside a function is seen": ("briefs.cli", "def f():\n    import briefs.pipeline", ["briefs.pipeline"]),
    "an import under TYPE_CHECKING is left out": (
        "briefs.render",
        "if TYPE_CHECKING:\n    import briefs.pipeline",
        [],
    ),
    "an import of another package is left out": ("briefs.render", "import jinja2", []),
}


@pytest.mark.parametrize(("importer", "source", "expected"), PARSER_CASES.values(), ids=PARSER_CASES.keys())
def test_the_import_parser(importer: str, source: str, expected: list[str]) -> None:
    assert [found.module for found in imports_in(importer, ast.parse(source), SOURCES)] == expected


def test_a_cycle_is_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
