"""The benchmark corpus generator (benchmarks/generate.py), checked on a tiny scale.

The benchmark itself is not part of the test suite; these tests only make sure the generator
writes what it promises: the right number of files, deterministic bytes for a seed, distinct
consecutive issues, and the seeds' extraction damage.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gen():
    path = ROOT / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module   # dataclasses look the module up by name
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_generate", None)


def _read(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def corpus(gen, tmp_path_factory):
    out = tmp_path_factory.mktemp("x2")
    manifest = gen.generate(2, out, seed=0, quiet=True)
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.txt")}
    return out, manifest, texts


def test_expected_number_of_files(corpus):
    out, manifest, texts = corpus
    names = sorted(p.name for p in out.iterdir())
    assert "manifest.json" in names
    assert len(texts) == 2 * 4 + 2
    assert all(re.fullmatch(r"\d{6}_[0-9a-f]{16}\.txt", n) for n in texts)
    assert sorted(int(n[:6]) for n in texts) == list(range(10))
    assert manifest["n_weekly"] == 8
    assert manifest["n_standalone"] == 2
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["n_articles"] == sum(f["n_articles"] for f in manifest["files"])
    assert sorted(f["file"] for f in manifest["files"]) == sorted(texts)
    for f in manifest["files"]:
        assert len(f["articles"]) == f["n_articles"]
        assert f["n_bytes"] == len(texts[f["file"]].encode("utf-8"))


def test_deterministic_for_a_seed(gen, corpus, tmp_path):
    out, _, _ = corpus
    gen.generate(2, tmp_path / "again", seed=0, quiet=True)
    assert _read(tmp_path / "again") == _read(out)
    gen.generate(2, tmp_path / "other", seed=1, quiet=True)
    other = _read(tmp_path / "other")
    assert set(other) != set(_read(out))


def test_regenerating_replaces_old_files(gen, tmp_path):
    gen.generate(2, tmp_path, seed=0, quiet=True)
    gen.generate(1, tmp_path, seed=0, quiet=True)
    assert len(list(tmp_path.glob("*.txt"))) == 5


def test_issue_numbers_and_periods_are_distinct_and_consecutive(corpus):
    _, manifest, texts = corpus
    weekly = sorted((f for f in manifest["files"] if f["kind"] == "weekly"),
                    key=lambda f: f["issue_no"])
    numbers = [f["issue_no"] for f in weekly]
    assert numbers == list(range(numbers[0], numbers[0] + 8))
    starts = [f["period_start"] for f in weekly]
    ends = [f["period_end"] for f in weekly]
    assert len(set(ends)) == 8
    assert all(s <= e for s, e in zip(starts, ends, strict=True))
    assert all(e < s for e, s in zip(ends, starts[1:], strict=False))   # no overlap, in order
    assert ends[-1] == "2025-12-26"
    for f in weekly:
        text = texts[f["file"]]
        if f["issue_no_visible"] is not None:
            assert f["issue_no_text"] in text
        else:
            assert "期）" not in text[:200]
            assert "期)" not in text[:200]
        if f["issue_date"] is not None:
            y, m, d = (int(x) for x in f["issue_date"].split("-"))
            assert re.search(rf"{y}\s*年\s*{m}\s*月\s*{d}\s*日", text[:300])


def test_chinese_numerals(gen):
    rng = random.Random(0)
    assert gen.to_chinese_digits(614, rng) == "六一四"
    assert gen.to_chinese_digits(2000, random.Random(0)).startswith("二")
    assert gen.to_chinese_digits(105, random.Random(0))[1] in "〇零"
    assert gen.to_chinese_positional(614) == "六百一十四"
    assert gen.to_chinese_positional(1005) == "一千零五"
    assert gen.to_chinese_positional(15) == "十五"
    assert gen.to_chinese_positional(110) == "一百一十"
    assert gen.to_chinese_positional(3040) == "三千零四十"


def test_wrap_keeps_text_and_width(gen):
    text = "清华大学副教务长、医学院院长黄天荫表示，基于深度学习训练的 AI 皮肤病影像识别系统，" * 4
    lines = gen.wrap(text, 70)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(gen.width(ln) <= 74 for ln in lines)
    assert all(ln[0] not in "，。、" for ln in lines)
    assert gen.width(lines[0]) >= 66


def test_extraction_damage_is_present(corpus):
    _, manifest, texts = corpus
    files = manifest["files"]
    weekly = [f for f in files if f["kind"] == "weekly"]
    assert {f["header"] for f in weekly} == {"full", "no_title", "lead_only"}
    assert {f["style"] for f in weekly} == {"flat", "wrapped"}
    assert any(f["declared_count"] != f["n_articles"] for f in weekly)
    # 004 starts at 本期导语; 002/003 start with the centre and the date
    for f in weekly:
        head = texts[f["file"]].lstrip()
        first = {"full": "全国卫生信息化舆情监测周报",
                 "no_title": "北京市卫生健康大数据与政策研究中心",
                 "lead_only": "本期导语"}[f["header"]]
        assert head.startswith(first)
    wrapped = "".join(texts[f["file"]] for f in weekly if f["style"] == "wrapped")
    lines = [ln for ln in wrapped.split("\n") if ln.strip()]
    cjk_lines = [ln for ln in lines if not ln.startswith("http")]
    # hard wraps: most body lines are full (35-38 CJK characters), with a blank line between
    assert sum(66 <= (len(ln.encode()) + len(ln)) // 2 <= 80 for ln in cjk_lines) > len(lines) / 2
    assert "\n\n\n\n" in wrapped                         # page breaks
    assert re.search(r"[\u4e00-\u9fff] \d", wrapped)     # 2025 年 7 月
    assert re.search(r"\d [\u4e00-\u9fff]", wrapped)
    # long URLs are cut over two lines
    cut = [a["url"] for f in weekly if f["style"] == "wrapped" for a in f["articles"]
           if len(a["url"]) > 58]
    assert cut
    for url in cut:
        assert url not in wrapped
        assert url[:54] in wrapped
    # photo credits
    everything = "".join(texts.values())
    assert re.search(r"【\S+ 图】|（受访者供图）|\S 摄\n", everything)
    assert sum(a["n_credits"] for f in files for a in f["articles"]) > 0
    # flat layout (seed 001): <url> and ASCII parentheses in the table of contents
    flat = "".join(texts[f["file"]] for f in weekly if f["style"] == "flat")
    assert "<http" in flat
    assert re.search(r"\n\([^()\n]+\)\n", flat)
    # standalone articles like seed 000
    for f in files:
        if f["kind"] == "article":
            text = texts[f["file"]]
            assert "\n# " in text
            assert "本报记者" in text
            assert "本期导语" not in text


def test_articles_are_recombined_not_copied(corpus, seeds_dir):
    _, manifest, texts = corpus
    titles = [a["title"] for f in manifest["files"] for a in f["articles"]]
    assert len(set(titles)) >= len(titles) - 2
    seed_text = "".join(p.read_text(encoding="utf-8") for p in seeds_dir.glob("*.txt"))
    for name, text in texts.items():
        assert text not in seed_text, name
