"""Tests for weeklylib.segment: dictionary handling, engines, tokenize, token cache."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import weeklylib.segment as seg
from weeklylib.errors import DataFileError
from weeklylib.schema import TOKEN_COLUMNS
from weeklylib.segment import (
    UserWord,
    dictionary_hash,
    is_stopword,
    load_stopwords,
    load_userdict,
    resolve_engine,
    segment,
    tokenize,
)

# Terms the brief names; each must come out as one token with the bundled dictionary.
LISTED = [
    "电子病历",
    "互联互通",
    "医共体",
    "医联体",
    "可信数据空间",
    "数据要素",
    "数据确权",
    "大模型",
    "DeepSeek",
    "DeepSeek-R1",
    "智慧医院",
    "智慧服务",
    "智慧管理",
    "互联网医院",
    "5G",
    "5G+",
    "AI+医疗",
    "人工智能+",
    "全民健康信息平台",
    "健康医疗大数据",
    "县域医共体",
    "分级诊疗",
    "家庭医生",
    "远程医疗",
    "医保",
    "DRG",
    "DIP",
    "电子健康档案",
    "互联网+医疗健康",
]

# How jieba's built-in dictionary alone cuts some of them (checked by hand against jieba 0.42.1).
BASE_SPLITS = {
    "电子病历": ["电子", "病历"],
    "医共体": ["医", "共", "体"],
    "医联体": ["医", "联体"],
    "可信数据空间": ["可信", "数据", "空间"],
    "大模型": ["大", "模型"],
    "全民健康信息平台": ["全民", "健康", "信息", "平台"],
    "健康医疗大数据": ["健康", "医疗", "大", "数据"],
    "县域医共体": ["县域", "医", "共", "体"],
    "DeepSeek-R1": ["DeepSeek", "-", "R1"],
    "5G+": ["5G", "+"],
    "AI+医疗": ["AI", "+", "医疗"],
    "人工智能+": ["人工智能", "+"],
    "互联网+医疗健康": ["互联网", "+", "医疗", "健康"],
}


@pytest.fixture(scope="module")
def raw_jieba():
    """Factory of plain private jieba tokenizers (built-in dictionary, nothing added)."""
    jieba = seg._import_jieba()
    seg._get_engine("jieba", seg._compile_dictionary(()))  # builds the shared base tokenizer
    base = seg._BASE_TOKENIZER["jieba"]

    def fresh():
        tk = jieba.Tokenizer()
        tk.FREQ, tk.total, tk.initialized = dict(base.FREQ), base.total, True
        return tk

    return fresh


def seed_lines(seeds_dir: Path) -> list[str]:
    lines = []
    for path in sorted(seeds_dir.glob("*.txt")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return lines


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, check=False
    )


# ------------------------------------------------------------------------------------------
# import cost / side effects
# ------------------------------------------------------------------------------------------


def test_import_does_not_load_jieba_or_pandas():
    proc = run_python(
        "import sys, weeklylib, weeklylib.segment, weeklylib.keywords\n"
        "print(sorted(m for m in ('jieba', 'rjieba', 'pandas', 'numpy') if m in sys.modules))"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_first_use_writes_nothing_to_stderr():
    # A fresh process: jieba's "Building prefix dict ..." messages would appear here.
    proc = run_python(
        "from weeklylib.segment import segment\n"
        "print(segment('推进医共体建设', engine='jieba'))\n"
        "print(segment('推进医共体建设', engine='rjieba'))",
        PYTHONWARNINGS="error",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.splitlines() == ["['推进', '医共体', '建设']"] * 2


def test_private_tokenizer_leaves_global_jieba_untouched():
    segment("推进医共体建设", engine="jieba")
    jieba = seg._import_jieba()
    assert "医共体" not in jieba.dt.FREQ  # the global tokenizer got no user words


# ------------------------------------------------------------------------------------------
# bundled data files
# ------------------------------------------------------------------------------------------


def test_bundled_userdict_is_documented_and_sized():
    from importlib import resources

    text = resources.files("weeklylib.data").joinpath("userdict.txt").read_text(encoding="utf-8")
    assert text.startswith("# ")
    header = text.split("\n\n")[0]
    for phrase in ("Format", "freq", "tag", "extend", "Where the entries come from"):
        assert phrase in header
    words = load_userdict()
    assert 300 <= len(words) <= 600
    assert all(isinstance(w, UserWord) for w in words)
    assert {w.word for w in words} >= set(LISTED)
    assert len({w.word for w in words}) == len(words)


@pytest.mark.parametrize("term", LISTED)
def test_listed_term_is_one_token(term):
    assert segment(term) == [term]
    assert segment(f"推进{term}建设") == ["推进", term, "建设"]


@pytest.mark.parametrize(("term", "base"), sorted(BASE_SPLITS.items()))
def test_userdict_changes_segmentation(term, base):
    assert segment(term, userdict=()) == base
    assert segment(term) == [term]


def test_bundled_entries_change_segmentation():
    # the file's header promises: every entry is split by jieba alone, except these
    whole_anyway = {
        "医保",
        "互联互通",
        "家庭医生",
        "5G",
        "DRG",
        "DIP",
        "DeepSeek",
        "AIGC",
        "ChatGPT",
    }
    words = [w.word for w in load_userdict()]
    assert {w for w in words if segment(w, userdict=()) == [w]} == whole_anyway


def test_every_bundled_entry_is_whole_alone():
    bad = [(w.word, segment(w.word)) for w in load_userdict() if segment(w.word) != [w.word]]
    assert bad == []


def test_bundled_stopwords():
    stop = load_stopwords()
    assert {"的", "了", "和", "记者", "表示", "介绍", "日电", "本报记者", "据悉"} <= stop
    # topic words must not be stopwords
    assert not stop & {"医院", "数据", "医保", "健康", "人工智能", "医共体", "信息化", "发展"}
    # every listed stopword is something the segmenter actually outputs
    assert [w for w in sorted(stop) if segment(w) != [w]] == []


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("的", True),
        ("，", True),
        ("……", True),
        ("“", True),
        ("+", True),
        ("2025", True),
        ("3.5", True),
        ("90%", True),
        ("１２", True),
        ("5G", False),
        ("医保", False),
        ("DRG", False),
        ("AI+医疗", False),
        ("一体化", False),
    ],
)
def test_is_stopword(token, expected):
    assert is_stopword(token, load_stopwords()) is expected


# ------------------------------------------------------------------------------------------
# loading user files: replace, extend, BOM, CRLF, errors
# ------------------------------------------------------------------------------------------


def test_userdict_file_with_bom_and_crlf(tmp_path):
    path = tmp_path / "my.txt"
    path.write_bytes("\ufeff# my words\r\n数字健共体 n\r\n医防协同 12 nz\r\n\r\n".encode())
    words = load_userdict(path)
    assert words == (UserWord("数字健共体", None, "n"), UserWord("医防协同", 12, "nz"))
    assert segment("推进数字健共体建设", userdict=path) == ["推进", "数字健共体", "建设"]
    assert segment("推进数字健共体建设", userdict=str(path)) == ["推进", "数字健共体", "建设"]
    # replacing means the bundled entries are gone
    assert segment("医共体", userdict=path) == ["医", "共", "体"]


def test_userdict_extend():
    words = load_userdict(extend=["数字健共体 n", ("医防协同", 20, "nz")])
    assert words[-2:] == (UserWord("数字健共体", None, "n"), UserWord("医防协同", 20, "nz"))
    assert len(words) == len(load_userdict()) + 2
    assert segment("数字健共体", userdict=words) == ["数字健共体"]
    assert segment("数字健共体") != ["数字健共体"]


def test_userdict_extend_from_path_and_later_entry_wins(tmp_path):
    path = tmp_path / "extra.txt"
    path.write_text("医共体 99 nt\n", encoding="utf-8")
    words = load_userdict(extend=path)
    assert [w for w in words if w.word == "医共体"] == [UserWord("医共体", 99, "nt")]
    assert len(words) == len(load_userdict())


@pytest.mark.parametrize(
    ("line", "message"),
    [("医共体 0 n", "positive"), ("医共体 12 n extra", "fields"), ("医共体 n 12", "tag")],
)
def test_userdict_malformed_line_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(f"# comment\n电子病历\n{line}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=message) as err:
        load_userdict(path)
    assert str(err.value).startswith(f"{path}:3: ")


def test_userdict_not_utf8(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("医共体\n".encode("gbk"))
    with pytest.raises(DataFileError, match="UTF-8"):
        load_userdict(path)


def test_extend_rejects_bare_string():
    with pytest.raises(ValueError, match=r"extend must be a pathlib\.Path"):
        load_userdict(extend="数字健共体")
    with pytest.raises(ValueError, match=r"extend must be a pathlib\.Path"):
        load_stopwords(extend="赋能")


def test_stopwords_replace_extend_bom(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_bytes("\ufeff# mine\r\n赋能\r\n助力\r\n".encode())
    assert load_stopwords(path) == frozenset({"赋能", "助力"})
    assert load_stopwords(extend=path) == load_stopwords() | {"赋能", "助力"}
    assert load_stopwords(extend=["赋能"]) == load_stopwords() | {"赋能"}
    path.write_text("赋能 助力\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="one stopword per line"):
        load_stopwords(path)


# ------------------------------------------------------------------------------------------
# jieba traps
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("从“五缺”到“5G+”贵州", ["从", "“", "五", "缺", "”", "到", "“", "5G+", "”", "贵州"]),
        ("以5G+县域医共体为抓手", ["以", "5G+", "县域医共体", "为", "抓手"]),
        ("完成DeepSeek-R1推理大模型部署", ["完成", "DeepSeek-R1", "推理", "大模型", "部署"]),
        ("部署deepseek-r1模型", ["部署", "deepseek-r1", "模型"]),
        ("“AI+医疗”产业化提速", ["“", "AI+医疗", "”", "产业化", "提速"]),
        ("AI+眼科", ["AI+", "眼科"]),
        ("在“人工智能+”赋能千行百业", ["在", "“", "人工智能+", "”", "赋能", "千行百业"]),
        ("人工智能+医疗卫生", ["人工智能+医疗卫生"]),
        ("推进DRG/DIP改革", ["推进", "DRG", "/", "DIP", "改革"]),
        # not inside a longer run of Latin letters / digits
        ("DRGs付费", ["DRGs", "付费"]),
        ("ADRG分组", ["ADRG", "分组"]),
        ("15G网络", ["15G", "网络"]),
    ],
)
def test_protected_terms_in_context(text, expected):
    assert segment(text) == expected


def test_protected_entry_outside_jieba_character_class(raw_jieba):
    # "·" is not in jieba's re_han: jieba can never join such an entry by itself.
    tk = raw_jieba()
    tk.add_word("协和·太初", 100, "nz")
    assert list(tk.cut("协和·太初大模型", HMM=False)) == ["协和", "·", "太初", "大", "模型"]
    words = load_userdict(extend=["协和·太初 nz"])
    assert segment("协和·太初大模型", userdict=words) == ["协和·太初", "大模型"]
    assert segment("协和·太初大模型", userdict=words, engine="jieba") == ["协和·太初", "大模型"]


def test_suggested_frequency_matches_jieba(raw_jieba):
    tk = raw_jieba()
    words = [
        "电子病历",
        "医共体",
        "县域医共体",
        "全民健康信息平台",
        "互联互通",
        "医院",
        "国家",
        "中国",
        "大模型",
        "健康医疗大数据",
        "可信数据空间",
        "智慧医院",
        "数据确权",
    ]
    needed = {w[i:j] for w in words for i in range(len(w)) for j in range(i + 1, len(w) + 1)}
    freq, total = seg._base_frequencies(needed)
    assert total == tk.total
    for w in words:
        assert seg._suggest_freq(w, freq, total) == tk.suggest_freq(w, False), w


def test_low_user_frequency_does_not_weaken_builtin_word(raw_jieba):
    raw = raw_jieba()
    raw.add_word("数据", 1)  # what a naive jieba.load_userdict("数据 1") does
    assert list(raw.cut("加强数据治理能力", HMM=False)) == ["加强", "数", "据", "治理", "能力"]
    for engine in ("jieba", "rjieba"):
        assert segment("加强数据治理能力", userdict=["数据 1"], engine=engine) == [
            "加强",
            "数据",
            "治理",
            "能力",
        ]


def test_jieba_total_is_not_inflated_by_readding_a_word():
    base_total = seg._base_frequencies(set())[1]
    words = (UserWord("数据", 100_000, None), UserWord("医共体", None, None))
    dictionary = seg._compile_dictionary(words)
    eng = seg._JiebaEngine(dictionary)
    f_new = dict((w, f) for w, f, _ in dictionary.engine_words)
    assert f_new["数据"] == 100_000
    assert eng._tk.total == base_total + (100_000 - 5232) + f_new["医共体"]


def test_readded_word_keeps_engines_identical():
    # jieba adds a re-added word's freq to its total, jieba-rs replaces it; many re-adds of
    # the same word would drift jieba's total and change its cuts unless corrected.
    words = [("的", 318825 + k, "uj") for k in range(1, 4)] + [("我们是", 600, None)]
    for text in ("我们是医生", "我们是一个团队"):
        assert segment(text, userdict=words, engine="jieba") == segment(
            text, userdict=words, engine="rjieba"
        )


def test_entry_order_does_not_matter():
    words = list(load_userdict())
    shuffled = words[:]
    random.Random(7).shuffle(shuffled)
    assert dictionary_hash(words) == dictionary_hash(shuffled)
    assert (
        seg._compile_dictionary(tuple(words)).engine_words
        == seg._compile_dictionary(tuple(shuffled)).engine_words
    )
    text = "推进县域医共体和紧密型县域医共体建设"
    for order in (
        ["医共体", "县域医共体", "紧密型县域医共体"],
        ["紧密型县域医共体", "县域医共体", "医共体"],
    ):
        assert segment(text, userdict=order) == [
            "推进",
            "县域医共体",
            "和",
            "紧密型县域医共体",
            "建设",
        ]


def test_same_tokens_across_processes():
    text = (
        "2025年3月，徐州仁慈医院完成DeepSeek-R1推理大模型的本地化部署，"
        "推进县域医共体与5G+智慧医疗。"
    )
    code = (
        "import json, sys\n"
        "from weeklylib.segment import segment\n"
        f"print(json.dumps(segment({text!r}), ensure_ascii=False))"
    )
    outs = [run_python(code, PYTHONHASHSEED=seed) for seed in ("1", "977")]
    for proc in outs:
        assert proc.returncode == 0, proc.stderr
    assert json.loads(outs[0].stdout) == json.loads(outs[1].stdout) == segment(text)
    assert segment(text) == segment(text)


# ------------------------------------------------------------------------------------------
# engines
# ------------------------------------------------------------------------------------------


def test_resolve_engine():
    assert resolve_engine("auto") == "rjieba"
    assert resolve_engine("auto", hmm=True) == "jieba"
    assert resolve_engine("jieba", hmm=True) == "jieba"
    assert resolve_engine("rjieba", hmm=True) == "rjieba"
    with pytest.raises(
        ValueError, match=r"engine must be one of 'auto', 'jieba', 'rjieba'; got 'pkuseg'"
    ):
        resolve_engine("pkuseg")
    with pytest.raises(ValueError, match="engine must be one of"):
        segment("医保", engine="fast")


def test_argument_checks():
    with pytest.raises(TypeError, match="text must be a str"):
        segment(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hmm must be True or False, got 'yes'"):
        segment("医保", hmm="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="drop_stopwords must be True or False"):
        segment("医保", drop_stopwords=1)  # type: ignore[arg-type]


def test_segment_drops_whitespace_and_keeps_every_other_character():
    text = "推进 医共体\t建设\n\n 发展\u3000AI+医疗  2025年 "
    tokens = segment(text)
    assert all(t.strip() == t and t for t in tokens)
    assert "".join(tokens) == re.sub(r"\s", "", text)


def test_drop_stopwords():
    text = "记者表示，2025年推进县域医共体建设的步伐加快。"
    assert segment(text, drop_stopwords=True) == ["推进", "县域医共体", "建设", "步伐", "加快"]
    # a stop list given as words replaces the bundled one; punctuation and numbers still go
    assert segment(text, drop_stopwords=True, stopwords=["步伐"]) == [
        "记者",
        "表示",
        "年",
        "推进",
        "县域医共体",
        "建设",
        "的",
        "加快",
    ]


def test_hmm_option_guesses_unknown_words():
    text = "郭晓雅介绍"
    assert segment(text) == ["郭", "晓", "雅", "介绍"]
    assert segment(text, hmm=True) == ["郭晓雅", "介绍"]


def test_engines_identical_on_odd_characters():
    text = (
        "㐀医院𠀀龥鿐ＡＩ＋医疗①™😀é\u200b医保\u3000“DeepSeek-R1”"
        "https://www.news.cn/a?id=1 3.5% 2025-02-23"
    )
    assert segment(text, engine="jieba") == segment(text, engine="rjieba")


def test_engines_identical_on_seed_files(seeds_dir):
    lines = [ln for ln in seed_lines(seeds_dir) if ln.strip()]
    assert len(lines) > 500
    jieba_tokens = [segment(ln, engine="jieba") for ln in lines]
    rjieba_tokens = [segment(ln, engine="rjieba") for ln in lines]
    assert jieba_tokens == rjieba_tokens
    # and the same without the user dictionary
    sample = lines[::7]
    assert [segment(ln, engine="jieba", userdict=()) for ln in sample] == [
        segment(ln, engine="rjieba", userdict=()) for ln in sample
    ]


def test_engines_identical_on_seed_articles(seed_corpus):
    arts = seed_corpus.articles
    assert len(arts) > 5
    a = tokenize(arts, engine="jieba", cache=False)
    b = tokenize(arts, engine="rjieba", cache=False)
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------------------------------
# tokenize
# ------------------------------------------------------------------------------------------


def test_tokenize_hand_example():
    arts = pd.DataFrame(
        {"article_id": ["d#1"], "title": ["x"], "body": ["推进医共体建设。\n发展5G+医疗！“好”再说"]}
    )
    out = tokenize(arts, cache=False)
    assert list(out.columns) == [*TOKEN_COLUMNS, "is_stopword"]
    expected = pd.DataFrame(
        {
            "paragraph": [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
            "sentence": [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
            "position": list(range(12)),
            "start": [0, 2, 5, 7, 9, 11, 14, 16, 17, 18, 19, 20],
            "end": [2, 5, 7, 8, 11, 14, 16, 17, 18, 19, 20, 22],
            "token": [
                "推进",
                "医共体",
                "建设",
                "。",
                "发展",
                "5G+",
                "医疗",
                "！",
                "“",
                "好",
                "”",
                "再说",
            ],
            "is_stopword": [
                False,
                False,
                False,
                True,
                False,
                False,
                False,
                True,
                True,
                False,
                True,
                False,
            ],
        }
    )
    got = out.drop(columns="article_id").astype({"token": "str"})
    got = got.astype({c: "int64" for c in ("paragraph", "sentence", "position", "start", "end")})
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert (out["article_id"] == "d#1").all()


def test_tokenize_sentences_and_paragraphs():
    body = "第一句。第二句！“第三句？”然后；最后\n见https://a.cn/x?id=1的说明?好\n\n末段"
    out = tokenize(pd.DataFrame({"article_id": ["a"], "body": [body]}), cache=False)
    tokens = out["token"].astype(str).tolist()
    sent = dict(zip(tokens, out["sentence"], strict=False))
    assert sent["第一句"] == 0
    assert sent["第二句"] == 1
    assert sent["第三句"] == sent["”"] == 2  # the closing quote belongs to the sentence it closes
    assert sent["然后"] == 3
    assert sent["最后"] == 4
    assert sent["见"] == sent["说明"] == 5  # "?" inside a URL does not end a sentence
    assert sent["好"] == 6
    assert sent["末段"] == 7  # the empty line gets no sentence number
    para = dict(zip(tokens, out["paragraph"], strict=False))
    assert (para["第一句"], para["最后"], para["见"], para["末段"]) == (0, 0, 1, 3)


def test_vectorised_sentence_ends_match_regex(seeds_dir):
    text = "\n".join(seed_lines(seeds_dir)) + "？！”end?x。）?"
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    fast = seg._sentence_ends(seg._char_flags()[codes]).tolist()
    slow = [m.end() for m in seg._SENTENCE_END.finditer(text)]
    assert len(slow) > 100
    assert fast == slow


def test_tokenize_invariants_many_bodies():
    bodies = [
        "",
        "医保",
        "  前后有空格  ",
        "第一段。\n\n第三段有DeepSeek-R1和5G+！\n",
        "全角空格\u3000分隔，数字3.5%和2025年。",
        None,
    ]
    arts = pd.DataFrame({"article_id": [f"x{i}" for i in range(len(bodies))], "body": bodies})
    out = tokenize(arts, cache=False)
    text = dict(zip(arts["article_id"], arts["body"].fillna(""), strict=True))
    for row in out.itertuples():
        body = text[row.article_id]
        assert body[row.start : row.end] == row.token
        assert row.paragraph == body[: row.start].count("\n")
    assert not out["token"].astype(str).str.contains(r"\s").any()
    for _, grp in out.groupby("article_id", observed=True):
        assert grp["position"].tolist() == list(range(len(grp)))
        assert grp["sentence"].is_monotonic_increasing
    assert list(out["article_id"].cat.categories) == list(arts["article_id"])
    assert set(out["article_id"]) == {"x1", "x2", "x3", "x4"}
    # tokens equal segment() of each body
    for aid, body in text.items():
        assert out.loc[out["article_id"] == aid, "token"].astype(str).tolist() == segment(body)


def test_tokenize_dtypes_and_input_order():
    arts = pd.DataFrame({"article_id": ["b", "a"], "body": ["医共体和医联体", "电子病历的医联体"]})
    out = tokenize(arts, cache=False)
    assert isinstance(out["token"].dtype, pd.CategoricalDtype)
    assert isinstance(out["article_id"].dtype, pd.CategoricalDtype)
    assert list(out["token"].cat.categories) == sorted(out["token"].cat.categories)
    assert out["article_id"].astype(str).tolist() == ["b"] * 3 + ["a"] * 3
    assert out["token"].astype(str).tolist() == [
        "医共体",
        "和",
        "医联体",
        "电子病历",
        "的",
        "医联体",
    ]
    assert out["is_stopword"].tolist() == [False, True, False, False, True, False]


def test_tokenize_accepts_corpus_like_and_integer_ids():
    arts = pd.DataFrame({"article_id": [10, 20], "body": ["医保", "医共体"]})
    out = tokenize(SimpleNamespace(articles=arts), cache=False)
    assert out["article_id"].tolist() == [10, 20]
    merged = out.merge(arts.assign(region=["x", "y"]), on="article_id")
    assert merged["region"].tolist() == ["x", "y"]


def test_tokenize_batches_give_same_result(monkeypatch):
    arts = pd.DataFrame(
        {
            "article_id": list("abcde"),
            "body": ["推进医共体建设。", "", "医保\n支付", "DRG和DIP", "数据要素"],
        }
    )
    big = tokenize(arts, cache=False)
    monkeypatch.setattr(seg, "_BATCH_CHARS", 3)
    small = tokenize(arts, cache=False)
    pd.testing.assert_frame_equal(big, small)


def test_tokenize_stopwords_param():
    arts = pd.DataFrame({"article_id": ["a"], "body": ["推进医共体的建设，2025年"]})
    out = tokenize(arts, stopwords=["推进"], cache=False)
    flags = dict(zip(out["token"].astype(str), out["is_stopword"], strict=True))
    assert flags == {
        "推进": True,
        "医共体": False,
        "的": False,
        "建设": False,
        "，": True,
        "2025": True,
        "年": False,
    }


def test_tokenize_argument_errors():
    with pytest.raises(ValueError, match="unique; 'a' occurs more than once"):
        tokenize(pd.DataFrame({"article_id": ["a", "a"], "body": ["x", "y"]}), cache=False)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['body'\]"):
        tokenize(pd.DataFrame({"article_id": ["a"], "text": ["x"]}), cache=False)
    with pytest.raises(ValueError, match="must be a DataFrame or a Corpus"):
        tokenize(["医保"], cache=False)
    with pytest.raises(ValueError, match="progress must be True or False"):
        tokenize(pd.DataFrame({"article_id": ["a"], "body": ["x"]}), cache=False, progress="auto")


def test_tokenize_progress_bar(capsys):
    arts = pd.DataFrame({"article_id": ["a"], "body": ["推进医共体建设"]})
    quiet = tokenize(arts, cache=False, progress=False)
    assert capsys.readouterr().err == ""
    loud = tokenize(arts, cache=False, progress=True)
    assert "segmenting" in capsys.readouterr().err
    pd.testing.assert_frame_equal(quiet, loud)
    tokenize(arts, cache=False)  # auto: short input, no terminal -> silent
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------------------------------
# cache
# ------------------------------------------------------------------------------------------


def _docs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": ["d1#1", "d1#2", "d2#1", "d3#1"],
            "doc_id": ["d1", "d1", "d2", "d3"],
            "body": [
                "推进医共体建设。",
                "发展互联网医院",
                "数据要素流通\n可信数据空间",
                "医保DRG改革",
            ],
        }
    )


@pytest.fixture
def calls(monkeypatch):
    """Record the bodies handed to the segmenter."""
    seen: list[str] = []
    real = seg._segment_batch

    def spy(bodies, *args, **kwargs):
        seen.extend(bodies)
        return real(bodies, *args, **kwargs)

    monkeypatch.setattr(seg, "_segment_batch", spy)
    return seen


def _forbid(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("segmented again although cached")

    monkeypatch.setattr(seg, "_segment_batch", boom)


def test_cache_second_run_reads_back(tmp_path, monkeypatch):
    arts = _docs()
    first = tokenize(arts, cache_dir=tmp_path)
    packs = list(tmp_path.glob("tokens/*/pack-*.parquet"))
    assert len(packs) == 1
    _forbid(monkeypatch)
    second = tokenize(arts, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(first, second)


def test_cache_equals_uncached(tmp_path):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(tokenize(arts, cache_dir=tmp_path), tokenize(arts, cache=False))


def test_cache_redoes_only_the_changed_document(tmp_path, calls):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    assert len(calls) == 4
    calls.clear()
    changed = arts.copy()
    changed.loc[1, "body"] = "发展互联网医院和远程医疗"
    out = tokenize(changed, cache_dir=tmp_path)
    assert calls == [
        "推进医共体建设。",
        "发展互联网医院和远程医疗",
    ]  # both articles of d1, nothing else
    pd.testing.assert_frame_equal(out, tokenize(changed, cache=False))
    calls.clear()
    tokenize(changed, cache_dir=tmp_path)
    assert calls == []


def test_cache_without_doc_id_is_per_article(tmp_path, calls):
    arts = _docs().drop(columns="doc_id")
    tokenize(arts, cache_dir=tmp_path)
    calls.clear()
    changed = arts.copy()
    changed.loc[2, "body"] = "数据要素"
    tokenize(changed, cache_dir=tmp_path)
    assert calls == ["数据要素"]


def test_cache_invalidated_by_dictionary(tmp_path, calls):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    calls.clear()
    words = load_userdict(extend=["医共体建设"])
    out = tokenize(arts, userdict=words, cache_dir=tmp_path)
    assert len(calls) == 4
    assert "医共体建设" in set(out["token"].astype(str))
    calls.clear()
    tokenize(arts, userdict=words, cache_dir=tmp_path)
    assert calls == []


def test_cache_invalidated_by_engine_and_hmm(tmp_path, calls):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    calls.clear()
    tokenize(arts, cache_dir=tmp_path, engine="jieba")
    assert len(calls) == 4
    calls.clear()
    tokenize(arts, cache_dir=tmp_path, engine="jieba", hmm=True)
    assert len(calls) == 4


def test_cache_keeps_stopwords_out_of_the_key(tmp_path, monkeypatch):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    _forbid(monkeypatch)
    out = tokenize(arts, cache_dir=tmp_path, stopwords=["推进"])
    flags = dict(zip(out["token"].astype(str), out["is_stopword"], strict=False))
    assert bool(flags["推进"]) is True
    assert bool(flags["医共体"]) is False


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WEEKLYLIB_CACHE_DIR", str(tmp_path / "env"))
    assert seg.default_cache_dir() == tmp_path / "env"
    tokenize(_docs())
    assert list((tmp_path / "env").glob("tokens/*/pack-*.parquet"))
    monkeypatch.delenv("WEEKLYLIB_CACHE_DIR")
    assert seg.default_cache_dir() == Path.home() / ".cache" / "weeklylib"


def test_cache_false_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("WEEKLYLIB_CACHE_DIR", str(tmp_path))
    tokenize(_docs(), cache=False)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_pack_is_ignored(tmp_path, calls):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    for pack in tmp_path.glob("tokens/*/pack-*.parquet"):
        pack.write_bytes(b"not parquet")
    calls.clear()
    out = tokenize(arts, cache_dir=tmp_path)
    assert len(calls) == 4
    pd.testing.assert_frame_equal(out, tokenize(arts, cache=False))


# ------------------------------------------------------------------------------------------
# seed corpus
# ------------------------------------------------------------------------------------------


def test_seed_corpus_tokens(seed_corpus, tmp_path):
    arts = seed_corpus.articles
    out = tokenize(arts, cache_dir=tmp_path)
    bodies = dict(zip(arts["article_id"], arts["body"], strict=True))
    starts = out["start"].to_numpy()
    ends = out["end"].to_numpy()
    toks = out["token"].astype(str).tolist()
    ids = out["article_id"].astype(str).tolist()
    assert all(bodies[a][s:e] == t for a, s, e, t in zip(ids, starts, ends, toks, strict=True))
    counts = out["token"].astype(str).value_counts()
    # domain terms of the digest survive as whole tokens
    for term in (
        "电子病历",
        "互联互通",
        "数据要素",
        "数据确权",
        "可信数据空间",
        "大模型",
        "DeepSeek-R1",
        "AI+医疗",
    ):
        assert counts.get(term, 0) >= 1, term
    assert "电子" not in counts or counts.get("电子", 0) < counts["电子病历"]


def test_damaged_pack_body_is_segmented_again(tmp_path, calls):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    (pack,) = tmp_path.glob("tokens/*/pack-*.parquet")
    data = pack.read_bytes()
    # keep the footer (schema + metadata) readable, break the column data before it
    footer = int.from_bytes(data[-8:-4], "little") + 8
    pack.write_bytes(data[:4] + b"\xff" * (len(data) - 4 - footer) + data[-footer:])
    assert seg._PackStore(pack.parent).index()  # the index still lists the pack
    calls.clear()
    out = tokenize(arts, cache_dir=tmp_path)
    assert len(calls) == 4
    pd.testing.assert_frame_equal(out, tokenize(arts, cache=False))


# ------------------------------------------------------------------------------------------
# fast paths: sentinels for protected words, token table from cut lengths, cache packs
# ------------------------------------------------------------------------------------------

# Protected words at the edges, next to each other, around "\r\n", next to Latin runs and to
# private-use characters (one of which weeklylib could otherwise pick as a sentinel).
EDGE_TEXTS = [
    "DRG",
    "DRGDIP",
    "DRG DIP",
    "5G+医疗健康",
    "推进DRG\r\nDIP改革\r",
    "\r5G+\n",
    "医保DRG改革；AI+医疗。DeepSeek-R1、ChatGPT和AIGC！",
    "ADRG分组与DRGs付费以及15G网络",
    "\ue000医保DRG\ue001改革\ue000",
    "".join(chr(c) for c in range(0xE000, 0xE040)) + "DRG付费",  # every candidate sentinel
    "数据要素×数据要素x人工智能+行动",
]


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
def test_sentinel_cut_equals_cutting_between_protected_words(seeds_dir, engine):
    dictionary = seg._compile_dictionary(seg._resolve_userdict(None))
    eng = seg._get_engine(engine, dictionary)
    texts = [*EDGE_TEXTS, "\n".join(seed_lines(seeds_dir))]
    for text in texts:
        expected = seg._cut_split(text, eng, dictionary, False)
        assert seg._cut_pieces(text, eng, dictionary, False) == expected, text
        lens = seg._cut_lengths(text, eng, dictionary, False, np.int64)
        assert lens.tolist() == [len(p) for p in expected], text
    if engine == "jieba":  # the HMM sees the same stretches too
        text = "郭晓雅介绍DRG改革，" + "\n".join(seed_lines(seeds_dir)[:200])
        assert seg._cut_pieces(text, eng, dictionary, True) == seg._cut_split(
            text, eng, dictionary, True
        )


def test_tokenize_odd_bodies_match_segment(tmp_path):
    bodies = [*EDGE_TEXTS, "有\x00空字符的DRG正文。", "😀医保DRG？http://a.cn/?x=1!\n第二段"]
    arts = pd.DataFrame({"article_id": [f"o{i}" for i in range(len(bodies))], "body": bodies})
    out = tokenize(arts, cache=False)
    for aid, body in zip(arts["article_id"], bodies, strict=True):
        rows = out[out["article_id"] == aid]
        assert rows["token"].astype(str).tolist() == segment(body), body
        assert all(body[s:e] == t for s, e, t in zip(rows["start"], rows["end"],
                                                     rows["token"].astype(str), strict=True))
    # the same from a cold and a warm cache
    pd.testing.assert_frame_equal(tokenize(arts, cache_dir=tmp_path), out)
    pd.testing.assert_frame_equal(tokenize(arts, cache_dir=tmp_path), out)


def test_tokenize_matches_a_plain_reference_on_seed_articles(seed_corpus):
    """Every column recomputed the slow, obvious way from segment() and the body."""
    arts = seed_corpus.articles
    out = tokenize(arts, cache=False)
    stop = load_stopwords()
    rows = []
    for aid, body in zip(arts["article_id"], arts["body"], strict=True):
        pos = 0
        sentence, last_limit = -1, None
        limits = sorted({m.end() for m in seg._SENTENCE_END.finditer(body)}
                        | {i + 1 for i, c in enumerate(body) if c == "\n"})
        for k, tok in enumerate(segment(body)):
            start = body.index(tok, pos)
            pos = start + len(tok)
            limit = max((b for b in limits if b <= start), default=0)
            if limit != last_limit:
                sentence, last_limit = sentence + 1, limit
            rows.append((aid, body.count("\n", 0, start), sentence, k, start, pos, tok,
                         is_stopword(tok, stop)))
    ref = pd.DataFrame(rows, columns=list(seg.TOKENIZE_COLUMNS))
    assert out["article_id"].astype(str).tolist() == ref["article_id"].tolist()
    for c in ("paragraph", "sentence", "position", "start", "end", "is_stopword"):
        assert out[c].tolist() == ref[c].tolist(), c
    assert out["token"].astype(str).tolist() == ref["token"].tolist()
    assert {c: str(out[c].dtype) for c in ("paragraph", "sentence", "position", "start", "end")} \
        == dict.fromkeys(("paragraph", "sentence", "position", "start", "end"), "int32")


def test_tokenize_first_batch_cannot_overflow_its_capacity(monkeypatch):
    # capacity = characters of the bodies; a body of only one-character tokens fills it
    arts = pd.DataFrame({"article_id": ["a", "b"], "body": ["，。！", "的了吗"]})
    monkeypatch.setattr(seg, "_BATCH_CHARS", 1)
    out = tokenize(arts, cache=False)
    assert out["token"].astype(str).tolist() == ["，", "。", "！", "的", "了", "吗"]
    assert out["position"].tolist() == [0, 1, 2, 0, 1, 2]


def test_cache_reads_blocks_back_in_any_input_order(tmp_path, calls):
    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    calls.clear()
    shuffled = arts.iloc[[3, 2, 0, 1]].reset_index(drop=True)  # documents in another order
    out = tokenize(shuffled, cache_dir=tmp_path)
    assert calls == []
    pd.testing.assert_frame_equal(out, tokenize(shuffled, cache=False))
    # a subset of the cached documents: words of the others are no categories
    subset = arts[arts["doc_id"] == "d3"].reset_index(drop=True)
    calls.clear()
    out = tokenize(subset, cache_dir=tmp_path)
    assert calls == []
    pd.testing.assert_frame_equal(out, tokenize(subset, cache=False))
    assert "推进" not in set(out["token"].cat.categories)


def test_cache_mixes_cached_and_new_documents(tmp_path, calls):
    arts = _docs()
    tokenize(arts.iloc[[0, 1, 3]], cache_dir=tmp_path)  # d1, d3
    calls.clear()
    out = tokenize(arts, cache_dir=tmp_path)
    assert calls == ["数据要素流通\n可信数据空间"]  # only d2
    pd.testing.assert_frame_equal(out, tokenize(arts, cache=False))
    assert len(list(tmp_path.glob("tokens/*/pack-*.parquet"))) == 2
    calls.clear()
    pd.testing.assert_frame_equal(tokenize(arts, cache_dir=tmp_path), out)
    assert calls == []


def test_cache_key_does_not_depend_on_body_storage(tmp_path, calls):
    arts = _docs()
    arts.loc[3, "body"] = None  # a missing body is an empty one
    as_object = arts.astype({"body": object})
    first = tokenize(as_object, cache_dir=tmp_path)
    calls.clear()
    second = tokenize(arts, cache_dir=tmp_path)  # pandas' default (Arrow-backed) strings
    assert calls == []
    pd.testing.assert_frame_equal(first, second)
    assert "d3#1" not in set(second["article_id"].astype(str))


def test_inconsistent_pack_metadata_is_segmented_again(tmp_path, calls):
    import pyarrow.parquet as pq

    arts = _docs()
    tokenize(arts, cache_dir=tmp_path)
    (pack,) = tmp_path.glob("tokens/*/pack-*.parquet")
    table = pq.read_table(pack)
    meta = dict(table.schema.metadata)
    meta[seg._PACK_VOCAB] = b"\n".join(meta[seg._PACK_VOCAB].split(b"\n")[:2])  # words lost
    pq.write_table(table.replace_schema_metadata(meta), pack)
    calls.clear()
    out = tokenize(arts, cache_dir=tmp_path)
    assert len(calls) == 4
    pd.testing.assert_frame_equal(out, tokenize(arts, cache=False))


def test_pack_holds_int32_columns_and_no_derived_ones(tmp_path):
    import pyarrow.parquet as pq

    tokenize(_docs(), cache_dir=tmp_path)
    (pack,) = tmp_path.glob("tokens/*/pack-*.parquet")
    schema = pq.read_schema(pack)
    assert schema.names == ["paragraph", "sentence", "start", "token"]
    assert {str(t) for t in schema.types} == {"int32"}


def test_rjieba_is_loaded_without_its_default_tokenizer():
    code = (
        "import sys\n"
        "from weeklylib.segment import segment\n"
        "assert segment('推进医共体建设') == ['推进', '医共体', '建设']\n"
        "assert 'rjieba' not in sys.modules and 'rjieba.rjieba' in sys.modules\n"
        "import rjieba\n"  # a later ordinary import still works
        "assert rjieba.cut('医共体', hmm=False) == ['医', '共', '体']\n"
        "assert rjieba.Jieba is sys.modules['rjieba.rjieba'].Jieba\n"
        "print('ok')\n"
    )
    r = run_python(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_base_dictionary_parse_matches_plain_split():
    path = seg._jieba_dir() / "dict.txt"
    needed = {"医疗", "数据", "医", "不存在的词"}
    fields = path.read_text(encoding="utf-8").split()
    words, freqs = fields[0::3], fields[1::3]
    plain = {w: int(f) for w, f in zip(words, freqs, strict=True) if w in needed}
    assert seg._read_base_dictionary(path, needed) == (plain, sum(map(int, freqs)), len(words))
