"""A realistic, deterministic demo city: divisions, households, persons, statuses, users, a team.

Deterministic (seeded) so running it twice changes nothing; bulk inserts so 300,000 households
take minutes, not hours. Demo communities are marked ``is_demo``.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from core import idnumber

from . import choices as c
from .models import AssistanceStatus, Division, Household, Person
from .names import name_initials
from .reference import COMMUNITIES, TOWNS, town_code

SURNAMES = "李 陈 黄 张 梁 林 刘 吴 罗 何 郑 杨 谢 郭 冯 欧阳 麦 苏 卢 钟 余 叶 邓 梁 萧 彭 曾 廖 温 古 关 甘 潘 区".split()
GIVEN = "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 英 华 玲 文 志 荣 婷 俊 宇 浩 嘉 欣 慧 健 锦 碧 少 淑 丽 永 国 家 佩 雪 伟 杏 美 金 银 月 冬 小 晓".split()
DEMO_COMMUNITY_NAMES = ["安居社区", "和平社区", "新风村", "康乐社区", "富华社区"]
DEMO_PASSWORD = "Demo@2026"


def _id_number(rng: random.Random, birth: dt.date, male: bool, used: set) -> str:
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
        first17 = f"442000{birth:%Y%m%d}{seq:03d}"
        value = first17 + idnumber.check_char(first17)
        if value not in used:
            used.add(value)
            return value


def _birth(rng: random.Random, today: dt.date, age_low: int, age_high: int) -> dt.date:
    return today - dt.timedelta(days=rng.randrange(age_low * 365 + 1, age_high * 365 + 364))


def ensure_demo_divisions() -> list[Division]:
    """Each town gets the real communities domain.md names, or three demo communities (marked)."""
    communities = []
    for suffix, _name in TOWNS:
        town = Division.objects.get(code=town_code(suffix))
        existing = list(town.children.filter(level=c.DivisionLevel.COMMUNITY).order_by("code"))
        if not COMMUNITIES.get(suffix):
            for index, name in enumerate(DEMO_COMMUNITY_NAMES[:3], start=901):
                division, _ = Division.objects.get_or_create(
                    code=f"{town.code}{index:03d}",
                    defaults={
                        "name": name,
                        "level": c.DivisionLevel.COMMUNITY,
                        "parent": town,
                        "is_demo": True,
                    },
                )
                if division not in existing:
                    existing.append(division)
        communities.extend(existing)
    huayuan = Division.objects.get(name="花苑社区")
    for index in (1, 2):
        Division.objects.get_or_create(
            code=f"{huayuan.code}{index:02d}",
            defaults={
                "name": f"花苑第{index}网格",
                "level": c.DivisionLevel.GRID,
                "parent": huayuan,
                "is_demo": True,
            },
        )
    return communities


def _set_id(p: Person, value: str) -> None:
    p.id_hash = idnumber.id_hash(value)
    p.id_encrypted = idnumber.encrypt(value)
    p.id_masked = idnumber.mask(value)
    p.id_tail = value[-6:]


def _avoid_registered_ids(rng, persons: list[Person], used: set) -> None:
    """``used`` only knows this run's numbers: a re-run asking for more households must not draw a
    number an earlier run already registered (id_hash is unique)."""
    hashes = [p.id_hash for p in persons]
    taken = set()
    for start in range(0, len(hashes), 500):
        batch = hashes[start : start + 500]
        taken.update(Person.objects.filter(id_hash__in=batch).values_list("id_hash", flat=True))
    for p in persons:
        while p.id_hash in taken:
            _set_id(p, _id_number(rng, p.birth_date, p.sex == c.Sex.MALE, used))
            if Person.objects.filter(id_hash=p.id_hash).exists():
                taken.add(p.id_hash)


def _person(rng, household, relation, birth, male, used, today):
    p = Person(
        household=household, relation=relation, town_id=household.town_id, community=household.community
    )
    p.name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    _set_id(p, _id_number(rng, birth, male, used))
    p.sex = c.Sex.MALE if male else c.Sex.FEMALE
    p.birth_date = birth
    p.name_initials = name_initials(p.name)
    if rng.random() < 0.7:
        phone = f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
        p.phone_encrypted = idnumber.encrypt(phone)
        p.phone_masked = idnumber.mask_phone(phone)
    age = (today - birth).days // 365
    if rng.random() < 0.12:
        p.disability_category = rng.choice(c.DisabilityCategory.values)
        p.disability_grade = rng.choice((1, 2, 2, 3, 4))
    if rng.random() < 0.05:
        p.serious_illness = rng.choice(["尿毒症", "恶性肿瘤", "白血病", "重症精神病"])
    if age >= 60:
        p.living_arrangement = rng.choice(
            ["alone", "empty_nest", "with_spouse", "with_children", "left_behind"]
        )
        p.care_level = rng.choice(["independent", "independent", "mild", "moderate", "severe"])
        p.employment = c.Employment.RETIRED if rng.random() < 0.5 else ""
        p.special_family = rng.random() < 0.03
    elif age >= 16:
        p.labor_capacity = rng.choice(["full", "full", "partial", "none"])
        p.employment = rng.choice(["employed", "flexible", "unemployed", "never_employed", "farming"])
        if age <= 22 and rng.random() < 0.6:
            p.school_stage = rng.choice(["senior", "vocational", "higher_vocational", "bachelor"])
            p.employment = c.Employment.STUDENT
    else:
        stage = "preschool" if age < 6 else "primary" if age < 12 else "junior" if age < 15 else "senior"
        p.school_stage = stage if rng.random() > 0.03 else c.SchoolStage.DROPPED_OUT
        if rng.random() < 0.06:
            p.father_situation = rng.choice(["dead", "imprisoned", "severe_disability", "missing_contact"])
            p.mother_situation = rng.choice(["normal", "dead", "serious_illness"])
        if rng.random() < 0.08:
            p.living_arrangement = c.LivingArrangement.LEFT_BEHIND
    return p


def make_households(count: int, *, seed: int = 2026, chunk: int = 2000, progress=None) -> int:
    """Create demo households DEMO-000001.. up to ``count``; existing codes are skipped."""
    communities = ensure_demo_divisions()
    huayuan = next(d for d in communities if d.name == "花苑社区")
    today = dt.date.today()
    used: set[str] = set()
    created = 0
    for start in range(0, count, chunk):
        codes = [f"DEMO-{n:07d}" for n in range(start + 1, min(count, start + chunk) + 1)]
        existing = set(Household.objects.filter(code__in=codes).values_list("code", flat=True))
        # One RNG per chunk: the same chunk always produces the same people, new or re-run.
        rng = random.Random(f"{seed}-{start}")
        plan = []
        for code in codes:
            community = huayuan if rng.random() < 0.06 else rng.choice(communities)
            housing = rng.choice(
                ["owned", "owned", "owned", "rented", "public_rental", "borrowed", "dangerous", "none"]
            )
            household = Household(
                code=code,
                community=community,
                town_id=community.parent_id,
                address=f"{community.name}{rng.randrange(1, 80)}巷{rng.randrange(1, 40)}号",
                housing=housing,
                safety_grade=rng.choice("CD") if housing == "dangerous" else rng.choice(["", "A", "B"]),
                income_per_capita=Decimal(rng.randrange(0, 2400)),
            )
            plan.append((code in existing, household))
        new_households = [h for skip, h in plan if not skip]
        if not new_households:
            continue
        by_household = []
        for household in new_households:
            # Members draw from their own household's RNG: with the chunk's RNG, a re-run that adds
            # households fell back into step with the first run and re-drew its people.
            members = _members(random.Random(f"{seed}-{household.code}"), household, used, today)
            household.size = len(members)
            by_household.append(members)
        with transaction.atomic():
            # Persons point at unsaved households; bulk_create fills household_id from the new pks.
            Household.objects.bulk_create(new_households, batch_size=2000)
            persons = [p for members in by_household for p in members]
            _avoid_registered_ids(rng, persons, used)
            Person.objects.bulk_create(persons, batch_size=2000)
            statuses = [s for members in by_household for s in _statuses(rng, members, today)]
            AssistanceStatus.objects.bulk_create(statuses, batch_size=2000)
            # bulk_create skips simple-history: without a "+" row the first edit of a demo
            # record showed "修改家庭" with nothing to compare it with.
            for model, rows in ((Household, new_households), (Person, persons), (AssistanceStatus, statuses)):
                if hasattr(model, "history") and rows:
                    model.history.bulk_history_create(rows, batch_size=2000, default_change_reason="演示数据")
        created += len(new_households)
        if progress:
            progress(start + len(codes), count)
    return created


def _members(rng, household, used, today):
    head_age = rng.randrange(25, 92)
    head_male = rng.random() < 0.55
    members = [
        _person(
            rng, household, c.Relation.HEAD, _birth(rng, today, head_age, head_age), head_male, used, today
        )
    ]
    if rng.random() < 0.6:
        age = max(20, head_age + rng.randrange(-5, 5))
        members.append(
            _person(
                rng, household, c.Relation.SPOUSE, _birth(rng, today, age, age), not head_male, used, today
            )
        )
    if 25 <= head_age <= 60:
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            male = rng.random() < 0.5
            age = rng.randrange(0, max(1, min(head_age - 18, 30)))
            relation = c.Relation.SON if male else c.Relation.DAUGHTER
            members.append(_person(rng, household, relation, _birth(rng, today, age, age), male, used, today))
        if rng.random() < 0.25:
            age = rng.randrange(head_age + 20, head_age + 35)
            members.append(
                _person(
                    rng,
                    household,
                    c.Relation.PARENT,
                    _birth(rng, today, age, age),
                    rng.random() < 0.4,
                    used,
                    today,
                )
            )
    return members


def _statuses(rng, members, today):
    roll = rng.random()
    kinds = []
    if roll < 0.45:
        kinds.append(c.AssistanceKind.DIBAO)
    elif roll < 0.65:
        kinds.append(c.AssistanceKind.DIBIAN)
    elif roll < 0.72:
        kinds.append(c.AssistanceKind.TEKUN)
    elif roll < 0.8:
        kinds.append(c.AssistanceKind.RIGID_EXPENSE)
    source = (
        c.AssistanceSource.SOCIAL_ASSISTANCE
        if rng.random() < 0.7
        else c.AssistanceSource.LOW_INCOME_MONITORING
    )
    start = today - dt.timedelta(days=rng.randrange(30, 2000))
    rows = []
    for person in members:
        for kind in kinds:
            if kind == c.AssistanceKind.TEKUN and person.relation != c.Relation.HEAD:
                continue
            rows.append(
                AssistanceStatus(
                    person=person,
                    kind=kind,
                    source=source,
                    start_date=start,
                    detail="分散供养" if kind == c.AssistanceKind.TEKUN else "",
                )
            )
        if person.disability_grade in (1, 2):
            rows.append(
                AssistanceStatus(
                    person=person, kind=c.AssistanceKind.DISABILITY_CARE, source=source, start_date=start
                )
            )
        if person.disability_grade and kinds:
            rows.append(
                AssistanceStatus(
                    person=person, kind=c.AssistanceKind.DISABILITY_LIVING, source=source, start_date=start
                )
            )
        if person.father_situation == "dead" and person.mother_situation == "dead":
            rows.append(
                AssistanceStatus(person=person, kind=c.AssistanceKind.ORPHAN, source=source, start_date=start)
            )
    return rows


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Demo logins for every role (documented in the README). Returns (username, role, area)."""
    from accounts.choices import Role
    from accounts.models import User
    from visits.choices import MemberType
    from visits.models import Pairing, Team, TeamMember

    east = Division.objects.get(name="东区街道")
    huayuan = Division.objects.get(name="花苑社区")
    specs = [
        ("admin", "系统管理员", Role.ADMIN, None, True),
        ("manager", "市局管理员", Role.CITY_MANAGER, None, False),
        ("dongqu", "东区街道社工", Role.TOWN_WORKER, east, False),
        ("huayuan", "花苑社区社工", Role.COMMUNITY_WORKER, huayuan, False),
        ("volunteer", "花苑志愿者", Role.VOLUNTEER, huayuan, False),
    ]
    rows = []
    for username, full_name, role, division, staff in specs:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "role": role,
                "division": division,
                "is_staff": staff,
                "is_superuser": staff,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        rows.append((username, role.label, division.name if division else "全市"))
    team, _ = Team.objects.get_or_create(name="花苑社区探访服务队", division=huayuan)
    volunteer = User.objects.get(username="volunteer")
    TeamMember.objects.get_or_create(
        team=team, user=volunteer, defaults={"name": "花苑志愿者", "member_type": MemberType.VOLUNTEER}
    )
    if not team.pairings.exists():
        for household in Household.objects.filter(community=huayuan).order_by("id")[:10]:
            Pairing.objects.create(team=team, household=household, started_on=dt.date.today())
    return rows
