"""Top a built benchmark database up with care data at the issues' scale (issues #11-#15).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_bench_400000
    .venv/bin/python bench/fill_care.py                 # ~3 visits and ~0.5 needs per person

For a database built by bench_pages.py (seed_demo --no-users, rescreen --all, demo users): adds
visiting teams and pairings, ~--visits visits per person, ~--needs needs per person, a full push
with uptake along the funnel, care plans, the demo joint-meeting cases and employment help; then
rebuilds the derived rows (refresh_visit_schedule if present, before the visit reminders;
rebuild_stats at the end) and VACUUM ANALYZEs.

Idempotent: each step looks at what is there and adds only what is missing (a second run does
nothing but the rebuilds and VACUUM ANALYZE). The bulk rows are written set-based
(INSERT ... SELECT over the registry, one statement per table); the small ones (teams, plans,
employment, meetings) through the ORM or the apps' own demo functions, which are bounded. Bulk
rows get no history rows (no benchmark reads them), unlike the demo's.
"""

import argparse
import contextlib
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongshan_care.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

STARTED = time.perf_counter()


def step(name):
    """Decorator: print the step's name, its result and its time."""

    def wrap(fn):
        def run(*args, **kwargs):
            print(f"[{time.perf_counter() - STARTED:7.1f}s] {name} ...", flush=True)
            started = time.perf_counter()
            result = fn(*args, **kwargs)
            print(f"          {name}: {result}  ({time.perf_counter() - started:.1f} s)", flush=True)
            return result

        return run

    return wrap


def lit(text: str) -> str:
    """A SQL string literal of one of this script's own constants."""
    return "'" + str(text).replace("'", "''").replace("%", "%%") + "'"


def pick(values, r: str) -> str:
    """SQL: one of ``values`` chosen by the uniform [0, 1) expression ``r``."""
    return f"(ARRAY[{', '.join(lit(v) for v in values)}])[1 + floor({r} * {len(values)})::int]"


def insert_select(model, exprs: dict[str, str], tail: str, params=()) -> int:
    """INSERT INTO model's table (the columns of ``exprs``) SELECT exprs <tail>; every other
    required column gets its model default, so a column added by another branch does not break
    the fill as long as it has a default. Returns the rows written."""
    cols, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        if field.column in exprs:
            cols.append(field.column)
            values.append(exprs[field.column])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            cols.append(field.column)
            values.append("now()")
        elif field.null:
            continue
        elif field.has_default():
            cols.append(field.column)
            values.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            raise SystemExit(f"fill_care: {model.__name__}.{field.name} is required and has no default")
    unknown = set(exprs) - set(cols)
    if unknown:
        raise SystemExit(f"fill_care: {model.__name__} has no column {sorted(unknown)}")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(values)} {tail}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])
        return cursor.rowcount


@contextlib.contextmanager
def bulk_load():
    """Foreign-key checks off for this session's bulk writes (session_replication_role = replica
    skips the FK triggers: ~3 index probes a row, most of an INSERT's cost at millions of rows).
    The rows are valid by construction (selected from the rows they point to). Only used around
    writes to care tables: the registry's own triggers (assessments.marks) would be skipped too."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def counts():
    from households.models import Household, Person

    return Person.objects.count(), Household.objects.count()


def workers():
    """The demo's workers and the areas whose records they write (as in the demo modules)."""
    from accounts.models import User
    from households.demo import ensure_demo_users
    from households.models import Division

    if User.objects.filter(username__in=["admin", "dongqu", "huayuan"]).count() < 3:
        ensure_demo_users()
    users = {u.username: u for u in User.objects.filter(username__in=["admin", "dongqu", "huayuan"])}
    huayuan = list(Division.objects.filter(name="花苑社区").values_list("pk", flat=True)) or [0]
    dongqu = list(Division.objects.filter(name="东区街道").values_list("pk", flat=True)) or [0]
    return users, huayuan, dongqu


def worker_sql(users, huayuan, dongqu, alias: str) -> str:
    """SQL: the demo worker who records for household ``alias``."""
    return (
        f"CASE WHEN {alias}.community_id IN ({', '.join(map(str, huayuan))}) THEN {users['huayuan'].pk} "
        f"WHEN {alias}.town_id IN ({', '.join(map(str, dongqu))}) THEN {users['dongqu'].pk} "
        f"ELSE {users['admin'].pk} END"
    )


# --- visiting care ---------------------------------------------------------------------------


@step("teams and members")
def fill_teams(users) -> str:
    from simple_history.utils import bulk_create_with_history

    from households.demo import GIVEN, SURNAMES
    from households.models import Division
    from visits import choices as vc
    from visits.demo import CITY_TEAMS, TEAM_KINDS
    from visits.models import Team, TeamMember

    rng = random.Random(2026)
    communities = list(
        Division.objects.communities().filter(households__isnull=False).distinct().order_by("code")
    )
    existing = set(Team.objects.values_list("division_id", "name"))
    new = []
    for i, community in enumerate(communities):
        count = max(1, CITY_TEAMS // len(communities) + (i < CITY_TEAMS % len(communities)))
        for name, kind in TEAM_KINDS[: min(count, len(TEAM_KINDS))]:
            full = f"{community.name}{name}"
            if (community.pk, full) in existing:
                continue
            responsible = (
                users["huayuan"]
                if community.name == "花苑社区"
                else users["dongqu"]
                if community.parent.name == "东区街道"
                else None
            )
            new.append(Team(name=full, division=community, team_type=kind, responsible=responsible))
    bulk_create_with_history(new, Team, batch_size=1000)
    members = []
    for team in Team.objects.filter(members__isnull=True):
        for _ in range(rng.randint(5, 9)):
            member = TeamMember(
                team=team,
                name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                member_type=rng.choice(list(vc.MemberType.values)),
            )
            member.set_phone(f"139{rng.randint(10000000, 99999999)}")
            members.append(member)
    bulk_create_with_history(members, TeamMember, batch_size=2000)
    return f"{len(new)} teams, {len(members)} members added; {Team.objects.count()} teams in all"


@step("pairings")
def fill_pairings(today) -> str:
    """Pair ~93% of the households that need visits and have no open pairing (as the demo)."""
    from visits.models import Pairing
    from visits.selectors import visit_households

    households = visit_households(today=today).values_list("pk", "community_id", "interval", "paired_on")
    sql, params = households.query.sql_with_params()
    with connection.cursor() as cursor:
        # Materialized first: joined to the teams directly, the planner re-ran the selector's
        # per-household subqueries once per team (2 minutes at 4,000 households).
        cursor.execute(
            f"CREATE TEMPORARY TABLE fill_unpaired AS SELECT * FROM ({sql}) AS v "
            "(id, community_id, visit_interval, paired_on) "
            "WHERE v.paired_on IS NULL AND v.visit_interval IS NOT NULL",
            params,
        )
        cursor.execute("ANALYZE fill_unpaired")
    tail = """
        FROM fill_unpaired AS v
        JOIN (SELECT id, division_id, row_number() OVER (PARTITION BY division_id ORDER BY id) - 1 AS n,
                     count(*) OVER (PARTITION BY division_id) AS k
              FROM visits_team WHERE is_active) AS t
          ON t.division_id = v.community_id AND t.n = v.id %% t.k
        WHERE abs(hashint8(v.id::bigint)) %% 100 >= 7  -- the same 7%% stay unpaired on every run
    """
    added = insert_select(
        Pairing,
        {
            "team_id": "t.id",
            "household_id": "v.id",
            "started_on": f"DATE '{today.isoformat()}' - (200 + floor(random() * 201))::int",
            "end_reason": "''",
        },
        tail,
        [],
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE fill_unpaired")
    open_ = Pairing.objects.filter(ended_on__isnull=True).count()
    return f"{added:,} added; {open_:,} open"


@step("visits")
def fill_visits(users, today, want: int) -> str:
    """~``want`` visits in all: households paired but never visited get n visits each, the last
    within their interval (one in eight stopped a while ago: overdue now), spaced 0.55-1.05
    intervals apart; each with the condolence service (+8% each other) and the team's first
    member."""
    from visits import choices as vc
    from visits.models import Visit, VisitService
    from visits.selectors import visit_households

    have = Visit.objects.count()
    if have >= 0.9 * want:
        return f"{have:,} there already (want {want:,}): nothing to add"
    households = visit_households(today=today).values_list("pk", "interval")
    sql, params = households.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM visits_visit")
        before = cursor.fetchone()[0]
        # The selector materialized first (see fill_pairings), then joined.
        cursor.execute(
            f"CREATE TEMPORARY TABLE fill_intervals AS SELECT * FROM ({sql}) AS v (id, visit_interval)",
            params,
        )
        cursor.execute("ANALYZE fill_intervals")
        cursor.execute(
            """CREATE TEMPORARY TABLE fill_targets AS
                SELECT DISTINCT ON (p.household_id) p.household_id, p.team_id,
                       greatest(coalesce(v.visit_interval, 30), 1) AS visit_interval,
                       CASE WHEN random() < 0.12 THEN 1.2 + random() * 1.8 ELSE random() END AS lag
                FROM visits_pairing p
                JOIN fill_intervals AS v ON v.id = p.household_id
                WHERE p.ended_on IS NULL
                  AND NOT EXISTS (SELECT 1 FROM visits_visit x WHERE x.household_id = p.household_id)
                ORDER BY p.household_id, p.id"""
        )
        cursor.execute("DROP TABLE fill_intervals")
        cursor.execute("SELECT count(*) FROM fill_targets")
        targets = cursor.fetchone()[0]
    if not targets:
        return f"{have:,} there; no paired household without visits to add to"
    per = max(1, round((want - have) / targets))
    M, H, C = vc.VisitMethod, vc.Health, vc.Check
    home = f"s.method = {lit(M.HOME)}"
    added = insert_select(
        Visit,
        {
            "household_id": "s.household_id",
            "team_id": "s.team_id",
            "visited_on": "s.day",
            "method": "s.method",
            "health": pick([H.GOOD] * 60 + [H.FAIR] * 30 + [H.POOR] * 9 + [H.URGENT], "random()"),
            "electricity": f"CASE WHEN random() < 0.03 THEN {lit(C.HAZARD)} WHEN {home} THEN {lit(C.SAFE)} "
            f"ELSE {lit(C.UNCHECKED)} END",
            "gas": f"CASE WHEN {home} THEN {lit(C.SAFE)} ELSE {lit(C.UNCHECKED)} END",
            "fire": f"CASE WHEN {home} THEN {lit(C.SAFE)} ELSE {lit(C.UNCHECKED)} END",
            "carers_ok": "CASE WHEN random() < 0.5 THEN true END",
            "problems": "CASE WHEN random() < 0.04 THEN '家中电线老化，有用电隐患' ELSE '' END",
            "notes": "''",
            "recorded_by_id": f"coalesce(t.responsible_id, {users['admin'].pk})",
            "recorded_at": "s.day + time '10:00' + make_interval(mins => floor(random() * 420)::int)",
        },
        f"""FROM (SELECT f.household_id, f.team_id,
                         {pick([M.HOME] * 15 + [M.PHONE] * 4 + [M.VIDEO], "random()")} AS method,
                         (%s::date - (f.lag * f.visit_interval)::int
                          - (g.k * f.visit_interval * (0.55 + 0.5 * random()))::int) AS day
                  FROM fill_targets f CROSS JOIN generate_series(0, %s - 1) AS g (k)
                  OFFSET 0) s  -- OFFSET 0: not flattened, so each random value is drawn once a row
            JOIN visits_team t ON t.id = s.team_id""",
        [today, per],
    )
    with connection.cursor() as cursor:
        services = [s for s in vc.Service.values if s != vc.Service.CONDOLENCE]
        cursor.execute(
            f"""INSERT INTO {VisitService._meta.db_table} (visit_id, service)
                SELECT v.id, s.service FROM visits_visit v
                CROSS JOIN LATERAL (
                    -- v.id in the filter: evaluated per visit (else once per service, for all)
                    SELECT u.service
                    FROM unnest(ARRAY[{", ".join(lit(s) for s in [vc.Service.CONDOLENCE, *services])}]) AS u (service)
                    WHERE u.service = {lit(vc.Service.CONDOLENCE)} OR random() + 0 * v.id < 0.08) AS s
                WHERE v.id > %s""",
            [before],
        )
        services_added = cursor.rowcount
        through = Visit.members.through._meta.db_table
        cursor.execute(
            f"""INSERT INTO {through} (visit_id, teammember_id)
                SELECT v.id, m.id FROM visits_visit v
                JOIN (SELECT DISTINCT ON (team_id) team_id, id FROM visits_teammember
                      ORDER BY team_id, id) m ON m.team_id = v.team_id
                WHERE v.id > %s""",
            [before],
        )
        # A pairing starts before its first visit (the visits of long intervals reach back further
        # than the 200-400 days the pairings were given).
        cursor.execute(
            """UPDATE visits_pairing p SET started_on = m.first
               FROM (SELECT household_id, min(visited_on) AS first FROM visits_visit WHERE id > %s
                     GROUP BY household_id) m
               WHERE p.household_id = m.household_id AND p.ended_on IS NULL AND p.started_on > m.first""",
            [before],
        )
        cursor.execute("DROP TABLE fill_targets")
    return f"{added:,} visits ({per} per household on {targets:,}), {services_added:,} services"


@step("visit schedule rows")
def refresh_schedule() -> str:
    """The visits branch's schedule table (one row per household to visit), if this tree has it:
    the queues, the coverage and the reminders read it, so it is rebuilt before the reminders."""
    if "refresh_visit_schedule" not in get_commands():
        return "no refresh_visit_schedule command: skipped"
    call_command("refresh_visit_schedule")
    return "rebuilt"


@step("overdue-visit reminders")
def visit_reminders(today) -> str:
    from visits import services

    if not hasattr(services, "visit_reminders"):
        return "no visits.services.visit_reminders: skipped"
    return f"{services.visit_reminders(today=today)}"


# --- needs, push, plans ----------------------------------------------------------------------

STATES = [
    ("recorded", 25),
    ("matched", 15),
    ("in_progress", 20),
    ("met", 30),
    ("closed_unmet", 5),
    ("escalated", 5),
]
OUTCOMES = {
    "met": "已落实帮扶，服务对象表示满意",
    "closed_unmet": "不符合申请条件，已解释政策并转介其他资源",
    "escalated": "涉及多个部门，需提交联席会议协调",
}


@step("needs")
def fill_needs(users, huayuan, dongqu, want: int, households: int) -> str:
    """~``want`` needs in all, the demo's mix (assistance.demo): 1-3 per chosen household,
    every state, urgent 15%, items matched in the matching domain."""
    from assistance import choices as ac
    from assistance.demo import DESCRIPTIONS
    from assistance.models import Need

    have = Need.objects.count()
    if have >= 0.9 * want:
        return f"{have:,} there already (want {want:,}): nothing to add"
    share = min(1.0, (want - have) / (1.6 * max(households, 1)))
    domains = [d for d in DESCRIPTIONS if d in ac.NeedDomain.values]
    status_case = (
        "CASE "
        + "".join(
            f"WHEN a.r_status < {sum(w for _s, w in STATES[: i + 1]) / 100} THEN {lit(s)} "
            for i, (s, _w) in enumerate(STATES)
        )
        + "END"
    )
    sources = [s for s in ac.NeedSource.values if s != ac.NeedSource.IMPORT]
    descriptions = (
        "CASE b.domain "
        + "".join(f"WHEN {lit(d)} THEN {pick(DESCRIPTIONS[d], 'b.r_desc')} " for d in domains)
        + "END"
    )
    worker = worker_sql(users, huayuan, dongqu, "b")
    tail = f"""FROM (
        SELECT a.*, {status_case} AS status, now() - make_interval(days => a.rec_days, hours => a.rec_hours) AS recorded_at
        FROM (
            SELECT h.id AS household_id, h.community_id, h.town_id,
                   {pick(domains, "random()")} AS domain,
                   random() AS r_status, random() AS r_desc, random() AS r_item,
                   (1 + floor(random() * 329))::int AS rec_days, floor(random() * 10)::int AS rec_hours,
                   (1 + floor(random() * 19))::int AS chg_days, (3 + floor(random() * 72))::int AS met_days
            FROM households_household h
            CROSS JOIN LATERAL generate_series(1, (ARRAY[1, 1, 1, 2, 3])[1 + floor(random() * 5)::int] + h.id * 0) g
            WHERE random() < %s
            OFFSET 0  -- not flattened: each random value drawn once a row, used consistently
        ) a
        OFFSET 0
    ) b
    LEFT JOIN (SELECT domain, array_agg(id ORDER BY id) AS ids FROM assistance_catalogitem
               WHERE is_active GROUP BY domain) i ON i.domain = b.domain"""
    met_on = "least((b.recorded_at + make_interval(days => b.met_days))::date, current_date)"
    added = insert_select(
        Need,
        {
            "household_id": "b.household_id",
            "domain": "b.domain",
            "description": descriptions,
            "urgency": f"CASE WHEN random() < 0.15 THEN {lit(ac.Urgency.URGENT)} ELSE {lit(ac.Urgency.NORMAL)} END",
            "source": pick(sources, "random()"),
            "status": "b.status",
            "item_id": "CASE WHEN b.status IN ('matched', 'in_progress', 'met') "
            "THEN i.ids[1 + floor(b.r_item * cardinality(i.ids))::int] END",
            "outcome_note": "CASE b.status "
            + "".join(f"WHEN {lit(s)} THEN {lit(t)} " for s, t in OUTCOMES.items())
            + "ELSE '' END",
            "recorded_by_id": worker,
            "recorded_at": "b.recorded_at",
            "changed_by_id": f"CASE WHEN b.status <> 'recorded' THEN {worker} END",
            "changed_at": "CASE WHEN b.status = 'met' THEN b.recorded_at + make_interval(days => "
            f"{met_on} - b.recorded_at::date) WHEN b.status <> 'recorded' "
            "THEN b.recorded_at + make_interval(days => b.chg_days) END",
            "met_on": f"CASE WHEN b.status = 'met' THEN {met_on} END",
            "days_to_meet": f"CASE WHEN b.status = 'met' THEN {met_on} - b.recorded_at::date END",
        },
        tail,
        [share],
    )
    return f"{added:,} added (share {share:.2f} of households); {have + added:,} in all"


@step("push (full)")
def fill_push(users) -> str:
    from assistance import push
    from assistance.models import Recommendation

    if Recommendation.objects.exists():
        # bench_push.py measures the pushes; a second fill need not (55 s at 10k on a busy machine).
        return "pushed before: skipped"
    # The first push into an empty table is planned from its empty statistics: each item's
    # withdraw statement became a nested-loop anti join against the (never analyzed) staging
    # table, quadratic in the item's rows (66 s at 10k persons; days at 1M). Hash joins here.
    with bulk_load(), connection.cursor() as cursor:
        cursor.execute("SET enable_nestloop = off")
        try:
            run = push.push(mode="full")
        finally:
            cursor.execute("RESET enable_nestloop")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assistance_recommendation")
    # Uptake along the funnel for a fifth of the pushes (make_demo_care: a third, row by row); once.
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE assistance_recommendation SET
                   status = CASE WHEN random() < 0.15 THEN 'declined'
                                 ELSE (ARRAY['offered', 'applied', 'granted', 'delivered'])[1 + floor(random() * 4)::int] END,
                   changed_at = now() - make_interval(days => floor(random() * 60)::int),
                   changed_by_id = %s
               WHERE status = 'pushed' AND random() < 0.2""",
            [users["huayuan"].pk],
        )
        moved = cursor.rowcount
    return f"{run.created:,} pushed; {moved:,} moved along the funnel"


@step("care plans")
def fill_plans(users, huayuan, dongqu, want: int) -> str:
    """~``want`` plans on households with an open need and no plan, every fourth stopping at
    each of draft, submitted, approved, active; one action per plan for its need."""
    from simple_history.utils import bulk_create_with_history

    from assistance import choices as ac
    from assistance.models import CarePlan, Need, PlanAction

    have = CarePlan.objects.count()
    if have >= 0.9 * want:
        return f"{have:,} there already (want {want:,}): nothing to add"
    needs = list(
        Need.objects.filter(status__in=ac.OPEN_NEED_STATUSES, household__care_plans__isnull=True)
        .order_by("household_id", "id")
        .distinct("household_id")
        .values_list("id", "household_id", "household__community_id", "household__town_id", "domain")[
            : want - have
        ]
    )
    now, today = timezone.now(), dt.date.today()
    steps = [ac.PlanStatus.DRAFT, ac.PlanStatus.SUBMITTED, ac.PlanStatus.APPROVED, ac.PlanStatus.ACTIVE]
    plans = []
    for n, (_need, household, community, town, domain) in enumerate(needs):
        worker = (
            users["huayuan"]
            if community in huayuan
            else users["dongqu"]
            if town in dongqu
            else users["admin"]
        )
        status = steps[n % 4]
        plans.append(
            CarePlan(
                household_id=household,
                status=status,
                goals=f"围绕“{ac.NeedDomain(domain).label}”需求制定帮扶措施，三个月内见效。",
                review_on=today + dt.timedelta(days=20 + n % 70),
                author=worker,
                submitted_at=now if status != ac.PlanStatus.DRAFT else None,
                approved_by=users["admin"]
                if status in (ac.PlanStatus.APPROVED, ac.PlanStatus.ACTIVE)
                else None,
                approved_at=now if status in (ac.PlanStatus.APPROVED, ac.PlanStatus.ACTIVE) else None,
                activated_at=now if status == ac.PlanStatus.ACTIVE else None,
            )
        )
    with transaction.atomic():
        plans = bulk_create_with_history(plans, CarePlan, batch_size=2000)
        by_household = {
            p.household_id: p for p in CarePlan.objects.filter(household_id__in=[n[1] for n in needs])
        }
        actions = [
            PlanAction(
                plan=by_household[household],
                description=f"落实{ac.NeedDomain(domain).label}帮扶",
                need_id=need,
                owner=by_household[household].author,
                due_on=today + dt.timedelta(days=-10 + n % 50),
            )
            for n, (need, household, _c, _t, domain) in enumerate(needs)
        ]
        bulk_create_with_history(actions, PlanAction, batch_size=2000)
    return f"{len(plans):,} plans and actions added"


# --- joint meetings, employment ------------------------------------------------------------


@step("joint-meeting demo")
def fill_meetings() -> str:
    from meetings.demo import make_demo_meetings

    result = make_demo_meetings()
    result.pop("logins", None)
    return f"{result} (bench_meetings.py adds its own bulk cases)"


@step("employment demo")
def fill_employment(persons: int) -> str:
    from employment.demo import make_demo_employment

    return f"{make_demo_employment(limit=max(6000, persons // 20)) or 'there already'}"


# --- derived rows --------------------------------------------------------------------------


@step("derived rows and VACUUM ANALYZE")
def rebuild() -> str:
    done = []
    for command in ("rebuild_stats",):
        if command in get_commands():
            started = time.perf_counter()
            call_command(command)
            done.append(f"{command} {time.perf_counter() - started:.1f} s")
        else:
            done.append(f"{command} absent")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM too: the uptake UPDATE left dead rows, and index-only scans want the visibility map.
        cursor.execute("VACUUM ANALYZE")
    done.append(f"VACUUM ANALYZE {time.perf_counter() - started:.1f} s")
    return "; ".join(done)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", type=float, default=3.0, help="visits per person (issue #12: 3)")
    parser.add_argument("--needs", type=float, default=0.5, help="needs per person (issue #14: 0.5)")
    parser.add_argument("--plans", type=float, default=0.01, help="care plans per person")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("fill_care needs PostgreSQL (DATABASE_URL)")
    persons, households = counts()
    print(
        f"database {connection.settings_dict['NAME']}: {persons:,} persons, {households:,} households",
        flush=True,
    )
    today = dt.date.today()
    users, huayuan, dongqu = workers()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
    with transaction.atomic():
        fill_teams(users)
        fill_pairings(today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE visits_team, visits_teammember, visits_pairing")
    with transaction.atomic(), bulk_load():
        fill_visits(users, today, int(args.visits * persons))
    with connection.cursor() as cursor:  # the schedule and the reminders read them next
        cursor.execute("ANALYZE visits_visit, visits_visitservice, visits_pairing")
    refresh_schedule()
    visit_reminders(today)
    with transaction.atomic(), bulk_load():
        fill_needs(users, huayuan, dongqu, int(args.needs * persons), households)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assistance_need")
    fill_push(users)
    fill_plans(users, huayuan, dongqu, max(200, int(args.plans * persons)))
    fill_meetings()
    fill_employment(persons)
    rebuild()
    print(f"fill_care done in {time.perf_counter() - STARTED:.0f} s", flush=True)


if __name__ == "__main__":
    main()
