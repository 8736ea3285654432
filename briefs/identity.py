"""One identity for a document across copies and weeks: its normalised 文号, else its normalised title.

These are comparison keys only, never stored text shown to a reader: the 文号 国药监药管〔2022〕5号,
国药监药管[2022]5号, 国药监药管（2022）5号 and 國藥監藥管〔2022〕5號 all have one key, so a provincial
repost joins the NMPA original whichever brackets, width or script it was typed in.

Stems link a final rule to its draft for comment: the 文号 or the title with 征求意见稿 / 草案 / 送审稿
and the wrapping 关于公开征求《…》意见的通知 taken away.
"""

from __future__ import annotations

import re

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
