"""Shared fixtures: headless matplotlib, figures closed after every test, paths to the seeds."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# parse/token caches go to a throw-away folder, never the user's home
os.environ.setdefault("WEEKLYLIB_CACHE_DIR", tempfile.mkdtemp(prefix="weeklylib-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The bundled seed corpus (five real files, shipped unchanged)."""
    return SEEDS


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened, so tests do not leak state."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def seed_corpus(seeds_dir):
    """The seed corpus loaded once per test session."""
    import weeklylib

    return weeklylib.load_corpus(seeds_dir)


@pytest.fixture
def _restore_theme(monkeypatch, tmp_path_factory):
    """Start from matplotlib defaults and leave them, the font list and the theme's state as they
    were (fonts registered by a test, e.g. fake "Noto Sans CJK SC" files, must not leak)."""
    import matplotlib as mpl
    from matplotlib import font_manager

    from weeklylib import theme
    from weeklylib.plotting import _style

    monkeypatch.setenv("WEEKLYLIB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    fm = font_manager.fontManager
    saved_fonts = list(fm.ttflist)
    saved_state = dict(theme._STATE)
    saved_lang = _style.resolve_lang(None)
    with mpl.rc_context():
        mpl.rcdefaults()
        yield
    fm.ttflist = saved_fonts
    fm._findfont_cached.cache_clear()
    font_manager._get_font.cache_clear()
    theme._STATE.clear()
    theme._STATE.update(saved_state)
    _style.set_default_lang(saved_lang)
