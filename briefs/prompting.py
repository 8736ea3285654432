"""Prompts as data: Jinja templates and the terminology glossary in ``prompts/``, rendered into chat
messages whose version is derived from their content.

Layout of every request (why: providers cache the longest byte-identical prefix, ≥1024 tokens):

    system  static instructions + field guidance (from the schema's descriptions)
            — byte-identical for every call of one prompt
    user    a short, fixed preamble, the glossary terms that occur in the data (a chunk holds a
            handful of the glossary's terms: sending all of them in every call cost more than a
            third of the system message), then the untrusted data (document chunk, or the chunks'
            records) last, between markers that carry a hash of the data itself, so the data
            cannot close its own block

A prompt's version is a hash of its templates, the glossary and the JSON of the schema it answers
in: editing any of them changes the version, which is part of the model layer's cache key, so no
stale answer is reused after an edit. The week synthesis renders its template from the same
environment and is versioned the same way.

This module knows templates and schemas, not the order of the pipeline.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from briefs import resources
from briefs.errors import ConfigError
from briefs.models import Bilingual, Chunk, Document, Extraction, WeekSynthesis
from briefs.zhtext import english_stem, glossary_terms_in, locked_forms

GLOSSARY_FILE = "glossary.tsv"
EXTRACT = "extract"
MERGE = "merge"
SYNTHESIZE = "synthesize"
SYNTHESIZE_REDUCE = "synthesize-reduce"
# The glossary group of the kinds of document (条例, 规定, 通知 ...): their English is no sure way
# back to the Chinese, so an English page's words do not list them.
DOCUMENT_FORM = "form"

# Each prompt: its templates (in prompts/) and the schema its answer is held to.
PROMPTS: dict[str, tuple[tuple[str, ...], type[BaseModel]]] = {
    EXTRACT: ((f"{EXTRACT}_system.j2", f"{EXTRACT}_user.j2"), Extraction),
    MERGE: ((f"{MERGE}_system.j2", f"{MERGE}_user.j2"), Extraction),
    SYNTHESIZE: (("synthesize.j2",), WeekSynthesis),
    SYNTHESIZE_REDUCE: (("synthesize_reduce.j2",), WeekSynthesis),
}


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    group: str


@dataclass(frozen=True)
class FieldGuide:
    """One line of field guidance: where the field is, what it may hold, what it means."""

    path: str
    kind: str
    description: str


def read_glossary(path: Path) -> list[Term]:
    """The glossary rows (zh, en, group); comment lines start with '#', the first row is a header."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the glossary ({error})") from None
    rows = [(number, line) for number, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]
    terms: list[Term] = []
    for number, line in rows[1:]:  # rows[0] is the header
        cells = line.split("\t")
        if len(cells) != 3 or not all(cell.strip() for cell in cells):
            raise ConfigError(f"{path}:{number}: a glossary row needs three tab-separated cells (zh, en, group)")
        terms.append(Term(*(cell.strip() for cell in cells)))
    seen: set[str] = set()
    for term in terms:
        if term.zh in seen:
            raise ConfigError(f"{path}: {term.zh!r} is in the glossary twice")
        seen.add(term.zh)
    return terms


def field_guide(schema: type[BaseModel]) -> list[FieldGuide]:
    """Every field of ``schema`` (nested ones as ``parent[].child``) with its allowed values and
    description, in declaration order: the guidance the system prompt gives the model."""
    guides: list[FieldGuide] = []
    _walk_fields(schema, "", guides)
    return guides


def _walk_fields(model: type[BaseModel], prefix: str, guides: list[FieldGuide]) -> None:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        nested, many = _nested_model(info.annotation)
        kind = _kind(info.annotation)
        guides.append(FieldGuide(path=path + ("[]" if many else ""), kind=kind, description=info.description or ""))
        if nested is not None and nested is not Bilingual:
            _walk_fields(nested, f"{path}[]." if many else f"{path}.", guides)


def _nested_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    args = getattr(annotation, "__args__", ())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if getattr(annotation, "__origin__", None) is list and args:
        inner, _ = _nested_model(args[0])
        return inner, True
    return None, False


def _kind(annotation: Any) -> str:
    """A short human type: 'zh/en pair', 'one of: a | b', 'list of ...', 'text or null'."""
    origin = getattr(annotation, "__origin__", None)
    args: tuple[Any, ...] = getattr(annotation, "__args__", ())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "zh/en pair" if annotation is Bilingual else "object"
    if origin is list:
        return f"list of {_kind(args[0])}"
    if str(origin) == "typing.Literal":
        return "one of: " + " | ".join(str(arg) for arg in args)
    if args and type(None) in args:  # X | None
        rest = [arg for arg in args if arg is not type(None)]
        return f"{_kind(rest[0])} or null"
    return {str: "text", int: "integer", float: "number", bool: "true/false"}.get(annotation, str(annotation))


def data_marker(*parts: str) -> str:
    """A marker derived from the data it delimits: a document cannot contain the line that closes its
    own block (it would have to contain a hash of itself), and the same data always gives the same
    bytes, so caches and recordings still match."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]


# British and American spellings compared as one: the glossary writes "authorization" and "Center"
# but "licence", and English pages write either.
_SPELLINGS = (("isation", "ization"), ("licence", "license"), ("centre", "center"))


def _one_spelling(words: str) -> str:
    for british, american in _SPELLINGS:
        words = words.replace(british, american)
    return words


def _what_records_say(value: Any, choice_fields: frozenset[str]) -> list[str]:
    """The text of records (merge views): their strings, without the keys and the fixed choices,
    which are the schema's English (document_number, draft_for_comment), not the document's."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _what_records_say(item, choice_fields)]
    if isinstance(value, dict):
        return [
            text
            for key, item in value.items()
            if key not in choice_fields
            for text in _what_records_say(item, choice_fields)
        ]
    return []


def _spans(words: str, name: str) -> list[tuple[int, int]]:
    """Where ``name`` occurs in ``words`` as whole words (``words`` is padded with a space each side)."""
    spans = []
    at = words.find(f" {name} ")
    while at >= 0:
        spans.append((at + 1, at + 1 + len(name)))
        at = words.find(f" {name} ", at + 1)
    return spans


def merge_view(record: Extraction) -> dict[str, Any]:
    """What the merge call is shown of one part's record: everything but the requirements, which
    software merges; of those it sees the high-priority ones as one English line each (what a
    summary must mention) and how many others there are. A law's requirements run to tens of
    thousands of tokens: sending them all would cost more than the text the merge must not re-send."""
    view = record.model_dump(mode="json", exclude={"requirements"})
    view["requirements_high_priority"] = [
        {"kind": r.kind, "text_en": r.text_en} for r in record.requirements if r.priority == "high"
    ]
    view["requirements_other"] = sum(1 for r in record.requirements if r.priority != "high")
    return view


class Prompts:
    """The prompts of one ``prompts/`` folder (default: the one briefs ships)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or resources.prompts_dir()
        self._versions: dict[str, str] = {}
        self._systems: dict[str, str] = {}
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.directory),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # chat messages, not HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @cached_property
    def glossary(self) -> list[Term]:
        return read_glossary(self.directory / GLOSSARY_FILE)

    def terms_in(self, text: str) -> list[Term]:
        """The glossary's terms that occur in ``text`` (Traditional read as Simplified), or whose locked
        English it uses (an English page), in glossary order: what a request tells the model to write
        with the locked terms, in both languages."""
        pairs = [(term.zh, term.en) for term in self.glossary]
        in_chinese = {zh for zh, _ in glossary_terms_in(text, pairs)}
        named = self._named_in_english(text, in_chinese)
        return [term for term in self.glossary if term.zh in in_chinese or term.zh in named]

    @cached_property
    def _english_names(self) -> list[tuple[Term, str]]:
        """(term, one of its English names as compared), longest name first, then glossary order."""
        names = [(term, _one_spelling(form)) for term in self.glossary for form in locked_forms(term.en) if form]
        return sorted(names, key=lambda name: -len(name[1]))

    def _named_in_english(self, text: str, in_chinese: set[str]) -> set[str]:
        """The terms found only through their English names. Each place a name occurs belongs to one
        term, as in Chinese (药品上市许可持有人 is not also 药品): the longest name there, and of
        terms sharing a name (NMPA: 国家药品监督管理局, 国家药监局, 国家局) the one the text writes
        in Chinese, else the first in glossary order, the full name; so an English page's `zh`
        fields get one Chinese term per name, never 国家局 or 持有人. Kinds of document (group
        ``form``) are not found this way: English "Provisions" may be 办法 or 规定, "regulation" 条例,
        法规 or 监管, and a document keeps its own Chinese name."""
        words = f" {_one_spelling(english_stem(text))} "
        candidates = [
            (term, form)
            for term, form in self._english_names
            if f" {form} " in words and (term.zh in in_chinese or term.group != DOCUMENT_FORM)
        ]
        candidates.sort(key=lambda name: (-len(name[1]), name[0].zh not in in_chinese))  # stable: glossary order
        taken: list[tuple[int, int]] = []
        named: set[str] = set()
        for term, form in candidates:
            free = [span for span in _spans(words, form) if not any(a < span[1] and span[0] < b for a, b in taken)]
            if free:
                taken.extend(free)
                named.add(term.zh)
        return named - in_chinese

    @cached_property
    def fields(self) -> list[FieldGuide]:
        return field_guide(Extraction)

    @cached_property
    def _choice_fields(self) -> frozenset[str]:
        """Names of the fields whose values are the schema's fixed choices (doc_type, product_scope ...)."""
        return frozenset(
            guide.path.rsplit(".", 1)[-1].removesuffix("[]") for guide in self.fields if "one of:" in guide.kind
        )

    def version(self, name: str) -> str:
        """``<name>-<12 hex>``: hash of the prompt's templates, the glossary and the schema (read
        once per instance: every chunk's request asks for it)."""
        if name not in self._versions:
            self._versions[name] = self._version(name)
        return self._versions[name]

    def _version(self, name: str) -> str:
        templates, schema = PROMPTS[name]
        digest = hashlib.sha256()
        for template in templates:
            digest.update(self._source(template).encode("utf-8"))
        digest.update((self.directory / GLOSSARY_FILE).read_bytes())
        digest.update(json.dumps(schema.model_json_schema(), sort_keys=True, ensure_ascii=False).encode("utf-8"))
        return f"{name}-{digest.hexdigest()[:12]}"

    def template(self, name: str) -> jinja2.Template:
        """A template of ``prompts/`` from the one environment every prompt is rendered in."""
        try:
            return self._env.get_template(name)
        except jinja2.TemplateNotFound:
            raise ConfigError(f"{self.directory / name}: prompt template not found") from None
        except jinja2.TemplateError as error:
            raise ConfigError(f"{self.directory / name}: {error}") from None

    def system_message(self, name: str) -> str:
        """The static part of a prompt: identical bytes for every call, rendered once per instance
        (every request of a run shares the one string: a week of chunks holds no copies of it)."""
        if name not in self._systems:
            self._systems[name] = self._render(f"{name}_system.j2", fields=self.fields)
        return self._systems[name]

    def extract_messages(self, document: Document, chunk: Chunk) -> list[dict[str, str]]:
        metadata = {
            "title": document.title or "",
            "date": document.date.isoformat() if document.date else "",
            "source": document.source or "",
            "url": document.url or "",
        }
        user = self._render(
            f"{EXTRACT}_user.j2",
            marker=data_marker(chunk.text, *metadata.values()),  # over all the data: none can forge it
            part=chunk.index + 1,
            parts=len(document.chunks) or 1,
            text=chunk.text,
            terms=self.terms_in(f"{metadata['title']}\n{chunk.text}"),
            **metadata,
        )
        return [{"role": "system", "content": self.system_message(EXTRACT)}, {"role": "user", "content": user}]

    def merge_messages(self, records: list[Extraction]) -> list[dict[str, str]]:
        """The merge sees each part's record without the verbatim quotes: requirements, dates and
        figures are merged by software (briefs.extract), so the model only needs what it writes
        anew (titles, classification, summaries, key points, relevance) and one line per requirement."""
        views = [merge_view(record) for record in records]
        records_json = json.dumps(
            [{"part": number, "record": view} for number, view in enumerate(views, 1)],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        user = self._render(
            f"{MERGE}_user.j2",
            marker=data_marker(records_json),
            parts=len(records),
            records=records_json,
            terms=self.terms_in("\n".join(_what_records_say(views, self._choice_fields))),
        )
        return [{"role": "system", "content": self.system_message(MERGE)}, {"role": "user", "content": user}]

    def _source(self, template: str) -> str:
        try:
            return (self.directory / template).read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"{self.directory / template}: cannot read prompt template ({error})") from None

    def _render(self, template: str, **values: Any) -> str:
        try:
            return self._env.get_template(template).render(**values).strip() + "\n"
        except jinja2.TemplateNotFound:
            raise ConfigError(f"{self.directory / template}: prompt template not found") from None
        except jinja2.TemplateError as error:
            raise ConfigError(f"{self.directory / template}: {error}") from None
