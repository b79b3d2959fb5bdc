"""The demo: the people of shebao's story, the staff around them, and a synthetic population.

Two provinces whose people move between them: Guangdong (440000), rich and a net payer into
the central adjustment, and Sichuan (510000), whose migrants work in Guangdong. Everything is
generated from a seed, so every run of `shebao demo` builds the same population. Later
capabilities extend this one module.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shebao.assistance import demo as assistance_demo
from shebao.auth import service as auth_service
from shebao.auth.models import User
from shebao.auth.service import DEMO_PASSWORD, create_user
from shebao.benefits.medical.demo import seed_claims
from shebao.benefits.pension.demo import seed_pensions
from shebao.contributions import service as contributions
from shebao.contributions.models import Bill
from shebao.db.engine import transaction
from shebao.pooling.demo import seed_central_adjustment
from shebao.registry.identifiers import make_credit_code, make_resident_id
from shebao.registry.models import (
    Employer,
    EmploymentSpell,
    Enrollment,
    Household,
    HouseholdMember,
    Person,
)
from shebao.registry.regions import counties_of
from shebao.registry.service import queue_near_duplicates
from shebao.supervision.demo import seed_cases
from shebao.supplementary import demo as supplementary_demo
from shebao.transfers.demo import seed_transfers

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
    StoryPerson("farmer_spouse", "李秀英", "female", date(1971, 4, 18), "511321", "511321",
                "赵德明's wife"),
    StoryPerson("farmer_son", "赵小军", "male", date(1996, 8, 30), "511321", "511321",
                "赵德明's son, farming at home"),
    StoryPerson("farmer_daughter", "赵小雨", "female", date(2011, 2, 5), "511321", "511321",
                "赵德明's daughter, at school"),
)

DEMO_LOGINS = {
    "citizen": "王建军, delivery rider from Sichuan working in Guangzhou (citizen)",
    "worker": "陈丽, factory worker in Shenzhen (citizen)",
    "teacher": "刘淑芬, retired teacher in Chengdu (citizen)",
    "employer": "a Shenzhen electronics factory that declares wages monthly (employer)",
    "clerk": "district clerk at the Jinjiang District service desk, Chengdu (510104)",
    "clerk2": "second clerk at the Jinjiang desk, who checks pension awards (510104)",
    "pensioner": "陈国华, retired in 2025 in Chengdu: award, payments, authentication (citizen)",
    "hospital": "a Chengdu hospital that submits medical claims (employer account)",
    "farmer": "赵德明, head of a dibao household in Nanbu County, Sichuan (citizen)",
    "caseworker": "assistance caseworker, Nanbu County civil affairs (511321)",
    "caseworker2": "second Nanbu caseworker, who decides appeals (511321)",
    "supervisor": "provincial fund supervisor, Sichuan (510000)",
    "analyst": "national policy analyst (000000)",
    "admin": "national administrator (000000)",
}


@dataclass(frozen=True)
class Seeded:
    persons: int
    employers: int
    households: int = 0
    spells: int = 0
    enrollments: int = 0
    declarations: int = 0
    resident_contributions: int = 0


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


Progress = Callable[[str, int, int], None]
"""Told (what, done, total) as seeding goes on, for a progress bar."""


def _quiet(_what: str, _done: int, _total: int) -> None:
    """No progress bar."""


def seed_demo(
    database_url: str, *, persons: int = 3000, seed: int = 2021, progress: Progress = _quiet
) -> Seeded | None:
    """Seed an empty database; return None if the demo is already there."""
    with transaction(database_url) as db:
        if db.scalar(select(User.id).where(User.username == "admin")) is not None:
            return None
        rng = random.Random(seed)
        numbers = _IdentityNumbers(rng)
        employers = _employers(db, rng)
        story = _story_people(db, numbers)
        _population(db, rng, numbers, persons - len(story) - NEAR_DUPLICATES)
        _accounts(db, story, employers[0])
        # The registry's links get a random stream of their own, so the people stay the same.
        links = _registry_links(db, random.Random(seed + 1), numbers, story, employers)
    # A year of contributions, through the same services the desk and the API use.
    with transaction(database_url, write=True) as db:
        paid = _contribution_year(db, random.Random(seed + 2), story, progress)
        supplementary_demo.seed(db, seed + 3)
    progress("pensions", 0, 1)
    seed_pensions(database_url)
    progress("assistance", 0, 1)
    assistance_demo.seed(database_url)  # before the claims: it flags the medical recipients
    progress("claims", 0, 1)
    seed_claims(database_url)  # unemployment, work-injury and medical claims (benefits/)
    progress("transfers and the central adjustment", 0, 1)
    seed_transfers(database_url)  # between Guangdong and Sichuan (transfers/)
    seed_central_adjustment(database_url)  # 2021 between the two provinces (pooling/)
    progress("supervision", 0, 1)
    seed_cases(database_url)  # fraud cases waiting for the supervisor
    return Seeded(persons=persons, employers=len(employers), **links, **paid)


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


# --- the registry's links: households, employment, enrollment, one near-duplicate ----------

WORKING_AGES = (18, 59)
NEAR_DUPLICATES = 2  # the same woman registered twice, for the Chengdu clerk's review queue
# Average monthly wage in yuan by province, for generated wages (about 2024).
AVERAGE_WAGE_YUAN = {GUANGDONG: 9800, SICHUAN: 7600}
CATEGORY_OF_EMPLOYER = {
    "enterprise": "enterprise_employee", "individual_business": "enterprise_employee",
    "public_institution": "public_institution", "government": "public_institution",
    "platform": "platform",
}
EMPLOYEE_SCHEMES = ("employee_pension", "employee_medical", "unemployment", "work_injury")


def _age(birth: date, on: date = DEMO_TODAY) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_after(day: date, years: int) -> date:
    return date(day.year + years, day.month, 28 if day.month == 2 and day.day == 29 else day.day)


class _Links:
    """Rows collected in memory and written with one executemany per table: seeding stays fast."""

    def __init__(self) -> None:
        self.spells: list[dict[str, object]] = []
        self.enrollments: list[dict[str, object]] = []
        self.households: list[tuple[Household, list[tuple[Person, str, date]]]] = []

    def spell(self, person: Person, employer: Employer, category: str, start: date,
              wage_yuan: int, end: date | None = None, end_reason: str | None = None) -> None:
        self.spells.append({
            "person_id": person.id, "employer_id": employer.id, "category": category,
            "start_date": start, "end_date": end, "end_reason": end_reason,
            "monthly_wage_fen": wage_yuan * 100,
        })

    def enroll(self, person: Person, scheme: str, category: str, region: str, start: date,
               employer: Employer | None = None, end: date | None = None,
               end_reason: str | None = None) -> None:
        self.enrollments.append({
            "person_id": person.id, "scheme": scheme, "category": category,
            "region_code": region, "employer_id": employer.id if employer else None,
            "start_date": start, "end_date": end, "end_reason": end_reason,
        })

    def employ(self, person: Person, employer: Employer, start: date, wage_yuan: int) -> None:
        """An open spell and the schemes its category carries, where the employer is."""
        category = CATEGORY_OF_EMPLOYER[employer.category]
        self.spell(person, employer, category, start, wage_yuan)
        schemes = ("work_injury",) if category == "platform" else EMPLOYEE_SCHEMES
        for scheme in schemes:
            self.enroll(person, scheme, category, employer.region_code, start, employer)

    def resident(self, person: Person, pension: bool) -> None:
        """Resident medical from birth (or 2010); resident pension from 16 where chosen."""
        start = max(person.birth_date, date(2010, 1, 1))
        self.enroll(person, "resident_medical", "resident", person.hukou_region, start)
        if pension and _age(person.birth_date) >= 16:
            start = max(_years_after(person.birth_date, 16), date(2012, 1, 1))
            self.enroll(person, "resident_pension", "resident", person.hukou_region, start)

    def household(self, region: str, members: list[tuple[Person, str, date]]) -> None:
        self.households.append((Household(region_code=region), members))

    def write(self, db: Session) -> dict[str, int]:
        db.add_all(h for h, _ in self.households)
        db.flush()
        members = [
            {"household_id": h.id, "person_id": p.id, "relationship": r, "start_date": d,
             "end_date": None, "end_reason": None}
            for h, rows in self.households for p, r, d in rows
        ]
        for model, rows in ((EmploymentSpell, self.spells), (Enrollment, self.enrollments),
                            (HouseholdMember, members)):
            if rows:
                db.execute(insert(model), rows)
        return {"households": len(self.households), "spells": len(self.spells),
                "enrollments": len(self.enrollments)}


def _registry_links(
    db: Session, rng: random.Random, numbers: _IdentityNumbers, story: dict[str, Person],
    employers: list[Employer],
) -> dict[str, int]:
    links = _Links()
    factory = employers[0]
    platform = Employer(
        credit_code=make_credit_code("440106", "MA9P7T3R1"), name="广州速达即时配送平台有限公司",
        region_code="440106", industry="道路运输", injury_class=4, size="large",
        category="platform",
    )
    school = Employer(
        credit_code=make_credit_code("510104", "45098321X", "1", "2"), name="成都市锦江区实验小学",
        region_code="510104", industry="教育", injury_class=1, size="medium",
        category="public_institution", is_public_body=True,
    )
    db.add_all((platform, school))
    db.flush()
    employers.extend((platform, school))

    # The story: the rider on a platform in Guangzhou, the worker at the Shenzhen factory, the
    # retired teacher, and the farmer's household in Yilong's neighbour, Nanbu County.
    rider, worker, teacher = story["rider"], story["worker"], story["teacher"]
    links.spell(rider, platform, "platform", date(2019, 4, 1), 7800)
    links.enroll(rider, "work_injury", "platform", "440106", date(2019, 4, 1), platform)
    links.enroll(rider, "employee_pension", "platform", "440106", date(2019, 4, 1))
    links.enroll(rider, "employee_medical", "platform", "440106", date(2019, 4, 1))
    links.employ(worker, factory, date(2008, 7, 1), 6500)
    retired = date(2017, 7, 31)
    links.spell(teacher, school, "public_institution", date(1983, 9, 1), 5200, retired, "retired")
    for scheme in EMPLOYEE_SCHEMES:
        # Retirees keep employee medical (without contributions); the rest ends at retirement.
        ends = (None, None) if scheme == "employee_medical" else (retired, "retired")
        links.enroll(teacher, scheme, "public_institution", "510104", date(1995, 1, 1), school,
                     *ends)
    farm = [story[k] for k in ("farmer", "farmer_spouse", "farmer_son", "farmer_daughter")]
    for member in farm:
        links.resident(member, pension=True)
    links.household("511321", [
        (farm[0], "head", date(1993, 1, 1)), (farm[1], "spouse", date(1993, 1, 1)),
        (farm[2], "child", farm[2].birth_date), (farm[3], "child", farm[3].birth_date),
    ])

    # The population: working ages work at an employer of their province (or flexibly),
    # everyone else is a resident; about one person in ten heads a household.
    taken = {p.id for p in story.values()}
    population = list(db.scalars(
        select(Person).where(Person.id.not_in(taken)).order_by(Person.id)
    ))
    by_province: dict[str, list[Employer]] = {}
    for employer in employers:
        if employer.category != "platform" and employer is not school:
            by_province.setdefault(employer.region_code[:2], []).append(employer)
    for person in population:
        age = _age(person.birth_date)
        province = person.residence_region[:2]
        if WORKING_AGES[0] <= age <= WORKING_AGES[1] and rng.random() < 0.7:
            years = rng.randrange(0, min(age - WORKING_AGES[0], 25) + 1)
            last_month = DEMO_TODAY.month if years == 0 else 12
            start = date(DEMO_TODAY.year - years, rng.randrange(1, last_month + 1), 1)
            wage = int(AVERAGE_WAGE_YUAN[province + "0000"] * rng.lognormvariate(-0.1, 0.35))
            if rng.random() < 0.12:
                # Flexible work: employee pension and medical as an individual, where they live.
                for scheme in ("employee_pension", "employee_medical"):
                    links.enroll(person, scheme, "flexible", person.residence_region, start)
            elif province == "44" and rng.random() < 0.08:
                links.spell(person, platform, "platform", start, wage)
                links.enroll(person, "work_injury", "platform", "440106", start, platform)
                links.enroll(person, "employee_pension", "platform", person.residence_region,
                             start)
                links.resident(person, pension=False)
            else:
                links.employ(person, rng.choice(by_province[province]), start, wage)
        else:
            links.resident(person, pension=rng.random() < 0.8)

    # Households: heads aged 25+, a spouse of the other sex within ten years, children born
    # at least twenty years after the head, all of one hukou county.
    by_county: dict[str, list[Person]] = {}
    for person in population:
        by_county.setdefault(person.hukou_region, []).append(person)
    wanted = max(1, len(population) // 10)
    for county in sorted(by_county):
        pool = by_county[county]
        rng.shuffle(pool)
        while pool and len(links.households) < wanted + 1:
            head = pool.pop()
            if _age(head.birth_date) < 25:
                continue
            start = _years_after(head.birth_date, 25)
            members = [(head, "head", start)]
            spouse = next((p for p in pool if p.sex != head.sex
                           and abs(p.birth_date.year - head.birth_date.year) <= 10
                           and _age(p.birth_date) >= 22), None)
            if spouse is not None:
                pool.remove(spouse)
                members.append((spouse, "spouse", start))
            children = [p for p in pool
                        if p.birth_date >= _years_after(head.birth_date, 20)
                        and _age(p.birth_date) < 30][: rng.randrange(0, 4)]
            for child in children:
                pool.remove(child)
                members.append((child, "child", max(child.birth_date, start)))
            links.household(county, members)
    counts = links.write(db)

    # Legal representatives: an adult of the employer's province for each generated employer.
    adults: dict[str, list[Person]] = {}
    for person in population:
        if _age(person.birth_date) >= 25:
            adults.setdefault(person.residence_region[:2], []).append(person)
    for employer in employers[1:-2]:
        local = adults.get(employer.region_code[:2])
        employer.legal_representative_person_id = rng.choice(local).id if local else None

    # One near-duplicate for the Chengdu clerk: the same woman registered twice in Jinjiang.
    twins = [
        Person(identity_number=numbers.new("510104", date(1958, 3, 12), "female"), name="周桂英",
               sex="female", birth_date=date(1958, 3, 12), hukou_region="510104",
               residence_region="510104")
        for _ in range(2)
    ]
    db.add(twins[0])
    db.flush()
    db.add(twins[1])
    db.flush()
    queue_near_duplicates(db, twins[1])
    return counts


DEMO_YEAR = tuple(f"{year}-{month:02d}" for year, month in
                  [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)])


# Every employer declares the last half year; the story's factory and platform the whole year.
HALF_YEAR = DEMO_YEAR[6:]


def _contribution_year(
    db: Session, rng: random.Random, story: dict[str, Person], progress: Progress
) -> dict[str, int]:
    """Months of declarations, bills and payments, some late and some not yet paid; the
    factory's March 2020 under the relief; self-paying workers; residents; 2025's interest."""
    operator = auth_service.operator()
    spells = db.execute(
        select(EmploymentSpell.employer_id, Person.identity_number, EmploymentSpell.start_date,
               EmploymentSpell.end_date, EmploymentSpell.monthly_wage_fen)
        .join(Person, Person.id == EmploymentSpell.person_id).order_by(EmploymentSpell.id)
    ).all()
    factory = db.scalar(select(Employer.id).where(Employer.name == "深圳市宝安精密电子有限公司"))
    whole_year = {factory, db.scalar(select(Employer.id).where(Employer.category == "platform"))}
    declared = 0
    worker_number = story["worker"].identity_number

    def settle(bill: Bill, late: bool) -> None:
        due = bill.due_date
        day = due + timedelta(days=10) if late else due.replace(day=20)
        fee = contributions.late_fee_on(bill, day)[0]
        contributions.pay(db, operator, bill.id, day, bill.amount_fen + fee)

    # The factory declared March 2020 during the relief: its employer shares were waived.
    relief = contributions.declare(db, operator, factory, "2020-03",
                                   [contributions.DeclaredRow(1, worker_number, 620000)], "api")
    settle(relief, late=False)
    for done, month in enumerate(DEMO_YEAR):
        progress(f"contributions {month}", done, len(DEMO_YEAR))
        first, last = contributions.month_bounds(month)
        by_employer: dict[int, list[contributions.DeclaredRow]] = {}
        for employer_id, number, start, end, wage in spells:
            if month not in HALF_YEAR and employer_id not in whole_year:
                continue
            if start <= last and (end is None or end >= first):
                rows = by_employer.setdefault(employer_id, [])
                rows.append(contributions.DeclaredRow(len(rows) + 1, number, wage))
        for employer_id, rows in by_employer.items():
            bill = contributions.declare(db, operator, employer_id, month, rows, "api")
            declared += 1
            unpaid = month == DEMO_YEAR[-1] and rng.random() < 0.2
            if not unpaid:
                # The story's factory paid June late; about one bill in twelve is late.
                late = (employer_id == factory and month == "2026-06") or rng.random() < 0.08
                settle(bill, late)
        for bill in contributions.bill_flexible_workers(db, operator, month, NATION):
            if not (month == DEMO_YEAR[-1] and rng.random() < 0.3):
                settle(bill, late=rng.random() < 0.1)
        if month == "2025-12":
            contributions.credit_interest(db, operator, 2025)
    progress("residents' contributions", len(DEMO_YEAR), len(DEMO_YEAR))
    residents = 0
    for person_id in db.scalars(
        select(Enrollment.person_id)
        .where(Enrollment.scheme == "resident_pension", Enrollment.end_date.is_(None))
        .order_by(Enrollment.person_id)
    ):
        if rng.random() < 0.75:
            tier = rng.choice((10000, 20000, 30000, 50000, 100000))
            contributions.resident_contribution(db, operator, person_id, 2026, tier,
                                                date(2026, 3, 15))
            residents += 1
    return {"declarations": declared, "resident_contributions": residents}


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
