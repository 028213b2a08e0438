"""The ``weeklylib`` command.

::

    weeklylib ingest SOURCE --out FOLDER      # tables as Parquet + CSV, summary and problems
    weeklylib tables SOURCE --out FOLDER [--format parquet csv] [--tables …]  # every analysis table
    weeklylib figures [SOURCE] [--out figures] [--lang zh|en]   # every notebook figure
    weeklylib problems                        # the documented problem codes
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from weeklylib.errors import CorpusError

#: The figure builders the main job runs, in order: (label, module, function).
#: Each takes ``(corpus, *, out_dir, lang)`` and returns the paths it wrote.
FIGURE_BUILDERS: tuple[tuple[str, str, str], ...] = (
    ("corpus overview", "weeklylib.plotting.overview", "figures_overview"),
    ("topic trends and co-occurrence", "weeklylib.plotting.topics", "figures_topics"),
    ("regions and smart-hospital metrics", "weeklylib.plotting.metrics", "figures_metrics"),
)


def _print(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _ingest(args: argparse.Namespace) -> int:
    from weeklylib.corpus import load_corpus

    corpus = load_corpus(args.source, cache=not args.no_cache, progress=True)
    out = Path(args.out)
    written = []
    if "parquet" in args.format:
        written += corpus.to_parquet(out)
    if "csv" in args.format:
        written += corpus.to_csv(out)
    _print(repr(corpus))
    _print(corpus.summary().to_string(index=False))
    problems = corpus.problems
    if len(problems):
        _print(f"\nproblems ({len(problems)}):")
        for row in problems.itertuples(index=False):
            _print(f"  [{row.severity}] {row.code}: {row.message}")
    _print("\nwritten:")
    for path in written:
        _print(f"  {path}")
    return 1 if args.strict and (problems["severity"] == "error").any() else 0


def build_figures(source="seeds", *, out_dir="figures", lang="zh", progress=True) -> list[Path]:
    """Build every figure of every notebook from ``source`` into ``out_dir``.

    Returns the sorted list of files written (images and their data CSVs).
    """
    from tqdm.auto import tqdm

    from weeklylib.corpus import load_corpus

    corpus = load_corpus(source, progress=progress)
    written: list[Path] = []
    bar = tqdm(FIGURE_BUILDERS, desc="figures", unit="group", disable=not progress)
    for label, module_name, func_name in bar:
        bar.set_postfix_str(label)
        builder = getattr(importlib.import_module(module_name), func_name)
        written += builder(corpus, out_dir=out_dir, lang=lang)
    return sorted(set(written))


def _figures(args: argparse.Namespace) -> int:
    written = build_figures(args.source, out_dir=args.out, lang=args.lang, progress=True)
    _print(f"{len(written)} files written into {args.out}:")
    for path in written:
        _print(f"  {path}")
    return 0


def _tables(args: argparse.Namespace) -> int:
    from weeklylib.pipeline import TABLE_NAMES, build_tables, write_tables

    unknown = [t for t in args.tables or () if t not in TABLE_NAMES]
    if unknown:
        sys.stderr.write(f"weeklylib: error: unknown table(s) {unknown}; "
                         f"choose from {' '.join(TABLE_NAMES)}\n")
        return 2
    tables = build_tables(args.source, cache=not args.no_cache, workers=args.workers,
                          progress=None, stages=args.tables)
    written = write_tables(tables, args.out, formats=args.format)
    _print(repr(tables))
    _print(tables.stats.to_string(index=False))
    _print(f"\n{len(written)} files written into {args.out}:")
    for path in written:
        _print(f"  {path}")
    return 0


def _problems(_: argparse.Namespace) -> int:
    from weeklylib.problems import describe_codes

    _print(describe_codes())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weeklylib",
        description="Load, clean and analyse the 全国卫生信息化舆情监测周报 weekly digest.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="load a corpus and write its tables")
    p.add_argument("source", nargs="+", help="folder(s) or file(s) of digest text")
    p.add_argument("--out", required=True, help="folder for the tables")
    p.add_argument("--format", nargs="+", choices=("parquet", "csv"), default=["parquet", "csv"])
    p.add_argument("--no-cache", action="store_true", help="parse every file afresh")
    p.add_argument("--strict", action="store_true", help="exit 1 if any problem is an error")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("figures", help="build every notebook figure (PNG, SVG, PDF + data CSV)")
    p.add_argument("source", nargs="?", default="seeds", help="corpus folder (default: seeds)")
    p.add_argument("--out", default="figures", help="output folder (default: figures)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="label language")
    p.set_defaults(func=_figures)

    p = sub.add_parser("tables", help="build every analysis table (cached) and write them")
    p.add_argument("source", nargs="+", help="folder(s) or file(s) of digest text")
    p.add_argument("--out", required=True, help="folder for the tables")
    p.add_argument("--format", nargs="+", choices=("parquet", "csv"), default=["parquet"])
    p.add_argument("--tables", nargs="+", metavar="TABLE",
                   help="only these tables (and those they need); default: all")
    p.add_argument("--workers", type=int, default=None,
                   help="processes for parsing and the per-document tables (default: automatic)")
    p.add_argument("--no-cache", action="store_true", help="compute everything afresh")
    p.set_defaults(func=_tables)

    p = sub.add_parser("problems", help="list the documented problem codes")
    p.set_defaults(func=_problems)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``weeklylib`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "source", None) and isinstance(args.source, list) and len(args.source) == 1:
        args.source = args.source[0]
    try:
        return args.func(args)
    except CorpusError as exc:
        sys.stderr.write(f"weeklylib: error: {exc}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
