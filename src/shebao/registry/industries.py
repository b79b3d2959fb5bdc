"""Industries and their work-injury risk classes (1 lowest .. 8 highest).

The classes follow the industry risk classification of 人社部发〔2015〕71号 for the industries
the registry has met so far; an employer in an industry not listed here is registered with an
explicit `injury_class`.
"""

from __future__ import annotations

INJURY_CLASS_BY_INDUSTRY: dict[str, int] = {
    "软件和信息技术服务": 1,
    "批发和零售": 1,
    "教育": 1,
    "公共管理": 1,
    "餐饮": 2,
    "电子设备制造": 3,
    "纺织服装": 3,
    "道路运输": 4,
    "金属制品": 5,
    "建筑施工": 6,
}


def injury_class_of(industry: str) -> int | None:
    return INJURY_CLASS_BY_INDUSTRY.get(industry.strip())
