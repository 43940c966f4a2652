"""Demo needs across the demo city, in every state, so that a new user sees a lived-in ledger.

Deterministic and idempotent: the needs are made once, by the demo workers, for a fixed share of
the demo households; running seed_demo again adds nothing.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from households.models import Household

from . import choices as c
from .models import CatalogItem, Need

S = c.NeedStatus
# (status, weight)
STATES = [
    (S.RECORDED, 25),
    (S.MATCHED, 15),
    (S.IN_PROGRESS, 20),
    (S.MET, 30),
    (S.CLOSED_UNMET, 5),
    (S.ESCALATED, 5),
]
DESCRIPTIONS = {
    "living": ["家庭收入低于低保标准，基本生活困难", "突发变故导致家庭暂时生活困难", "需要节日慰问物资"],
    "medical": ["长期慢性病，医疗费用负担重", "需要陪同就医、代为取药", "住院自付费用较高"],
    "education": ["子女上学需要助学金", "孩子学习跟不上，需要课业辅导", "辍学在家，需要劝返复学"],
    "housing": ["房屋漏水，属于危房需要改造", "无自有住房，需要申请公租房"],
    "employment": ["有劳动能力但长期未就业，希望找工作", "希望参加技能培训"],
    "care": ["独居老人需要助餐、助洁", "重度残疾需要护理照料", "留守儿童缺少照护"],
    "psychological": ["家庭变故后情绪低落，需要心理疏导"],
    "safety": ["家中电线老化，存在用电安全隐患", "燃气管老化需要更换"],
    "legal": ["赡养纠纷需要法律咨询"],
}
OUTCOMES = {
    S.MET: "已落实帮扶，服务对象表示满意",
    S.CLOSED_UNMET: "不符合申请条件，已解释政策并转介其他资源",
    S.ESCALATED: "涉及多个部门，需提交联席会议协调",
}


def make_demo_needs(*, share: float = 0.2, limit: int = 5000, seed: int = 2026) -> int:
    from accounts.models import User

    workers = {u.username: u for u in User.objects.filter(username__in=["admin", "dongqu", "huayuan"])}
    if len(workers) < 3 or Need.objects.filter(recorded_by__in=workers.values()).exists():
        return 0
    rng = random.Random(seed)
    items_by_domain: dict[str, list[CatalogItem]] = {}
    for item in CatalogItem.objects.filter(is_active=True):
        items_by_domain.setdefault(item.domain, []).append(item)
    households = list(Household.objects.order_by("id").values_list("id", "community__name", "town__name"))
    chosen = [h for h in households if rng.random() < share][:limit]
    now = timezone.now()
    needs = []
    for household_id, community_name, town_name in chosen:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            needs.append(_need(rng, household_id, community_name, town_name, workers, items_by_domain, now))
    with transaction.atomic():
        bulk_create_with_history(needs, Need, batch_size=2000)
    return len(needs)


def _need(rng, household_id, community_name, town_name, workers, items_by_domain, now):
    domain = rng.choice(list(DESCRIPTIONS))
    status = rng.choices([s for s, _w in STATES], weights=[w for _s, w in STATES])[0]
    recorded_at = now - dt.timedelta(days=rng.randrange(1, 330), hours=rng.randrange(0, 10))
    worker = workers[
        "huayuan" if community_name == "花苑社区" else "dongqu" if town_name == "东区街道" else "admin"
    ]
    need = Need(
        household_id=household_id,
        domain=domain,
        description=rng.choice(DESCRIPTIONS[domain]),
        urgency=c.Urgency.URGENT if rng.random() < 0.15 else c.Urgency.NORMAL,
        source=rng.choice([s for s, _label in c.NeedSource.choices if s != c.NeedSource.IMPORT]),
        status=status,
        recorded_by=worker,
        recorded_at=recorded_at,
    )
    if status != S.RECORDED:
        need.changed_by = worker
        need.changed_at = recorded_at + dt.timedelta(days=rng.randrange(1, 20))
        items = items_by_domain.get(domain)
        if items and status in (S.MATCHED, S.IN_PROGRESS, S.MET):
            need.item = rng.choice(items)
        need.outcome_note = OUTCOMES.get(status, "")
    if status == S.MET:
        days = rng.randrange(3, 75)
        need.met_on = (recorded_at + dt.timedelta(days=days)).date()
        if need.met_on > now.date():
            need.met_on = now.date()
        need.days_to_meet = (need.met_on - recorded_at.date()).days
        need.changed_at = recorded_at + dt.timedelta(days=need.days_to_meet)
    return need


def make_demo_care(*, seed: int = 2026) -> dict:
    """Push for the demo city, some uptake along the funnel, and care plans in every state.

    Idempotent: plans are made once (when none exist); the push itself never duplicates.
    """
    from django.contrib.auth.models import Permission

    from accounts.models import User

    from . import push as push_module
    from .models import CarePlan, PlanAction, Recommendation
    from .services import plan_create, plan_transition

    users = {u.username: u for u in User.objects.filter(username__in=["admin", "dongqu", "huayuan"])}
    if len(users) < 3:
        return {}
    users["dongqu"].user_permissions.add(Permission.objects.get(codename="approve_careplan"))
    town_approver = User.objects.get(pk=users["dongqu"].pk)
    run = push_module.push(mode="full")
    rng = random.Random(seed)
    if CarePlan.objects.exists():
        return {"pushed": run.created, "plans": 0}
    U = c.UptakeStatus
    path = [U.OFFERED, U.APPLIED, U.GRANTED, U.DELIVERED]
    now = timezone.now()
    recs = list(Recommendation.objects.filter(status=U.PUSHED).order_by("id").values_list("id", flat=True))
    for rec_id in rng.sample(recs, min(len(recs), max(len(recs) // 3, 1))) if recs else []:
        steps = rng.randrange(1, 5)
        status = path[steps - 1] if rng.random() > 0.15 else U.DECLINED
        Recommendation.objects.filter(pk=rec_id).update(
            status=status,
            changed_at=now - dt.timedelta(days=rng.randrange(0, 60)),
            changed_by=users["huayuan"],
            note="服务对象表示暂不需要" if status == U.DECLINED else "",
        )
    from stats import uptake

    uptake.recount(None)  # the steps above were written in bulk, past the services
    plans = 0
    needs = (
        Need.objects.filter(household__town__name="东区街道", status__in=[S.RECORDED, S.MATCHED])
        .select_related("household__community")
        .order_by("household_id", "id")
    )
    seen = set()
    for need in needs:
        # 花苑's worker writes her plans and the town approves them; the town's own go to the city.
        in_huayuan = need.household.community.name == "花苑社区"
        worker, approver = (
            (users["huayuan"], town_approver) if in_huayuan else (users["dongqu"], users["admin"])
        )
        if need.household_id in seen or len(seen) >= 12:
            continue
        seen.add(need.household_id)
        plan = plan_create(
            household=need.household,
            user=worker,
            goals=f"围绕“{need.get_domain_display()}”需求制定帮扶措施，三个月内见效。",
            review_on=dt.date.today() + dt.timedelta(days=rng.randrange(20, 90)),
        )
        PlanAction.objects.create(
            plan=plan,
            description=f"落实{need.get_domain_display()}帮扶：{need.description}",
            need=need,
            owner=worker,
            due_on=dt.date.today() + dt.timedelta(days=rng.randrange(-10, 40)),
        )
        # Every fourth plan stops at each state: draft, submitted, approved, active.
        steps = ((P.SUBMITTED, worker), (P.APPROVED, approver), (P.ACTIVE, worker))
        for step, who in steps[: plans % 4]:
            plan_transition(plan=plan, to=step, user=who)
        plans += 1
    return {"pushed": run.created, "plans": plans}


P = c.PlanStatus
