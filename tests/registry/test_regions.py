"""Region table and hierarchy: the codes every record's scope and pool are built on."""

from __future__ import annotations

import pytest

from shebao.errors import InputError
from shebao.registry import regions
from shebao.registry.regions import (
    Region,
    all_regions,
    ancestors,
    children,
    counties_of,
    get_region,
    is_region,
    is_within,
    provinces,
)

# All 31 provincial-level divisions, GB/T 2260 code order.
PROVINCES = [
    ("110000", "北京市", "Beijing"),
    ("120000", "天津市", "Tianjin"),
    ("130000", "河北省", "Hebei"),
    ("140000", "山西省", "Shanxi"),
    ("150000", "内蒙古自治区", "Inner Mongolia"),
    ("210000", "辽宁省", "Liaoning"),
    ("220000", "吉林省", "Jilin"),
    ("230000", "黑龙江省", "Heilongjiang"),
    ("310000", "上海市", "Shanghai"),
    ("320000", "江苏省", "Jiangsu"),
    ("330000", "浙江省", "Zhejiang"),
    ("340000", "安徽省", "Anhui"),
    ("350000", "福建省", "Fujian"),
    ("360000", "江西省", "Jiangxi"),
    ("370000", "山东省", "Shandong"),
    ("410000", "河南省", "Henan"),
    ("420000", "湖北省", "Hubei"),
    ("430000", "湖南省", "Hunan"),
    ("440000", "广东省", "Guangdong"),
    ("450000", "广西壮族自治区", "Guangxi"),
    ("460000", "海南省", "Hainan"),
    ("500000", "重庆市", "Chongqing"),
    ("510000", "四川省", "Sichuan"),
    ("520000", "贵州省", "Guizhou"),
    ("530000", "云南省", "Yunnan"),
    ("540000", "西藏自治区", "Tibet (Xizang)"),
    ("610000", "陕西省", "Shaanxi"),
    ("620000", "甘肃省", "Gansu"),
    ("630000", "青海省", "Qinghai"),
    ("640000", "宁夏回族自治区", "Ningxia"),
    ("650000", "新疆维吾尔自治区", "Xinjiang"),
]


def test_31_provinces_with_known_codes_and_names() -> None:
    got = [(p.code, p.name_zh, p.name_en) for p in provinces()]
    assert got == PROVINCES
    assert all(p.level == "province" for p in provinces())


def test_region_table_and_policy_arrays_share_the_31_provinces() -> None:
    """Per-province parameter arrays are indexed by position among these same codes."""
    from shebao.policy import PROVINCE_CODES

    assert tuple(p.code for p in provinces()) == PROVINCE_CODES


def _cities(province: str) -> list[Region]:
    return [r for r in children(province) if r.level == "city"]


def test_guangdong_and_sichuan_counts_match_source() -> None:
    # MCA list: GD 21 cities / 122 county-level; SC 21 prefecture-level / 183 county-level.
    assert len(_cities("440000")) == 21
    assert len(_cities("510000")) == 21
    assert len(counties_of("440000")) == 122
    assert len(counties_of("510000")) == 183
    assert len(all_regions()) == 31 + 21 + 122 + 21 + 183


def test_county_mix_by_type() -> None:
    def mix(province: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in counties_of(province):
            kind = "autonomous" if r.name_zh.endswith("自治县") else r.name_zh[-1]
            out[kind] = out.get(kind, 0) + 1
        return out

    assert mix("440000") == {"区": 65, "市": 20, "县": 34, "autonomous": 3}
    assert mix("510000") == {"区": 55, "市": 19, "县": 105, "autonomous": 4}


@pytest.mark.parametrize(
    ("code", "name_zh", "name_en", "level"),
    [
        ("440100", "广州市", "Guangzhou", "city"),
        ("440106", "天河区", "Tianhe District", "county"),
        ("440113", "番禺区", "Panyu District", "county"),
        ("441422", "大埔县", "Dabu County", "county"),
        ("441825", "连山壮族瑶族自治县", "Lianshan Zhuang and Yao Autonomous County", "county"),
        ("441900", "东莞市", "Dongguan", "city"),
        ("442000", "中山市", "Zhongshan", "city"),
        ("510117", "郫都区", "Pidu District", "county"),
        ("510185", "简阳市", "Jianyang City", "county"),
        ("510726", "北川羌族自治县", "Beichuan Qiang Autonomous County", "county"),
        ("513200", "阿坝藏族羌族自治州", "Ngawa Tibetan and Qiang Autonomous Prefecture", "city"),
        ("513402", "会理市", "Huili City", "county"),
        ("540000", "西藏自治区", "Tibet (Xizang)", "province"),
    ],
)
def test_known_rows(code: str, name_zh: str, name_en: str, level: str) -> None:
    assert get_region(code) == Region(code, name_zh, name_en, level)  # type: ignore[arg-type]


def test_placeholder_rows_are_absent() -> None:
    for code in ("440101", "510101", "110100", "510124"):  # 市辖区 rows; 510124 retired (郫县)
        assert not is_region(code)


def test_parent_derivation() -> None:
    assert get_region("440106").parent_code == "440100"
    assert get_region("440100").parent_code == "440000"
    assert get_region("440000").parent_code is None
    assert get_region("513201").parent_code == "513200"
    assert get_region("441900").parent_code == "440000"
    assert get_region("510117").province_code == "510000"
    # A county whose city row does not exist falls back to the province.
    assert Region("110105", "朝阳区", "Chaoyang District", "county").parent_code == "110000"
    assert Region("419001", "济源市", "Jiyuan City", "county").parent_code == "410000"


def test_every_row_has_an_existing_parent() -> None:
    for r in all_regions():
        if r.level == "province":
            continue
        assert is_region(r.parent_code)
        parent = get_region(r.parent_code)  # type: ignore[arg-type]
        assert parent.level == ("province" if r.level == "city" else "city")


def test_ancestors_nearest_first() -> None:
    assert [r.code for r in ancestors("440106")] == ["440100", "440000"]
    assert [r.code for r in ancestors("441900")] == ["440000"]
    assert ancestors("510000") == []


def test_children() -> None:
    assert [r.code for r in children("000000")] == [c for c, _, _ in PROVINCES]
    assert [r.code for r in children("440100")][:3] == ["440103", "440104", "440105"]
    assert len(children("440100")) == 11
    assert children("441900") == []
    assert children("440106") == []
    assert children("110000") == []  # Beijing's districts are not in the table yet


def test_is_within() -> None:
    assert is_within("440106", "440106")
    assert is_within("440106", "440100")
    assert is_within("440106", "440000")
    assert is_within("440106", "000000")
    assert is_within("000000", "000000")
    assert is_within("110105", "000000")
    assert is_within("110105", "110000")  # not in the table: placed by its digits
    assert is_within("440199", "440100")
    assert not is_within("440106", "440300")
    assert not is_within("440106", "510000")
    assert not is_within("440100", "440106")
    assert not is_within("440000", "440100")
    assert not is_within("110105", "440000")


def test_counties_of_city_and_nation() -> None:
    assert [r.name_zh for r in counties_of("440300")][:2] == ["罗湖区", "福田区"]
    assert len(counties_of("440300")) == 9
    assert counties_of("441900") == []
    assert len(counties_of("000000")) == 122 + 183
    with pytest.raises(InputError) as e:
        counties_of("440106")
    assert e.value.field == "region_code"


@pytest.mark.parametrize(
    "bad", ["44010", "4401060", "44010a", "", " 440106", "４４０１０６", 440106]
)
def test_malformed_codes_raise_input_error(bad: object) -> None:
    for fn in (get_region, children, ancestors, counties_of):
        with pytest.raises(InputError) as e:
            fn(bad)  # type: ignore[arg-type]
        assert e.value.field == "region_code"
        assert "6 digits" in e.value.reason
    with pytest.raises(InputError):
        is_within(bad, "000000")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        is_within("440106", bad)  # type: ignore[arg-type]
    assert is_region(bad) is False


def test_unknown_code_raises_input_error() -> None:
    with pytest.raises(InputError) as e:
        get_region("990000")
    assert e.value.field == "region_code"
    assert e.value.reason == "unknown region code 990000"
    with pytest.raises(InputError):
        is_within("440106", "990000")
    with pytest.raises(InputError):
        get_region("000000")


def test_table_is_loaded_once() -> None:
    assert regions._table() is regions._table()
    assert all_regions() is not all_regions()  # callers get their own list


@pytest.mark.parametrize("scope", ["000000", "510000", "510100", "510104", "440300", "441900"])
def test_scope_prefix_agrees_with_is_within(scope: str) -> None:
    from shebao.registry.regions import all_regions, scope_prefix

    prefix = scope_prefix(scope)
    for region in all_regions():
        if region.level == "county":
            assert region.code.startswith(prefix) == is_within(region.code, scope), region.code
