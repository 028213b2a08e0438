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
