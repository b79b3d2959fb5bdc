"""The demo: the people of shebao's story, the staff around them, and a synthetic population.

Two provinces whose people move between them: Guangdong (440000), rich and a net payer into
the central adjustment, and Sichuan (510000), whose migrants work in Guangdong. Everything is
generated from a seed, so every run of `shebao demo` builds the same population. Later
capabilities extend this one module.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.auth.models import User
from shebao.auth.service import DEMO_PASSWORD, create_user
from shebao.db.engine import transaction
from shebao.registry.identifiers import make_credit_code, make_resident_id
from shebao.registry.models import Employer, Person
from shebao.registry.regions import counties_of

GUANGDONG = "440000"
SICHUAN = "510000"
NATION = "000000"
DEMO_TODAY = date(2026, 11, 1)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许"
    "韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力斌宇浩凯鑫晨欣雪婷琳"
INDUSTRIES = (  # (industry, work-injury risk class 1..8 under 人社部发〔2015〕71号)
    ("软件和信息技术服务", 1), ("批发和零售", 1), ("餐饮", 2), ("道路运输", 4),
    ("电子设备制造", 3), ("纺织服装", 3), ("建筑施工", 6), ("金属制品", 5), ("教育", 1),
)


@dataclass(frozen=True)
class StoryPerson:
    key: str
    name: str
    sex: str
    birth: date
    hukou: str
    residence: str
    role_in_story: str


STORY = (
    StoryPerson("rider", "王建军", "male", date(1990, 5, 14), "511324", "440106",
                "delivery rider from a Sichuan village, flexibly employed through a platform in "
                "Guangzhou"),
    StoryPerson("worker", "陈丽", "female", date(1985, 3, 9), "440306", "440306",
                "factory worker in Shenzhen whose employer declares wages monthly"),
    StoryPerson("teacher", "刘淑芬", "female", date(1962, 7, 21), "510104", "510104",
                "retired teacher in Chengdu"),
    StoryPerson("farmer", "赵德明", "male", date(1968, 11, 2), "511321", "511321",
                "head of a rural household in Sichuan applying for the minimum living allowance"),
)

DEMO_LOGINS = {
    "citizen": "王建军, delivery rider from Sichuan working in Guangzhou (citizen)",
    "worker": "陈丽, factory worker in Shenzhen (citizen)",
    "teacher": "刘淑芬, retired teacher in Chengdu (citizen)",
    "employer": "a Shenzhen electronics factory that declares wages monthly (employer)",
    "clerk": "district clerk at the Jinjiang District service desk, Chengdu (510104)",
    "supervisor": "provincial fund supervisor, Sichuan (510000)",
    "analyst": "national policy analyst (000000)",
    "admin": "national administrator (000000)",
}


@dataclass(frozen=True)
class Seeded:
    persons: int
    employers: int


class _IdentityNumbers:
    """Unique, valid identity numbers: the sequence digit's parity carries the sex."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self, region: str, birth: date, sex: str) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
            number = make_resident_id(region, birth, sequence)
            if number not in self.used:
                self.used.add(number)
                return number


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _birth(rng: random.Random) -> date:
    """Ages 0–90, weighted towards working ages like China's population pyramid."""
    age = min(90, max(0, int(rng.gauss(42, 19))))
    return DEMO_TODAY - timedelta(days=age * 365 + rng.randrange(365))


def seed_demo(database_url: str, *, persons: int = 3000, seed: int = 2021) -> Seeded | None:
    """Seed an empty database; return None if the demo is already there."""
    with transaction(database_url) as db:
        if db.scalar(select(User.id).where(User.username == "admin")) is not None:
            return None
        rng = random.Random(seed)
        numbers = _IdentityNumbers(rng)
        employers = _employers(db, rng)
        story = _story_people(db, numbers)
        _population(db, rng, numbers, persons - len(story))
        _accounts(db, story, employers[0])
        return Seeded(persons=persons, employers=len(employers))


def _employers(db: Session, rng: random.Random) -> list[Employer]:
    made: list[Employer] = []
    factory = Employer(
        credit_code=make_credit_code("440306", "MA5F3K2L8"),
        name="深圳市宝安精密电子有限公司", region_code="440306", industry="电子设备制造",
        injury_class=3, size="medium",
    )
    made.append(factory)
    used = {factory.credit_code}
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for province, count in ((GUANGDONG, 90), (SICHUAN, 60)):
        counties = counties_of(province)
        for _ in range(count):
            region = rng.choice(counties).code
            industry, injury_class = rng.choice(INDUSTRIES)
            code = make_credit_code(region, "".join(rng.choice(alphabet) for _ in range(9)))
            if code in used:
                continue
            used.add(code)
            made.append(
                Employer(
                    credit_code=code,
                    name=f"{_name(rng)[0]}氏{industry}有限公司",
                    region_code=region,
                    industry=industry,
                    injury_class=injury_class,
                    size=rng.choices(("small", "medium", "large"), (70, 22, 8))[0],
                )
            )
    db.add_all(made)
    db.flush()
    return made


def _story_people(db: Session, numbers: _IdentityNumbers) -> dict[str, Person]:
    people = {
        s.key: Person(
            identity_number=numbers.new(s.hukou, s.birth, s.sex), name=s.name, sex=s.sex,
            birth_date=s.birth, hukou_region=s.hukou, residence_region=s.residence,
        )
        for s in STORY
    }
    db.add_all(people.values())
    db.flush()
    return people


def _population(db: Session, rng: random.Random, numbers: _IdentityNumbers, count: int) -> None:
    gd, sc = counties_of(GUANGDONG), counties_of(SICHUAN)
    batch: list[Person] = []
    for _ in range(count):
        sex = rng.choice(("male", "female"))
        birth = _birth(rng)
        hukou = rng.choice(gd if rng.random() < 0.5 else sc).code
        # About one Sichuan native in five lives and works in Guangdong.
        migrant = hukou.startswith("51") and rng.random() < 0.2
        residence = rng.choice(gd).code if migrant else hukou
        batch.append(
            Person(
                identity_number=numbers.new(hukou, birth, sex), name=_name(rng), sex=sex,
                birth_date=birth, hukou_region=hukou, residence_region=residence,
            )
        )
    db.add_all(batch)
    db.flush()


def _accounts(db: Session, story: dict[str, Person], factory: Employer) -> None:
    def account(username: str, role: str, region: str, name: str, **links: int) -> None:
        create_user(
            db, username=username, password=DEMO_PASSWORD, role=role, region_code=region,
            display_name=name, is_demo=True, **links,
        )

    account("citizen", "citizen", story["rider"].residence_region, story["rider"].name,
            person_id=story["rider"].id)
    account("worker", "citizen", story["worker"].residence_region, story["worker"].name,
            person_id=story["worker"].id)
    account("teacher", "citizen", story["teacher"].residence_region, story["teacher"].name,
            person_id=story["teacher"].id)
    account("employer", "employer", factory.region_code, factory.name, employer_id=factory.id)
    account("clerk", "clerk", "510104", "锦江区经办员 周敏")
    account("supervisor", "supervisor", SICHUAN, "四川省基金监督员 杨帆")
    account("analyst", "analyst", NATION, "政策分析员 林晨")
    account("admin", "admin", NATION, "系统管理员")
