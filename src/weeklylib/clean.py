"""Text cleaning: small ``str -> str`` steps and the pipeline that chains them.

Each step repairs one kind of damage that PDF extraction leaves in the digest
text.  Steps compose (:func:`make_pipeline`), so a researcher can build their
own cleaner from the pieces:

>>> from weeklylib import clean
>>> clean.remove_cjk_spaces("2025 年 7 月 3 日")
'2025年7月3日'
>>> clean.normalize_punctuation("近年来,人工智能(AI)发展")
'近年来，人工智能（AI）发展'
>>> clean.clean_text("医疗 AI 应用 ， 2025 全球 Large Language Model")
'医疗AI应用，2025全球Large Language Model'

What is deliberately *not* done: full-width Chinese punctuation is never turned
into ASCII (no blanket NFKC), and spaces between two Latin words are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import reduce

__all__ = [
    "clean_text",
    "compact",
    "display_width",
    "join_wrapped",
    "make_pipeline",
    "normalize_chars",
    "normalize_punctuation",
    "remove_cjk_spaces",
    "strip_markdown",
]

# --------------------------------------------------------------------------- resources
# Character classes, written once.  CJK covers the unified ideographs with
# extension A and the compatibility block; FW_PUNCT the CJK and full-width
# punctuation that Chinese text uses.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
FW_PUNCT = (
    "\u3000-\u303f"  # CJK symbols and punctuation: 、。〈〉《》「」『』【】〔〕…
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # full-width ！（），．：；？ …
    "\u2018\u2019\u201c\u201d"  # curly quotes ‘ ’ “ ”
    "\u2014\u2026\u00b7\u2022"  # — … · •
)
_WIDE = f"{CJK}{FW_PUNCT}"

# whitespace that extraction put inside Chinese text: a run of spaces with a
# CJK character / full-width punctuation on one side and CJK, punctuation,
# a digit or a Latin letter on the other.
# Patterns start on the characters they act on (a space, a digit, a mark) so the regex engine
# can skip ahead quickly; the neighbouring characters are then checked in Python.
_RE_SPACE_RUN = re.compile("[ \\t\u00a0]+")
_WIDE_RE = re.compile(f"[{_WIDE}]")
_ALNUM_PCT = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%")
# digits and the percent sign / decimal point split by a space: "91.74 %" "1. 1"
_RE_SPACE_IN_NUMBER = re.compile(r"(\d\.?)[ \t]+(?=%|\.\d|\d)")
_RE_MULTISPACE = re.compile(r"[ \t\u00a0]{2,}")

# ASCII punctuation used inside Chinese text -> full-width.  Only when the mark
# touches a CJK character (so "1,000", "10:30", "f(x)" and URLs stay as they are).
_ASCII_TO_FW = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_RE_ASCII_PUNCT = re.compile("[ \\t]*([,:;?!])[ \\t]*")
_CJK_RE = re.compile(f"[{CJK}]")
_PUNCT_AFTER = frozenset("”’」』）》")  # closers that count as Chinese text before a mark
_PUNCT_BEFORE = frozenset("“‘「『（《")  # openers that count as Chinese text after a mark
_RE_ANY_ASCII_PUNCT = re.compile(r"[,:;?!(]")
_RE_HAS_CJK = re.compile(f"[{CJK}]")
_RE_ASCII_PAREN_PAIR = re.compile("\\(([^()\\n]{1,60})\\)")
_PAREN_AFTER = frozenset("”’」』》")

# full-width ASCII variants (ＡＢＣ１２３％＋－) -> ASCII; everything else untouched.
_FW_ALNUM = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FW_ALNUM.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FW_ALNUM.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FW_ALNUM.update({"\uff05": "%", "\uff0b": "+", "\u3000": " ", "\u00a0": " "})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CHAR_TABLE = str.maketrans(_FW_ALNUM) | _INVISIBLE
# any character the table changes: translate (slow on non-ASCII text) only when one is present
_RE_NEEDS_TRANSLATE = re.compile(
    "["
    + "".join(re.escape(ch) for ch in sorted(_FW_ALNUM))
    + "\u200b\u200c\u200d\u2060\ufeff\u00ad]"
)

# markdown remnants of the PDF-to-text conversion: [text](#), **bold**, leading #
_RE_MD_LINK = re.compile(r"\[([^\]\n]{1,200})\]\((?:#|https?://[^)\s]*)\)")
_RE_MD_EMPH = re.compile(r"\*\*([^*\n]+)\*\*")
_RE_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)

# characters that end a sentence or close one
TERMINAL = frozenset("。！？!?…；;")
CLOSERS = frozenset("”’」』）》)】")


# --------------------------------------------------------------------------- steps
def normalize_chars(text: str) -> str:
    """Full-width letters/digits/%/+ to ASCII, ideographic and no-break spaces to
    plain spaces, invisible characters (zero-width space, BOM, soft hyphen) dropped.

    >>> normalize_chars("２０２５年\u3000ＡＩ")
    '2025年 AI'
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.translate(_CHAR_TABLE) if _RE_NEEDS_TRANSLATE.search(text) else text


def remove_cjk_spaces(text: str) -> str:
    """Remove spaces that extraction put inside Chinese text, and between Chinese
    and digits or Latin words; keep spaces between two Latin words.

    >>> remove_cjk_spaces("从 2025 年 7 月 5 日到 2025 年 7月 11 日")
    '从2025年7月5日到2025年7月11日'
    >>> remove_cjk_spaces("基于 AGI（Artificial General Intelligence）")
    '基于AGI（Artificial General Intelligence）'
    """
    if " " not in text and "\t" not in text and "\u00a0" not in text:
        return text
    text = _RE_SPACE_RUN.sub(_drop_space_near_wide, text)
    text = _RE_SPACE_IN_NUMBER.sub(_drop_space_in_number, text)
    return _RE_MULTISPACE.sub(" ", text)


def _drop_space_near_wide(m: re.Match[str]) -> str:
    """A space run goes when one neighbour is wide (CJK or full-width punctuation) and the
    other is wide, a digit, a Latin letter or %."""
    text, start, end = m.string, m.start(), m.end()
    if start == 0 or end == len(text):
        return m.group(0)
    before, after = text[start - 1], text[end]
    wide_before, wide_after = _WIDE_RE.match(before), _WIDE_RE.match(after)
    if (wide_before and (wide_after or after in _ALNUM_PCT)) or (
            wide_after and before in _ALNUM_PCT):
        return ""
    return m.group(0)


def _drop_space_in_number(m: re.Match[str]) -> str:
    """'91.74 %' -> '91.74%', '1. 5' -> '1.5', '3 .5' -> '3.5'; '2 3' stays."""
    head = m.group(1)
    after = m.string[m.end()]
    if after == "%" or after == "." or head.endswith("."):
        return head
    return m.group(0)


def normalize_punctuation(text: str) -> str:
    """ASCII punctuation written inside Chinese text becomes full-width.

    Only marks touching a Chinese character change, so numbers (``1,000``),
    times (``10:30``), URLs and Latin text keep their ASCII punctuation.
    Full-width punctuation is never turned into ASCII.

    >>> normalize_punctuation("业内人士评价:这不是一次普通的签约,而是首次.")
    '业内人士评价：这不是一次普通的签约，而是首次.'
    >>> normalize_punctuation("王桂芝(化名)打开手机; 1,000 people, f(x) at 10:30")
    '王桂芝（化名）打开手机；1,000 people, f(x) at 10:30'
    """
    if _RE_ANY_ASCII_PUNCT.search(text) is None:
        return text
    text = _RE_ASCII_PUNCT.sub(_fullwidth_mark, text)
    return _RE_ASCII_PAREN_PAIR.sub(_fullwidth_parens, text) if "(" in text else text


def _fullwidth_mark(m: re.Match[str]) -> str:
    """A mark (with the spaces around it) touching Chinese text becomes full-width."""
    text, start, end = m.string, m.start(), m.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if (before and (before in _PUNCT_AFTER or _CJK_RE.match(before))) or (
            after and (after in _PUNCT_BEFORE or _CJK_RE.match(after))):
        return _ASCII_TO_FW[m.group(1)]
    return m.group(0)


def _fullwidth_parens(m: re.Match[str]) -> str:
    """A pair at a line start or right after Chinese text, holding Chinese text or following
    it, becomes full-width: 王桂芝(化名) -> 王桂芝（化名）; f(x) stays."""
    inner, start = m.group(1), m.start()
    before = m.string[start - 1] if start else "\n"
    after_text = before in _PAREN_AFTER or bool(_CJK_RE.match(before))
    if before != "\n" and not after_text:
        return m.group(0)  # the original pattern did not match here
    if after_text or _RE_HAS_CJK.search(inner):
        return f"（{inner}）"
    return m.group(0)


def strip_markdown(text: str) -> str:
    """Drop markdown syntax left by the PDF conversion, keeping the words.

    >>> strip_markdown("题：[全国政协委员傅小云：建言](#)")
    '题：全国政协委员傅小云：建言'
    >>> strip_markdown("## B “643”：一座非公医院")
    'B “643”：一座非公医院'
    """
    if "](" in text:
        text = _RE_MD_LINK.sub(r"\1", text)
    if "**" in text:
        text = _RE_MD_EMPH.sub(r"\1", text)
    return _RE_MD_HEADING.sub("", text) if "#" in text else text


def make_pipeline(*steps: Callable[[str], str]) -> Callable[[str], str]:
    """Chain ``str -> str`` steps into one function, applied left to right.

    >>> shout = make_pipeline(str.strip, str.upper)
    >>> shout("  ai ")
    'AI'
    """
    if not steps:
        raise ValueError("make_pipeline needs at least one step, got none")
    return lambda text: reduce(lambda acc, step: step(acc), steps, text)


#: The default cleaner applied to every title and body paragraph.
clean_text: Callable[[str], str] = make_pipeline(
    normalize_chars, strip_markdown, remove_cjk_spaces, normalize_punctuation, str.strip
)
clean_text.__doc__ = """Clean one paragraph: characters, markdown, spaces inside Chinese, punctuation.

The pipeline is ``normalize_chars → strip_markdown → remove_cjk_spaces →
normalize_punctuation → strip``.
"""



def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    """:func:`clean_text` applied to each paragraph, in one pass over the joined text.

    Equivalent to ``[clean_text(p) for p in paragraphs]`` (no step looks across a line
    end), but an order of magnitude fewer regex calls for a long body.  Paragraphs must
    not contain ``"\\n"``.
    """
    if not paragraphs:
        return []
    joined = clean_text("\n".join(paragraphs))
    return [p.strip() for p in joined.split("\n")]


_RE_ALL_SPACE = re.compile(r"\s+")


def compact(text: str) -> str:
    """A comparison key: cleaned text with every whitespace removed and
    full-width forms folded (NFKC).  Used to match titles and find field labels,
    never to produce output text.

    >>> compact("山东聊城 智慧医疗 ") == compact("山东聊城智慧医疗")
    True
    """
    return _RE_ALL_SPACE.sub("", unicodedata.normalize("NFKC", text))


def display_width(line: str) -> int:
    """Printed width of a line: 2 for CJK and other wide characters, 1 for ASCII.

    Computed from the UTF-8 length (3 bytes for the wide characters, 1 for
    ASCII), which is exact for the text this corpus holds and much faster than a
    per-character loop.

    >>> display_width("AI 医疗")
    7
    """
    return (len(line.encode("utf-8")) + len(line)) // 2


def join_wrapped(a: str, b: str) -> str:
    """Join two pieces of a hard-wrapped line: no separator between Chinese
    characters, one space between two Latin words.

    >>> join_wrapped("基于 AGI（Artificial", "General Intelligence）")
    '基于 AGI（Artificial General Intelligence）'
    >>> join_wrapped("破解基层看病", "难")
    '破解基层看病难'
    """
    a = a.rstrip()
    b = b.lstrip()
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b
