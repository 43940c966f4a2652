"""Demo employment help for the demo city: posts in every town, profiles, survey contacts in every
result, trainings, placements (active, ended, past their tenure) and referrals in every outcome.

Deterministic, set-based (bulk inserts with their history rows) and idempotent: nothing is made
when demo posts already exist.
"""

import datetime as dt
import random

from django.db import transaction
from django.db.models import Count, Q
from simple_history.utils import bulk_create_with_history

from households.models import Division, Person

from . import choices as c
from . import tallies
from .models import EmploymentProfile, Placement, Post, Referral, SurveyContact, Training
from .selectors import targets

POSTS = [
    ("保洁员", "镇街环境卫生所"),
    ("治安巡逻员", "镇街综治中心"),
    ("公园管护员", "镇街公共事务中心"),
    ("社区协管员", "镇街社会事务局"),
    ("助老服务员", "镇街长者服务中心"),
]
COURSES = [
    ("家政服务员", "中山市职业技能培训中心"),
    ("育婴员", "火炬职业技术学院"),
    ("中式烹调师", "中山市技师学院"),
    ("电工", "中山市技师学院"),
    ("电子商务", "中山市人力资源服务中心"),
    ("保安员", "中山市保安服务公司"),
]
EMPLOYERS = [
    ("中山市明阳电器有限公司", "装配工"),
    ("华帝股份有限公司", "包装工"),
    ("小榄镇物业管理公司", "保安"),
    ("中山市人民医院", "护工"),
    ("古镇灯饰城商户", "销售员"),
    ("中山市公交集团", "站务员"),
]
SKILLS = ["电工", "驾驶", "缝纫", "烹饪", "电脑操作", "家政", "种植养殖", ""]
NOTES = {
    c.SurveyResult.WANTS_JOB: "本人希望就近务工",
    c.SurveyResult.WANTS_TRAINING: "想先学一门技术",
    c.SurveyResult.EMPLOYED: "已在附近工厂上班",
    c.SurveyResult.UNABLE: "需照顾卧床老人",
    c.SurveyResult.NO_INTENTION: "暂不考虑就业",
    c.SurveyResult.NOT_REACHED: "电话无人接听",
}


def make_demo_employment(*, seed: int = 2026, limit: int = 6000) -> dict:
    from accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=["admin", "dongqu", "huayuan"])}
    if len(users) < 3 or Post.objects.exists():
        return {}
    rng = random.Random(seed)
    today = dt.date.today()
    people = list(
        targets(Person.objects.all())
        .order_by("id")
        .values_list(
            "id", "household_id", "household__town_id", "household__community__name", "household__town__name"
        )[:limit]
    )
    # Only people able to work are placed or hired in the demo.
    able = set(targets(Person.objects.exclude(labor_capacity="none")).values_list("id", flat=True))

    def worker(community_name, town_name):
        return users[
            "huayuan" if community_name == "花苑社区" else "dongqu" if town_name == "东区街道" else "admin"
        ]

    with transaction.atomic():
        posts = _posts(rng)
        _profiles(rng, people, worker, today)
        surveys = _surveys(rng, people, worker, today)
        trainings = _trainings(rng, people, worker, today)
        workers = [p for p in people if p[0] in able]
        placements = _placements(rng, workers, posts, worker, today)
        referrals = _referrals(rng, workers, worker, today)
        # Written in bulk past the services: the survey's summary rows once, from scratch.
        tallies.rebuild()
    return {
        "posts": len(posts),
        "surveys": surveys,
        "trainings": trainings,
        "placements": placements,
        "referrals": referrals,
    }


def _posts(rng) -> list[Post]:
    posts = []
    for i, town in enumerate(Division.objects.towns().order_by("code")):
        for name, employer in rng.sample(POSTS, 2 + i % 2):
            posts.append(
                Post(
                    town=town,
                    name=name,
                    employer=town.name + employer[2:],
                    capacity=rng.choice([3, 5, 8, 10]),
                    tenure_limit_months=36,
                    duties=f"{name}：负责辖区内相关公共服务工作。",
                )
            )
    posts[-1].is_active = False
    return bulk_create_with_history(posts, Post, batch_size=500)


def _profiles(rng, people, worker, today):
    rows = []
    for pid, _h, _t, community_name, town_name in people:
        if rng.random() < 0.6:
            rows.append(
                EmploymentProfile(
                    person_id=pid,
                    education=rng.choice(c.Education.values),
                    skills=rng.choice(SKILLS),
                    intention=rng.choice(c.Intention.values),
                    care_duties=rng.random() < 0.2,
                    health_limits=rng.random() < 0.15,
                    updated_by=worker(community_name, town_name),
                )
            )
    bulk_create_with_history(rows, EmploymentProfile, batch_size=2000)


def _surveys(rng, people, worker, today) -> int:
    """Most towns surveyed most households; a few towns lag behind, so the page shows the gap."""
    households = {}
    for pid, hid, town_id, community_name, town_name in people:
        households.setdefault(hid, (pid, town_id, community_name, town_name))
    lagging = {town_id for _h, (_p, town_id, *_r) in list(households.items())[::97]}
    rows = []
    for hid, (pid, town_id, community_name, town_name) in households.items():
        if rng.random() > (0.35 if town_id in lagging else 0.85):
            continue
        for _ in range(rng.choice([1, 1, 2])):
            result = rng.choice(c.SurveyResult.values)
            rows.append(
                SurveyContact(
                    household_id=hid,
                    person_id=pid,
                    method=rng.choice(c.SurveyMethod.values),
                    contacted_on=today - dt.timedelta(days=rng.randrange(1, 200)),
                    result=result,
                    note=NOTES[result],
                    contacted_by=worker(community_name, town_name),
                )
            )
    bulk_create_with_history(rows, SurveyContact, batch_size=2000)
    return len(rows)


def _trainings(rng, people, worker, today) -> int:
    rows = []
    for pid, _h, _t, community_name, town_name in people:
        if rng.random() > 0.12:
            continue
        course, organizer = rng.choice(COURSES)
        start = today - dt.timedelta(days=rng.randrange(10, 300))
        status = rng.choice(c.TrainingStatus.values)
        end = (
            None
            if status == c.TrainingStatus.ENROLLED
            else min(start + dt.timedelta(days=rng.randrange(5, 60)), today)
        )
        rows.append(
            Training(
                person_id=pid,
                course=course,
                organizer=organizer,
                start_date=start,
                end_date=end,
                status=status,
                certificate=f"{course}（初级）"
                if status == c.TrainingStatus.COMPLETED and rng.random() < 0.7
                else "",
                recorded_by=worker(community_name, town_name),
            )
        )
    bulk_create_with_history(rows, Training, batch_size=2000)
    return len(rows)


def _placements(rng, people, posts, worker, today) -> int:
    from assessments.retirement import add_months

    by_town = {}
    for post in posts:
        if post.is_active:
            by_town.setdefault(post.town_id, []).append(post)
    filled = {post.pk: 0 for post in posts}
    rows, employed = [], []
    for pid, _h, town_id, community_name, town_name in people:
        if rng.random() > 0.08 or town_id not in by_town:
            continue
        post = rng.choice(by_town[town_id])
        if filled[post.pk] >= post.capacity:
            continue
        kind = rng.random()
        if kind < 0.6:  # in post
            start = today - dt.timedelta(days=rng.randrange(10, 700))
            rows.append(
                Placement(
                    post=post,
                    person_id=pid,
                    start_date=start,
                    planned_end=add_months(start, 36),
                    recorded_by=worker(community_name, town_name),
                )
            )
            filled[post.pk] += 1
            employed.append(pid)
        elif kind < 0.7:  # in post past the tenure limit (the list flags it 已到期)
            start = add_months(today, -36) - dt.timedelta(days=rng.randrange(3, 40))
            rows.append(
                Placement(
                    post=post,
                    person_id=pid,
                    start_date=start,
                    planned_end=add_months(start, 36),
                    recorded_by=worker(community_name, town_name),
                )
            )
            filled[post.pk] += 1
            employed.append(pid)
        else:  # ended
            start = today - dt.timedelta(days=rng.randrange(400, 1000))
            end = start + dt.timedelta(days=rng.randrange(90, 360))
            rows.append(
                Placement(
                    post=post,
                    person_id=pid,
                    start_date=start,
                    planned_end=add_months(start, 36),
                    end_date=end,
                    status=c.PlacementStatus.ENDED,
                    end_reason=rng.choice(["合同期满", "本人辞职", "已找到其他工作"]),
                    recorded_by=worker(community_name, town_name),
                )
            )
    bulk_create_with_history(rows, Placement, batch_size=2000)
    for post_id, count in (
        Placement.objects.filter(status=c.PlacementStatus.ACTIVE)
        .values("post_id")
        .annotate(n=Count("id"))
        .values_list("post_id", "n")
    ):
        Post.objects.filter(pk=post_id).update(filled=count)
    # A public-welfare post is employment: the rule input says so (the first sweep reads it).
    Person.objects.filter(pk__in=employed).update(employment="employed")
    return len(rows)


def _referrals(rng, people, worker, today) -> int:
    rows, employed = [], []
    for pid, _h, _t, community_name, town_name in people:
        if rng.random() > 0.15:
            continue
        employer, position = rng.choice(EMPLOYERS)
        referred = today - dt.timedelta(days=rng.randrange(5, 240))
        outcome = rng.choice(c.ReferralOutcome.values)
        row = Referral(
            person_id=pid,
            kind=rng.choice(c.ReferralKind.values),
            employer=employer,
            position=position,
            referred_on=referred,
            outcome=outcome,
            recorded_by=worker(community_name, town_name),
        )
        if outcome == c.ReferralOutcome.EMPLOYED:
            row.employed_at = employer
            row.employed_from = min(referred + dt.timedelta(days=rng.randrange(3, 30)), today)
            employed.append(pid)
        rows.append(row)
    bulk_create_with_history(rows, Referral, batch_size=2000)
    Person.objects.filter(pk__in=employed).filter(~Q(employment="employed")).update(employment="employed")
    return len(rows)
