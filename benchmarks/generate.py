"""Build a scaled synthetic corpus from the seed files, for benchmarking weeklylib.

    python benchmarks/generate.py --scale 100 --out benchmarks/corpora/x100 [--seed 0]

For ``--scale N`` the corpus holds ``N x 4`` digest issues (the seeds hold four digests) and
``N`` standalone newspaper articles (like seed 000), about ``N x 86 KB`` of text and
``N x 14`` articles, so ``x1000`` is ~86 MB and ~14,000 articles.

What is generated
-----------------
* Issues get new, consecutive issue numbers, written in Chinese numerals (mostly digit by
  digit as in the seeds, 第六一四期 / 第一〇五期, sometimes positional, 第六百一十四期), and
  consecutive weekly periods that end on 2025-12-26: most issues cover one week, some two
  weeks, and now and then a week has no issue (a gap).
* Articles are recombined from the seeds: bodies mix whole seed paragraphs with paragraphs
  rebuilt from sentences of different seed articles; titles, outlets, URLs, place names and
  numbers are varied, so no two bodies are the same and nothing can be answered from a
  cache of repeated text.
* The text carries the seeds' PDF-extraction damage: hard wraps at ~35-38 CJK characters
  (a visual width of 70-76, with kinsoku) with a blank line after every line and extra
  blank lines at page breaks; spaces between Chinese and digits/Latin (``2025 年 7 月 4日``);
  long URLs cut over two lines; three header variants (full header, no title line and no
  issue number, starting at 本期导语); titles with or without ``标题：``; photo credits and
  captions (【彭慧胜 图】, （受访者供图）, ``本报记者 秦媛 摄``); ASCII instead of full-width
  punctuation; and now and then a declared article count that disagrees with the contents.
  About one digest in four uses the unwrapped layout of seed 001 (one paragraph per line,
  ``<url>``, ASCII parentheses in the table of contents).

Output
------
``DIR/NNNNNN_<16 hex>.txt`` (hex = start of the file's SHA-256; file numbers are shuffled
against issue order, as in the seeds) and ``DIR/manifest.json`` with the truth about every
file: kind, true and visible issue number, visible issue date, period, declared and true
article counts, and per article title, source, URL, publication date and number of photo
credits.  ``run.py`` compares what ``weeklylib.load_corpus`` finds with this manifest.

The output depends only on ``--scale``, ``--seed`` and the seed files: every file has its
own random generator seeded from (seed, file number).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "seeds"
GENERATOR_VERSION = 1
DIGESTS_PER_UNIT = 4       # seeds 001-004
STANDALONE_PER_UNIT = 1    # seed 000
MANIFEST_NAME = "manifest.json"
FILE_RE = re.compile(r"^\d{6}_[0-9a-f]{16}\.txt$")
LAST_PERIOD_END = dt.date(2025, 12, 26)

CENTRE = "北京市卫生健康大数据与政策研究中心"
MASTHEAD = "全国卫生信息化舆情监测周报"
LEAD_TMPL = ("本期周报共收集{n}篇卫生健康大数据与政策研究相关信息，时间从{start}到{end}，"
             "监测范围包括全国主流媒体及政府网站等。")

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
CLOSING = set("，。、；：！？”’）》】」』…,.;:!?)")
SENT_END = "。！？"

# ---------------------------------------------------------------------------------------
# domain vocabularies (used to vary the seeds; invented URLs, real outlet names)
# ---------------------------------------------------------------------------------------

OUTLETS: dict[str, str] = {
    "新华网": "www.news.cn", "人民网": "health.people.com.cn", "人民政协网": "www.rmzxw.com.cn",
    "新华社客户端": "xhpfmapi.xinhuaxmt.com", "中国新闻网": "www.chinanews.com.cn",
    "齐鲁网": "news.iqilu.com", "福州新闻网": "news.fznews.com.cn", "南方网": "news.southcn.com",
    "南宁日报": "www.nnrb.com.cn", "中国经济网": "www.ce.cn",
    "上海市人民政府网": "www.shanghai.gov.cn", "健康报": "www.jkb.com.cn",
    "光明网": "tech.gmw.cn", "央视网": "news.cctv.com", "中国青年网": "news.youth.cn",
    "澎湃新闻": "www.thepaper.cn", "经济日报": "paper.ce.cn", "科技日报": "www.stdaily.com",
    "北京日报": "bj.bjd.com.cn", "浙江在线": "zjnews.zjol.com.cn",
    "四川在线": "sichuan.scol.com.cn",
    "大众网": "www.dzwww.com", "红网": "hn.rednet.cn", "荆楚网": "news.cnhubei.com",
    "东方网": "j.eastday.com", "中国政府网": "www.gov.cn", "国家卫生健康委员会": "www.nhc.gov.cn",
    "动脉网": "vcbeat.top", "环球网": "health.huanqiu.com", "人民日报客户端": "wap.peopleapp.com",
}
SECTIONS = ("politics", "tech", "health", "local", "society", "finance", "xw", "yw", "zx")
TITLE_PREFIXES = ("代表委员履职故事 | ", "聚焦两会 | ", "新华视点 | ", "权威发布 | ", "数智医疗 | ",
                  "健康中国行 | ")
# seed city -> its province; both get replaced per article
SEED_CITIES = {"徐州": "江苏", "成都": "四川", "福州": "福建", "南宁": "广西", "广州": "广东",
               "聊城": "山东", "潍坊": "山东", "遵义": "贵州", "贵阳": "贵州"}
SEED_PROVINCES = ("江苏", "四川", "福建", "广西", "广东", "山东", "贵州")
CITIES = (
    ("洛阳", "河南"), ("襄阳", "湖北"), ("宜昌", "湖北"), ("株洲", "湖南"), ("常德", "湖南"),
    ("赣州", "江西"), ("九江", "江西"), ("芜湖", "安徽"), ("蚌埠", "安徽"), ("温州", "浙江"),
    ("嘉兴", "浙江"), ("绍兴", "浙江"), ("泉州", "福建"), ("厦门", "福建"), ("汕头", "广东"),
    ("佛山", "广东"), ("柳州", "广西"), ("桂林", "广西"), ("绵阳", "四川"), ("宜宾", "四川"),
    ("昆明", "云南"), ("大理", "云南"), ("西宁", "青海"), ("银川", "宁夏"), ("兰州", "甘肃"),
    ("天水", "甘肃"), ("包头", "内蒙古"), ("大同", "山西"), ("长治", "山西"), ("保定", "河北"),
    ("唐山", "河北"), ("烟台", "山东"), ("临沂", "山东"), ("淄博", "山东"), ("盐城", "江苏"),
    ("南通", "江苏"), ("扬州", "江苏"), ("哈尔滨", "黑龙江"), ("大连", "辽宁"), ("鞍山", "辽宁"),
    ("宝鸡", "陕西"), ("汉中", "陕西"), ("海口", "海南"), ("拉萨", "西藏"), ("长春", "吉林"),
    ("徐州", "江苏"), ("成都", "四川"), ("福州", "福建"), ("南宁", "广西"), ("广州", "广东"),
    ("聊城", "山东"), ("潍坊", "山东"), ("遵义", "贵州"), ("贵阳", "贵州"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华慧建国红志宏海波鹏飞云晓燕玲春秋辉"
# extra photo captions ({name} and {n} are filled in; place names are varied like the text)
CAPTION_TEMPLATES = (
    "{name}在活动上致辞。", "{name}（前排左{n}）在基层开展义诊。",
    "{name}（左{n}）在病房了解病人情况。",
    "图为医护人员在徐州某医院使用移动护理终端。", "患者在成都市某医院通过自助机完成挂号缴费。",
    "福州市民在社区卫生服务中心体验智能导诊。", "图为远程会诊中心工作人员与基层医生连线。",
    "与会嘉宾参观智慧医疗成果展。", "签约仪式现场。", "{name}介绍医院数据治理平台。",
)
ISSUE_DIGITS = "〇一二三四五六七八九"
POS_DIGITS = "零一二三四五六七八九"

# ---------------------------------------------------------------------------------------
# small text helpers
# ---------------------------------------------------------------------------------------


def width(s: str) -> int:
    """Visual width: 1 for ASCII/Latin, 2 for CJK (UTF-8 length trick, exact for 1/3-byte chars)."""
    return (len(s.encode("utf-8")) + len(s)) // 2


_BOUNDARY_RE = re.compile(rf"(?<=[{CJK}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])(?=[{CJK}])")
_STRIP_BOUNDARY_RE = re.compile(rf"(?<=[{CJK}，。、：；])[ \t]+(?=[A-Za-z0-9])"
                                rf"|(?<=[A-Za-z0-9%.])[ \t]+(?=[{CJK}，。、：；])")
_CJK_PAIR_RE = re.compile(rf"(?<=[{CJK}])(?=[{CJK}])")
_NUMBER_RE = re.compile(r"(?<![A-Za-z0-9.\-/_])(\d+)(\.\d+)?(?![A-Za-z0-9]|\.\d)")
_WS_RE = re.compile(r"\s+")
_SENT_RE = re.compile(r"(?<=[。！？])(?![”’」』）)])|(?<=[。！？][”’」』])")


def to_chinese_digits(n: int, rng: random.Random) -> str:
    """614 -> 六一四 (digit by digit, 0 as 〇, sometimes 零)."""
    zero = "〇" if rng.random() < 0.85 else "零"
    return "".join(zero if d == "0" else ISSUE_DIGITS[int(d)] for d in str(n))


def to_chinese_positional(n: int) -> str:
    """614 -> 六百一十四, 1005 -> 一千零五, 15 -> 十五 (n < 100,000)."""
    if n == 0:
        return "零"
    units = ("", "十", "百", "千", "万")
    digits = [int(d) for d in str(n)]
    out: list[str] = []
    pending_zero = False
    for i, d in enumerate(digits):
        place = len(digits) - 1 - i
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        if not (d == 1 and place == 1 and not out):  # 十五, not 一十五
            out.append(POS_DIGITS[d])
        out.append(units[place])
    return "".join(out)


def cn_date(d: dt.date, spaced: bool, rng: random.Random) -> str:
    """2025年2月28日, or with PDF spaces 2025 年 7 月 4日 (a space sometimes missing)."""
    if not spaced:
        return f"{d.year}年{d.month}月{d.day}日"
    parts = [str(d.year), "年", str(d.month), "月", str(d.day), "日"]
    out = parts[0]
    for p in parts[1:]:
        out += ("" if rng.random() < 0.12 else " ") + p
    return out


def add_boundary_spaces(text: str, rng: random.Random, p: float, p_cjk: float = 0.0) -> str:
    """Insert the spaces PDF extraction puts between Chinese and digits/Latin (with probability
    *p* per boundary) and, rarely, a stray space between two Chinese characters."""
    if p > 0:
        text = _BOUNDARY_RE.sub(lambda m: " " if rng.random() < p else "", text)
    if p_cjk > 0 and len(text) > 80 and rng.random() < p_cjk * len(text) / 400:
        # one stray space between two CJK characters somewhere in this paragraph
        spots = [m.start() for m in _CJK_PAIR_RE.finditer(text, 20, len(text) - 20)]
        if spots:
            i = rng.choice(spots)
            text = text[:i] + " " + text[i:]
    return text


def wrap(text: str, limit: int) -> list[str]:
    """Break *text* into lines of visual width <= limit (CJK = 2), keeping closing punctuation
    on the line it closes (kinsoku) and not splitting Latin words when avoidable."""
    out: list[str] = []
    i, n = 0, len(text)
    half = limit // 2
    while i < n:
        j = min(n, i + half)
        w = width(text[i:j])
        while j < n and w < limit:
            step = max(1, (limit - w) // 2)
            j2 = min(n, j + step)
            w2 = w + width(text[j:j2])
            if w2 > limit:
                if step == 1:
                    break
                j2 = j + 1
                w2 = w + width(text[j])
                if w2 > limit:
                    break
            j, w = j2, w2
        if j < n:
            if text[j] in CLOSING:          # kinsoku: no line starts with closing punctuation
                j += 1
                if j < n and text[j] in CLOSING:
                    j += 1
            elif text[j - 1].isascii() and text[j - 1].isalnum() and text[j].isascii() \
                    and text[j].isalnum():
                k = j
                while k > i + half // 2 and text[k - 1].isascii() and text[k - 1].isalnum():
                    k -= 1
                if k > i + half // 2:
                    j = k
        line = text[i:j].strip(" ")
        if line:
            out.append(line)
        i = j
    return out


def cut_url(url: str, rng: random.Random) -> list[str]:
    """A URL longer than the PDF column (54-58 ASCII chars) continues on the next line."""
    limit = rng.randint(54, 58)
    if len(url) <= limit:
        return [url]
    return [url[:limit], url[limit:]]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def strip_boundary_spaces(s: str) -> str:
    return _STRIP_BOUNDARY_RE.sub("", s)


# ---------------------------------------------------------------------------------------
# material from the seeds
# ---------------------------------------------------------------------------------------


@dataclass
class Material:
    paragraphs: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    subheads: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    body_lengths: list[int] = field(default_factory=list)   # chars per seed article body
    standalone_lengths: list[int] = field(default_factory=list)


_CREDIT_RE = re.compile(r"^【.{1,12}图】$|供图[）)]$|摄$")
_PERSON_CAPTION_RE = re.compile(r"(教授|院长|会长|局长|书记|主任|金小桃|顾瑾栩)$")
_DATE_SOURCE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\s*来源[：:]\s*(.+)$")
_ITEM_RE = re.compile(r"^\d+[.．、](?!\d)\s*(?:标题[：:])?\s*(.+)$")


def _logical_lines(text: str) -> list[str]:
    """Undo the hard wraps well enough to get paragraphs back (only used to harvest material)."""
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    wrapped = sum(62 <= width(ln) <= 80 for ln in lines) > 0.3 * len(lines)
    out: list[str] = []
    prev = ""
    for ln in lines:
        marker = (ln.startswith(("来源", "链接", "主要内容", "http", "【"))
                  or bool(_ITEM_RE.match(ln) or _DATE_SOURCE_RE.match(ln) or _CREDIT_RE.search(ln)))
        url_tail = bool(out) and out[-1].startswith("http") and re.fullmatch(r"[\w./?=&%-]+", ln)
        if out and (url_tail or (wrapped and width(prev) >= 62 and not marker)):
            latin = out[-1][-1:].isascii() and out[-1][-1:].isalpha() and ln[:1].isascii() \
                and ln[:1].isalpha() and not url_tail
            out[-1] = out[-1] + (" " if latin else "") + ln
        else:
            out.append(ln)
        prev = ln
    return out


def _classify_body(paras: list[str], mat: Material) -> int:
    n_chars = 0
    # a caption glued to the paragraph before it by the unwrapping ("…说。图为…摄") is cut off
    paras = [part for p in paras for part in re.split(r"(?<=[。！？”])(?=图为)", p)]
    for p in paras:
        p = strip_boundary_spaces(p)
        if p.startswith(("http", "<http")):
            continue
        if _CREDIT_RE.search(p):
            cap = re.sub(r"[（(]受访者供图[）)]$|\S{2,4}\s*摄$|^【.*】$", "", p).strip()
            cap = re.sub(r"(本报)?记者\s*$", "", cap).strip()
            if 6 <= len(cap) <= 60:
                mat.captions.append(cap)
            continue
        if len(p) < 26 and "。" not in p:
            if re.match(r"^(来源|链接|主要内容|作者|本报|【)", p) or "记者" in p or len(p) < 4:
                continue
            if _PERSON_CAPTION_RE.search(p):
                mat.captions.append(p)        # a bare caption under a portrait
            elif p[-1:] not in SENT_END:
                mat.subheads.append(p)
            continue
        mat.paragraphs.append(p)
        n_chars += len(p)
    return n_chars


def load_material(seeds_dir: Path = SEEDS_DIR) -> Material:
    """Harvest paragraphs, sentences, subheadings, titles and captions from the seed files."""
    mat = Material()
    files = sorted(p for p in Path(seeds_dir).glob("*.txt"))
    if not files:
        raise SystemExit(f"no seed files in {seeds_dir}")
    for path in files:
        text = path.read_text(encoding="utf-8")
        if "来源" not in text or "主要内容" not in text:
            _harvest_standalone(text, mat)
            continue
        lines = _logical_lines(text)
        starts = [i for i, ln in enumerate(lines) if _DATE_SOURCE_RE.match(ln)]
        for k, s in enumerate(starts):
            mat.titles.append(strip_boundary_spaces(lines[s - 1]))
            end = len(lines)
            nxt = starts[k + 1] if k + 1 < len(starts) else len(lines)
            for j in range(s + 1, nxt):
                if _ITEM_RE.match(lines[j]) and any(
                        x.startswith("来源") for x in lines[j + 1:j + 3]):
                    end = j
                    break
            else:
                end = nxt
            mat.body_lengths.append(_classify_body(lines[s + 1:end], mat))
    mat.paragraphs = [p for p in mat.paragraphs if not p.startswith("图为")]
    for p in mat.paragraphs:
        mat.sentences.extend(s for s in _SENT_RE.split(p) if len(s) >= 8)
    mat.subheads = sorted(set(mat.subheads))
    mat.captions = sorted(set(mat.captions) | set(CAPTION_TEMPLATES))
    if not mat.body_lengths:
        raise SystemExit(f"no digest articles found in {seeds_dir}")
    if not mat.standalone_lengths:
        mat.standalone_lengths = [7000]
    return mat


def _harvest_standalone(text: str, mat: Material) -> None:
    text = text.split("徐州报业传媒集团")[0]
    paras: list[str] = []
    n_chars = 0
    for ln in (x.strip() for x in text.split("\n")):
        if not ln:
            continue
        if ln.startswith("# "):
            mat.titles.append(ln[2:].replace("『", "“").replace("』", "”"))
        elif ln.startswith("## "):
            mat.subheads.append(re.sub(r"^##\s*[A-Z]\s*", "", ln))
        elif len(ln) < 60:
            if not ln.startswith("本报记者") and "?" not in ln:
                mat.captions.append(re.sub(r"本报记者\s*\S+\s*摄$", "", ln).rstrip("。") + "。")
        elif paras and paras[-1][-1] not in SENT_END + "”?!":
            paras[-1] += ln
        else:
            paras.append(ln)
    for p in paras:
        # back to full-width punctuation; the generator decides per file what to damage
        p = re.sub(r"(?<!\d),|,(?!\d)", "，", p).replace("?", "？").replace("!", "！")
        p = re.sub(r"(?<=[^\x00-\x7f]):", "：", p)
        for chunk in _SENT_RE.split(p):
            if chunk:
                n_chars += len(chunk)
        # 000's paragraphs were merged across columns: split them back into ~3-sentence paragraphs
        sents = [s for s in _SENT_RE.split(p) if s]
        for k in range(0, len(sents), 3):
            mat.paragraphs.append("".join(sents[k:k + 3]))
    mat.standalone_lengths.append(n_chars)


# ---------------------------------------------------------------------------------------
# generating one article
# ---------------------------------------------------------------------------------------


@dataclass
class Article:
    title: str
    source: str
    url: str
    published: dt.date
    blocks: list[tuple[str, str]]   # (kind, text): kind in para | subhead | credit | caption
    n_credits: int


_PLACE_RE = re.compile("|".join(sorted([*SEED_CITIES, *SEED_PROVINCES], key=len, reverse=True)))


class Varier:
    """Per-article consistent substitution of places and numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.map: dict[str, str] = {}
        for city, prov in SEED_CITIES.items():
            new_city, new_prov = rng.choice(CITIES)
            self.map[city] = new_city
            self.map.setdefault(prov, new_prov)
        for prov in SEED_PROVINCES:
            self.map.setdefault(prov, rng.choice(CITIES)[1])

    def _number(self, m: re.Match) -> str:
        rng = self.rng
        whole, frac = m.group(1), m.group(2) or ""
        after = m.string[m.end():m.end() + 2].lstrip(" ")[:1]
        if after == "年" and len(whole) == 4:
            new = str(rng.randint(2010, 2030))
        elif after == "月":
            new = str(rng.randint(1, 12))
        elif after in ("日", "号"):
            new = str(rng.randint(1, 28))
        elif len(whole) == 1:
            new = str(rng.randint(1, 9))
        else:
            lo = 10 ** (len(whole) - 1)
            new = str(rng.randint(lo, lo * 10 - 1))
        if frac:
            frac = "." + "".join(str(rng.randint(0, 9)) for _ in range(len(frac) - 1))
        return new + frac

    def __call__(self, text: str) -> str:
        text = _PLACE_RE.sub(lambda m: self.map[m.group()], text)
        return _NUMBER_RE.sub(self._number, text)


def make_title(mat: Material, rng: random.Random, vary: Varier) -> str:
    r = rng.random()
    if r < 0.4:
        t = rng.choice(mat.titles)
    elif r < 0.65:
        a, b = rng.sample(mat.subheads, 2)
        t = a + rng.choice(("，", " ", "：")) + b
    elif r < 0.85:
        t = vary.map[rng.choice(list(SEED_CITIES))] + rng.choice(mat.subheads)
    else:
        t = rng.choice(TITLE_PREFIXES) + rng.choice(mat.titles)
    return vary(t)


def make_url(source: str, day: dt.date, rng: random.Random) -> str:
    dom = OUTLETS.get(source, "www.example.cn")
    hexid = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    scheme = "https" if rng.random() < 0.7 else "http"
    k = rng.randrange(5)
    if k == 0:
        path = f"{rng.choice(SECTIONS)}/{day:%Y%m%d}/{hexid}/c.html"
    elif k == 1:
        path = (f"n2/{day:%Y}/{day:%m%d}/c{rng.randint(100000, 999999)}"
                f"-{rng.randint(10**7, 10**8 - 1)}.html")
    elif k == 2:
        path = f"c/{day:%Y-%m-%d}/{rng.randint(10**6, 10**7 - 1)}.shtml?n2m=1"
    elif k == 3:
        path = f"{rng.choice(SECTIONS)}/{day:%Y}/{day:%m-%d}/{rng.randint(10**7, 10**8 - 1)}.shtml"
    else:
        path = (f"{rng.choice(SECTIONS)}/{day:%Y%m}/t{day:%Y%m%d}"
                f"_{rng.randint(10**7, 10**8 - 1)}.htm")
    return f"{scheme}://{dom}/{path}"


def caption(mat: Material, rng: random.Random, vary: Varier) -> str:
    return vary(rng.choice(mat.captions).format(name=person(rng), n=rng.randint(1, 5)))


def make_paragraph(mat: Material, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(mat.paragraphs)
    return "".join(rng.choice(mat.sentences) for _ in range(rng.randint(2, 5)))


def make_body(mat: Material, rng: random.Random, vary: Varier, target: int,
              credits: bool, used: set[str]) -> tuple[list[tuple[str, str]], int]:
    """Paragraphs (seed paragraphs or rebuilt from seed sentences) until ``target`` characters,
    with subheadings and photo credits in between.  ``used`` holds the paragraphs already used
    in this issue: one paragraph in two articles of an issue would look like boilerplate."""
    blocks: list[tuple[str, str]] = []
    n = 0
    n_credits = 0
    while n < target:
        if blocks and rng.random() < 0.10:
            blocks.append(("subhead", vary(rng.choice(mat.subheads))))
        if blocks and credits and rng.random() < 0.12:
            k = rng.randrange(4)
            cap = caption(mat, rng, vary).rstrip("。")
            if k == 0:
                blocks.append(("credit", f"【{person(rng)} 图】"))
                n_credits += 1
            elif k == 1:
                blocks.append(("credit", f"{cap}。（受访者供图）"))
                n_credits += 1
            elif k == 2:
                who = rng.choice(("", "本报记者 ", "记者 ")) + person(rng)
                blocks.append(("credit", f"{cap}。{who} 摄"))
                n_credits += 1
            else:
                if cap.startswith("图为"):     # a marked caption: parsers remove it
                    blocks.append(("credit", cap + "。"))
                    n_credits += 1
                else:                           # a bare caption: indistinguishable from text
                    blocks.append(("caption", cap))
        p = make_paragraph(mat, rng)
        while p in used:
            p = make_paragraph(mat, rng)
        used.add(p)
        p = vary(p)
        blocks.append(("para", p))
        n += len(p)
    return blocks, n_credits


def body_chars(a: Article) -> int:
    """Non-space characters of the body a parser should keep (paragraphs, subheadings, bare
    captions; credit lines excluded)."""
    return sum(len(_WS_RE.sub("", txt)) for kind, txt in a.blocks if kind != "credit")


def make_article(mat: Material, rng: random.Random, start: dt.date, end: dt.date,
                 used: set[str]) -> Article:
    vary = Varier(rng)
    title = make_title(mat, rng, vary)
    source = rng.choice(list(OUTLETS))
    published = start + dt.timedelta(days=rng.randint(0, (end - start).days))
    target = int(rng.choice(mat.body_lengths) * rng.uniform(0.65, 1.25))
    blocks, n_credits = make_body(mat, rng, vary, target, rng.random() < 0.45, used)
    return Article(title, source, make_url(source, published, rng), published, blocks, n_credits)


# ---------------------------------------------------------------------------------------
# rendering with PDF-extraction damage
# ---------------------------------------------------------------------------------------


class Page:
    """Collects output lines; in the wrapped layout each line is followed by a blank line and
    a page break (an extra blank line pair) comes every ~40-46 lines."""

    def __init__(self, rng: random.Random, wrapped: bool, limit: int):
        self.rng, self.wrapped, self.limit = rng, wrapped, limit
        self.parts: list[str] = []
        self.on_page = 0
        self.page_len = rng.randint(40, 46)

    def line(self, s: str, *, breaks: int = 1) -> None:
        self.parts.append(s)
        self.on_page += 1
        sep = "\n\n"
        if breaks > 1 or (self.wrapped and self.on_page >= self.page_len):
            sep = "\n\n\n\n"
            if self.on_page >= self.page_len:
                self.on_page = 0
                self.page_len = self.rng.randint(40, 46)
        self.parts.append(sep)

    def para(self, s: str, *, p_space: float | None = None) -> None:
        """A paragraph: spaces added at CJK/Latin boundaries, then hard-wrapped (wrapped layout)."""
        rng = self.rng
        if p_space is None:
            p_space = 0.85 if self.wrapped else 0.3
        s = add_boundary_spaces(s, rng, p_space, 0.02 if self.wrapped else 0.0)
        if not self.wrapped:
            self.line(s)
            return
        for ln in wrap(s, self.limit):
            self.line(ln)

    def text(self) -> str:
        return "".join(self.parts)


def ascii_punct(s: str, rng: random.Random, level: float) -> str:
    if level <= 0:
        return s
    s = s.replace("（", "(").replace("）", ")")
    if level > 0.5:
        s = s.replace("，", ",").replace("？", "?").replace("！", "!")
        s = re.sub("：", lambda m: ":" if rng.random() < 0.7 else "：", s)
    return s


def render_issue(issue: dict, arts: list[Article], rng: random.Random) -> str:
    wrapped = issue["style"] == "wrapped"
    pg = Page(rng, wrapped, rng.choice((70, 70, 72, 74, 76)))
    header = issue["header"]
    spaced = wrapped
    end = dt.date.fromisoformat(issue["true_issue_date"])
    if header == "full":
        pg.parts.append("\n\n")
        pg.line(MASTHEAD)
        num = issue["issue_no_text"]
        pg.line(f"({num})" if not wrapped else f"（{num}）")
        if wrapped and rng.random() < 0.5:
            pg.line(f"{CENTRE} {cn_date(end, spaced, rng)}")
        else:
            pg.line(CENTRE)
            pg.line(cn_date(end, spaced, rng))
    elif header == "no_title":
        pg.parts.append(" ")
        pg.line(f"{CENTRE} {cn_date(end, spaced, rng)}")
    else:
        pg.parts.append(" ")
    pg.line("本期导语：")
    lead = LEAD_TMPL.format(n=issue["declared_count"],
                            start=cn_date(dt.date.fromisoformat(issue["period_start"]), False, rng),
                            end=cn_date(dt.date.fromisoformat(issue["period_end"]), False, rng))
    pg.para(lead, p_space=0.9 if wrapped else 0.0)
    pg.line("一、信息目录")
    for k, a in enumerate(arts, 1):
        pg.para(f"{k}.{'' if wrapped else ' '}{a.title}", p_space=0.6)
        pg.line(f"（{a.source}）" if wrapped else f"({a.source})")
    pg.line("二、具体内容")
    for k, a in enumerate(arts, 1):
        label = "标题：" if rng.random() < 0.5 else ""
        pg.para(f"{k}.{'' if wrapped else ' '}{label}{a.title}", p_space=0.6)
        pg.line(f"来源：{a.source}", breaks=2 if wrapped and rng.random() < 0.2 else 1)
        pg.line("链接：", breaks=2 if wrapped and rng.random() < 0.3 else 1)
        if wrapped:
            for part in cut_url(a.url, rng):
                pg.line(part)
        else:
            pg.line(f"<{a.url}>")
        pg.line("主要内容：", breaks=2 if wrapped and rng.random() < 0.3 else 1)
        pg.line(add_boundary_spaces(a.title, rng, 0.6 if wrapped else 0.3))
        pg.line(f"{a.published.isoformat()} 来源：{a.source}")
        punct = 0.0
        r = rng.random()
        if r < 0.15:
            punct = 0.3   # ASCII parentheses, as 003's (医共体)
        elif r < 0.18:
            punct = 1.0   # ASCII commas and colons too, as seed 000
        for kind, txt in a.blocks:
            txt = ascii_punct(txt, rng, punct)
            if kind == "para":
                pg.para(txt)
            elif kind == "subhead":
                pg.line(add_boundary_spaces(txt, rng, 0.8 if wrapped else 0.3))
            else:   # credit / caption lines stand alone, often after a page-break-like gap
                pg.parts[-1] = "\n\n\n\n"
                if kind == "caption" and wrapped and len(txt) > 30:
                    pg.para(txt)
                else:
                    pg.line(txt)
    return pg.text().rstrip("\n") + "\n"


def render_standalone(mat: Material, rng: random.Random) -> tuple[str, dict]:
    """A newspaper feature like seed 000: ## sections, # headline, 本报记者, ASCII punctuation,
    paragraphs merged across columns and broken every few hundred characters."""
    vary = Varier(rng)
    title = make_title(mat, rng, vary).replace("“", "『").replace("”", "』")
    target = int(rng.choice(mat.standalone_lengths) * rng.uniform(0.65, 1.25))
    parts: list[str] = ["\n\n"]
    used: set[str] = set()
    n = 0
    n_credits = 0
    for sec, letter in enumerate("ABCDEFGH"):
        if sec > 0 and n >= target:
            break
        parts.append(f"## {letter} {vary(rng.choice(mat.subheads))}\n\n")
        paras = []
        for _ in range(rng.randint(2, 4)):
            p = make_paragraph(mat, rng)
            while p in used:
                p = make_paragraph(mat, rng)
            used.add(p)
            paras.append(ascii_punct(vary(p), rng, 1.0))
        n += sum(map(len, paras))
        if sec >= 2:   # merged across columns and cut every 300-600 characters
            merged = "".join(paras)
            step = rng.randint(300, 600)
            parts.extend(merged[i:i + step] + "\n\n" for i in range(0, len(merged), step))
        else:
            parts.extend(p + "\n\n" for p in paras)
        if rng.random() < 0.6:
            cap = caption(mat, rng, vary).rstrip("。") + "。"
            parts[-1] += "\n\n"
            if rng.random() < 0.5:
                parts.append(f"{cap}本报记者 {person(rng)} 摄\n\n")
                n_credits += 1
            else:
                parts.append(f"{cap}\n\n")
        if sec == 0:
            parts.append(f"# {title}\n\n本报记者 {person(rng)}\n\n")
    city = vary("徐州")
    parts.append(f"{city}报业传媒集团\n\n# 城市体验官\n\n真人探访\n\n角色体验\n\n"
                 f"{city}发布 公众号\n")
    truth = {"title": title, "source": "", "url": "",
             "published": None, "n_credits": n_credits, "n_body_chars": None}
    return "".join(parts), truth


# ---------------------------------------------------------------------------------------
# the corpus
# ---------------------------------------------------------------------------------------


def plan_issues(n_issues: int, rng: random.Random) -> list[dict]:
    """Consecutive issue numbers and weekly periods ending on LAST_PERIOD_END; ~12% two-week
    issues, ~5% gaps (a week without an issue)."""
    spans = []
    for _ in range(n_issues):
        length = 14 if rng.random() < 0.12 else 7
        gap = 7 if rng.random() < 0.05 else 0
        spans.append((length, gap))
    first_no = 101 + rng.randrange(400)
    issues = []
    end = LAST_PERIOD_END
    for k in range(n_issues - 1, -1, -1):
        length, gap = spans[k]
        start = end - dt.timedelta(days=length - 1)
        issues.append({"issue_no": first_no + k, "period_start": start.isoformat(),
                       "period_end": end.isoformat()})
        end = start - dt.timedelta(days=1 + gap)
    issues.reverse()
    return issues


def generate(scale: int, out: Path, seed: int = 0, *, seeds_dir: Path = SEEDS_DIR,
             quiet: bool = False) -> dict:
    """Write the corpus and its manifest; return the manifest."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale!r}")
    t0 = time.perf_counter()
    mat = load_material(seeds_dir)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():   # only files this script writes
        if FILE_RE.match(old.name) or old.name == MANIFEST_NAME:
            old.unlink()
    plan_rng = random.Random(f"weeklylib-bench/{seed}/plan")
    n_issues = scale * DIGESTS_PER_UNIT
    n_standalone = scale * STANDALONE_PER_UNIT
    issues = plan_issues(n_issues, plan_rng)
    # per scale unit: one issue of each header variant plus one random; one unwrapped (001 style)
    headers: list[str] = []
    styles: list[str] = []
    for _ in range(scale):
        h = ["full", "no_title", "lead_only", plan_rng.choice(("full", "no_title", "lead_only"))]
        s = ["flat", "wrapped", "wrapped", "wrapped"]
        plan_rng.shuffle(h)
        plan_rng.shuffle(s)
        headers += h
        styles += s
    n_files = n_issues + n_standalone
    numbers = list(range(n_files))
    plan_rng.shuffle(numbers)
    kinds = ["weekly"] * n_issues + ["article"] * n_standalone
    files = []
    total_bytes = 0
    for k in range(n_files):
        rng = random.Random(f"weeklylib-bench/{seed}/file/{k}")
        if kinds[k] == "weekly":
            iss = issues[k]
            n_art = rng.choice((3, 3, 3, 4))
            declared = n_art
            if (k == 3 or rng.random() < 0.08):   # like seed 004: says 3, holds 4
                declared = n_art + rng.choice((-1, 1))
            start = dt.date.fromisoformat(iss["period_start"])
            end = dt.date.fromisoformat(iss["period_end"])
            used: set[str] = set()
            arts = [make_article(mat, rng, start, end, used) for _ in range(n_art)]
            positional = rng.random() < 0.15
            num_text = (to_chinese_positional(iss["issue_no"]) if positional
                        else to_chinese_digits(iss["issue_no"], rng))
            header = headers[k]
            info = {
                "kind": "weekly", "header": header, "style": styles[k],
                "issue_no": iss["issue_no"],
                "issue_no_text": f"第{num_text}期",
                "issue_no_style": "positional" if positional else "digits",
                "issue_no_visible": iss["issue_no"] if header == "full" else None,
                "true_issue_date": iss["period_end"],
                "issue_date": iss["period_end"] if header != "lead_only" else None,
                "period_start": iss["period_start"], "period_end": iss["period_end"],
                "declared_count": declared, "n_articles": n_art,
            }
            text = render_issue(info, arts, rng)
            info["articles"] = [
                {"position": p, "title": a.title, "source": a.source, "url": a.url,
                 "published": a.published.isoformat(), "n_credits": a.n_credits,
                 "n_body_chars": body_chars(a)}
                for p, a in enumerate(arts, 1)]
        else:
            text, truth = render_standalone(mat, rng)
            info = {"kind": "article", "header": "standalone", "style": "newspaper",
                    "issue_no": None, "issue_no_visible": None, "issue_date": None,
                    "period_start": None, "period_end": None, "declared_count": None,
                    "n_articles": 1, "articles": [{"position": 1, **truth}]}
        data = text.encode("utf-8")
        name = f"{numbers[k]:06d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
        (out / name).write_bytes(data)
        total_bytes += len(data)
        files.append({"file": name, "doc_id": name[:-4], "n_bytes": len(data), **info})
    files.sort(key=lambda f: f["file"])
    manifest = {
        "generator": "benchmarks/generate.py", "version": GENERATOR_VERSION,
        "scale": scale, "seed": seed, "n_files": n_files, "n_weekly": n_issues,
        "n_standalone": n_standalone, "n_bytes": total_bytes,
        "n_articles": sum(f["n_articles"] for f in files),
        "files": files,
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=0) + "\n",
                                     encoding="utf-8")
    if not quiet:
        print(f"wrote {n_files} files ({n_issues} issues, {n_standalone} standalone), "
              f"{manifest['n_articles']} articles, {total_bytes / 1e6:.1f} MB to {out} "
              f"in {time.perf_counter() - t0:.1f} s")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, required=True,
                    help="N: N x 4 issues + N standalone articles")
    ap.add_argument("--out", type=Path, required=True,
                    help="output folder (files this script wrote there before are replaced)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--seeds-dir", type=Path, default=SEEDS_DIR, help="folder of seed files")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    generate(args.scale, args.out, args.seed, seeds_dir=args.seeds_dir, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
