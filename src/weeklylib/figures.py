"""Save figures reproducibly: fixed dpi, byte-stable files, and the data behind them.

>>> import weeklylib as wl
>>> paths = wl.save_figure(fig, "articles_per_issue", data=table)   # doctest: +SKIP
>>> [p.name for p in paths]                                          # doctest: +SKIP
['articles_per_issue.csv', 'articles_per_issue.pdf', 'articles_per_issue.png',
 'articles_per_issue.svg']
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "save_figure"]

#: Formats :func:`save_figure` writes.
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")

#: Metadata written into each format.  No dates and no software versions, so a
#: file's bytes depend only on the figure (and the font files).
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": "weeklylib"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "weeklylib", "Producer": "weeklylib"},
    "svg": {"Date": None, "Creator": "weeklylib"},
}

_BAD_NAME = re.compile(r"[\\/\x00:*?\"<>|]")


def _check_name(name: object) -> str:
    if (
        not isinstance(name, str)
        or not name.strip()
        or name in (".", "..")
        or _BAD_NAME.search(name)
        or name != name.strip()
        or os.sep in name
        or (os.altsep is not None and os.altsep in name)
    ):
        raise ValueError(
            "name must be a non-empty file stem without path separators, surrounding "
            f"spaces or any of \\ / : * ? \" < > |, got {name!r}"
        )
    return name


def _check_formats(formats: object) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    if not isinstance(formats, Iterable):
        raise ValueError(f"formats must be a sequence drawn from {FORMATS}, got {formats!r}")
    out = tuple(dict.fromkeys(str(f).lower().lstrip(".") for f in formats))
    bad = [f for f in out if f not in FORMATS]
    if not out or bad:
        raise ValueError(
            f"formats must be a non-empty sequence drawn from {FORMATS}, got {formats!r}"
        )
    return out


def _figure_text(fig: Figure) -> str:
    from matplotlib.text import Text

    fig.draw_without_rendering()  # creates tick labels, legends and layout
    return "".join(t.get_text() for t in fig.findobj(Text) if t.get_visible())


def save_figure(
    fig: Figure,
    name: str,
    *,
    formats: Iterable[str] = ("png", "pdf", "svg"),
    out_dir: str | os.PathLike[str] = "figures",
    data: pd.DataFrame | pd.Series | None = None,
    dpi: int = 300,
) -> list[Path]:
    """Save `fig` as ``out_dir/name.<format>`` with byte-stable output.

    PNG, PDF and SVG carry no timestamps or software versions, SVG ids come
    from a fixed ``svg.hashsalt`` (derived from `name`), and the dpi is
    fixed, so saving the same figure twice gives identical bytes.  Under
    :func:`weeklylib.set_paper_theme`'s journal-safe ``pdf_mode="truetype"``
    any character the TrueType CJK font lacks is first added to it, so the
    PDF has only embedded TrueType (Type 42) fonts and no Type 3.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save (not closed).
    name : str
        File stem, e.g. ``"articles_per_issue"``; no path separators.
    formats : sequence of {"png", "pdf", "svg"}, default ("png", "pdf", "svg")
        Formats to write.
    out_dir : path-like, default "figures"
        Folder, created if missing.
    data : DataFrame or Series, optional
        The table behind the figure, written to ``name.csv`` (UTF-8 with BOM,
        so Excel shows Chinese) for re-plotting.  The index is written only
        when it is not a plain 0..n-1 range.
    dpi : int, default 300
        Resolution of the PNG (and of rasterised parts of PDF/SVG).

    Returns
    -------
    list of Path
        The files written, sorted.

    Raises
    ------
    ValueError
        For an invalid `name`, `formats`, `dpi` or `data`.
    """
    import matplotlib as mpl

    name = _check_name(name)
    fmts = _check_formats(formats)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi must be a positive integer, got {dpi!r}")
    frame = None
    if data is not None:
        import pandas as pd

        if isinstance(data, pd.Series):
            frame = data.to_frame()
        elif isinstance(data, pd.DataFrame):
            frame = data
        else:
            raise ValueError(
                f"data must be a pandas DataFrame, Series or None, got {type(data).__name__}"
            )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with mpl.rc_context({"svg.hashsalt": f"weeklylib:{name}", "savefig.dpi": dpi}):
        if "pdf" in fmts and mpl.rcParams["pdf.fonttype"] == 42:
            from weeklylib import theme

            if theme._pdf_glyphs_extendable():
                theme._ensure_pdf_glyphs(_figure_text(fig))
        for fmt in fmts:
            path = out / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
            written.append(path)
    if frame is not None:
        import pandas as pd

        index = not (
            isinstance(frame.index, pd.RangeIndex)
            and frame.index.start == 0
            and frame.index.step == 1
            and frame.index.name is None
        )
        path = out / f"{name}.csv"
        frame.to_csv(path, index=index, encoding="utf-8-sig", lineterminator="\n")
        written.append(path)
    return sorted(written)
