"""Tests for weeklylib.figures.save_figure: byte-stable files, data CSV, journal-safe PDFs."""

from __future__ import annotations

import re
import shutil
import subprocess

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymupdf
import pytest

import weeklylib as wl
from test_theme import RARE, make_cff_font  # tests/ is on sys.path (rootdir-relative import)
from weeklylib import theme
from weeklylib.figures import save_figure

TEXT = "卫生信息化舆情监测"


@pytest.fixture(autouse=True)
def _theme(_restore_theme):
    """Tests run under the paper theme (Chinese labels need a CJK font)."""
    with wl.paper_style():
        yield




@pytest.fixture
def cff_system_font(monkeypatch, tmp_path):
    """The machine's CJK font is a CFF-outline "Noto Sans CJK SC" .otf that also has RARE."""
    path = make_cff_font(tmp_path / "NotoSansCJKsc-Regular.otf", chars=TEXT)
    monkeypatch.setattr(theme, "_system_font_files", lambda: (path,))
    return path


def _bar_figure():
    fig, ax = plt.subplots()
    ax.bar(["新华网", "人民网", "健康界"], [3, 1, 2])
    ax.set_title("每期文章数")
    ax.set_ylabel("文章数")
    return fig


def _text_figure(text=TEXT):
    fig = plt.figure(figsize=(3.0, 0.8))
    fig.text(0.5, 0.5, text, ha="center", va="center", size=20)
    return fig


def _ink(gray: np.ndarray) -> int:
    """Number of dark pixels in a greyscale image scaled 0..1."""
    return int((gray < 0.5).sum())


def _png_gray(path) -> np.ndarray:
    img = plt.imread(path)
    return img if img.ndim == 2 else img[..., :3].mean(axis=2)


def _pdf_ink_matches_png(pdf, png, dpi=100):
    a, b = _pdf_gray(pdf, dpi), _png_gray(png)
    assert abs(a.shape[0] - b.shape[0]) <= 3  # page size is rounded differently
    assert abs(a.shape[1] - b.shape[1]) <= 3
    ink_png, ink_pdf = _ink(b), _ink(a)
    assert ink_png > 500  # the text is really there in the PNG
    assert 0.8 < ink_pdf / ink_png < 1.25


def _pdf_gray(path, dpi) -> np.ndarray:
    with pymupdf.open(path) as doc:
        pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width) / 255.0


def _pdf_fonts(path) -> list[tuple[str, str, bytes]]:
    """(font name, PDF font type, first 4 bytes of the embedded font program)."""
    out = []
    with pymupdf.open(path) as doc:
        for xref, _ext, ftype, name, *_ in doc[0].get_fonts(full=True):
            _n, _e, _t, buf = doc.extract_font(xref)
            out.append((name, ftype, bytes(buf[:4])))
    return out


# --------------------------------------------------------------------- files


def test_writes_sorted_paths_and_creates_out_dir(tmp_path):
    data = pd.DataFrame({"source": ["新华网", "人民网"], "n_articles": [3, 1]})
    out = tmp_path / "a" / "b"
    paths = save_figure(_bar_figure(), "outlets", out_dir=out, data=data)
    assert [p.name for p in paths] == ["outlets.csv", "outlets.pdf", "outlets.png", "outlets.svg"]
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)


def test_exported_from_package():
    assert wl.save_figure is save_figure


def test_bytes_identical_run_to_run(tmp_path):
    with wl.paper_style():
        fig = _bar_figure()
        first = save_figure(fig, "fig", out_dir=tmp_path / "1", data=pd.DataFrame({"x": [1]}))
        second = save_figure(fig, "fig", out_dir=tmp_path / "2", data=pd.DataFrame({"x": [1]}))
        fig2 = _bar_figure()  # a fresh figure drawn the same way
        third = save_figure(fig2, "fig", out_dir=tmp_path / "3")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    for a, c in zip([p for p in first if p.suffix != ".csv"], third, strict=True):
        assert a.read_bytes() == c.read_bytes(), a.name


def test_no_timestamps_or_versions(tmp_path):
    paths = save_figure(_bar_figure(), "fig", out_dir=tmp_path)
    pdf, png, svg = (p.read_bytes() for p in paths)
    assert b"CreationDate" not in pdf
    assert b"<dc:date>" not in svg
    assert mpl.__version__.encode() not in png + pdf + svg
    assert b"Software" in png
    assert b"weeklylib" in png


def test_png_has_requested_dpi(tmp_path):
    from PIL import Image

    (png,) = save_figure(_bar_figure(), "fig", out_dir=tmp_path, formats=["png"], dpi=150)
    with Image.open(png) as im:
        assert round(im.info["dpi"][0]) == 150


def test_csv_utf8_bom_roundtrip(tmp_path):
    data = pd.DataFrame({"source": ["新华网", "人民网"], "n_articles": [3, 1]})
    paths = save_figure(_bar_figure(), "outlets", out_dir=tmp_path, formats=["svg"], data=data)
    csv = tmp_path / "outlets.csv"
    assert csv in paths
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == "source,n_articles\n新华网,3\n人民网,1\n"
    pd.testing.assert_frame_equal(pd.read_csv(csv, encoding="utf-8-sig"), data)


def test_csv_keeps_meaningful_index(tmp_path):
    s = pd.Series([2, 5], index=pd.Index([614, 615], name="issue_no"), name="n_articles")
    save_figure(_bar_figure(), "per_issue", out_dir=tmp_path, formats=["svg"], data=s)
    text = (tmp_path / "per_issue.csv").read_text(encoding="utf-8-sig")
    assert text == "issue_no,n_articles\n614,2\n615,5\n"


@pytest.mark.parametrize("name", ["", "a/b", "a\\b", "..", " x", "x:y", "../x", None])
def test_bad_name(tmp_path, name):
    with pytest.raises(ValueError, match="name must be a non-empty file stem"):
        save_figure(_bar_figure(), name, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("formats", [["jpg"], [], "gif", 3])
def test_bad_formats(tmp_path, formats):
    with pytest.raises(ValueError, match=r"formats must be .*\('png', 'pdf', 'svg'\)"):
        save_figure(_bar_figure(), "x", out_dir=tmp_path, formats=formats)


@pytest.mark.parametrize("dpi", [0, -1, 1.5, True])
def test_bad_dpi(tmp_path, dpi):
    with pytest.raises(ValueError, match="dpi must be a positive integer"):
        save_figure(_bar_figure(), "x", out_dir=tmp_path, dpi=dpi)


def test_bad_data(tmp_path):
    with pytest.raises(ValueError, match="data must be a pandas DataFrame, Series or None, got list"
                       ):
        save_figure(_bar_figure(), "x", out_dir=tmp_path, data=[1, 2])


# --------------------------------------------------------------------- PDFs with Chinese


def test_journal_safe_pdf_has_only_truetype_fonts(tmp_path):
    with wl.paper_style(pdf_mode="truetype"):
        fig = _bar_figure()
        fig.axes[0].set_xlabel(TEXT)
        (pdf,) = save_figure(fig, "fig", out_dir=tmp_path, formats=["pdf"])
    fonts = _pdf_fonts(pdf)
    assert fonts, "no fonts embedded"
    for name, ftype, magic in fonts:
        assert ftype != "Type3", name
        # TrueType outlines; b"OTTO" (CFF in a Type 42 slot) is what Ghostscript drops
        assert magic == b"\x00\x01\x00\x00", (name, magic)
    assert any("WeeklylibCJK" in n or "CJK" in n for n, _, _ in fonts)
    with pymupdf.open(pdf) as doc:
        text = doc[0].get_text()
    for expected in ("每期文章数", "文章数", "新华网", "人民网", "健康界", TEXT):
        assert expected in text


def test_type3_mode_uses_type3(tmp_path):
    with wl.paper_style(pdf_mode="type3"):
        (pdf,) = save_figure(_bar_figure(), "fig", out_dir=tmp_path, formats=["pdf"])
    assert {ftype for _, ftype, _ in _pdf_fonts(pdf)} == {"Type3"}


@pytest.mark.parametrize("pdf_mode", ["truetype", "type3"])
def test_pdf_chinese_is_drawn_like_png_mupdf(tmp_path, pdf_mode):
    """The Chinese text in the PDF, rendered by MuPDF, has as much ink as in the PNG."""
    with wl.paper_style(pdf_mode=pdf_mode):
        pdf, png = save_figure(_text_figure(), "t", out_dir=tmp_path, formats=["png", "pdf"],
                               dpi=100)
    _pdf_ink_matches_png(pdf, png)


def test_journal_safe_pdf_adds_characters_beyond_the_subset(cff_system_font, tmp_path):
    """RARE is not in the bundled subset: save_figure converts it from the CFF font."""
    with wl.paper_style(pdf_mode="truetype") as info:
        assert (info.outlines, info.path) == ("cff", cff_system_font)
        fig = _text_figure(TEXT + RARE)
        pdf, png = save_figure(fig, "t", out_dir=tmp_path, formats=["png", "pdf"], dpi=100)
        assert theme._STATE["pdf_font"].source == "extended"
    fonts = _pdf_fonts(pdf)
    assert [(ftype, magic) for _, ftype, magic in fonts] == [("Type0", b"\x00\x01\x00\x00")]
    assert "WeeklylibCJKSC" in fonts[0][0]
    with pymupdf.open(pdf) as doc:
        assert doc[0].get_text().strip() == TEXT + RARE
    _pdf_ink_matches_png(pdf, png)


def _gs_render(pdf, png, dpi=100):
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray", f"-r{dpi}",
         "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4",
         f"-sOutputFile={png}", str(pdf)],
        check=True, capture_output=True,
    )
    return _png_gray(png)


@pytest.mark.skipif(shutil.which("gs") is None,
                    reason="Ghostscript (gs) is not installed; the PyMuPDF checks above carry this")
@pytest.mark.parametrize("pdf_mode", ["truetype", "type3"])
@pytest.mark.parametrize("font", ["found", "cff_with_rare_character"])
def test_pdf_chinese_is_drawn_ghostscript(tmp_path, pdf_mode, font, request):
    text = TEXT
    if font != "found":
        request.getfixturevalue("cff_system_font")
        text += RARE
    with wl.paper_style(pdf_mode=pdf_mode):
        pdf, png = save_figure(_text_figure(text), "t", out_dir=tmp_path,
                               formats=["png", "pdf"], dpi=100)
    ink_gs, ink_png = _ink(_gs_render(pdf, tmp_path / "gs.png")), _ink(_png_gray(png))
    # Ghostscript fills Type 3 glyphs a little heavier than Agg; a dropped text has ~0 ink
    assert 0.7 < ink_gs / ink_png < 1.8


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript (gs) is not installed")
def test_ghostscript_drops_cff_type42_control(tmp_path):
    """Control: Type 42 with the CFF font (what the journal-safe mode avoids) loses the text."""
    # (a small name-keyed CFF font such as make_cff_font's survives in Ghostscript; the
    # CID-keyed CFF of the real Noto Sans CJK is what gets dropped)
    info = theme.find_cjk_font()
    if info.outlines != "cff":
        pytest.skip(f"the CJK font found ({info.family}) is not CID-keyed CFF (need mplfonts)")
    theme._register(info.path)
    with mpl.rc_context({"font.family": [info.family], "pdf.fonttype": 42}):
        fig = _text_figure(TEXT)
        pdf, png = save_figure(fig, "t", out_dir=tmp_path, formats=["png", "pdf"], dpi=100)
    assert b"OTTO" in {m for _, _, m in _pdf_fonts(pdf)}
    assert _ink(_png_gray(png)) > 500
    assert _ink(_gs_render(pdf, tmp_path / "gs.png")) < 20


# --------------------------------------------------------------------- notebook 01 under nbval


def _run_nbval(notebook, timeout=900):
    import os
    import sys

    cmd = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", "sanitize.cfg", "-p", "no:cacheprovider", "-q",
           notebook.name]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(cmd, cwd=notebook.parent, capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


@pytest.mark.slow
def test_notebook_01_fails_when_a_number_in_the_data_changes(tmp_path):
    """nbval catches a changed number: the stored outputs are real checks, not decoration."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "seeds", tmp_path / "seeds")
    (tmp_path / "notebooks").mkdir()
    notebook = tmp_path / "notebooks" / "01_corpus_overview.ipynb"
    shutil.copy(root / "notebooks" / notebook.name, notebook)
    shutil.copy(root / "notebooks" / "sanitize.cfg", notebook.parent / "sanitize.cfg")

    unchanged = _run_nbval(notebook)  # control: the copy itself passes
    assert unchanged.returncode == 0, unchanged.stdout[-4000:]

    seed = tmp_path / "seeds" / "001_017c2f79a39b0a3a.txt"
    raw = seed.read_bytes()
    declared = "本期周报共收集3篇".encode()
    assert raw.count(declared) == 1
    seed.write_bytes(raw.replace(declared, "本期周报共收集5篇".encode()))

    changed = _run_nbval(notebook)
    out = re.sub(r"\x1b\[[0-9;]*m", "", changed.stdout)
    assert changed.returncode == 1, out[-4000:]
    assert "Cell outputs differ" in out
    # the articles-per-issue summary printed by the figure cell shows the new count ...
    assert "overview.articles_per_issue_table" in out
    assert "5            -2" in out
    # ... and the count_mismatch problem it now causes
    assert "count_mismatch          2" in out
