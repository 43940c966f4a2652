"""Demo visiting care: about 284 teams across the demo communities, members of every type,
pairings for most households that need visits (some left unpaired), a year of visits with
realistic gaps (some households now overdue), and monthly community activities.

Deterministic and idempotent (made once, when no demo visits exist); pairings and visits are
written set-based in SQL (with their history rows), so a million-person city takes minutes.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from households.demo import GIVEN, SURNAMES
from households.models import Division, Person

from . import choices as c
from .models import Activity, Pairing, Team, TeamMember, Visit

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
    from .services import schedule_refresh

    screen_if_never_screened()
    rng = random.Random(seed)
    with transaction.atomic():
        teams = _teams(rng, users)
        _members(rng, teams)
        pairings_after = _pairings(rng, teams, today)
        visits = _visits(rng, pairings_after, users, today, days)
        activities = 0 if top_up else _activities(rng, teams, users, today)
        schedule_refresh(today=today)  # every household's row, once, after all the writes
    from .services import visit_reminders

    return {
        "teams": len(teams),
        "pairings": Pairing.objects.filter(id__gt=pairings_after).count(),
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
        _spread_first_decisions()


def _spread_first_decisions(days: int = 540) -> None:
    """The demo city is screened today in one sweep; a real city's people entered their groups
    over the past years. Each first decision moves back 0..days-1 days (fixed per row), so that a
    past month's report and the trend lines have figures, and this month has its new placements."""
    from assessments.models import GroupDecision

    now = timezone.now()
    this_month = timezone.localdate().day  # every eighth stays in this month: its new placements
    rows = list(GroupDecision.objects.filter(ended_at__isnull=True).only("pk", "decided_at"))
    for row in rows:
        back = row.pk % this_month if row.pk % 8 == 0 else row.pk * 7919 % days
        row.decided_at = min(row.decided_at, now) - dt.timedelta(days=back)
    GroupDecision.objects.bulk_update(rows, ["decided_at"], batch_size=2000)


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


# Pairings and visits are written with INSERT ... SELECT (a million-person city has ~150k
# households to pair and ~3M visits: minutes in SQL, hours as Python objects). "Random" choices
# are hashes of the ids, so a run is deterministic. The same SQL runs on SQLite (tests) and
# PostgreSQL, through the few spellings in _dialect().


def _dialect():
    from django.db import connection

    if connection.vendor == "postgresql":
        return {
            "add": lambda d, n: f"({d} + ({n})::integer)",
            "max": "GREATEST",
            "at": lambda d: f"(({d})::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Shanghai'",
        }
    return {
        "add": lambda d, n: f"date({d}, ({n}) || ' days')",
        "max": "MAX",
        "at": lambda d: f"datetime({d}, '+2 hours')",  # 10:00 in Zhongshan, stored as UTC
    }


def _execute(sql: str, params=()) -> int:
    from django.db import connection

    # The SQL below writes modulo as " % "; with parameters the driver needs it doubled.
    with connection.cursor() as cursor:
        cursor.execute(sql.replace(" % ", " %% "), list(params))
        return cursor.rowcount


def _max_id(model) -> int:
    from django.db.models import Max

    return model.objects.aggregate(m=Max("id"))["m"] or 0


def _history(model, fields: list[str], after: int, now) -> None:
    """One '+' history row per row made above ``after`` (what bulk_create_with_history writes)."""
    history = model.history.model._meta.db_table
    columns = ", ".join(fields)
    _execute(
        f"INSERT INTO {history} (id, {columns}, history_date, history_type) "
        f"SELECT id, {columns}, %s, '+' FROM {model._meta.db_table} WHERE id > %s",
        [now, after],
    )


def _pairings(rng, teams, today) -> int:
    """Pair about 93% of the households that need visits and are not paired yet (read from the
    schedule table, refreshed first), each with one of its community's teams; returns the id
    below the new pairings."""
    from .services import schedule_refresh

    schedule_refresh(today=today)
    eligible = sorted(t.pk for team_list in teams.values() for t in team_list)
    before = _max_id(Pairing)
    if not eligible:
        return before
    d = _dialect()
    marks = ", ".join(["%s"] * len(eligible))
    _execute(
        f"WITH t AS (SELECT id, division_id, ROW_NUMBER() OVER (PARTITION BY division_id ORDER BY id) - 1 AS rn, "
        f"COUNT(*) OVER (PARTITION BY division_id) AS n FROM visits_team WHERE id IN ({marks})) "
        f"INSERT INTO visits_pairing (team_id, household_id, member_id, started_on, ended_on, end_reason) "
        f"SELECT t.id, s.household_id, NULL, {d['add']('%s', '-(200 + (s.household_id * 7919) % 201)')}, NULL, '' "
        f"FROM visits_householdschedule s JOIN t ON t.division_id = s.community_id AND t.rn = s.household_id % t.n "
        f"WHERE NOT s.paired AND s.interval_days IS NOT NULL AND (s.household_id * 2654435761) % 100 >= 7",
        [*eligible, today],
    )
    fields = ["started_on", "ended_on", "end_reason", "household_id", "team_id", "member_id"]
    _history(Pairing, fields, before, timezone.now())
    return before


def _visits(rng, pairings_after: int, users, today, span: int = 365) -> int:
    """Visits of the pairings above ``pairings_after``: every 55-105% of the interval from a
    start within the last ``span`` days; one household in eight stopped being visited 1.2 to 3
    intervals ago (overdue now). Returns how many were made."""
    d = _dialect()
    add, greatest = d["add"], d["max"]
    before = _max_id(Visit)
    hid = "p.household_id"
    stop = f"CASE WHEN ({hid} * 13) % 100 < 12 THEN {add('%s', f'-(s.interval_days * (120 + ({hid} * 29) % 181) / 100)')} ELSE %s END"
    first = add(f"{greatest}(p.started_on, {add('%s', f'-{int(span)}')})", f"({hid} * 31) % s.interval_days")
    step = f"{greatest}(1, v.iv * (55 + (v.hid * 17 + v.n * 31) % 51) / 100)"
    pick = "(v.hid * 7 + v.n * 13) % 100"
    method = f"CASE WHEN {pick} < 75 THEN 'home' WHEN {pick} < 95 THEN 'phone' ELSE 'video' END"
    health_pick = "(v.hid * 11 + v.n * 17) % 100"
    health = (
        f"CASE WHEN {health_pick} < 60 THEN 'good' WHEN {health_pick} < 90 THEN 'fair' "
        f"WHEN {health_pick} < 99 THEN 'poor' ELSE 'urgent' END"
    )
    problem = (
        "CASE "
        + " ".join(f"WHEN (v.hid + v.n) % {len(PROBLEMS)} = {i} THEN %s" for i in range(len(PROBLEMS)))
        + " END"
    )
    admin = users["admin"].pk
    _execute(
        f"WITH RECURSIVE plan AS ("
        f"  SELECT p.household_id AS hid, p.team_id AS tid, s.interval_days AS iv, {first} AS first_on, {stop} AS stop_on"
        f"  FROM visits_pairing p JOIN visits_householdschedule s ON s.household_id = p.household_id"
        f"  WHERE p.id > %s AND p.ended_on IS NULL AND s.interval_days IS NOT NULL),"
        f" v (hid, tid, iv, day, stop_on, n) AS ("
        f"  SELECT hid, tid, iv, first_on, stop_on, 0 FROM plan WHERE first_on <= stop_on"
        f"  UNION ALL SELECT v.hid, v.tid, v.iv, {add('v.day', step)}, v.stop_on, v.n + 1 FROM v"
        f"  WHERE {add('v.day', step)} <= v.stop_on)"
        f" INSERT INTO visits_visit (household_id, team_id, visited_on, method, health, electricity, gas, fire,"
        f"  carers_ok, problems, next_due_on, notes, recorded_by_id, recorded_at, version)"
        f" SELECT x.hid, x.tid, x.day, x.method, x.health,"
        f"  CASE WHEN (x.hid * 5 + x.n * 3) % 100 < 3 THEN 'hazard' WHEN x.method = 'home' THEN 'safe' ELSE 'unchecked' END,"
        f"  CASE WHEN x.method = 'home' THEN 'safe' ELSE 'unchecked' END,"
        f"  CASE WHEN x.method = 'home' THEN 'safe' ELSE 'unchecked' END,"
        f"  CASE WHEN (x.hid + x.n) % 2 = 0 THEN TRUE ELSE NULL END,"
        f"  CASE WHEN (x.hid * 3 + x.n * 7) % 100 < 4 THEN x.problem ELSE '' END,"
        f"  NULL, '', COALESCE(t.responsible_id, %s), {d['at']('x.day')}, 1"
        f" FROM (SELECT v.*, {method} AS method, {health} AS health, {problem} AS problem FROM v) x"
        f" JOIN visits_team t ON t.id = x.tid",
        [today, today, today, pairings_after, admin, *PROBLEMS],
    )
    fields = [
        "visited_on", "method", "health", "electricity", "gas", "fire", "carers_ok", "problems",
        "next_due_on", "notes", "recorded_at", "version", "household_id", "need_id", "recorded_by_id", "team_id",
    ]  # fmt: skip
    _history(Visit, fields, before, timezone.now())
    _visit_children(before)
    # Counted, not the cursor's rowcount: SQLite reports -1 for a statement that starts with WITH.
    return Visit.objects.filter(id__gt=before).count()


def _visit_children(after: int) -> None:
    """Services (探访慰问 always, each other one in ~8% of visits) and the team's last member."""
    _execute(
        "INSERT INTO visits_visitservice (visit_id, service) SELECT id, %s FROM visits_visit WHERE id > %s",
        [c.Service.CONDOLENCE, after],
    )
    for i, code in enumerate(s for s in c.Service.values if s != c.Service.CONDOLENCE):
        _execute(
            "INSERT INTO visits_visitservice (visit_id, service) SELECT id, %s FROM visits_visit "
            "WHERE id > %s AND (id * 7919 + %s * 104729) % 100 < 8",
            [code, after, i],
        )
    through = Visit.members.through._meta.db_table
    _execute(
        f"INSERT INTO {through} (visit_id, teammember_id) SELECT v.id, m.mid FROM visits_visit v "
        f"JOIN (SELECT team_id, MAX(id) AS mid FROM visits_teammember GROUP BY team_id) m ON m.team_id = v.team_id "
        f"WHERE v.id > %s",
        [after],
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
