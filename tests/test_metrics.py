"""Tests for weeklylib.metrics: ratings, indicators, place attribution, comparisons."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from weeklylib.errors import DataFileError
from weeklylib.metrics import (
    METRIC_COLUMNS,
    RATING_COLUMNS,
    compare_regions,
    extract_metrics,
    indicator_comparison,
    load_metric_vocabulary,
    ratings_by_province,
)

NO_PLACES = pd.DataFrame()


def run(*bodies: str, **kw) -> pd.DataFrame:
    arts = pd.DataFrame({"article_id": [f"d#{i + 1}" for i in range(len(bodies))],
                         "title": [f"标题{i + 1}" for i in range(len(bodies))],
                         "body": list(bodies)})
    kw.setdefault("places", NO_PLACES)
    return extract_metrics(arts, **kw)


def rows(body: str, **kw) -> list[dict]:
    """Rows as dicts, with missing years as None."""
    out = run(body, **kw).to_dict("records")
    for r in out:
        r["year"] = None if pd.isna(r["year"]) else int(r["year"])
    return out


def facts(body: str, **kw) -> list[tuple]:
    """(metric, value, unit, grade) per row."""
    return [(r["metric"], r["value"], r["unit"], r["grade"]) for r in rows(body, **kw)]


# --------------------------------------------------------------------------- ratings


@pytest.mark.parametrize(
    ("body", "expected", "matched"),
    [
        ("徐州仁慈医院顺利通过电子病历六级评审。", ("emr_level", 6.0, "级", ""), "电子病历六级"),
        ("该院电子病历应用水平6级。", ("emr_level", 6.0, "级", ""), "电子病历应用水平6级"),
        ("医院通过电子病历五级评审。", ("emr_level", 5.0, "级", ""), "电子病历五级"),
        ("十年前在五级电子病历上起步。", ("emr_level", 5.0, "级", ""), "五级电子病历"),
        ("电子病历系统应用水平分级评价结果为七级。", ("emr_level", 7.0, "级", ""),
         "电子病历系统应用水平分级评价结果为七级"),
        ("通过互联互通标准化成熟度测评四级甲等。", ("interop_level", 4.0, "级", "甲"),
         "互联互通标准化成熟度测评四级甲等"),
        ("医院已通过互联互通四甲。", ("interop_level", 4.0, "级", "甲"), "互联互通四甲"),
        ("医院获评互联互通五乙。", ("interop_level", 5.0, "级", "乙"), "互联互通五乙"),
        ("医院通过五级乙等互联互通测评。", ("interop_level", 5.0, "级", "乙"), "五级乙等互联互通"),
        ("通过国家医疗健康信息互联互通标准化成熟度测评三级。", ("interop_level", 3.0, "级", ""),
         "国家医疗健康信息互联互通标准化成熟度测评三级"),
        ("医院通过智慧服务三级评审。", ("smart_service_level", 3.0, "级", ""), "智慧服务三级"),
        ("医院获评三级智慧服务医院。", ("smart_service_level", 3.0, "级", ""), "三级智慧服务"),
        ("医院智慧服务分级评估3级。", ("smart_service_level", 3.0, "级", ""),
         "医院智慧服务分级评估3级"),
        ("医院通过智慧管理分级评估二级。", ("smart_management_level", 2.0, "级", ""),
         "智慧管理分级评估二级"),
        ("医院电子病历应用水平达到８级。", ("emr_level", 8.0, "级", ""),
         "电子病历应用水平达到８级"),
        ("医院通过电子病历六 级评审。", ("emr_level", 6.0, "级", ""), "电子病历六 级"),
        ("該院電子病歷系統應用水平分級評價六級。", ("emr_level", 6.0, "级", ""),
         "電子病歷系統應用水平分級評價六級"),
        ("該院通過互聯互通四級甲等測評。", ("interop_level", 4.0, "级", "甲"), "互聯互通四級甲等"),
        ("EMR6级医院。", ("emr_level", 6.0, "级", ""), "EMR6级"),
    ],
)
def test_rating_phrasings(body, expected, matched):
    got = rows(body)
    assert [(r["metric"], r["value"], r["unit"], r["grade"]) for r in got] == [expected]
    assert got[0]["matched"] == matched
    assert body[got[0]["start"]:got[0]["end"]] == matched
    assert got[0]["kind"] == "rating"


@pytest.mark.parametrize(
    "body",
    [
        "全市三级甲等医院均已接入平台。",
        "三甲医院、三级医院和二级医院都在其中。",
        "二级以上公立医院全部接入。",
        "启动一级响应，应对3级以上风险。",
        "国家级和省级平台同步建设。",
        "联系电话0516-6431234。",
        "全省共有643家医院，643人参加培训，编号643。",
        "电子病历系统应用水平分级评价分为0-8级，共9个等级。",
        "标准分为0级至8级。",
        "构建县乡村三级智慧服务网络。",
        "市、县、乡3级医疗机构实现数据互通，打造形成“1+1+3”智慧服务体系。",
        "推进电子病历共享，三级医院率先完成。",
        "电子病历评级覆盖二级以上医院。",
        "推动县乡村三级互联互通。",
        "电子病历应用水平九级。",
        "智慧服务评级达到6级。",
        "智慧管理大模型首次亮相。",
        "答案藏在“643”这3个数字里。",
    ],
)
def test_rating_negatives(body):
    assert rows(body) == []


def test_rating_direction_and_year():
    got = rows("力争到2026年电子病历达到五级、智慧服务达到三级。")
    assert [(r["metric"], r["value"], r["direction"], r["year"]) for r in got] == [
        ("emr_level", 5.0, "target", 2026), ("smart_service_level", 3.0, "target", 2026)]
    got = rows("2025年7月，国家卫生健康委公布2024年度电子病历系统应用水平分级评价结果，"
               "徐州仁慈医院顺利通过电子病历六级评审。")
    assert [(r["metric"], r["direction"], r["year"], r["institution"]) for r in got] == [
        ("emr_level", "achieved", 2024, "徐州仁慈医院")]
    got = rows("这一理念推动仁慈医院成为徐州首家智慧服务三级医院。")
    assert [(r["direction"], r["institution"]) for r in got] == [("achieved", "仁慈医院")]
    got = rows("医院计划创建电子病历五级。")
    assert got[0]["direction"] == "target"
    got = rows("医院电子病历六级。")
    assert got[0]["direction"] == ""


def test_rating_from_to_and_qualifiers():
    got = rows("该院电子病历评级从四级提升至五级。")
    assert [(r["value"], r["baseline"], r["trend"]) for r in got] == [(5.0, 4.0, "up")]
    got = rows("三级公立医院电子病历应用水平达到4级以上。")
    assert [(r["value"], r["qualifier"], r["direction"]) for r in got] == [
        (4.0, "以上", "achieved")]
    got = rows("全省二级以上公立医院电子病历应用水平平均级别达到3.8级。")
    assert [(r["value"], r["qualifier"]) for r in got] == [(3.8, "平均")]
    assert rows("电子病历应用水平达到3.8级。") == []  # decimals only for averages


def test_643_decoded_in_context():
    body = "作为徐州唯一完成智慧医院“643”建设目标的医疗机构，徐州仁慈医院此次签约。"
    got = rows(body)
    assert [(r["metric"], r["value"], r["grade"]) for r in got] == [
        ("emr_level", 6.0, ""), ("interop_level", 4.0, "甲"), ("smart_service_level", 3.0, "")]
    assert {r["matched"] for r in got} == {"643"}
    assert {r["direction"] for r in got} == {"achieved"}
    assert {r["institution"] for r in got} == {"徐州仁慈医院"}
    assert all(body[r["start"]:r["end"]] == "643" for r in got)


def test_643_unquoted_next_to_a_rating_word():
    got = rows("该院实现智慧医院643建设目标。")
    assert [(r["metric"], r["value"], r["grade"]) for r in got] == [
        ("emr_level", 6.0, ""), ("interop_level", 4.0, "甲"), ("smart_service_level", 3.0, "")]
    assert rows("该院共有643名职工参与智慧医院建设。") == []


def test_rating_named_once_then_bare_level_review():
    got = rows("国家卫生健康委公布2023年度电子病历系统应用水平分级评价高级别医院名单，"
               "我省5家医院通过五级评审，其中省人民医院通过六级评审。")
    assert [(r["metric"], r["value"], r["matched"], r["year"]) for r in got] == [
        ("emr_level", 5.0, "五级评审", 2023), ("emr_level", 6.0, "六级评审", 2023)]
    # two schemes named: a bare level cannot be attributed
    assert len(rows("电子病历和互联互通测评结果公布，医院通过五级评审。")) == 0


def test_643_context_from_other_sentence_of_same_article():
    body = "从『643』到『数据确权』。答案藏在“643”这3个数字里。医院达成智慧医院建设“643”目标。"
    got = run(body)
    assert len(got) == 9
    assert list(got["start"].unique()) == [2, body.index("643", 10), body.rindex("643")]
    # without a smart-hospital word anywhere, a quoted 643 is not a rating
    assert run("从『643』到『数据确权』。答案藏在“643”这3个数字里。").empty


# --------------------------------------------------------------------------- indicators


def test_indicators_rates_and_percentage_points():
    got = rows("2024年三都自治县域内就诊率达91.74%，人次同比增长5.71%。"
               "使群众看病就医满意度达90%以上，群众投诉率下降16个百分点。")
    assert [(r["metric"], r["value"], r["unit"], r["qualifier"], r["direction"],
             r["value_type"], r["year"]) for r in got] == [
        ("county_visit_rate", 91.74, "%", "达", "", "level", 2024),
        ("outpatient_visits", 5.71, "%", "", "增长", "change", 2024),
        ("satisfaction_rate", 90.0, "%", "以上", "", "level", None),
        ("complaint_rate", 16.0, "个百分点", "", "下降", "change", None),
    ]
    assert got[0]["sentence"] == "2024年三都自治县域内就诊率达91.74%，人次同比增长5.71%。"
    units = [r["unit"] for r in rows("满意度提升5%，投诉率下降3百分点。")]
    assert units == ["%", "个百分点"]


def test_indicators_bedside_and_saved_time():
    got = rows("东阿县人民医院院长孟祥宝透露，床旁入院办理率100%，出院结算率86%，"
               "患者平均节省入院时间21分钟、出院时间62分钟。")
    assert [(r["metric"], r["value"], r["unit"], r["direction"], r["value_type"])
            for r in got] == [
        ("bedside_admission_rate", 100.0, "%", "", "level"),
        ("discharge_settlement_rate", 86.0, "%", "", "level"),
        ("admission_time", 21.0, "分钟", "节省", "change"),
        ("discharge_time", 62.0, "分钟", "节省", "change"),
    ]
    assert [r["matched"] for r in got][2:] == ["节省入院时间21分钟", "出院时间62分钟"]
    assert {r["institution"] for r in got} == {"东阿县人民医院"}


def test_indicators_changes_and_spaces():
    body = ("“虚拟病房”让患者无需转科即可享受多专科联合诊疗，平均住院日缩短 1.1 天；"
            "患者平均住院等待时间缩短30%，床位周转率提升20%。")
    got = rows(body)
    assert [(r["metric"], r["value"], r["unit"], r["direction"], r["trend"]) for r in got] == [
        ("avg_length_of_stay", 1.1, "天", "缩短", "down"),
        ("wait_time", 30.0, "%", "缩短", "down"),
        ("bed_turnover", 20.0, "%", "提升", "up"),
    ]
    assert got[0]["matched"] == "平均住院日缩短 1.1 天"
    assert got[0]["value_text"] == "1.1"
    assert rows("县域内就诊率达 91.74 %。")[0]["value"] == 91.74


def test_indicators_from_to():
    got = rows("平均耗时从3.5小时缩短至2.8小时。")
    assert [(r["metric"], r["value"], r["baseline"], r["unit"], r["trend"], r["value_type"])
            for r in got] == [("time_taken", 2.8, 3.5, "小时", "down", "level")]
    got = rows("血糖达标调整时间由平均 6.1 天缩短至 3.8 天，住院频次显著下降。")
    assert [(r["value"], r["baseline"], r["unit"]) for r in got] == [(3.8, 6.1, "天")]
    got = rows("患者满意度从85%提高到97.5%。")
    assert [(r["metric"], r["value"], r["baseline"], r["trend"]) for r in got] == [
        ("satisfaction_rate", 97.5, 85.0, "up")]
    got = rows("平均住院日降至7.2天。")
    assert [(r["value"], r["value_type"], r["trend"]) for r in got] == [(7.2, "level", "down")]
    assert math.isnan(got[0]["baseline"])


def test_indicators_counts_and_qualifiers():
    got = rows("在全国范围内累计服务超过10亿人次，累计服务了超过690万人次。")
    assert [(r["metric"], r["value"], r["unit"], r["qualifier"], r["value_text"])
            for r in got] == [
        ("service_volume", 1e9, "人次", "超过", "10亿"),
        ("service_volume", 6.9e6, "人次", "超过", "690万"),
    ]
    got = rows("2024年全市医疗卫生机构门诊量达1.87亿人次。")
    assert [(r["metric"], r["value"], r["unit"], r["year"]) for r in got] == [
        ("outpatient_visits", 1.87e8, "人次", 2024)]
    got = rows("数据显示，医院年手术量超3万台，服务半径达200公里，外埠患者占比近30%。")
    assert [(r["metric"], r["value"], r["unit"], r["qualifier"]) for r in got] == [
        ("surgery_count", 30000.0, "台", "超"),
        ("service_radius", 200.0, "公里", "达"),
        ("nonlocal_patient_share", 30.0, "%", "近"),
    ]
    got = rows("已成功完成300余例介入手术，购入30台手术机器人。")
    assert [(r["metric"], r["value"], r["unit"], r["qualifier"], r["matched"]) for r in got] == [
        ("surgery_count", 300.0, "例", "余", "300余例介入手术")]
    got = rows("诊断准确率约95%，灵敏度逾90%。")
    assert [(r["metric"], r["qualifier"]) for r in got] == [
        ("accuracy_rate", "约"), ("sensitivity", "逾")]


def test_indicators_full_width_and_verb_first():
    got = rows("患者满意度达９５．５％。")
    assert [(r["value"], r["unit"], r["value_text"]) for r in got] == [(95.5, "%", "９５．５")]
    got = rows("新系统缩短患者等待时间30%，降低药占比2个百分点。")
    assert [(r["metric"], r["value"], r["unit"], r["direction"]) for r in got] == [
        ("wait_time", 30.0, "%", "缩短"), ("drug_share", 2.0, "个百分点", "降低")]


def test_indicators_respectively_lists():
    got = rows("该院门诊量、住院量分别增长12%和8%。")
    assert [(r["metric"], r["value"], r["direction"]) for r in got] == [
        ("outpatient_visits", 12.0, "增长"), ("inpatient_admissions", 8.0, "增长")]
    got = rows("平均住院日、药占比分别下降1.2天和3个百分点。")
    assert [(r["metric"], r["value"], r["unit"]) for r in got] == [
        ("avg_length_of_stay", 1.2, "天"), ("drug_share", 3.0, "个百分点")]
    got = rows("准确率和敏感度分别达到95%、90%。")
    assert [(r["metric"], r["value"]) for r in got] == [("accuracy_rate", 95.0),
                                                        ("sensitivity", 90.0)]
    # one name for two values, or more values than names: which is which is unknown
    assert rows("门诊和住院满意度分别为95%和93%。") == []
    assert rows("门诊量、住院量分别增长12%、8%和5%。") == []


def test_indicators_more_phrasings():
    cases = {
        "门诊患者平均等候时间由原来的45分钟缩短至15分钟。": ("wait_time", 15.0, 45.0, "分钟"),
        "报告出具时间由2小时缩短至30分钟。": ("report_time", 30.0, 120.0, "分钟"),
        "全院平均住院日由8.5天降至7.9天。": ("avg_length_of_stay", 7.9, 8.5, "天"),
    }
    for body, (metric, value, baseline, unit) in cases.items():
        got = rows(body)
        assert [(r["metric"], r["value"], r["baseline"], r["unit"]) for r in got] == [
            (metric, value, baseline, unit)], body
    got = rows("门诊量突破200万人次，服务人次同比增长10%，远程会诊量同比增长35%。")
    assert [(r["metric"], r["value"], r["unit"], r["qualifier"]) for r in got] == [
        ("outpatient_visits", 2e6, "人次", "突破"), ("service_volume", 10.0, "%", ""),
        ("online_consultations", 35.0, "%", "")]
    got = rows("每年节约成本约200万元，医生工作效率提升30%以上，识别效率提高10倍。")
    assert [(r["metric"], r["value"], r["unit"], r["direction"]) for r in got] == [
        ("cost", 2e6, "元", "节约"), ("efficiency", 30.0, "%", "提升"),
        ("efficiency", 10.0, "倍", "提高")]
    got = rows("服务时间延长2小时。")
    assert [(r["metric"], r["trend"], r["value_type"]) for r in got] == [
        ("time_taken", "up", "change")]


@pytest.mark.parametrize(
    "body",
    [
        "满意度调查覆盖2000份问卷。",
        "基层诊疗量占比达65%。",
        "CT检查预约等待时间从3天缩短到当天。",
        "会议时间为2小时。",
        "服务时间为每天8小时。",
        "县乡村智慧服务三级联动。",
        "实现省市县乡四级互联互通。",
        "实现四级互联互通。",
        "实现电子病历互联互通三级医院全覆盖。",
        "满意度90%-95%。",
        "时间从2025年7月5日到2025年7月11日。",
        "服务不少于100家企业。",
        "满意度持续提升，效率大幅提高。",
        "交易总额9759元。",
        "仅10分钟就拿到了检查结果。",
        "今晨血糖7.8mmol/L，较基线下降1.2。",
        "智慧服务体系覆盖2000万人。",
        "建设周期用时1年。",
    ],
)
def test_indicator_negatives(body):
    assert rows(body) == []


def test_several_indicators_and_sentences():
    body = "患者平均住院日缩短0.5天，术后并发症减少25%，家庭陪护成本降低80%。另一句没有数字。"
    got = run(body)
    assert list(got["metric"]) == ["avg_length_of_stay", "complication_rate", "cost"]
    assert set(got["sentence"]) == {
        "患者平均住院日缩短0.5天，术后并发症减少25%，家庭陪护成本降低80%。"}
    assert all(body[s:e] == m for s, e, m in zip(got["start"], got["end"], got["matched"],
                                                 strict=True))


# --------------------------------------------------------------------------- table contract


def test_columns_dtypes_order_and_determinism():
    bodies = ["满意度达95%。医院通过电子病历五级评审。", "", "没有指标。", "床位周转率提升20%。"]
    arts = pd.DataFrame({"article_id": ["x#10", "x#2", "x#3", "x#1"], "body": bodies})
    m1 = extract_metrics(arts, places=NO_PLACES)
    m2 = extract_metrics(arts.iloc[::-1].reset_index(drop=True), places=NO_PLACES)
    assert tuple(m1.columns) == METRIC_COLUMNS
    pd.testing.assert_frame_equal(m1, m2)
    assert list(m1["article_id"]) == ["x#1", "x#10", "x#10"]  # natural order
    assert list(m1["metric"]) == ["bed_turnover", "satisfaction_rate", "emr_level"]
    assert str(m1["value"].dtype) == "float64"
    assert str(m1["year"].dtype) == "Int64"
    assert str(m1["start"].dtype) == "int64"
    assert list(m1["title"]) == ["", "", ""]
    empty = extract_metrics(arts.iloc[[1, 2]], places=NO_PLACES)
    assert tuple(empty.columns) == METRIC_COLUMNS
    assert empty.empty


def test_input_is_not_mutated():
    arts = pd.DataFrame({"article_id": ["a#1"], "body": ["满意度达95%。"]})
    before = arts.copy()
    extract_metrics(arts, places=NO_PLACES)
    pd.testing.assert_frame_equal(arts, before)


def test_argument_errors():
    with pytest.raises(ValueError, match="articles must be a pandas DataFrame"):
        extract_metrics(["满意度达95%"])
    with pytest.raises(ValueError, match=r"missing \['body'\]"):
        extract_metrics(pd.DataFrame({"article_id": ["a"]}))
    arts = pd.DataFrame({"article_id": ["a"], "body": ["满意度达95%。"]})
    with pytest.raises(ValueError, match="vocabulary must be None"):
        extract_metrics(arts, vocabulary=42)
    with pytest.raises(ValueError, match="places must be None or a DataFrame"):
        extract_metrics(arts, places=[1])
    with pytest.raises(ValueError, match="places must have columns"):
        extract_metrics(arts, places=pd.DataFrame({"article_id": ["a"]}))
    with pytest.raises(ValueError, match="regions must be None or a DataFrame"):
        extract_metrics(arts, places=NO_PLACES, regions="山东省")
    with pytest.raises(ValueError, match="regions must have columns"):
        extract_metrics(arts, places=NO_PLACES, regions=pd.DataFrame({"article_id": ["a"]}))


# --------------------------------------------------------------------------- places


def _places(*rows_: tuple) -> pd.DataFrame:
    """Place mentions from (article_id, field, text, mention, province, city, nth)."""
    out = []
    for aid, field, text, mention, province, city, *nth in rows_:
        start = -1
        for _ in range((nth or [1])[0]):
            start = text.index(mention, start + 1)
        out.append((aid, field, start, start + len(mention), province, city))
    return pd.DataFrame(out, columns=["article_id", "field", "start", "end", "province", "city"])


def test_place_nearest_mention_in_sentence_then_article_then_national():
    body = ("聊城市东阿县人民医院床旁入院办理率100%，贵州省满意度达95%。"
            "平均住院日缩短1.1天。全国县域内就诊率达90%。")
    places = _places(("a#1", "body", body, "聊城市", "山东省", "聊城市"),
                     ("a#1", "body", body, "贵州省", "贵州省", None),
                     ("a#1", "title", "北京新闻", "北京", "北京市", "北京市"))
    regions = pd.DataFrame({"article_id": ["a#1"], "province": ["山东省"], "city": ["聊城市"]})
    arts = pd.DataFrame({"article_id": ["a#1"], "body": [body]})
    got = extract_metrics(arts, places=places, regions=regions)
    assert [(r.metric, r.province, r.city, r.place_rule) for r in got.itertuples()] == [
        ("bedside_admission_rate", "山东省", "聊城市", "sentence"),
        ("satisfaction_rate", "贵州省", "", "sentence"),
        ("avg_length_of_stay", "山东省", "聊城市", "article"),
        ("county_visit_rate", "", "", "national"),
    ]


def test_place_article_fallback_needs_a_single_region():
    arts = pd.DataFrame({"article_id": ["a#1"], "body": ["平均住院日缩短1.1天。"]})
    two = pd.DataFrame({"article_id": ["a#1", "a#1"], "province": ["山东省", "贵州省"],
                        "city": ["", ""]})
    got = extract_metrics(arts, places=NO_PLACES, regions=two)
    assert (got["province"].iloc[0], got["place_rule"].iloc[0]) == ("", "")
    label = pd.DataFrame({"article_id": ["a#1"], "province": [None], "city": [None]})
    got = extract_metrics(arts, places=NO_PLACES, regions=label)
    assert got["province"].iloc[0] == ""


def test_places_from_the_regions_module():
    pytest.importorskip("weeklylib.regions")
    arts = pd.DataFrame({
        "article_id": ["a#1"], "title": ["山东聊城智慧医疗让患者告别折返跑"],
        "body": ["聊城持续深耕智慧医疗。“全院一张床”让患者平均住院等待时间缩短30%。"
                 "在东阿县人民医院，床旁入院办理率100%。"]})
    got = extract_metrics(arts)
    assert [(r.metric, r.province) for r in got.itertuples()] == [
        ("wait_time", "山东省"), ("bedside_admission_rate", "山东省")]
    assert list(got["place_rule"]) == ["article", "sentence"]
    assert list(got["title"]) == ["山东聊城智慧医疗让患者告别折返跑"] * 2


# --------------------------------------------------------------------------- vocabulary


def test_bundled_vocabulary_table():
    vocab = load_metric_vocabulary()
    table = vocab.table()
    assert {"emr_level", "interop_level", "smart_service_level", "smart_management_level",
            "county_visit_rate", "satisfaction_rate", "avg_length_of_stay"} <= set(table["metric"])
    assert table["metric"].is_unique
    assert load_metric_vocabulary() is vocab  # compiled once


def test_user_vocabulary_extends_and_replaces(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[indicator]]\nid = "green_rate"\nzh = "绿色通道率"\nen = "Green-channel rate"\n'
        'keywords = ["绿色通道率"]\nunits = ["%"]\n', encoding="utf-8")
    arts = pd.DataFrame({"article_id": ["a"], "body": ["绿色通道率达80%，满意度达95%。"]})
    ext = load_metric_vocabulary(path, extend=True)
    got = extract_metrics(arts, vocabulary=ext, places=NO_PLACES)
    assert list(got["metric"]) == ["green_rate", "satisfaction_rate"]
    only = extract_metrics(arts, vocabulary=path, places=NO_PLACES)
    assert list(only["metric"]) == ["green_rate"]
    assert list(only["label_zh"]) == ["绿色通道率"]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('[[indicator]]\nid = "x"\nzh = \n', "not valid TOML", 3),
        ('[[indicator]]\nid = "x"\nzh = "x"\nen = "x"\nkeywords = ["x"]\nunits = ["%"]\n\n'
         '[[indicator]]\nid = "y"\nzh = "y"\nen = "y"\npattern = "(a"\nunits = ["%"]\n',
         "not a valid regular expression", 8),
        ('[[indicator]]\nid = "x"\nzh = "x"\nen = "x"\nkeywords = ["x"]\nunits = ["斤"]\n',
         "'units' must be among", 1),
        ('[[indicator]]\nid = "x"\nzh = "x"\nen = "x"\npattern = "(a|b)"\nunits = ["%"]\n',
         "capturing groups", 1),
        ('[[indicator]]\nid = "Bad-Id"\nzh = "x"\nen = "x"\nkeywords = ["x"]\nunits = ["%"]\n',
         "snake_case", 1),
        ('[[rating]]\nid = "r"\nzh = "r"\nen = "r"\nmax_level = 9\nkeyword = "r"\n',
         "max_level", 1),
        ('[[indicator]]\nid = "x"\nzh = "x"\nen = "x"\nunits = ["%"]\n',
         "needs 'keywords' or 'pattern'", 1),
        ('[[indicator]]\nid = "x"\nzh = "x"\nen = "x"\nkeywords = ["x"]\nunits = ["%"]\n'
         'colour = "red"\n', "unknown key", 1),
    ],
)
def test_malformed_vocabulary(tmp_path, text, message, line):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=message) as info:
        load_metric_vocabulary(path)
    assert info.value.line == line
    assert str(path) in str(info.value)


def test_missing_vocabulary_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_metric_vocabulary(tmp_path / "nope.toml")


# --------------------------------------------------------------------------- comparisons


def _metrics_for_comparison() -> pd.DataFrame:
    bodies = [
        "聊城满意度达90%，投诉率下降16个百分点，平均住院日缩短1.1天。",
        "聊城满意度达96%，投诉率下降5%，平均住院日为8天。",
        "贵州满意度达80%以上。徐州仁慈医院通过电子病历六级评审，力争电子病历达到七级。",
        "满意度达70%。",
    ]
    arts = pd.DataFrame({"article_id": [f"d#{i}" for i in range(1, 5)], "body": bodies})
    places = _places(("d#1", "body", bodies[0], "聊城", "山东省", "聊城市"),
                     ("d#2", "body", bodies[1], "聊城", "山东省", "聊城市"),
                     ("d#3", "body", bodies[2], "贵州", "贵州省", None),
                     ("d#3", "body", bodies[2], "徐州", "江苏省", "徐州市"))
    return extract_metrics(arts, places=places, regions=pd.DataFrame(
        columns=["article_id", "province", "city"]))


def test_compare_regions_never_mixes_units_or_value_types():
    m = _metrics_for_comparison()
    got = compare_regions(m)
    assert [(r.province, r.metric, r.unit, r.value_type, r.trend, r.value, r.n_values)
            for r in got.itertuples()] == [
        ("山东省", "satisfaction_rate", "%", "level", "", 93.0, 2),
        ("山东省", "complaint_rate", "%", "change", "down", 5.0, 1),
        ("山东省", "complaint_rate", "个百分点", "change", "down", 16.0, 1),
        ("山东省", "avg_length_of_stay", "天", "change", "down", 1.1, 1),
        ("山东省", "avg_length_of_stay", "天", "level", "", 8.0, 1),
        ("贵州省", "satisfaction_rate", "%", "level", "", 80.0, 1),
    ]
    assert got["article_ids"].iloc[0] == "d#1; d#2"
    assert got["measure"].iloc[2] == "投诉率 (个百分点, 降幅)"
    wide = compare_regions(m, wide=True, lang="en")
    assert list(wide.index) == ["山东省", "贵州省"]
    assert wide.loc["山东省", "Complaint rate (个百分点, decrease)"] == 16.0
    assert wide.loc["山东省", "Complaint rate (%, decrease)"] == 5.0
    unknown = compare_regions(m, include_unknown=True)
    assert ("", "satisfaction_rate", 70.0) in {(r.province, r.metric, r.value)
                                               for r in unknown.itertuples()}
    assert compare_regions(m, agg="max").iloc[0]["value"] == 96.0


def test_compare_regions_ratings_leave_out_targets():
    m = _metrics_for_comparison()
    got = compare_regions(m, kind="rating")
    assert [(r.province, r.metric, r.value) for r in got.itertuples()] == [
        ("江苏省", "emr_level", 6.0)]
    city = compare_regions(m, kind="all", by="city")
    assert "city" in city.columns
    assert set(city["city"]) == {"聊城市", "徐州市"}


@pytest.mark.parametrize(("kw", "message"), [
    ({"by": "county"}, "by must be one of"),
    ({"kind": "both"}, "kind must be one of"),
    ({"agg": "sum"}, "agg must be one of"),
    ({"lang": "fr"}, "lang must be one of"),
])
def test_compare_regions_errors(kw, message):
    with pytest.raises(ValueError, match=message):
        compare_regions(_metrics_for_comparison(), **kw)
    with pytest.raises(ValueError, match="metrics must be"):
        compare_regions("not a table")


def test_ratings_by_province_levels_targets_and_merged_names():
    bodies = ["徐州仁慈医院通过电子病历六级评审。仁慈医院成为徐州首家智慧服务三级医院。",
              "徐州仁慈医院力争电子病历达到七级。医院通过互联互通四级乙等。医院通过互联互通四级甲等。"]
    arts = pd.DataFrame({"article_id": ["a#1", "a#2"], "body": bodies})
    places = _places(("a#1", "body", bodies[0], "徐州", "江苏省", "徐州市"),
                     ("a#1", "body", bodies[0], "徐州", "江苏省", "徐州市", 2),
                     ("a#2", "body", bodies[1], "徐州", "江苏省", "徐州市"))
    regions = pd.DataFrame({"article_id": ["a#1", "a#2"], "province": ["江苏省"] * 2,
                            "city": ["徐州市"] * 2})
    m = extract_metrics(arts, places=places, regions=regions)
    got = ratings_by_province(m)
    assert tuple(got.columns) == RATING_COLUMNS
    assert [(r.institution, r.metric, r.level_label, r.direction, r.target_label, r.n_articles)
            for r in got.itertuples()] == [
        ("", "interop_level", "4甲", "achieved", "", 1),
        ("徐州仁慈医院", "emr_level", "6", "achieved", "7", 2),
        ("徐州仁慈医院", "smart_service_level", "3", "achieved", "", 1),
    ]
    assert got["sentence"].iloc[1] == "徐州仁慈医院通过电子病历六级评审。"
    only = ratings_by_province(m, achieved_only=True)
    assert len(only) == 3


@pytest.mark.parametrize(("name", "short"), [
    ("山东省", "山东"), ("黔南布依族苗族自治州", "黔南"), ("广西壮族自治区", "广西"),
    ("新疆维吾尔自治区", "新疆"), ("内蒙古自治区", "内蒙古"), ("香港特别行政区", "香港"),
    ("喀什地区", "喀什"), ("北京市", "北京"), ("两岸", "两岸"), ("", ""),
])
def test_short_place(name, short):
    from weeklylib.metrics import short_place

    assert short_place(name) == short


def test_short_article_id():
    from weeklylib.metrics import short_article_id

    assert short_article_id("000_0cbd2b995c0d86a6#1") == "000#1"
    assert short_article_id("plain") == "plain"


def test_indicator_comparison_labels_and_filters():
    m = _metrics_for_comparison()
    got = indicator_comparison(m, "satisfaction_rate")
    assert list(got["value"]) == [70.0, 80.0, 90.0, 96.0]
    assert list(got["label"]) == ["— · — [d#4]", "贵州 · — [d#3]", "山东 · 聊城 [d#1]",
                                  "山东 · 聊城 [d#2]"]
    assert set(got["measure"]) == {"满意度 (%)"}
    pp = indicator_comparison(m, ["complaint_rate"], unit="个百分点")
    assert list(pp["value"]) == [16.0]
    assert indicator_comparison(m, value_type="change", include_unknown=False)["metric"].tolist() \
        == ["complaint_rate", "complaint_rate", "avg_length_of_stay"]
    with pytest.raises(ValueError, match="metric must be among"):
        indicator_comparison(m, "no_such_metric")
    with pytest.raises(ValueError, match="value_type must be one of"):
        indicator_comparison(m, value_type="delta")


# --------------------------------------------------------------------------- seed corpus


@pytest.fixture(scope="module")
def seed_metrics(seed_corpus):
    return extract_metrics(seed_corpus.articles)


def test_seed_offsets_and_sentences(seed_corpus, seed_metrics):
    bodies = dict(zip(seed_corpus.articles["article_id"], seed_corpus.articles["body"],
                      strict=True))
    assert len(seed_metrics) > 30
    for r in seed_metrics.itertuples():
        body = bodies[r.article_id]
        assert body[r.start:r.end] == r.matched
        assert r.value_text in r.sentence
        assert r.value_text in r.matched
        assert r.sentence in body
        assert r.matched in r.sentence


def test_seed_expected_figures(seed_metrics):
    m = seed_metrics
    key = {(r.article_id.split("_")[0] + "#" + r.article_id.split("#")[1], r.metric, r.value,
            r.unit) for r in m.itertuples()}
    for expected in [
        ("003#2", "county_visit_rate", 91.74, "%"),
        ("003#2", "satisfaction_rate", 90.0, "%"),
        ("003#2", "complaint_rate", 16.0, "个百分点"),
        ("002#3", "avg_length_of_stay", 1.1, "天"),
        ("002#3", "bedside_admission_rate", 100.0, "%"),
        ("002#3", "discharge_settlement_rate", 86.0, "%"),
        ("002#3", "time_taken", 3.8, "天"),
        ("002#3", "wait_time", 30.0, "%"),
        ("002#3", "bed_turnover", 20.0, "%"),
        ("000#1", "emr_level", 6.0, "级"),
        ("000#1", "interop_level", 4.0, "级"),
        ("000#1", "smart_service_level", 3.0, "级"),
        ("000#1", "time_taken", 2.8, "小时"),
        ("003#1", "service_volume", 1e9, "人次"),
        ("004#4", "outpatient_visits", 1.87e8, "人次"),
    ]:
        assert expected in key
    emr = m[(m["metric"] == "emr_level") & (m["matched"] == "电子病历六级")]
    assert list(emr["year"]) == [2024]
    assert list(emr["institution"]) == ["徐州仁慈医院"]
    assert set(m.loc[m["kind"] == "rating", "article_id"].str[:3]) == {"000"}
    assert set(m.loc[m["matched"] == "643", "grade"]) == {"", "甲"}


def test_seed_determinism(seed_corpus, seed_metrics):
    again = extract_metrics(seed_corpus.articles)
    pd.testing.assert_frame_equal(seed_metrics, again)


# --------------------------------------------------------------------------- fast paths


@pytest.mark.parametrize("text", [
    "",
    "没有数字的句子。",
    "满意度达90%。投诉率下降16个百分点！",
    "“满意度达90%。”平均住院日缩短1.1天",
    "第一句。。第二句有3个？!\n\n第三句四甲\n末句五乙",
    "四五六七甲乙。五甲。）”四乙",
    "A1。”B2。",
    "A1。”2B。",
    "句子没有结束1",
    "\n1\n",
])
def test_gated_sentences_have_the_bounds_of_their_first_gate(text):
    from weeklylib.metrics import _GATE_RE, _GATED_SENTENCE_RE, _sentence_bounds

    expected, pos = [], 0
    while (g := _GATE_RE.search(text, pos)) is not None:
        st, en = _sentence_bounds(text, g.start())
        expected.append((st, en))
        pos = max(en, g.end())
    got, pos = [], 0
    while (m := _GATED_SENTENCE_RE.match(text, pos)) is not None:
        got.append((m.start("s"), m.end("e") if m.end("e") >= 0 else m.end()))
        pos = m.end()
    assert got == expected


def test_place_ties_follow_the_places_table_and_bad_spans_are_read_as_given():
    body = "聊城满意度达90%。"
    # two mentions with the same start: the first row of the table wins, as before
    places = pd.DataFrame({"article_id": ["a#1", "a#1"], "field": ["body", "body"],
                           "start": [0, 0], "end": [2, 2], "province": ["山东省", "贵州省"],
                           "city": ["聊城市", ""]})
    arts = pd.DataFrame({"article_id": ["a#1"], "body": [body]})
    got = extract_metrics(arts, places=places, regions=NO_PLACES)
    assert (got["province"].iloc[0], got["city"].iloc[0]) == ("山东省", "聊城市")
    got = extract_metrics(arts, places=places.iloc[::-1], regions=NO_PLACES)
    assert got["province"].iloc[0] == "贵州省"
    # a mention whose end lies before its start still counts when inside the sentence
    bad = pd.DataFrame({"article_id": ["a#1"], "field": ["body"], "start": [20],
                        "end": [3], "province": ["山东省"], "city": [None]})
    got = extract_metrics(arts, places=bad, regions=NO_PLACES)
    assert got["place_rule"].iloc[0] == "sentence"


def test_tables_fast_path_equals_reference(seed_metrics, monkeypatch):
    from weeklylib import metrics as mod

    m = seed_metrics
    calls = [(compare_regions, {}), (compare_regions, {"kind": "rating"}),
             (compare_regions, {"kind": "all", "by": "city", "agg": "mean",
                                "include_unknown": True, "lang": "en"}),
             (ratings_by_province, {}), (ratings_by_province, {"achieved_only": True})]
    fast = [f(m, **kw) for f, kw in calls]
    assert all(len(t) for t in fast)
    # the pandas groupby references (used when a key or value is missing) give the same
    monkeypatch.setattr(mod, "_region_rows", mod._region_rows_reference)
    monkeypatch.setattr(mod, "_rating_rows", mod._rating_rows_reference)
    for (f, kw), got in zip(calls, fast, strict=True):
        pd.testing.assert_frame_equal(got, f(m, **kw))
    assert mod._first_max([0, 1, 2], [6.0, 6.0, 5.0], [0.0, 2.0, 2.0]) == 1
    assert mod._first_max([0, 1], [6.0, 6.0], [2.0, 2.0]) == 0


def test_tables_with_a_missing_value_take_the_reference_path(seed_metrics):
    m = seed_metrics
    row = m[m["kind"] == "indicator"].iloc[:1].assign(value=float("nan"), article_id="zz#1")
    got = compare_regions(pd.concat([m, row], ignore_index=True), include_unknown=True)
    assert "zz#1" in "; ".join(got["article_ids"])
