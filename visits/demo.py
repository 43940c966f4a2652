"""Demo visiting care: about 284 teams across the demo communities, members of every type,
pairings for most households that need visits (some left unpaired), a year of visits with
realistic gaps (some households now overdue), and monthly community activities.

Deterministic and idempotent (made once, when no demo visits exist); every table is written in
bulk, so the whole step takes seconds, not minutes.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from households.demo import GIVEN, SURNAMES
from households.models import Division, Person

from . import choices as c
from .models import Activity, Pairing, Team, TeamMember, Visit, VisitService

CITY_TEAMS = 284
TEAM_KINDS = [
    ("探访服务队", c.TeamType.COMMUNITY),
    ("党员志愿服务队", c.TeamType.PARTY),
    ("“双百”社工服务队", c.TeamType.SOCIAL_WORK),
    ("邻里互助队", c.TeamType.MIXED),
    ("关爱服务二队", c.TeamType.MIXED),
]
PROBLEMS = [
    "家中电线老化，有用电隐患",
    "燃气软管老化，建议更换",
    "近期行动不便，需要助行帮助",
    "独居，做饭困难",
    "情绪低落，需要心理疏导",
    "药快吃完了，需要陪同复诊",
]
ACTIVITY_TITLES = {
    c.ActivityKind.HEALTH_TALK: "健康知识讲座",
    c.ActivityKind.LEGAL: "法律咨询进社区",
    c.ActivityKind.CHECKUP: "义诊体检",
    c.ActivityKind.CALLIGRAPHY: "书画兴趣班",
    c.ActivityKind.PAPER_CUT: "剪纸活动",
    c.ActivityKind.SINGING: "长者唱歌会",
}


def make_demo_visits(
    *, seed: int = 2026, today: dt.date | None = None, days: int = 365, top_up=False
) -> dict:
    """``top_up`` (benchmarks): pair the households added since the last run and give only them
    ``days`` of visits, even when demo visits exist."""
    from accounts.models import User

    today = today or dt.date.today()
    users = {u.username: u for u in User.objects.filter(username__in=["admin", "dongqu", "huayuan"])}
    if len(users) < 3 or (not top_up and Visit.objects.filter(recorded_by__in=users.values()).exists()):
        return {}
    screen_if_never_screened()
    rng = random.Random(seed)
    with transaction.atomic():
        teams = _teams(rng, users)
        _members(rng, teams)
        pairings = _pairings(rng, teams, today)
        visits = _visits(rng, pairings, users, today, days)
        activities = 0 if top_up else _activities(rng, teams, users, today)
    from .services import visit_reminders

    return {
        "teams": len(teams),
        "pairings": len(pairings),
        "visits": visits,
        "activities": activities,
        "overdue tasks": visit_reminders(today=today),
    }


def screen_if_never_screened() -> None:
    """Visits follow the groups: a demo city that was never screened is screened first."""
    from assessments import screening
    from assessments.models import GroupDecision

    if not GroupDecision.objects.exists():
        screening.rescreen(everyone=True)


def _teams(rng, users) -> dict[int, list[Team]]:
    """{community id: teams}; teams spread over the communities to about 284 in all."""
    communities = list(
        Division.objects.communities().filter(households__isnull=False).distinct().order_by("code")
    )
    existing = {(t.division_id, t.name): t for t in Team.objects.filter(division__in=communities)}
    new, by_community = [], {}
    for i, community in enumerate(communities):
        count = max(1, CITY_TEAMS // len(communities) + (i < CITY_TEAMS % len(communities)))
        for name, kind in TEAM_KINDS[: min(count, len(TEAM_KINDS))]:
            full = f"{community.name}{name}"
            team = existing.get((community.pk, full)) or Team(name=full, division=community, team_type=kind)
            responsible = _responsible(community, users)
            if team.pk is None:
                team.responsible = responsible
                new.append(team)
            elif team.responsible_id is None and responsible is not None:
                team.responsible = responsible
                team.save(update_fields=["responsible"])
            if team.pk is None or not team.members.filter(user__isnull=False).exists():
                # The demo volunteer's team keeps its own few households (a phone-sized list).
                by_community.setdefault(community.pk, []).append(team)
    bulk_create_with_history(new, Team, batch_size=1000)
    return by_community


def _responsible(community, users):
    if community.name == "花苑社区":
        return users["huayuan"]
    return users["dongqu"] if community.parent.name == "东区街道" else None


def _members(rng, teams) -> None:
    types = list(c.MemberType.values)
    members = []
    for team_list in teams.values():
        for team in team_list:
            if team.members.exists():
                continue
            for _ in range(rng.randint(5, 9)):
                member = TeamMember(
                    team=team,
                    name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                    member_type=rng.choice(types),
                )
                member.set_phone(f"139{rng.randint(10000000, 99999999)}")
                members.append(member)
    bulk_create_with_history(members, TeamMember, batch_size=2000)


def _pairings(rng, teams, today) -> list[tuple]:
    """Pair about 93% of the households that need visits not yet paired; returns the new pairings
    as (household id, team, interval, paired on)."""
    from .selectors import visit_households

    rows = visit_households(today=today).values_list("pk", "community_id", "interval", "paired_on")
    new, paired = [], []
    for pk, community_id, interval, paired_on in rows:
        team_list = teams.get(community_id)
        if not team_list or interval is None:
            continue
        team = team_list[pk % len(team_list)]
        if paired_on is not None or rng.random() < 0.07:
            continue  # paired already, or left unpaired: the coverage page lists them
        paired_on = today - dt.timedelta(days=rng.randint(200, 400))
        new.append(Pairing(team=team, household_id=pk, started_on=paired_on))
        paired.append((pk, team, interval, paired_on))
    bulk_create_with_history(new, Pairing, batch_size=2000)
    return paired


def _visit_days(rng, interval: int, since: dt.date, today: dt.date, span: int = 365) -> list[dt.date]:
    """On time mostly; one household in eight stopped being visited a while ago (overdue now)."""
    stop = today
    if rng.random() < 0.12:
        stop = today - dt.timedelta(days=int(interval * rng.uniform(1.2, 3)))
    days, day = (
        [],
        max(since, today - dt.timedelta(days=span)) + dt.timedelta(days=rng.randint(0, interval - 1)),
    )
    while day <= stop:
        days.append(day)
        day += dt.timedelta(days=max(1, int(interval * rng.uniform(0.55, 1.05))))
    return days


def _visits(rng, pairings, users, today, span: int = 365) -> int:
    visits, services, members = [], [], []
    member_ids = dict(TeamMember.objects.order_by("team_id", "id").values_list("team_id", "id"))
    for household_id, team, interval, since in pairings:
        for day in _visit_days(rng, interval, since, today, span):
            visits.append(_visit(rng, household_id, team, day, users))
    bulk_create_with_history(visits, Visit, batch_size=5000)
    for visit in visits:
        codes = {c.Service.CONDOLENCE} | {s for s in c.Service.values if rng.random() < 0.08}
        services += [VisitService(visit_id=visit.pk, service=s) for s in codes]
        if visit.team_id in member_ids:
            members.append(Visit.members.through(visit_id=visit.pk, teammember_id=member_ids[visit.team_id]))
    VisitService.objects.bulk_create(services, batch_size=10000)
    Visit.members.through.objects.bulk_create(members, batch_size=10000)
    return len(visits)


def _visit(rng, household_id, team, day, users) -> Visit:
    method = rng.choices(c.VisitMethod.values, weights=[75, 20, 5])[0]
    hazard = rng.random() < 0.03
    problem = rng.choice(PROBLEMS) if rng.random() < 0.04 else ""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59))))
    return Visit(
        household_id=household_id,
        team=team,
        visited_on=day,
        method=method,
        health=rng.choices(c.Health.values, weights=[60, 30, 9, 1])[0],
        electricity=c.Check.HAZARD if hazard else (c.Check.SAFE if method == "home" else c.Check.UNCHECKED),
        gas=c.Check.SAFE if method == "home" else c.Check.UNCHECKED,
        fire=c.Check.SAFE if method == "home" else c.Check.UNCHECKED,
        carers_ok=True if rng.random() < 0.5 else None,
        problems=problem,
        recorded_by=team.responsible or users["admin"],
        recorded_at=at,
    )


def _activities(rng, teams, users, today) -> int:
    people = {}
    for pk, community_id in (
        Person.objects.filter(group_decisions__active=True)
        .values_list("pk", "household__community_id")
        .distinct()
    ):
        people.setdefault(community_id, []).append(pk)
    activities = []
    for community_id, team_list in teams.items():
        for month in range(12):
            kind = rng.choice(list(ACTIVITY_TITLES))
            team = rng.choice(team_list)
            activities.append(
                Activity(
                    title=ACTIVITY_TITLES[kind],
                    kind=kind,
                    place="社区党群服务中心",
                    held_on=today - dt.timedelta(days=30 * month + rng.randint(0, 25)),
                    town_id=team.division.parent_id,
                    community_id=community_id,
                    organiser_team=team,
                    other_count=rng.randint(5, 40),
                    recorded_by=team.responsible or users["admin"],
                )
            )
    bulk_create_with_history(activities, Activity, batch_size=2000)
    through = Activity.participants.through
    links = []
    for activity in activities:
        pool = people.get(activity.community_id, [])
        for person_id in rng.sample(pool, min(len(pool), rng.randint(3, 15))):
            links.append(through(activity_id=activity.pk, person_id=person_id))
    through.objects.bulk_create(links, batch_size=10000)
    return len(activities)
