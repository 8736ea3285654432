"""briefs: weekly bilingual briefings of Chinese drug-regulator news, every requirement traced to
the exact Chinese sentence it came from.

The public surface for Python users, the same three jobs as the CLI::

    import briefs

    settings = briefs.load_settings()
    events: list[briefs.Event] = []  # what the run tells as it goes (briefs.events); optional
    result = briefs.generate(
        settings, briefs.GenerateRequest(period=briefs.parse_week("2022-W06")), on_event=events.append
    )
    digests = briefs.extract_paths(settings, [path]).digests
    documents = briefs.read_paths([folder], settings).documents

The jobs return data and print nothing: the command line's words live in ``briefs.cli_words``.

Every error is a ``briefs.BriefsError`` or, from the model layer (which imports nothing from
briefs), a ``briefs.llm.LLMError`` such as ``briefs.ModelError``; either's ``str()`` is one line.
Names load on first use:
the pipeline pulls in openai, tiktoken and jinja2 (about 0.7 s), which ``import briefs`` and so
``briefs --help`` must not pay. The model layer's own surface is ``briefs.llm``.
"""

# The imports are private (underscored) so that the package's namespace is exactly __all__.
import importlib as _importlib
import typing as _typing

__version__ = "0.1.0"  # tests/test_public_api.py keeps it equal to pyproject.toml's

# Each public name and the module that defines it; kept equal to the imports below by the tests.
_EXPORTS = {
    "AnswerMissingError": "briefs.llm",
    "Briefing": "briefs.models",
    "BriefsError": "briefs.errors",
    "Check": "briefs.models",
    "Chunk": "briefs.models",
    "ConfigError": "briefs.errors",
    "DeliveryError": "briefs.errors",
    "Digest": "briefs.models",
    "Document": "briefs.models",
    "Event": "briefs.events",
    "ExtractResult": "briefs.pipeline",
    "Extraction": "briefs.models",
    "GenerateRequest": "briefs.pipeline",
    "GenerateResult": "briefs.pipeline",
    "HistoryError": "briefs.errors",
    "InputError": "briefs.errors",
    "InvalidOutputError": "briefs.llm",
    "ModelError": "briefs.llm",
    "ModelRequestError": "briefs.llm",
    "ModelUnavailable": "briefs.llm",
    "Period": "briefs.models",
    "ReadResult": "briefs.reader",
    "RenderError": "briefs.errors",
    "ReplayMissError": "briefs.llm",
    "Requirement": "briefs.models",
    "SendResult": "briefs.pipeline",
    "Settings": "briefs.settings",
    "Team": "briefs.settings",
    "Usage": "briefs.models",
    "WeekSynthesis": "briefs.models",
    "extract_paths": "briefs.pipeline",
    "generate": "briefs.pipeline",
    "load_settings": "briefs.settings",
    "parse_week": "briefs.weeks",
    "read_paths": "briefs.reader",
    "send_briefings": "briefs.pipeline",
}

if _typing.TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ loads these
    from briefs.errors import BriefsError, ConfigError, DeliveryError, HistoryError, InputError, RenderError
    from briefs.events import Event
    from briefs.llm import (
        AnswerMissingError,
        InvalidOutputError,
        ModelError,
        ModelRequestError,
        ModelUnavailable,
        ReplayMissError,
    )
    from briefs.models import (
        Briefing,
        Check,
        Chunk,
        Digest,
        Document,
        Extraction,
        Period,
        Requirement,
        Usage,
        WeekSynthesis,
    )
    from briefs.pipeline import (
        ExtractResult,
        GenerateRequest,
        GenerateResult,
        SendResult,
        extract_paths,
        generate,
        send_briefings,
    )
    from briefs.reader import ReadResult, read_paths
    from briefs.settings import Settings, Team, load_settings
    from briefs.weeks import parse_week

__all__ = [  # plain sorted(), which tests/test_public_api.py checks (as for briefs.llm)
    "AnswerMissingError",
    "Briefing",
    "BriefsError",
    "Check",
    "Chunk",
    "ConfigError",
    "DeliveryError",
    "Digest",
    "Document",
    "Event",
    "ExtractResult",
    "Extraction",
    "GenerateRequest",
    "GenerateResult",
    "HistoryError",
    "InputError",
    "InvalidOutputError",
    "ModelError",
    "ModelRequestError",
    "ModelUnavailable",
    "Period",
    "ReadResult",
    "RenderError",
    "ReplayMissError",
    "Requirement",
    "SendResult",
    "Settings",
    "Team",
    "Usage",
    "WeekSynthesis",
    "__version__",
    "extract_paths",
    "generate",
    "load_settings",
    "parse_week",
    "read_paths",
    "send_briefings",
]


def __getattr__(name: str) -> _typing.Any:
    """Load a public name on first use (PEP 562) and keep it, so the next lookup is a plain one."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'briefs' has no attribute {name!r}")
    value = getattr(_importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
