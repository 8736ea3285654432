"""Token counting with tiktoken, entirely offline.

The BPE rank files ship in ``briefs/encodings/`` and are loaded by path. tiktoken's own loader only
checks ``expected_hash`` when a cache directory is in use (an empty ``TIKTOKEN_CACHE_DIR`` silently
skips the check), so the sha256 of each file is verified here, before it is parsed. Nothing in this
module can reach the network: the ranks are parsed from the shipped file, and the regex and special
tokens are borrowed from the installed tiktoken with its downloader swapped out for the call.

The encoding follows the model (``o200k_base`` for the gpt-4o/4.1/5/o-series families and anything
unknown, ``cl100k_base`` for gpt-4 and gpt-3.5); one ``Encoding`` per name is built per process.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Callable
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

import tiktoken
import tiktoken_ext.openai_public as openai_public

from briefs.errors import ConfigError
from briefs.resources import encodings_dir

DEFAULT_ENCODING = "o200k_base"

# The encodings briefs ships, with the sha256 of their published files.
SHIPPED_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}

_cache: dict[str, tiktoken.Encoding] = {}
_byte_lengths: dict[str, list[int]] = {}  # encoding name -> UTF-8 byte length of each token id
_lock = threading.Lock()


# tiktoken's pre-tokenizer patterns (the regex that splits a text into pieces before each piece is
# encoded on its own) under which a newline followed by a letter or digit always ends a piece, and no
# piece looks behind its start: there, a text cut at such a line start encodes, on each side, into
# exactly the tokens the whole text has there. Only these patterns, read alternative by alternative,
# are trusted with that; any other counts every stretch by encoding it.
_LINE_START_SPLITTING = frozenset(
    {
        r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|"
        r"\s+(?!\S)|\s",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
        r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    }
)


def encoding_name_for(model: str) -> str:
    """The encoding a model uses; unknown (e.g. local, OpenAI-compatible) models get the default."""
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return DEFAULT_ENCODING
    return name if name in SHIPPED_SHA256 else DEFAULT_ENCODING


def encoding_for(model: str, name: str | None = None) -> tiktoken.Encoding:
    """The tiktoken ``Encoding`` for ``model`` (or the explicitly named encoding), cached per process."""
    wanted = name or encoding_name_for(model)
    if wanted not in SHIPPED_SHA256:
        shipped = ", ".join(sorted(SHIPPED_SHA256))
        raise ConfigError(f"encoding: {wanted!r} is not shipped with briefs (available: {shipped})")
    with _lock:
        if wanted not in _cache:
            _cache[wanted], _byte_lengths[wanted] = _build(wanted, encodings_dir() / f"{wanted}.tiktoken")
        return _cache[wanted]


def count_tokens(text: str, encoding: tiktoken.Encoding) -> int:
    """Tokens of ``text``; special-token strings inside documents are counted as plain text."""
    return len(encoding.encode_ordinary(text))


def token_ends(text: str, encoding: tiktoken.Encoding) -> list[int]:
    """Where each token of ``text`` ends, as offsets into its UTF-8 bytes: the text encoded once,
    after which the tokens of any stretch of it can be counted without encoding it again (the last
    offset is the byte length of the text; ``len`` of the list is its token count)."""
    return ends_of(encoding.encode_ordinary(text), encoding)


def ends_of(tokens: list[int], encoding: tiktoken.Encoding) -> list[int]:
    """``token_ends`` of a text already encoded (``encode_ordinary``) into ``tokens``."""
    lengths = _byte_lengths[encoding.name]
    if len(tokens) < 2:  # itemgetter of one index returns the item, not a tuple; of none it refuses
        return [lengths[tokens[0]]] if tokens else []
    # itemgetter gathers every length in one C call: a third cheaper than map over __getitem__
    return list(accumulate(itemgetter(*tokens)(lengths)))


def splits_at_line_starts(encoding: tiktoken.Encoding) -> bool:
    """Whether ``encoding`` always ends a token at a line start (a newline, then a letter or digit),
    so that the tokens of a stretch between two line starts can be read off the whole text's
    encoding exactly (see ``line_starts``)."""
    return encoding._pat_str in _LINE_START_SPLITTING


_LINE_START = re.compile(r"\n(?=[^\W_])")  # [^\W_]: a letter or digit (str.isalnum)


def line_starts(text: str) -> list[int]:
    """Offsets in ``text`` right after a newline that a letter or digit follows, in order."""
    return [match.end() for match in _LINE_START.finditer(text)]


def ends_for(model: str, name: str | None = None) -> Callable[[str], list[int]]:
    """A ``text -> token_ends`` function for ``model`` (see ``token_ends``)."""
    encoding = encoding_for(model, name)
    return lambda text: token_ends(text, encoding)


def counter_for(model: str, name: str | None = None) -> Callable[[str], int]:
    """A ``text -> tokens`` function for ``model``: what the reader chunks with and the model layer
    estimates with."""
    encoding = encoding_for(model, name)
    return lambda text: count_tokens(text, encoding)


def load_ranks(path: Path, expected_sha256: str) -> dict[bytes, int]:
    """Parse a ``.tiktoken`` file after checking its sha256 (a truncated or swapped file must not load)."""
    try:
        blob = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read tiktoken encoding file ({error.strerror or error})") from None
    actual = hashlib.sha256(blob).hexdigest()
    if actual != expected_sha256:
        raise ConfigError(f"{path}: sha256 {actual} does not match the expected {expected_sha256}; reinstall briefs")
    ranks: dict[bytes, int] = {}
    for line in blob.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def _build(name: str, path: Path) -> tuple[tiktoken.Encoding, list[int]]:
    """The encoding, and the byte length of each of its ordinary tokens (indexed by rank)."""
    ranks = load_ranks(path, SHIPPED_SHA256[name])
    spec = _spec_with_ranks(name, ranks)
    encoding = tiktoken.Encoding(
        name=spec["name"],
        pat_str=spec["pat_str"],
        mergeable_ranks=spec["mergeable_ranks"],
        special_tokens=spec["special_tokens"],
    )
    lengths = [0] * (max(ranks.values()) + 1)
    for token, rank in ranks.items():
        lengths[rank] = len(token)
    return encoding, lengths


def _spec_with_ranks(name: str, ranks: dict[bytes, int]) -> dict:
    """tiktoken's own definition of ``name`` (regex, special tokens), fed our verified ranks.

    Borrowing the definition keeps the regex in step with the installed tiktoken; replacing its
    loader for the duration of the call (under ``_lock``) is what guarantees no download.
    """
    constructor = getattr(openai_public, name)
    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda *args, **kwargs: ranks
    try:
        return constructor()
    finally:
        openai_public.load_tiktoken_bpe = original
