"""Bytes on disk → decoded text, its format and its front matter.

Decoding order (a declaration always beats a guess):

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. a declared charset: ``<meta charset>`` / ``http-equiv`` in HTML, ``charset:``/``encoding:`` in
   YAML front matter; GBK and GB2312 are decoded as GB18030, their superset;
3. UTF-16 without a BOM, recognised by its pattern of zero bytes;
4. strict UTF-8;
5. charset-normalizer over the *whole* body, first among the Chinese encodings (GB18030, Big5),
   which is right even on a one-line file where a free guess says Korean or Japanese; then free,
   accepted only when the result is mostly ASCII (a Western-encoded English page).

Anything else is an ``InputError`` whose message starts with the path.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import charset_normalizer
import yaml

from briefs.errors import InputError

SourceFormat = Literal["text", "markdown", "html"]

SUFFIX_FORMATS: dict[str, SourceFormat] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}

# Labels browsers and servers use, mapped to the codec that decodes every byte they may contain.
_CODEC_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "big5": "big5hkscs",  # HKSCS adds characters that Hong Kong and Taiwan pages use; a superset
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "unicode": "utf-16",
    "utf8": "utf-8",
}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# File signatures of formats people save next to scraped pages by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"\x1f\x8b", "a gzip archive"),
)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_FRONT_MATTER_CHARSET = re.compile(rb"^(?:charset|encoding)\s*:\s*[\"']?([A-Za-z0-9_.:-]+)", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HTML_START = re.compile(r"\A\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)


@dataclass(frozen=True)
class Loaded:
    """A decoded file. ``text`` is the content with any front matter removed."""

    path: Path
    sha256: str
    format: SourceFormat
    encoding: str
    text: str
    front_matter: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # read anyway, but worth telling (e.g. a wrong declared charset)


def is_document(path: Path) -> bool:
    return path.suffix.lower() in SUFFIX_FORMATS


def load_file(path: Path, max_bytes: int) -> Loaded:
    """Read, size-check, decode and split one file. Raises ``InputError`` naming the file."""
    return load_bytes(path, read_bytes(path, max_bytes))


def load_bytes(path: Path, data: bytes) -> Loaded:
    """Decode and split the bytes of ``path`` (already read and size-checked)."""
    if not data.strip():
        raise InputError(f"{path}: empty file")
    _reject_binary(path, data)
    text, encoding, problems = decode(path, data)
    if not text.strip():
        raise InputError(f"{path}: empty file (only whitespace)")
    fmt = SUFFIX_FORMATS.get(path.suffix.lower(), "text")
    front_matter, text = split_front_matter(text)
    if front_matter and fmt == "text":
        fmt = "markdown"  # a Jekyll post saved as .txt is still a Markdown post
    elif fmt != "html" and _HTML_START.match(text):
        fmt = "html"
    if not front_matter:
        front_matter, text = split_date_stamp(text)
    return Loaded(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        encoding=encoding,
        text=text,
        front_matter=front_matter,
        problems=tuple(problems),
    )


def read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: file is {size:,} bytes, over the limit of {max_bytes:,} (setting max_file_bytes)"
            )
        with path.open("rb") as handle:
            # what stat found and one byte more: asking for the whole limit at once allocates a
            # buffer of max_bytes for every file, which cost more than reading the file
            data = handle.read(size + 1)
            if len(data) > size:  # it grew since: read on up to one byte over the limit
                data += handle.read(max_bytes + 1 - len(data))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    if len(data) > max_bytes:  # grew while we looked
        raise InputError(f"{path}: file is over the limit of {max_bytes:,} bytes (setting max_file_bytes)")
    return data


def _reject_binary(path: Path, data: bytes) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{path}: binary file ({what}), not a text document")
    if b"\x00" in data and _utf16_without_bom(data) is None and not data.startswith(tuple(b for b, _ in _BOMS)):
        raise InputError(f"{path}: binary file (contains NUL bytes), not a text document")


def decode(path: Path, data: bytes) -> tuple[str, str, list[str]]:
    """(text, codec name, problems). Raises ``InputError`` when no encoding fits."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(path, data, codec, "its byte-order mark"), codec.removesuffix("-sig"), []
    problems: list[str] = []
    declared = declared_charset(data)
    if declared:
        declared_codec = _codec_for(declared)
        if declared_codec is None:
            problems.append(f"{path}: declared charset {declared!r} is unknown; detected the encoding instead")
        else:
            try:
                return data.decode(declared_codec), declared_codec, []
            except UnicodeDecodeError:
                problems.append(
                    f"{path}: declared charset {declared!r} does not decode the file; detected the encoding instead"
                )
    text, codec = _detect(path, data)
    _reject_control_characters(path, text)
    return text, codec, problems


def declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    if head.lstrip().startswith(b"---"):
        block = head.lstrip()[3:].split(b"\n---", 1)[0]
        if found := _FRONT_MATTER_CHARSET.search(block):
            return found.group(1).decode("ascii").lower()
    if found := _META_CHARSET.search(head):
        return found.group(1).decode("ascii").lower()
    return None


def _codec_for(label: str) -> str | None:
    label = label.lower()
    label = _CODEC_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _CODEC_ALIASES.get(name, name)


def _strict(path: Path, data: bytes, codec: str, why: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not valid {codec} although {why} says so (byte {error.start})") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the zero bytes (from ASCII characters: newlines, digits) all sit at
    odd/even offsets and the decoded text is plausible; Chinese text alone has few zero bytes."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    even_zeros = data[0::2].count(0)
    odd_zeros = data[1::2].count(0)
    # CJK characters such as 一 (U+4E00) put a zero on the other side too, so only a clear majority counts.
    if odd_zeros and even_zeros * 3 <= odd_zeros:
        codec = "utf-16-le"
    elif even_zeros and odd_zeros * 3 <= even_zeros:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    plausible = sum(1 for char in text if char.isprintable() or char in "\t\r\n")
    return codec if plausible >= 0.98 * len(text) else None


def _detect(path: Path, data: bytes) -> tuple[str, str]:
    if codec := _utf16_without_bom(data):
        return _strict(path, data, codec, "its zero-byte pattern"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    chinese = charset_normalizer.from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if chinese is not None:
        codec = _codec_for(chinese.encoding) or chinese.encoding
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:  # big5hkscs is a superset of big5; never expected to fail
            return str(chinese), chinese.encoding
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None:
        text = str(guess)
        non_ascii = sum(1 for char in text if ord(char) > 127)
        if non_ascii <= 0.1 * max(len(text), 1):  # mostly ASCII: a Western page, a guess is safe
            return text, guess.encoding
    raise InputError(f"{path}: bytes do not decode as UTF-8, UTF-16, GB18030 or Big5; not a readable text file")


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _reject_control_characters(path: Path, text: str) -> None:
    controls = len(_CONTROL.findall(text))
    if controls > 0.01 * len(text) + 2:
        raise InputError(f"{path}: binary file (control characters throughout), not a text document")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter (Jekyll/Hugo) as strings, and the text after it. Bad YAML stays text."""
    found = _FRONT_MATTER.match(text)
    if not found:
        return {}, text
    try:
        # BaseLoader keeps every value a string: a date stays as written, with its +0800.
        values = yaml.load(found.group(1), Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(values, dict):
        return {}, text
    front = {str(key).lower(): _as_text(value) for key, value in values.items() if value is not None}
    return front, text[found.end() :]


# A page store's own stamp opening the saved text: " date 2026-03-07" (then a tag, the navigation
# or the first sentence on the same line). It is the store's record of the page's date, like front
# matter, and not page text.
_DATE_STAMP = re.compile(r"\A[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})(?=[\s\u3000]|\Z)[ \t\u3000]*")


def split_date_stamp(text: str) -> tuple[dict[str, str], str]:
    """A leading ``date YYYY-MM-DD`` stamp as front matter, and the text without it."""
    found = _DATE_STAMP.match(text)
    if not found:
        return {}, text
    return {"date": found.group(1)}, text[found.end() :]


def _as_text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
