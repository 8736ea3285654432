"""Where briefs finds the files it ships: prompts, templates, encodings and the bundled sample.

Decided once, here: prompts/ and templates/ live at the top of the repository (easy to review);
a wheel carries them inside the package as ``briefs/_data/<name>`` (see pyproject.toml). A source
checkout or an editable install finds them beside the package. Encodings and the sample corpus
with its recordings are ordinary package data under ``briefs/``.

This module imports nothing from briefs.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _top_level(name: str) -> Path:
    packaged = PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name


def prompts_dir() -> Path:
    return _top_level("prompts")


def templates_dir() -> Path:
    return _top_level("templates")


def encodings_dir() -> Path:
    return PACKAGE_DIR / "encodings"


def sample_corpus_dir() -> Path:
    return PACKAGE_DIR / "sample" / "corpus"


def sample_recordings_dir() -> Path:
    return PACKAGE_DIR / "sample" / "recordings"
