"""briefs: weekly bilingual briefings of Chinese drug-regulator news, every requirement traced to
the exact Chinese sentence it came from."""

from __future__ import annotations

__version__ = "0.1.0"
