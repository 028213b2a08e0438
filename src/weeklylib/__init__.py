"""weeklylib: research tools for the 全国卫生信息化舆情监测周报.

Importing weeklylib is cheap and changes no global settings: the heavy
modules (pandas, matplotlib, jieba) load on first use of the function that
needs them.

>>> import weeklylib as wl
>>> corpus = wl.load_corpus("seeds")          # doctest: +SKIP
>>> corpus.articles[["article_id", "title"]]  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it (resolved lazily, PEP 562)
_EXPORTS: dict[str, str] = {
    # corpus loading (issue: load and clean)
    "load_corpus": "corpus",
    "Corpus": "corpus",
    "as_articles": "corpus",
    "CorpusError": "errors",
    "SourceNotFoundError": "errors",
    "clean_text": "clean",
    # text analysis
    "segment": "segment",
    "tokenize": "segment",
    "load_stopwords": "segment",
    "load_userdict": "segment",
    "is_stopword": "segment",
    "term_frequencies": "keywords",
    "tfidf_keywords": "keywords",
    "keyness": "keywords",
    "kwic": "keywords",
    "load_taxonomy": "topics",
    "tag_topics": "topics",
    "topic_trends": "topics",
    "keyword_trends": "topics",
    "topic_evidence": "topics",
    "detect_bursts": "bursts",
    "burst_table": "bursts",
    "topic_bursts": "bursts",
    "describe_unit": "cooccur",
    "cooccurrence": "cooccur",
    "cooccurrence_matrix": "cooccur",
    # regions and metrics
    "load_gazetteer": "regions",
    "extract_places": "regions",
    "resolve_regions": "regions",
    "load_region_aliases": "regions",
    "articles_by_province": "regions",
    "extract_metrics": "metrics",
    "compare_regions": "metrics",
    "ratings_by_province": "metrics",
    "indicator_comparison": "metrics",
    "load_metric_vocabulary": "metrics",
    # one call for every table
    "build_tables": "pipeline",
    "write_tables": "pipeline",
    "Tables": "pipeline",
    # figures
    "set_paper_theme": "theme",
    "paper_style": "theme",
    "find_cjk_font": "theme",
    "save_figure": "figures",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'weeklylib' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"weeklylib.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from weeklylib.corpus import Corpus, load_corpus  # noqa: F401
