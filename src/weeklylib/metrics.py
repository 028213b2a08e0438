"""Smart-hospital ratings and performance indicators, with the sentence each came from.

:func:`extract_metrics` reads article bodies and returns one row per figure it finds:

* **ratings** of the national smart-hospital schemes — ``emr_level`` (电子病历系统应用水平分级,
  levels 0–8), ``interop_level`` (互联互通标准化成熟度测评, 一级 … 五级甲等, 甲/乙 in
  ``grade``), ``smart_service_level`` (智慧服务分级评估, 0–5) and ``smart_management_level``
  (智慧管理分级评估, 0–5), plus the shorthand "643" (电子病历六级 + 互联互通四级甲等 +
  智慧服务三级) decoded into three rows;
* **indicators** named in the editable vocabulary ``weeklylib/data/metrics.toml`` — rates and
  shares (县域内就诊率 91.74%), changes (平均住院日缩短1.1天, 投诉率下降16个百分点),
  before→after pairs (从3.5小时缩短至2.8小时), durations saved and counts (服务超10亿人次).

Precision comes before recall: a figure is reported only when the rating or indicator name and
the number stand in one of the phrasings below, inside one clause; anything looser is left out.
Every row carries the whole ``sentence``, the exact ``matched`` text and its ``start``/``end``
offsets in ``body`` (``body[start:end] == matched``), so each figure can be checked by eye.

Rules, in short
---------------
Text
    Matching runs on a copy of the body in which full-width digits/letters and common
    traditional characters (電子病歷, 互聯互通, 級 …) are mapped one-to-one to their
    simplified/ASCII forms and spaces are ignored (``六 级``, ``91.74 %``); offsets always
    refer to the original body.  Sentences end at 。！？!? or a line break (a closing quote
    stays with its sentence).
Ratings
    ``<name><gap><level>`` (电子病历系统应用水平分级评价结果为六级; gap ≤ 12 characters, no
    clause punctuation, no other rating name) or ``<level><name>`` (五级电子病历,
    三级智慧服务评审).  Levels are 0–8 in Arabic, full-width or Chinese numerals; a level
    above the scheme's maximum, a range (0—8级, 0级至8级), a hospital grade (三级甲等医院,
    二级以上医院 after any gap) and administrative tiers (县乡村三级…) are rejected.
    ``从五级提升至六级`` gives value 6, baseline 5.  When a sentence names exactly one
    scheme, a later ``通过/获评/达到 N级评审`` (…评价/测评/评级/评估) in it is read as that scheme
    (…高级别医院名单，我省5家医院通过五级评审).  "643" counts only as a standalone token
    (not part of a longer number, not followed by a counting unit) that is quoted or next to
    建设/目标/智慧医院…, and only when its sentence, or another "643" sentence of the same
    article, names a rating (智慧医院, 电子病历, 互联互通, 智慧服务, 评级, 评审 …).
Rating direction
    ``target`` when the clause before the level holds 力争/争取/目标/将/计划/拟/预计/有望/
    冲刺/创建/申报/推进…; else ``achieved`` when it holds 达到/达成/通过/获评/荣获/成为/评为/
    晋级/完成/实现…; else ``""``.
Indicators
    ``<name><gap><value>`` where the gap is at most the entry's ``gap`` characters (default
    8) with no digits or clause punctuation, and the value is one of:
    ``[从|由]A[unit][verb](至|到)B unit`` (value B, baseline A), ``<verb>[至|到]N unit``
    (a change, or a level when 至/到 follows the verb), ``增幅/降幅 N unit``, or
    ``[为|是|达|约|超过|近 …]N unit`` (a level).  ``<verb><name>N unit`` (节省入院时间21分钟)
    and, for entries with ``before = true``, ``N unit<gap ≤ 6><name>`` (完成300余例介入手术)
    are read too; ``、<name>N unit`` right after a change inherits its verb
    (节省入院时间21分钟、出院时间62分钟).  The unit must be one the entry allows; a range
    (90%-95%) is rejected.  Where several names start at one place the longest that yields a
    value wins; each number is used once.
Numbers and units
    ``value`` is a float.  Counts written with 万/亿/千 are multiplied out and the unit is the
    base unit (``10亿人次`` → value 1e9, unit ``人次``; ``3万台`` → 30000 ``台``); ``value_text``
    keeps the number as written (``10亿``).  ``%`` (percent) and ``个百分点`` (percentage points,
    also written 百分点) are different units and are never merged.  ``名``/``群众``/``居民``/
    ``患者`` after a number are counted as ``人``; ``个小时`` → ``小时``; ``秒钟`` → ``秒``;
    ``千米`` → ``公里``; ``个工作日`` → ``工作日``.
Qualifier
    One word, as written, chosen in this order: a bound after the number (以上, 及以上, 以下,
    以内, 内, 左右, 上下), then 余/多 between number and unit, then the word before the number
    (超过, 超, 逾, 近, 将近, 接近, 约, 不足, 不到, 不超过, 仅, 最高, 最多, 高达, 达到, 达 …).
Year
    The last ``YYYY年度`` before the end of the match in the same sentence, else the last
    ``YYYY年`` before its start that is not a range end and not 自/从 (a start date).
Place
    ``province``/``city`` come from the place mention (``weeklylib.extract_places``, body
    mentions with a province) in the same sentence nearest *before* the match, or, if none
    comes before it, nearest after it (``place_rule = "sentence"``).  A sentence without a
    place takes the article's region from ``weeklylib.resolve_regions`` when that names
    exactly one region with a province (``place_rule = "article"``); a sentence about the
    whole country (全国, 我国, 国内, 全球 …) stays empty (``place_rule = "national"``), and so
    does everything else (``place_rule = ""``): empty rather than guessed.
Institution
    The proper name ending in 医院/卫生院/保健院/卫生服务中心/医学中心/防治中心/… in the
    same sentence, nearest before the match (else nearest after it).  Generic references
    (该院, 三级医院, 公立医院, 县人民医院, 首家…医院) are not names, and nothing is filled in
    from other sentences.

Examples
--------
>>> import pandas as pd
>>> from weeklylib.metrics import extract_metrics
>>> arts = pd.DataFrame({"article_id": ["d#1"], "title": ["t"],
...     "body": ["东阿县人民医院顺利通过电子病历六级评审，平均住院日缩短1.1天。"]})
>>> m = extract_metrics(arts, places=pd.DataFrame())
>>> for r in m.itertuples():
...     print(r.metric, r.value, r.unit, r.direction, r.institution, r.matched)
emr_level 6.0 级 achieved 东阿县人民医院 电子病历六级
avg_length_of_stay 1.1 天 缩短 东阿县人民医院 平均住院日缩短1.1天
"""

from __future__ import annotations

import logging
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weeklylib.errors import DataFileError

logger = logging.getLogger("weeklylib")

__all__ = [
    "METRIC_COLUMNS",
    "RATING_COLUMNS",
    "REGION_COLUMNS",
    "MetricVocabulary",
    "compare_regions",
    "extract_metrics",
    "indicator_comparison",
    "load_metric_vocabulary",
    "ratings_by_province",
]

#: Columns of :func:`extract_metrics`, in order.
METRIC_COLUMNS: tuple[str, ...] = (
    "article_id",
    "province",     # full province name ("" when unknown)
    "city",         # full city name ("" when unknown)
    "institution",  # hospital/centre named in the same sentence ("" when not stated)
    "metric",       # id from metrics.toml
    "value",        # float: level, rate, change or count (counts multiplied out)
    "unit",         # 级 | % | 个百分点 | 天 | 分钟 | 人次 | ...
    "grade",        # 甲 | 乙 for interop ratings, "" otherwise
    "qualifier",    # 以上 | 超过 | 近 | 余 | 约 | 达 | ... ("" when none)
    "direction",    # ratings: achieved | target | ""; indicators: the verb (缩短, 提升 ...)
    "baseline",     # float: the "from" value of a from→to pair (NaN otherwise)
    "year",         # Int64: year stated in the sentence (<NA> when none)
    "sentence",     # the whole source sentence, as in the body
    "start",        # offset of `matched` in body
    "end",
    "matched",      # body[start:end]
    "kind",         # rating | indicator
    "label_zh",
    "label_en",
    "value_text",   # the number as written (六, 91.74, 10亿, 643)
    "value_type",   # level | change
    "trend",        # up | down | "" (from the verb, or from baseline → value)
    "place_rule",   # sentence | article | national | ""
    "title",        # article title (for labels), "" when the input has none
)

#: Columns of :func:`ratings_by_province`.
RATING_COLUMNS: tuple[str, ...] = (
    "province", "city", "institution", "metric", "label_zh", "label_en", "level", "grade",
    "level_label", "direction", "target_level", "target_label", "year", "n_mentions",
    "n_articles", "article_ids", "sentence",
)

#: Columns of :func:`compare_regions` (``province`` is replaced by ``city`` with ``by="city"``).
REGION_COLUMNS: tuple[str, ...] = (
    "province", "kind", "metric", "label_zh", "label_en", "unit", "value_type", "trend",
    "measure", "value", "min", "max", "n_values", "n_articles", "article_ids",
)

KINDS = ("rating", "indicator")
_KIND_ORDER = {"rating": 0, "indicator": 1}

# --------------------------------------------------------------------------- text normalisation

# Traditional → simplified, one character to one character (offsets are preserved).
_TRAD = (
    "電歷統應級評價審聯測準網醫療診務滿訴縮減時間鐘達過為獲將計劃爭擬預標體驗檢數據區縣內門護"
    "費結處萬億餘約當從長臺張號個點幾兩與這們會實現稱項說報導轉載蓋藥專術後並發確靈誤錯書寫質範"
    "規論認簽檔議參絡環節壓輕創請籌備進動機構衛總員鄉鎮辦榮晉獎類屬單優勢層則較於"
)
_SIMP = (
    "电历统应级评价审联测准网医疗诊务满诉缩减时间钟达过为获将计划争拟预标体验检数据区县内门护"
    "费结处万亿余约当从长台张号个点几两与这们会实现称项说报导转载盖药专术后并发确灵误错书写质范"
    "规论认签档议参络环节压轻创请筹备进动机构卫总员乡镇办荣晋奖类属单优势层则较于"
)


def _build_translation() -> dict[int, int]:
    table: dict[int, int] = {}
    for t, s in zip(_TRAD, _SIMP, strict=True):
        table[ord(t)] = ord(s)
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII → ASCII
        table[cp] = cp - 0xFEE0
    table[0x3000] = 0x20  # ideographic space
    table[0xFF05] = ord("%")
    return table


_TRANSLATION = _build_translation()
#: Characters that make a body go through the (slower) translation.
_NEEDS_TRANSLATION_RE = re.compile(
    "[" + re.escape(_TRAD) + "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\u3000]"
)
_WS_RE = re.compile(r"[ \t\xa0\u2000-\u200b\u3000\u202f\u205f]")
#: Either of the two: a body without any goes through untouched.
_SPECIAL_RE = re.compile(_NEEDS_TRANSLATION_RE.pattern[:-1] + _WS_RE.pattern[1:])
_SENT_END_RE = re.compile(r"[。！？!?]+[”’」』\"')）]*|\n")
_LAST_TERM_RE = re.compile(r".*[。！？!?\n]", re.S)
_DIGIT_RE = re.compile(r"[0-9]")
_GATE_RE = re.compile(r"[0-9]|级|[四五][甲乙]")
#: Runs of text without a gate character (:data:`_GATE_RE`) nor a sentence terminator.
_NO_GATE = r"(?:[^。！？!?\n0-9级四五]++|[四五](?![甲乙]))*+"
#: From a position after a sentence (or the start of the text), skip every sentence without a
#: gate character and match the next one that has one: ``s`` is the sentence (closing quotes
#: left over from the previous sentence skipped), ``e`` the terminator run and closing quotes
#: that end it (absent at a line break or the end of the text).  Same bounds as
#: :func:`_sentence_bounds` of the sentence's first gate character, in one C-level call.
_GATED_SENTENCE_RE = re.compile(
    r"(?:" + _NO_GATE + r"[。！？!?\n]++)*+"
    r"[”’」』\"')）]*+"
    r"(?P<s>" + _NO_GATE + r"(?:[0-9]|级|[四五][甲乙])[^。！？!?\n]*+)"
    r"(?=(?P<e>[。！？!?]+[”’」』\"')）]*))?"
)

_CJK_NUM = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
            "八": 8}

# --------------------------------------------------------------------------- shared regexes

_CLAUSE_PUNCT = "，,。；;：:！？!?、\n"
_CLAUSE_RE = re.compile(r"[，,；;：:！？!?。\n]")

_NUM = r"\d+(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?"
_MULT = r"万亿|千万|百万|万|亿|千"
_UNIT = (
    r"个百分点|百分点|%|‰|倍|个工作日|工作日|个小时|小时|分钟|秒钟|秒|天|周|个月|人次|台次|例|台"
    r"|名|人|次|公里|千米|元|群众|居民|患者"
)
_PRE = (
    r"不超过|不足|不到|少于|低于|高于|多于|超过|超出|超|逾|将近|接近|近|大约|约为|约|仅有|只有|仅"
    r"|最高|最多|最低|高达|已达|达到|达|突破|累计|共计"
)
_POST = r"及以上|以上|及以下|以下|以内|之内|内|左右|上下"
_VERB = (
    r"缩短|下降|降低|减少|减轻|节省|节约|压缩|提升|提高|增长|增加|上升|增多|减小|延长"
    r"|(?:降|升|增|减)(?=至|到|为)"
)
_VALUE_TAIL = (
    rf"(?P<pre>{_PRE})?(?P<num>{_NUM})(?P<mult>{_MULT})?(?P<mid>余|多)?(?P<unit>{_UNIT})"
    rf"(?P<post>{_POST})?"
)
_VALUE_RE = re.compile(
    r"(?P<filler>[^，,。；;：:！？!?、\n0-9]{0,20}?)"
    r"(?:"
    rf"(?P<from>从|由)(?:平均|原来的?|原先的?|原本的?|过去的?|以往的?|此前的?|之前的?|改革前的?)?"
    rf"(?P<bnum>{_NUM})(?P<bmult>{_MULT})?(?P<bunit>{_UNIT})?(?:的)?"
    rf"(?P<fverb>{_VERB})?了?(?:至|到|为|成)了?(?:平均|现在的?|目前的?)?"
    rf"|(?P<verb>{_VERB})了?(?P<to>至|到|为)?"
    r"|(?P<noun>增幅|降幅|涨幅|增速)(?:为|达到|达|是)?"
    r"|(?:为|是|在|保持在|稳定在|维持在|控制在)?"
    r")"
    + _VALUE_TAIL
)
#: A number right before its unit (as in :data:`_VALUE_TAIL`): no indicator without one.
_NUM_UNIT_RE = re.compile(rf"\d(?:{_MULT})?(?:余|多)?(?:{_UNIT})")
_BEFORE_RE = re.compile(
    rf"(?<![0-9.])(?P<pre>{_PRE})?(?P<num>{_NUM})(?P<mult>{_MULT})?(?P<mid>余|多)?"
    rf"(?P<unit>{_UNIT})(?P<filler>[^，,。；;：:！？!?、\n0-9]{{0,6}})\Z"
)
_VERB_BEFORE_RE = re.compile(
    rf"(?P<verb>{_VERB})了?(?:患者|群众|居民|病人|医生|医护人员|医务人员|护士|市民)?的?\Z"
)
_FILLER_BREAK_RE = re.compile(r"占比|比例|比重|率|从|由|指数|排名|第|每")
#: Time units in minutes, to put the baseline of 由2小时缩短至30分钟 in the value's unit.
_TIME_FACTORS = {"秒": 1 / 60, "分钟": 1.0, "小时": 60.0, "天": 1440.0, "周": 10080.0}
_RANGE_AFTER_RE = re.compile(r"[-—–~～至到]+\d")
_VERBS_DOWN = {"缩短", "下降", "降低", "减少", "减轻", "节省", "节约", "压缩", "减小", "降", "减",
               "降幅"}
_VERBS_UP = {"提升", "提高", "增长", "增加", "上升", "增多", "升", "增", "增幅", "涨幅", "增速",
             "延长"}

_UNIT_NORMAL = {
    "百分点": "个百分点", "个工作日": "工作日", "个小时": "小时", "秒钟": "秒", "千米": "公里",
    "名": "人", "群众": "人", "居民": "人", "患者": "人",
}
_MULT_VALUE = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8, "千": 1e3}
#: Units a count multiplier (万/亿/千) may precede.
_COUNT_UNITS = {"人次", "人", "次", "例", "台", "台次", "元"}
#: Units accepted in metrics.toml (normalised forms).
KNOWN_UNITS: tuple[str, ...] = (
    "%", "个百分点", "‰", "倍", "秒", "分钟", "小时", "天", "周", "个月", "工作日",
    "人次", "人", "次", "例", "台", "台次", "元", "公里",
)
_QUAL_NORMAL = {"已达": "达", "达到": "达", "高达": "达"}

_YEAR_RE = re.compile(r"(?<![0-9\-—–~～])((?:19|20)\d{2})年(度)?(?![-—–~～至到]\d)")
_YEAR_RANGE_END_RE = re.compile(r"(?:[0-9]|年)(?:至|到)\Z")
_NATIONAL_RE = re.compile(r"全国|我国|国内|全球|世界|海内外|国际上")

# ratings
_LEVEL_RE = re.compile(
    r"(?<![0-9.零〇一二三四五六七八九十百千万两第])"
    r"(?P<lv>[0-8](?:\.\d{1,2})?|[零〇一二三四五六七八])级(?P<bie>别)?"
    r"(?P<grade>甲等|乙等|[甲乙](?![类方型级组]))?(?P<post>及以上|以上|及以下|以下)?"
)
#: ``通过五级评审`` without the scheme's name (used when the sentence names one scheme).
_CONTEXT_LEVEL_RE = re.compile(
    r"(?:通过|获评|达到|晋级|晋升为|升级为|评为)了?"
    r"(?P<lv>[0-8]|[零〇一二三四五六七八])级(?P<bie>别)?(?P<grade>甲等|乙等)?"
    r"(?P<post>及以上|以上)?(?:评审|评价|测评|评级|评估)"
)
_SHORT_GRADE_RE = re.compile(
    r"(?<![0-9.零〇一二三四五六七八九十百千万两])(?P<lv>[45四五])(?P<grade>[甲乙])(?![等类医])"
)
_RATING_FROMTO_RE = re.compile(
    r"(?:提升|晋升|升级|跃升|升|提高|跨越|迈进|晋级|进阶)(?:至|到|为)"
    r"(?P<lv>[0-8]|[零〇一二三四五六七八])级(?P<grade>甲等|乙等)?"
)
_RANGE_NEXT_RE = re.compile(r"(?:[-—–~～]|至|到)(?:[0-9]|[零〇一二三四五六七八])")
_HOSPITAL_AFTER_RE = re.compile(
    r"(?:甲等|乙等|丙等|甲|乙)?(?:及以上|以上)?"
    r"(?:综合|专科|中医|中西医结合|公立|民营|非公|妇幼|儿童|肿瘤|传染病|精神|口腔|眼科|康复)?"
    r"(?:医院|医疗机构|医疗卫生机构|卫生院)"
)
_RATING_SUFFIX_RE = re.compile(
    r"(?:分级)?(?:评估|评审|评级|评价|测评|评测|等级|标准化|成熟度|标准|医院|水平|认证|建设|目标)"
)
_ADMIN_TIER_CHARS = set("省市县区乡镇村级")
#: What may follow a level read after a rating name (end of text, punctuation, rating words).
_AFTER_LEVEL_OK_RE = re.compile(
    r"\Z|[，,。；;：:！？!?、）)”’』」“‘「『（(\]\s\n]"
    r"|评审|评估|评价|测评|评测|评级|医院|水平|标准|认证|等级|建设|目标|的|和|与|及|或|以上|以下|等"
    r"|要求|阶段|单位|机构|达标|覆盖|全覆盖|验收|医疗机构|乙等|甲等|称号|资质|行列|水准"
)
#: Target cues that hold for the whole clause (力争…达到五级 is still a target).
_STRONG_TARGET_RE = re.compile(
    r"力争|争取|目标是|目标为|(?<![即])将(?!近)|计划|拟|预计|有望|冲刺|确保|(?<![主重需只])要(?!求)"
)
#: Cues whose nearest occurrence before the level decides (推动医院成为… is achieved).
_CUE_RE = re.compile(
    r"(?P<t>目标|创建|申报|申请|迎接|筹备|推进|推动|努力|争创)"
    r"|(?P<a>达到|达成|通过|获评|获得|荣获|成为|评为|晋级|晋升|跻身|完成|实现|取得|摘得|入选|达标"
    r"|升级为|已是|位列)"
)
_DECIMAL_OK_RE = re.compile(r"平均")

# institutions
_INST_SUFFIX_RE = re.compile(
    r"卫生服务中心|卫生服务站|医学中心|医疗中心|眼科中心|防治中心|肿瘤中心|诊疗中心|医疗集团|保健院"
    r"|卫生院|医院"
)
_INST_NOT_AFTER_RE = re.compile(r"管理研究所|管理局|协会|学会|联盟|研究所")
_INST_STOP_RE = re.compile(
    r"通过|成为|作为|目前|其中|此外|近日|如今|今年|去年|位于|包括|以及|依托|联合|携手|推动|推进"
    r"|建设|打造|完成|实现|达到|获评|荣获|入选|来自|记者|表示|介绍|透露|指出|显示|了解|获悉|据悉"
    r"|组织|牵头|帮扶|对口|支持|邀请|主办|承办|协办|发布|宣布|启动|签约|加入|组建|建立|依靠|借助"
    r"|系统|平台|接入|覆盖|辐射|服务|面向|针对|开展|参与|带领|指导|下属|旗下"
    r"|莅临|走进|来到|前往|深入|调研|考察|参观|一行|专家|患者|市民|群众"
    r"|[的在是了与及让使把被给而但也就所这此各每已又并或还要能据等对]"
)
#: Characters stripped once from the start of a name (由三都县人民医院牵头); they are not full
#: stops because they begin place names (都匀, 于都, 将乐, 从化, 即墨, 会理, 共青城, 向阳).
_INST_LEAD_STRIP = "由从向于将至即会可共"
_INST_GENERIC_RE = re.compile(
    r"^(?:该|本|此|这|那|各|每|全|多|几|一|两|某|其|首|唯一|部分|大型|小型|基层|县级|市级|省级|区级"
    r"|乡镇|乡|社区|村|公立|民营|非公|互联网|定点|试点|上级|下级|综合|专科|当地|本地|周边|附近|同级"
    r"|一级|二级|三级|国内|国外|全国|全省|全市|全县|区域|城市|农村|县域|实体|智慧|数字|智能|线上|线下"
    r"|云|中心|分院|总院|新|医院|医疗)"
    r"|级|甲医院|首家|唯一|一家|多家|各类|等级|以上|以下|公立|民营|非公|用血|定点|智慧服务|电子病历"
    r"|互联互通|智慧管理|[0-9]"
    r"|^[省市县区镇乡](?:第.)?(?:人民|中医|中西医结合|妇幼保健|中心)?(?:医院|卫生院)$"
)
#: The run of name characters (CJK, brackets) that ends where the search's ``endpos`` is.
_NAME_RUN_RE = re.compile(r"[\u4e00-\u9fff（）()]*\Z")


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class RatingSpec:
    """One rating scheme of the vocabulary (see ``metrics.toml``)."""

    id: str
    zh: str
    en: str
    max_level: int
    graded: bool
    keyword: re.Pattern
    level_first: re.Pattern | None
    level_first_strict: bool
    level_first_needs_grade: bool
    short_grades: bool


@dataclass(frozen=True)
class ShorthandSpec:
    """A number standing for several ratings ("643")."""

    token: str
    context: re.Pattern
    ratings: tuple[tuple[str, int, str], ...]
    pattern: re.Pattern


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of the vocabulary."""

    id: str
    zh: str
    en: str
    name: re.Pattern
    units: frozenset[str]
    before: bool
    gap: int
    prefixes: frozenset[str] | None


@dataclass(frozen=True)
class MetricVocabulary:
    """Compiled vocabulary of ratings, shorthands and indicators.

    Build it with :func:`load_metric_vocabulary`; pass it to :func:`extract_metrics` as
    ``vocabulary=`` to reuse the compiled patterns.

    Attributes
    ----------
    ratings, shorthands, indicators : tuple
        The entries, in file order.
    source : str
        Where the entries came from.
    """

    ratings: tuple[RatingSpec, ...]
    shorthands: tuple[ShorthandSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    source: str
    labels: dict[str, tuple[str, str, str]] = field(repr=False)  # id -> (zh, en, kind)
    order: dict[str, int] = field(repr=False)
    trigger: re.Pattern = field(repr=False)            # literal prefilter (fast)
    trigger_slow: tuple[re.Pattern, ...] = field(repr=False)  # patterns without prefixes
    rating_any: re.Pattern | None = field(repr=False)
    rating_prefix: re.Pattern = field(repr=False)
    name_prefix: re.Pattern = field(repr=False)
    short_grades: bool = field(repr=False)   # some scheme reads 四甲/五乙 without 级
    shorthand_tokens: tuple[str, ...] = field(repr=False)
    by_prefix: dict[str, tuple[IndicatorSpec, ...]] = field(repr=False)
    always: tuple[IndicatorSpec, ...] = field(repr=False)
    candidates: dict[str, tuple[IndicatorSpec, ...]] = field(repr=False, compare=False)

    def table(self) -> pd.DataFrame:
        """The vocabulary as a table (``metric, kind, label_zh, label_en, units, pattern``)."""
        rows = []
        for r in self.ratings:
            rows.append((r.id, "rating", r.zh, r.en, "级", r.keyword.pattern))
        for i in self.indicators:
            rows.append((i.id, "indicator", i.zh, i.en, " ".join(sorted(i.units)), i.name.pattern))
        return pd.DataFrame(rows, columns=["metric", "kind", "label_zh", "label_en", "units",
                                           "pattern"])


_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_RATING_KEYS = {"id", "zh", "en", "max_level", "graded", "keyword", "level_first",
                "level_first_strict", "level_first_needs_grade", "short_grades"}
_SHORTHAND_KEYS = {"token", "context", "ratings"}
_INDICATOR_KEYS = {"id", "zh", "en", "keywords", "pattern", "units", "before", "gap"}
_BUNDLED = "metrics.toml"


_PREFIX_LEN = 3
_PREFIX_CAP = 4000


def _prefixes(pattern: str, k: int = _PREFIX_LEN) -> frozenset[str] | None:
    """Every literal string of length <= ``k`` that a match of ``pattern`` starts with.

    A match either starts with one of the returned strings of length ``k`` or is itself one of
    the shorter ones.  Lookarounds are ignored (the set only gets larger).  Returns None when
    the pattern cannot be reduced to literal prefixes (classes of unknown size, ``.``,
    back-references, flags, an empty match, or too many prefixes); such an entry is then
    scanned with its own regex.
    """
    try:
        from re import _parser as sre  # type: ignore[attr-defined]

        tree = sre.parse(pattern)
        lit, in_, sub, branch = sre.LITERAL, sre.IN, sre.SUBPATTERN, sre.BRANCH
        reps = {sre.MAX_REPEAT, sre.MIN_REPEAT}
        if hasattr(sre, "POSSESSIVE_REPEAT"):
            reps.add(sre.POSSESSIVE_REPEAT)
        zero = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}
        rng = sre.RANGE
    except Exception:  # pragma: no cover - parser internals changed
        return None

    class _Unknown(Exception):
        pass

    def grow(prefs: set[str], chars: Iterable[str]) -> set[str]:
        chars = list(chars)
        out = {p for p in prefs if len(p) >= k}
        out.update(p + c for p in prefs if len(p) < k for c in chars)
        if len(out) > _PREFIX_CAP:
            raise _Unknown
        return out

    def seq(items, prefs: set[str]) -> set[str]:
        for op, av in items:
            if all(len(p) >= k for p in prefs):
                return prefs
            prefs = one(op, av, prefs)
        return prefs

    def one(op, av, prefs: set[str]) -> set[str]:
        if op is lit:
            return grow(prefs, chr(av))
        if op is in_:
            chars: list[str] = []
            for o, a in av:
                if o is lit:
                    chars.append(chr(a))
                elif o is rng and a[1] - a[0] < 64:
                    chars.extend(chr(c) for c in range(a[0], a[1] + 1))
                else:
                    raise _Unknown
            return grow(prefs, chars)
        if op is sub:
            _group, add_flags, del_flags, p = av
            if add_flags or del_flags:
                raise _Unknown
            return seq(p, prefs)
        if op is branch:
            out: set[str] = set()
            for alt in av[1]:
                out |= seq(alt, prefs)
            return out
        if op in reps:
            lo, hi, p = av
            top = min(hi, max(lo, k))
            out = set()
            cur = prefs
            for i in range(top + 1):
                if i >= lo:
                    out |= cur
                if i == top:
                    break
                cur = seq(p, cur)
            return out
        if op in zero:
            return prefs
        raise _Unknown

    try:
        result = seq(list(tree), {""})
    except _Unknown:
        return None
    if "" in result or not result:
        return None
    return frozenset(result)


def _prefix_regex(prefixes: Iterable[str]) -> re.Pattern:
    """One regex matching any of the literal ``prefixes``, factored as a trie (fast in ``re``)."""
    root: dict[str, dict] = {}
    for word in set(prefixes):
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        items = sorted((k, v) for k, v in node.items() if k)
        if not items:
            return ""
        parts = [re.escape(k) + emit(v) for k, v in items]
        if len(parts) == 1 and "" not in node:
            return parts[0]
        out = "(?:" + "|".join(parts) + ")"
        return out + "?" if "" in node else out

    if not root:
        return re.compile(r"(?!x)x")
    return re.compile(emit(root))


def _bundled_text() -> tuple[str, str]:
    res = resources.files("weeklylib.data").joinpath(_BUNDLED)
    return res.read_text(encoding="utf-8"), f"weeklylib/data/{_BUNDLED}"


def _entry_lines(text: str, header: str) -> list[int]:
    """1-based line numbers of every ``[[header]]`` line."""
    pat = re.compile(rf"^\s*\[\[\s*{re.escape(header)}\s*\]\]")
    return [i for i, line in enumerate(text.splitlines(), 1) if pat.match(line)]


def _parse_vocabulary(text: str, source: str) -> dict[str, list[dict[str, Any]]]:
    """Validate the TOML text and return plain entries with their line numbers."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise DataFileError(f"not valid TOML: {exc}", path=source,
                            line=int(m.group(1)) if m else None) from exc
    unknown = sorted(set(raw) - {"rating", "shorthand", "indicator"})
    if unknown:
        raise DataFileError(
            f"unknown table(s) {unknown}; allowed: [[rating]], [[shorthand]], [[indicator]]",
            path=source)
    out: dict[str, list[dict[str, Any]]] = {}
    for section, keys in (("rating", _RATING_KEYS), ("shorthand", _SHORTHAND_KEYS),
                          ("indicator", _INDICATOR_KEYS)):
        entries = raw.get(section, [])
        lines = _entry_lines(text, section)
        if not isinstance(entries, list):
            raise DataFileError(f"{section} must be an array of tables [[{section}]]",
                                path=source, line=lines[0] if lines else None)
        checked = []
        for k, entry in enumerate(entries):
            line = lines[k] if k < len(lines) else None

            def fail(msg: str, _line: int | None = line, _s: str = section) -> DataFileError:
                return DataFileError(f"[[{_s}]] entry: {msg}", path=source, line=_line)

            if not isinstance(entry, Mapping):
                raise fail("must be a table")
            extra = sorted(set(entry) - keys)
            if extra:
                raise fail(f"unknown key(s) {extra}; allowed: {sorted(keys)}")
            checked.append(_check_entry(section, dict(entry), fail))
            checked[-1]["_line"] = line
        out[section] = checked
    return out


def _compile(pattern: str, what: str, fail) -> re.Pattern:
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise fail(f"{what} is not a valid regular expression ({exc}): {pattern!r}") from exc
    if rx.groups:
        raise fail(f"{what} must not contain capturing groups; write (?:...): {pattern!r}")
    if rx.match(""):
        raise fail(f"{what} must not match the empty string: {pattern!r}")
    return rx


def _check_entry(section: str, e: dict[str, Any], fail) -> dict[str, Any]:
    def need_str(key: str, *, optional: bool = False) -> str:
        v = e.get(key, "" if optional else None)
        if not isinstance(v, str) or (not optional and not v.strip()):
            raise fail(f"{key!r} must be a non-empty string, got {v!r}")
        return v

    if section == "shorthand":
        token = need_str("token")
        if not token.isdigit():
            raise fail(f"'token' must be digits, got {token!r}")
        ctx = _compile(need_str("context"), "'context'", fail)
        ratings = e.get("ratings")
        if not isinstance(ratings, list) or not ratings:
            raise fail("'ratings' must be a non-empty list of {metric, level, grade}")
        decoded = []
        for r in ratings:
            if not isinstance(r, Mapping) or not isinstance(r.get("metric"), str) \
                    or not isinstance(r.get("level"), int) or isinstance(r.get("level"), bool):
                raise fail(f"each rating needs metric (string) and level (integer), got {r!r}")
            grade = r.get("grade", "")
            if grade not in ("", "甲", "乙"):
                raise fail(f"grade must be one of '', '甲', '乙', got {grade!r}")
            decoded.append((r["metric"], int(r["level"]), grade))
        return {"token": token, "context": ctx, "ratings": tuple(decoded)}

    ident = need_str("id")
    if not _ID_RE.match(ident):
        raise fail(f"'id' must be snake_case ([a-z][a-z0-9_]*), got {ident!r}")
    zh, en = need_str("zh"), need_str("en")
    if section == "rating":
        max_level = e.get("max_level")
        if not isinstance(max_level, int) or isinstance(max_level, bool) or not 0 < max_level <= 8:
            raise fail(f"'max_level' must be an integer 1..8, got {max_level!r}")
        flags = {}
        for key in ("graded", "level_first_strict", "level_first_needs_grade", "short_grades"):
            v = e.get(key, False)
            if not isinstance(v, bool):
                raise fail(f"{key!r} must be true or false, got {v!r}")
            flags[key] = v
        kw = _compile(need_str("keyword"), "'keyword'", fail)
        lf = e.get("level_first", "")
        if not isinstance(lf, str):
            raise fail(f"'level_first' must be a string, got {lf!r}")
        return {"id": ident, "zh": zh, "en": en, "max_level": max_level, "keyword": kw,
                "level_first": _compile(lf, "'level_first'", fail) if lf else None, **flags}

    keywords = e.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise fail(f"'keywords' must be a list of non-empty strings, got {keywords!r}")
    pattern = e.get("pattern", "")
    if not isinstance(pattern, str):
        raise fail(f"'pattern' must be a string, got {pattern!r}")
    parts = [re.escape(k) for k in sorted(keywords, key=lambda s: (-len(s), s))]
    if pattern:
        _compile(pattern, "'pattern'", fail)
        parts.append(pattern)
    if not parts:
        raise fail("needs 'keywords' or 'pattern'")
    name = _compile("|".join(f"(?:{p})" for p in parts), "name", fail)
    units = e.get("units")
    if not isinstance(units, list) or not units:
        raise fail(f"'units' must be a non-empty list, got {units!r}")
    bad = [u for u in units if u not in KNOWN_UNITS]
    if bad:
        raise fail(f"'units' must be among {list(KNOWN_UNITS)}, got {bad}")
    before = e.get("before", False)
    if not isinstance(before, bool):
        raise fail(f"'before' must be true or false, got {before!r}")
    gap = e.get("gap", 8)
    if not isinstance(gap, int) or isinstance(gap, bool) or not 0 <= gap <= 20:
        raise fail(f"'gap' must be an integer 0..20, got {gap!r}")
    return {"id": ident, "zh": zh, "en": en, "name": name, "units": frozenset(units),
            "before": before, "gap": gap}


def _build_vocabulary(parsed: dict[str, list[dict[str, Any]]], source: str) -> MetricVocabulary:
    ratings = tuple(
        RatingSpec(id=r["id"], zh=r["zh"], en=r["en"], max_level=r["max_level"],
                   graded=r["graded"], keyword=r["keyword"], level_first=r["level_first"],
                   level_first_strict=r["level_first_strict"],
                   level_first_needs_grade=r["level_first_needs_grade"],
                   short_grades=r["short_grades"])
        for r in parsed.get("rating", [])
    )
    rating_ids = {r.id: r for r in ratings}
    shorthands = []
    for s in parsed.get("shorthand", []):
        for metric, level, _grade in s["ratings"]:
            if metric not in rating_ids:
                raise DataFileError(
                    f"[[shorthand]] {s['token']!r}: metric must be one of "
                    f"{sorted(rating_ids)}, got {metric!r}", path=source, line=s["_line"])
            if not 0 <= level <= rating_ids[metric].max_level:
                raise DataFileError(
                    f"[[shorthand]] {s['token']!r}: level for {metric} must be 0.."
                    f"{rating_ids[metric].max_level}, got {level}", path=source, line=s["_line"])
        token = re.escape(s["token"])
        pat = re.compile(
            rf"(?<![0-9.\-－—/#+])(?P<q1>[“\"『「‘'《]?)(?P<tok>{token})(?P<q2>[”\"』」’'》]?)(?![0-9.])"
        )
        shorthands.append(ShorthandSpec(token=s["token"], context=s["context"],
                                        ratings=s["ratings"], pattern=pat))
    indicators = tuple(
        IndicatorSpec(id=i["id"], zh=i["zh"], en=i["en"], name=i["name"], units=i["units"],
                      before=i["before"], gap=i["gap"], prefixes=_prefixes(i["name"].pattern))
        for i in parsed.get("indicator", [])
    )
    labels: dict[str, tuple[str, str, str]] = {}
    order: dict[str, int] = {}
    for k, r in enumerate(ratings):
        labels[r.id] = (r.zh, r.en, "rating")
        order[r.id] = k
    for k, i in enumerate(indicators):
        if i.id in labels:
            raise DataFileError(f"metric id {i.id!r} is used twice", path=source)
        labels[i.id] = (i.zh, i.en, "indicator")
        order[i.id] = len(ratings) + k
    by_prefix: dict[str, list[IndicatorSpec]] = {}
    always = []
    slow: list[re.Pattern] = []
    for ind in indicators:
        if ind.prefixes is None:
            always.append(ind)
            slow.append(ind.name)
        else:
            for pre in ind.prefixes:
                by_prefix.setdefault(pre, []).append(ind)
    rating_prefs: set[str] = set()
    parts = []
    for r in ratings:
        for rx in (r.keyword, r.level_first):
            if rx is None:
                continue
            parts.append(f"(?:{rx.pattern})")
            pre = _prefixes(rx.pattern)
            if pre is None:
                slow.append(rx)
                pre = frozenset(["级"])  # any level; ratings need one
            rating_prefs |= pre
    rating_any = re.compile("|".join(parts)) if parts else None
    shorthand_prefs = {sh.token for sh in shorthands}
    return MetricVocabulary(
        ratings=ratings, shorthands=tuple(shorthands), indicators=indicators, source=source,
        labels=labels, order=order,
        trigger=_prefix_regex(set(by_prefix) | rating_prefs | shorthand_prefs),
        trigger_slow=tuple(slow), rating_any=rating_any,
        rating_prefix=_prefix_regex(rating_prefs),
        name_prefix=_prefix_regex(by_prefix),
        short_grades=any(r.short_grades for r in ratings),
        shorthand_tokens=tuple(sh.token for sh in shorthands),
        by_prefix={k: tuple(v) for k, v in by_prefix.items()}, always=tuple(always),
        candidates={},
    )


@lru_cache(maxsize=1)
def _bundled_vocabulary() -> MetricVocabulary:
    text, source = _bundled_text()
    return _build_vocabulary(_parse_vocabulary(text, source), source)


def load_metric_vocabulary(
    path: str | PathLike[str] | None = None, *, extend: bool = False
) -> MetricVocabulary:
    """Load the rating/indicator vocabulary.

    Parameters
    ----------
    path : path-like, optional
        A TOML file in the format of the bundled ``weeklylib/data/metrics.toml``
        (``[[rating]]``, ``[[shorthand]]``, ``[[indicator]]`` tables).  ``None`` loads the
        bundled file.
    extend : bool, default False
        With `path`: ``False`` replaces the bundled vocabulary; ``True`` adds the file's
        entries to it, an entry with an existing ``id`` (or shorthand ``token``) replacing
        the bundled one.

    Returns
    -------
    MetricVocabulary
        Compiled vocabulary; ``.table()`` shows it as a DataFrame.

    Raises
    ------
    FileNotFoundError
        If `path` does not exist.
    weeklylib.errors.DataFileError
        If the file is not valid TOML or an entry is malformed (names file and line).
    """
    if path is None:
        return _bundled_vocabulary()
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"metric vocabulary not found: {p}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"vocabulary must be UTF-8 encoded: {exc}", path=p) from exc
    user = _parse_vocabulary(text, str(p))
    if not extend:
        return _build_vocabulary(user, str(p))
    btext, bsource = _bundled_text()
    merged = _parse_vocabulary(btext, bsource)
    for section, key in (("rating", "id"), ("shorthand", "token"), ("indicator", "id")):
        base = merged.get(section, [])
        for entry in user.get(section, []):
            ids = [b[key] for b in base]
            if entry[key] in ids:
                base[ids.index(entry[key])] = entry
            else:
                base.append(entry)
        merged[section] = base
    return _build_vocabulary(merged, f"{bsource} + {p}")


def _resolve_vocabulary(vocabulary: Any) -> MetricVocabulary:
    if vocabulary is None:
        return _bundled_vocabulary()
    if isinstance(vocabulary, MetricVocabulary):
        return vocabulary
    if isinstance(vocabulary, str | PathLike):
        return load_metric_vocabulary(vocabulary)
    raise ValueError(
        "vocabulary must be None, a MetricVocabulary or a path to a TOML file, "
        f"got {type(vocabulary).__name__}"
    )


# --------------------------------------------------------------------------- helpers


def _natural_key(article_id: str) -> tuple[str, int, str]:
    head, sep, tail = str(article_id).rpartition("#")
    if sep and tail.isdigit():
        return (head, int(tail), "")
    return (str(article_id), -1, "")


def _level_value(text: str) -> float:
    if text in _CJK_NUM:
        return float(_CJK_NUM[text])
    return float(text)


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


@dataclass
class _Sentence:
    """A sentence of one body: original span, compact text and the map back."""

    start: int                 # offset in body
    end: int
    text: str                  # compact normalised text (no spaces)
    pos: list[int] | None      # compact index -> offset within the sentence (None = identity)

    def span(self, a: int, b: int) -> tuple[int, int]:
        if self.pos is None:
            return self.start + a, self.start + b
        return self.start + self.pos[a], self.start + self.pos[b - 1] + 1


def _make_sentence(norm: str, start: int, end: int, spaces: bool = True) -> _Sentence:
    raw = norm[start:end]
    if not spaces or _WS_RE.search(raw) is None:
        return _Sentence(start, end, raw, None)
    pos = [i for i, ch in enumerate(raw) if not _WS_RE.match(ch)]
    return _Sentence(start, end, "".join(raw[i] for i in pos), pos)


def _clause_start(s: str, at: int) -> int:
    k = max(s.rfind(c, 0, at) for c in "，,；;：:！？!?。")
    return k + 1


def _year(s: str, a: int, b: int) -> int | None:
    """Year stated for the match at compact span [a, b) of sentence ``s`` (see module doc)."""
    if "年" not in s:
        return None
    best_du: int | None = None
    best_plain: int | None = None
    for m in _YEAR_RE.finditer(s, 0, b):
        if _YEAR_RANGE_END_RE.search(s, max(0, m.start() - 3), m.start()):
            continue  # 2024年至2026年
        y = int(m.group(1))
        if m.group(2):
            best_du = y
        elif m.end() <= a and s[max(0, m.start() - 1):m.start()] not in ("自", "从"):
            best_plain = y
    return best_du if best_du is not None else best_plain


# --------------------------------------------------------------------------- ratings


@dataclass(slots=True)
class _Hit:
    a: int                 # compact span of matched text
    b: int
    metric: str
    kind: str
    value: float
    value_text: tuple[int, int]   # compact span of the number as written
    unit: str
    grade: str = ""
    qualifier: str = ""
    direction: str = ""
    baseline: float = float("nan")
    value_type: str = "level"
    trend: str = ""
    cue_end: int = -1      # where the direction cue search ends (level start)


def _rating_direction(s: str, upto: int) -> str:
    clause = s[_clause_start(s, upto):upto]
    if _STRONG_TARGET_RE.search(clause):
        return "target"
    last = None
    for m in _CUE_RE.finditer(clause):
        last = m
    if last is None:
        return ""
    return "target" if last.group("t") else "achieved"


def _grade_of(text: str | None) -> str:
    if not text:
        return ""
    return text[0]


def _check_level(spec: RatingSpec, s: str, lv: re.Match, filler: str) -> _Hit | None:
    """Validate a level match for a rating; None when it must not count."""
    text = lv.group("lv")
    value = _level_value(text)
    grade = _grade_of(lv.group("grade"))
    if "." in text and not _DECIMAL_OK_RE.search(filler + s[max(0, lv.start() - 4):lv.start()]):
        return None
    if value > spec.max_level or value < 0:
        return None
    # a range 0-8级 / 0级至8级
    before = s[max(0, lv.start() - 1):lv.start()]
    if before and before in "-—–~～至到" and lv.start() >= 2 and \
            (s[lv.start() - 2].isdigit() or s[lv.start() - 2] in "级零〇一二三四五六七八"):
        return None
    # hospital grades (三级甲等医院, 二级以上医院) and stray 甲等 on non-graded schemes
    lv_end = lv.start("lv") + len(text) + 1  # just after 级
    int_level = int(value) if value == int(value) else -1
    hosp = _HOSPITAL_AFTER_RE.match(s, lv_end + (1 if lv.group("bie") else 0))
    if int_level in (1, 2, 3):
        if hosp and (filler or spec.graded):
            return None
        if grade and (not spec.graded or int_level not in (4, 5)):
            return None
    if grade and not spec.graded:
        return None
    if grade and spec.graded and int_level not in (4, 5):
        return None
    qual = lv.group("post") or ""
    if "." in text:
        qual = qual or "平均"
    return _Hit(a=-1, b=lv.end(), metric=spec.id, kind="rating", value=value,
                value_text=(lv.start("lv"), lv.start("lv") + len(text)), unit="级",
                grade=grade, qualifier=qual, cue_end=lv.start())


def _rating_fromto(hit: _Hit, s: str, lv_start: int, spec: RatingSpec) -> _Hit | None:
    """Turn ``从五级提升至六级`` into value 6, baseline 5; None if it is a bare range."""
    m = _RATING_FROMTO_RE.match(s, hit.b)
    if m and s[max(0, lv_start - 1):lv_start] in ("从", "由"):
        new = _level_value(m.group("lv"))
        if new > spec.max_level:
            return None
        grade = _grade_of(m.group("grade"))
        if grade and (not spec.graded or new not in (4, 5)):
            grade = ""
        return _Hit(a=hit.a, b=m.end(), metric=hit.metric, kind="rating", value=new,
                    value_text=(m.start("lv"), m.start("lv") + len(m.group("lv"))), unit="级",
                    grade=grade, baseline=hit.value, trend="up" if new > hit.value else "",
                    cue_end=lv_start)
    if _RANGE_NEXT_RE.match(s, hit.b):
        return None
    return hit


def _find_ratings(s: str, vocab: MetricVocabulary) -> list[_Hit]:
    hits: list[_Hit] = []
    if vocab.rating_any is None:
        return hits
    if "级" not in s and not (vocab.short_grades and ("甲" in s or "乙" in s)):
        return hits
    if vocab.rating_prefix.search(s) is None and not any(
            rx.search(s) for rx in vocab.trigger_slow):
        return hits
    taken: set[int] = set()  # level starts already used
    named: list[tuple[int, RatingSpec]] = []  # every rating name, in scheme order
    # keyword before level
    for spec in vocab.ratings:
        for km in spec.keyword.finditer(s):
            named.append((km.start(), spec))
            k_end = km.end()
            window_end = min(len(s), k_end + 16)
            cands = []
            lv = _LEVEL_RE.search(s, k_end, window_end)
            if lv:
                cands.append(("lv", lv))
            if spec.short_grades:
                sg = _SHORT_GRADE_RE.search(s, k_end, window_end)
                if sg:
                    cands.append(("sg", sg))
            if not cands:
                continue
            kind, m = min(cands, key=lambda c: c[1].start())
            filler = s[k_end:m.start()]
            if len(filler) > 12 or any(c in _CLAUSE_PUNCT for c in filler):
                continue
            if any(o is not spec and (o.keyword.search(filler) or (
                    o.level_first is not None and o.level_first.search(filler)))
                   for o in vocab.ratings):
                continue
            if m.start() in taken:
                continue
            if kind == "sg":
                value = _level_value(m.group("lv"))
                if value > spec.max_level:
                    continue
                hit = _Hit(a=km.start(), b=m.end(), metric=spec.id, kind="rating", value=value,
                           value_text=(m.start("lv"), m.end("lv")), unit="级",
                           grade=m.group("grade"), cue_end=m.start())
            else:
                hit = _check_level(spec, s, m, filler)
                if hit is None:
                    continue
                hit.a = km.start()
                hit = _rating_fromto(hit, s, m.start(), spec)
                if hit is None:
                    continue
            if not _AFTER_LEVEL_OK_RE.match(s, hit.b):
                continue  # 智慧服务三级联动 is not a rating
            taken.add(m.start())
            hits.append(hit)
    # level before name
    for lv in _LEVEL_RE.finditer(s):
        if lv.start() in taken:
            continue
        for spec in vocab.ratings:
            if spec.level_first is None:
                continue
            nm = spec.level_first.match(s, lv.end())
            if not nm:
                continue
            prev = s[lv.start() - 1] if lv.start() else ""
            if prev in _ADMIN_TIER_CHARS:
                break
            grade = _grade_of(lv.group("grade"))
            suffix = _RATING_SUFFIX_RE.match(s, nm.end())
            if spec.level_first_needs_grade and not grade and not suffix:
                continue
            if spec.level_first_strict and not suffix:
                pre = s[_clause_start(s, lv.start()):lv.start()][-6:]
                if not (_STRONG_TARGET_RE.search(pre) or _CUE_RE.search(pre)):
                    continue
            hit = _check_level(spec, s, lv, "")
            if hit is None:
                continue
            hit.a = lv.start()
            hit.b = nm.end()
            taken.add(lv.start())
            hits.append(hit)
            break
    # 电子病历…名单，我省5家医院通过五级评审: one scheme named earlier in the sentence
    if named and len({spec.id for _a, spec in named}) == 1:
        first, spec = min(named, key=lambda x: x[0])
        for cm in _CONTEXT_LEVEL_RE.finditer(s, first):
            if cm.start("lv") in taken:
                continue
            hit = _check_level(spec, s, cm, "context")
            if hit is None:
                continue
            hit.a, hit.b = cm.start("lv"), cm.end()
            taken.add(cm.start("lv"))
            hits.append(hit)
    for h in hits:
        h.direction = _rating_direction(s, h.cue_end)
    return hits


def _find_shorthands(s: str, vocab: MetricVocabulary) -> list[tuple[ShorthandSpec, re.Match, bool]]:
    """Candidate shorthand tokens: (spec, match, sentence has context)."""
    out = []
    for sh in vocab.shorthands:
        if sh.token not in s:
            continue
        for m in sh.pattern.finditer(s):
            q1, q2 = m.group("q1"), m.group("q2")
            nxt = s[m.end():m.end() + 1]
            if nxt and nxt in "万亿千百个家人例台元名次件项张份条篇号米年月日天岁分%‰倍期届级秒":
                continue
            after = s[m.end():m.end() + 4]
            before = s[max(0, m.start() - 4):m.start()]
            quoted = bool(q1) and bool(q2)
            adjacent = re.match(r"建设|目标|阶段|智慧医院|医院|标准|工程", after) or \
                re.search(r"(?:智慧医院|建设|完成|达成|实现|达到)\Z", before)
            if not (quoted or adjacent):
                continue
            out.append((sh, m, bool(sh.context.search(s))))
    return out


# --------------------------------------------------------------------------- indicators


def _value_from(m: re.Match, spec: IndicatorSpec, *, check_unit: bool = True
                ) -> dict[str, Any] | None:
    unit_raw, mult, num, mid, pre = m.group("unit", "mult", "num", "mid", "pre")
    unit = _UNIT_NORMAL.get(unit_raw, unit_raw)
    if mult and unit not in _COUNT_UNITS:
        return None
    if check_unit and unit not in spec.units:
        return None
    value = _to_float(num) * (_MULT_VALUE[mult] if mult else 1.0)
    pre = pre or ""
    post = (m.group("post") if "post" in m.re.groupindex else None) or ""
    if post in ("内", "之内") and unit not in ("秒", "分钟", "小时", "天", "周", "个月", "工作日"):
        return None
    qualifier = post or (mid or "") or _QUAL_NORMAL.get(pre, pre)
    if qualifier in ("累计", "共计"):
        qualifier = ""
    return {"value": value, "unit": unit, "qualifier": qualifier,
            "vt": (m.start("num"), m.end("mult") if mult else m.end("num"))}


@cache
def _value_re(gap: int) -> re.Pattern:
    """:data:`_VALUE_RE` with a filler of at most ``gap`` characters.

    The filler is lazy, so the first match found has the shortest filler that works: when it
    is longer than ``gap`` the entry gets no value either way, and the bounded pattern gives
    up sooner.
    """
    if gap >= 20:
        return _VALUE_RE
    pattern = _VALUE_RE.pattern.replace("{0,20}?)", f"{{0,{gap}}}?)", 1)
    assert pattern != _VALUE_RE.pattern
    return re.compile(pattern)


def _parse_after(s: str, at: int, spec: IndicatorSpec) -> tuple[re.Match, dict[str, Any]] | None:
    if _DIGIT_RE.search(s, at, at + spec.gap + 16) is None:
        return None
    m = _value_re(spec.gap).match(s, at)
    if m is None:
        return None
    filler = m.group("filler")
    if len(filler) > spec.gap:
        return None
    if filler and _FILLER_BREAK_RE.search(filler):
        return None  # 诊疗量占比达65% is a share, 从3天缩短到当天 has no value
    if _RANGE_AFTER_RE.match(s, m.end()):
        return None
    listed = "分别" in filler
    v = _value_from(m, spec, check_unit=not listed)  # a list checks each unit later
    if v is None:
        return None
    if m.group("from"):
        bunit_raw = m.group("bunit")
        factor = 1.0
        if bunit_raw:
            bunit = _UNIT_NORMAL.get(bunit_raw, bunit_raw)
            if bunit != v["unit"]:
                if bunit not in _TIME_FACTORS or v["unit"] not in _TIME_FACTORS:
                    return None
                factor = _TIME_FACTORS[bunit] / _TIME_FACTORS[v["unit"]]  # 2小时 → 120分钟
        bmult = m.group("bmult")
        if bmult and v["unit"] not in _COUNT_UNITS:
            return None
        v["baseline"] = _to_float(m.group("bnum")) * (_MULT_VALUE[bmult] if bmult else 1.0) \
            * factor
        v["verb"] = m.group("fverb") or ""
        v["value_type"] = "level"
    elif m.group("verb"):
        v["verb"] = m.group("verb")
        v["value_type"] = "level" if m.group("to") else "change"
    elif m.group("noun"):
        v["verb"] = m.group("noun")
        v["value_type"] = "change"
    else:
        v["verb"] = ""
        v["value_type"] = "level"
    return m, v


def _trend(verb: str, value: float, baseline: float) -> str:
    if verb in _VERBS_DOWN:
        return "down"
    if verb in _VERBS_UP:
        return "up"
    if baseline == baseline:  # not NaN
        if value < baseline:
            return "down"
        if value > baseline:
            return "up"
    return ""


def _name_positions(s: str, vocab: MetricVocabulary) -> list[int]:
    """Sorted positions where some indicator name may start (literal prefilter)."""
    out = []
    search = vocab.name_prefix.search
    m = search(s)
    while m is not None:
        p = m.start()
        out.append(p)
        m = search(s, p + 1)
    if vocab.always:
        extra = {m.start() for spec in vocab.always for m in spec.name.finditer(s)}
        out = sorted(set(out) | extra)
    return out


def _candidates_at(s: str, p: int, vocab: MetricVocabulary) -> tuple[IndicatorSpec, ...]:
    """Entries whose name may start at ``p``: longest literal prefix first, then the rest."""
    key = s[p:p + _PREFIX_LEN]
    cache = vocab.candidates
    got = cache.get(key)
    if got is None:
        cands: list[IndicatorSpec] = []
        for k in range(_PREFIX_LEN, 0, -1):
            cands.extend(vocab.by_prefix.get(key[:k], ()))
        cands.extend(vocab.always)
        got = tuple(cands)
        if len(cache) > 100_000:
            cache.clear()
        cache[key] = got
    return got


_NEXT_VALUE_RE = re.compile(r"(?:、|和|及|与|，|,)" + _VALUE_TAIL)
_LIST_SEP = "、和及与"


def _respectively(s: str, vocab: MetricVocabulary, positions: list[int], floor: int,
                  nm: re.Match, vm: re.Match, v: dict[str, Any]) -> list[_Hit] | None:
    """``门诊量、住院量分别增长12%和8%`` → one hit per name, values in order; None if unpaired."""
    names: list[tuple[int, int, IndicatorSpec]] = []
    k = nm.start()
    while k - 1 > floor and s[k - 1] in _LIST_SEP:
        found = None
        for q in reversed(positions):
            if q >= k - 1:
                continue
            if q < max(floor, k - 1 - 16):
                break
            for sp in _candidates_at(s, q, vocab):
                m = sp.name.match(s, q)
                if m is not None and m.end() == k - 1:
                    found = (q, m.end(), sp)
        if found is None:
            break
        names.insert(0, found)
        k = found[0]
    last_spec = next(sp for sp in _candidates_at(s, nm.start(), vocab)
                     if (mm := sp.name.match(s, nm.start())) and mm.end() == nm.end())
    names.append((nm.start(), nm.end(), last_spec))
    if len(names) < 2:
        return None
    matches: list[re.Match] = [vm]
    pos = vm.end()
    while len(matches) < len(names):
        m2 = _NEXT_VALUE_RE.match(s, pos)
        if m2 is None:
            return None
        matches.append(m2)
        pos = m2.end()
    if _NEXT_VALUE_RE.match(s, pos):
        return None  # more values than names
    out = []
    verb = v["verb"]
    for (a, _b, spec), m in zip(names, matches, strict=True):
        val = _value_from(m, spec)
        if val is None:
            return None
        out.append(_Hit(a=a, b=m.end(), metric=spec.id, kind="indicator", value=val["value"],
                        value_text=val["vt"], unit=val["unit"], qualifier=val["qualifier"],
                        direction=verb, value_type=v["value_type"],
                        trend=_trend(verb, val["value"], float("nan"))))
    return out


def _find_indicators(s: str, vocab: MetricVocabulary) -> list[_Hit]:
    hits: list[_Hit] = []
    used_until = 0
    positions = _name_positions(s, vocab)
    if not positions:
        return hits
    cache = vocab.candidates
    order = vocab.order
    for p in positions:
        if p < used_until:
            continue
        cands = cache.get(s[p:p + _PREFIX_LEN])
        if cands is None:
            cands = _candidates_at(s, p, vocab)
        best = None
        for spec in cands:
            nm = spec.name.match(s, p)
            if nm is None:
                continue
            got = _parse_after(s, nm.end(), spec)
            kind = "after"
            if got is None and spec.before:
                bm = _BEFORE_RE.search(s, max(used_until, p - 30), p)
                if bm is not None:
                    v = _value_from(bm, spec)
                    if v is not None:
                        v.update(verb="", value_type="level")
                        got, kind = (bm, v), "before"
            if got is None:
                continue
            key = (nm.end() - p, -order[spec.id])
            if best is None or key > best[0]:
                best = (key, spec, nm, got, kind)
        if best is None:
            continue
        _key, spec, nm, (vm, v), kind = best
        if kind == "after" and "分别" in vm.group("filler"):
            if s[nm.end():nm.end() + 1] in tuple(_LIST_SEP):
                continue  # not the last name of 准确率和敏感度分别…; that one reads the list
            listed = None if vm.group("from") else _respectively(
                s, vocab, positions, used_until, nm, vm, v)
            if listed:
                hits.extend(listed)
            used_until = max(h.b for h in listed) if listed else vm.end()
            continue
        if kind == "before":
            a, b = vm.start(), nm.end()
        else:
            a, b = p, vm.end()
        verb = v["verb"]
        vtype = v["value_type"]
        if kind == "after" and not verb:
            # 节省入院时间21分钟: a verb right before the name
            vb = _VERB_BEFORE_RE.search(s, max(used_until, p - 8), p)
            if vb is not None:
                verb = vb.group("verb")
                vtype = "level" if vm.group("from") else "change"
                a = vb.start()
            elif hits and hits[-1].b == p - 1 and s[p - 1] in "、和及与" \
                    and hits[-1].value_type == "change" and hits[-1].direction:
                # 节省入院时间21分钟、出院时间62分钟
                verb = hits[-1].direction
                vtype = "change"
        baseline = v.get("baseline", float("nan"))
        hits.append(_Hit(a=a, b=b, metric=spec.id, kind="indicator", value=v["value"],
                         value_text=v["vt"], unit=v["unit"], qualifier=v["qualifier"],
                         direction=verb, baseline=baseline, value_type=vtype,
                         trend=_trend(verb, v["value"], baseline)))
        used_until = b
    return hits


# --------------------------------------------------------------------------- institutions


def _institutions(s: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _INST_SUFFIX_RE.finditer(s):
        if _INST_NOT_AFTER_RE.match(s, m.end()):
            continue
        # up to 20 name characters right before the suffix
        left = _NAME_RUN_RE.search(s, max(0, m.start() - 20), m.start()).start()
        head = s[left:m.start()]
        cut = 0
        for st in _INST_STOP_RE.finditer(head):
            cut = st.end()
        name_start = left + cut
        if name_start < m.start() and s[name_start] in _INST_LEAD_STRIP:
            name_start += 1
        while name_start < m.start() and s[name_start] in "（）()":  # unbalanced brackets
            name_start += 1
        if name_start > 0 and s[name_start - 1].isdigit():
            if s[name_start] not in "年月日号":
                continue  # 一行6人莅临医院: a name does not follow a number
            name_start += 1  # 2024年徐州仁慈医院
        name = s[name_start:m.end()]
        if len(name) < 4 or _INST_GENERIC_RE.search(name):
            continue
        out.append((name_start, m.end(), name))
    return out


def _nearest(spans: list[tuple[int, int, Any]], a: int, b: int) -> Any:
    """Payload of the span nearest before [a, b) (or overlapping it), else nearest after it."""
    before = None
    after = None
    for sa, sb, payload in spans:
        if sa < b and sb > a:
            d = 0
        elif sb <= a:
            d = a - sb
        else:
            if after is None or sa - b < after[0]:
                after = (sa - b, payload)
            continue
        if before is None or d < before[0] or (d == before[0] and sa > before[1]):
            before = (d, sa, payload)
    if before is not None:
        return before[2]
    return None if after is None else after[1]


# --------------------------------------------------------------------------- main entry


def _check_articles(articles: Any) -> pd.DataFrame:
    if not isinstance(articles, pd.DataFrame):
        raise ValueError(
            f"articles must be a pandas DataFrame with columns article_id and body, "
            f"got {type(articles).__name__}"
        )
    missing = [c for c in ("article_id", "body") if c not in articles.columns]
    if missing:
        raise ValueError(
            f"articles must have columns ['article_id', 'body'], missing {missing} "
            f"(columns: {list(articles.columns)})"
        )
    return articles


_CLOSERS = "”’」』\"')）"


def _sentence_bounds(norm: str, p: int) -> tuple[int, int]:
    """Start and end of the sentence holding position ``p`` (see :data:`_SENT_END_RE`).

    The definition of a sentence; :data:`_GATED_SENTENCE_RE` finds the same bounds in one
    call (the tests check that they agree).
    """
    lo = max(0, p - 400)
    m = _LAST_TERM_RE.match(norm, lo, p)
    if m is None and lo > 0:
        m = _LAST_TERM_RE.match(norm, 0, p)
    start = m.end() if m else 0
    while start < p and (norm[start] in _CLOSERS or norm[start] in "。！？!?"):
        start += 1
    m = _SENT_END_RE.search(norm, p)
    end = m.end() if m else len(norm)
    if end and norm[end - 1] == "\n":
        end -= 1
    return start, end


#: Fields of the rows built by :func:`_scan_article` (tuples, in this order); the sentence
#: span and the national flag are used for the place and dropped from the output.
_ROW_FIELDS: tuple[str, ...] = (
    "article_id", "institution", "metric", "value", "unit", "grade", "qualifier", "direction",
    "baseline", "year", "sentence", "start", "end", "matched", "kind", "label_zh", "label_en",
    "value_text", "value_type", "trend", "_s0", "_s1", "_national",
)
_RI = {name: i for i, name in enumerate(_ROW_FIELDS)}


def _scan_article(article_id: str, body: str, vocab: MetricVocabulary) -> list[tuple]:
    """All metric rows of one body (tuples of :data:`_ROW_FIELDS`), without places."""
    if not body:
        return []
    if _SPECIAL_RE.search(body) is None:  # the common case: nothing to map, no spaces
        norm, spaces = body, False
    else:
        norm = body.translate(_TRANSLATION) if _NEEDS_TRANSLATION_RE.search(body) else body
        spaces = _WS_RE.search(norm) is not None
    sentences: list[_Sentence] = []
    trig, slow = vocab.trigger.search, vocab.trigger_slow
    match = _GATED_SENTENCE_RE.match
    pos = 0
    # every figure needs a digit or a level (级, 四甲): only such sentences are looked at
    while (g := match(norm, pos)) is not None:
        pos = g.end()
        st = g.start("s")
        en = g.end("e")
        if en < 0:
            en = pos
        if trig(norm, st, en) is None and (
                not slow or not any(rx.search(norm, st, en) for rx in slow)):
            continue
        sentences.append(_make_sentence(norm, st, en, spaces))
    rows: list[tuple] = []
    pending_shorthand: list[tuple[_Sentence, ShorthandSpec, re.Match, bool]] = []
    shorthand_tokens = vocab.shorthand_tokens
    for sent in sentences:
        s = sent.text
        hits = _find_ratings(s, vocab)
        if _NUM_UNIT_RE.search(s) is not None:  # every indicator value is a number and unit
            hits += _find_indicators(s, vocab)
        for tok in shorthand_tokens:
            if tok in s:
                for sh, m, ctx in _find_shorthands(s, vocab):
                    pending_shorthand.append((sent, sh, m, ctx))
                break
        if hits:
            _rows_for(rows, article_id, body, sent, hits, vocab)
    if pending_shorthand and any(ctx for *_x, ctx in pending_shorthand):
        for sent, sh, m, _ctx in pending_shorthand:
            s = sent.text
            a, b = m.start("tok"), m.end("tok")
            direction = _rating_direction(s, a)
            hits = [
                _Hit(a=a, b=b, metric=metric, kind="rating", value=float(level),
                     value_text=(a, b), unit="级", grade=grade, direction=direction)
                for metric, level, grade in sh.ratings
            ]
            _rows_for(rows, article_id, body, sent, hits, vocab)
    return rows


def _rows_for(rows: list[tuple], article_id: str, body: str, sent: _Sentence, hits: list[_Hit],
              vocab: MetricVocabulary) -> None:
    """Append one row (a tuple of :data:`_ROW_FIELDS`) per hit of the sentence to ``rows``."""
    if not hits:
        return
    s = sent.text
    insts = _institutions(s)
    sentence = body[sent.start:sent.end].strip()
    national = _NATIONAL_RE.search(s) is not None
    labels = vocab.labels
    span = sent.span
    s0, s1 = sent.start, sent.end
    for h in hits:
        start, end = span(h.a, h.b)
        vt_start, vt_end = span(*h.value_text)
        zh, en, _kind = labels[h.metric]
        rows.append((
            article_id,
            (_nearest(insts, h.a, h.b) or "") if insts else "",
            h.metric, h.value, h.unit, h.grade, h.qualifier, h.direction, h.baseline,
            _year(s, h.a, h.b),
            sentence, start, end, body[start:end], h.kind, zh, en, body[vt_start:vt_end],
            h.value_type, h.trend, s0, s1, national,
        ))


def _text_list(col: pd.Series) -> list[str]:
    """``str`` of every value, ``""`` for missing ones (as ``"" if pd.isna(v) else str(v)``)."""
    if pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_object_dtype(col.dtype):
        codes, uniques = pd.factorize(col)
        names = [str(u) for u in uniques] + [""]  # code -1 (missing) -> ""
        return [names[c] for c in codes.tolist()]
    missing = col.isna().to_numpy()
    values = col.astype(object).tolist()
    return ["" if na else str(v) for v, na in zip(values, missing, strict=True)]


def _in_ids(col: pd.Series, wanted: set[str]) -> np.ndarray:
    """Boolean mask: ``str`` of the value is in ``wanted`` (as ``col.astype(str).isin``)."""
    keys = col.astype(str).tolist()
    return np.fromiter((k in wanted for k in keys), dtype=bool, count=len(keys))


def _int_array(col: pd.Series) -> np.ndarray:
    """``int(v)`` of every value, as int64."""
    if pd.api.types.is_integer_dtype(col.dtype) and not col.isna().any():
        return col.to_numpy(dtype="int64")
    return np.array([int(v) for v in col.tolist()], dtype="int64")


def _regions_module() -> Any:
    try:
        from weeklylib import regions
    except ImportError:  # pragma: no cover - the regions module ships with weeklylib
        return None
    return regions


class _Mentions:
    """Body place mentions of the articles, grouped by article and sorted by start.

    The sort is stable, so mentions with the same start keep the order of the places table
    and :func:`_nearest` breaks ties as it would on the table.
    """

    def __init__(self, aids: list[str], starts: np.ndarray, ends: np.ndarray,
                 payloads: list[tuple[str, str]]) -> None:
        self.ranges: dict[str, tuple[int, int]] = {}
        self.bad: set[str] = set()   # articles with a mention whose end is before its start
        if not aids:
            self.starts, self.ends, self.payloads = [], [], []
            return
        codes, uniques = pd.factorize(np.asarray(aids, dtype=object))
        order = np.lexsort((starts, codes))  # stable
        codes = codes[order]
        self.starts = starts[order].tolist()
        self.ends = ends[order].tolist()
        self.payloads = [payloads[i] for i in order.tolist()]
        cuts = np.flatnonzero(np.diff(codes)) + 1
        los = [0, *cuts.tolist()]
        his = [*cuts.tolist(), len(codes)]
        names = [str(u) for u in uniques]
        for lo, hi in zip(los, his, strict=True):
            self.ranges[names[codes[lo]]] = (lo, hi)
        if (ends < starts).any():
            bad_codes = set(codes[(ends[order] < starts[order])].tolist())
            self.bad = {names[c] for c in bad_codes}

    def inside(self, aid: str, s0: int, s1: int) -> list[tuple[int, int, tuple[str, str]]]:
        """Mentions of ``aid`` with ``s0 <= start`` and ``end <= s1``."""
        rng = self.ranges.get(aid)
        if rng is None:
            return []
        lo, hi = rng
        starts, ends, payloads = self.starts, self.ends, self.payloads
        if aid not in self.bad:  # end >= start: a mention starting after s1 ends after it
            lo = bisect_left(starts, s0, lo, hi)
            hi = bisect_right(starts, s1, lo, hi)
        return [(starts[k], ends[k], payloads[k]) for k in range(lo, hi)
                if ends[k] <= s1 and starts[k] >= s0]


def _places_for(articles: pd.DataFrame, ids: list[str], places: Any, regions_table: Any
                ) -> tuple[_Mentions, dict[str, tuple[str, str]]]:
    """(mentions by article, primary region by article), from the tables or the regions module.

    Only the articles in ``ids`` are looked at.  Mentions keep the order of the places table
    among equal starts, so the nearest-mention rule breaks ties as it would on the table.
    """
    mentions = _Mentions([], np.zeros(0, "int64"), np.zeros(0, "int64"), [])
    primary: dict[str, tuple[str, str]] = {}
    off = isinstance(places, pd.DataFrame) and places.empty and not len(places.columns)
    if places is not None and not isinstance(places, pd.DataFrame):
        raise ValueError(
            f"places must be None or a DataFrame from extract_places, got {type(places).__name__}"
        )
    if regions_table is not None and not isinstance(regions_table, pd.DataFrame):
        raise ValueError("regions must be None or a DataFrame from resolve_regions, "
                         f"got {type(regions_table).__name__}")
    wanted = set(ids)
    regions = None
    if places is None:
        regions = _regions_module()
        if regions is None or not hasattr(regions, "extract_places"):
            logger.info("extract_metrics: weeklylib.regions unavailable; places left empty")
            places = pd.DataFrame()
            off = True
        else:
            subset = articles[_in_ids(articles["article_id"], wanted)]
            fields = tuple(f for f in ("title", "body") if f in subset.columns)
            places = regions.extract_places(subset, fields=fields)
    pl = None
    if not off:
        need = {"article_id", "start", "end", "province"}
        if not need <= set(places.columns):
            raise ValueError(
                f"places must have columns {sorted(need)} (and optionally city, field), "
                f"got {list(places.columns)}"
            )
        in_ids = _in_ids(places["article_id"], wanted)
        if regions_table is None:
            pl = places[in_ids]  # for resolve_regions below
        cols = [c for c in ("article_id", "field", "start", "end", "province", "city")
                if c in places.columns]
        body_pl = places[cols][in_ids]
        if "field" in cols:
            body_pl = body_pl[(body_pl["field"].astype(str) == "body").to_numpy()]
        prov = body_pl["province"]
        keep = (prov.notna() & (prov.astype(str) != "")).to_numpy()
        body_pl = body_pl[keep]
        n = len(body_pl)
        aids = body_pl["article_id"].astype(str).tolist()
        starts = _int_array(body_pl["start"])
        ends = _int_array(body_pl["end"])
        provs = _text_list(body_pl["province"])
        cities = _text_list(body_pl["city"]) if "city" in body_pl.columns else [""] * n
        mentions = _Mentions(aids, starts, ends, list(zip(provs, cities, strict=True)))
    res = regions_table
    if res is None and pl is not None:
        regions = regions or _regions_module()
        if regions is not None and hasattr(regions, "resolve_regions"):
            try:
                res = regions.resolve_regions(pl)
            except Exception as exc:  # a regions problem must not hide the metrics
                logger.warning("extract_metrics: resolve_regions failed (%s); "
                               "article regions left empty", exc)
                res = None
    if res is not None and len(res):
        if not {"article_id", "province"} <= set(res.columns):
            raise ValueError("regions must have columns ['article_id', 'province'] (and "
                             f"optionally city), got {list(res.columns)}")
        # the article's region only when resolve_regions names exactly one, with a province
        aid_col = res["article_id"]
        single = (aid_col.notna() & ~aid_col.duplicated(keep=False)).to_numpy()
        one = res[single]
        one = one[_in_ids(one["article_id"], wanted)]
        prov = one["province"]
        ok = (prov.notna() & (prov.astype(str) != "")).to_numpy()
        one = one[ok]
        provs = _text_list(one["province"])
        cities = _text_list(one["city"]) if "city" in one.columns else [""] * len(one)
        for aid, pv, city in zip(one["article_id"].astype(str).tolist(), provs, cities,
                                 strict=True):
            primary[aid] = (pv, city)
    return mentions, primary


def extract_metrics(
    articles: pd.DataFrame,
    *,
    vocabulary: MetricVocabulary | str | PathLike[str] | None = None,
    places: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Extract smart-hospital ratings and indicators, one row per figure, with its sentence.

    Parameters
    ----------
    articles : DataFrame
        Needs ``article_id`` and ``body``; ``title`` is copied when present.
    vocabulary : MetricVocabulary or path-like, optional
        From :func:`load_metric_vocabulary` or a TOML path; the bundled
        ``weeklylib/data/metrics.toml`` by default.
    places : DataFrame, optional
        Place mentions from :func:`weeklylib.extract_places` (``article_id, start, end,
        province, city``, optionally ``field``).  ``None`` computes them with the regions
        module for the articles that have metrics; an empty DataFrame without columns
        switches place attribution off (and, unless `regions` is given, the article fallback).
    regions : DataFrame, optional
        Article regions from :func:`weeklylib.resolve_regions` (``article_id, province,
        city``), used when a sentence names no place.  ``None`` computes them from the place
        mentions.  An article gets a fallback region only when this table has exactly one
        row for it and that row has a province (articles about two regions, or about a
        label such as 两岸, get none).

    Returns
    -------
    DataFrame
        Columns :data:`METRIC_COLUMNS`, sorted by article (natural order of ``article_id``),
        ``start``, ``end``, ``kind`` and the vocabulary order of ``metric``.  ``value`` and
        ``baseline`` are float, ``year`` is Int64, ``start``/``end`` are int64 offsets into
        ``body`` with ``body[start:end] == matched``.  See the module docstring for the rules.

    Raises
    ------
    ValueError
        If `articles` is not a DataFrame with ``article_id`` and ``body``, or `vocabulary`,
        `places` or `regions` has the wrong type or columns.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"article_id": ["a#1"],
    ...     "body": ["该院患者满意度达90%以上，投诉率下降16个百分点。"]})
    >>> m = extract_metrics(arts, places=pd.DataFrame())
    >>> [(r.metric, r.value, r.unit, r.qualifier, r.direction) for r in m.itertuples()]
    [('satisfaction_rate', 90.0, '%', '以上', ''), ('complaint_rate', 16.0, '个百分点', '', '下降')]
    """
    articles = _check_articles(articles)
    vocab = _resolve_vocabulary(vocabulary)
    titles = articles["title"].tolist() if "title" in articles.columns else [""] * len(articles)
    rows: list[tuple] = []
    row_titles: list[str] = []
    for aid, body, title in zip(articles["article_id"].tolist(), articles["body"].tolist(),
                                titles, strict=True):
        if not isinstance(body, str) or not body:
            continue
        got = _scan_article(str(aid), body, vocab)
        if not got:
            continue
        t = "" if title is None or (isinstance(title, float) and np.isnan(title)) else str(title)
        rows.extend(got)
        row_titles.extend([t] * len(got))
    ids = sorted({r[0] for r in rows})
    if rows:
        mentions, primary = _places_for(articles, ids, places, regions)
    else:
        mentions, primary = None, {}
    provinces: list[str] = []
    cities: list[str] = []
    rules: list[str] = []
    i_aid, i_start, i_end = _RI["article_id"], _RI["start"], _RI["end"]
    i_s0, i_s1, i_nat = _RI["_s0"], _RI["_s1"], _RI["_national"]
    inside_cache: dict[tuple[str, int, int], list] = {}
    ranges = mentions.ranges if mentions is not None else {}
    for r in rows:
        aid = r[i_aid]
        near = None
        if aid in ranges:
            key = (aid, r[i_s0], r[i_s1])
            inside = inside_cache.get(key)
            if inside is None:
                inside = inside_cache[key] = mentions.inside(aid, r[i_s0], r[i_s1])
            if inside:
                near = _nearest(inside, r[i_start], r[i_end])
        if near is not None:
            provinces.append(near[0])
            cities.append(near[1])
            rules.append("sentence")
        elif r[i_nat]:
            provinces.append("")
            cities.append("")
            rules.append("national")
        elif aid in primary:
            prov, city = primary[aid]
            provinces.append(prov)
            cities.append(city)
            rules.append("article")
        else:
            provinces.append("")
            cities.append("")
            rules.append("")
    return _frame(rows, row_titles, provinces, cities, rules, vocab)


def _frame(rows: list[tuple], titles: list[str], provinces: list[str], cities: list[str],
           rules: list[str], vocab: MetricVocabulary) -> pd.DataFrame:
    """The output table: rows sorted, one row per (article, start, end, metric), typed."""
    if not rows:
        df = pd.DataFrame({c: pd.Series(dtype=object) for c in METRIC_COLUMNS})
    else:
        cols: dict[str, Any] = dict(zip(_ROW_FIELDS, zip(*rows, strict=True), strict=True))
        cols["title"] = titles
        cols["province"] = provinces
        cols["city"] = cities
        cols["place_rule"] = rules
        nat = {aid: _natural_key(aid) for aid in set(cols["article_id"])}
        order = vocab.order
        keys = [
            (nat[a], st, en, _KIND_ORDER[k], order.get(m, 10**6))
            for a, st, en, k, m in zip(cols["article_id"], cols["start"], cols["end"],
                                       cols["kind"], cols["metric"], strict=True)
        ]
        idx = sorted(range(len(rows)), key=keys.__getitem__)
        seen: set[tuple[str, int, int, str]] = set()
        keep = []
        for i in idx:  # the first row of each (article, start, end, metric) in sorted order
            k = (cols["article_id"][i], cols["start"][i], cols["end"][i], cols["metric"][i])
            if k not in seen:
                seen.add(k)
                keep.append(i)
        df = pd.DataFrame({c: [cols[c][i] for i in keep] for c in METRIC_COLUMNS})
    for c in ("value", "baseline"):
        df[c] = df[c].astype("float64")
    df["year"] = df["year"].astype("Int64")
    for c in ("start", "end"):
        df[c] = df[c].astype("int64")
    for c in METRIC_COLUMNS:
        if c not in ("value", "baseline", "year", "start", "end"):
            df[c] = df[c].astype(str)
    return df


# --------------------------------------------------------------------------- comparisons


def _check_metrics(metrics: Any, name: str = "metrics") -> pd.DataFrame:
    if not isinstance(metrics, pd.DataFrame):
        raise ValueError(f"{name} must be the DataFrame returned by extract_metrics, "
                         f"got {type(metrics).__name__}")
    need = {"article_id", "metric", "value", "unit", "kind", "province", "city"}
    missing = sorted(need - set(metrics.columns))
    if missing:
        raise ValueError(f"{name} must have the columns of extract_metrics; missing {missing}")
    return metrics


def _fill(df: pd.DataFrame, col: str, default: Any = "") -> pd.Series:
    if col in df.columns:
        return df[col]
    return pd.Series([default] * len(df), index=df.index, dtype=object)


_SHORT_PLACE_RE = re.compile(
    r"^(.{2,}?)(?:维吾尔|[\u4e00-\u9fff]{1,4}?族)*(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|州)$"
)


def short_place(name: str) -> str:
    """Short form of a division name for labels: 山东省 → 山东, 黔南布依族苗族自治州 → 黔南."""
    if not isinstance(name, str) or not name:
        return ""
    m = _SHORT_PLACE_RE.match(name)
    return m.group(1) if m else name


def short_article_id(article_id: str) -> str:
    """``000_0cbd2b995c0d86a6#1`` → ``000#1`` (the file number and the position)."""
    head, sep, tail = str(article_id).rpartition("#")
    if not sep:
        return str(article_id)
    return f"{head.split('_')[0]}#{tail}"


def _measure(label: str, unit: str, value_type: str, trend: str, lang: str = "zh") -> str:
    if lang == "en":
        kind = {"change": {"down": "decrease", "up": "increase"}.get(trend, "change")}.get(
            value_type, "")
    else:
        kind = {"change": {"down": "降幅", "up": "增幅"}.get(trend, "变化")}.get(value_type, "")
    extra = f", {kind}" if kind else ""
    return f"{label} ({unit}{extra})"


_AGGS = ("auto", "median", "mean", "min", "max")


def compare_regions(
    metrics: pd.DataFrame,
    *,
    by: str = "province",
    kind: str = "indicator",
    agg: str = "auto",
    include_unknown: bool = False,
    wide: bool = False,
    lang: str = "zh",
) -> pd.DataFrame:
    """Region × metric table of extracted figures, one row per comparable measure.

    A *measure* is one metric in one unit and one value type (a level such as 91.74%, or a
    change such as 缩短1.1天 / 下降16个百分点, split further by its trend): values in ``%``
    and in ``个百分点``, or levels and changes, are never put in the same row or column.
    The same figure repeated in one article (same metric, unit, value, baseline and
    institution) counts once.  Rating rows whose direction is ``target`` are left out.

    Parameters
    ----------
    metrics : DataFrame
        From :func:`extract_metrics`.
    by : {"province", "city"}, default "province"
        Region column.
    kind : {"indicator", "rating", "all"}, default "indicator"
        Which rows to compare.
    agg : {"auto", "median", "mean", "min", "max"}, default "auto"
        How values of one region and measure are summarised; ``"auto"`` is ``"max"`` for
        ratings (highest level reached) and ``"median"`` for indicators.
    include_unknown : bool, default False
        Keep rows whose region is unknown (empty ``province``/``city``), as region ``""``.
    wide : bool, default False
        Return a matrix: one row per region, one column per measure label, cells = value.
    lang : {"zh", "en"}, default "zh"
        Language of the ``measure`` label.

    Returns
    -------
    DataFrame
        Long form (default): columns :data:`REGION_COLUMNS` (with ``city`` in place of
        ``province`` when ``by="city"``), sorted by region, vocabulary order, unit,
        value type and trend.  ``article_ids`` lists the source articles, ``"; "``-joined.
        Wide form: index = region, columns = measure labels.

    Raises
    ------
    ValueError
        For a bad `by`, `kind`, `agg` or `lang`, or if `metrics` lacks the columns of
        :func:`extract_metrics`.
    """
    m = _check_metrics(metrics)
    if by not in ("province", "city"):
        raise ValueError(f"by must be one of ('province', 'city'), got {by!r}")
    if kind not in ("indicator", "rating", "all"):
        raise ValueError(f"kind must be one of ('indicator', 'rating', 'all'), got {kind!r}")
    if agg not in _AGGS:
        raise ValueError(f"agg must be one of {_AGGS}, got {agg!r}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be one of ('zh', 'en'), got {lang!r}")
    d = m.copy()
    for col, default in (("value_type", "level"), ("trend", ""), ("direction", ""),
                         ("institution", ""), ("baseline", float("nan")),
                         ("label_zh", ""), ("label_en", "")):
        d[col] = _fill(d, col, default)
    if kind != "all":
        d = d[d["kind"] == kind]
    d = d[~((d["kind"] == "rating") & (d["direction"] == "target"))]
    d[by] = d[by].fillna("").astype(str)
    if not include_unknown:
        d = d[d[by] != ""]
    d["trend"] = d["trend"].where(d["value_type"] == "change", "")
    d = d.drop_duplicates(subset=["article_id", by, "metric", "unit", "value_type", "trend",
                                  "value", "baseline", "institution"])
    vocab_order = _bundled_vocabulary().order
    keys = [by, "kind", "metric", "unit", "value_type", "trend"]
    if d[[*keys, "article_id"]].isna().any().any() or d["value"].isna().any():
        rows = _region_rows_reference(d, keys, by, agg, lang)
    else:
        rows = _region_rows(d, keys, by, agg, lang)
    cols = [by if c == "province" else c for c in REGION_COLUMNS]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out["_o"] = out["metric"].map(lambda x: vocab_order.get(x, 10**6))
        out = out.sort_values([by, "_o", "metric", "unit", "value_type", "trend"],
                              kind="stable").drop(columns="_o").reset_index(drop=True)
    out["value"] = out["value"].astype("float64")
    out["n_values"] = out["n_values"].astype("int64")
    out["n_articles"] = out["n_articles"].astype("int64")
    if wide:
        mat = out.pivot_table(index=by, columns="measure", values="value", aggfunc="first",
                              sort=True)
        mat.columns.name = None
        return mat
    return out


def _region_row(by: str, key: tuple, vals: pd.Series, label_zh: str, label_en: str,
                n_articles: int, article_ids: str, agg: str, lang: str) -> dict[str, Any]:
    region, knd, metric, unit, vtype, trend = key
    how = agg if agg != "auto" else ("max" if knd == "rating" else "median")
    label = label_en if lang == "en" else label_zh
    return {
        by: region, "kind": knd, "metric": metric, "label_zh": label_zh,
        "label_en": label_en, "unit": unit, "value_type": vtype, "trend": trend,
        "measure": _measure(label or metric, unit, vtype, trend, lang),
        "value": float(getattr(vals, how)()), "min": float(vals.min()),
        "max": float(vals.max()), "n_values": len(vals),
        "n_articles": n_articles, "article_ids": article_ids,
    }


def _region_rows(d: pd.DataFrame, keys: list[str], by: str, agg: str, lang: str
                 ) -> list[dict[str, Any]]:
    """The rows of :func:`compare_regions`, grouped in Python (no missing keys or values)."""
    cols = {c: d[c].tolist() for c in (*keys, "label_zh", "label_en")}
    values = d["value"].astype(float).to_numpy()
    aids = d["article_id"].tolist()
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(*(cols[c] for c in keys), strict=True)):
        groups.setdefault(key, []).append(i)
    rows = []
    for key, idx in groups.items():
        ids = {aids[i] for i in idx}
        rows.append(_region_row(
            by, key, pd.Series(values[idx]), str(cols["label_zh"][idx[0]]),
            str(cols["label_en"][idx[0]]), len(ids),
            "; ".join(sorted({str(a) for a in ids}, key=_natural_key)), agg, lang))
    return rows


def _region_rows_reference(d: pd.DataFrame, keys: list[str], by: str, agg: str, lang: str
                           ) -> list[dict[str, Any]]:
    """The rows of :func:`compare_regions` with pandas groupby (any missing keys/values)."""
    rows = []
    for key, g in d.groupby(keys, sort=False, dropna=False):
        rows.append(_region_row(
            by, key, g["value"].astype(float), str(g["label_zh"].iloc[0]),
            str(g["label_en"].iloc[0]), int(g["article_id"].nunique()),
            "; ".join(sorted(set(g["article_id"].astype(str)), key=_natural_key)), agg, lang))
    return rows


def _level_label(level: float, grade: str) -> str:
    if np.isnan(level):
        return ""
    text = str(int(level)) if level == int(level) else f"{level:g}"
    return f"{text}{grade}" if grade else text


def _merge_institutions(d: pd.DataFrame) -> pd.Series:
    """Map a short institution name to a longer one of the same city that ends with it.

    ``仁慈医院`` and ``徐州仁慈医院`` named in 徐州市 are one hospital; names that end the same
    way in different cities, or that two longer names end with, are left alone.
    """
    out = d["institution"].copy()
    for (_p, _c), g in d.groupby(["province", "city"], sort=False):
        names = sorted(set(g["institution"]) - {""}, key=len)
        for short in names:
            longer = [n for n in names if len(n) > len(short) and n.endswith(short)]
            if len(longer) == 1:
                out[g.index[g["institution"] == short]] = longer[0]
    return out


def _rating_row(key: tuple, label_zh: Any, label_en: Any, n_mentions: int, n_articles: int,
                article_ids: str) -> dict[str, Any]:
    return {"province": key[0], "city": key[1], "institution": key[2], "metric": key[3],
            "label_zh": label_zh, "label_en": label_en,
            "level": np.nan, "grade": "", "level_label": "", "direction": "",
            "target_level": np.nan, "target_label": "", "year": pd.NA,
            "n_mentions": n_mentions, "n_articles": n_articles, "article_ids": article_ids,
            "sentence": ""}


def _rating_rows(d: pd.DataFrame, group_cols: list[str]) -> list[dict[str, Any]]:
    """The rows of :func:`ratings_by_province`, grouped in Python (no missing keys/values).

    Same rules as :func:`_rating_rows_reference`: within a group the mentions are taken in
    article order (``_k``); the top level is the first mention with the highest
    (value, grade), its year the latest year among the mentions at that level.
    """
    c = {col: d[col].tolist() for col in (*group_cols, "article_id", "label_zh", "label_en",
                                          "direction", "value", "_g", "grade", "sentence",
                                          "_k")}
    years = d["year"].tolist()
    year_na = d["year"].isna().tolist()
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(*(c[col] for col in group_cols), strict=True)):
        groups.setdefault(key, []).append(i)
    ks = c["_k"]
    rows = []
    for key, idx in groups.items():
        idx = sorted(idx, key=ks.__getitem__)  # stable, like sort_values(kind="stable")
        ids = {c["article_id"][i] for i in idx}
        row = _rating_row(key, c["label_zh"][idx[0]], c["label_en"][idx[0]], len(idx), len(ids),
                          "; ".join(sorted({str(a) for a in ids}, key=_natural_key)))
        stated = [i for i in idx if c["direction"][i] != "target"]
        target = [i for i in idx if c["direction"][i] == "target"]
        if target:
            t = _first_max(target, c["value"], c["_g"])
            row["target_level"] = float(c["value"][t])
            row["target_label"] = _level_label(float(c["value"][t]), c["grade"][t])
            row["sentence"] = str(c["sentence"][t])
        if stated:
            top = _first_max(stated, c["value"], c["_g"])
            v, g = c["value"][top], c["_g"][top]
            at_top = [i for i in stated if c["value"][i] == v and c["_g"][i] == g]
            yrs = [years[i] for i in at_top if not year_na[i]]
            reached = [i for i in at_top if c["direction"][i] == "achieved"]
            row.update(level=float(v), grade=c["grade"][top],
                       level_label=_level_label(float(v), c["grade"][top]),
                       direction="achieved" if reached else "",
                       year=int(max(yrs)) if yrs else pd.NA,
                       sentence=str(c["sentence"][(reached or at_top)[0]]))
        rows.append(row)
    return rows


def _first_max(idx: list[int], values: list[float], grades: list[float]) -> int:
    """First index with the highest (value, grade): ``sort_values(ascending=False,
    kind="stable").iloc[0]`` over values without NaN."""
    best = idx[0]
    for i in idx[1:]:
        if (values[i], grades[i]) > (values[best], grades[best]):
            best = i
    return best


def _rating_rows_reference(d: pd.DataFrame, group_cols: list[str]) -> list[dict[str, Any]]:
    """The rows of :func:`ratings_by_province` with pandas groupby (any missing values)."""
    rows = []
    for key, g in d.groupby(group_cols, sort=False):
        g = g.sort_values("_k", kind="stable")
        stated = g[g["direction"] != "target"]
        target = g[g["direction"] == "target"]
        row = _rating_row(key, g["label_zh"].iloc[0], g["label_en"].iloc[0], len(g),
                          int(g["article_id"].nunique()),
                          "; ".join(sorted(set(g["article_id"].astype(str)), key=_natural_key)))
        if len(target):
            t = target.sort_values(["value", "_g"], ascending=False, kind="stable").iloc[0]
            row["target_level"] = float(t["value"])
            row["target_label"] = _level_label(float(t["value"]), t["grade"])
            row["sentence"] = str(t["sentence"])
        if len(stated):
            top = stated.sort_values(["value", "_g"], ascending=False, kind="stable").iloc[0]
            at_top = stated[(stated["value"] == top["value"]) & (stated["_g"] == top["_g"])]
            years = at_top["year"].dropna()
            reached = at_top[at_top["direction"] == "achieved"]
            row.update(level=float(top["value"]), grade=top["grade"],
                       level_label=_level_label(float(top["value"]), top["grade"]),
                       direction="achieved" if len(reached) else "",
                       year=int(years.max()) if len(years) else pd.NA,
                       sentence=str((reached if len(reached) else at_top)["sentence"].iloc[0]))
        rows.append(row)
    return rows


def ratings_by_province(metrics: pd.DataFrame, *, achieved_only: bool = False) -> pd.DataFrame:
    """Which institutions (or regions) reached which rating level.

    One row per province, city, institution and rating scheme.  ``level`` is the highest level
    stated as reached or as a plain fact (``direction`` achieved or ""; 甲 ranks above 乙 at the
    same level); ``target_level`` is the highest level stated only as a target.  Rows without a
    named institution describe a region or an unnamed hospital and keep ``institution = ""``;
    a short name that a longer name of the same city ends with is merged into it
    (仁慈医院 → 徐州仁慈医院).

    Parameters
    ----------
    metrics : DataFrame
        From :func:`extract_metrics`.
    achieved_only : bool, default False
        Keep only rows whose level is stated as reached (``direction == "achieved"``).

    Returns
    -------
    DataFrame
        Columns :data:`RATING_COLUMNS`, sorted by province, city, institution and scheme order.
        ``level_label`` / ``target_label`` read like ``6`` or ``4甲``; ``direction`` is
        ``"achieved"`` when some mention of ``level`` says it was reached; ``year`` is the latest
        year stated with that level; ``n_mentions`` counts rows, ``n_articles`` distinct
        articles (listed in ``article_ids``); ``sentence`` is the first sentence stating
        ``level`` (or the target).

    Raises
    ------
    ValueError
        If `metrics` lacks the columns of :func:`extract_metrics`.
    """
    m = _check_metrics(metrics)
    d = m[m["kind"] == "rating"].copy()
    for col, default in (("direction", ""), ("institution", ""), ("grade", ""),
                         ("label_zh", ""), ("label_en", ""), ("sentence", ""),
                         ("year", pd.NA), ("start", 0)):
        d[col] = _fill(d, col, default)
    for col in ("province", "city", "institution", "grade", "direction"):
        d[col] = d[col].fillna("").astype(str)
    d["institution"] = _merge_institutions(d) if len(d) else d["institution"]
    vocab_order = _bundled_vocabulary().order
    d["_g"] = d["grade"].map({"甲": 2, "乙": 1}).fillna(0)
    d["_k"] = [(_natural_key(a), int(s))
               for a, s in zip(d["article_id"].tolist(), d["start"].tolist(), strict=True)]
    group_cols = ["province", "city", "institution", "metric"]
    if d[[*group_cols, "article_id", "value"]].isna().any().any():
        rows = _rating_rows_reference(d, group_cols)
    else:
        rows = _rating_rows(d, group_cols)
    out = pd.DataFrame(rows, columns=list(RATING_COLUMNS))
    if achieved_only:
        out = out[out["direction"] == "achieved"]
    if len(out):
        out["_o"] = out["metric"].map(lambda x: vocab_order.get(x, 10**6))
        out = out.sort_values(["province", "city", "institution", "_o"],
                              kind="stable").drop(columns="_o")
    out = out.reset_index(drop=True)
    for c in ("level", "target_level"):
        out[c] = out[c].astype("float64")
    out["year"] = out["year"].astype("Int64")
    out["n_mentions"] = out["n_mentions"].astype("int64")
    out["n_articles"] = out["n_articles"].astype("int64")
    return out


def indicator_comparison(
    metrics: pd.DataFrame,
    metric: str | Iterable[str] | None = None,
    *,
    unit: str | None = None,
    value_type: str | None = None,
    include_unknown: bool = True,
    lang: str = "zh",
) -> pd.DataFrame:
    """Every value of one (or several) indicators, with a print-ready label and its source.

    Parameters
    ----------
    metrics : DataFrame
        From :func:`extract_metrics`.
    metric : str or list of str, optional
        Indicator id(s); all indicators by default.
    unit : str, optional
        Keep only this unit (``"%"``, ``"个百分点"``, ``"天"`` …).
    value_type : {"level", "change"}, optional
        Keep only levels or only changes.
    include_unknown : bool, default True
        Keep values whose province is unknown (labelled ``—``).
    lang : {"zh", "en"}, default "zh"
        Language of ``label`` and ``measure``.

    Returns
    -------
    DataFrame
        One row per distinct value per article: ``metric, label_zh, label_en, measure,
        province, city, institution, value, baseline, unit, value_type, trend, qualifier,
        direction, year, article_id, title, label, sentence`` — ``label`` reads
        ``山东 · 东阿县人民医院 [002#3]`` (short province, institution or else city, short
        article id: file number and position); ``measure`` names metric, unit and value
        type, so rows of different units are never confused.  Sorted by vocabulary order,
        measure, value.

    Raises
    ------
    ValueError
        For an unknown `metric` id, a `value_type` other than level/change, or a bad `lang`.
    """
    m = _check_metrics(metrics)
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be one of ('zh', 'en'), got {lang!r}")
    if value_type not in (None, "level", "change"):
        raise ValueError(f"value_type must be one of (None, 'level', 'change'), got {value_type!r}")
    d = m[m["kind"] == "indicator"].copy()
    known = set(_bundled_vocabulary().order) | set(d["metric"])
    if metric is not None:
        wanted = [metric] if isinstance(metric, str) else list(metric)
        bad = [x for x in wanted if x not in known]
        if bad:
            raise ValueError(f"metric must be among {sorted(known)}, got {bad}")
        d = d[d["metric"].isin(wanted)]
    for col, default in (("value_type", "level"), ("trend", ""), ("direction", ""),
                         ("institution", ""), ("baseline", float("nan")), ("qualifier", ""),
                         ("label_zh", ""), ("label_en", ""), ("title", ""), ("sentence", ""),
                         ("year", pd.NA), ("start", 0)):
        d[col] = _fill(d, col, default)
    if unit is not None:
        d = d[d["unit"] == unit]
    if value_type is not None:
        d = d[d["value_type"] == value_type]
    if not include_unknown:
        d = d[d["province"].fillna("").astype(str) != ""]
    d = d.drop_duplicates(subset=["article_id", "metric", "unit", "value_type", "value",
                                  "baseline", "institution"])
    d["trend"] = d["trend"].where(d["value_type"] == "change", "")
    lab = d["label_en"] if lang == "en" else d["label_zh"]
    # (columns as lists: iterating pandas string columns is slow; the values are the same)
    d["measure"] = [
        _measure(str(lb) or str(mt), u, vt, tr, lang)
        for lb, mt, u, vt, tr in zip(lab.tolist(), d["metric"].tolist(), d["unit"].tolist(),
                                     d["value_type"].tolist(), d["trend"].tolist(),
                                     strict=True)
    ]
    d["label"] = [
        f"{short_place(p) or '—'} · {i or short_place(c) or '—'} [{short_article_id(a)}]"
        for p, c, i, a in zip(d["province"].fillna("").tolist(), d["city"].fillna("").tolist(),
                              d["institution"].tolist(), d["article_id"].tolist(), strict=True)
    ]
    vocab_order = _bundled_vocabulary().order
    d["_o"] = d["metric"].map(lambda x: vocab_order.get(x, 10**6))
    d["_a"] = [(_natural_key(a), int(s))
               for a, s in zip(d["article_id"].tolist(), d["start"].tolist(), strict=True)]
    d = d.sort_values(["_o", "measure", "value", "_a"], kind="stable")
    cols = ["metric", "label_zh", "label_en", "measure", "province", "city", "institution",
            "value", "baseline", "unit", "value_type", "trend", "qualifier", "direction", "year",
            "article_id", "title", "label", "sentence"]
    return d[cols].reset_index(drop=True)
