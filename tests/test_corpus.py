"""load_corpus on bad input, determinism, caching, export, and the CLI."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

import weeklylib as wl
from weeklylib.cli import main
from weeklylib.errors import NoInputFilesError, SourceNotFoundError
from weeklylib.schema import ARTICLE_COLUMNS, DOCUMENT_COLUMNS, PROBLEM_COLUMNS, SPAN_COLUMNS

DIGEST = """全国卫生信息化舆情监测周报

（第六二〇期）

北京市卫生健康大数据与政策研究中心

2025年4月11日

本期导语：

本期周报共收集1篇卫生健康大数据与政策研究相关信息，时间从2025年4月5日到2025年4月11日。

一、信息目录

1. 某省推进紧密型县域医共体建设

（健康报）

二、具体内容

1. 标题：某省推进紧密型县域医共体建设

来源：健康报

链接：https://www.example.cn/2025/0410/a.html

主要内容：

某省推进紧密型县域医共体建设

2025-04-10 来源：健康报

某省卫生健康委日前印发通知，要求各地加快推进紧密型县域医共体建设，县域内就诊率力争达到90%以上。
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "corpus").mkdir()
    return tmp_path / "corpus"


def load(source, **kw):
    return wl.load_corpus(source, cache=False, **kw)


def problem_codes(corpus, doc_id):
    return sorted(corpus.problems.query("doc_id == @doc_id")["code"])


def test_tables_have_the_contract_columns(seed_corpus):
    assert list(seed_corpus.documents.columns[: len(DOCUMENT_COLUMNS)]) == list(DOCUMENT_COLUMNS)
    assert list(seed_corpus.articles.columns[: len(ARTICLE_COLUMNS)]) == list(ARTICLE_COLUMNS)
    assert list(seed_corpus.problems.columns) == list(PROBLEM_COLUMNS)
    assert list(seed_corpus.spans.columns) == list(SPAN_COLUMNS)
    assert str(seed_corpus.documents["issue_no"].dtype) == "Int64"
    assert str(seed_corpus.articles["published"].dtype) == "datetime64[ns]"


def test_gb18030_bom_and_crlf_give_the_same_articles(folder):
    (folder / "a_utf8.txt").write_text(DIGEST, encoding="utf-8")
    (folder / "b_gbk.txt").write_bytes(DIGEST.replace("第六二〇期", "第六二一期").encode("gb18030"))
    (folder / "c_bom_crlf.txt").write_bytes(
        b"\xef\xbb\xbf" + DIGEST.replace("第六二〇期", "第六二二期").replace("\n", "\r\n").encode("utf-8"))
    corpus = load(folder)
    docs = corpus.documents.set_index("doc_id")
    assert list(docs["encoding"]) == ["utf-8", "gb18030", "utf-8-sig"]
    assert list(docs["issue_no"]) == [620, 621, 622]
    bodies = corpus.articles["body"].tolist()
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0].endswith("县域内就诊率力争达到90%以上。")
    # same article (same URL) in three files: flagged after the first
    assert problem_codes(corpus, "a_utf8") == []
    assert problem_codes(corpus, "b_gbk") == ["duplicate_article", "legacy_encoding"]
    assert problem_codes(corpus, "c_bom_crlf") == ["duplicate_article"]


def test_empty_binary_and_undecodable_files_are_listed_with_errors(folder):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text("\n  \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "good.txt").write_text(DIGEST, encoding="utf-8")
    corpus = load(folder)
    docs = corpus.documents.set_index("doc_id")
    assert sorted(docs.index) == ["binary", "blank", "empty", "good"]
    assert docs.loc["empty", "status"] == "error" and docs.loc["binary", "status"] == "error"
    assert docs.loc["good", "status"] == "ok" and docs.loc["good", "n_articles"] == 1
    assert problem_codes(corpus, "empty") == ["empty_file"]
    assert problem_codes(corpus, "blank") == ["empty_file"]
    assert problem_codes(corpus, "binary") == ["binary_file"]
    msg = corpus.problems.query("doc_id == 'binary'")["message"].iloc[0]
    assert "binary.txt" in msg


def test_undecodable_bytes_are_reported_with_the_line(folder):
    bad = DIGEST.encode("utf-8") + b"\n\xff\xfe\xfa\x80\x81 broken\n"
    (folder / "bad.txt").write_bytes(bad)
    corpus = load(folder)
    problem = corpus.problems.query("code == 'decode_error'").iloc[0]
    assert problem["severity"] == "error"
    assert f"line {DIGEST.count(chr(10)) + 2}" in problem["message"]


def test_missing_path_raises_naming_it(tmp_path):
    with pytest.raises(SourceNotFoundError, match="nope"):
        load(tmp_path / "nope")
    with pytest.raises(SourceNotFoundError):
        load([tmp_path / "nope.txt"])


def test_folder_without_text_files_raises(folder):
    (folder / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(NoInputFilesError, match="no text files"):
        load(folder)


def test_folder_with_non_text_files_reads_only_text(folder):
    (folder / "image.png").write_bytes(b"\x89PNG")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    (folder / "issue.txt").write_text(DIGEST, encoding="utf-8")
    assert list(load(folder).documents["doc_id"]) == ["issue"]


def test_duplicate_content_is_flagged_and_not_double_counted(folder):
    (folder / "a.txt").write_text(DIGEST, encoding="utf-8")
    (folder / "b.txt").write_text(DIGEST, encoding="utf-8")
    corpus = load(folder)
    docs = corpus.documents.set_index("doc_id")
    assert docs.loc["b", "duplicate_of"] == "a" and docs.loc["b", "n_articles"] == 0
    assert docs.loc["b", "status"] == "warning"
    assert list(corpus.articles["doc_id"]) == ["a"]
    assert problem_codes(corpus, "b") == ["duplicate_content"]
    assert corpus.raw("b") == DIGEST  # nothing lost: the text stays reachable


def test_same_url_in_two_issues_is_flagged(folder):
    (folder / "a.txt").write_text(DIGEST, encoding="utf-8")
    (folder / "b.txt").write_text(DIGEST.replace("第六二〇期", "第六二一期"), encoding="utf-8")
    corpus = load(folder)
    problem = corpus.problems.query("code == 'duplicate_article'").iloc[0]
    assert problem["article_id"] == "b#1" and "a#1" in problem["message"]
    assert len(corpus.articles) == 2


def test_source_may_be_a_file_or_a_list(folder, seeds_dir):
    (folder / "x.txt").write_text(DIGEST, encoding="utf-8")
    assert len(load(folder / "x.txt").articles) == 1
    corpus = load([folder / "x.txt", seeds_dir / "001_017c2f79a39b0a3a.txt"])
    assert list(corpus.documents["doc_id"]) == ["x", "001_017c2f79a39b0a3a"]


def test_raw_returns_the_file_text(seed_corpus, seeds_dir):
    doc_id = "002_83ccda7c70e1770d"
    assert seed_corpus.raw(doc_id) == (seeds_dir / f"{doc_id}.txt").read_text(encoding="utf-8")
    with pytest.raises(KeyError, match="no document"):
        seed_corpus.raw("nope")


def test_exports_are_byte_identical_across_runs(tmp_path, seeds_dir):
    digests = []
    for run in ("one", "two"):
        corpus = wl.load_corpus(seeds_dir, cache=False)
        paths = corpus.to_parquet(tmp_path / run) + corpus.to_csv(tmp_path / run)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths})
    assert digests[0] == digests[1]
    assert len(digests[0]) == 8
    csv = (tmp_path / "one" / "articles.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM so Excel shows Chinese
    back = pd.read_parquet(tmp_path / "one" / "articles.parquet")
    assert back["title"].tolist() == corpus.articles["title"].tolist()


def test_cache_reuses_and_invalidates(tmp_path, folder, monkeypatch):
    (folder / "a.txt").write_text(DIGEST, encoding="utf-8")
    (folder / "b.txt").write_text(DIGEST.replace("第六二〇期", "第六二一期"), encoding="utf-8")
    cache = tmp_path / "cache"
    first = wl.load_corpus(folder, cache=cache)
    import weeklylib.corpus as corpus_module

    parsed = []
    original = corpus_module._read_and_parse
    monkeypatch.setattr(corpus_module, "_read_and_parse",
                        lambda item: parsed.append(item[1]) or original(item))
    second = wl.load_corpus(folder, cache=cache)
    assert parsed == []  # nothing parsed again
    pd.testing.assert_frame_equal(first.articles, second.articles)
    pd.testing.assert_frame_equal(first.problems, second.problems)
    (folder / "b.txt").write_text(DIGEST.replace("第六二〇期", "第六二五期"), encoding="utf-8")
    third = wl.load_corpus(folder, cache=cache)
    assert parsed == ["b"]  # only the changed file
    assert third.documents["issue_no"].tolist() == [620, 625]


def test_results_do_not_depend_on_workers(seeds_dir, tmp_path):
    for i in range(30):  # enough files to make the pool worth it
        shutil.copy(seeds_dir / "003_853b37a96b61c717.txt", tmp_path / f"{i:03d}.txt")
    one = wl.load_corpus(tmp_path, cache=False, workers=1)
    two = wl.load_corpus(tmp_path, cache=False, workers=2)
    pd.testing.assert_frame_equal(one.articles, two.articles)
    pd.testing.assert_frame_equal(one.problems, two.problems)
    pd.testing.assert_frame_equal(one.documents, two.documents)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_workers_must_be_positive(seeds_dir, bad):
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        wl.load_corpus(seeds_dir, workers=bad)


def test_cli_ingest_writes_tables_and_prints_problems(tmp_path, seeds_dir, capsys):
    status = main(["ingest", str(seeds_dir), "--out", str(tmp_path / "t"), "--no-cache"])
    out = capsys.readouterr().out
    assert status == 0
    assert "<Corpus: 5 documents (4 digest issues), 14 articles, 8 problems>" in out
    assert "count_mismatch" in out and "004_f91b6e6a85e84203.txt" in out
    names = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert names == sorted(f"{t}.{e}" for t in ("articles", "documents", "problems", "spans")
                           for e in ("csv", "parquet"))


def test_cli_reports_missing_source_without_traceback(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_corpus_summary_and_repr(seed_corpus):
    summary = seed_corpus.summary().set_index("item")["n"]
    assert summary["articles"] == 14 and summary["documents (article)"] == 1
    assert summary["photo credits removed"] == 16
    assert repr(seed_corpus).startswith("<Corpus: 5 documents")


def test_unchanged_corpus_loads_from_the_table_cache(tmp_path, seeds_dir, monkeypatch):
    cache = tmp_path / "cache"
    first = wl.load_corpus(seeds_dir, cache=cache)
    import weeklylib.corpus as corpus_module

    def refuse(*_):
        raise AssertionError("the per-file store must not be opened on a warm load")

    monkeypatch.setattr(corpus_module, "_Cache", refuse)
    second = wl.load_corpus(seeds_dir, cache=cache)
    for name in ("documents", "articles", "problems"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    monkeypatch.undo()
    pd.testing.assert_frame_equal(first.spans, second.spans)  # entries load lazily
    assert second.raw("001_017c2f79a39b0a3a") == first.raw("001_017c2f79a39b0a3a")


def test_cli_tables_writes_every_table(tmp_path, seeds_dir, capsys):
    assert main(["tables", str(seeds_dir), "--out", str(tmp_path / "t"), "--tables", "topics"]) == 0
    out = capsys.readouterr().out
    names = {p.name for p in (tmp_path / "t").iterdir()}
    assert {"articles.parquet", "topics.parquet"} <= names
    assert "topics" in out
    assert main(["tables", str(seeds_dir), "--out", str(tmp_path / "u"), "--tables", "nope"]) == 2
    assert "unknown table" in capsys.readouterr().err
