"""Cleaning steps as (text_in, text_out) tables."""

from __future__ import annotations

import pytest

from weeklylib import clean


@pytest.mark.parametrize(("text_in", "text_out"), [
    ("2025 年 7 月 3 日", "2025年7月3日"),
    ("从 2025 年 7 月 5 日到 2025 年 7月 11 日，", "从2025年7月5日到2025年7月11日，"),
    ("医疗 AI 应用", "医疗AI应用"),
    ("基于 AGI（Artificial General Intelligence，通用人工智能）", "基于AGI（Artificial General Intelligence，通用人工智能）"),
    ("DeepSeek-R1 671B 大模型", "DeepSeek-R1 671B大模型"),
    ("就诊率达 91.74 %，", "就诊率达91.74%，"),
    ("共收集 3 篇", "共收集3篇"),
    ("“AI+医疗” 产业化", "“AI+医疗”产业化"),
    ("Large Language Model", "Large Language Model"),
])
def test_remove_cjk_spaces(text_in, text_out):
    assert clean.remove_cjk_spaces(text_in) == text_out


@pytest.mark.parametrize(("text_in", "text_out"), [
    ("近年来,人工智能", "近年来，人工智能"),
    ("业内人士评价:“这不是", "业内人士评价：“这不是"),
    ("来真的!不做旁观者!", "来真的！不做旁观者！"),
    ("王桂芝(化名)打开手机", "王桂芝（化名）打开手机"),
    ("《行动计划(2024—2026年)》", "《行动计划（2024—2026年）》"),
    ("共 1,000 人", "共 1,000 人"),            # thousands separator stays
    ("傅小云 : 建言 , 数据", "傅小云：建言，数据"),  # spaces around the mark go too
    ("10:30 开会", "10:30 开会"),               # a time stays
    ("see f(x), then", "see f(x), then"),      # Latin text stays
    ("数据，要素：治理。", "数据，要素：治理。"),  # full-width is never turned into ASCII
])
def test_normalize_punctuation(text_in, text_out):
    assert clean.normalize_punctuation(text_in) == text_out


@pytest.mark.parametrize(("text_in", "text_out"), [
    ("２０２５年ＡＩ", "2025年AI"),
    ("医疗\u3000健康", "医疗 健康"),
    ("数\u200b据\ufeff", "数据"),
    ("增长５％", "增长5%"),
])
def test_normalize_chars(text_in, text_out):
    assert clean.normalize_chars(text_in) == text_out


def test_clean_text_chains_every_step():
    assert clean.clean_text(" 题：[傅小云 : 建言](#) 2 月 23 日 ") == "题：傅小云：建言2月23日"


def test_make_pipeline_requires_steps():
    with pytest.raises(ValueError, match="at least one step"):
        clean.make_pipeline()


@pytest.mark.parametrize(("a", "b", "joined"), [
    ("破解基层看病", "难", "破解基层看病难"),
    ("（Artificial", "General Intelligence", "（Artificial General Intelligence"),
    ("全国首单医疗数据资产", "使用费", "全国首单医疗数据资产使用费"),
    ("版本 2", "0 发布", "版本 2 0 发布"),
])
def test_join_wrapped(a, b, joined):
    assert clean.join_wrapped(a, b) == joined


def test_display_width_counts_cjk_double():
    assert clean.display_width("医疗AI") == 6
    assert clean.display_width("，。") == 4


def test_clean_paragraphs_equals_cleaning_each_paragraph():
    """The one-pass body cleaner must give exactly what per-paragraph cleaning gives."""
    import random

    pieces = ["(GRAIDS)系统上线", "王桂芝(化名)打开手机", "近年来,人工智能", "## B 标题", "see f(x), then",
              "(完)", "医疗 AI 应用 ， 2025", "**粗体**[链接](#)", "91.74 %", " 前后空格 ", "1. 5 倍",
              "中 , x", "x , y", "“引号” (注)", "１ ２"]
    rng = random.Random(0)
    for _ in range(500):
        sample = rng.choices(pieces, k=rng.randint(1, 6))
        assert clean.clean_paragraphs(sample) == [clean.clean_text(p) for p in sample], sample
