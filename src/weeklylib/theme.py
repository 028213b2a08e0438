"""Paper style for figures with Chinese text: CJK font discovery and rcParams.

Importing this module changes no global setting.  :func:`set_paper_theme`
changes matplotlib's rcParams (like ``seaborn.set_theme``); :func:`paper_style`
does the same inside a ``with`` block and restores everything afterwards.

Where the Chinese font comes from (:func:`find_cjk_font`), in this order:

1. a font file the caller names (``font=``);
2. a font the system already has: Noto Sans CJK SC, Source Han Sans SC/CN,
   WenQuanYi Zen Hei / Micro Hei, Microsoft YaHei, PingFang SC (found by
   scanning the font folders afresh, not through matplotlib's font cache);
3. a font installed by a Python package: Noto Sans CJK SC from ``mplfonts``
   (SIL OFL 1.1; the proprietary SimHei that package also ships is never used),
   then weeklylib's own bundled ``Weeklylib CJK SC`` (an OFL subset of Noto
   Sans CJK SC covering ASCII, all CJK Unified Ideographs and common punctuation, in TrueType
   outlines; see ``weeklylib/data/fonts/README.md``);
4. otherwise a warning naming everything that was searched.

The file is registered with ``matplotlib.font_manager.fontManager.addfont`` so
a stale font cache does not matter, and in a ``.ttc`` collection the
Simplified-Chinese face is selected (matplotlib picks faces by family name;
for PIL / wordcloud, :func:`cjk_font_file` extracts that face to a standalone
file).

PDF modes (``pdf_mode=``):

``"truetype"`` (default, journal-safe)
    Type 42 embedding of a *TrueType-outline* CJK font.  CFF-outline fonts
    (``.otf``, the Noto ``.ttc``) embedded as Type 42 are silently dropped by
    Ghostscript, so a CFF font is replaced for drawing by a TrueType-outline
    version of the same design: the bundled subset for Noto Sans CJK SC /
    Source Han Sans SC, otherwise a subset converted with fontTools (cu2qu)
    into the cache folder.  Characters outside the subset are added on demand
    by :func:`weeklylib.save_figure`.  No Type 3 fonts.
``"type3"``
    matplotlib's Type 3 embedding of the found font: renders in every viewer,
    but some journals reject Type 3 fonts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from weeklylib.plotting import _style

__all__ = [
    "CJK_FAMILIES",
    "CONTEXTS",
    "PDF_MODES",
    "FontInfo",
    "cjk_font_file",
    "find_cjk_font",
    "paper_rc",
    "paper_style",
    "set_paper_theme",
]

log = logging.getLogger("weeklylib")

#: System CJK font families searched, in order of preference.  All render
#: Simplified Chinese with mainland glyph shapes.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
)

#: Families with the same design as the bundled subset (Noto Sans CJK SC is
#: Source Han Sans SC under another name), so the subset can stand in for them.
_SAME_DESIGN_AS_BUNDLED = frozenset(
    {"Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN"}
)

#: Font files whose name suggests one of :data:`CJK_FAMILIES`; only these are
#: opened during the system scan (opening every system font would be slow).
_SYSTEM_FILE_PATTERN = re.compile(
    r"noto.*cjk|notosanssc|notosans-?sc|sourcehan|source-han|wqy|wenquanyi|msyh|yahei|pingfang",
    re.IGNORECASE,
)

#: Never select these, whatever package ships them (proprietary licences).
_FORBIDDEN_FILE_PATTERN = re.compile(r"simhei|simsun|simkai|simfang|stheiti|msjh", re.IGNORECASE)

#: Latin/Greek/Cyrillic, digits and symbols come from DejaVu Sans (ships with
#: matplotlib, so it exists everywhere); CJK from the found font.
LATIN_FAMILY = "DejaVu Sans"

BUNDLED_FAMILY = "Weeklylib CJK SC"
_BUNDLED_FILE = "WeeklylibCJKSC-Regular.ttf"

#: Font sizes (points) and default figure size (inches) per context.  "paper"
#: is a single journal column (3.5 in wide).
CONTEXTS: dict[str, dict[str, Any]] = {
    "paper": {"base": 8.0, "small": 7.0, "title": 9.0, "figsize": (3.5, 2.6), "lw": 1.0},
    "notebook": {"base": 10.0, "small": 9.0, "title": 11.0, "figsize": (6.0, 4.0), "lw": 1.25},
    "talk": {"base": 14.0, "small": 12.0, "title": 16.0, "figsize": (8.0, 5.0), "lw": 1.75},
}

PDF_MODES: tuple[str, ...] = ("truetype", "type3")

#: Bump when the TrueType conversion changes, to invalidate cached files.
_BUILD_VERSION = "1"


@dataclasses.dataclass(frozen=True)
class FontInfo:
    """A CJK font found by :func:`find_cjk_font`.

    Attributes
    ----------
    path : Path
        The font file (``.otf``, ``.ttf`` or ``.ttc``).
    face_index : int
        Face within a ``.ttc`` collection (0 for single fonts).
    family : str
        Family name matplotlib knows the face by, e.g. ``"Noto Sans CJK SC"``.
    source : {"user", "system", "package", "bundled"}
        Which step of the search found it.
    outlines : {"truetype", "cff"}
        Outline format; Type 42 PDF embedding is only safe with ``"truetype"``.
    """

    path: Path
    face_index: int
    family: str
    source: str
    outlines: str

    def __fspath__(self) -> str:  # usable wherever a path is expected
        return os.fspath(self.path)


# --------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------


def _ft2font(path: Path | str, face_index: int = 0):
    from matplotlib import ft2font

    return ft2font.FT2Font(os.fspath(path), face_index=face_index)


def _outlines(path: Path, face_index: int) -> str:
    from fontTools.ttLib import TTFont

    with TTFont(os.fspath(path), fontNumber=face_index, lazy=True) as font:
        return "truetype" if "glyf" in font else "cff"


def _faces(path: Path) -> list[tuple[int, str, str]]:
    """``(face_index, family, style)`` for every face of a font file."""
    first = _ft2font(path)
    faces = [(0, first.family_name, first.style_name)]
    for i in range(1, first.num_faces):
        f = _ft2font(path, i)
        faces.append((i, f.family_name, f.style_name))
    return faces


def _family_rank(family: str) -> int | None:
    for rank, name in enumerate(CJK_FAMILIES):
        if family == name:
            return rank
    return None


@lru_cache(maxsize=1)
def _system_font_files() -> tuple[Path, ...]:
    """Font files in the system font folders (scanned afresh, no matplotlib cache)."""
    from matplotlib import font_manager

    files = font_manager.findSystemFonts(fontext="ttf")  # .ttf, .otf and .ttc
    return tuple(sorted(Path(f) for f in files))


def _search_system() -> FontInfo | None:
    best: tuple[tuple[int, int, str], FontInfo] | None = None
    for path in _system_font_files():
        if not _SYSTEM_FILE_PATTERN.search(path.name) or _FORBIDDEN_FILE_PATTERN.search(path.name):
            continue
        try:
            faces = _faces(path)
        except (OSError, RuntimeError, ValueError):  # unreadable file: skip it
            continue
        for index, family, style in faces:
            rank = _family_rank(family)
            if rank is None:
                continue
            key = (rank, 0 if style.lower() in ("regular", "normal", "book") else 1, str(path))
            if best is None or key < best[0]:
                best = (key, FontInfo(path, index, family, "system", _outlines(path, index)))
    return None if best is None else best[1]


def _package_font_dirs() -> list[tuple[str, Path]]:
    """Folders of fonts installed by Python packages, without importing them."""
    import importlib.util

    dirs = []
    spec = importlib.util.find_spec("mplfonts")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            dirs.append(("mplfonts", Path(loc) / "fonts"))
    return dirs


#: OFL files looked for in package font folders, in order of preference.
_PACKAGE_FONT_FILES = ("NotoSansCJKsc-Regular.otf", "NotoSansCJKSC-Regular.otf")


def _search_packages() -> FontInfo | None:
    for _pkg, folder in _package_font_dirs():
        for name in _PACKAGE_FONT_FILES:
            path = folder / name
            if path.is_file() and not _FORBIDDEN_FILE_PATTERN.search(path.name):
                family = _ft2font(path).family_name
                return FontInfo(path, 0, family, "package", _outlines(path, 0))
    return None


def _bundled_path() -> Path:
    return Path(os.fspath(resources.files("weeklylib.data").joinpath("fonts", _BUNDLED_FILE)))


def _search_bundled() -> FontInfo | None:
    path = _bundled_path()
    if not path.is_file():
        return None
    return FontInfo(path, 0, BUNDLED_FAMILY, "bundled", "truetype")


def _user_font(path: str | os.PathLike[str]) -> FontInfo:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ValueError(
            f"font must be an existing font file (.otf, .ttf, .ttc), got {str(path)!r}"
        )
    if _FORBIDDEN_FILE_PATTERN.search(p.name):
        raise ValueError(
            f"font must be an openly licensed font; {p.name!r} is proprietary "
            "(use Noto Sans CJK SC)"
        )
    try:
        faces = _faces(p)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ValueError(f"font must be a readable font file, got {str(path)!r}: {exc}") from exc

    def pref(face: tuple[int, str, str]) -> tuple[int, int, int]:
        index, family, style = face
        rank = _family_rank(family)
        sc = re.search(r"\b(SC|CN|GB|Hans)\b|简", family) is not None
        regular = style.lower() in ("regular", "normal", "book")
        return (0 if rank is not None else 1, 0 if sc else 1, 0 if regular else 1, index)

    index, family, _style_name = min(faces, key=pref)
    return FontInfo(p, index, family, "user", _outlines(p, index))


def _searched_description() -> str:
    pkg = ", ".join(f"{n} ({d})" for n, d in _package_font_dirs()) or "mplfonts (not installed)"
    return (
        f"system font folders for {', '.join(CJK_FAMILIES)}; "
        f"Python packages: {pkg} for {' / '.join(_PACKAGE_FONT_FILES)}; "
        f"weeklylib bundled font {_bundled_path()}"
    )


def find_cjk_font(path: str | os.PathLike[str] | None = None) -> FontInfo | None:
    """Find a font that draws Simplified Chinese.

    Parameters
    ----------
    path : path-like, optional
        A font file to use (``.otf``, ``.ttf`` or ``.ttc``; in a collection the
        Simplified-Chinese face is chosen).  When given, nothing else is searched.

    Returns
    -------
    FontInfo or None
        The font found; ``None`` (after a ``UserWarning`` naming everything
        searched) when there is none.  ``FontInfo`` is path-like.

    Raises
    ------
    ValueError
        If `path` is not a readable font file or is a proprietary font.

    Examples
    --------
    >>> info = find_cjk_font()          # doctest: +SKIP
    >>> info.family, info.source        # doctest: +SKIP
    ('Noto Sans CJK SC', 'package')
    """
    if path is not None:
        return _user_font(path)
    for search in (_search_system, _search_packages, _search_bundled):
        info = search()
        if info is not None:
            return info
    warnings.warn(
        "weeklylib found no Chinese (CJK) font; Chinese text will show as boxes. "
        f"Searched: {_searched_description()}. Install the 'mplfonts' package, "
        "Debian/Ubuntu 'fonts-noto-cjk', or pass font='path/to/NotoSansCJKsc-Regular.otf'.",
        UserWarning,
        stacklevel=2,
    )
    return None


# --------------------------------------------------------------------------
# registration and files for other renderers
# --------------------------------------------------------------------------


def _cache_dir() -> Path:
    """Folder for converted/extracted font files (``WEEKLYLIB_CACHE_DIR`` overrides)."""
    env = os.environ.get("WEEKLYLIB_CACHE_DIR")
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "weeklylib"
    folder = base / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _file_key(path: Path, *parts: object) -> str:
    st = Path(path).stat()
    parts_ = [str(Path(path).resolve()), str(st.st_size), str(st.st_mtime_ns), _BUILD_VERSION]
    text = "|".join(parts_)
    text += "|" + "|".join(map(str, parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _register(path: Path) -> None:
    """Make matplotlib know ``path`` (every face), without relying on its cache."""
    from matplotlib import font_manager

    fm = font_manager.fontManager
    real = os.path.realpath(path)
    if not any(os.path.realpath(e.fname) == real for e in fm.ttflist):
        fm.addfont(os.fspath(path))


def _unregister(path: Path) -> None:
    from matplotlib import font_manager

    fm = font_manager.fontManager
    real = os.path.realpath(path)
    fm.ttflist = [e for e in fm.ttflist if os.path.realpath(e.fname) != real]
    fm._findfont_cached.cache_clear()
    font_manager._get_font.cache_clear()


def _atomic_write(target: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=target.suffix + ".tmp")
    os.close(fd)
    try:
        write(tmp)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def cjk_font_file(info: FontInfo | None = None) -> Path | None:
    """A standalone font file with the Simplified-Chinese face, for PIL/wordcloud.

    PIL (and so ``wordcloud``'s ``font_path``) opens face 0 of a ``.ttc``
    collection, which for Noto Sans CJK is the Japanese face.  A face other
    than 0 is extracted once into the cache folder.

    Parameters
    ----------
    info : FontInfo, optional
        Font to use; the current theme's font, else :func:`find_cjk_font`.

    Returns
    -------
    Path or None
        ``None`` when no CJK font exists (after a warning).
    """
    if info is None:
        info = _STATE["font"] or find_cjk_font()
    if info is None:
        return None
    if info.face_index == 0:
        return info.path
    target = _cache_dir() / f"{info.path.stem}-face{info.face_index}-{_file_key(info.path)}.otf"
    if not target.is_file():
        from fontTools.ttLib import TTFont

        def write(tmp: str) -> None:
            with TTFont(os.fspath(info.path), fontNumber=info.face_index, lazy=True) as font:
                font.save(tmp)

        _atomic_write(target, write)
    return target


# --------------------------------------------------------------------------
# TrueType conversion for journal-safe PDFs
# --------------------------------------------------------------------------


def _base_charset() -> frozenset[str]:
    """ASCII, Latin-1, common punctuation, GB 2312 symbols and every CJK Unified Ideograph
    (U+4E00–U+9FFF: simplified and traditional hanzi alike)."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= {chr(c) for c in range(0x2010, 0x2030)} | {chr(c) for c in range(0x3000, 0x3040)}
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)} | {chr(c) for c in range(0xFFE0, 0xFFE7)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((hi, lo)).decode("gb2312"))
    chars |= {chr(c) for c in range(0x4E00, 0xA000)}
    return frozenset(chars)


def build_truetype_font(
    out: str | os.PathLike[str],
    *,
    family: str,
    source: str | os.PathLike[str] | None = None,
    face_index: int = 0,
    chars: Iterable[str] = (),
    base: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a TrueType-outline font: `base`'s glyphs plus `chars` drawn from `source`.

    CFF (PostScript) outlines of `source` are converted to quadratic TrueType
    outlines with fontTools' cu2qu (max error 1 font unit).  Only the
    characters asked for are converted, which keeps it fast (~1 ms a glyph).
    The result has no layout tables (matplotlib does not use them), keeps the
    source's vertical metrics and copyright/licence names, and its bytes do
    not depend on the clock.

    Parameters
    ----------
    out : path-like
        File to write.
    family : str
        Family name of the new font (must differ from the source's
        reserved names, as the SIL OFL requires for modified fonts).
    source : path-like, optional
        Font to take new glyphs from (any outline format; ``.ttc`` allowed).
    face_index : int, default 0
        Face of `source` in a collection.
    chars : iterable of str
        Characters to add from `source` (ignored when it lacks them).
    base : path-like, optional
        A TrueType-outline font whose glyphs are all kept.

    Returns
    -------
    Path
        `out`.
    """
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    if source is None and base is None:
        raise ValueError("source and base must not both be None")
    glyphs: dict[str, Any] = {}
    advances: dict[str, int] = {}
    lsbs: dict[str, int] = {}  # known left side bearings (glyphs copied from base)
    cmap: dict[int, str] = {}
    new_names: list[str] = []
    meta_font = None
    base_font = None
    opened = []
    try:
        if base is not None:
            # lazy: base glyphs stay compiled bytes and are copied without decoding
            base_font = TTFont(os.fspath(base), lazy=True)
            opened.append(base_font)
            meta_font = base_font
            bglyf, bhmtx = base_font["glyf"], base_font["hmtx"]
            for gname in base_font.getGlyphOrder():
                glyphs[gname] = bglyf.glyphs[gname]  # not bglyf[...]: that decodes
                advances[gname], lsbs[gname] = bhmtx[gname]
            cmap.update(base_font.getBestCmap())
        if source is not None:
            sfont = TTFont(os.fspath(source), fontNumber=face_index, lazy=True)
            opened.append(sfont)
            meta_font = meta_font or sfont
            scmap = sfont.getBestCmap()
            sglyphs = sfont.getGlyphSet()
            shmtx = sfont["hmtx"]
            is_tt = "glyf" in sfont
            wanted = sorted({ord(c) for c in chars} - set(cmap))
            wanted_names = [] if ".notdef" in glyphs else [".notdef"]
            wanted_names += [scmap[code] for code in wanted if code in scmap]
            renamed: dict[str, str] = {}
            for gname in dict.fromkeys(wanted_names):
                new = gname if gname not in glyphs else f"{gname}.w{len(glyphs)}"
                recording = DecomposingRecordingPen(sglyphs)  # composites -> outlines
                sglyphs[gname].draw(recording)
                pen = TTGlyphPen(None)
                recording.replay(pen if is_tt else Cu2QuPen(pen, 1.0, reverse_direction=True))
                glyphs[new] = pen.glyph()
                advances[new] = shmtx[gname][0]
                renamed[gname] = new
                new_names.append(new)
            for code in wanted:
                if code in scmap and scmap[code] in renamed:
                    cmap[code] = renamed[scmap[code]]

        order = [".notdef", *sorted(n for n in glyphs if n != ".notdef")]
        head, hhea, os2 = meta_font["head"], meta_font["hhea"], meta_font["OS/2"]
        fb = FontBuilder(head.unitsPerEm, isTTF=True)
        fb.font.recalcTimestamp = False
        fb.setupGlyphOrder(order)
        fb.setupCharacterMap(cmap)
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {n: glyphs[n] for n in order}
        fb.font["loca"] = newTable("loca")
        fb.font["glyf"] = glyf
        for n in new_names:
            g = glyphs[n]
            g.recalcBounds(glyf)
            lsbs[n] = g.xMin if g.numberOfContours else 0
        fb.setupHorizontalMetrics({n: (advances[n], lsbs[n]) for n in order})
        fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
        fb.setupMaxp()
        if base_font is None:
            fb.font.recalcBBoxes = True  # every glyph is decoded anyway
        else:
            # keep the base's compiled glyphs: compute the summary fields by hand
            fb.font.recalcBBoxes = False
            _merge_summaries(fb.font, base_font, {n: glyphs[n] for n in new_names}, advances, lsbs)
        names = meta_font["name"]

        def name(i: int, default: str = "") -> str:
            rec = names.getDebugName(i)
            return rec if rec is not None else default

        ps = re.sub(r"[^A-Za-z0-9-]", "", family.replace(" ", "")) + "-Regular"
        fb.setupNameTable(
            {
                "copyright": name(0),
                "familyName": family,
                "styleName": "Regular",
                "uniqueFontIdentifier": f"{ps};weeklylib-{_BUILD_VERSION}",
                "fullName": f"{family} Regular",
                "psName": ps,
                "version": name(5, "Version 1.000"),
                "description": (
                    f"TrueType-outline subset of {name(4, 'the source font')} made by "
                    "weeklylib (fontTools cu2qu) for Type 42 PDF embedding."
                ),
                "licenseDescription": name(13),
                "licenseInfoURL": name(14),
            },
            mac=False,
        )
        fb.setupOS2(
            sTypoAscender=os2.sTypoAscender,
            sTypoDescender=os2.sTypoDescender,
            sTypoLineGap=os2.sTypoLineGap,
            usWinAscent=os2.usWinAscent,
            usWinDescent=os2.usWinDescent,
            usWeightClass=os2.usWeightClass,
            fsType=0,  # installable embedding, as the SIL OFL allows
            achVendID="WKLY",
        )
        fb.setupPost()
        fb.font["head"].created = head.created
        fb.font["head"].modified = head.created
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(out, lambda tmp: fb.font.save(tmp, reorderTables=True))
    finally:
        for f in opened:
            f.close()
    return out


def _merge_summaries(font, base_font, new: dict[str, Any], advances, lsbs) -> None:
    """Fill head/hhea/maxp summary fields of a merged font without decoding base glyphs.

    ``new`` maps the names of glyphs added to the base to their (decoded) glyphs.
    """
    bhead, bhhea, bmaxp = base_font["head"], base_font["hhea"], base_font["maxp"]
    head, hhea, maxp = font["head"], font["hhea"], font["maxp"]
    drawn = {n: g for n, g in new.items() if g.numberOfContours > 0}
    head.xMin = min([bhead.xMin, *(g.xMin for g in drawn.values())])
    head.yMin = min([bhead.yMin, *(g.yMin for g in drawn.values())])
    head.xMax = max([bhead.xMax, *(g.xMax for g in drawn.values())])
    head.yMax = max([bhead.yMax, *(g.yMax for g in drawn.values())])
    for attr in (
        "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth",
        "maxCompositePoints", "maxCompositeContours",
    ):
        setattr(maxp, attr, getattr(bmaxp, attr))
    maxp.maxPoints = max([bmaxp.maxPoints, *(len(g.coordinates) for g in drawn.values())])
    maxp.maxContours = max([bmaxp.maxContours, *(g.numberOfContours for g in drawn.values())])
    hhea.advanceWidthMax = max(advances.values())
    hhea.minLeftSideBearing = min([bhhea.minLeftSideBearing, *(lsbs[n] for n in drawn)])
    hhea.minRightSideBearing = min(
        [bhhea.minRightSideBearing, *(advances[n] - g.xMax for n, g in drawn.items())]
    )
    hhea.xMaxExtent = max([bhhea.xMaxExtent, *(g.xMax for g in drawn.values())])


def _truetype_for(info: FontInfo) -> FontInfo:
    """The TrueType-outline font to draw with in ``"truetype"`` PDF mode."""
    if info.outlines == "truetype":
        return info
    bundled = _search_bundled()
    if bundled is not None and info.family in _SAME_DESIGN_AS_BUNDLED:
        return bundled
    family = f"Weeklylib CJK {_file_key(info.path, info.face_index)[:8]}"
    target = _cache_dir() / f"{family.replace(' ', '')}-{_file_key(info.path, 'base')}.ttf"
    if not target.is_file():
        log.info("converting %s to TrueType outlines for journal-safe PDFs (once)", info.path)
        build_truetype_font(
            target, family=family, source=info.path, face_index=info.face_index,
            chars=_base_charset(),
        )
    return FontInfo(target, 0, family, "converted", "truetype")


@lru_cache(maxsize=16)
def _coverage(path: Path, face_index: int = 0) -> frozenset[int]:
    return frozenset(_ft2font(path, face_index).get_charmap())


def _pdf_glyphs_extendable() -> bool:
    """Whether the active theme draws CJK with a TrueType twin that can be extended."""
    tt, full = _STATE["pdf_font"], _STATE["font"]
    return tt is not None and full is not None and tt.path != full.path


def _ensure_pdf_glyphs(text: str) -> list[str]:
    """Add to the active TrueType font any character of ``text`` it lacks.

    Only characters the full CJK font has are added (others are missing from
    every font and matplotlib already warns about them).  Returns the
    characters added.  Used by :func:`weeklylib.save_figure` in
    ``"truetype"`` mode.
    """
    tt: FontInfo | None = _STATE["pdf_font"]
    full: FontInfo | None = _STATE["font"]
    if not _pdf_glyphs_extendable():
        return []
    have = _coverage(tt.path, tt.face_index)
    src_have = _coverage(full.path, full.face_index)
    latin = _coverage(_latin_path())
    missing = sorted({c for c in text if ord(c) not in have and ord(c) in src_have
                      and ord(c) not in latin and not c.isspace()})
    if not missing:
        return []
    added = "".join(missing)
    target = _cache_dir() / f"{tt.path.stem}-x{_file_key(tt.path, full.path, added)}.ttf"
    if not target.is_file():
        build_truetype_font(
            target, family=tt.family, base=tt.path, source=full.path,
            face_index=full.face_index, chars=missing,
        )
    _unregister(tt.path)
    _register(target)
    _STATE["pdf_font"] = dataclasses.replace(tt, path=target, source="extended")
    return missing


def _latin_path() -> Path:
    from matplotlib import font_manager

    return Path(font_manager.findfont(LATIN_FAMILY, fallback_to_default=False))


# --------------------------------------------------------------------------
# the theme
# --------------------------------------------------------------------------

_STATE: dict[str, Any] = {"font": None, "pdf_font": None, "pdf_mode": None}


def _validate(lang: str, context: str, pdf_mode: str) -> None:
    _style.resolve_lang(lang)
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {tuple(CONTEXTS)}, got {context!r}")
    if pdf_mode not in PDF_MODES:
        raise ValueError(f"pdf_mode must be one of {PDF_MODES}, got {pdf_mode!r}")


def paper_rc(
    *, families: Iterable[str] = (), context: str = "paper", pdf_mode: str = "truetype"
) -> dict[str, Any]:
    """The rcParams of the paper theme (no side effects).

    Parameters
    ----------
    families : iterable of str
        CJK font families to fall back to after :data:`LATIN_FAMILY`.
    context : {"paper", "notebook", "talk"}
        Size preset; "paper" is one journal column (3.5 in).
    pdf_mode : {"truetype", "type3"}
        See the module docstring.

    Returns
    -------
    dict
    """
    from cycler import cycler

    _validate("zh", context, pdf_mode)
    c = CONTEXTS[context]
    fonttype = 42 if pdf_mode == "truetype" else 3
    return {
        "font.family": [LATIN_FAMILY, *families],
        "font.size": c["base"],
        "axes.unicode_minus": False,
        "axes.titlesize": c["title"],
        "axes.titleweight": "normal",
        "axes.labelsize": c["base"],
        "xtick.labelsize": c["small"],
        "ytick.labelsize": c["small"],
        "legend.fontsize": c["small"],
        "legend.title_fontsize": c["base"],
        "legend.frameon": False,
        "figure.titlesize": c["title"],
        "figure.figsize": c["figsize"],
        "figure.dpi": 100,
        "figure.constrained_layout.use": True,
        "axes.prop_cycle": cycler(color=list(_style.OKABE_ITO)),
        "image.cmap": _style.SEQUENTIAL_CMAP,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.8,
        "axes.grid": False,
        "grid.linewidth": 0.5,
        "grid.color": "#DDDDDD",
        "lines.linewidth": c["lw"],
        "patch.linewidth": 0.5,
        "xtick.major.width": 0.8,
        "ytick.major.width": 0.8,
        "savefig.dpi": 300,
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.03,
        "pdf.fonttype": fonttype,
        "ps.fonttype": fonttype,
        "svg.fonttype": "path",
        "svg.hashsalt": "weeklylib",
    }


def set_paper_theme(
    *,
    font: str | os.PathLike[str] | None = None,
    lang: str = "zh",
    context: str = "paper",
    pdf_mode: str = "truetype",
) -> FontInfo | None:
    """Set matplotlib's rcParams for publication figures with Chinese text.

    Finds a CJK font (:func:`find_cjk_font`), registers it with matplotlib,
    sets ``font.family`` to ``["DejaVu Sans", <CJK family>...]`` for per-glyph
    fallback, ``axes.unicode_minus = False``, the Okabe–Ito colour cycle,
    sizes for `context`, and the PDF embedding of `pdf_mode`.

    Parameters
    ----------
    font : path-like, optional
        A font file to use instead of searching.
    lang : {"zh", "en"}, default "zh"
        Default label language of weeklylib plot functions called with
        ``lang=None``.  With "en" a missing CJK font is only logged.
    context : {"paper", "notebook", "talk"}, default "paper"
        Size preset; "paper" fits one journal column (3.5 in wide).
    pdf_mode : {"truetype", "type3"}, default "truetype"
        "truetype": journal-safe Type 42 embedding of TrueType outlines
        (renders in poppler, MuPDF and Ghostscript; no Type 3).
        "type3": Type 3 fonts (render everywhere; some journals reject them).

    Returns
    -------
    FontInfo or None
        The CJK font found (``None`` if none).

    Raises
    ------
    ValueError
        For an invalid `lang`, `context`, `pdf_mode` or `font`.

    Examples
    --------
    >>> import weeklylib as wl
    >>> wl.set_paper_theme()                      # doctest: +SKIP
    >>> with wl.paper_style(context="talk"):      # doctest: +SKIP
    ...     fig, ax = plt.subplots()
    """
    import matplotlib as mpl

    _validate(lang, context, pdf_mode)
    if font is not None:
        info = find_cjk_font(font)
    elif lang == "en":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            info = find_cjk_font()
        if info is None and caught:
            log.info("%s", caught[0].message)
    else:
        info = find_cjk_font()

    families: list[str] = []
    pdf_font = None
    if info is not None:
        _register(info.path)
        if pdf_mode == "truetype":
            pdf_font = _truetype_for(info)
            _register(pdf_font.path)
            if pdf_font.family != info.family:
                families.append(pdf_font.family)
        families.append(info.family)
    rc = paper_rc(families=families, context=context, pdf_mode=pdf_mode)
    mpl.rcParams.update(rc)
    _STATE.update(font=info, pdf_font=pdf_font, pdf_mode=pdf_mode)
    _style.set_default_lang(lang)
    return info


@contextlib.contextmanager
def paper_style(
    *,
    font: str | os.PathLike[str] | None = None,
    lang: str = "zh",
    context: str = "paper",
    pdf_mode: str = "truetype",
) -> Iterator[FontInfo | None]:
    """Context manager: the paper theme inside a ``with`` block only.

    Takes the same parameters as :func:`set_paper_theme`; rcParams and the
    default label language are restored on exit.

    Examples
    --------
    >>> with paper_style() as font:               # doctest: +SKIP
    ...     fig, ax = plt.subplots()
    ...     ax.set_title("每期文章数")
    ...     save_figure(fig, "articles_per_issue")
    """
    import matplotlib as mpl

    saved_state = dict(_STATE)
    saved_lang = _style.resolve_lang(None)
    with mpl.rc_context():
        try:
            yield set_paper_theme(font=font, lang=lang, context=context, pdf_mode=pdf_mode)
        finally:
            _STATE.clear()
            _STATE.update(saved_state)
            _style.set_default_lang(saved_lang)
