"""Tests for weeklylib.theme: CJK font discovery, the paper theme, journal-safe fonts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from fontTools.ttLib import TTCollection, TTFont

from weeklylib import theme
from weeklylib.plotting import _style

CHINESE = "全国卫生信息化舆情监测周报"
#: A character outside the bundled subset (CJK Extension A, U+3447).  The fake CFF font below
#: draws it with the outline of 届, so the tests do not need a full CJK font installed.
RARE = "\u3447"


def make_cff_font(out: Path, *, family: str = "Noto Sans CJK SC", chars: str = CHINESE) -> Path:
    """A small CFF-outline (.otf) font named like Noto Sans CJK SC, built from the bundled font.

    Maps every character of ``chars`` plus :data:`RARE` (drawn as 届) — what a full
    Noto Sans CJK SC .otf is to weeklylib, without the 16 MB.
    """
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    with TTFont(theme._bundled_path(), lazy=True) as src:
        cmap, hmtx, glyphs = src.getBestCmap(), src["hmtx"], src.getGlyphSet()
        pairs = {c: c for c in dict.fromkeys(chars)} | {RARE: "届"}
        order, charstrings, metrics, new_cmap = [".notdef"], {}, {}, {}
        pen = T2CharStringPen(500, None)
        charstrings[".notdef"], metrics[".notdef"] = pen.getCharString(), (500, 0)
        for i, (ch, shape) in enumerate(pairs.items()):
            gname = cmap[ord(shape)]
            name = f"g{i + 1}"
            pen = T2CharStringPen(hmtx[gname][0], None)
            glyphs[gname].draw(pen)
            order.append(name)
            charstrings[name] = pen.getCharString()
            metrics[name] = hmtx[gname]
            new_cmap[ord(ch)] = name
        fb = FontBuilder(src["head"].unitsPerEm, isTTF=False)
        fb.setupGlyphOrder(order)
        fb.setupCharacterMap(new_cmap)
        ps = family.replace(" ", "") + "-Regular"
        fb.setupCFF(ps, {"FullName": f"{family} Regular"}, charstrings, {})
        fb.setupHorizontalMetrics(metrics)
        fb.setupHorizontalHeader(ascent=src["hhea"].ascent, descent=src["hhea"].descent)
        fb.setupNameTable({"familyName": family, "styleName": "Regular"}, mac=False)
        fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=1160, usWinDescent=320)
        fb.setupPost()
        fb.save(out)
    return out


@pytest.fixture(autouse=True)
def _theme_isolated(_restore_theme):
    """Every test here starts from matplotlib defaults (see conftest._restore_theme)."""


@pytest.fixture(scope="module")
def fake_fonts(tmp_path_factory) -> dict[str, Path]:
    """Small fonts named like system CJK fonts, built from the bundled subset."""
    folder = tmp_path_factory.mktemp("fonts")
    bundled = theme._bundled_path()
    out = {}
    for fam, fname in [
        ("Noto Sans CJK JP", "jp.ttf"),
        ("Noto Sans CJK SC", "NotoSansCJKsc-Regular.ttf"),
        ("WenQuanYi Zen Hei", "wqy-zenhei.ttf"),
    ]:
        out[fam] = theme.build_truetype_font(
            folder / fname, family=fam, source=bundled, chars=CHINESE + "直骨角"
        )
    # a collection whose face 0 is Japanese and face 1 Simplified Chinese, like Noto's .ttc
    coll = TTCollection()
    coll.fonts = [_font(out["Noto Sans CJK JP"]), _font(out["Noto Sans CJK SC"])]
    coll.save(folder / "NotoSansCJK-Regular.ttc")
    out["ttc"] = folder / "NotoSansCJK-Regular.ttc"
    out["cff"] = make_cff_font(folder / "NotoSansCJKsc-Regular.otf")
    return out


def _font(path, **kw) -> TTFont:
    """Open a font fully and close the file (no ResourceWarning)."""
    with TTFont(path, **kw) as f:
        f.ensureDecompiled()
        return f


def _cmap(path, face_index: int = 0) -> dict[int, str]:
    with TTFont(path, fontNumber=face_index, lazy=True) as f:
        return f.getBestCmap()


def _draw_and_collect(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught]


# --------------------------------------------------------------------- discovery


def test_this_machine_finds_a_font_without_system_cjk_fonts():
    info = theme.find_cjk_font()
    assert info is not None
    assert info.family in {*theme.CJK_FAMILIES, theme.BUNDLED_FAMILY}
    assert Path(info).is_file()  # FontInfo is path-like


def test_no_system_font_falls_back_to_package_font(monkeypatch):
    monkeypatch.setattr(theme, "_system_font_files", lambda: ())
    info = theme.find_cjk_font()
    assert info.source in {"package", "bundled"}
    if info.source == "package":
        assert info.family == "Noto Sans CJK SC"
        assert info.path.name == "NotoSansCJKsc-Regular.otf"


def test_no_system_font_and_no_mplfonts_uses_bundled_subset(monkeypatch):
    monkeypatch.setattr(theme, "_system_font_files", lambda: ())
    monkeypatch.setattr(theme, "_package_font_dirs", lambda: [])
    info = theme.find_cjk_font()
    assert info.source == "bundled"
    assert info.family == "Weeklylib CJK SC"
    assert info.outlines == "truetype"
    cmap = _cmap(info.path)
    assert all(ord(c) in cmap for c in CHINESE + "，。、（）《》")
    assert len(cmap) > 20000  # ASCII, punctuation, all CJK Unified Ideographs


def test_nothing_found_warns_naming_what_was_searched(monkeypatch, tmp_path):
    monkeypatch.setattr(theme, "_system_font_files", lambda: ())
    monkeypatch.setattr(theme, "_package_font_dirs", lambda: [("mplfonts", tmp_path)])
    monkeypatch.setattr(theme, "_bundled_path", lambda: tmp_path / "missing.ttf")
    with pytest.warns(UserWarning, match="no Chinese") as rec:
        assert theme.find_cjk_font() is None
    message = str(rec[0].message)
    for searched in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                     "Microsoft YaHei", "PingFang SC", "mplfonts", "missing.ttf"):
        assert searched in message


def test_system_font_preferred_and_ranked(monkeypatch, fake_fonts):
    monkeypatch.setattr(
        theme, "_system_font_files",
        lambda: (fake_fonts["WenQuanYi Zen Hei"], fake_fonts["Noto Sans CJK SC"]),
    )
    info = theme.find_cjk_font()
    assert (info.source, info.family, info.path) == (
        "system", "Noto Sans CJK SC", fake_fonts["Noto Sans CJK SC"])


def test_system_ttc_selects_simplified_chinese_face(monkeypatch, fake_fonts):
    monkeypatch.setattr(theme, "_system_font_files", lambda: (fake_fonts["ttc"],))
    info = theme.find_cjk_font()
    assert (info.face_index, info.family) == (1, "Noto Sans CJK SC")
    # PIL/wordcloud open face 0: the standalone file must be the SC face
    standalone = theme.cjk_font_file(info)
    assert standalone != fake_fonts["ttc"]
    assert _font(standalone)["name"].getDebugName(1) == "Noto Sans CJK SC"
    assert theme.cjk_font_file(info) == standalone  # cached, not rebuilt


def test_user_ttc_selects_sc_face(fake_fonts):
    info = theme.find_cjk_font(fake_fonts["ttc"])
    assert (info.source, info.face_index, info.family) == ("user", 1, "Noto Sans CJK SC")


def test_matplotlib_picks_sc_face_of_ttc(monkeypatch, fake_fonts):
    monkeypatch.setattr(theme, "_system_font_files", lambda: (fake_fonts["ttc"],))
    info = theme.set_paper_theme(pdf_mode="type3")
    from matplotlib import font_manager

    found = font_manager.findfont(info.family, fallback_to_default=False)
    assert Path(found) == fake_fonts["ttc"]
    assert font_manager.findfont(
        font_manager.FontProperties(family=info.family), fallback_to_default=False
    ).face_index == 1


def test_simhei_is_never_selected(monkeypatch, tmp_path):
    shutil.copy(theme._bundled_path(), tmp_path / "SimHei.ttf")
    monkeypatch.setattr(theme, "_system_font_files", lambda: (tmp_path / "SimHei.ttf",))
    monkeypatch.setattr(theme, "_package_font_dirs", lambda: [("mplfonts", tmp_path)])
    monkeypatch.setattr(theme, "_bundled_path", lambda: tmp_path / "missing.ttf")
    with pytest.warns(UserWarning, match="no Chinese"):
        assert theme.find_cjk_font() is None
    with pytest.raises(ValueError, match="proprietary"):
        theme.find_cjk_font(tmp_path / "SimHei.ttf")


def test_user_font_must_exist(tmp_path):
    with pytest.raises(ValueError, match=r"font must be an existing font file.*nope\.otf"):
        theme.find_cjk_font(tmp_path / "nope.otf")
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(ValueError, match="font must be a readable font file"):
        theme.find_cjk_font(bad)


# --------------------------------------------------------------------- the theme


def test_import_changes_no_global_settings():
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); "
        "import weeklylib, weeklylib.theme, weeklylib.figures; "
        "import weeklylib.plotting.overview, weeklylib.plotting.wordcloud; "
        "after = dict(mpl.rcParams); "
        "diff = [k for k in before if before[k] != after[k]]; "
        "assert not diff, diff; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_set_paper_theme_rcparams():
    info = theme.set_paper_theme()
    fam = mpl.rcParams["font.family"]
    assert fam[0] == "DejaVu Sans"
    assert fam[-1] == info.family
    assert mpl.rcParams["axes.unicode_minus"] is False
    assert mpl.rcParams["pdf.fonttype"] == 42
    assert mpl.rcParams["svg.fonttype"] == "path"
    assert list(mpl.rcParams["figure.figsize"]) == [3.5, 2.6]
    assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == list(_style.OKABE_ITO)
    assert mpl.rcParams["savefig.dpi"] == 300
    # every family named is a real registered font (per-glyph fallback needs that)
    from matplotlib import font_manager

    for family in fam:
        assert font_manager.findfont(family, fallback_to_default=False)


def test_context_and_mode_presets():
    theme.set_paper_theme(context="talk", pdf_mode="type3", lang="en")
    assert mpl.rcParams["font.size"] == 14.0
    assert mpl.rcParams["pdf.fonttype"] == 3
    assert _style.resolve_lang(None) == "en"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lang": "fr"}, r"lang must be one of \('zh', 'en'\).*'fr'"),
        ({"context": "poster"},
         r"context must be one of \('paper', 'notebook', 'talk'\).*'poster'"),
        ({"pdf_mode": "type42"}, r"pdf_mode must be one of \('truetype', 'type3'\).*'type42'"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        theme.set_paper_theme(**kwargs)


def test_paper_style_restores_everything():
    before = dict(mpl.rcParams)
    with theme.paper_style(lang="en") as info:
        assert mpl.rcParams["font.family"][-1] == info.family
        assert _style.resolve_lang(None) == "en"
    assert dict(mpl.rcParams) == before
    assert _style.resolve_lang(None) == "zh"


def test_without_theme_chinese_gives_glyph_missing():
    """Control for the next test: the warning really fires when no CJK font is set."""
    fig, ax = plt.subplots()
    ax.set_title(CHINESE)
    messages = _draw_and_collect(fig)
    assert any("Glyph" in m and "missing" in m for m in messages)


@pytest.mark.parametrize("pdf_mode", ["truetype", "type3"])
def test_chinese_renders_without_glyph_missing(pdf_mode):
    with theme.paper_style(pdf_mode=pdf_mode):
        fig, ax = plt.subplots()
        ax.set_title(CHINESE)
        ax.set_xlabel("期号 (issue) −1")
        ax.bar(["新华网", "人民网"], [-1, 2])
        ax.legend(["文章数"])
        assert _draw_and_collect(fig) == []


def test_chinese_renders_with_only_the_bundled_font(monkeypatch):
    monkeypatch.setattr(theme, "_system_font_files", lambda: ())
    monkeypatch.setattr(theme, "_package_font_dirs", lambda: [])
    with theme.paper_style() as info:
        assert info.source == "bundled"
        fig, ax = plt.subplots()
        ax.set_title(CHINESE)
        assert _draw_and_collect(fig) == []


def test_stale_font_cache_does_not_matter():
    """If matplotlib's cache does not list the font, the theme registers the file itself."""
    from matplotlib import font_manager

    info = theme.find_cjk_font()
    fm = font_manager.fontManager
    saved = list(fm.ttflist)
    try:
        fm.ttflist = [e for e in fm.ttflist if Path(e.fname).resolve() != info.path.resolve()]
        fm._findfont_cached.cache_clear()
        with theme.paper_style(pdf_mode="type3"):
            fig, ax = plt.subplots()
            ax.set_title(CHINESE)
            assert _draw_and_collect(fig) == []
    finally:
        fm.ttflist = saved
        fm._findfont_cached.cache_clear()


def test_unicode_minus_renders_as_hyphen():
    with theme.paper_style():
        fig, ax = plt.subplots()
        ax.plot([-2, 2], [-2, 2])
        fig.canvas.draw()
        labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any(lbl.startswith("-") for lbl in labels)
    assert not any("\u2212" in lbl for lbl in labels)


# --------------------------------------------------------------------- TrueType conversion


def test_truetype_mode_draws_cjk_with_truetype_outlines():
    with theme.paper_style() as info:
        pdf_font = theme._STATE["pdf_font"]
        assert pdf_font.outlines == "truetype"
        with TTFont(pdf_font.path, lazy=True) as f:
            assert "glyf" in f
            assert "CFF " not in f
        if info.outlines == "cff":  # e.g. Noto Sans CJK SC .otf: drawn by the TrueType twin
            assert mpl.rcParams["font.family"][1] == pdf_font.family


def test_converted_font_keeps_metrics_and_shapes(tmp_path, fake_fonts):
    src = theme.find_cjk_font(fake_fonts["cff"])
    assert src.outlines == "cff"
    text = "国卫生" + RARE
    out = theme.build_truetype_font(tmp_path / "t.ttf", family="Weeklylib Test", source=src.path,
                                    chars=text + "A")  # "A" is not in the source: left out
    new = _font(out)
    with TTFont(src.path, lazy=True) as old:
        assert "glyf" in new
        assert "CFF " not in new
        assert new["name"].getDebugName(1) == "Weeklylib Test"
        assert new["head"].unitsPerEm == old["head"].unitsPerEm
        assert new["hhea"].ascent == old["hhea"].ascent
        assert new["hhea"].descent == old["hhea"].descent
        ncmap, ocmap = new.getBestCmap(), old.getBestCmap()
        assert sorted(chr(c) for c in ncmap) == sorted(text)
        for ch in text:  # same advance widths and same outline extents (cu2qu error <= 1 unit)
            n, o = new["glyf"][ncmap[ord(ch)]], old.getGlyphSet()[ocmap[ord(ch)]]
            assert new["hmtx"][ncmap[ord(ch)]][0] == old["hmtx"][ocmap[ord(ch)]][0]
            from fontTools.pens.boundsPen import BoundsPen

            bp = BoundsPen(None)
            o.draw(bp)
            assert max(abs(a - b) for a, b in zip((n.xMin, n.yMin, n.xMax, n.yMax), bp.bounds,
                                                  strict=True)) <= 1
    # the same bytes when built again (no timestamps)
    again = theme.build_truetype_font(tmp_path / "t2.ttf", family="Weeklylib Test",
                                      source=src.path, chars=text + "A")
    assert out.read_bytes() == again.read_bytes()


def test_licence_names_survive_conversion(tmp_path):
    bundled = _font(theme._bundled_path())
    assert bundled["name"].getDebugName(1) == "Weeklylib CJK SC"
    assert "SIL Open Font License" in bundled["name"].getDebugName(13)
    assert "Adobe" in bundled["name"].getDebugName(0)
    assert bundled["OS/2"].fsType == 0


def test_cff_system_font_is_drawn_by_truetype_twin(monkeypatch, fake_fonts):
    monkeypatch.setattr(theme, "_system_font_files", lambda: (fake_fonts["cff"],))
    with theme.paper_style() as info:
        assert (info.source, info.family, info.outlines) == ("system", "Noto Sans CJK SC", "cff")
        assert theme._STATE["pdf_font"].family == theme.BUNDLED_FAMILY
        assert mpl.rcParams["font.family"] == ["DejaVu Sans", theme.BUNDLED_FAMILY,
                                               "Noto Sans CJK SC"]
        fig, ax = plt.subplots()
        ax.set_title(CHINESE + RARE)  # RARE comes from the CFF font until extended
        assert _draw_and_collect(fig) == []


def test_extension_adds_missing_characters(monkeypatch, fake_fonts):
    monkeypatch.setattr(theme, "_system_font_files", lambda: (fake_fonts["cff"],))
    with theme.paper_style():
        before = theme._STATE["pdf_font"]
        assert ord(RARE) not in _cmap(before.path)
        assert theme._ensure_pdf_glyphs(f"{RARE}国 A{RARE}") == [RARE]
        after = theme._STATE["pdf_font"]
        assert (after.family, after.source) == (before.family, "extended")
        cmap = _cmap(after.path)
        assert ord(RARE) in cmap
        assert len(cmap) == len(_cmap(before.path)) + 1
        assert theme._ensure_pdf_glyphs(RARE + "国") == []  # nothing left to add
        from matplotlib import font_manager

        assert Path(font_manager.findfont(theme.BUNDLED_FAMILY)) == after.path


def test_other_cff_font_is_converted_into_the_cache(monkeypatch, tmp_path):
    """A CFF font of another design gets its own TrueType twin (the bundled subset), cached."""
    serif = make_cff_font(tmp_path / "serif.otf", family="Some Serif SC")
    info = theme.find_cjk_font(serif)
    twin = theme._truetype_for(info)
    assert twin.source == "converted"
    assert twin.family.startswith("Weeklylib CJK ")
    assert twin.path.parent == theme._cache_dir()
    assert set(_cmap(twin.path)) == {ord(c) for c in CHINESE}  # RARE is outside the subset
    assert theme._truetype_for(info) == twin  # second call: from the cache


def test_truetype_source_composites_are_decomposed(tmp_path):
    from matplotlib import font_manager

    dejavu = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    out = theme.build_truetype_font(tmp_path / "d.ttf", family="Weeklylib Test", source=dejavu,
                                    chars="éA")
    font = _font(out)
    glyphs = {chr(c): font["glyf"][n] for c, n in font.getBestCmap().items()}
    assert sorted(glyphs) == ["A", "é"]
    assert not glyphs["é"].isComposite()
    assert glyphs["é"].numberOfContours == 3  # e, its counter and the acute accent
