"""build_tables: every table equals the direct call; cold, warm, uncached, parallel and
one-file-changed builds are identical; only a changed document is recomputed."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

import weeklylib as wl
from weeklylib import pipeline
from weeklylib.cooccur import MEASURES
from weeklylib.pipeline import TABLE_NAMES, Tables, build_tables, write_tables

DOC_FUNCS = {  # per-document table -> (module, function) the pipeline calls
    "topics": ("topics", "tag_topics"),
    "topic_evidence": ("topics", "topic_evidence"),
    "places": ("regions", "extract_places"),
    "regions": ("regions", "resolve_regions"),
    "metrics": ("metrics", "extract_metrics"),
}


def direct_tables(source, *, taxonomy=None, min_count=pipeline.TERM_MIN_COUNT) -> dict:
    """Every table by calling the stage functions directly, as a researcher would."""
    corpus = wl.load_corpus(source, cache=False)
    arts = corpus.articles
    tokens = wl.tokenize(arts, cache=False)
    topics = wl.tag_topics(arts, taxonomy)
    places = wl.extract_places(arts)
    return {
        "documents": corpus.documents, "articles": arts, "problems": corpus.problems,
        "tokens": tokens, "topics": topics, "topic_evidence": wl.topic_evidence(arts, taxonomy),
        "places": places, "regions": wl.resolve_regions(arts),
        "metrics": wl.extract_metrics(arts),
        "topic_cooccurrence": wl.cooccurrence(topics, unit="article_id", item="topic",
                                              measures=MEASURES, n_units=len(arts)),
        "term_cooccurrence": wl.cooccurrence(tokens[~tokens["is_stopword"]],
                                             unit=["article_id", "sentence"], item="token",
                                             measures=MEASURES, min_count=min_count),
    }


def assert_same(got, expected) -> None:
    assert list(got) == list(expected)
    for name in expected:
        pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True,
                                      obj=name)
        assert got[name].attrs == expected[name].attrs, name


@pytest.fixture(scope="module")
def seeds_direct(seeds_dir):
    return direct_tables(seeds_dir)


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[1] / "seeds", folder)
    return folder


def change_one_body(folder: Path) -> str:
    """Replace the last 。 of the middle file (inside an article body) by ！; its doc_id."""
    files = sorted(folder.glob("*.txt"))
    path = files[len(files) // 2]
    text = path.read_text("utf-8")
    i = text.rfind("。", 0, len(text) - 10)
    path.write_text(text[:i] + "！" + text[i + 1:], "utf-8")
    return path.stem


def test_every_table_equals_the_direct_call_cold_warm_and_uncached(seeds_dir, seeds_direct,
                                                                   tmp_path):
    cold = build_tables(seeds_dir, cache=tmp_path / "cache", progress=False)
    assert isinstance(cold, Tables)
    assert list(cold) == list(TABLE_NAMES)
    assert_same(cold, seeds_direct)
    assert list(cold.stats["how"]) == ["loaded"] * 3 + ["computed"] * (len(TABLE_NAMES) - 3)

    warm = build_tables(seeds_dir, cache=tmp_path / "cache", progress=False)
    assert_same(warm, seeds_direct)
    assert list(warm.stats["how"]) == ["loaded"] * 3 + ["stored"] * (len(TABLE_NAMES) - 3)
    # one consolidated Parquet file per derived table, nothing else
    files = sorted(p.name for p in (tmp_path / "cache" / "pipeline-v1").iterdir())
    assert files == sorted(f"{n}.parquet" for n in TABLE_NAMES[3:])

    uncached = build_tables(seeds_dir, cache=False, progress=False)
    assert_same(uncached, seeds_direct)


def test_cache_false_reads_and_writes_nothing(seeds_dir, seeds_direct, tmp_path, monkeypatch):
    monkeypatch.setenv("WEEKLYLIB_CACHE_DIR", str(tmp_path / "home-cache"))
    tables = build_tables(seeds_dir, cache=False, progress=False, stages=["topics"])
    assert not (tmp_path / "home-cache").exists()
    pd.testing.assert_frame_equal(tables["topics"], seeds_direct["topics"])


def test_results_do_not_depend_on_workers(seeds_dir, seeds_direct, tmp_path):
    assert_same(build_tables(seeds_dir, cache=tmp_path, progress=False, workers=2),
                seeds_direct)
    assert_same(build_tables(seeds_dir, cache=False, progress=False, workers=3), seeds_direct)


def test_after_one_file_changed_only_that_document_is_recomputed(seeds_copy, tmp_path,
                                                                 monkeypatch):
    cache = tmp_path / "cache"
    build_tables(seeds_copy, cache=cache, progress=False, workers=1)
    changed = change_one_body(seeds_copy)
    seen: dict[str, set[str]] = {name: set() for name in DOC_FUNCS}

    def recorder(name, func):
        def wrapped(frame, *args, **kwargs):
            seen[name].update(frame["article_id"].astype(str).str.rpartition("#")[0])
            return func(frame, *args, **kwargs)
        return wrapped

    for name, (module, func) in DOC_FUNCS.items():
        mod = importlib.import_module(f"weeklylib.{module}")
        monkeypatch.setattr(mod, func, recorder(name, getattr(mod, func)))
    after = build_tables(seeds_copy, cache=cache, progress=False, workers=1)
    assert seen == {name: {changed} for name in DOC_FUNCS}
    stats = after.stats.set_index("table")
    assert (stats.loc[list(DOC_FUNCS), "how"] == "incremental").all()
    assert (stats.loc[list(DOC_FUNCS), "n_docs_computed"] == 1).all()
    monkeypatch.undo()
    assert_same(after, direct_tables(seeds_copy))


def test_after_one_file_changed_only_that_document_is_segmented(seeds_copy, tmp_path,
                                                                monkeypatch):
    """tokens come from tokenize, whose own cache segments only new or changed documents."""
    segment = importlib.import_module("weeklylib.segment")
    if not hasattr(segment, "_segment_batch"):  # pragma: no cover - segment.py reorganised
        pytest.skip("weeklylib.segment._segment_batch is gone; adapt this test")
    cache = tmp_path / "cache"
    build_tables(seeds_copy, cache=cache, progress=False, stages="tokens")
    changed = change_one_body(seeds_copy)
    articles = wl.load_corpus(seeds_copy, cache=False).articles
    doc_of_body = dict(zip(articles["body"], articles["doc_id"], strict=True))
    seen: set[str] = set()
    inner = segment._segment_batch

    def batch(bodies, *args, **kwargs):
        seen.update(doc_of_body[b] for b in bodies)
        return inner(bodies, *args, **kwargs)

    monkeypatch.setattr(segment, "_segment_batch", batch)
    after = build_tables(seeds_copy, cache=cache, progress=False, stages="tokens")
    assert seen == {changed}
    monkeypatch.undo()
    pd.testing.assert_frame_equal(after["tokens"], wl.tokenize(articles, cache=False))


def test_an_unchanged_rebuild_calls_no_stage_function(seeds_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = build_tables(seeds_copy, cache=cache, progress=False)

    def boom(*args, **kwargs):
        raise AssertionError("a stage function was called on a warm run")

    # (parsing is load_corpus's business: its own cache skips it, see test_corpus.py)
    for module, func in [*DOC_FUNCS.values(), ("segment", "tokenize"), ("cooccur", "cooccurrence")]:
        monkeypatch.setattr(f"weeklylib.{module}.{func}", boom)
    assert_same(build_tables(seeds_copy, cache=cache, progress=False), dict(first))


def test_a_damaged_cache_file_is_recomputed(seeds_dir, seeds_direct, tmp_path):
    cache = tmp_path / "cache"
    build_tables(seeds_dir, cache=cache, progress=False, stages=["metrics"])
    (cache / "pipeline-v1" / "places.parquet").write_bytes(b"not parquet")
    (cache / "pipeline-v1" / "metrics.parquet").write_bytes(b"")
    again = build_tables(seeds_dir, cache=cache, progress=False, stages=["metrics"])
    assert list(again) == ["documents", "articles", "problems", "places", "regions", "metrics"]
    for name in again:
        pd.testing.assert_frame_equal(again[name], seeds_direct[name], obj=name)
    assert again.stats.set_index("table").loc["regions", "how"] == "stored"


def test_a_new_taxonomy_redoes_only_the_topic_tables(seeds_dir, seeds_direct, tmp_path):
    cache = tmp_path / "cache"
    build_tables(seeds_dir, cache=cache, progress=False)
    tax = wl.load_taxonomy().iloc[:3].reset_index(drop=True)
    tables = build_tables(seeds_dir, cache=cache, progress=False, taxonomy=tax)
    how = tables.stats.set_index("table")["how"]
    assert list(how[["topics", "topic_evidence", "topic_cooccurrence"]]) == ["computed"] * 3
    assert list(how[["tokens", "places", "metrics", "term_cooccurrence"]]) == ["stored"] * 4
    arts = tables["articles"]
    topics = wl.tag_topics(arts, tax)
    pd.testing.assert_frame_equal(tables["topics"], topics)
    pd.testing.assert_frame_equal(tables["topic_evidence"], wl.topic_evidence(arts, tax))
    pd.testing.assert_frame_equal(tables["topic_cooccurrence"], wl.cooccurrence(
        topics, unit="article_id", item="topic", measures=MEASURES, n_units=len(arts)))
    assert set(tables["topics"]["topic"]) <= set(tax["topic"])


def test_stages_select_tables_and_their_dependencies(seeds_dir, seeds_direct):
    tables = build_tables(seeds_dir, cache=False, progress=False, stages="metrics")
    assert list(tables) == ["documents", "articles", "problems", "places", "regions", "metrics"]
    assert tables.metrics.equals(seeds_direct["metrics"])
    assert "tokens" not in tables
    with pytest.raises(KeyError, match="no table 'tokens'"):
        tables["tokens"]
    with pytest.raises(AttributeError, match="no table 'tokens'"):
        _ = tables.tokens
    assert repr(tables).startswith("<Tables: documents 5×")


def test_term_min_count_is_passed_on(seeds_dir, seeds_direct):
    tables = build_tables(seeds_dir, cache=False, progress=False, stages="term_cooccurrence",
                          term_min_count=5)
    term = tables["term_cooccurrence"]
    assert term["n_ab"].min() == 5
    kept = seeds_direct["term_cooccurrence"].query("n_ab >= 5").reset_index(drop=True)
    pd.testing.assert_frame_equal(term, kept)


QUIET_DIGEST = """全国卫生信息化舆情监测周报

（第六二〇期）

北京市卫生健康大数据与政策研究中心

2025年4月11日

本期导语：

本期周报共收集1篇卫生健康大数据与政策研究相关信息，时间从2025年4月5日到2025年4月11日。

一、信息目录

1. 今天天气晴朗

（健康报）

二、具体内容

1. 标题：今天天气晴朗

来源：健康报

链接：https://www.example.cn/2025/0410/a.html

主要内容：

今天天气晴朗

2025-04-10 来源：健康报

大家出门散步，心情很好。
"""


@pytest.mark.parametrize("text", [QUIET_DIGEST, "今天天气晴朗\n"])
def test_documents_without_any_hit(tmp_path, text):
    """No topic, place or metric anywhere (or no article at all): empty tables, same dtypes."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(text, "utf-8")
    (folder / "b.txt").write_text("", "utf-8")
    expected = direct_tables(folder)
    assert len(expected["topics"]) == len(expected["places"]) == len(expected["metrics"]) == 0
    for _ in ("cold", "warm"):
        assert_same(build_tables(folder, cache=tmp_path / "cache", progress=False), expected)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"workers": 0}, "workers"), ({"workers": True}, "workers"), ({"cache": 3}, "cache"),
    ({"progress": "yes"}, "progress"), ({"term_min_count": -1}, "term_min_count"),
    ({"stages": ["topics", "nope"]}, "stages"), ({"stages": []}, "stages"),
    ({"taxonomy": 3}, "taxonomy"),
])
def test_bad_arguments_name_the_parameter(seeds_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_tables(seeds_dir, **{"cache": False, **kwargs})


def test_missing_source_raises(tmp_path):
    with pytest.raises(wl.SourceNotFoundError):
        build_tables(tmp_path / "nowhere", cache=False)


def test_progress_bar_only_when_asked_or_on_a_terminal(seeds_dir, tmp_path, capsys):
    build_tables(seeds_dir, cache=tmp_path / "c", stages="topics")  # stderr is not a TTY here
    assert capsys.readouterr().err == ""
    build_tables(seeds_dir, cache=tmp_path / "c", stages="topics", progress=True)
    assert "tables" in capsys.readouterr().err
    build_tables(seeds_dir, cache=tmp_path / "c", stages="topics", progress=False)
    assert capsys.readouterr().err == ""


def test_write_tables(seeds_dir, tmp_path):
    tables = build_tables(seeds_dir, cache=False, progress=False, stages="topic_cooccurrence")
    written = write_tables(tables, tmp_path / "out", formats=("parquet", "csv"))
    names = [p.name for p in written]
    assert names[:2] == ["documents.parquet", "documents.csv"]
    assert len(written) == 2 * len(tables)
    back = pd.read_parquet(tmp_path / "out" / "topics.parquet")
    pd.testing.assert_frame_equal(back, tables["topics"])
    csv = (tmp_path / "out" / "topic_cooccurrence.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbfa,b,n_a,n_b,n_ab,n_units,count,")
    again = write_tables(tables, tmp_path / "out2")
    assert [p.name for p in again] == [f"{n}.parquet" for n in tables]
    assert (tmp_path / "out2" / "topics.parquet").read_bytes() == \
        (tmp_path / "out" / "topics.parquet").read_bytes()
    with pytest.raises(ValueError, match="formats"):
        write_tables(tables, tmp_path / "x", formats=("xlsx",))


def test_parts_get_the_dtypes_of_one_call():
    """A stage infers dtypes from values: a column that is all missing in one part is cast to
    the dtype the parts with values have, as one call on all rows would have made it."""
    with_values = pd.DataFrame({"a": ["x", "y"], "county": ["东阿县", None]})
    with_values["county"] = with_values["county"].astype("str")
    without = pd.DataFrame({"a": ["z"], "county": [None]})
    assert without["county"].dtype == object
    got = pipeline._concat([with_values, None, without.iloc[:0], without])
    expected = pd.DataFrame({"a": ["x", "y", "z"], "county": ["东阿县", None, None]})
    pd.testing.assert_frame_equal(got, expected)
    assert pipeline._concat([None, without.iloc[:0]]) is None
