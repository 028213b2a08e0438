"""Tests for weeklylib.regions: gazetteer, aliases, extract_places, resolve_regions.

Every sentence below is written by hand; the expected provinces, cities, counties and codes come
from GB/T 2260 (checked against the bundled regions.csv), not from running the code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from weeklylib import regions as R
from weeklylib.errors import DataFileError


def arts(*bodies: str, titles: tuple[str, ...] | None = None) -> pd.DataFrame:
    titles = titles or ("",) * len(bodies)
    return pd.DataFrame({
        "article_id": [f"a{i}" for i in range(len(bodies))],
        "title": list(titles),
        "body": list(bodies),
    })


def places(body: str, title: str = "") -> pd.DataFrame:
    return R.extract_places(arts(body, titles=(title,)))


def row(p: pd.DataFrame, mention: str, n: int = 0) -> pd.Series:
    hits = p[p["mention"] == mention]
    assert len(hits) > n, f"{mention!r} not found in {p['mention'].tolist()}"
    return hits.iloc[n]


def na(v) -> bool:
    return v is None or pd.isna(v)


# --------------------------------------------------------------------------- gazetteer


@pytest.fixture(scope="module")
def gaz() -> pd.DataFrame:
    return R.load_gazetteer()


def test_gazetteer_columns_and_provinces(gaz):
    assert list(gaz.columns) == list(R.GAZETTEER_COLUMNS)
    prov = gaz[gaz["level"] == "province"]
    assert len(prov) == 34
    special = {"台湾省", "香港特别行政区", "澳门特别行政区", "北京市", "新疆维吾尔自治区"}
    assert special <= set(prov["name"])
    assert gaz["adcode"].str.fullmatch(r"\d{6}").all()
    assert gaz["adcode"].is_unique
    assert gaz["adcode"].is_monotonic_increasing
    assert dict(zip(prov["name"], prov["name_en"], strict=True))["广西壮族自治区"] == "Guangxi"


def test_gazetteer_hierarchy(gaz):
    g = gaz.set_index("adcode")
    sandu = g.loc["522732"]
    assert sandu["name"] == "三都水族自治县"
    assert (sandu["level"], sandu["parent"]) == ("county", "522700")
    assert (sandu["province"], sandu["city"], sandu["county"]) == (
        "贵州省", "黔南布依族苗族自治州", "三都水族自治县")
    assert g.loc["371524", "name"] == "东阿县"
    assert g.loc["371524", "city"] == "聊城市"
    # a district of a municipality has the municipality as its city
    assert (g.loc["110112", "name"], g.loc["110112", "city"]) == ("通州区", "北京市")
    assert g.loc["110112", "parent"] == "110000"
    # a county-level city directly under its province is its own city
    assert (g.loc["429004", "name"], g.loc["429004", "city"]) == ("仙桃市", "仙桃市")
    assert bool(g.loc["133100", "standard"]) is False  # 雄安新区: not a GB/T 2260 division
    assert bool(g.loc["371500", "standard"]) is True


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("山东省", "山东"), ("北京市", "北京"), ("广西壮族自治区", "广西"),
        ("内蒙古自治区", "内蒙古"),
        ("新疆维吾尔自治区", "新疆"), ("香港特别行政区", "香港"), ("黔南布依族苗族自治州", "黔南"),
        ("三都水族自治县", "三都"), ("积石山保安族东乡族撒拉族自治县", "积石山"),
        ("克孜勒苏柯尔克孜自治州", "克孜勒苏"), ("阿克苏地区", "阿克苏"),
        ("锡林郭勒盟", "锡林郭勒"),
        ("浦东新区", "浦东"), ("神农架林区", "神农架"), ("清新区", "清新"),
        ("鄂伦春自治旗", ""), ("苏州工业园区", ""), ("礼县", ""),
    ],
)
def test_short_forms(gaz, name, short):
    assert gaz.loc[gaz["name"] == name, "short"].iloc[0] == short


def test_gazetteer_malformed_names_file_and_line(tmp_path):
    bad = tmp_path / "g.csv"
    bad.write_text(
        "# comment\nadcode,name,level,parent,province,city\n"
        "110000,北京市,province,,北京市,\n11010,东城区,county,110000,北京市,北京市\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"g\.csv:4: adcode must be six digits"):
        R.load_gazetteer(bad)
    bad.write_text("adcode,name,level,parent,province,city\n110000,北京市,state,,北京市,\n",
                   encoding="utf-8")
    with pytest.raises(DataFileError, match=r"g\.csv:2: level must be one of"):
        R.load_gazetteer(bad)
    bad.write_text("adcode,name,level,province,city\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"g\.csv:1: header lacks column\(s\) \['parent'\]"):
        R.load_gazetteer(bad)
    bad.write_text("adcode,name,level,parent,province,city\n110101,东城区,county,110000,北京市,北京市\n",
                   encoding="utf-8")
    with pytest.raises(DataFileError, match=r"g\.csv:2: parent 110000 of 东城区 is not in"):
        R.load_gazetteer(bad)


def test_aliases_bundled_and_errors(tmp_path):
    al = R.load_region_aliases()
    assert set(al["kind"]) == set(R.ALIAS_KINDS)
    assert al.set_index("surface").loc["浦东", "target"] == "310115"
    f = tmp_path / "a.csv"
    f.write_text("surface,kind,target,guard,note\n浦东,alias,999999,,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"a\.csv:2: target must be an adcode"):
        R.load_region_aliases(f)
    f.write_text("surface,kind,target,guard,note\n浦东,nickname,310115,,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"a\.csv:2: kind must be one of"):
        R.load_region_aliases(f)
    f.write_text("surface,kind,target,guard,note\n# c\n沪,alias,310000,,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"a\.csv:3: surface must have two or more"):
        R.load_region_aliases(f)
    f.write_text("surface,kind,target,guard,note\n自由,guard,,strict,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"a\.csv:2: guard row: '自由' is neither"):
        R.load_region_aliases(f)


def test_user_aliases_file_changes_matching(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("surface,kind,target,guard,note\n张江,alias,310115,,浦东 张江\n", encoding="utf-8")
    p = R.extract_places(arts("浦东在张江启动实验室建设"), aliases=f)
    assert p["mention"].tolist() == ["浦东", "张江"]
    assert p["county"].tolist() == ["浦东新区", "浦东新区"]
    # 浦东 is the same district as 张江 here (context); 张江 is this file's alias
    assert p["resolution"].tolist() == ["context", "alias"]
    # without the bundled alias, bare 浦东 is a two-character county stem needing context
    assert R.extract_places(arts("浦东召开会议"), aliases=f).empty
    assert R.extract_places(arts("浦东召开会议"))["county"].tolist() == ["浦东新区"]


# --------------------------------------------------------------------------- extract_places


def test_columns_and_offsets():
    a = arts("近日，在山东省聊城市召开会议。", titles=("山东聊城智慧医疗",))
    p = R.extract_places(a)
    assert list(p.columns) == list(R.PLACE_COLUMNS)
    assert p[["field", "mention", "start", "end"]].to_numpy().tolist() == [
        ["title", "山东", 0, 2], ["title", "聊城", 2, 4],
        ["body", "山东省", 4, 7], ["body", "聊城市", 7, 10],
    ]
    for r in p.itertuples():
        assert a.loc[0, r.field][r.start:r.end] == r.mention
    assert p["province"].tolist() == ["山东省"] * 4
    assert p["resolution"].tolist() == ["short", "short", "full", "full"]
    assert p["adcode"].tolist() == ["370000", "371500", "370000", "371500"]
    assert p["level"].tolist() == ["province", "city", "province", "city"]
    assert p["start"].dtype == "int64"
    assert p["dateline"].dtype == bool


def test_county_full_name_and_institution_suffix():
    p = places("在东阿县人民医院，护士站前移。聊城市退役军人医院推出六师共管平台。")
    d = row(p, "东阿县")
    assert (d["province"], d["city"], d["county"]) == ("山东省", "聊城市", "东阿县")
    assert d["adcode"] == "371524"
    assert d["resolution"] == "institution"
    lc = row(p, "聊城市")
    assert (lc["city"], lc["resolution"]) == ("聊城市", "institution")


def test_longest_match_wins_sandu():
    p = places("患者在贵州三都水族自治县周覃卫生院检查，"
               "三都自治县人民医院出具结果，黔南州专家会诊。")
    assert "三都" not in p["mention"].tolist()
    full = row(p, "三都水族自治县")
    assert (full["county"], full["adcode"]) == ("三都水族自治县", "522732")
    assert full["city"] == "黔南布依族苗族自治州"
    assert row(p, "三都自治县")["adcode"] == "522732"
    qn = row(p, "黔南州")
    assert (qn["level"], qn["adcode"], qn["resolution"]) == ("city", "522700", "variant")


def test_two_character_county_stem_needs_context():
    # bare 三都 with nothing else: not reported
    assert places("三都一带风景很好。").empty
    # right after its province: reported, resolved by context
    p = places("贵州三都打造智慧医共体。")
    s = row(p, "三都")
    assert (s["province"], s["county"], s["resolution"]) == ("贵州省", "三都水族自治县", "context")
    # the same county named in full elsewhere in the article
    p = places("三都水族自治县人民医院建成五大中心。去年，三都又新建了导管室。")
    assert row(p, "三都")["county"] == "三都水族自治县"
    # its province alone is not enough context for a two-character county stem
    assert "三都" not in places("贵州省卫生健康委通报：三都一带风景很好。")["mention"].tolist()


def test_pudong_alias():
    p = places("浦东在张江启动医疗大数据创新实验室建设，浦东新区今年初开始试点。")
    a, full = row(p, "浦东"), row(p, "浦东新区")
    assert (a["province"], a["city"], a["county"]) == ("上海市", "上海市", "浦东新区")
    assert a["resolution"] == "alias"
    assert full["resolution"] == "full"
    assert full["adcode"] == "310115"


def test_tongzhou_disambiguated_by_other_mentions():
    p = places("北京城市副中心所在的通州区新建了医院。")
    t = row(p, "通州区")
    assert (t["province"], t["city"], t["adcode"]) == ("北京市", "北京市", "110112")
    assert t["resolution"] == "context"
    p = places("南通市通州区人民医院上线互联网医院。")
    t = row(p, "通州区")
    assert (t["province"], t["city"], t["adcode"]) == ("江苏省", "南通市", "320612")
    p = places("通州区人民医院上线互联网医院。")
    t = row(p, "通州区")
    assert t["resolution"] == "ambiguous"
    assert na(t["province"])
    assert na(t["city"])
    assert na(t["adcode"])
    assert t["level"] == "county"


def test_chaoyang():
    p = places("北京市朝阳区卫生健康委发布通知。")
    c = row(p, "朝阳区")
    assert (c["province"], c["adcode"]) == ("北京市", "110105")
    # 朝阳 after 辽宁: the city (朝阳市 is the ancestor of 朝阳县)
    c = row(places("辽宁朝阳推进县域医共体建设。"), "朝阳")
    assert (c["province"], c["city"]) == ("辽宁省", "朝阳市")
    assert (c["adcode"], c["level"]) == ("211300", "city")
    # a common word: nothing
    assert places("发展朝阳产业，朝阳初升。").empty
    # 朝阳区 alone is 北京 or 长春: never guessed
    c = row(places("朝阳区开展义诊。"), "朝阳区")
    assert c["resolution"] == "ambiguous"
    assert na(c["province"])


def test_gulou_several_cities():
    c = row(places("鼓楼区卫生健康局召开会议。"), "鼓楼区")
    assert c["resolution"] == "ambiguous"
    assert na(c["province"])
    assert na(c["city"])
    c = row(places("福州市鼓楼区卫生健康局召开会议。"), "鼓楼区")
    assert (c["province"], c["city"], c["adcode"]) == ("福建省", "福州市", "350102")
    # only the province is known: 南京 and 徐州 both have a 鼓楼区 in 江苏
    c = row(places("江苏省卫生健康委表示，鼓楼区卫生健康局召开会议。"), "鼓楼区")
    assert (c["province"], c["resolution"]) == ("江苏省", "context")
    assert na(c["city"])
    assert na(c["adcode"])


def test_jilin_province_and_city():
    p = places("吉林推进智慧医院建设，吉林市中心医院上线新系统。")
    j = row(p, "吉林")
    assert (j["province"], j["level"], j["adcode"]) == ("吉林省", "province", "220000")
    assert na(j["city"])  # 吉林 may be the city too: the city is not claimed
    assert row(p, "吉林市")["adcode"] == "220200"


@pytest.mark.parametrize(
    "text",
    [
        "确保长治久安。",            # 长治
        "两种方案大同小异。",          # 大同
        "纳入医保定点医疗机构。",        # 保定
        "加快形成都市圈医疗协作。",      # 成都市
        "会同有关部门制定方案。",        # 会同 (县, 怀化)
        "全面推进乡村振兴。",           # 振兴 (区, 丹东)
        "优化医疗资源配置，惠民政策落地。",  # 资源 (县, 桂林), 惠民 (县, 滨州)
        "这些都是新兴技术，来宾纷纷点赞。",  # 新兴, 来宾
        "开封后请尽快使用，日照时间较长。",  # 开封, 日照
        "每天门诊量超过三千人次。",       # 天门
        "南方日报和齐鲁网报道，华西专家参加。",  # 南方, 齐鲁, 华西: not places
        "中山医院与孙中山纪念馆。",        # 中山
        "院士戴琼海介绍了成果。",         # 琼海 inside a person's name
        "钟南山院士视频致辞。",          # 南山
        "北京时间7月5日，上海合作组织召开会议。",
    ],
)
def test_common_words_are_not_places(text):
    assert places(text).empty, places(text)[["mention", "province", "county"]]


def test_guarded_stem_with_city_context_but_common_word_stays_off():
    # 资源县 is in 桂林: even in an article about 桂林, 医疗资源 is not 资源县
    p = places("桂林市卫生健康委：优化医疗资源配置。")
    assert p["mention"].tolist() == ["桂林市"]
    # while an ordinary two-character county stem is found when its city is named
    p = places("福州新区将以长乐为核心，福州市推进数据交易。")
    c = row(p, "长乐")
    assert (c["city"], c["county"], c["resolution"]) == ("福州市", "长乐区", "context")


def test_zhongshan():
    p = places("中山大学附属第一医院与复旦大学附属中山医院合作。")
    assert p["mention"].tolist() == ["中山大学", "复旦大学"]
    zs, fd = row(p, "中山大学"), row(p, "复旦大学")
    assert (zs["province"], zs["city"], zs["resolution"]) == ("广东省", "广州市", "institution")
    assert (fd["province"], fd["city"], fd["resolution"]) == ("上海市", "上海市", "institution")
    assert "中山市" not in p["city"].dropna().tolist()
    c = row(places("广东省中山市人民医院。"), "中山市")
    assert (c["province"], c["city"], c["adcode"]) == ("广东省", "中山市", "442000")
    # bare 中山 right after its province: the city
    assert row(places("广东中山推进智慧医疗。"), "中山")["adcode"] == "442000"


def test_place_inside_institution_names():
    p = places("北京协和医院和遵义医科大学附属医院专家会诊，南方医科大学珠江医院参加。")
    b, z, n = row(p, "北京"), row(p, "遵义"), row(p, "南方医科大学")
    assert (b["province"], b["resolution"]) == ("北京市", "institution")
    assert (z["province"], z["city"], z["resolution"]) == ("贵州省", "遵义市", "institution")
    assert (n["city"], n["resolution"]) == ("广州市", "institution")
    assert len(p) == 3


def test_special_regions_and_cross_strait_label():
    p = places("海峡两岸医疗交流大会召开，台湾、香港和澳门代表出席，两岸专家交流。")
    assert p["mention"].tolist() == ["海峡两岸", "台湾", "香港", "澳门", "两岸"]
    lab = p[p["level"] == "label"]
    assert lab["name"].tolist() == ["两岸", "两岸"]
    assert lab["province"].isna().all()
    assert lab["adcode"].isna().all()
    assert p.loc[p["mention"] == "台湾", "adcode"].tolist() == ["710000"]
    assert p.loc[p["mention"] == "香港", "province"].tolist() == ["香港特别行政区"]
    assert p["listed"].tolist() == [False, True, True, True, False]
    # bare 两岸 (river banks) without 台湾 or 海峡两岸 in the article: nothing
    assert places("长江两岸风光秀丽，两岸居民健康档案互通。").empty


def test_spaces_inside_chinese():
    a = arts("新华社记者在聊 城采访，山东 省卫生健康委介绍。")
    p = R.extract_places(a)
    assert p["mention"].tolist() == ["聊 城", "山东 省"]
    assert p["name"].tolist() == ["聊城市", "山东省"]
    for r in p.itertuples():
        assert a.loc[0, "body"][r.start:r.end] == r.mention


def test_dateline_and_enumeration_flags():
    body = ("新华社贵阳 2 月 23 日电 题：委员建言\n"
            "该系统在湖南、新疆、海南等地落地应用。浙江与贵州签约。")
    p = places(body)
    assert row(p, "贵阳")["dateline"]
    assert (row(p, "贵阳")["city"], row(p, "贵阳")["province"]) == ("贵阳市", "贵州省")
    assert p.loc[p["mention"].isin(["湖南", "新疆", "海南"]), "listed"].tolist() == [True] * 3
    assert not row(p, "浙江")["listed"]
    assert not row(p, "贵州")["listed"]
    assert not row(p, "湖南")["dateline"]
    # 海南 is the province, not 青海's 海南藏族自治州
    assert row(p, "海南")["adcode"] == "460000"
    dl = places("中新网贵州三都 7月 2日电 题：从五缺到5G+")
    assert dl["mention"].tolist() == ["贵州", "三都"]
    assert dl["dateline"].all()


def test_dropped_guard_gives_way_to_overlapping_place():
    # 和龙 (a county-level city in 延边) is dropped for lack of context; 龙岩 then matches
    p = places("福州和龙岩两地联合开展义诊。")
    assert p["mention"].tolist() == ["福州", "龙岩"]
    assert p["city"].tolist() == ["福州市", "龙岩市"]


def test_province_short_beats_guarded_county_stem():
    # 河南 is also the stem of 河南蒙古族自治县 (青海 黄南州)
    p = places("河南推进紧密型医共体建设。")
    assert (row(p, "河南")["adcode"], row(p, "河南")["level"]) == ("410000", "province")
    p = places("青海黄南州河南县人民医院。")
    assert row(p, "河南县")["adcode"] == "632324"


def test_row_order_fields_and_empty_input():
    a = arts("上海和北京", "广州", titles=("成都", ""))
    p = R.extract_places(a)
    assert p[["article_id", "field", "mention"]].to_numpy().tolist() == [
        ["a0", "title", "成都"], ["a0", "body", "上海"], ["a0", "body", "北京"],
        ["a1", "body", "广州"]]
    only_title = R.extract_places(a, fields=("title",))
    assert only_title["mention"].tolist() == ["成都"]
    empty = R.extract_places(arts("今天天气很好。"))
    assert empty.empty
    assert list(empty.columns) == list(R.PLACE_COLUMNS)
    missing = R.extract_places(
        pd.DataFrame({"article_id": ["x"], "title": [None], "body": [float("nan")]}))
    assert missing.empty


def test_argument_errors():
    with pytest.raises(ValueError, match="articles must be a DataFrame"):
        R.extract_places(["北京"])
    with pytest.raises(ValueError, match=r"fields must be columns of articles .*\['summary'\]"):
        R.extract_places(arts("北京"), fields=("summary",))
    with pytest.raises(ValueError, match="article_id"):
        R.extract_places(pd.DataFrame({"title": ["北京"], "body": [""]}))
    with pytest.raises(ValueError, match="gazetteer must be None, a path or a DataFrame"):
        R.extract_places(arts("北京"), gazetteer=42)


def test_does_not_mutate_input():
    a = arts("北京市朝阳区")
    before = a.copy()
    R.extract_places(a)
    R.resolve_regions(a)
    pd.testing.assert_frame_equal(a, before)


# --------------------------------------------------------------------------- resolve_regions


def test_resolve_title_dateline_and_city():
    a = arts("新华社贵阳2月23日电 在黔南州三都县，帮扶专家来自遵义医科大学附属医院。"
             "三都县人民医院建成五大中心。",
             titles=("全国政协委员傅小云为基层医疗建言",))
    r = R.resolve_regions(a)
    assert list(r.columns) == list(R.REGION_COLUMNS)
    assert len(r) == 1
    x = r.iloc[0]
    assert (x["province"], x["region"], x["rank"], x["rule"]) == ("贵州省", "贵州省", 1, "top")
    # dateline 贵阳 3 + 黔南州 1 + 三都县 1 + 遵义 (institution) 0.5 + 三都县 (institution) 0.5
    assert x["score"] == pytest.approx(6.0)
    assert x["n_mentions"] == 5
    # city evidence: 贵阳 3, 黔南 2.5, 遵义 0.5 -> 贵阳 has half of 6.0 -> chosen
    assert (x["city"], x["adcode"]) == ("贵阳市", "520100")
    assert x["evidence"] == "dateline+body"


def test_resolve_listing_is_not_aboutness():
    a = arts("中山大学中山眼科中心的系统在湖南、新疆、海南等地落地应用。中山大学继续推进。",
             titles=("中山大学：人工智能赋能医疗健康",))
    r = R.resolve_regions(a)
    assert r["province"].tolist() == ["广东省"]
    assert r["city"].tolist() == ["广州市"]
    # title institution 1.5 + three body institutions 0.5 each
    assert r["score"].tolist() == [3.0]


def test_resolve_two_provinces_and_min_score():
    a = arts("浙江省与贵州省签署协议，浙江派出专家，贵州提供场地。",
             "国家卫生健康委发布通知，北京协和医院专家解读。",
             titles=("浙江贵州携手推进远程医疗", ""))
    r = R.resolve_regions(a)
    assert r[["article_id", "rank", "province", "rule"]].to_numpy().tolist() == [
        ["a0", 1, "浙江省", "top"], ["a0", 2, "贵州省", "share"]]
    assert r["score"].tolist() == [5.0, 5.0]
    assert r["city"].isna().all()
    # a1: one institution mention (0.5) is below min_score and only an institution: no row
    assert "a1" not in r["article_id"].tolist()


def test_resolve_institutions_alone_do_not_make_a_region():
    a = arts("清华大学教授介绍成果。清华大学团队研发模型。清华大学与企业合作。清华大学发布报告。")
    assert R.resolve_regions(a).empty
    assert R.resolve_regions(a, min_score=0.5).empty


def test_resolve_cross_strait_label():
    a = arts("两岸专家交流医保经验。台湾医保覆盖率接近百分之百。两岸携手。",
             titles=("海峡两岸医疗专家共话AI",))
    r = R.resolve_regions(a)
    assert r["region"].tolist()[0] == "两岸"
    assert na(r["province"].iloc[0])
    assert na(r["adcode"].iloc[0])
    assert r["score"].iloc[0] == pytest.approx(5.0)  # title 3 + two bare 两岸 (context: 台湾)
    assert r["region"].tolist() == ["两岸"]  # 台湾 1.0 < min_score


def test_resolve_from_places_equals_from_articles():
    a = arts("山东省聊城市卫生健康委介绍，东阿县人民医院上线系统。",
             "广州市发布成果。广州医疗资源丰富。",
             titles=("山东聊城智慧医疗", ""))
    r1 = R.resolve_regions(a)
    r2 = R.resolve_regions(R.extract_places(a))
    pd.testing.assert_frame_equal(r1, r2)
    got = r1[["province", "city"]].to_numpy().tolist()
    assert got == [["山东省", "聊城市"], ["广东省", "广州市"]]


def test_resolve_parameters_and_weights():
    a = arts("北京推进数据要素改革。上海跟进。")
    assert R.resolve_regions(a).empty  # 1 + 1: two provinces of 1.0 each
    r = R.resolve_regions(a, min_score=1.0)
    assert r["province"].tolist() == ["上海市", "北京市"]  # ties: by name
    r = R.resolve_regions(a, min_score=1.0, weights={"body": 2.0}, share=1.0)
    assert r["score"].tolist() == [2.0, 2.0]
    for kw, bad in (("min_score", 0), ("share", 1.5), ("city_share", -1), ("min_score", "2")):
        with pytest.raises(ValueError, match=kw):
            R.resolve_regions(a, **{kw: bad})
    with pytest.raises(ValueError, match=r"weights keys must be among .*\['headline'\]"):
        R.resolve_regions(a, weights={"headline": 2})


def test_articles_by_province_counts_and_periods():
    a = arts("山东省聊城市推进。聊城市上线。", "贵州省三都水族自治县。",
             "山东省济南市。济南市上线。",
             titles=("", "", ""))
    a["published"] = pd.to_datetime(["2025-02-03", "2025-02-20", "2025-03-01"])
    c = R.articles_by_province(a)
    assert c.to_numpy().tolist() == [["山东省", 2], ["贵州省", 1]]
    m = R.articles_by_province(a, freq="month")
    got = m[["province", "n_articles"]].to_numpy().tolist()
    assert got == [["山东省", 1], ["贵州省", 1], ["山东省", 1]]
    got = m["period"].dt.strftime("%Y-%m-%d").tolist()
    assert got == ["2025-02-01", "2025-02-01", "2025-03-01"]
    cities = R.articles_by_province(a, by="city")
    assert cities.to_numpy().tolist() == [["济南市", 1], ["聊城市", 1]]
    with pytest.raises(ValueError, match="by must be one of"):
        R.articles_by_province(a, by="county")
    with pytest.raises(ValueError, match="freq must be None or one of"):
        R.articles_by_province(a, freq="day")


# --------------------------------------------------------------------------- seed corpus


@pytest.fixture(scope="module")
def seed_regions(seed_corpus):
    arts_ = seed_corpus.articles
    return arts_, R.extract_places(arts_), R.resolve_regions(arts_)


def _by_title(arts_: pd.DataFrame, fragment: str) -> str:
    ids = arts_.loc[arts_["title"].str.contains(fragment, regex=False), "article_id"].tolist()
    assert len(ids) == 1, fragment
    return ids[0]


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("山东聊城智慧医疗", [("山东省", "聊城市")]),
        ("贵州三都打造智慧医共体", [("贵州省", "黔南布依族苗族自治州")]),
        ("浦东在张江启动", [("上海市", "上海市")]),
        ("成都自主研发", [("四川省", "成都市")]),
        ("潍坊市AI病案编码", [("山东省", "潍坊市")]),
        ("南宁市积极推动", [("广西壮族自治区", "南宁市")]),
        ("广州发布卫生健康行业", [("广东省", "广州市")]),
        ("中山大学：人工智能", [("广东省", "广州市")]),
        ("徐州仁慈医院携手", [("江苏省", "徐州市")]),
        ("全国首单医疗数据资产", [("福建省", "福州市")]),
        ("2025全球数字经济大会", [("北京市", "北京市")]),
        ("“AI+医疗”产业化提速", []),
    ],
)
def test_seed_article_regions(seed_regions, fragment, expected):
    arts_, _, reg = seed_regions
    aid = _by_title(arts_, fragment)
    got = reg.loc[reg["article_id"] == aid, ["province", "city"]]
    assert [tuple(x) for x in got.to_numpy().tolist()] == expected


def test_seed_cross_strait_article(seed_regions):
    arts_, _, reg = seed_regions
    got = reg[reg["article_id"] == _by_title(arts_, "海峡两岸医疗专家")]
    assert got["region"].iloc[0] == "两岸"
    assert {"台湾省", "上海市"} <= set(got["region"])


def test_seed_no_known_false_positives(seed_regions):
    _, p, _ = seed_regions
    assert not p["city"].isin(["保定市", "中山市"]).any()   # 医保定价, 中山大学 / 中山医院
    assert not p["county"].isin(["琼海市"]).any()          # 戴琼海
    assert (p["mention"].str.len() >= 2).all()


def test_former_divisions_keep_older_news_in_the_right_province(gaz):
    g = gaz.set_index("adcode")
    assert not bool(g.loc["371200", "current"])  # 莱芜市, merged into 济南 in 2019
    assert bool(g.loc["370100", "current"])
    assert g.loc["371200", "short"] == ""  # former divisions: full name only
    c = row(places("莱芜市人民医院上线互联网诊疗。"), "莱芜市")
    assert (c["province"], c["adcode"], c["level"]) == ("山东省", "371200", "city")
    # 江北区: 宁波 (current) or 重庆 (former, per the 2025 snapshot); decided by context
    c = row(places("重庆市江北区卫生健康委发布通知。"), "江北区")
    assert (c["province"], c["adcode"]) == ("重庆市", "500105")
    c = row(places("宁波市江北区卫生健康局发布通知。"), "江北区")
    assert (c["province"], c["adcode"]) == ("浙江省", "330205")
    c = row(places("江北区人民医院发布通知。"), "江北区")
    assert c["resolution"] == "ambiguous"
    assert na(c["province"])
    # a former two-character county name is guarded like a current one
    assert places("沙县小吃遍布全国。").empty
