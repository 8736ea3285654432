"""One identity for a document across copies and weeks: its normalised 文号, else its normalised title.

These are comparison keys only, never stored text shown to a reader: the 文号 国药监药管〔2022〕5号,
国药监药管[2022]5号, 国药监药管（2022）5号 and 國藥監藥管〔2022〕5號 all have one key, so a provincial
repost joins the NMPA original whichever brackets, width or script it was typed in.

Stems link a final rule to its draft for comment: the 文号 or the title with 征求意见稿 / 草案 / 送审稿
and the wrapping 关于公开征求《…》意见的通知 taken away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from briefs.models import Check, Digest, Document, SourceRef
from briefs.zhtext import simplified_key

# Every bracket a 文号's year is written in, folded to one pair (after width folding: ［ is [ by then).
_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "【": "[", "】": "]", "(": "[", ")": "]", "〖": "[", "〗": "]"})
_DRAFT_WORDS = re.compile(r"[\[(（〔【]?(?:征求意见稿|草案|送审稿|修订草案|意见稿)[\])）〕】]?")
_NOT_WORD = re.compile(r"[^\w]+")
_QUOTED_TITLE = re.compile(r"《([^》]+)》")
_TITLE_WRAPPERS = re.compile(r"^(?:关于)?(?:转发|印发|发布|公开征求|征求)?|(?:的)?(?:通知|公告|通告|意见)$")
_PARENTHETICAL = re.compile(r"[(（\[〔【][^)）\]〕】]*[)）\]〕】]")


def _folded(text: str) -> str:
    """Simplified, half width, no whitespace: the common base of every key."""
    return simplified_key(text)


def number_key(number: str | None) -> str | None:
    """The normalised 文号: brackets, width and script folded; None when there is none."""
    if not number or not number.strip():
        return None
    key = _folded(number).translate(_BRACKETS)
    return key or None


def number_stem(number: str | None) -> str | None:
    """The 文号 of a draft and of its final rule: the key without a draft marker."""
    key = number_key(number)
    if key is None:
        return None
    stem = _DRAFT_WORDS.sub("", key).translate(_BRACKETS)
    return stem or None


def title_key(title: str | None) -> str | None:
    """The normalised title: folded, punctuation gone, a 转发/关于 wrapper and a trailing 的通知 dropped."""
    if not title:
        return None
    key = _NOT_WORD.sub("", _folded(title))
    key = re.sub(r"^(?:关于)?转发", "", key)
    key = re.sub(r"的(?:通知|公告|通告)$", "", key)
    return key or None


def title_stem(title: str | None) -> str | None:
    """The title a draft for comment and its final rule share: the quoted 《title》 when there is one,
    without 征求意见稿 and the like, and without the wrapper (关于公开征求…意见的通知)."""
    if not title:
        return None
    folded = _folded(title)
    quoted = _QUOTED_TITLE.search(folded)
    core = quoted.group(1) if quoted else folded
    core = _DRAFT_WORDS.sub("", core)
    if not quoted:
        core = _TITLE_WRAPPERS.sub("", core)
    key = _NOT_WORD.sub("", core)
    return key if len(key) >= 4 else None  # a stem of two or three characters would join unrelated documents


def campaign_key(name: str) -> str:
    """A campaign's name as a key: folded, a parenthetical such as （省级落实） and 全国/深入开展 dropped."""
    key = _PARENTHETICAL.sub("", _folded(name))
    key = re.sub(r"^(?:深入开展|开展|全国)+", "", key)
    return _NOT_WORD.sub("", key)


def same_campaign(a: str, b: str) -> bool:
    """Two campaign keys name one campaign when equal, or when one holds the other (at least 4 characters)."""
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 4 and shorter in longer


# --- one identity within a week: copies of one 文号 are one document ----------------------------------

DRAFT = "draft_for_comment"
# The extraction's lists a copy can add to: each item is compared by what it states, so the same
# requirement (or date, or figure) read from two copies is kept once.
_ITEM_LISTS: dict[str, Callable[[Any], tuple]] = {
    "requirements": lambda r: (simplified_key(r.source_sentence),),
    "dates": lambda d: (d.date, d.kind),
    "figures": lambda f: (f.value, simplified_key(f.source_phrase)),
}


def verified_number_key(digest: Digest) -> str | None:
    """The digest's normalised 文号 when the model gave one and it was found in the page; else None
    (a 文号 the verifier could not find must not join documents)."""
    extraction = digest.extraction
    if extraction is None or not extraction.document_number:
        return None
    checks = [c for c in digest.checks if c.kind == "document_number"]
    if not checks or not all(c.ok for c in checks):
        return None
    return number_key(extraction.document_number)


def merge_same_number(digests: list[Digest]) -> list[Digest]:
    """The week's digests with every group sharing a verified 文号 and a content kind (a draft for
    comment is never merged with its final rule) made one: the earliest copy (by date, then path: the
    briefing's order) stays and lists every copy's source, as the reading-time duplicate merge does,
    and gains each requirement, date and figure that only another copy states, with that copy's
    verification. Other digests pass through unchanged, in their order."""
    groups: dict[tuple[str, bool], list[Digest]] = {}
    for digest in digests:
        if key := verified_number_key(digest):
            assert digest.extraction is not None
            groups.setdefault((key, digest.extraction.doc_type == DRAFT), []).append(digest)
    merged: dict[int, Digest] = {}
    dropped: set[int] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        keeper, *others = sorted(group, key=_briefing_order)
        merged[id(keeper)] = _merged(keeper, others)
        dropped.update(id(other) for other in others)
    return [merged.get(id(d), d) for d in digests if id(d) not in dropped]


def _briefing_order(digest: Digest) -> tuple:
    document = digest.document
    return (document.date is None, document.date, document.path)


def copies_of(document: Document) -> list[SourceRef]:
    """Every source a document was found at (itself when the reader merged no duplicate into it)."""
    own = SourceRef(path=document.path, source=document.source, url=document.url, title=document.title)
    return document.copies or [own]


def _merged(keeper: Digest, others: list[Digest]) -> Digest:
    assert keeper.extraction is not None
    copies = {copy.path: copy for digest in (keeper, *others) for copy in copies_of(digest.document)}
    lists = {name: list(getattr(keeper.extraction, name)) for name in _ITEM_LISTS}
    checks = list(keeper.checks)
    for other in others:
        assert other.extraction is not None
        for name, identity in _ITEM_LISTS.items():
            known = {identity(item) for item in lists[name]}
            for index, item in enumerate(getattr(other.extraction, name)):
                if identity(item) in known:
                    continue
                known.add(identity(item))
                checks += _moved_checks(other.checks, f"{name}[{index}]", f"{name}[{len(lists[name])}]")
                lists[name].append(item)
        # what was flagged about the copy itself (text addressed to the model, a title not found) stays
        # visible, named by the copy
        checks += [
            c.model_copy(update={"target": f"{other.document.path}: {c.target}"})
            for c in other.checks
            if not c.ok and not c.target.startswith(tuple(f"{name}[" for name in _ITEM_LISTS))
        ]
    status = "flagged" if any(not c.ok for c in checks) else keeper.status
    return keeper.model_copy(
        update={
            "document": keeper.document.model_copy(update={"copies": list(copies.values())}),
            "extraction": keeper.extraction.model_copy(update=lists),
            "checks": checks,
            "status": status,
        }
    )


def _moved_checks(checks: list[Check], old: str, new: str) -> list[Check]:
    """A copy's checks of one item, re-targeted at the item's place in the merged extraction."""
    return [c.model_copy(update={"target": new + c.target[len(old) :]}) for c in checks if c.target.startswith(old)]
