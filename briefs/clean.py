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
import itertools
import json
import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from briefs.zhtext import HAN, HAN_CLASS, han_count

# Eight Han characters anywhere in a line: one search, no list of every character (much faster than findall).
_EIGHT_HAN = re.compile(rf"(?:[{HAN_CLASS}][^{HAN_CLASS}]*){{7}}[{HAN_CLASS}]")
_TERMINATOR = re.compile(r"[。！？；!?]|[.](?:\s|$)")
_WORD = re.compile(r"[A-Za-z]{2,}")

# Lines that end the article once its body has started.
_STOP = re.compile(
    r"^[【\[]?\s*(?:相[关關](?:文章|阅读|閱讀|新闻|新聞|链接|鏈接|連結|推荐|推薦|报道|報道|稿件|信息|资讯|資訊|附件)|"
    r"更多(?:相关|新闻|新聞|资讯|資訊|文章|阅读|閱讀)|推荐阅读|推薦閱讀|延伸阅读|延伸閱讀|热点推荐|熱點推薦|猜你喜欢|"
    r"热门(?:推荐|文章|新闻)|最新(?:文章|新闻|新聞|资讯)|往期(?:推荐|回顾)|"
    r"上一篇|下一篇|上一[条則则]|下一[条則则]|上\s*/\s*下一篇|分享文章到|分享到|点赞|點贊|點讚|网友评论|網友評論|发表评论|"
    r"發表評論|暂时没有评论|责任编辑|責任編輯|返回顶部|返回頂部|打印本页|关闭本页|关闭窗口|扫一扫|主办单位|其他報道|"
    r"(?:Latest|Related|More|Recent|Top|Trending)\s+(?:news|articles|stories|posts|reads)\b|You (?:may|might) also like|"
    r"Read (?:more|next)\b|Recommended\b|Most (?:popular|read)\b|Comments?\s*\(?\d*\)?$|Leave a (?:comment|reply)|"
    r"Chat with us|Live chat|"
    # a feedback form under the article (此頁面有問題嗎? / Was this page helpful?)
    r"此[頁页]面?有[問问][題题]|本[頁页]面?(?:[資资]訊|信息)?[對对](?:你|您)有(?:幫助|帮助)|[頁页]面(?:是否)?有(?:幫助|帮助)|"
    r"意[見见][反回][饋馈]|我要[纠糾][错錯]|Was this (?:page|article|information) helpful|Did you find this (?:page|article) helpful|"
    r"Is (?:there|something) wrong with this page|Report an? (?:problem|issue|error) (?:with|on) this page)",
    re.IGNORECASE,
)
# The article's end marker (完, -End-): what follows is the signature date at most, then the site.
_END_MARK = re.compile(r"^[（(\-—－\s]*(?:完|END|End|全文完)[）)\-—－\s]*$")
_ENDS_DATED = re.compile(r"^Ends\s*/\s*\S", re.IGNORECASE)
# A "more" list's heading (1. 更多, 更多某某報報導), an original-article button (【看原文連結】) and a
# members' comment box: the article has ended.
# (A whole-line part used with .match, and a sign-in prompt searched for only in a line that holds
# "please": a case-blind search over every line was the costliest check of reading.)
_STOP_MORE = re.compile(
    r"(?:\d{1,2}[.)、]\s*)?更多$|更多\S{0,12}(?:報導|报道|新聞|新闻|文章|消息)$|"
    r"[【\[]\s*(?:看|閱讀|阅读|查看)?原文(?:連結|链接|鏈接)?\s*[】\]]$|"
    r"(?:Member|Reader|User|Visitor)s?['’]?\s+Comments?$",
    re.IGNORECASE,
)
_SIGN_IN_TO_COMMENT = re.compile(r"Please (?:log\s?in|sign in|register) to (?:add|post|leave|view)", re.IGNORECASE)
# A relative time on a line of its own (12分鐘前, 3 hours ago): a news list's item, never the article.
_RELATIVE_TIME = re.compile(
    r"^\d{1,3}\s*(?:秒|分鐘|分钟|小時|小时|天|日|周|週|個月|个月)前$|^\d{1,3}\s+(?:seconds?|minutes?|mins?|hours?|days?)\s+ago$",
    re.IGNORECASE,
)
# A gazette's link to a related act (第4/2023號法律 - 動物診療…) and its note that the act was
# amended or republished (本法規的內容已被第27/2024號法律重新公佈): the page's index, not the act's text.
_ACT_LINK = re.compile(
    r"^[•·*\s]*第\s*\d+/\d+(?:/[A-Z])?\s*[號号]\S{0,10}\s+[-–—]\s+\S|"
    r"^本(?:法規|法规|法律|法令|條例|条例|規章|规章)的?(?:內容|内容)?已被.{1,30}(?:修改|修訂|修订|廢止|废止|取代|重新公佈|重新公布)$"
)
# Reaction and counter widgets (反对 0, 收藏 0, 评论 3): below an article they end it.
_REACTIONS = re.compile(
    r"^(?:\d*(?:点赞|點贊|點讚|赞|讚|反对|反對|举报|舉報|收藏|打赏|打賞|评论|評論|转发|轉發|在看|喜欢|喜歡|留言)\s*[(（]?\d*[)）]?\s*){1,4}$"
)
# Disclaimers and copyright notices are prose, but never the article: they end it wherever they are.
# (The opening part used with .match; the "not without permission" part searched for only in a line
# that holds 未经/未經.)
_DISCLAIMER = re.compile(
    r"[【\[(（]?\s*(?:版权声明|版權聲明|免责声明|免責聲明|凡(?:本[网網站]|注明)|本[网網站](?:声明|聲明)|"
    r"(?:声明|聲明)\s*[:：]\s*(?:转载|轉載|本文|本站|本网|本網|文章)|转载此文|轉載此文|"
    r"转载请注明|轉載請註明|本文(?:仅代表|僅代表|系转载|來源於))"
)
_NO_REPRINTS = re.compile(
    r"未经.{0,12}(?:授权|许可).{0,12}不得(?:转载|复制|使用)|未經.{0,12}(?:授權|許可).{0,12}不得(?:轉載|複製|使用)"
)
# Site footers: they end the article even when they look like prose (a mangled © reads as "?").
# Split into an anchored and a floating part: one search over a mixed alternation tries every branch at
# every position of every line, which made these checks a large share of reading time.
_FOOTER_START = re.compile(r"(?:Copyright|©|版权所有)", re.IGNORECASE)  # used with .match
_FOOTER_ANYWHERE = re.compile(r"ICP[备備证證]|公网安备|公網安備", re.IGNORECASE)
# Every footer mark above holds one of 备備证證 (which have no case): the case-blind search runs only in
# a line holding one, found by four substring tests, far cheaper than a regex search over every line.
# Furniture that can sit anywhere; dropped wherever it is.
# (anchored part used with .match, the rest searched anywhere in the line)
_FURNITURE_START = re.compile(
    r"(?:当前位置|您的位置|您现在的位置|所在位置)[:：]|首页\s*[>＞›»]|"
    r"(?:打印|关闭|收藏|分享|举报|打赏)$|(?:点赞|收藏|评论|分享|举报|打赏)\s*\d*$|附件[:：]?$|技术支持|联系我们"
)
# An image's file name as the whole line (photo.jpg).
_IMAGE_FILE = re.compile(r"\S+\.(?:jpe?g|png|gif|bmp|webp|svg)$")
# (Han and punctuation have no case: only the skip link's part is matched case-blind, and only at
# the start of the line; a case-blind search over every line was one of the costliest checks.)
_FURNITURE_ANYWHERE = re.compile(
    r"浏览次数|瀏覽次數|阅读次数|閱讀次數|点击数|點擊數|阅读量|閱讀量|【字体|字号[:：]|【大\s*中\s*小】|返回首页|分享好友|"
    r"返回手机版|返回手機版|请输入关键字|請輸入關鍵字|寄给朋友|寄給朋友|【纠错】|【糾錯】|:::$"
)
_SKIP_LINK = re.compile(
    r"Skip to (?:main )?content|跳[到至]主要?[內内]容|按\s*Enter\s*到主[內内]容[區区]",
    re.IGNORECASE,
)
# Editor, reviewer and reporter credits: a short line that names who edited, checked or reported it.
_CREDITS = re.compile(
    r"^[【\[(（]?\s*(?:责任编辑|責任編輯|编辑|編輯|责编|責編|审核|審核|审校|審校|终审|終審|初审|初審|二审|三审|校对|校對|"
    r"美编|美編|排版|监制|監製|供稿|策划|策劃|文字|图片|圖片|摄影|攝影|视频|視頻|"
    r"关键词|關鍵詞|關鍵字|标签|標籤|Tags?|Keywords?|Editor|Edited by|Reporter|Writer|Translator)\s*[:：|]|"
    r"^[(（][^()（）]{0,24}(?:记者|記者|通讯员|通訊員|编辑|編輯)[^()（）]{0,24}[)）]\s*(?:[【\[][^】\]]{0,30}[】\]])?$"
)
# Photo captions: short lines that end by naming a picture (…圖片, …截圖, 新华社记者 张三 摄, Photo: …).
_CAPTION = re.compile(
    r"(?:图片|圖片|截图|截圖|资料图|資料圖|供图|供圖|照片|摄|攝|（图）|\(图\)|（圖）|\(圖\))\s*$|^(?:Photo|Image|Picture)s?\b\s*(?:[:：/]|by\b)",
    re.IGNORECASE,
)
# English page widgets on a line of their own.
_EN_WIDGETS = re.compile(
    r"^(?:Share(?:\s*[-–|:].{0,20})?|Print|Email|E-mail|Tweet|Like|Follow us.*|Subscribe.*|Sign in.*|Log in.*|Login|Register|"
    r"Advertisement|Chat with us|Back to top|Home|Menu|Search)$",
    re.IGNORECASE,
)
# Inline widget labels glued to the end of a paragraph, and feed markup left in the text.
_INLINE_WIDGET = re.compile(
    r"\s*[\[【]\s*(?:Read More|阅读全文|閱讀全文|查看全文|展开全文|展開全文)\s*[\]】]\s*$|\]\]>|<!\[CDATA\[",
    re.IGNORECASE,
)
_SYMBOLS_ONLY = re.compile(r"^[\W_]*$")
# Page chrome that is not a sentence of the article wherever it sits: a gallery or enlarge button, an ad label, a related link glued to its headline
# (Related NewsM Stanley: …), a CMS template placeholder left unrendered ([ART_TITLE], {dede:…}).
_CHROME_LINE = re.compile(
    r"^(?:查看[圖图]庫|查看[图圖]库|(?:[点點][击擊])?查看(?:大[图圖]|原[图圖]|[圖图]集|[組组][圖图])|"
    r"View (?:gallery|photos?|more photos|larger image|slideshow)|Enlarge(?: image| photo)?|"
    r"(?:广告|廣告)(?:\s*(?:广告|廣告))*|赞助内容|贊助內容|Sponsored(?: content)?|"
    # an empty media slot and a download prompt (Image or Video; Click the download button for the PDF)
    r"(?:Image|Video|Photo)(?:\s+(?:or|and|/)\s+(?:Image|Video|Photo))?)$|"
    r"^(?:Click|Tap)\s+(?:on\s+)?(?:the\s+)?(?:download|here)\b[^.]{0,60}\b(?:PDF|download|report|file)\b|"
    r"^(?:Related|More|Latest|Recommended)\s+(?:News|Articles|Stories|Reads)(?=(?-i:[A-Z0-9“\"]))|"
    r"^\[[A-Z][A-Z0-9_]{2,}\]$|^\{(?:dede|\$|%|\{)[^}]*\}\}?$|^<%.*%>$",
    re.IGNORECASE,
)
# A subscribe/follow line naming a channel (訂閱本局Telegram頻道:…, Follow us on WeChat): short, so a
# sentence of the article that mentions a channel stays.
_SUBSCRIBE_LINE = re.compile(
    r"^(?:[訂订][閱阅]|[關关]注|追[蹤踪]|加入|Follow(?: us on)?|Subscribe to|Join us on)\s*\S{0,24}?"
    r"(?:Telegram|Facebook|WhatsApp|Instagram|YouTube|Twitter|LINE|WeChat|Weibo|微信|微博|公[众眾][号號]|[频頻]道|抖音|小[红紅][书書]|Signal)",
    re.IGNORECASE,
)
# A photo credit glued after a caption's last sentence (…受影響。聯合報系資料照): dropped from the line.
_GLUED_CREDIT = re.compile(
    r"(?<=[。！？!?])\s*[^\s。！？!?，,]{0,10}(?:[資资]料照片?|[資资]料[圖图]片?|[檔档]案照片?)$"
)
# A horizontal rule: two of them around a few short lines box a promotion, not the article.
_RULE = re.compile(r"^[-—–_=*~＿－·•]{5,}$")
# Label lines that belong to metadata even when they sit between paragraphs.
_META_LABEL = re.compile(
    r"^[（(]?\s*(?:文章)?(?:来源|來源|作者|编辑|編輯|记者|記者|发布时间|发布日期|原文链接|原文鏈接|原文地址|信息来源|资料来源|資料來源|"
    r"Source|Link|URL|Original)\s*[:：]",
    re.IGNORECASE,
)
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
        "html_title": (node.text(strip=True) if (node := tree.css_first("title")) else None),
        "h1": (node.text(strip=True) if (node := tree.css_first("h1")) else None),
        "og_title": meta("og:title", "ArticleTitle", "title"),
        "published": meta("article:published_time", "PubDate", "publishdate", "pubdate", "datePublished", "date"),
        "source": meta("ContentSource", "source", "og:site_name"),
        "url": meta("og:url"),
    }
    canonical = tree.css_first('link[rel="canonical"]')
    if canonical is not None and canonical.attributes.get("href"):
        found["url"] = canonical.attributes["href"]
    if not found["published"]:
        found["published"] = _json_ld(tree, "datePublished")
    time_node = tree.css_first("time[datetime]")
    if time_node is not None and not found["published"]:
        found["published"] = time_node.attributes.get("datetime")
    if not found["og_title"]:
        found["og_title"] = _json_ld(tree, "headline")
    hints.update({key: value for key, value in found.items() if value})


def _json_ld(tree: LexborHTMLParser, key: str) -> str | None:
    """A field of the page's schema.org JSON-LD (an Article's datePublished or headline)."""
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(strip=True) or "null")
        except ValueError:
            continue  # a broken block is the site's problem, not the reader's
        pending = [data]
        while pending:
            item = pending.pop(0)
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get(key), str) and item[key].strip():
                    return item[key].strip()
                pending.extend(value for value in item.values() if isinstance(value, (list, dict)))
    return None


_EVERY_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def _tags_to_lines(markup: str, every_tag: bool = False) -> str:
    """Block tags become line breaks, other tags vanish, entities are decoded. In real HTML a literal
    '<' is escaped, so every tag can go; in Markdown or text only known HTML tag names are removed."""
    text = _BLOCK_TAG.sub("\n", markup)
    text = (_EVERY_TAG if every_tag else _ANY_TAG).sub("", text)
    return html.unescape(text)


def _prepare_lines(text: str, hints: dict[str, str], markdown: bool) -> list[str]:
    # The marks the Markdown and widget rules need, looked for once in the whole text: most pages hold
    # none, and then no line can (a line is a piece of the text; nothing here adds a character to it).
    markdown = markdown and ("<" in text or "#" in text or "](" in text)
    widgets = "]]>" in text or "[" in text or "【" in text or "CDATA" in text
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip(_STRIP)
        if markdown:
            # both the autolink and the comment open with "<", a heading with "#": most lines open with neither
            opening = line[:1]
            if opening == "<" and (autolink := _AUTOLINK.match(line)):
                hints.setdefault("url", autolink.group(1))
                continue
            if opening == "<" and line.startswith("<!--") and line.endswith("-->"):
                continue
            if opening == "#" and _MD_HEADING.match(line):
                line = _MD_HEADING.sub("", line)
                if raw.startswith("# "):
                    hints.setdefault("h1", line)
            if "](" in line:  # both Markdown patterns need it; most lines have none
                line = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", line)).strip(_STRIP)
        if widgets and ("]]>" in line or "[" in line or "【" in line or "CDATA" in line):
            line = _INLINE_WIDGET.sub("", line).strip(_STRIP)
        if line.endswith(("照", "照片", "圖", "图", "圖片", "图片")):
            line = _GLUED_CREDIT.sub("", line)
        if line:
            lines.append(line)
    return _drop_boxed_promotions(lines)


def _drop_boxed_promotions(lines: list[str]) -> list[str]:
    """Lines between two horizontal rules, when they are few and short (an anniversary slogan, a
    campaign), go with the rules; a long passage between rules is kept (a section of the article)."""
    rules = [i for i, line in enumerate(lines) if _RULE.match(line)]
    dropped: set[int] = set()
    for first, second in itertools.pairwise(rules):
        boxed = lines[first + 1 : second]
        if 1 <= len(boxed) <= 4 and all(len(line) <= 30 for line in boxed):
            dropped.update(range(first, second + 1))
    return [line for i, line in enumerate(lines) if i not in dropped] if dropped else lines


_CLOSING = re.compile(r"^特此(?:通知|通告|公告|函告|函复|批复|報告|报告|公示|告知)[。.！!]?$")
_EN_SENTENCE_END = re.compile(r"[.!?;:\"”’)]$")


def is_paragraph(line: str) -> bool:
    """Article prose: enough Han characters (or English words) and sentence punctuation. An English
    line must end a sentence: a byline or a teaser list ("…, David G.…") holds a full stop but no end."""
    if line.endswith(("...", "…")):
        line = line.rstrip(".…")  # an ellipsis ends a truncated teaser, not a sentence
    if not _TERMINATOR.search(line):
        return bool(_CLOSING.match(line))
    if _EIGHT_HAN.search(line) is not None:
        return True
    if _CLOSING.match(line):
        return True
    words = len(_WORD.findall(line))
    # a long line cut off mid-sentence by the scraper is still prose
    return (words >= 8 and bool(_EN_SENTENCE_END.search(line))) or words >= 25


def _is_salutation(line: str) -> bool:
    if re.search(r"(?:摘\s*要|导读|導讀|提要|内容简介)\s*[:：]$|:::$", line):  # glue after a headline, not addressees
        return False
    return line.endswith(("：", ":")) and han_count(line) >= 6 and not _CARRIES_META.search(line)


def _one_of(*patterns: re.Pattern[str]) -> re.Pattern[str]:
    """The patterns as one alternation, each keeping its own flags: ``one_of(a, b).match(line)``
    succeeds exactly when ``a.match(line)`` or ``b.match(line)`` does, in one call instead of one per
    pattern (on most lines each pattern fails at the first character, and the calls cost more than
    the failures)."""
    if any(p.flags & ~(re.IGNORECASE | re.UNICODE) for p in patterns):
        raise ValueError("only case-blindness is carried into the alternation")
    return re.compile(
        "|".join(f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})" for p in patterns)
    )


# Furniture matched at the line's start (_CHROME_LINE opens every alternative with "^": a match is its
# search). _SUBSCRIBE_LINE and _CREDITS (also anchored) stay apart behind their length limits, and an
# image's file name behind its dot: "\S+" runs to the line's end and back before it fails.
_FURNITURE_AT_START = _one_of(
    _SYMBOLS_ONLY, _CHROME_LINE, _FURNITURE_START, _SKIP_LINK, _EN_WIDGETS, _RELATIVE_TIME, _ACT_LINK
)


def is_furniture(line: str) -> bool:
    return bool(
        _FURNITURE_AT_START.match(line)
        or _FURNITURE_ANYWHERE.search(line)
        or ("." in line and _IMAGE_FILE.match(line))
        or (len(line) <= 80 and _SUBSCRIBE_LINE.match(line))
        or (len(line) <= 60 and _CREDITS.match(line))
        or (len(line) <= 40 and not _TERMINATOR.search(line) and _CAPTION.search(line))
    )


# What ends the article when it opens the line: a footer, a disclaimer, reactions, a "more" list.
_STOP_AT_START = _one_of(_FOOTER_START, _DISCLAIMER, _REACTIONS, _STOP_MORE)


def is_stop(line: str) -> bool:
    return bool(
        _STOP_AT_START.match(line)
        or (("备" in line or "備" in line or "证" in line or "證" in line) and _FOOTER_ANYWHERE.search(line))
        or (("未经" in line or "未經" in line) and _NO_REPRINTS.search(line))
        # "Please" needs a p or P (no other character matches either case-blind), cheaper to look for
        # than a casefolded copy of every line is to make
        or (("p" in line or "P" in line) and "please" in line.casefold() and _SIGN_IN_TO_COMMENT.search(line))
        or (_STOP.match(line) and not is_paragraph(line))
    )


def _is_teaser(line: str) -> bool:
    """A truncated teaser of another article: it ends in an ellipsis mid-sentence."""
    return line.endswith(("...", "…", "..")) and not line.endswith(("。...", "。…"))


# A line that is only a date (a signature, a feed item's date): 2016年10月14日, 2023年10月4日 (星期三),
# Wed, 27 May 2020 00:00:00 GMT. Kept simple here; metadata reads the date itself.
_LONE_DATE = re.compile(
    r"^[•·\s]*(?:(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日"
    r"(?:\s*[(（]?(?:星期|週|周).[)）]?)?|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,\s+\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+(?:GMT|UTC|[+-]\d{4}))?)\s*$"
)
# A signature's issuer line: a short name of an office, just above the date line.
_ISSUER = re.compile(
    r"(?:局|厅|廳|委|委员会|委員會|署|部|政府|中心|院|办公室|辦公室|办公厅|辦公廳|司|所|站|会|會|处|處|科)$"
)
# A label glued to the first paragraph by spaces ("来源:国家药监局   一、所有…"): two lines.
_GLUED_LABEL = re.compile(
    r"^((?:文章)?(?:来源|來源|信息来源|作者|编辑|編輯)\s*[:：]\s*\S{1,30})[ \t\u3000\u00a0]{2,}(\S.*)$"
)
# Lines that leave a sentence open: it goes on in the next line (WeChat-style text breaks lines
# inside sentences; an English lead-in line ends "refer to").
_OPEN_END = re.compile(
    r"(?:[，,、；;（(《“\"]|[起的在和与與及对對于於将將从從自为為把被向即]|\b(?:to|of|the|a|an|and|or|in|on|for|by|with|that|as))$"
)
_LIST_ITEM = re.compile(r"^(?:[•·●▪◦*\-–]|\(?\d{1,2}[.)、])\s*\S")


def _separate_glued_labels(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if glued := _GLUED_LABEL.match(line):
            out += [glued[1], glued[2]]
        else:
            out.append(line)
    return out


def _body_start(lines: list[str]) -> int | None:
    # a metadata line with widgets glued on (日期:… 来源:… 浏览次数:) can look like prose; it never starts the body
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if is_paragraph(line) and not is_furniture(line) and not _headline_shaped(line)
        ),
        None,
    )
    if not start:
        return start
    if _is_salutation(lines[start - 1]):
        return start - 1  # a notice opens with its addressees: "各省、自治区、直辖市药品监督管理局："
    # a sentence that began on earlier lines, or a list led in by an open line, starts the body
    absorbed = 0
    while start > 0 and (
        _continues_into_body(lines[start - 1], lines[start]) or (absorbed >= 2 and _wrapped_piece(lines[start - 1]))
    ):
        start -= 1
        absorbed += 1
    if absorbed and start > 0 and _LIST_ITEM.match(lines[start]) and _is_salutation(lines[start - 1]):
        return start - 1  # the sentence that leads into the list (…包裝上應載明:)
    return start


# A headline with an exclamation or question inside it (食藥署發警訊！2款電刀異常 24家醫院受影響, 重磅！…):
# short, no comma or full stop, and it does not end a sentence. Prose that exclaims has commas.
_HEADLINE_SHAPE = re.compile(r"^[^，,。；;：:]{2,}[！？!?][^，,。；;：:]{2,}$")


def _headline_shaped(line: str) -> bool:
    return len(line) <= 50 and bool(_HEADLINE_SHAPE.match(line)) and not re.search(r"[。！？!?.…”」』\"]$", line)


def _wrapped_piece(line: str) -> bool:
    """In text wrapped inside sentences (WeChat style), a short line with no sentence end is a piece of one."""
    return (
        len(line) <= 30
        and HAN.search(line) is not None
        and not _TERMINATOR.search(line)
        and not re.search(r"\d{4}\s*[-/.年]\s*\d", line)
        and not _meta_or_furniture(line)
    )


def _meta_or_furniture(line: str) -> bool:
    return bool(
        is_furniture(line)
        or _META_LABEL.match(line)
        or re.search(r"(?:发布|發布|来源|來源|时间|時間|日期)\s*[:：]", line)
    )


def _ends_sentence(line: str) -> bool:
    """Prose, or a short line that ends a sentence (认准“小金盾”!) and is not a label or a widget."""
    if is_paragraph(line):
        return True
    if _meta_or_furniture(line):
        return False
    if re.search(r"[。！？!?]$", line) and han_count(line) >= 4:
        return True
    if re.search(r"[;；]$", line) and _EIGHT_HAN.search(line):
        return True  # a definition or list item of a law ends in a semicolon
    return bool(re.search(r"[a-z][.!?][\"”’]?$", line)) and len(_WORD.findall(line)) >= 4


def _continues_into_body(line: str, next_line: str) -> bool:
    if _meta_or_furniture(line):
        return False
    if _LIST_ITEM.match(line) and (_LIST_ITEM.match(next_line) or is_paragraph(next_line)):
        return len(line) > 12
    return bool(_OPEN_END.search(line)) and not _is_salutation(line)


# The end mark, Hong Kong's "Ends/..." and a lone date, as one gate: most lines of an article are none
# of them, and one failed match of the three as an alternation costs less than three failed matches
# (measured: the bench's article regions 66 -> 61 ms CPU). A line through the gate is checked as before.
_MAY_END_REGION = _one_of(_END_MARK, _ENDS_DATED, _LONE_DATE)


def _article_region(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines from the body's start to where the article ends, and lines carried past the end
    for metadata (a signature date under 完, a feed item's date)."""
    region: list[str] = []
    teasers = 0
    for index, line in enumerate(lines):
        if is_stop(line):
            return region, []
        if index == 0:
            region.append(line)  # the body's first line (it may open a wrapped sentence)
            continue
        if _MAY_END_REGION.match(line):
            if _END_MARK.match(line):
                return region, [n for n in lines[index + 1 : index + 2] if _LONE_DATE.match(n)]
            if _ENDS_DATED.match(line):
                return region, [line]  # Hong Kong's "Ends/Saturday, June 3, 2023": the end and the date
            if _LONE_DATE.match(line) and region and (_ISSUER.search(region[-1]) or line.lstrip("•· ")[:3].isalpha()):
                return region, [line]  # the signature date ends a notice; a feed's next item date ends an item
        teasers = teasers + 1 if _is_teaser(line) else 0
        if teasers == 2:
            return region[:-1], []  # a list of truncated teasers of other articles
        region.append(line)
    return region, []


def _split(lines: list[str], hints: dict[str, str]) -> Cleaned:
    lines = _separate_glued_labels(lines)
    start = _body_start(lines)
    if start is None:  # no prose at all (a short notice): keep every non-furniture line but the first
        kept = [line for line in lines if not is_furniture(line) and not is_stop(line)]
        return Cleaned(body="\n\n".join(kept[1:] or kept), header=kept[:1], trailer=[], hints=hints)
    header = [line for line in lines[:start] if _CARRIES_META.search(line) or not is_furniture(line)]
    region, carried = _article_region(lines[start:])
    # the last paragraph-like line, scanning back; none when the only prose was a footer ("版权所有 … 。")
    last = next((i for i in range(len(region) - 1, -1, -1) if _ends_sentence(region[i])), None)
    if last is not None and not any(is_paragraph(line) for line in region[: last + 1]):
        last = None
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
    trailer.extend(carried)
    return Cleaned(body="\n\n".join(body), header=header, trailer=trailer, hints=hints)
