"""Benchmark weeklylib stage by stage on a scaled synthetic corpus.

    python benchmarks/run.py                        # x1000 (~86 MB, ~14,000 articles), all stages
    python benchmarks/run.py --scale 10 --stages parse segment
    python benchmarks/run.py --corpus seeds --stages parse
    python benchmarks/run.py --scale 100 --profile parse
    python benchmarks/run.py --scale 1000 --write-results   # also writes benchmarks/RESULTS.md

Every measurement runs in a fresh interpreter (a subprocess of this script), so import costs,
caches and peak memory are those of one stage, as a researcher would meet them.  "cold" means
an empty weeklylib cache (``WEEKLYLIB_CACHE_DIR`` pointing to a new temporary folder); "warm"
is a second run with that cache kept.  See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPORA = HERE / "corpora"
RESULTS_DIR = CORPORA / "results"
RESULTS_MD = HERE / "RESULTS.md"
MARK = "@@BENCH@@ "
MB = 1e6

#: stages a user can ask for, in the order they run
STAGES = ("import", "read", "parse", "segment", "tag", "cooccur", "metrics", "figures",
          "pipeline", "changed", "tables", "notebooks")
#: which analysis steps each stage needs before it (the corpus is always loaded first)
NEEDS = {"parse": [], "segment": [], "tag": [], "cooccur": ["tag", "segment"],
         "metrics": [], "figures": []}

TARGETS_TEXT = {
    "parse": "read+clean+parse >= 10 MB/s on one core (cold)",
    "segment": "segmentation >= 10 MB/s (cold)",
    "pipeline_cold": "whole pipeline cold <= 30 s at x1,000 (build_tables: every table, "
                     "figures excluded)",
    "pipeline_warm": "whole pipeline warm <= 3 s at x1,000 (build_tables, nothing changed)",
    "memory": "peak memory <= 2 GB at x1,000 (build_tables)",
    "import": "import weeklylib <= 0.3 s",
    "notebooks": "notebook suite under nbval <= 60 s on the seeds",
}


# =========================================================================================
# child side: one measurement in a fresh interpreter
# =========================================================================================


def _rss_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _available(name: str):
    """The public weeklylib function *name*, or a string saying why it is not there."""
    import weeklylib

    try:
        return getattr(weeklylib, name)
    except ModuleNotFoundError as exc:
        return f"not available (module {exc.name} missing)"
    except (ImportError, AttributeError) as exc:
        return f"not available ({type(exc).__name__}: {exc})"


def _kwargs_for(func, workers: int | None) -> dict:
    """Pass ``workers`` (or ``n_jobs``) and ``progress=False`` when the function accepts them."""
    import inspect

    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return {}
    kw = {}
    if "progress" in params:
        kw["progress"] = False
    if workers is not None:
        for name in ("workers", "n_jobs", "processes"):
            if name in params:
                kw[name] = workers
                break
    return kw


class _Steps:
    """Runs and times analysis steps, recording 'not available' / errors instead of failing."""

    def __init__(self, corpus_dir: str, workers: int | None):
        self.corpus_dir = corpus_dir
        self.workers = workers
        self.results: dict[str, dict] = {}
        self.values: dict[str, object] = {}

    def run(self, name: str, func_name: str | None, call, **info) -> object | None:
        func = _available(func_name) if func_name else None
        if isinstance(func, str):
            self.results[name] = {"status": func}
            return None
        peak_before = _rss_peak_mb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        try:
            value = call(func) if func_name else call()
        except Exception as exc:  # a stage that fails is reported, the others still run
            self.results[name] = {"status": f"error: {type(exc).__name__}: {exc}"[:300],
                                  "seconds": time.perf_counter() - t0}
            return None
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        rows = len(value) if hasattr(value, "__len__") and not isinstance(value, str) else None
        self.results[name] = {"status": "ok", "seconds": seconds, "cpu_seconds": cpu, "rows": rows,
                              "peak_before_mb": peak_before, "peak_after_mb": _rss_peak_mb(),
                              **info}
        self.values[name] = value
        return value

    # ---- the steps -------------------------------------------------------------------
    def parse(self):
        def call(load):
            return load(self.corpus_dir, **_kwargs_for(load, self.workers))

        corpus = self.run("parse", "load_corpus", call)
        if corpus is not None:
            arts = corpus.articles
            body_bytes = int(arts["body"].str.len().sum()) if len(arts) else 0
            self.results["parse"].update(
                n_articles=len(arts), n_documents=len(corpus.documents),
                body_chars=body_bytes,
                body_bytes=int(sum(len(b.encode("utf-8")) for b in arts["body"])),
                n_bytes=int(corpus.documents["n_bytes"].sum()))
        return corpus

    def segment(self, articles):
        def call(tokenize):
            return tokenize(articles, **_kwargs_for(tokenize, self.workers))

        return self.run("segment", "tokenize", call)

    def tag(self, articles):
        def call(tag_topics):
            return tag_topics(articles, **_kwargs_for(tag_topics, self.workers))

        return self.run("tag", "tag_topics", call)

    def cooccur(self, tags, tokens):
        if tags is None:
            self.results["cooccur_tags"] = {"status": "not available (no topic tags)"}
        else:
            self.run("cooccur_tags", "cooccurrence", lambda f: _cooccur_call(f, tags, "tags"))
        if tokens is None:
            self.results["cooccur_tokens"] = {"status": "not available (no tokens)"}
        else:
            if "is_stopword" in tokens.columns:   # content words only, as a researcher would
                tokens = tokens[~tokens["is_stopword"].astype(bool)]
            self.run("cooccur_tokens", "cooccurrence",
                     lambda f: _cooccur_call(f, tokens, "tokens"), n_tokens=len(tokens))

    def metrics(self, articles):
        self.run("metrics", "extract_metrics",
                 lambda f: f(articles, **_kwargs_for(f, self.workers)))
        self.run("places", "extract_places",
                 lambda f: f(articles, **_kwargs_for(f, self.workers)))

    def figures(self, corpus, out_dir: str):
        import importlib

        try:
            from weeklylib.cli import FIGURE_BUILDERS
        except ImportError as exc:
            self.results["figures"] = {"status": f"not available ({exc})"}
            return
        for label, module_name, func_name in FIGURE_BUILDERS:
            key = f"figures:{label}"
            try:
                builder = getattr(importlib.import_module(module_name), func_name)
            except ModuleNotFoundError as exc:
                self.results[key] = {"status": f"not available (module {exc.name} missing)"}
                continue
            except (ImportError, AttributeError) as exc:
                self.results[key] = {"status": f"not available ({type(exc).__name__}: {exc})"}
                continue
            self.run(key, None, lambda b=builder: b(corpus, out_dir=out_dir, lang="zh"))


def _cooccur_call(func, table, kind: str):
    """Call ``cooccurrence`` on topic tags (unit: article) or tokens (unit: sentence).

    The signature is discovered: the unit/item column parameters are passed by whatever name
    the function uses.
    """
    import inspect

    params = inspect.signature(func).parameters
    kw: dict = {}
    if kind == "tags":
        item = "topic" if "topic" in table.columns else table.columns[1]
        unit: object = "article"
        unit_cols: object = ["article_id"]
    else:
        item = "token"
        unit = "sentence"
        unit_cols = ["article_id", "sentence"]
    for name in ("item", "items", "item_col", "term", "column", "col", "by"):
        if name in params:
            kw[name] = item
            break
    for name in ("unit", "units", "unit_cols", "group", "groupby", "within", "by_unit"):
        if name in params:
            p = params[name]
            ann = str(p.annotation)
            if isinstance(p.default, str) and unit in ("article", "sentence") and (
                    "Literal" in ann or p.default in ("article", "sentence", "paragraph")):
                kw[name] = unit
            else:
                kw[name] = unit_cols
            break
    return func(table, **kw)


def child_main(task: dict) -> dict:
    """Run one measurement task (in a fresh interpreter) and return its numbers."""
    kind = task["kind"]
    t_start = time.perf_counter()
    if kind == "read":
        files = sorted(p for p in Path(task["corpus"]).rglob("*")
                       if p.suffix.lower() in (".txt", ".text", ".md") and p.is_file())
        t0 = time.perf_counter()
        n_bytes = sum(len(p.read_bytes()) for p in files)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        n_chars = sum(len(p.read_bytes().decode("utf-8", errors="replace")) for p in files)
        t_decode = time.perf_counter() - t0
        return {"read": {"status": "ok", "seconds": t_read, "n_bytes": n_bytes,
                         "n_files": len(files)},
                "read_decode": {"status": "ok", "seconds": t_decode, "n_bytes": n_bytes,
                                "n_chars": n_chars},
                "peak_mb": _rss_peak_mb()}
    if kind == "tables":
        return _tables_child(task)
    if kind == "import_rss":   # the memory floor: interpreter + weeklylib + pandas, no data
        import importlib

        for name in ("pandas", "weeklylib", "weeklylib.corpus"):
            importlib.import_module(name)
        return {"peak_mb": _rss_peak_mb()}

    # pandas/numpy are imported before any timer starts: their import is measured by the
    # "import" stage and the whole-pipeline wall time, not charged to the first stage
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    steps = _Steps(task["corpus"], task.get("workers"))
    target = task["stage"]
    out: dict = {}
    corpus = steps.parse()
    if corpus is not None and task.get("manifest"):
        out["accuracy"] = accuracy(corpus, json.loads(Path(task["manifest"]).read_text("utf-8")))
    if corpus is not None and target != "parse":
        arts = corpus.articles
        if target == "pipeline":
            out["pipeline_mode"] = _pipeline(steps, corpus, task)
        else:
            wanted = [*NEEDS[target], target]
            tags = tokens = None
            if "segment" in wanted:
                tokens = steps.segment(arts)
            if "tag" in wanted:
                tags = steps.tag(arts)
            if target == "cooccur":
                steps.cooccur(tags, tokens)
            elif target == "metrics":
                steps.metrics(arts)
            elif target == "figures":
                with tempfile.TemporaryDirectory() as tmp:
                    steps.figures(corpus, tmp)
    out.update(steps=steps.results, peak_mb=_rss_peak_mb(),
               total_seconds=time.perf_counter() - t_start)
    return out


def _pipeline(steps: _Steps, corpus, task: dict) -> str:
    """The whole job: ``weeklylib figures`` (cli.build_figures) when every figure builder
    exists; otherwise every analysis stage that exists, one after the other."""
    import importlib

    with tempfile.TemporaryDirectory() as tmp:
        try:
            from weeklylib.cli import FIGURE_BUILDERS, build_figures

            for _, module_name, func_name in FIGURE_BUILDERS:
                getattr(importlib.import_module(module_name), func_name)
        except (ImportError, AttributeError):
            arts = corpus.articles
            tokens = steps.segment(arts)
            tags = steps.tag(arts)
            steps.cooccur(tags, tokens)
            steps.metrics(arts)
            steps.figures(corpus, tmp)
            return "partial (analysis stages that exist; the figure builders are not all there)"
        # build_figures loads the corpus itself: drop the load we timed above
        steps.results.pop("parse", None)
        steps.run("build_figures", None,
                  lambda: build_figures(task["corpus"], out_dir=tmp, progress=False))
        return "weeklylib figures (cli.build_figures: load + every figure)"


def _children_rss_mb() -> float:
    """Largest peak RSS of any finished child process (the worker processes of a stage)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _tables_child(task: dict) -> dict:
    """``weeklylib.build_tables(corpus)``: every table, with its cache (the one of this child's
    ``WEEKLYLIB_CACHE_DIR``).  Seconds are those of the call; the parent adds the wall time of
    the whole interpreter (start-up and imports included)."""
    t_start = time.perf_counter()
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    build = _available("build_tables")
    if isinstance(build, str):
        try:
            from weeklylib.pipeline import build_tables as build
        except ImportError as exc:
            return {"steps": {"build_tables": {"status": f"not available ({exc})"}},
                    "peak_mb": _rss_peak_mb()}
    c0 = time.process_time()
    t0 = time.perf_counter()
    try:
        tables = build(task["corpus"], workers=task.get("workers"), progress=False)
    except Exception as exc:
        return {"steps": {"build_tables": {"status": f"error: {type(exc).__name__}: {exc}"[:300],
                                           "seconds": time.perf_counter() - t0}},
                "peak_mb": _rss_peak_mb(), "workers_peak_mb": _children_rss_mb()}
    seconds = time.perf_counter() - t0
    stats = []
    for row in tables.stats.to_dict("records"):
        stats.append({k: (None if v is None or (isinstance(v, float) and v != v)
                          or str(v) == "<NA>" else v) for k, v in row.items()})
    return {"steps": {"build_tables": {"status": "ok", "seconds": seconds,
                                       "cpu_seconds": time.process_time() - c0,
                                       "rows": {n: len(t) for n, t in tables.items()},
                                       "stats": stats}},
            "n_articles": len(tables["articles"]), "peak_mb": _rss_peak_mb(),
            "workers_peak_mb": _children_rss_mb(),
            "total_seconds": time.perf_counter() - t_start}


# ---- parse accuracy against the generator's manifest -----------------------------------


def _norm(s) -> str:
    if s is None or (isinstance(s, float) and s != s):
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)))


def _date(v) -> str | None:
    import pandas as pd

    if v is None or v is pd.NaT or (not isinstance(v, str) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date().isoformat()


def accuracy(corpus, manifest: dict) -> dict:
    """Compare what load_corpus found with what the generator wrote."""
    import pandas as pd

    docs = corpus.documents.set_index("doc_id")
    arts = corpus.articles.set_index(["doc_id", "position"])
    files = manifest["files"]
    acc: dict[str, list[int]] = {}

    def tally(key: str, ok: bool) -> None:
        acc.setdefault(key, [0, 0])
        acc[key][0] += int(bool(ok))
        acc[key][1] += 1

    n_found_articles = 0
    credits_true = credits_found = 0
    body_err: list[float] = []
    for f in files:
        doc_id = f["doc_id"]
        if doc_id not in docs.index:
            tally("files found", False)
            continue
        tally("files found", True)
        d = docs.loc[doc_id]
        tally("document kind", d["kind"] == f["kind"])
        n = int(d["n_articles"])
        n_found_articles += n
        tally("article count per file", n == f["n_articles"])
        if f["kind"] == "weekly":
            got_no = None if pd.isna(d["issue_no"]) else int(d["issue_no"])
            if f["issue_no_visible"] is not None:
                tally("issue_no (printed)", got_no == f["issue_no_visible"])
            else:
                tally("issue_no absent when not printed", got_no in (None, f["issue_no"]))
            if f["issue_date"] is not None:
                tally("issue_date (printed)", _date(d["issue_date"]) == f["issue_date"])
            tally("period", (_date(d["period_start"]), _date(d["period_end"]))
                  == (f["period_start"], f["period_end"]))
            got_decl = None if pd.isna(d["declared_count"]) else int(d["declared_count"])
            tally("declared_count", got_decl == f["declared_count"])
        for a in f["articles"]:
            key = (doc_id, a["position"])
            if key not in arts.index:
                tally("articles found", False)
                continue
            tally("articles found", True)
            row = arts.loc[key]
            tally("title", _norm(row["title"]) == _norm(a["title"]))
            credits_true += a["n_credits"]
            credits_found += int(row["n_credits"]) if not pd.isna(row["n_credits"]) else 0
            if f["kind"] == "weekly":
                tally("source", _norm(row["source"]) == _norm(a["source"]))
                tally("url", _norm(row["url"]) == _norm(a["url"]))
                tally("published", _date(row["published"]) == a["published"])
            if a.get("n_body_chars"):
                got = len(_norm(row["body"]))
                body_err.append(abs(got - a["n_body_chars"]) / a["n_body_chars"])
    problems = corpus.problems["code"].value_counts().sort_index()
    return {
        "articles_generated": manifest["n_articles"],
        "articles_found": n_found_articles,
        "checks": {k: {"ok": v[0], "of": v[1]} for k, v in acc.items()},
        "credits_generated": credits_true, "credits_found": credits_found,
        "body_chars_within_2pct": (sum(e <= 0.02 for e in body_err), len(body_err)),
        "body_chars_median_rel_error": statistics.median(body_err) if body_err else None,
        "problem_codes": {str(k): int(v) for k, v in problems.items()},
    }


# =========================================================================================
# parent side
# =========================================================================================


def _child_env(cache_dir: Path | None) -> dict:
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    env["MPLBACKEND"] = "Agg"
    if cache_dir is not None:
        env["WEEKLYLIB_CACHE_DIR"] = str(cache_dir)
    return env


#: address-space limit of every child (GB; 0 = none), so that a stage that runs away fails with
#: MemoryError instead of waking the kernel's OOM killer on a shared machine
MEM_LIMIT_GB = 8.0


def _set_mem_limit(gb: float) -> None:
    global MEM_LIMIT_GB
    MEM_LIMIT_GB = gb


def _limit_memory() -> None:   # runs in the child between fork and exec
    import resource

    if MEM_LIMIT_GB > 0:
        limit = int(MEM_LIMIT_GB * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_child(task: dict, cache_dir: Path | None, timeout: float) -> dict:
    """Run ``task`` in a fresh interpreter; return its result plus the wall time seen from here."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(task)],
            capture_output=True, text=True, env=_child_env(cache_dir), timeout=timeout,
            cwd=str(ROOT), check=False, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        return {"failed": True, "wall_seconds": time.perf_counter() - t0,
                "stderr": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            result = json.loads(line[len(MARK):])
            result["wall_seconds"] = wall
            return result
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
    return {"failed": True, "wall_seconds": wall, "returncode": proc.returncode,
            "stderr": "\n".join(tail)}


def measure_import(n: int = 5) -> dict:
    """``import weeklylib`` in fresh interpreters: median wall time of the import statement,
    the -X importtime cumulative figure, and which heavy modules it pulled in."""
    code = ("import time, sys; t = time.perf_counter(); import weeklylib; "
            "dt = time.perf_counter() - t; "
            "heavy = [m for m in ('pandas', 'numpy', 'matplotlib', 'jieba', 'rjieba', 'scipy') "
            "if m in sys.modules]; print(dt, ','.join(heavy))")
    times = []
    heavy = ""
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=_child_env(None), check=True, cwd=str(ROOT)).stdout.split()
        times.append(float(out[0]))
        heavy = out[1] if len(out) > 1 else ""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import weeklylib"],
                          capture_output=True, text=True, env=_child_env(None), check=True,
                          cwd=str(ROOT))
    cumulative = None
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s*\d+\s*\|\s*(\d+)\s*\|\s*(\S+)\s*$", line)
        if m and m.group(2) == "weeklylib":
            cumulative = int(m.group(1)) / 1e6
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=_child_env(None))
    bare = time.perf_counter() - t0
    return {"median_seconds": statistics.median(times), "min_seconds": min(times),
            "importtime_cumulative_seconds": cumulative, "heavy_modules": heavy,
            "bare_interpreter_seconds": bare}


def measure_notebooks(timeout: float) -> dict:
    nbs = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not nbs:
        return {"status": "not available (no notebooks in notebooks/)"}
    cmd = [sys.executable, "-m", "pytest", "-q", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", "notebooks/sanitize.cfg", "-p", "no:cacheprovider",
           "notebooks"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_child_env(None),
                          cwd=str(ROOT), timeout=timeout, check=False)
    seconds = time.perf_counter() - t0
    last = proc.stdout.strip().splitlines()[-1:] or [""]
    return {"status": "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})",
            "seconds": seconds, "n_notebooks": len(nbs), "summary": last[0]}


def ensure_corpus(scale: int, seed: int, regenerate: bool) -> Path:
    out = CORPORA / f"x{scale}"
    manifest = out / "manifest.json"
    if not regenerate and manifest.exists():
        m = json.loads(manifest.read_text("utf-8"))
        sys.path.insert(0, str(HERE))
        from generate import GENERATOR_VERSION

        if (m.get("scale"), m.get("seed"), m.get("version")) == (scale, seed, GENERATOR_VERSION) \
                and len(list(out.glob("*.txt"))) == m["n_files"]:
            print(f"reusing {out} ({m['n_files']} files, {m['n_bytes'] / MB:.1f} MB)")
            return out
    sys.path.insert(0, str(HERE))
    from generate import generate

    generate(scale, out, seed)
    return out


def _fresh_cache(parent: Path, name: str, copy_from: Path | None = None) -> Path:
    d = parent / name
    if d.exists():
        shutil.rmtree(d)
    if copy_from is not None and copy_from.exists():
        shutil.copytree(copy_from, d)
    else:
        d.mkdir(parents=True)
    return d


def change_one_body(corpus: Path) -> Path:
    """Change one character in the body of one file (for good): the one-file-changed run."""
    files = sorted(corpus.glob("*.txt"))
    path = files[len(files) // 2]
    text = path.read_bytes().decode("utf-8")
    i = text.rfind("。", 0, len(text) - 10)
    changed = text[:i] + "！" + text[i + 1:] if i > 0 else text + "\n"
    path.write_bytes(changed.encode("utf-8"))
    return path


def measure_tables(corpus: Path, tmp_root: Path, args) -> dict:
    """build_tables cold (empty cache), warm (nothing changed) and after one file changed, each
    in a fresh interpreter, on a copy of the corpus (so the corpus itself is never touched)."""
    work = tmp_root / "tables-corpus"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(corpus, work)
    cache = _fresh_cache(tmp_root, "tables")
    task = {"kind": "tables", "corpus": str(work),
            "workers": args.workers if args.workers_given else None}
    out = {"cold": run_child(task, cache, args.timeout), "warm": {}, "one_changed": {}}
    if not args.cold_only:
        out["warm"] = run_child(task, cache, args.timeout)
        out["file"] = change_one_body(work).name
        out["one_changed"] = run_child(task, cache, args.timeout)
    shutil.rmtree(work, ignore_errors=True)
    return out


@contextlib.contextmanager
def one_file_changed(corpus: Path):
    """Change one character in the body of one file (restored afterwards)."""
    files = sorted(corpus.glob("*.txt"))
    path = files[len(files) // 2]
    original = path.read_bytes()
    text = original.decode("utf-8")
    i = text.rfind("。", 0, len(text) - 10)
    changed = text[:i] + "！" + text[i + 1:] if i > 0 else text + "\n"
    path.write_bytes(changed.encode("utf-8"))
    try:
        yield path
    finally:
        path.write_bytes(original)


def benchmark(args) -> dict:
    corpus = Path(args.corpus) if args.corpus else ensure_corpus(args.scale, args.seed,
                                                                 args.regenerate)
    if args.corpus and not corpus.exists() and Path(args.corpus).name == "seeds":
        corpus = ROOT / "seeds"
    corpus = corpus.resolve()
    manifest = corpus / "manifest.json"
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".txt", ".text", ".md"))
    n_bytes = sum(p.stat().st_size for p in files)
    label = f"x{args.scale}" if not args.corpus else corpus.name
    res: dict = {"label": label, "corpus": str(corpus), "n_files": len(files),
                 "n_bytes": n_bytes, "workers": args.workers, "stages": {},
                 "date": dt.datetime.now().isoformat(timespec="seconds"),
                 "machine": machine_info()}
    if manifest.exists():
        res["manifest_articles"] = json.loads(manifest.read_text("utf-8"))["n_articles"]
    stages = args.stages or list(STAGES)
    tmp_root = Path(tempfile.mkdtemp(prefix="weeklylib-bench-"))
    try:
        parse_cache = None
        for stage in STAGES:
            if stage not in stages:
                continue
            t0 = time.perf_counter()
            print(f"[{label}] {stage} ...", file=sys.stderr, flush=True)
            if stage == "import":
                res["stages"]["import"] = measure_import()
                rss = run_child({"kind": "import_rss"}, None, args.timeout)
                res["baseline_rss_mb"] = rss.get("peak_mb")
            elif stage == "read":
                res["stages"]["read"] = run_child({"kind": "read", "corpus": str(corpus)}, None,
                                                  args.timeout)
            elif stage == "notebooks":
                res["stages"]["notebooks"] = measure_notebooks(args.timeout)
            elif stage == "tables":
                res["stages"]["tables"] = measure_tables(corpus, tmp_root, args)
            elif stage in ("pipeline", "changed"):
                if stage == "changed" and "pipeline" not in res["stages"]:
                    continue
                cache = tmp_root / "pipeline"
                task = {"kind": "stage", "stage": "pipeline", "corpus": str(corpus),
                        "workers": args.workers if args.workers_given else None}
                if stage == "pipeline":
                    cache = _fresh_cache(tmp_root, "pipeline")
                    cold = run_child(task, cache, args.timeout)
                    warm = {} if args.cold_only else run_child(task, cache, args.timeout)
                    res["stages"]["pipeline"] = {"cold": cold, "warm": warm}
                elif args.cold_only:
                    continue
                else:
                    with one_file_changed(corpus) as path:
                        after = run_child(task, cache, args.timeout)
                    res["stages"]["changed"] = {"warm_one_changed": after, "file": path.name}
            else:
                task = {"kind": "stage", "stage": stage, "corpus": str(corpus),
                        "workers": args.workers}
                if stage == "parse" and manifest.exists():
                    task["manifest"] = str(manifest)
                # cold = this stage's cache empty; the parse cache is reused for later stages
                cache = _fresh_cache(tmp_root, stage, None if stage == "parse" else parse_cache)
                cold = run_child(task, cache, args.timeout)
                if stage == "parse":
                    parse_cache = _fresh_cache(tmp_root, "parse-only", cache)
                task.pop("manifest", None)
                warm = {} if args.cold_only else run_child(task, cache, args.timeout)
                res["stages"][stage] = {"cold": cold, "warm": warm}
            print(f"[{label}] {stage} done in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    res["loadavg_end"] = os.getloadavg()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stored = RESULTS_DIR / f"{label}.json"
    if stored.exists():   # keep stages measured earlier on the same corpus and not rerun now
        with contextlib.suppress(ValueError):
            old = json.loads(stored.read_text("utf-8"))
            if old.get("n_bytes") == res["n_bytes"] and old.get("corpus") == res["corpus"]:
                res["stages"] = {**old.get("stages", {}), **res["stages"]}
                for key in ("baseline_rss_mb",):
                    res.setdefault(key, old.get(key))
    stored.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    return res


# ---- reporting ----------------------------------------------------------------------------


def _fmt(x, nd=2) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def _step(child: dict | None, name: str) -> dict:
    if not child:
        return {"status": "not run"}
    if child.get("failed"):
        return {"status": "failed: " + child.get("stderr", "").splitlines()[-1:][0]
                if child.get("stderr") else "failed"}
    return child.get("steps", {}).get(name, {"status": "not run"})


def stage_rows(res: dict) -> list[dict]:
    """One row per measured step: cold/warm seconds, throughput, peak memory."""
    st = res["stages"]
    rows = []
    n_bytes = res["n_bytes"]
    body_bytes = n_articles = None
    parse_cold = _step(st.get("parse", {}).get("cold"), "parse")
    if parse_cold.get("status") == "ok":
        body_bytes = parse_cold.get("body_bytes")
        n_articles = parse_cold.get("n_articles")
    if "read" in st and not st["read"].get("failed"):
        r = st["read"]
        rows.append({"step": "read bytes", "cold": r["read"]["seconds"], "warm": None,
                     "mb_s": n_bytes / MB / r["read"]["seconds"], "art_s": None,
                     "peak": r.get("peak_mb"), "note": f"{r['read']['n_files']} files"})
        rows.append({"step": "read + decode UTF-8", "cold": r["read_decode"]["seconds"],
                     "warm": None, "mb_s": n_bytes / MB / r["read_decode"]["seconds"],
                     "art_s": None, "peak": r.get("peak_mb"), "note": ""})
    spec = [("parse", "parse", "clean + parse (load_corpus)", n_bytes),
            ("segment", "segment", "segment (tokenize)", body_bytes),
            ("tag", "tag", "tag (tag_topics)", body_bytes),
            ("cooccur", "cooccur_tags", "co-occurrence of topic tags (article)", None),
            ("cooccur", "cooccur_tokens", "co-occurrence of tokens (sentence)", None),
            ("metrics", "metrics", "metrics (extract_metrics)", body_bytes),
            ("metrics", "places", "places (extract_places)", body_bytes)]
    for stage, step, title, size in spec:
        if stage not in st:
            continue
        cold = _step(st[stage].get("cold"), step)
        warm = _step(st[stage].get("warm"), step)
        rows.append(_row(title, cold, warm, size, n_articles, st[stage]))
    if "figures" in st:
        cold_steps = (st["figures"].get("cold") or {}).get("steps", {})
        for key in [k for k in cold_steps if k.startswith("figures")]:
            rows.append(_row(key.replace("figures:", "figures: "), cold_steps[key],
                             _step(st["figures"].get("warm"), key), None, n_articles,
                             st["figures"]))
    if "pipeline" in st:
        runs = {"cold": st["pipeline"]["cold"], "warm": st["pipeline"]["warm"]}
        changed = st.get("changed", {}).get("warm_one_changed")
        if changed:
            runs["one file changed"] = changed
        problems = {k: _run_problem(v) for k, v in runs.items()}
        ok = {k: v.get("wall_seconds") if not problems[k] else None for k, v in runs.items()}
        note = runs["cold"].get("pipeline_mode", "")
        if changed:
            note += ("; one file changed, warm: " + (f"{ok['one file changed']:.2f} s"
                                                     if ok["one file changed"] else "failed"))
        for k, prob in problems.items():
            if prob:
                note += f"; {k} run: {prob}"
        peaks = [v.get("peak_mb") or 0 for k, v in runs.items() if not problems[k]]
        rows.append({"step": "whole pipeline (fresh interpreter, wall)", "cold": ok["cold"],
                     "cpu": None, "warm": ok["warm"], "mb_s": None, "art_s": None,
                     "peak": max(peaks) if peaks and max(peaks) else None, "note": note})
    if "tables" in st:
        rows.append(_tables_row(st["tables"]))
    return rows


def _tables_summary(child: dict) -> str:
    """'topics 1/5000 docs, …' for the per-document tables; how the others were obtained."""
    step = (child.get("steps") or {}).get("build_tables") or {}
    parts = []
    for r in step.get("stats") or []:
        if r.get("n_docs_computed") is not None:
            parts.append(f"{r['table']} {r['how']} ({r['n_docs_computed']} docs)")
        else:
            parts.append(f"{r['table']} {r['how']}")
    return ", ".join(parts)


def _tables_row(tb: dict) -> dict:
    runs = {"cold": tb.get("cold") or {}, "warm": tb.get("warm") or {},
            "one file changed": tb.get("one_changed") or {}}
    problems = {k: _run_problem(v) if v else "not run" for k, v in runs.items()}
    wall = {k: v.get("wall_seconds") if not problems[k] else None for k, v in runs.items()}
    inner = {k: ((v.get("steps") or {}).get("build_tables") or {}).get("seconds")
             for k, v in runs.items()}
    note = "build_tables (every table; wall = fresh interpreter incl. imports"
    note += "; in-call s: " + ", ".join(f"{k} {_fmt(inner[k])}" for k in runs if inner[k]) + ")"
    if wall["one file changed"]:
        note += (f"; one file changed ({tb.get('file', '?')}): {wall['one file changed']:.2f} s"
                 f" wall — {_tables_summary(runs['one file changed'])}")
    workers = [v.get("workers_peak_mb") or 0 for k, v in runs.items() if v and not problems[k]]
    if workers and max(workers):
        note += f"; worker processes' peak RSS {max(workers):.0f} MB"
    for k, prob in problems.items():
        if prob and prob != "not run":
            note += f"; {k} run: {prob}"
    peaks = [v.get("peak_mb") or 0 for k, v in runs.items() if v and not problems[k]]
    cold_step = (runs["cold"].get("steps") or {}).get("build_tables") or {}
    return {"step": "tables: build_tables (fresh interpreter, wall)", "cold": wall["cold"],
            "cpu": cold_step.get("cpu_seconds") if not problems["cold"] else None,
            "warm": wall["warm"], "mb_s": None, "art_s": None,
            "peak": max(peaks) if peaks and max(peaks) else None, "note": note}


def _run_problem(child: dict) -> str:
    """'' when a child ran and every step it timed succeeded, else what went wrong."""
    if child.get("failed"):
        tail = child.get("stderr", "").strip().splitlines()
        return "failed: " + (tail[-1] if tail else f"exit {child.get('returncode')}")
    bad = [f"{k}: {v['status']}" + (f" after {v['seconds']:.0f} s" if v.get("seconds") else "")
           for k, v in child.get("steps", {}).items() if v.get("status") != "ok"]
    return "; ".join(bad)


def _row(title, cold, warm, size, n_articles, stage_res) -> dict:
    ok = cold.get("status") == "ok"
    sec = cold.get("seconds") if ok else None
    note = "" if ok else cold.get("status", "")
    if ok and cold.get("rows") is not None:
        note = f"{cold['rows']:,} rows"
    if warm.get("status") not in ("ok", "not run", None):
        note += f"; warm run: {warm['status']}"
    peak = max((stage_res.get(k) or {}).get("peak_mb") or 0 for k in ("cold", "warm")) or None
    return {"step": title, "cold": sec, "cpu": cold.get("cpu_seconds") if ok else None,
            "warm": warm.get("seconds") if warm.get("status") == "ok" else None,
            "mb_s": size / MB / sec if ok and size and sec else None,
            "art_s": n_articles / sec if ok and n_articles and sec else None,
            "peak": peak if ok else None, "note": note}


def markdown_table(res: dict) -> str:
    lines = [f"Corpus {res['label']}: {res['n_files']:,} files, {res['n_bytes'] / MB:.1f} MB"
             + (f", {res['manifest_articles']:,} articles generated"
                if res.get("manifest_articles") else "")
             + (f"; load average {res['machine']['loadavg'][0]:.1f} at start, "
                f"{res['loadavg_end'][0]:.1f} at end ({res['machine']['cores']} cores)"
                if res.get("loadavg_end") and res["machine"].get("loadavg") else ""),
             "",
             "| step | cold s | cold CPU s | warm s | MB/s (cold) | articles/s (cold) | "
             "peak RSS MB | note |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in stage_rows(res):
        lines.append(f"| {r['step']} | {_fmt(r['cold'])} | {_fmt(r.get('cpu'))} | "
                     f"{_fmt(r['warm'])} | "
                     f"{_fmt(r['mb_s'], 1)} | {_fmt(r['art_s'], 0)} | {_fmt(r['peak'], 0)} | "
                     f"{r['note']} |")
    imp = res["stages"].get("import")
    if imp:
        lines.append(f"\n`import weeklylib`: {imp['median_seconds']:.3f} s median of 5 fresh "
                     f"interpreters (bare interpreter start {imp['bare_interpreter_seconds']:.3f}"
                     f" s; -X importtime cumulative {_fmt(imp['importtime_cumulative_seconds'], 3)}"
                     f" s); heavy modules imported: {imp['heavy_modules'] or 'none'}")
    nb = res["stages"].get("notebooks")
    if nb:
        lines.append(f"\nnotebooks under nbval: {nb.get('status')}"
                     + (f", {nb['seconds']:.1f} s for {nb['n_notebooks']} notebooks"
                        if "seconds" in nb else ""))
    acc = (res["stages"].get("parse", {}).get("cold") or {}).get("accuracy")
    if acc:
        lines += ["", accuracy_table(acc)]
    return "\n".join(lines)


def accuracy_table(acc: dict) -> str:
    lines = [f"Parse accuracy against the generator's manifest: articles found "
             f"{acc['articles_found']:,} / generated {acc['articles_generated']:,}; photo credits "
             f"found {acc['credits_found']:,} / generated {acc['credits_generated']:,}",
             "", "| check | correct | of | % |", "|---|---:|---:|---:|"]
    for k, v in acc["checks"].items():
        pct = 100 * v["ok"] / v["of"] if v["of"] else 0
        lines.append(f"| {k} | {v['ok']:,} | {v['of']:,} | {pct:.1f} |")
    ok, of = acc["body_chars_within_2pct"]
    if of:
        lines.append(f"| body length within 2% (non-space chars) | {ok:,} | {of:,} | "
                     f"{100 * ok / of:.1f} |")
    if acc.get("problem_codes"):
        lines.append("\nproblems reported: " + ", ".join(
            f"{k} {v:,}" for k, v in acc["problem_codes"].items()))
    return "\n".join(lines)


# ---- targets, projection, RESULTS.md ------------------------------------------------------


def load_all_results() -> dict[str, dict]:
    out = {}
    for p in sorted(RESULTS_DIR.glob("x*.json")):
        with contextlib.suppress(ValueError):
            out[p.stem] = json.loads(p.read_text("utf-8"))
    return out


def peak_of(res: dict, stage: str | None = None, *, ok_only: bool = False) -> float | None:
    """Largest peak RSS of the children of one stage (or of any stage) of a run; with
    ``ok_only`` only children in which every step succeeded (a child stopped by the memory
    limit did not show how much it would have needed)."""
    peaks = []
    for name, st in res["stages"].items():
        if not isinstance(st, dict) or (stage is not None and name != stage):
            continue
        for v in st.values():
            if isinstance(v, dict) and v.get("peak_mb") and not (ok_only and _run_problem(v)):
                peaks.append(v["peak_mb"])
    return max(peaks) if peaks else None


PROJECTED_STAGES = ("tables", "pipeline", "parse", "segment", "tag", "cooccur", "metrics",
                    "figures")


def memory_projection(results: dict[str, dict], target_articles: int = 1_000_000,
                      stage: str | None = None) -> dict | None:
    """Least-squares line through (articles, peak RSS) of one stage over the stored scales,
    evaluated at ``target_articles``; ``None`` until two scales have measured that stage.
    Without ``stage``: the stage whose projection is largest."""
    if stage is None:
        fits = [f for s in PROJECTED_STAGES
                if (f := memory_projection(results, target_articles, s))]
        return max(fits, key=lambda f: f["projected_mb"]) if fits else None
    pts = sorted((r["manifest_articles"], peak_of(r, stage, ok_only=True))
                 for r in results.values()
                 if r.get("manifest_articles") and peak_of(r, stage, ok_only=True))
    if len(pts) < 2:
        return None
    xs, ys = zip(*pts, strict=True)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else 0.0
    icpt = my - slope * mx
    return {"stage": stage, "points": pts, "mb_per_1000_articles": slope * 1000,
            "intercept_mb": icpt, "projected_mb": icpt + slope * target_articles,
            "target_articles": target_articles}


def targets(res: dict, results: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(target, measured, met / not met / not measured) for this run."""
    st = res["stages"]
    out = []
    rows = {r["step"]: r for r in stage_rows(res)}
    at_1000 = res["label"] == "x1000"

    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "not met")

    r = rows.get("clean + parse (load_corpus)")
    v = r["mb_s"] if r else None
    out.append((TARGETS_TEXT["parse"] + f" (workers={res['workers']})",
                f"{v:.1f} MB/s" if v else "–", verdict(None if v is None else v >= 10)))
    r = rows.get("segment (tokenize)")
    v = r["mb_s"] if r else None
    out.append((TARGETS_TEXT["segment"], f"{v:.1f} MB/s of body text" if v else
                (r["note"] if r else "–"), verdict(None if v is None else v >= 10)))
    # the whole-pipeline and memory targets are judged on build_tables (every table; the
    # figures are measured separately by the pipeline/figures stages)
    tb = st.get("tables")
    for key, which, limit in (("pipeline_cold", "cold", 30), ("pipeline_warm", "warm", 3)):
        child = (tb or {}).get(which) or {}
        prob = _run_problem(child) if child else ""
        sec = child.get("wall_seconds") if child and not prob else None
        note = (f"{sec:.1f} s at {res['label']} (fresh interpreter, wall)" if sec
                else (prob or "– (run the tables stage)"))
        # (only judged at x1,000; a build that fails there does not meet the target)
        ok = None if not (child and at_1000) or (sec is None and not prob) \
            else sec is not None and sec <= limit
        out.append((TARGETS_TEXT[key], note, verdict(ok)))
    peak = peak_of(res, "tables")
    peak_ok = peak_of(res, "tables", ok_only=True)
    proj = memory_projection(results, stage="tables")
    mem = f"{peak:.0f} MB at {res['label']}" if peak else "– (run the tables stage)"
    if peak and peak_ok and peak > peak_ok:
        mem = (f">= {peak:.0f} MB at {res['label']} (a run that failed, e.g. at the "
               f"--mem-limit-gb limit, reached it; largest successful run {peak_ok:.0f} MB)")
    workers = [c.get("workers_peak_mb") or 0 for c in (tb or {}).values() if isinstance(c, dict)]
    if workers and max(workers):
        mem += f"; its worker processes peaked at {max(workers):.0f} MB each"
    if proj:
        mem += (f"; projection to 1,000,000 articles (linear fit over "
                f"{len(proj['points'])} scales): {proj['projected_mb'] / 1024:.1f} GB "
                f"({proj['mb_per_1000_articles']:.1f} MB per 1,000 articles + "
                f"{proj['intercept_mb']:.0f} MB)")
    elif peak:
        mem += "; projection to 1,000,000 articles needs runs at two or more scales"
    other = peak_of(res)
    if other and (not peak or other > peak):
        mem += f" (largest child of any stage, figures included: {other:.0f} MB)"
    out.append((TARGETS_TEXT["memory"], mem,
                verdict(None if not (peak and at_1000) else peak <= 2048)))
    imp = st.get("import")
    out.append((TARGETS_TEXT["import"], f"{imp['median_seconds']:.3f} s" if imp else "–",
                verdict(None if not imp else imp["median_seconds"] <= 0.3)))
    nb = st.get("notebooks")
    sec = nb.get("seconds") if nb else None
    out.append((TARGETS_TEXT["notebooks"], f"{sec:.1f} s ({nb['status']})" if sec else
                (nb["status"] if nb else "–"),
                verdict(None if sec is None else (sec <= 60 and nb["status"] == "ok"))))
    return out


def machine_info() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    from importlib import metadata

    versions = {}
    for pkg in ("weeklylib", "pandas", "numpy", "pyarrow", "jieba", "rjieba", "matplotlib"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"loadavg": os.getloadavg(), "cpu": cpu, "cores": os.cpu_count(),
            "usable_cores": affinity,
            "ram_gb": round(ram, 1) if ram else None, "python": platform.python_version(),
            "platform": platform.platform(), "packages": versions}


def write_results(res: dict) -> None:
    results = load_all_results()
    m = res["machine"]
    lines = [
        "# Benchmark results", "",
        f"Written by `benchmarks/run.py --write-results` on {res['date'][:10]}. "
        "How to run and what the numbers mean: [README.md](README.md).", "",
        "## Machine", "",
        f"- CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable)",
        f"- RAM: {m['ram_gb']} GB",
        f"- Python {m['python']} on {m['platform']}",
        "- packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()), "",
        "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for t, measured, verdict in targets(res, results):
        lines.append(f"| {t} | {measured} | **{verdict}** |")
    lines += ["", f"## Stages at {res['label']}", "", markdown_table(res), ""]
    others = [r for k, r in results.items() if k != res["label"]]
    if others:
        lines += ["## Other scales (stored runs)", ""]
        for r in sorted(others, key=lambda r: r["n_bytes"]):
            lines += [f"### {r['label']} ({r['date'][:10]})", "", markdown_table(r), ""]
    fits = [f for st in PROJECTED_STAGES if (f := memory_projection(results, stage=st))]
    if fits:
        lines += ["## Memory projection to 1,000,000 articles", "",
                  "Peak RSS of each stage's children against the number of articles, over the "
                  "stored scales (children that failed, e.g. at the memory limit, are left "
                  "out); least-squares line `a + b · articles` evaluated at 1,000,000 "
                  "articles (assumes memory stays linear in the corpus).", "",
                  "| stage | points (articles → MB) | a (MB) | b (MB per 1,000 articles) | "
                  "projected |", "|---|---|---:|---:|---:|"]
        for f in fits:
            pts = ", ".join(f"{n:,} → {p:.0f}" for n, p in f["points"])
            lines.append(f"| {f['stage']} | {pts} | {f['intercept_mb']:.0f} | "
                         f"{f['mb_per_1000_articles']:.1f} | "
                         f"{f['projected_mb'] / 1024:.1f} GB |")
        lines.append("")
    RESULTS_MD.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS_MD}")


# ---- profiling ----------------------------------------------------------------------------


def profile(stage: str, corpus: Path, workers: int | None) -> None:
    """cProfile one stage in this process (prerequisites run first, unprofiled; cold cache)."""
    import cProfile
    import pstats

    import numpy  # noqa: F401  (imported before profiling, as in the timed runs)
    import pandas  # noqa: F401

    with tempfile.TemporaryDirectory() as cache:
        os.environ["WEEKLYLIB_CACHE_DIR"] = cache
        steps = _Steps(str(corpus), workers)
        pr = cProfile.Profile()
        if stage == "tables":   # cold build_tables, in this process (workers=1 unless given)
            from weeklylib.pipeline import build_tables

            pr.enable()
            steps.run("build_tables", None,
                      lambda: build_tables(str(corpus), workers=workers, progress=False))
            pr.disable()
            tables = steps.values.get("build_tables")  # noqa: PD011  (a dict, not a frame)
            if tables is not None:
                print(tables.stats.to_string(index=False))
        elif stage == "parse":
            pr.enable()
            steps.parse()
            pr.disable()
        else:
            corpus_obj = steps.parse()
            arts = corpus_obj.articles
            tokens = steps.segment(arts) if stage in ("cooccur",) else None
            tags = steps.tag(arts) if stage == "cooccur" else None
            pr.enable()
            if stage == "segment":
                steps.segment(arts)
            elif stage == "tag":
                steps.tag(arts)
            elif stage == "cooccur":
                steps.cooccur(tags, tokens)
            elif stage == "metrics":
                steps.metrics(arts)
            elif stage == "figures":
                with tempfile.TemporaryDirectory() as tmp:
                    steps.figures(corpus_obj, tmp)
            else:
                raise SystemExit(f"--profile: unknown stage {stage!r}")
            pr.disable()
        for name, r in steps.results.items():
            print(f"{name}: {r.get('status')} {_fmt(r.get('seconds'))} s")
        pstats.Stats(pr).sort_stats("cumulative").print_stats(25)


# ---- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=1000,
                    help="corpus scale: N x 4 issues + N articles (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    ap.add_argument("--corpus", help="benchmark this folder instead of a generated corpus")
    ap.add_argument("--regenerate", action="store_true", help="rebuild the generated corpus")
    ap.add_argument("--stages", nargs="+", choices=STAGES, metavar="STAGE",
                    help=f"stages to measure (default all): {' '.join(STAGES)}")
    ap.add_argument("--workers", type=int, default=None,
                    help="passed to functions that take workers= (default 1 for the per-stage "
                         "numbers; the pipeline uses the library default unless given)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per subprocess")
    ap.add_argument("--cold-only", action="store_true",
                    help="skip the warm runs and the one-file-changed run (halves the time at "
                         "large scales)")
    ap.add_argument("--mem-limit-gb", type=float, default=8.0,
                    help="address-space limit per subprocess in GB, 0 for none (default 8): a "
                         "stage above it fails with MemoryError instead of exhausting the machine")
    ap.add_argument("--profile", metavar="STAGE",
                    help="print the top 25 cProfile lines (cumulative) of one stage and stop")
    ap.add_argument("--write-results", action="store_true", help="write benchmarks/RESULTS.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        result = child_main(json.loads(args.child))
        sys.stdout.write(MARK + json.dumps(result, default=str) + "\n")
        return 0
    _set_mem_limit(args.mem_limit_gb)
    args.workers_given = args.workers is not None
    if args.workers is None:
        args.workers = 1
    if args.profile:
        corpus = Path(args.corpus) if args.corpus else ensure_corpus(args.scale, args.seed,
                                                                     args.regenerate)
        profile(args.profile, corpus, args.workers)
        return 0
    res = benchmark(args)
    print(markdown_table(res))
    print("\nTargets:")
    for t, measured, verdict in targets(res, load_all_results()):
        print(f"- {t}: {measured} -> {verdict}")
    if args.write_results:
        write_results(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
