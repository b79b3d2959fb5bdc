"""A small registry world for the registry tests: people, employers and staff in two provinces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shebao.registry.identifiers import make_credit_code
from tests.helpers import add_employer, add_person, add_user


@dataclass(frozen=True)
class World:
    rider: int  # hukou Yilong County (511324), lives in Tianhe, Guangzhou (440106)
    worker: int  # Bao'an, Shenzhen (440306)
    teacher: int  # Jinjiang, Chengdu (510104)
    wuhou: int  # Wuhou, Chengdu (510107)
    factory: int  # enterprise in Bao'an
    platform: int  # delivery platform in Tianhe
    school: int  # public institution in Jinjiang
    wuhou_firm: int  # enterprise in Wuhou


def build(url: str) -> World:
    world = World(
        rider=add_person(url, "王建军", "440106", date(1990, 5, 14), 11, hukou="511324"),
        worker=add_person(url, "陈丽", "440306", date(1985, 3, 9), 22),
        teacher=add_person(url, "刘淑芬", "510104", date(1962, 7, 21), 42),
        wuhou=add_person(url, "张伟", "510107", date(1980, 1, 5), 31),
        factory=add_employer(url, make_credit_code("440306", "MA5F3K2L8"), "440306",
                             name="深圳市宝安精密电子有限公司", industry="电子设备制造",
                             injury_class=3, size="medium"),
        platform=add_employer(url, make_credit_code("440106", "MA9P7T3R1"), "440106",
                              name="广州速达配送平台有限公司", industry="道路运输",
                              injury_class=4, size="large", category="platform"),
        school=add_employer(url, make_credit_code("510104", "123456789", "1", "2"), "510104",
                            name="成都市锦江区实验学校", category="public_institution",
                            is_public_body=True),
        wuhou_firm=add_employer(url, make_credit_code("510107", "MA6C2D4E5"), "510107",
                                name="武侯餐饮有限公司", industry="餐饮", injury_class=2),
    )
    add_user(url, "clerk-jinjiang", "clerk", "510104")
    add_user(url, "clerk-chengdu", "clerk", "510100")
    add_user(url, "clerk-tianhe", "clerk", "440106")
    add_user(url, "clerk-baoan", "clerk", "440306")
    add_user(url, "clerk-guangdong", "clerk", "440000")
    add_user(url, "supervisor-sichuan", "supervisor", "510000")
    add_user(url, "employer-factory", "employer", "440306", employer_id=world.factory)
    add_user(url, "citizen-liu", "citizen", "510104", person_id=world.teacher)
    return world
