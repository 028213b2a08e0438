"""Digest structure: header, table of contents, articles; standalone articles.

:func:`parse_document` turns one decoded file into a :class:`ParsedDocument`.
It never raises for bad content: what cannot be known stays empty and is
recorded as a :class:`~weeklylib.problems.Problem` naming the file and line.

Every line of the input gets a *role* (:data:`SPAN_ROLES`), so a researcher can
see where each piece of text went: into a field, into a body, or set aside as
boilerplate, a photo credit, a caption — nothing disappears unaccounted.

How hard-wrapped lines are rejoined
-----------------------------------
PDF extraction breaks lines at the page width and often puts a blank line
between *every* line, so blank lines say nothing about paragraphs.  A line is
joined to the next one when

* it is *full*: its printed width (CJK = 2, ASCII = 1) reaches the document's
  typical full-line width (estimated from the body lines; only in documents
  where most lines are full, i.e. hard-wrapped ones), or
* it ends mid-sentence (no terminal punctuation) and is long — a page break
  inside a paragraph,

and the next line does not start a block (a markdown heading, a photo credit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from weeklylib.clean import (
    CJK,
    CLOSERS,
    TERMINAL,
    clean_paragraphs,
    clean_text,
    compact,
    display_width,
    join_wrapped,
)
from weeklylib.io import RawDocument
from weeklylib.problems import Problem

__all__ = ["SPAN_ROLES", "ParsedArticle", "ParsedDocument", "cn_to_int", "parse_document"]

#: What became of each line of the input (``Corpus.spans.role``).
SPAN_ROLES: dict[str, str] = {
    "blank": "an empty line",
    "header": "digest header: title line, issue number, publisher, issue date",
    "intro": "本期导语: declared count and covered period",
    "section": "a section heading (信息目录, 具体内容)",
    "toc": "a table-of-contents entry (title or outlet)",
    "title": "an article's title (the numbered 标题 line and its wrapped continuation)",
    "field": "an article field: 来源, 链接 label, 主要内容 label",
    "url": "the URL of the 链接 field (possibly cut over several lines)",
    "title_repeat": "the title repeated at the head of the body",
    "dateline": "the 'YYYY-MM-DD 来源：…' line at the head of the body",
    "byline": "a reporter's byline (本报记者 …, 作者 …), kept in the articles' byline column",
    "body": "article body text",
    "credit": "a photo credit (【… 图】, （受访者供图）, … 摄), removed from the body and counted",
    "caption": "a photo caption carrying a credit (or starting 图为), removed from the body",
    "boilerplate": "promotional text after a standalone article, removed",
    "unparsed": "text that fits nowhere; kept here and reported as unparsed_text",
}

# --------------------------------------------------------------------------- resources
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"[0-9〇零一二三四五六七八九十百千两]+"

# patterns run on compact() text: no whitespace, NFKC-folded (full-width -> ASCII)
_RE_ISSUE = re.compile(rf"第({_NUM})期")
_RE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_RE_DATE_ANY = re.compile(r"(\d{4})(?:年|[-./])(\d{1,2})(?:月|[-./])(\d{1,2})日?")
_RE_COUNT = re.compile(rf"共(?:收集|收录|搜集|汇集|整理|计)?({_NUM})篇")
_RE_PERIOD = re.compile(
    r"(?:时间|时段|周期)?(?:从|自|为)?(\d{4})(?:年|[-./])(\d{1,2})(?:月|[-./])(\d{1,2})日?"
    r"(?:到|至|~|-|—|–|－)+(?:(\d{4})(?:年|[-./]))?(\d{1,2})(?:月|[-./])(\d{1,2})日?"
)
_RE_TOC_HEADING = re.compile(r"^(?:[一1][、.]?)?(?:信息|本期|内容)?目录[:]?$")
_RE_CONTENT_HEADING = re.compile(r"^(?:[二2][、.]?)?(?:具体|详细|信息|正文)?(?:内容|详情|正文)[:]?$")
_RE_INTRO = re.compile(r"^(?:本期)?导语[:]?")

# patterns run on stripped raw lines
_RE_NUMBERED = re.compile(r"^(?:[（(]\s*(\d{1,3})\s*[）)]|(\d{1,3})\s*[.．、])\s*(.*)$")
_RE_TITLE_LABEL = re.compile(r"^标\s*题\s*[:：]\s*")
_RE_OUTLET_LINE = re.compile(r"^[（(]\s*([^（）()]{1,40}?)\s*[）)]$")
_RE_OUTLET_TAIL = re.compile(
    r"^(.*?)\s*[（(]\s*([^（）()]{1,30}?(?:网|报|社|台|端|刊|号|站|频道|新闻|在线|政府|中心|杂志|APP|App))\s*[）)]$"
)
# on compact() text, so spaced labels (来 源：) match too
_RE_FIELD = re.compile(r"^(来源|链接|主要内容|内容摘要|原文链接|网址|原文地址)[:](.*)$")
_RE_DATELINE = re.compile(
    r"^(?:(?:发布)?(?:时间|日期)\s*[:：]\s*)?"
    r"(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:(?:来源|来自)\s*[:：]\s*(.*))?$"
)
_RE_DATELINE_SOURCE_FIRST = re.compile(
    r"^(?:来源|来自)\s*[:：]\s*(.*?)\s+(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})\s*日?$"
)
_RE_URL = re.compile(r"^https?://[^\s<>\"]+$")
_RE_URLISH = re.compile(r"^[<]?[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%<>]+$")

_CREDIT_BODY = r"[^【】（）()\n]{0,24}?"
_RE_CREDIT_ONLY = re.compile(
    rf"^(?:【{_CREDIT_BODY}(?:图|摄|供图|摄影)】"
    rf"|[（(]{_CREDIT_BODY}(?:供图|摄|摄影|图片|图)[）)]"
    rf"|(?:图片|图|摄影)\s*[:：]\s*[^，。]{{1,24}}"
    rf"|(?:本报|新华社|中新社)?(?:记者|通讯员)?\s*[{CJK}·]{{2,4}}(?:\s+[{CJK}·]{{2,4}})*\s*摄)$"
)
_RE_CREDIT_TAIL = re.compile(
    rf"\s*(?:【{_CREDIT_BODY}(?:图|摄|供图|摄影)】"
    rf"|[（(]{_CREDIT_BODY}(?:供图|摄|摄影|图片)[）)]"
    rf"|(?<=[。！？”])\s*(?:本报|新华社|中新社)?(?:记者|通讯员)?\s*[{CJK}·]{{2,4}}(?:\s+[{CJK}·]{{2,4}})*\s*摄)$"
)
_RE_CAPTION_HEAD = re.compile(r"^(?:图为|图[:：]|上图|下图|左图|右图)")
_RE_BYLINE = re.compile(
    rf"^(?:(?:本报|新华社|中新社|人民网|央视)?(?:记者|通讯员|作者|文)\s*[:：]?\s*)"
    rf"[{CJK}·]{{2,4}}(?:\s*[、,， ]\s*[{CJK}·]{{2,4}}){{0,4}}$"
)
_RE_MD_HEADING = re.compile(r"^#{1,6}\s+")
_RE_BOILERPLATE = re.compile(
    r"(公众号|视频号|微信号|扫码|二维码|客户端下载|关注我们|版权所有|转载请|责任编辑|责编|"
    r"编辑[:：]|校对[:：]|审核[:：]|监制|出品[:：]?|传媒集团$|融媒体中心$|报业集团$)"
)
_START_FIRST = frozenset("0123456789（(标")  # an article's opening line starts with one of these
_CAPTION_MAX = 90  # characters; the seeds' captions are 25-50
# cheap first/last-character tests that must hold for the credit/caption/byline regexes to match
_CREDIT_FIRST = frozenset("【（(图摄本新中记通")
_CREDIT_LAST = frozenset("】）)摄")
_CAPTION_FIRST = frozenset("图上下左右")
_BYLINE_MAX = 40
_SOFT_ENDINGS = frozenset("，、：；,;:（(“‘《—")
_DIGEST_MARKERS = ("本期周报共收集", "信息目录", "具体内容", "舆情监测周报", "本期导语")


# --------------------------------------------------------------------------- results
@dataclass(slots=True)
class ParsedArticle:
    """One article as found in a document (a row of ``Corpus.articles``)."""

    position: int
    number: int | None = None  # the number printed in the document ("2." -> 2)
    title: str = ""
    source: str = ""
    url: str = ""
    published: date | None = None
    body: str = ""
    toc_title: str = ""
    toc_source: str = ""
    byline: str = ""
    n_credits: int = 0
    line: int = 0  # 1-based line where the article starts


@dataclass(slots=True)
class ParsedDocument:
    """Everything parsed from one file (before it becomes table rows)."""

    doc_id: str
    kind: str = "unknown"
    issue_no: int | None = None
    issue_date: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    declared_count: int | None = None
    title: str = ""
    n_chars: int = 0  # characters of decoded text
    articles: list[ParsedArticle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # one per line
    owners: list[int] = field(default_factory=list)  # article position per line, 0 = document
    n_credits: int = 0


# --------------------------------------------------------------------------- helpers
def cn_to_int(text: str) -> int | None:
    """Chinese or Arabic numerals to an int; ``None`` when it is not a number.

    Digit-by-digit numerals (as issue numbers are written) and positional ones
    with 十/百/千 are both understood.

    >>> cn_to_int("六一四"), cn_to_int("六百一十四"), cn_to_int("十二"), cn_to_int("614")
    (614, 614, 12, 614)
    >>> cn_to_int("二〇二五"), cn_to_int("期") is None
    (2025, True)
    """
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def _numbered(line: str) -> tuple[int, str] | None:
    """``"2. 标题…"``, ``"2、…"`` or ``"（2）…"`` -> ``(2, "标题…")``."""
    m = _RE_NUMBERED.match(line)
    if not m:
        return None
    return int(m.group(1) or m.group(2)), m.group(3)


def _dateline(line: str) -> tuple[tuple[str, str, str], str] | None:
    """A body-head date line -> ``((y, m, d), outlet)``, either order of date and 来源."""
    m = _RE_DATELINE.match(line)
    if m:
        return m.groups()[:3], m.group(4) or ""
    m = _RE_DATELINE_SOURCE_FIRST.match(line)
    if m:
        return m.groups()[1:], m.group(1)
    return None


def _make_date(y: str | int, m: str | int, d: str | int) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


class _Ledger:
    """Collects problems for one document, naming the file and line."""

    def __init__(self, raw: RawDocument):
        self.doc_id = raw.doc_id
        self.name = raw.path
        self.items: list[Problem] = []

    def add(self, code: str, where: str, *, detail: str = "", line: int | None = None,
            article: int | None = None) -> None:
        loc = f"{self.name}" + (f", line {line}" if line else "")
        article_id = f"{self.doc_id}#{article}" if article else ""
        self.items.append(Problem(self.doc_id, code, f"{loc}: {where}", detail, article_id, line))


def _date_or_problem(groups: tuple[str, str, str], ledger: _Ledger, what: str, line: int | None,
                     article: int | None = None) -> date | None:
    value = _make_date(*groups)
    if value is None:
        ledger.add("invalid_date", f"{what} {groups[0]}年{groups[1]}月{groups[2]}日 does not exist; "
                   "left empty", detail="-".join(groups), line=line, article=article)
    return value


# --------------------------------------------------------------------------- paragraphs
@dataclass(slots=True)
class _Layout:
    """How a document's lines were wrapped: full-line width, and whether most lines are full."""

    full_width: int
    wrapped: bool

    @classmethod
    def measure(cls, lines: list[str], widths: list[int] | None = None) -> _Layout:
        if widths is None:
            widths = [display_width(s) for s in lines]
        widths = sorted(w for s, w in zip(lines, widths, strict=True) if len(s) >= 12)
        if len(widths) < 8:
            return cls(full_width=10**6, wrapped=False)
        top = widths[int(0.9 * (len(widths) - 1))]
        n_full = sum(1 for w in widths if top - 6 <= w <= top + 2)
        # a page line holds 20+ CJK characters; most lines of a hard-wrapped text are full
        return cls(full_width=top, wrapped=n_full >= 0.3 * len(widths) and 40 <= top <= 140)

    def joins(self, a: str, b: str, width: int | None = None, width_b: int | None = None) -> bool:
        """Does line ``b`` continue the paragraph that line ``a`` belongs to?

        ``width``/``width_b`` are the lines' display widths when already known.  Each regex
        runs only when a cheap test on the first or last character says it could match.
        """
        if not a or not b or a[0] == "#" or b[0] == "#":
            return False  # markdown headings stand alone
        first_b, last = b[0], a[-1]
        if (first_b in _CREDIT_FIRST or b[-1] in _CREDIT_LAST) and _RE_CREDIT_ONLY.match(b):
            return False  # a credit starts a block
        if first_b in _CAPTION_FIRST and _RE_CAPTION_HEAD.match(b):
            return False  # so does a caption
        if last in _CREDIT_LAST and _RE_CREDIT_TAIL.search(a):
            return False  # a credit ends its caption
        if first_b == "【" or (len(b) <= _BYLINE_MAX and _RE_BYLINE.match(b)):
            return False  # 【记者手记】-style headings and bylines start blocks
        if (last in TERMINAL or last in CLOSERS) and b[-1] in _CREDIT_LAST and _RE_CREDIT_TAIL.search(b):
            return False  # a caption line never continues a finished sentence
        if width is None:
            width = display_width(a)
        if self.wrapped:
            full = self.full_width - 6
            if width >= full:
                # a paragraph's last line ends a sentence: a short line that does not is a
                # heading or caption of its own, not the tail of the paragraph above
                if width_b is None:
                    width_b = display_width(b)
                return width_b >= full or b[-1] in TERMINAL or b[-1] in CLOSERS
            if last in _SOFT_ENDINGS:
                return True  # no paragraph ends on a comma: a page or column break
            # a Latin word that did not fit pushed the wrap earlier: "基于 AGI（Artificial"
            return last.isascii() and last.isalnum() and width >= self.full_width - 16
        # paragraph-per-line text: a long line that stops mid-sentence is a page break
        ends_open = last not in TERMINAL and last not in CLOSERS and last != "."
        return ends_open and width >= 50


def _paragraphs(items: list[tuple[int, str]], layout: _Layout,
                widths: list[int]) -> list[tuple[list[int], str]]:
    """Group non-blank ``(line_index, text)`` items into paragraphs (``widths`` by line index)."""
    paras: list[tuple[list[int], str]] = []
    prev, prev_width = "", 0
    for idx, text in items:
        width = widths[idx]
        if paras and layout.joins(prev, text, prev_width, width):
            lines, joined = paras[-1]
            lines.append(idx)
            paras[-1] = (lines, join_wrapped(joined, text))
        else:
            paras.append(([idx], text))
        prev, prev_width = text, width
    return paras


def _classify_paragraph(text: str) -> tuple[str, str, int]:
    """Return ``(role, kept_text, n_credits)`` for one paragraph of raw text."""
    stripped = text.strip()
    if not stripped:
        return "body", stripped, 0
    last = stripped[-1]
    if (stripped[0] in _CREDIT_FIRST or last in _CREDIT_LAST) and _RE_CREDIT_ONLY.match(stripped):
        return "credit", "", 1
    tail = _RE_CREDIT_TAIL.search(stripped) if last in _CREDIT_LAST else None
    if tail and tail.start() > 0:
        # captions are short; a longer paragraph ending in a credit keeps its text (only the
        # credit goes), so that prose joined to a caption by a page break is never dropped
        if len(stripped) <= _CAPTION_MAX or _RE_CAPTION_HEAD.match(stripped):
            return "caption", "", 1
        return "body", stripped[: tail.start()], 1
    if _RE_CAPTION_HEAD.match(stripped) and len(stripped) <= _CAPTION_MAX:
        return "caption", "", 0
    return "body", stripped, 0


# --------------------------------------------------------------------------- parsing
class _LazyCompact:
    """``compact(line)`` for each line, computed on first access (most lines never need it)."""

    __slots__ = ("_cache", "_lines")

    def __init__(self, lines: list[str]):
        self._lines = lines
        self._cache: dict[int, str] = {}

    def __getitem__(self, i: int) -> str:
        value = self._cache.get(i)
        if value is None:
            value = self._cache[i] = compact(self._lines[i])
        return value


class _DocParser:
    """Parses one document; state lives here only for the duration of the call."""

    def __init__(self, raw: RawDocument):
        self.raw = raw
        self.lines = [s.strip() for s in raw.text.split("\n")]
        self.compact = _LazyCompact(self.lines)
        self.widths = [(len(s.encode("utf-8")) + len(s)) // 2 for s in self.lines]  # display_width
        self.n = len(self.lines)
        self.doc = ParsedDocument(raw.doc_id, roles=["blank" if not s else "" for s in self.lines],
                                  owners=[0] * self.n)
        self.ledger = _Ledger(raw)

    # ---- small utilities
    def set_role(self, i: int, role: str, owner: int = 0) -> None:
        if self.lines[i]:
            self.doc.roles[i] = role
            self.doc.owners[i] = owner

    def next_nonblank(self, i: int, stop: int) -> int:
        while i < stop and not self.lines[i]:
            i += 1
        return i

    def find(self, pattern: re.Pattern[str], start: int = 0, stop: int | None = None,
             max_len: int = 24) -> int:
        """First line from ``start`` whose whitespace-free form matches ``pattern``; only
        lines of at most ``max_len`` characters are candidates (headings are short)."""
        lines = self.lines
        for i in range(start, self.n if stop is None else stop):
            line = lines[i]
            if line and len(line) <= max_len and pattern.search(self.compact[i]):
                return i
        return -1

    # ---- entry point
    def run(self) -> ParsedDocument:
        text_compact = "".join("".join(self.lines[:400]).split())  # markers are pure CJK
        is_digest = any(marker in text_compact for marker in _DIGEST_MARKERS)
        starts = self.article_starts(0, self.n)
        if is_digest or starts:
            self.doc.kind = "weekly"
            self.parse_digest(starts)
        else:
            n_cjk = len(re.findall(f"[{CJK}]", self.raw.text[:20000]))
            if n_cjk >= 80:
                self.doc.kind = "article"
                self.parse_standalone()
            else:
                self.doc.kind = "unknown"
                for i in range(self.n):
                    self.set_role(i, "unparsed")
                self.ledger.add("unknown_kind", "the text is neither a digest issue nor a news article "
                                f"({n_cjk} Chinese characters); nothing was extracted",
                                detail=self.raw.text[:80])
        for i, role in enumerate(self.doc.roles):
            if not role:  # any line no step claimed
                self.doc.roles[i] = "unparsed"
        self.report_unparsed()
        self.doc.problems = self.ledger.items
        self.doc.n_credits = sum(a.n_credits for a in self.doc.articles)
        return self.doc

    def report_unparsed(self) -> None:
        runs: list[list[int]] = []
        for i, role in enumerate(self.doc.roles):
            if role == "unparsed" and self.doc.kind != "unknown":
                if runs and runs[-1][-1] >= i - 2:
                    runs[-1].append(i)
                else:
                    runs.append([i])
        for run in runs:
            owner = self.doc.owners[run[0]] or None
            text = " / ".join(self.lines[i] for i in run)
            self.ledger.add("unparsed_text", f"{len(run)} line(s) fit no field or body; kept in spans",
                            detail=text[:200], line=run[0] + 1, article=owner)

    # ---- digests
    def article_starts(self, lo: int, hi: int) -> list[int]:
        """Lines that open an article section: a numbered (or 标题：) line followed,
        within a few lines, by a 来源 field."""
        starts = []
        lines = self.lines
        for i in range(lo, hi):
            line = lines[i]
            if not line or line[0] not in _START_FIRST:
                continue
            if not (_numbered(line) or _RE_TITLE_LABEL.match(line)):
                continue
            j, seen = i + 1, 0
            while j < hi and seen < 6:
                c = self.compact[j]
                if c:
                    if _RE_FIELD.match(c) and not c.startswith(("主要内容", "内容摘要")):
                        starts.append(i)
                        break
                    if _numbered(self.lines[j]) or _RE_TITLE_LABEL.match(self.lines[j]):
                        break
                    seen += 1
                j += 1
        return starts

    def parse_digest(self, starts: list[int]) -> None:
        toc = self.find(_RE_TOC_HEADING)
        content = self.find(_RE_CONTENT_HEADING, max(toc, 0))
        intro = self.find(_RE_INTRO, max_len=400)
        first_article = starts[0] if starts else self.n
        body_start = content if content >= 0 else first_article
        starts = [s for s in starts if s > body_start] if content >= 0 else starts
        header_end = min(x for x in (intro, toc, content, first_article, self.n) if x >= 0)

        self.parse_header(0, header_end)
        intro_end = min(x for x in (toc, content, first_article, self.n) if x > max(intro, -1))
        if intro >= 0:
            self.parse_intro(intro, intro_end)
        else:
            self.ledger.add("missing_declared_count", "no 本期导语 paragraph, so the declared article "
                            "count and the covered period are unknown")
            self.ledger.add("missing_period", "no 本期导语 paragraph; covered period unknown")
        toc_entries: list[tuple[int, str, str, int]] = []
        if toc >= 0:
            self.set_role(toc, "section")
            toc_entries = self.parse_toc(toc + 1, body_start if body_start > toc else self.n)
        else:
            self.ledger.add("missing_toc", "no table of contents (一、信息目录) was found")
        if content >= 0:
            self.set_role(content, "section")

        bounds = [*starts, self.n]
        for k, start in enumerate(starts):
            self.parse_article(k + 1, start, bounds[k + 1])
        self.check_digest(toc_entries)

    def parse_header(self, lo: int, hi: int) -> None:
        header = compact("".join(self.lines[lo:hi]))
        for i in range(lo, hi):
            self.set_role(i, "header")
        if not header:
            self.ledger.add("missing_header", "the digest starts without its header (title line, issue "
                            "number, publisher, date); issue number and issue date are unknown", line=1)
            self.ledger.add("missing_issue_no", "no issue number (第…期) because the header is missing")
            self.ledger.add("missing_date", "no issue date because the header is missing")
            return
        m = _RE_ISSUE.search(header)
        if m:
            self.doc.issue_no = cn_to_int(m.group(1))
        else:
            self.ledger.add("missing_issue_no", "the header has no issue number (第…期)",
                            detail=header[:80], line=lo + 1)
        m = _RE_DATE.search(header) or _RE_DATE_ANY.search(header)
        if m:
            line = next((i + 1 for i in range(lo, hi) if m.group(1) in self.compact[i]), lo + 1)
            self.doc.issue_date = _date_or_problem(m.groups(), self.ledger, "the issue date", line)
        else:
            self.ledger.add("missing_date", "the header has no issue date", detail=header[:80],
                            line=lo + 1)

    def parse_intro(self, lo: int, hi: int) -> None:
        for i in range(lo, hi):
            self.set_role(i, "intro")
        text = compact("".join(self.lines[lo:hi]))
        m = _RE_COUNT.search(text)
        if m:
            self.doc.declared_count = cn_to_int(m.group(1))
        else:
            self.ledger.add("missing_declared_count", "the 本期导语 does not declare how many articles "
                            "the issue holds", detail=text[:80], line=lo + 1)
        m = _RE_PERIOD.search(text)
        if not m:
            self.ledger.add("missing_period", "the 本期导语 gives no covered period (时间从…到…)",
                            detail=text[:80], line=lo + 1)
            return
        y1, m1, d1, y2, m2, d2 = m.groups()
        start = _date_or_problem((y1, m1, d1), self.ledger, "the period start", lo + 1)
        end = _date_or_problem((y2 or y1, m2, d2), self.ledger, "the period end", lo + 1)
        if start and end and not y2 and end < start:  # 2024年12月28日到1月3日
            end = _make_date(int(y1) + 1, m2, d2)
        if start and end and end < start:
            self.ledger.add("period_order", f"the covered period ends ({end}) before it starts ({start})",
                            detail=m.group(0), line=lo + 1)
        self.doc.period_start, self.doc.period_end = start, end

    def parse_toc(self, lo: int, hi: int) -> list[tuple[int, str, str, int]]:
        """Entries as ``(number, title, outlet, line)``; wrapped titles are joined."""
        entries: list[tuple[int, str, str, int]] = []
        current: list = []  # [number, title, outlet, line]
        # unnumbered entries are read only from a table of contents that numbers none
        numbered_toc = any(_numbered(self.lines[i]) for i in range(lo, hi) if self.lines[i])

        def close() -> None:
            if current:
                title, outlet = current[1], current[2]
                if not outlet:
                    m = _RE_OUTLET_TAIL.match(title)
                    if m:
                        title, outlet = m.group(1), m.group(2)
                entries.append((current[0], clean_text(title), clean_text(outlet), current[3]))

        for i in range(lo, hi):
            line = self.lines[i]
            if not line:
                continue
            numbered = _numbered(line)
            outlet = _RE_OUTLET_LINE.match(line)
            if numbered:
                close()
                current = [numbered[0], numbered[1], "", i + 1]
            elif outlet and current and not current[2]:
                current[2] = outlet.group(1)
            elif current and not current[2]:
                current[1] = join_wrapped(current[1], line)
            elif not outlet and not numbered_toc:  # numbered by its place in the list
                close()
                current = [len(entries) + 1, line, "", i + 1]
            else:
                continue  # a stray outlet line stays unclaimed and is reported
            self.set_role(i, "toc")
        close()
        return entries

    def parse_article(self, position: int, lo: int, hi: int) -> None:
        art = ParsedArticle(position=position, line=lo + 1)
        self.doc.articles.append(art)
        numbered = _numbered(self.lines[lo])
        head = numbered[1] if numbered else self.lines[lo]
        art.number = numbered[0] if numbered else None
        title = _RE_TITLE_LABEL.sub("", head)
        self.set_role(lo, "title", position)

        # title continuation, then fields up to 主要内容
        i, state, url_parts, content_at = lo + 1, "title", [], -1
        while i < hi:
            line, c = self.lines[i], self.compact[i]
            if not line:
                i += 1
                continue
            f = _RE_FIELD.match(c)
            if f:
                label = f.group(1)
                value = re.split(r"[:：]", line, maxsplit=1)[1].strip() if f.group(2) else ""
                self.set_role(i, "field", position)
                if label == "来源":
                    art.source = clean_text(value)
                    state = "source" if not value else "fields"
                elif label in ("链接", "原文链接", "网址"):
                    state = "url"
                    if value:
                        url_parts.append(value)
                        self.set_role(i, "url", position)
                else:  # 主要内容 / 内容摘要
                    content_at = i
                    if value:
                        self.lines[i] = value  # body text on the label line
                        self.doc.roles[i] = ""
                    break
            elif state == "title":
                title = join_wrapped(title, line)
                self.set_role(i, "title", position)
            elif state == "source":
                art.source = clean_text(line)
                self.set_role(i, "field", position)
                state = "fields"
            elif state == "url" and _RE_URLISH.match(c) and not re.search(f"[{CJK}]", line):
                url_parts.append(line)
                self.set_role(i, "url", position)
            else:
                break  # no 主要内容 label: the body starts here
            i += 1
        art.title = clean_text(title)
        if url_parts:
            url = "".join("".join(url_parts).split()).strip("<>")
            art.url = url
            if not _RE_URL.match(url):
                self.ledger.add("invalid_url", f"article {position}'s 链接 is not a well-formed URL",
                                detail=url, line=lo + 1, article=position)
        missing = [name for name, ok in (("来源", art.source), ("链接", art.url),
                                         ("主要内容", content_at >= 0)) if not ok]
        if missing:
            self.ledger.add("missing_field", f"article {position} has no {'/'.join(missing)} field",
                            detail=art.title[:60], line=lo + 1, article=position)
        body_lo = content_at + 1 if content_at >= 0 else i
        if content_at >= 0 and self.doc.roles[content_at] == "":
            body_lo = content_at
        self.parse_body(art, body_lo, hi)

    def parse_body(self, art: ParsedArticle, lo: int, hi: int) -> None:
        position = art.position
        i = self.next_nonblank(lo, hi)
        # the title repeated at the head of the body (possibly wrapped)
        key, acc, j = compact(art.title), "", i
        while key and j < hi:
            if self.lines[j]:
                candidate = acc + self.compact[j]
                if not key.startswith(candidate):
                    break
                acc = candidate
                if acc == key:
                    for k in range(i, j + 1):
                        self.set_role(k, "title_repeat", position)
                    i = self.next_nonblank(j + 1, hi)
                    break
            j += 1
        # the 'YYYY-MM-DD 来源：…' dateline
        if i < hi:
            d = _dateline(self.lines[i])
            if d:
                self.set_role(i, "dateline", position)
                art.published = _date_or_problem(d[0], self.ledger, "the article date",
                                                 i + 1, position)
                outlet = clean_text(d[1])
                if outlet and art.source and compact(outlet) != compact(art.source):
                    self.ledger.add("source_mismatch", f"article {position}'s dateline names "
                                    f"{outlet}, its 来源 field {art.source}",
                                    detail=f"{outlet} | {art.source}", line=i + 1, article=position)
                art.source = art.source or outlet
                i += 1
        if art.published is None and not any(p.code == "invalid_date" and p.article_id.endswith(
                f"#{position}") for p in self.ledger.items):
            self.ledger.add("missing_date", f"article {position} has no date line "
                            "('YYYY-MM-DD 来源：…'); its publication date is unknown",
                            detail=art.title[:60], line=art.line, article=position)
        self.fill_body(art, i, hi)
        if not art.body:
            self.ledger.add("truncated_article", f"article {position} has an empty body",
                            detail=art.title[:60], line=art.line, article=position)
        elif art.body[-1] not in TERMINAL and art.body[-1] not in CLOSERS:
            self.ledger.add("truncated_article", f"article {position}'s body ends mid-sentence "
                            "(the text may be cut off)", detail=art.body[-40:],
                            line=max(self.last_line(position), 1), article=position)

    def last_line(self, position: int) -> int:
        rows = [i for i, (r, o) in enumerate(zip(self.doc.roles, self.doc.owners, strict=True))
                if o == position and r == "body"]
        return rows[-1] + 1 if rows else 0

    def fill_body(self, art: ParsedArticle, lo: int, hi: int,
                  layout: _Layout | None = None) -> None:
        items = [(k, self.lines[k]) for k in range(lo, hi)
                 if self.lines[k] and not self.doc.roles[k]]
        layout = layout or self.layout
        kept: list[str] = []
        for idx, (line_ids, text) in enumerate(_paragraphs(items, layout, self.widths)):
            role, text, n_credits = _classify_paragraph(text)
            if (role == "body" and idx < 3 and not art.byline and len(text) <= _BYLINE_MAX
                    and _RE_BYLINE.match(text)):
                role, art.byline = "byline", " ".join(text.split())
            art.n_credits += n_credits
            for k in line_ids:
                self.set_role(k, role, art.position)
            if role == "body":
                kept.append(text)
        art.body = "\n".join(p for p in clean_paragraphs(kept) if p)

    @property
    def layout(self) -> _Layout:
        if not hasattr(self, "_layout"):
            self._layout = _Layout.measure(self.lines, self.widths)
        return self._layout

    def check_digest(self, toc: list[tuple[int, str, str, int]]) -> None:
        arts = self.doc.articles
        for art in arts:  # copy TOC title and outlet onto the article it names
            entry = next((e for e in toc if e[0] == (art.number or art.position)), None)
            if entry is None:
                if toc:
                    self.ledger.add("toc_mismatch", f"article {art.position} ({art.title[:30]}) is not "
                                    "listed in the table of contents", line=art.line,
                                    article=art.position)
                continue
            art.toc_title, art.toc_source = entry[1], entry[2]
            if compact(entry[1]) != compact(art.title):
                self.ledger.add("toc_mismatch", f"the table of contents titles article {art.position} "
                                "differently from its section", detail=f"{entry[1]} | {art.title}",
                                line=entry[3], article=art.position)
            if entry[2] and art.source and compact(entry[2]) != compact(art.source):
                self.ledger.add("toc_mismatch", f"the table of contents names outlet {entry[2]} for "
                                f"article {art.position}, its section {art.source}",
                                detail=f"{entry[2]} | {art.source}", line=entry[3],
                                article=art.position)
        numbers = {a.number or a.position for a in arts}
        for entry in toc:
            if entry[0] not in numbers:
                self.ledger.add("missing_article", f"table-of-contents entry {entry[0]} ({entry[1][:30]}) "
                                "has no article section (the file may be truncated)",
                                detail=entry[1], line=entry[3])
        declared = self.doc.declared_count
        if declared is not None and declared != len(arts):
            self.ledger.add("count_mismatch", f"the issue declares {declared} articles but "
                            f"{len(arts)} were found; all {len(arts)} are kept",
                            detail=f"declared={declared} found={len(arts)} toc={len(toc)}")
        start, end = self.doc.period_start, self.doc.period_end
        if start and end:
            for art in arts:
                if art.published and not start <= art.published <= end:
                    self.ledger.add("published_outside_period", f"article {art.position} is dated "
                                    f"{art.published}, outside the covered period {start}–{end}",
                                    line=art.line, article=art.position)

    # ---- standalone articles (not a digest)
    def parse_standalone(self) -> None:
        nonblank = [i for i in range(self.n) if self.lines[i]]
        # promotional boilerplate at the end: from the earliest marker line in the tail
        cut = self.n
        tail = nonblank[-25:]
        for i in tail:
            tail_chars = sum(len(self.lines[k]) for k in nonblank if k >= i)
            if _RE_BOILERPLATE.search(self.compact[i]) and tail_chars <= 800:
                cut = i
                break
        if cut < self.n:
            for i in range(cut, self.n):
                self.set_role(i, "boilerplate")
            self.ledger.add("boilerplate_removed", f"{sum(1 for i in range(cut, self.n) if self.lines[i])} "
                            "line(s) of promotional text after the article were removed from its body",
                            detail=" / ".join(s for s in self.lines[cut:] if s)[:200],
                            line=cut + 1)
        art = ParsedArticle(position=1, line=1)
        self.doc.articles.append(art)
        # headline: the first level-1 markdown heading, else a short first line
        head = next((i for i in nonblank if i < cut and re.match(r"^#\s", self.lines[i])), None)
        if head is None and nonblank:
            first = nonblank[0]
            if display_width(self.lines[first]) <= 80 and self.lines[first][-1] not in TERMINAL:
                head = first
        if head is not None:
            art.title = clean_text(self.lines[head])
            art.line = head + 1
            self.set_role(head, "title", 1)
            self.doc.title = art.title
            nxt = self.next_nonblank(head + 1, cut)
            if nxt < cut and _RE_BYLINE.match(self.lines[nxt]):
                art.byline = " ".join(self.lines[nxt].split())
                self.set_role(nxt, "byline", 1)
        # a date line near the top, if the article prints one
        for i in nonblank[:6]:
            d = _dateline(self.lines[i])
            if d and i < cut:
                self.set_role(i, "dateline", 1)
                art.published = _date_or_problem(d[0], self.ledger, "the article date", i + 1, 1)
                art.source = clean_text(d[1])
                break
        if art.published is None:
            self.ledger.add("missing_date", "this standalone article prints no publication date; "
                            "its date is unknown", detail=art.title[:60], article=1)
        if not art.title:
            self.ledger.add("missing_field", "this standalone article has no recognisable headline",
                            article=1)
        self.fill_body(art, 0, cut, _Layout.measure(self.lines[:cut], self.widths[:cut]))
        if not art.body:
            self.ledger.add("truncated_article", "the standalone article has an empty body", article=1)


def parse_document(raw: RawDocument) -> ParsedDocument:
    """Parse one decoded file.  Never raises for bad content.

    Parameters
    ----------
    raw
        The file as read by :func:`weeklylib.io.read_document`.

    Returns
    -------
    ParsedDocument
        Header fields, articles, problems, and the role of every line.
    """
    if not raw.text.strip():
        doc = ParsedDocument(raw.doc_id, kind="unknown")
        doc.roles = ["blank" for _ in raw.text.split("\n")] if raw.text else []
        doc.owners = [0] * len(doc.roles)
        return doc
    return _DocParser(raw).run()
