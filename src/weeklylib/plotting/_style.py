"""Shared plot helpers: colour-blind-safe palettes, axis/legend labels, ``lang``.

Labels come from the editable data file ``weeklylib/data/labels.toml`` (Chinese
by default, English with ``lang="en"``), so a researcher can rename an axis
without touching code.

>>> from weeklylib.plotting._style import label
>>> label("articles"), label("articles", lang="en")
('文章数', 'Articles')
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path

__all__ = [
    "LANGS",
    "OKABE_ITO",
    "PALETTES",
    "SEQUENTIAL_CMAP",
    "label",
    "load_labels",
    "palette",
    "resolve_lang",
    "set_default_lang",
]

#: Languages a figure can be labelled in.
LANGS: tuple[str, ...] = ("zh", "en")

#: Okabe & Ito (2008) colour-blind-safe qualitative palette, ordered so that the
#: first colours stay distinct in greyscale print (blue, orange, green, vermillion...).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Named palettes.  ``"severity"`` maps the problems-ledger severities to
#: colours that differ in hue *and* lightness.
PALETTES: dict[str, tuple[str, ...]] = {
    "okabe_ito": OKABE_ITO,
    "severity": ("#E69F00", "#D55E00"),  # warning, error
    "grey": ("#4D4D4D", "#999999", "#CCCCCC"),
}

#: Perceptually uniform, colour-blind-safe colormap for heatmaps and word clouds.
SEQUENTIAL_CMAP = "viridis"

_default_lang = "zh"


def resolve_lang(lang: str | None) -> str:
    """Validate a ``lang`` argument.

    Parameters
    ----------
    lang : {"zh", "en"} or None
        Language of labels.  ``None`` means the language chosen by the last
        :func:`weeklylib.set_paper_theme` call (``"zh"`` if none).

    Returns
    -------
    str
        ``"zh"`` or ``"en"``.

    Raises
    ------
    ValueError
        If `lang` is anything else.
    """
    if lang is None:
        return _default_lang
    if not isinstance(lang, str) or lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS} or None, got {lang!r}")
    return lang


def set_default_lang(lang: str) -> str:
    """Set the language used when a plot function gets ``lang=None``; return the old one."""
    global _default_lang
    new = resolve_lang(lang)
    old, _default_lang = _default_lang, new
    return old


def palette(name: str = "okabe_ito", n: int | None = None) -> list[str]:
    """Return ``n`` colours of a named palette (cycling if ``n`` exceeds its length).

    Parameters
    ----------
    name : {"okabe_ito", "severity", "grey"}
        Palette name.
    n : int, optional
        Number of colours; all of them by default.

    Returns
    -------
    list of str
        Hex colour strings.
    """
    if name not in PALETTES:
        raise ValueError(f"name must be one of {tuple(PALETTES)}, got {name!r}")
    colours = PALETTES[name]
    if n is None:
        return list(colours)
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer or None, got {n!r}")
    return [colours[i % len(colours)] for i in range(n)]


def _parse_labels(text: str, source: str) -> dict[str, dict[str, str]]:
    from weeklylib.errors import DataFileError

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise DataFileError(f"not valid TOML: {exc}", path=source, line=line) from exc
    out: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if not isinstance(value, Mapping) or not all(
            isinstance(value.get(lg), str) for lg in LANGS
        ):
            raise DataFileError(
                f"label {key!r} needs string values for every language {LANGS}",
                path=source,
            )
        out[key] = {lg: value[lg] for lg in LANGS}
    return out


@lru_cache(maxsize=1)
def _bundled_labels() -> dict[str, dict[str, str]]:
    text = resources.files("weeklylib.data").joinpath("labels.toml").read_text(encoding="utf-8")
    return _parse_labels(text, "weeklylib/data/labels.toml")


def load_labels(
    path: str | PathLike[str] | None = None, *, extend: bool = True
) -> dict[str, dict[str, str]]:
    """Load the axis/legend label table.

    Parameters
    ----------
    path : path-like, optional
        A TOML file in the format of the bundled ``labels.toml``
        (``[key]`` tables with ``zh = "..."`` and ``en = "..."``).
    extend : bool, default True
        With `path`, add to (and override) the bundled labels; ``False``
        replaces them.

    Returns
    -------
    dict
        ``{key: {"zh": ..., "en": ...}}``.
    """
    labels = dict(_bundled_labels())
    if path is None:
        return labels
    p = Path(path)
    user = _parse_labels(p.read_text(encoding="utf-8-sig"), str(p))
    if not extend:
        return user
    labels.update(user)
    return labels


def label(key: str, lang: str | None = "zh", *, labels: Mapping | None = None) -> str:
    """Look up the label for ``key`` in ``lang``.

    Parameters
    ----------
    key : str
        Label key such as ``"articles"``, ``"issue"``, ``"outlet"``.
    lang : {"zh", "en"} or None, default "zh"
        Language; ``None`` uses the theme's language.
    labels : mapping, optional
        A table from :func:`load_labels`; the bundled one by default.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If `key` is not in the table or `lang` is invalid.
    """
    lg = resolve_lang(lang)
    table = _bundled_labels() if labels is None else labels
    if key not in table:
        raise ValueError(f"key must be one of {tuple(sorted(table))}, got {key!r}")
    return table[key][lg]
