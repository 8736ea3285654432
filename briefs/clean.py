"""Page furniture out, article body in: decoded text → the body, plus the lines around it.

Scraped regulator pages arrive mostly as de-tagged text with the site chrome still on, sometimes as
HTML or Markdown with inline HTML. Both go through the same Chinese line heuristics:

* HTML first loses ``nav/header/footer/aside/script/...`` and anything whose class or id says
  share, comment, related, breadcrumb, sidebar ... (selectolax), then becomes lines;
* the body starts at the first paragraph-like line (Han text with sentence punctuation);
* it stops at a stop marker (相关文章, 上一篇, 分享文章到, 点赞, Copyright, ICP备 ...) once started;
* furniture lines inside (image file names, view counters, font-size widgets) are dropped, and
  lines after the last paragraph-like line (attributions, links) move to ``trailer``.

The body keeps the document's own characters: lines are only stripped of surrounding blanks and
joined with blank lines between paragraphs; nothing is converted or punctuation-folded.
Lines above the body (``header``) and just below it (``trailer``) go to metadata; what lies past a
stop marker (sidebars, related lists) goes nowhere, so it can never date or title the document.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Eight Han characters anywhere in a line: one search, no list of every character (much faster than findall).
_EIGHT_HAN = re.compile(
    r"(?:[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*){7}"
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
_TERMINATOR = re.compile(r"[。！？；!?]|[.](?:\s|$)")
_WORD = re.compile(r"[A-Za-z]{2,}")

# Lines that end the article once its body has started.
_STOP = re.compile(
    r"^[【\[]?\s*(?:相关(?:文章|阅读|新闻|链接|推荐|报道|稿件)|更多相关|推荐阅读|延伸阅读|热点推荐|猜你喜欢|"
    r"上一篇|下一篇|上一条|下一条|分享文章到|分享到|点赞|网友评论|发表评论|暂时没有评论|责任编辑|"
    r"返回顶部|打印本页|关闭本页|关闭窗口|扫一扫|主办单位)"
)
# Site footers: they end the article even when they look like prose (a mangled © reads as "?").
# Split into an anchored and a floating part: one search over a mixed alternation tries every branch at
# every position of every line, which made these checks a large share of reading time.
_FOOTER_START = re.compile(r"(?:Copyright|©|版权所有)", re.IGNORECASE)  # used with .match
_FOOTER_ANYWHERE = re.compile(r"ICP[备備证證]|公网安备|公網安備", re.IGNORECASE)
# Furniture that can sit anywhere; dropped wherever it is.
# (anchored part used with .match, the rest searched anywhere in the line)
_FURNITURE_START = re.compile(
    r"\S+\.(?:jpe?g|png|gif|bmp|webp|svg)$|(?:当前位置|您的位置|您现在的位置|所在位置)[:：]|首页\s*[>＞›»]|"
    r"(?:打印|关闭|收藏|分享|举报|打赏)$|(?:点赞|收藏|评论|分享|举报|打赏)\s*\d*$|附件[:：]?$|技术支持|联系我们"
)
_FURNITURE_ANYWHERE = re.compile(r"浏览次数|阅读次数|点击数|阅读量|【字体|字号[:：]|【大\s*中\s*小】|返回首页|分享好友")
_SYMBOLS_ONLY = re.compile(r"^[\W_]*$")
# Label lines that belong to metadata even when they sit between paragraphs.
_META_LABEL = re.compile(r"^[（(]?\s*(?:文章)?(?:来源|來源|作者|编辑|记者|发布时间|发布日期|原文链接|信息来源)\s*[:：]")
# A header line carrying a date or a label is metadata even when widgets are glued to it.
_CARRIES_META = re.compile(r"(?:发布|發布|来源|來源|时间|時間|日期)\s*[:：]|\d{4}\s*[-/.年]\s*\d{1,2}")

# HTML: elements that are never the article, and class/id words that mark page chrome.
_DROP_TAGS = "script, style, noscript, nav, aside, form, iframe, svg, button, select, template, footer"
_CHROME = re.compile(
    r"share|comment|related|breadcrumb|crumb|sidebar|side-bar|footer|\bnav|menu|toolbar|social|recommend|"
    r"advert|\bads?\b|copyright|qrcode|pager|pagination|print|bdshare|jiathis|weixin",
    re.IGNORECASE,
)
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|main|blockquote|pre|dt|dd|dl|"
    r"figure|figcaption|hr|title|center)\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(
    r"<!--.*?-->|<\s*/?\s*(?:a|span|font|strong|b|i|em|u|sub|sup|img|td|th|tbody|thead|small|big|label|"
    r"section|article|main|p|div|br|li|ul|ol|h[1-6]|tr|table|blockquote|pre|center|style|script)\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_AUTOLINK = re.compile(r"^<(https?://[^>\s]+)>$")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_STRIP = " \t\r\f\v\u00a0\u2002\u2003\u3000\ufeff"


@dataclass(frozen=True)
class Cleaned:
    body: str
    header: list[str]  # lines above the body, in order (furniture removed)
    trailer: list[str]  # lines between the body and the first stop marker, plus in-body label lines
    hints: dict[str, str] = field(default_factory=dict)  # html <title>, h1, meta tags, links found


def clean(text: str, fmt: str) -> Cleaned:
    """The body and its surroundings; ``fmt`` is 'text', 'markdown' or 'html'."""
    hints: dict[str, str] = {}
    if fmt == "html":
        text = html_to_text(text, hints)
    elif _ANY_TAG.search(text):
        text = _tags_to_lines(text)
    lines = _prepare_lines(text, hints, markdown=fmt != "html")
    return _split(lines, hints)


def html_to_text(markup: str, hints: dict[str, str]) -> str:
    """Text of an HTML page without its chrome; what metadata needs is put in ``hints`` first."""
    tree = LexborHTMLParser(markup)
    _collect_html_hints(tree, hints)
    for node in tree.css(_DROP_TAGS):
        node.decompose()
    for node in tree.css("header"):
        if not _inside(node, ("article", "main")):  # an article's own header holds its title and date
            node.decompose()
    for node in tree.css("[class], [id]"):
        marker = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if _CHROME.search(marker) and node.tag not in ("html", "body", "article", "main"):
            node.decompose()
    root = _main_node(tree)
    return _tags_to_lines(root.html or "", every_tag=True) if root is not None else ""


def _inside(node, tags: tuple[str, ...]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _main_node(tree: LexborHTMLParser):
    for selector in ("article", "main", "[role=main]"):
        found = tree.css(selector)
        if found:
            return max(found, key=lambda node: len(node.text(strip=True)))
    return tree.body or tree.root


def _collect_html_hints(tree: LexborHTMLParser, hints: dict[str, str]) -> None:
    def meta(*names: str) -> str | None:
        for name in names:
            for attribute in ("name", "property", "itemprop", "http-equiv"):
                node = tree.css_first(f'meta[{attribute}="{name}" i]')
                if node is not None and (content := (node.attributes.get("content") or "").strip()):
                    return content
        return None

    found = {
        "html_title": (tree.css_first("title").text(strip=True) if tree.css_first("title") else None),
        "h1": (tree.css_first("h1").text(strip=True) if tree.css_first("h1") else None),
        "og_title": meta("og:title", "ArticleTitle", "title"),
        "published": meta("article:published_time", "PubDate", "publishdate", "pubdate", "datePublished", "date"),
        "source": meta("ContentSource", "source", "og:site_name"),
        "url": meta("og:url"),
    }
    canonical = tree.css_first('link[rel="canonical"]')
    if canonical is not None and canonical.attributes.get("href"):
        found["url"] = canonical.attributes["href"]
    time_node = tree.css_first("time[datetime]")
    if time_node is not None and not found["published"]:
        found["published"] = time_node.attributes.get("datetime")
    hints.update({key: value for key, value in found.items() if value})


_EVERY_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def _tags_to_lines(markup: str, every_tag: bool = False) -> str:
    """Block tags become line breaks, other tags vanish, entities are decoded. In real HTML a literal
    '<' is escaped, so every tag can go; in Markdown or text only known HTML tag names are removed."""
    text = _BLOCK_TAG.sub("\n", markup)
    text = (_EVERY_TAG if every_tag else _ANY_TAG).sub("", text)
    return html.unescape(text)


def _prepare_lines(text: str, hints: dict[str, str], markdown: bool) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip(_STRIP)
        if markdown:
            if autolink := _AUTOLINK.match(line):
                hints.setdefault("url", autolink.group(1))
                continue
            if line.startswith("<!--") and line.endswith("-->"):
                continue
            if _MD_HEADING.match(line):
                line = _MD_HEADING.sub("", line)
                if raw.startswith("# "):
                    hints.setdefault("h1", line)
            if "](" in line:  # both Markdown patterns need it; most lines have none
                line = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", line)).strip(_STRIP)
        if line:
            lines.append(line)
    return lines


def is_paragraph(line: str) -> bool:
    """Article prose: enough Han characters (or English words) and sentence punctuation."""
    if not _TERMINATOR.search(line):
        return False
    return _EIGHT_HAN.search(line) is not None or len(_WORD.findall(line)) >= 8


def _is_salutation(line: str) -> bool:
    if re.search(r"(?:摘\s*要|导读|導讀|提要|内容简介)\s*[:：]$", line):  # glue after a headline, not addressees
        return False
    return line.endswith(("：", ":")) and len(HAN.findall(line)) >= 6 and not _CARRIES_META.search(line)


def is_furniture(line: str) -> bool:
    return bool(_SYMBOLS_ONLY.match(line) or _FURNITURE_START.match(line) or _FURNITURE_ANYWHERE.search(line))


def is_stop(line: str) -> bool:
    if _FOOTER_START.match(line) or _FOOTER_ANYWHERE.search(line):
        return True
    return bool(_STOP.match(line)) and not is_paragraph(line)


def _split(lines: list[str], hints: dict[str, str]) -> Cleaned:
    start = next((i for i, line in enumerate(lines) if is_paragraph(line)), None)
    if start and _is_salutation(lines[start - 1]):
        start -= 1  # a notice opens with its addressees: "各省、自治区、直辖市药品监督管理局："
    if start is None:  # no prose at all (a short notice): keep every non-furniture line but the first
        kept = [line for line in lines if not is_furniture(line) and not is_stop(line)]
        return Cleaned(body="\n\n".join(kept[1:] or kept), header=kept[:1], trailer=[], hints=hints)
    header = [line for line in lines[:start] if _CARRIES_META.search(line) or not is_furniture(line)]
    region: list[str] = []
    for line in lines[start:]:
        if is_stop(line):
            break
        region.append(line)
    # the last paragraph-like line, scanning back; none when the only prose was a footer ("版权所有 … 。")
    last = next((i for i in range(len(region) - 1, -1, -1) if is_paragraph(region[i])), None)
    if last is None:
        return Cleaned(body="", header=header, trailer=[], hints=hints)  # the reader reports "no article text"
    body: list[str] = []
    trailer: list[str] = []
    seen: set[str] = set()
    for line in region[: last + 1]:
        if _META_LABEL.match(line) and not is_paragraph(line):
            trailer.append(line)
            continue
        if is_furniture(line):
            continue
        if len(line) >= 30 and line in seen:  # a scraper's repeated block, not a second paragraph
            continue
        seen.add(line)
        body.append(line)
    trailer.extend(line for line in region[last + 1 :] if not is_furniture(line))
    return Cleaned(body="\n\n".join(body), header=header, trailer=trailer, hints=hints)
