"""The render stage: one ``Briefing`` laid out as Markdown, email HTML, plain text or JSON.

One data model, one set of templates (templates/briefing.{md,html,txt}.j2 and their shared
macros), one vocabulary table below. The templates decide layout only; what is in the briefing was
decided by briefs.assemble.

Trust rules enforced here, not in the templates' goodwill:
* HTML: Jinja autoescape is on for every ``.html`` template; links are rendered only for http(s)
  URLs (``safe_url``), anything else stays text. CSS is inlined with css_inline (no network, @media
  kept) so email clients that strip <style> still show the layout. No scripts, no external assets.
* Markdown: every text from a document or a model answer goes through ``md_text``, which escapes
  what Markdown would turn into HTML, links or layout.
* Language "zh" or "en" drops the other language everywhere, headings included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from urllib.parse import quote, urlsplit

import css_inline
import jinja2
import markupsafe

from briefs import resources
from briefs.errors import RenderError
from briefs.models import (
    FORMATS,
    POSSIBLY_INCOMPLETE,
    Bilingual,
    Briefing,
    BriefingDocument,
    BriefingLanguage,
    BriefingWarning,
    CampaignChange,
    DocType,
    DocumentChange,
    Format,
    RunRecord,
    UpcomingDeadline,
)

# Headings and fixed phrases: (Chinese, English).
LABELS: dict[str, tuple[str, str]] = {
    "title": ("药监周报", "China drug regulation weekly"),
    "period": ("周期", "Period"),
    "coverage": ("覆盖范围", "Coverage"),
    "summary": ("本周摘要", "Executive summary"),
    "themes": ("主题", "Themes"),
    "campaigns": ("值得关注的专项行动", "Campaigns to watch"),
    "actions": ("行动事项", "Action items"),
    "documents": ("文件", "Documents"),
    "warnings": ("警示", "Warnings"),
    "run": ("运行记录", "Run record"),
    "what": ("事项", "What"),
    "who": ("对象", "Who"),
    "scope": ("产品范围", "Scope"),
    "deadline": ("截止日期", "Deadline"),
    "source": ("来源", "Source"),
    "priority": ("优先级", "Priority"),
    "requirements": ("要求", "Requirements"),
    "key_points": ("要点", "Key points"),
    "issuer": ("发布机构", "Issuer"),
    "date": ("日期", "Date"),
    "inferred": ("推定", "inferred"),
    "inferred_fetched": ("按抓取时间推定", "inferred from fetch time"),
    "link": ("原文链接", "source link"),
    "no_link": ("无原文链接", "no source link"),
    "verified": ("已核对原文", "verified in source"),
    "unverified": ("未在原文中找到", "not found in source"),
    "unchecked": ("未核对", "not checked"),
    "action": ("应对", "Action"),
    "source_sentence": ("原文", "Chinese source sentence"),
    # Never "nothing was published": briefs only knows what is in the folder.
    "no_documents": ("文件夹中没有本期的文件。", "No document of this period was found in the corpus folder."),
    "sources": ("各来源文件数", "Documents by source"),
    "this_period": ("本期", "this period"),
    "recent_weeks": ("前 {n} 周", "previous {n} weeks"),
    "quiet_alert": ("请检查抓取程序", "check the scraper"),
    "none_processed": (
        "本期文件均未能处理，见“警示”。",
        "None of this period's documents could be processed; see Warnings.",
    ),
    "no_synthesis": ("本期没有综述。", "No synthesis for this period."),
    "no_actions": ("没有行动事项。", "No action items."),
    "no_warnings": ("没有警示。", "No warnings."),
    "team_filter": ("团队筛选", "Team filter"),
    "none": ("无", "none"),
    "also_at": ("其他来源", "Also published at"),
    "changes": ("与此前各周相比的变化", "What changed since last week"),
    "upcoming": ("即将到来的期限", "Upcoming deadlines"),
    "history_first": (
        "历史记录从本周开始：没有可比较的前一周，也没有此前公布的期限。",
        "First week on record: there is no earlier week to compare with and no deadline announced before.",
    ),
    "no_changes": (
        "没有新的、持续的或不再提及的专项行动，也没有文件是此前文件的转载、更新或正式版。",
        "No campaign started, went on or ended, and no document repeats, updates or finalises an earlier one.",
    ),
    "campaign_changes": ("专项行动", "Campaigns"),
    "document_changes": ("此前见过的文件", "Documents seen before"),
    "contents": ("目录", "Contents"),
    "glance": ("本期文件一览", "The week at a glance"),
    "document": ("文件", "Document"),
    "relevance": ("相关性", "Relevance"),
    "nearest_deadline": ("最近截止", "Nearest deadline"),
    "unverified_item": ("未经核实", "not verified"),
    "files": ("文件与问题", "Files and problems"),
    "number": ("文号", "Document No."),
    "status": ("状态", "Status"),
    "draft": ("征求意见稿", "draft for comment"),
    "final": ("正式发布", "final"),
    "official": ("官方原文", "Official source"),
    "incomplete": (
        "本简报不完整：有内容缺失，见“警示”。",
        "This briefing is incomplete: something is missing, see Warnings.",
    ),
}

# What each kind of warning means, (Chinese, English): the fixed wording a warning starts with in
# every language shown; the English message and the data it quotes follow.
WARNING_WORDS: dict[str, tuple[str, str]] = {
    "failed": ("提取失败，该文件未收入本简报", "extraction failed, the document is not in this briefing"),
    "unverified": ("未能在原文中核实", "not verified against the source"),
    POSSIBLY_INCOMPLETE: (
        "可能不完整：没有提取到任何要求，但文件中有要求性表述",
        "possibly incomplete: no requirement was extracted, but the document states one",
    ),
    "injection": (
        "文件中含有针对模型的指令，未予执行",
        "the document contains text addressed to the model; it was not followed",
    ),
    "unreadable": ("文件无法读取，已跳过", "a file could not be read and was skipped"),
    "undated": ("页面无日期，未归入任何一周", "undated page, not placed in any week"),
    "synthesis": ("本周综述失败，文件未经综述列出", "the week synthesis failed, documents are listed without it"),
    "quiet": (
        "本期没有文件，而此前各周有：请检查抓取程序",
        "no document this period though earlier weeks had some: check the scraper",
    ),
}

# Fixed sentences with a number in them: (Chinese, English) format strings.
_SENTENCES: dict[str, tuple[str, str]] = {
    "no_deadlines": (
        "此前各周公布的期限中，没有落在本周起 {days} 天内的。",
        "No deadline announced in an earlier week falls within {days} days of this week.",
    ),
    "no_deadlines_for_team": (
        "此前各周公布、落在本周起 {days} 天内的 {count} 项期限都不在本团队的订阅范围内。",
        "None of the {count} deadlines announced in earlier weeks that fall within {days} days of this week "
        "is in this team's subscription.",
    ),
    "upcoming_intro": (
        "此前各周公布、落在本周起 {days} 天内的期限：",
        "Deadlines announced in earlier weeks that fall within {days} days of this week:",
    ),
    "compared_with": ("（上一个有记录的周：{week}）", "(last week on record: {week})"),
    "more_deadlines": ("另有 {count} 项，见 `briefs deadlines`。", "{count} more: see `briefs deadlines`."),
}

# How many upcoming deadlines a briefing lists (the rest are one command away): the HTML stays in budget.
DEADLINES_SHOWN = 30

VOCABULARY: dict[str, tuple[str, str]] = {
    # document types, in the order the briefing groups them
    "regulation": ("法规规章", "Regulations and rules"),
    "draft_for_comment": ("征求意见稿", "Drafts for comment"),
    "enforcement_campaign": ("专项行动", "Enforcement campaigns"),
    "guidance": ("指导文件", "Guidance"),
    "recall_or_quality_notice": ("召回与质量公告", "Recalls and quality notices"),
    "inspection_result": ("检查结果", "Inspection results"),
    "approval": ("审批", "Approvals"),
    "meeting": ("会议", "Meetings"),
    "statistics": ("统计", "Statistics"),
    "other": ("其他", "Other"),
    # actors
    "regulators": ("监管部门", "regulators"),
    "mah": ("上市许可持有人", "MAHs"),
    "manufacturers": ("生产企业", "manufacturers"),
    "distributors_pharmacies": ("经营企业和药店", "distributors and pharmacies"),
    "online_platforms": ("网络平台", "online platforms"),
    "medical_institutions": ("医疗机构", "medical institutions"),
    "all_industry": ("全行业", "all industry"),
    "public": ("公众", "public"),
    # product scope
    "drugs": ("药品", "drugs"),
    "medical_devices": ("医疗器械", "medical devices"),
    "cosmetics": ("化妆品", "cosmetics"),
    "vaccines": ("疫苗", "vaccines"),
    "tcm": ("中药", "TCM"),
    "all": ("全部", "all"),
    # priority
    "high": ("高", "high"),
    "medium": ("中", "medium"),
    "low": ("低", "low"),
    # what changed since last week
    "new": ("新出现", "new"),
    "ongoing": ("持续", "ongoing"),
    "ended": ("本周不再提及", "no longer mentioned"),
    "repost": ("转载", "a repost of"),
    "update": ("更新", "an update of"),
    "final_of_draft": ("正式版（此前为征求意见稿）", "the final version of the draft for comment"),
    # deadline kinds
    "effective": ("施行日期", "effective date"),
    "comment_deadline": ("征求意见截止", "comment deadline"),
    "compliance": ("合规期限", "compliance deadline"),
    # modes
    "live": ("在线调用模型", "live model calls"),
    "replay": ("回放录制的回答", "replayed recorded answers"),
    "record": ("调用模型并录制", "live calls, recorded"),
    "dry-run": ("试运行", "dry run"),
}

DOC_TYPE_ORDER: tuple[DocType, ...] = (
    "regulation",
    "draft_for_comment",
    "enforcement_campaign",
    "guidance",
    "recall_or_quality_notice",
    "inspection_result",
    "approval",
    "meeting",
    "statistics",
    "other",
)

# CJK fonts by platform, then generic: Chinese must never fall back to a font without Han glyphs.
FONT_STACK = (
    '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
)

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The undated pages named in the coverage line (all are in the JSON and in `briefs inspect`).
_UNDATED_SHOWN = 10
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~{}])")


# --- helpers the templates use ----------------------------------------------------------------------


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s) with a host, else None (rendered as text or not at all)."""
    if not url:
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        return None
    return text


def md_text(value: object) -> str:
    """Text made inert for Markdown: HTML, links, emphasis and table pipes become literal."""
    text = " ".join(str(value).split()) if value is not None else ""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(url: str) -> str:
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


class Languages:
    """Which languages a rendering shows, and the words for them."""

    def __init__(self, choice: BriefingLanguage, full_briefing: str | None = None) -> None:
        self.choice = choice
        self.full_briefing = full_briefing  # the attachment's file name when the email carries the full briefing
        self.codes = {"both": ("zh", "en"), "zh": ("zh",), "en": ("en",)}[choice]
        self._labels: dict[tuple[str, str], str] = {}  # a label is asked for per document: made once

    def label(self, key: str, sep: str = " ") -> str:
        if (key, sep) not in self._labels:
            self._labels[key, sep] = sep.join(text for _, text in self.pick(*LABELS[key]))
        return self._labels[key, sep]

    def word(self, key: str, sep: str = " ") -> str:
        return sep.join(text for _, text in self.pick(*_vocabulary(key)))

    def words(self, keys: Iterable[str], sep: str = ", ") -> str:
        pairs = [_vocabulary(key) for key in keys]
        if not pairs:
            return "—"
        # Chinese lists take the enumeration comma 、, English ones ``sep``; "both" shows English first.
        zh = "、".join(zh for zh, _ in pairs)
        en = sep.join(en for _, en in pairs)
        return {"both": f"{en} / {zh}", "zh": zh, "en": en}[self.choice]

    def texts(self, value: Bilingual | None) -> list[tuple[str, str]]:
        """(language code, text) pairs of a Bilingual to show, empty texts left out."""
        if value is None:
            return []
        return [(code, getattr(value, code)) for code in self.codes if getattr(value, code).strip()]

    def one(self, value: Bilingual | None, sep: str = " / ") -> str:
        return sep.join(text for _, text in self.texts(value))

    def native(self, text: str | None) -> str | None:
        """Untranslated data (a publication's name): kept unless the reader asked for English only
        and it is in Chinese."""
        if text and self.choice == "en" and _HAN.search(text):
            return None
        return text

    def pick(self, zh: str, en: str) -> list[tuple[str, str]]:
        """(language code, text) for each language shown, Chinese first."""
        return [(code, text) for code, text in (("zh", zh), ("en", en)) if code in self.codes]

    # Sentences with numbers in them are built here, not in three templates.

    def coverage_lines(self, briefing: Briefing) -> list[tuple[str, str]]:
        c = briefing.coverage
        zh = (
            f"共读取 {c.documents_read} 份文件：本期 {c.in_period} 份（其中 {c.dates_inferred} 份日期为推定），"
            f"期外 {c.outside_period} 份，合并重复 {c.duplicates_merged} 份，跳过 {len(c.skipped)} 份。"
        )
        en = (
            f"Read {c.documents_read} documents: {c.in_period} in this period "
            f"({c.dates_inferred} with inferred dates), {c.outside_period} outside it, "
            f"{c.duplicates_merged} duplicates merged, {len(c.skipped)} skipped."
        )
        if c.undated:
            names = ", ".join(c.undated[:_UNDATED_SHOWN]) + (", …" if len(c.undated) > _UNDATED_SHOWN else "")
            zh += f"{len(c.undated)} 份页面无日期，未归入任何一周：{names}。"
            en += f" {len(c.undated)} undated {'page' if len(c.undated) == 1 else 'pages'} not placed: {names}."
        return self.pick(zh, en)

    def source_rows(self, briefing: Briefing) -> list[tuple[str, int, str]]:
        """(source, documents this period, the recent weeks in words) per source."""
        rows = []
        for row in briefing.coverage.sources:
            weeks = len(row.recent_weeks)
            zh = f"前 {weeks} 周共 {row.recent_total} 份（每周约 {row.usual:.1f}）"
            en = f"{row.recent_total} in the previous {weeks} weeks (about {row.usual:.1f} a week)"
            # English only: a name in Chinese gives way to its site's host (it is data, not a translation)
            name = self.native(row.source) or row.host or "(source named in Chinese)"
            rows.append((name, row.in_period, " / ".join(t for _, t in self.pick(zh, en))))
        return rows

    # --- the email: what fits an inbox --------------------------------------------------------

    def mail_requirements(self, doc: BriefingDocument) -> tuple[list, int]:
        """The requirements the email shows (every unverified one, then the highest priorities, up to
        MAIL_REQUIREMENTS, in document order) and how many more the full briefing has."""
        ranked = sorted(
            range(len(doc.requirements)),
            key=lambda i: (
                doc.requirements[i].verified is not False,
                _PRIORITY_RANK[doc.requirements[i].requirement.priority],
                i,
            ),
        )
        keep = {i for n, i in enumerate(ranked) if n < MAIL_REQUIREMENTS or doc.requirements[i].verified is False}
        return [r for i, r in enumerate(doc.requirements) if i in keep], len(doc.requirements) - len(keep)

    def more_requirements(self, more: int, total: int) -> list[tuple[str, str]]:
        if self.full_briefing:
            name = self.full_briefing
            zh = f"另有 {more} 条要求（共 {total} 条）未在邮件中列出：完整清单见随本邮件附上的完整简报（{name}）。"
            en = (
                f"{more} more of its {total} requirements are not listed in this email: the full list is in the full "
                f"briefing attached to this email ({name})."
            )
            return self.pick(zh, en)
        zh = f"另有 {more} 条要求（共 {total} 条）未在邮件中列出：完整清单见完整简报（briefing.md、briefing.txt 或 briefing.json）。"
        en = (
            f"{more} more of its {total} requirements are not listed in this email: the full list is in the full "
            "briefing (briefing.md, briefing.txt or briefing.json)."
        )
        return self.pick(zh, en)

    def status(self, doc: BriefingDocument) -> str:
        """Draft for comment or final: the document type says so, or its Chinese title (征求意见稿)."""
        return self.label("draft" if is_draft(doc) else "final", " / ")

    @staticmethod
    def is_draft(doc: BriefingDocument) -> bool:
        return is_draft(doc)

    @staticmethod
    def official_host(doc: BriefingDocument) -> str:
        url = safe_url(doc.official_url)
        return (urlsplit(url).hostname or url) if url else ""

    @staticmethod
    def nearest_deadline(doc: BriefingDocument) -> str | None:
        dates = sorted(r.requirement.due_date for r in doc.requirements if r.requirement.due_date)
        return dates[0] if dates else None

    @staticmethod
    def problems_of(item: object, field: str) -> list[str]:
        """An item's failed checks that concern ``field`` ("deadline"), or every other one ("what")."""
        problems = getattr(item, "problems", [])
        about_field = [p for p in problems if f"].{field}" in p]
        return about_field if field == "deadline" else [p for p in problems if "].deadline" not in p]

    def mark(self, problems: list[str]) -> str:
        """The inline mark after an item that failed a check ("⚠ not verified"); nothing otherwise."""
        return f" ⚠ {self.label('unverified_item')}" if problems else ""

    @staticmethod
    def is_ref(text: str | None) -> bool:
        return text is not None and re.fullmatch(r"D\d+", text) is not None

    def file_warnings(self, briefing: Briefing) -> list:
        """Warnings about a file rather than a document of the briefing: named in the run record only."""
        return [w for w in briefing.warnings if w.document and not self.is_ref(w.document)]

    def alert_lines(self, briefing: Briefing) -> list[tuple[str, str]]:
        alert = briefing.coverage.alert
        if not alert:
            return []
        earlier = sum(row.recent_total for row in briefing.coverage.sources)
        weeks = max((len(row.recent_weeks) for row in briefing.coverage.sources), default=0)
        zh = f"本期在文件夹中没有找到任何文件，而此前 {weeks} 周共有 {earlier} 份：请先检查抓取程序和文件夹，不要当作平静的一周。"
        en = f"No document of this period was found, though the {weeks} weeks before it had {earlier}: check the scraper and the corpus folder before reading this as a quiet week."
        return self.pick(zh, en)

    def warning_lines(self, warning: BriefingWarning, briefing: Briefing) -> list[tuple[str, str]]:
        """A warning in the languages shown: Chinese gets the fixed wording of its kind (with the data it
        quotes when Chinese is the only language), English the message itself."""
        if warning.kind == "quiet" and briefing.coverage.alert:
            return self.alert_lines(briefing)
        key = POSSIBLY_INCOMPLETE if warning.message.startswith(POSSIBLY_INCOMPLETE) else warning.kind
        zh, en = WARNING_WORDS.get(key, (warning.kind, warning.kind))
        if self.choice == "zh" and warning.detail:
            zh += f"：{warning.detail}"
        return self.pick(zh, warning.message or en)

    def filter_lines(self, briefing: Briefing) -> list[tuple[str, str]]:
        f = briefing.team_filter
        if f is None:
            return []
        zh_scope = "、".join(VOCABULARY[s][0] for s in f.product_scope) or "全部"
        en_scope = ", ".join(VOCABULARY[s][1] for s in f.product_scope) or "all"
        zh = (
            f"本简报已按团队“{f.team}”的订阅筛选：产品范围 {zh_scope}，最低优先级 {VOCABULARY[f.min_priority][0]}；"
            f"移除文件 {f.documents_removed} 份、要求 {f.requirements_removed} 条、行动事项 {f.actions_removed} 条、"
            f"即将到来的期限 {f.deadlines_removed} 条。"
        )
        en = (
            f"Filtered for team “{f.team}”: product scope {en_scope}, minimum priority {f.min_priority}; "
            f"removed {f.documents_removed} documents, {f.requirements_removed} requirements, "
            f"{f.actions_removed} action items, {f.deadlines_removed} upcoming deadlines."
        )
        return self.pick(zh, en)

    def run_lines(self, briefing: Briefing) -> list[tuple[str, str]]:
        r, t = briefing.run, briefing.run.total
        zh_mode, en_mode = _vocabulary(r.mode)
        zh_at = f"，端点 {r.endpoint}" if r.endpoint else ""
        en_at = f" at {r.endpoint}" if r.endpoint else ""
        others = r.stage_models()  # stages on a model of their own (a cheaper extraction model)
        zh_others = "".join(f"，{stage} 阶段 {model}" for stage, model in others.items())
        en_others = "".join(f", {stage} stage {model}" for stage, model in others.items())
        zh = (
            f"模型 {r.model}{zh_others}（{zh_mode}{zh_at}）；调用 {t.calls} 次，缓存命中 {t.cache_hits} 次，重试 {r.retries} 次；"
            f"输入 {t.prompt_tokens} tokens（缓存 {t.cached_tokens}），输出 {t.completion_tokens} tokens；"
            f"{cost_words(r, 'zh')}。"
        )
        en = (
            f"Model {r.model}{en_others} ({en_mode}{en_at}); {t.calls} calls, {t.cache_hits} cache hits, {r.retries} retries; "
            f"{t.prompt_tokens} prompt tokens ({t.cached_tokens} cached), "
            f"{t.completion_tokens} completion tokens; {cost_words(r)}."
        )
        return self.pick(zh, en)

    # The sections from the history store.

    def campaign_change(self, change: CampaignChange) -> list[tuple[str, str]]:
        state_zh, state_en = _vocabulary(change.state)
        refs = ", ".join(s.ref for s in change.sources)
        if change.state == "ended":
            zh = f"{state_zh}：{change.name.zh}（最后一次见于 {change.last_week}，始于 {change.first_week}）"
            en = f"{state_en}: {change.name.en} (last in {change.last_week}, since {change.first_week})"
        elif change.state == "ongoing":
            zh = f"{state_zh}：{change.name.zh}（自 {change.first_week} 起；本周 {refs}）"
            en = f"{state_en}: {change.name.en} (since {change.first_week}; this week {refs})"
        else:
            zh, en = f"{state_zh}：{change.name.zh}（{refs}）", f"{state_en}: {change.name.en} ({refs})"
        return self.pick(zh, en)

    def document_change(self, change: DocumentChange) -> list[tuple[str, str]]:
        kind_zh, kind_en = _vocabulary(change.kind)
        e = change.earlier
        number = self.native(e.document_number)
        where = f"{e.week} {e.ref}".strip()  # no ref: a document of this week the team does not receive
        zh = (
            f"{change.ref}「{change.title.zh}」是 {where}「{e.title.zh}」"
            f"{'（' + e.document_number + '）' if e.document_number else ''}的{kind_zh}。"
        )
        en = (
            f"{change.ref} “{change.title.en}” is {kind_en} {where} “{e.title.en}”"
            f"{' (' + number + ')' if number else ''}."
        )
        return self.pick(zh, en)

    def deadline_head(self, deadline: UpcomingDeadline) -> str:
        """2022-03-10 · comment deadline · “title” (2022-W06 D2)"""
        kind = self.word(deadline.kind, " / ")
        title = self.one(deadline.document.title)
        return f"{deadline.date.isoformat()} · {kind} · {title} ({deadline.document.week} {deadline.document.ref})"

    def no_deadlines(self, briefing: Briefing) -> str:
        """An empty deadlines section: none in the window, or none a team's filter left (never "none"
        when there were some)."""
        days = briefing.history.window_days if briefing.history else 0
        removed = briefing.team_filter.deadlines_removed if briefing.team_filter else 0
        if removed:
            return self.label_with("no_deadlines_for_team", days=days, count=removed)
        return self.label_with("no_deadlines", days=days)

    def label_with(self, key: str, **values: object) -> str:
        zh, en = _SENTENCES[key]
        return " ".join(text.format(**values) for _, text in self.pick(zh, en))

    @staticmethod
    def empty_key(briefing: Briefing) -> str:
        """What an empty documents section says: nothing published, or nothing processed."""
        return "none_processed" if briefing.coverage.in_period else "no_documents"

    def date(self, doc: BriefingDocument) -> str:
        if doc.date is None:
            return self.label("none")
        if doc.date_from_fetch_time:
            return f"{doc.date.isoformat()} ({self.label('inferred_fetched')})"
        return f"{doc.date.isoformat()} ({self.label('inferred')})" if doc.date_inferred else doc.date.isoformat()


def cost_words(run: RunRecord, language: str = "en") -> str:
    """What the run cost, honestly: a price only for a known hosted endpoint that was called;
    a local or unknown endpoint has tokens and "no price"; a replay costs nothing and says whose
    answers it replayed."""
    zh = language == "zh"
    if run.mode == "replay":
        source = recording_source(run.recordings)
        if zh:
            return "不计费（回放录制的回答" + (f"：{source}）" if source else "）")
        return "no cost (replayed recordings" + (f": {source})" if source else ")")
    if not run.priced:
        endpoint = run.endpoint or "unknown"
        return (
            f"无价格（端点 {endpoint} 不是有价目表的托管 API）"
            if zh
            else f"no price (endpoint {endpoint} is not a priced hosted API)"
        )
    if run.total.cost_usd is None:
        if others := run.stage_models():  # one of them has no price: name them all
            models = ", ".join(dict.fromkeys([run.model, *others.values()]))
            return (
                f"无价格（本次运行的某个模型不在价目表中：{models}）"
                if zh
                else f"no price (a model of this run is not in the price table: {models})"
            )
        return (
            f"无价格（模型 {run.model} 不在价目表中）"
            if zh
            else f"no price (model {run.model} is not in the price table)"
        )
    if zh:
        return f"费用约 ${run.total.cost_usd:.4f}（按 {run.prices_as_of} 的价目估算）"
    return f"cost ${run.total.cost_usd:.4f} (estimated from prices as of {run.prices_as_of})"


def recording_source(provenance: list[str]) -> str:
    """Provenance lines, shortened to who made them ("Written by hand by ..., not produced by a live model")."""
    short = []
    for line in provenance:
        head = re.split(r" as the |;", line, maxsplit=1)[0].strip()
        if "not produced by a live model" in line:
            head += ", not produced by a live model"
        short.append(head)
    return "; ".join(dict.fromkeys(short))


MAIL_REQUIREMENTS = 10  # per document in the email; every unverified one is shown besides
_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


def is_draft(doc: BriefingDocument) -> bool:
    return doc.doc_type == "draft_for_comment" or "征求意见" in doc.title.zh


def grouped_documents(documents: list[BriefingDocument]) -> list[tuple[str, list[BriefingDocument]]]:
    groups: list[tuple[str, list[BriefingDocument]]] = []
    for doc_type in DOC_TYPE_ORDER:
        members = [d for d in documents if d.doc_type == doc_type]
        if members:
            groups.append((doc_type, members))
    return groups


def _vocabulary(key: str) -> tuple[str, str]:
    """(Chinese, English) for a vocabulary key; an unknown key (a value newer than the table) shows as itself."""
    return VOCABULARY.get(key, (key, key))


def _format_usd(value: float | None) -> str:
    return "n/a" if value is None else f"${value:.4f}"


# --- rendering ------------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resources.templates_dir()),
        # HTML templates are autoescaped; Markdown and text are escaped by md_text / need none.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_text
    env.filters["md_url"] = md_url
    env.filters["usd"] = _format_usd
    env.globals["safe_url"] = safe_url
    env.globals["grouped_documents"] = grouped_documents
    env.globals["LABELS"] = LABELS
    env.globals["DEADLINES_SHOWN"] = DEADLINES_SHOWN
    env.globals["FONT_STACK"] = markupsafe.Markup(FONT_STACK)  # a constant, safe inside <style>
    return env


def _inline_css(html: str) -> str:
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)
    return inliner.inline(html)


def render(
    briefing: Briefing, fmt: Format, language: BriefingLanguage | None = None, *, full_briefing: str | None = None
) -> str:
    """The briefing as one format. ``language`` overrides the briefing's own (e.g. a team's).
    ``full_briefing`` names the attachment that carries every requirement, for an email that shows
    only the top ones. JSON is the data itself, both languages kept: downstream systems choose for
    themselves."""
    if fmt == "json":
        return briefing.model_dump_json(indent=2) + "\n"
    if fmt not in FORMATS:
        raise RenderError(f"unknown briefing format {fmt!r}: choose from {', '.join(FORMATS)}")
    langs = Languages(language or briefing.language, full_briefing)
    try:
        template = _environment().get_template(f"briefing.{fmt}.j2")
        text = template.render(b=briefing, L=langs)
    except jinja2.TemplateError as error:
        raise RenderError(f"templates/briefing.{fmt}.j2: {error}") from None
    if fmt == "html":
        text = _inline_css(text)
    return text
