"""Push (幸福清单推送): the catalog items each person or household is eligible for and does not
already receive, computed set-based.

For each active item with at least one criterion, one ``INSERT ... SELECT`` writes the new
recommendations (the SELECT is the item's eligibility as an ORM queryset), one ``UPDATE`` pushes
again the declined or granted ones whose facts changed (the person's screening signature) or
that had been withdrawn, and one ``UPDATE`` withdraws the pushed ones nobody acts on any more
because the person no longer qualifies. The cost is a few statements per item, not a loop over
people. Items without any criterion (临时救助, 法律咨询 ...) are offered on request, not pushed.

A full run does not evaluate everything: like the screening, it packs every person's and
household's push inputs into integers (one set-based pass), compares them with the stored ones
(``PushState``, ``PushHouseholdState``) and evaluates every item only for the households where
something changed; an item whose eligibility version changed (edited, started, ended) is
evaluated for everyone. ``force=True`` (``push --all --force``) evaluates everything.
"""

import datetime as dt
import hashlib
import json
import time

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from assessments.choices import Group
from assessments.models import GroupDecision, ScreeningState
from assessments.rules import years_before
from core import bulk
from households import choices as hc
from households.models import AssistanceStatus, Household, Person
from stats import uptake as uptake_rows

from . import choices as c
from .models import CatalogItem, PushHouseholdState, PushItemState, PushRun, PushState, Recommendation

U = c.UptakeStatus
RETURNING = (U.WITHDRAWN.value, U.DECLINED.value, U.GRANTED.value)  # statuses a push may bring back
LOW_INCOME = sorted(hc.LOW_INCOME_KINDS)
ALONE = [hc.LivingArrangement.ALONE, hc.LivingArrangement.EMPTY_NEST]
PERSON_CRITERIA = (
    "groups",
    "assistance_kinds",
    "min_age",
    "max_age",
    "sex",
    "max_disability_grade",
    "disability_categories",
)


def is_person_level(item: CatalogItem) -> bool:
    return any(getattr(item, name) not in (None, "", []) for name in PERSON_CRITERIA)


def is_pushable(item: CatalogItem) -> bool:
    return is_person_level(item) or bool(item.household_conditions)


def _current_status(on: dt.date, **lookups):
    return AssistanceStatus.objects.current(on).filter(**lookups)


def _households_with_status(on: dt.date, kinds):
    """Ids of households where someone has one of ``kinds`` today: an uncorrelated subquery, so
    the plan is a hashed semi- or anti-join whatever the statistics say (a correlated EXISTS
    through the person join went quadratic on freshly loaded tables)."""
    return AssistanceStatus.objects.current(on).filter(kind__in=kinds).values("person__household_id")


def _household_condition_q(conditions, on: dt.date, prefix: str) -> Q:
    """Any of the household conditions; ``prefix`` is the path from the queried model to Household."""
    household_id = f"{prefix}id" if prefix else "pk"
    parts = {
        "low_income": Q(**{f"{household_id}__in": _households_with_status(on, LOW_INCOME)}),
        "unsafe_housing": Q(**{f"{prefix}housing__in": [hc.Housing.DANGEROUS, hc.Housing.NONE]})
        | Q(**{f"{prefix}safety_grade__in": [hc.SafetyGrade.C, hc.SafetyGrade.D]}),
        "zero_employment": Q(**{f"{prefix}zero_employment": True}),
    }
    if prefix:  # a person: their own arrangement and flag
        parts["living_alone"] = Q(living_arrangement__in=ALONE)
        parts["special_family"] = Q(special_family=True)
    else:  # a household: any active member
        active = Person.objects.filter(status=hc.PersonStatus.ACTIVE)
        parts["living_alone"] = Q(pk__in=active.filter(living_arrangement__in=ALONE).values("household_id"))
        parts["special_family"] = Q(pk__in=active.filter(special_family=True).values("household_id"))
    q = Q(pk__in=[])
    for condition in conditions:
        if condition in parts:
            q |= parts[condition]
    return q


def eligible_persons(item: CatalogItem, on: dt.date):
    """Active persons of active households who meet every criterion of the item."""
    qs = Person.objects.filter(status=hc.PersonStatus.ACTIVE, household__status=hc.RecordStatus.ACTIVE)
    if item.groups:
        qs = qs.filter(
            Exists(GroupDecision.objects.filter(person=OuterRef("pk"), active=True, group__in=item.groups))
        )
    if item.assistance_kinds:
        qs = qs.filter(Exists(_current_status(on, person=OuterRef("pk"), kind__in=item.assistance_kinds)))
    if item.min_age is not None:
        qs = qs.filter(birth_date__lte=years_before(on, item.min_age))
    if item.max_age is not None:
        qs = qs.filter(birth_date__gt=years_before(on, item.max_age + 1))
    if item.sex:
        qs = qs.filter(sex=item.sex)
    if item.max_disability_grade:
        qs = qs.filter(disability_grade__isnull=False, disability_grade__lte=item.max_disability_grade)
    if item.disability_categories:
        qs = qs.filter(disability_category__in=item.disability_categories)
    if item.household_conditions:
        qs = qs.filter(_household_condition_q(item.household_conditions, on, "household__"))
    if item.receives_as:
        qs = qs.exclude(Exists(_current_status(on, person=OuterRef("pk"), kind=item.receives_as)))
    return qs


def eligible_households(item: CatalogItem, on: dt.date):
    qs = Household.objects.filter(status=hc.RecordStatus.ACTIVE)
    qs = qs.filter(_household_condition_q(item.household_conditions, on, ""))
    if item.receives_as:
        qs = qs.exclude(pk__in=_households_with_status(on, [item.receives_as]))
    return qs


STAGE = "assistance_push_eligible"  # a temporary table: one item's eligible, per connection
SCOPE = "assistance_push_scope"  # the households a run evaluates (all items) when not everyone
CHANGED = "assistance_push_changed"  # persons whose push inputs changed (a full run)
CHANGED_HH = "assistance_push_changed_hh"  # households whose own push inputs changed
# A row a worker may have open moves to a new version (core.concurrency): their stale save is told.
BUMP = "version = version + 1"
# Past this share of changed households a full run evaluates everyone (a scope list costs more).
EVERYONE_SHARE = 0.3
# Bump when the packing of the facts below or the eligibility code changes: every item's version
# changes with it, so the next full push re-evaluates everything.
ELIGIBILITY_VERSION = "1"


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return max(cursor.rowcount, 0)


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchone()[0]


def _prepare(households) -> None:
    """Temporary tables (never WAL-logged on PostgreSQL, dropped with the session)."""
    _execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (person_id bigint, household_id bigint NOT NULL)")
    _execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {SCOPE} (household_id bigint PRIMARY KEY)")
    _execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {CHANGED} (person_id bigint, household_id bigint, "
        "old_household_id bigint, facts bigint, screening bigint)"
    )
    _execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {CHANGED_HH} (household_id bigint, facts bigint)")
    for table in (SCOPE, CHANGED, CHANGED_HH):
        _execute(f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}")
    if households is not None:
        for start in range(0, len(households), 5000):
            chunk = households[start : start + 5000]
            _execute(f"INSERT INTO {SCOPE} (household_id) VALUES " + ", ".join(["(%s)"] * len(chunk)), chunk)
        _analyze_temp(SCOPE)


def _analyze_temp(table: str) -> None:
    """Temporary tables get no statistics by themselves; the planner would guess 2,550 rows."""
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {table}")


# ---------------------------------------------------------------------------------------------
# Push inputs, packed set-based into one integer per person and one per household. A full push
# compares them with the stored ``PushState``/``PushHouseholdState`` and evaluates only the
# households where something changed (the screening's own trick). Each code is a value of a
# closed choice list: a person's facts are equal only if every input the eligibility reads is.


def _case(column: str, values, shift: int, *, index: bool) -> str:
    """CASE mapping each code to a bit (``index=False``: a set, summed) or to its position + 1
    (``index=True``: a single value in a small field at ``shift``)."""
    whens = " ".join(
        f"WHEN '{v}' THEN {((i + 1) << shift) if index else (1 << (shift + i))}" for i, v in enumerate(values)
    )
    return f"CASE {column} {whens} ELSE 0 END"


def age_boundaries() -> list[int]:
    """Every age at which some item's eligibility changes (min_age, max_age + 1)."""
    ages = set()
    for low, high in CatalogItem.objects.values_list("min_age", "max_age"):
        if low is not None:
            ages.add(low)
        if high is not None:
            ages.add(high + 1)
    return sorted(ages)


def person_facts_sql(on: dt.date) -> tuple[str, list]:
    """SELECT person_id, household_id, facts, screening for every person.

    ``facts`` packs what the eligibility reads of a person: current assistance kinds (bits 0-8),
    active groups (9-15), disability grade (16-18), category (19-22), living arrangement
    (23-25), the special-family flag (26), sex (27-28), status (29-31) and the age band from 32
    on. The band is the largest item age boundary the person has reached (+1): whoever crosses
    any boundary of an unchanged item gets a different band, whatever other items did to the
    set of boundaries. The household's own inputs are in ``household_facts_sql``; whether the
    household is low-income comes from its members' kinds.
    """
    person, decision = Person._meta.db_table, GroupDecision._meta.db_table
    status, screening = AssistanceStatus._meta.db_table, ScreeningState._meta.db_table
    quote = connection.ops.quote_name
    age_args, chain = [], []
    for age in sorted(age_boundaries(), reverse=True):
        chain.append(f"WHEN p.birth_date <= %s THEN {(age + 1) << 32}")
        age_args.append(years_before(on, age))
    age = f"CASE {' '.join(chain)} ELSE 0 END" if chain else "0"
    facts = " + ".join(
        [
            "COALESCE(k.bits, 0)",
            "COALESCE(g.bits, 0)",
            "COALESCE(p.disability_grade, 0) * 65536",
            _case("p.disability_category", hc.DisabilityCategory.values, 19, index=True),
            _case("p.living_arrangement", hc.LivingArrangement.values, 23, index=True),
            f"CASE WHEN p.special_family THEN {1 << 26} ELSE 0 END",
            _case("p.sex", hc.Sex.values, 27, index=False),
            _case("p.status", hc.PersonStatus.values, 29, index=True),
            age,
        ]
    )
    group_bits = _case(f"d.{quote('group')}", Group.values, 9, index=False)
    kind_bits = _case("s.kind", hc.AssistanceKind.values, 0, index=False)
    current = "(s.start_date IS NULL OR s.start_date <= %s) AND (s.end_date IS NULL OR s.end_date > %s)"
    # Distinct (person, code) rows, then a plain SUM of their bits: the planner may hash both
    # steps (an aggregate over DISTINCT values can only be computed sorted).
    sql = f"""
        SELECT p.id AS person_id, p.household_id AS household_id, {facts} AS facts,
               COALESCE(st.signature, -1) AS screening
        FROM {person} p
        LEFT JOIN (
            SELECT d.person_id AS person_id, SUM({group_bits}) AS bits FROM (
                SELECT DISTINCT person_id, {quote("group")} FROM {decision} WHERE active
            ) d GROUP BY d.person_id
        ) g ON g.person_id = p.id
        LEFT JOIN (
            SELECT k.person_id AS person_id, SUM({kind_bits.replace("s.kind", "k.kind")}) AS bits FROM (
                SELECT DISTINCT s.person_id, s.kind FROM {status} s WHERE {current}
            ) k GROUP BY k.person_id
        ) k ON k.person_id = p.id
        LEFT JOIN {screening} st ON st.person_id = p.id
    """
    return sql, age_args + [on, on]


def household_facts_sql() -> str:
    """SELECT household_id, facts: status, housing, safety grade, zero employment."""
    facts = " + ".join(
        [
            _case("h.status", hc.RecordStatus.values, 0, index=True),
            _case("h.housing", hc.Housing.values, 2, index=True),
            _case("h.safety_grade", hc.SafetyGrade.values, 5, index=True),
            "CASE WHEN h.zero_employment THEN 256 ELSE 0 END",
        ]
    )
    return f"SELECT h.id AS household_id, {facts} AS facts FROM {Household._meta.db_table} h"


def item_version(item: CatalogItem, on: dt.date) -> str:
    """What the recommendations of an item depend on besides the people's facts."""
    rules = [
        ELIGIBILITY_VERSION,
        sorted(item.groups or []),
        sorted(item.assistance_kinds or []),
        item.min_age,
        item.max_age,
        item.sex,
        item.max_disability_grade,
        sorted(item.disability_categories or []),
        sorted(item.household_conditions or []),
        item.receives_as,
        item.is_active,
        _active_on(item, on),
    ]
    return hashlib.sha1(json.dumps(rules, default=str).encode()).hexdigest()


def _find_changes(on: dt.date, *, force: bool) -> int:
    """Fill CHANGED, CHANGED_HH and SCOPE (their households, old and new); returns the scope size."""
    state, hh_state = PushState._meta.db_table, PushHouseholdState._meta.db_table
    people, args = person_facts_sql(on)
    where = (
        ""
        if force
        else "WHERE ps.person_id IS NULL OR ps.household_id <> c.household_id "
        "OR ps.facts <> c.facts OR ps.screening <> c.screening"
    )
    _execute(
        f"INSERT INTO {CHANGED} (person_id, household_id, old_household_id, facts, screening) "
        f"SELECT c.person_id, c.household_id, ps.household_id, c.facts, c.screening FROM ({people}) c "
        f"LEFT JOIN {state} ps ON ps.person_id = c.person_id {where}",
        args,
    )
    where = "" if force else "WHERE hs.household_id IS NULL OR hs.facts <> c.facts"
    _execute(
        f"INSERT INTO {CHANGED_HH} (household_id, facts) SELECT c.household_id, c.facts "
        f"FROM ({household_facts_sql()}) c LEFT JOIN {hh_state} hs ON hs.household_id = c.household_id {where}"
    )
    scope = _execute(
        f"INSERT INTO {SCOPE} (household_id) SELECT household_id FROM {CHANGED} "
        f"UNION SELECT old_household_id FROM {CHANGED} WHERE old_household_id IS NOT NULL "
        f"UNION SELECT household_id FROM {CHANGED_HH}"
    )
    _analyze_temp(SCOPE)
    return scope


def _save_states(items, on: dt.date) -> None:
    """Remember what this full run evaluated: the changed people's and households' inputs, and
    every item's version (each item was evaluated for everyone or found unchanged)."""
    state, hh_state = PushState._meta.db_table, PushHouseholdState._meta.db_table
    _execute(
        f"INSERT INTO {state} (person_id, household_id, facts, screening) "
        f"SELECT person_id, household_id, facts, screening FROM {CHANGED} WHERE true "
        "ON CONFLICT (person_id) DO UPDATE SET household_id = excluded.household_id, "
        "facts = excluded.facts, screening = excluded.screening"
    )
    _execute(
        f"INSERT INTO {hh_state} (household_id, facts) SELECT household_id, facts FROM {CHANGED_HH} "
        "WHERE true ON CONFLICT (household_id) DO UPDATE SET facts = excluded.facts"
    )
    stored = dict(PushItemState.objects.values_list("item_id", "version"))
    for item in items:
        version = item_version(item, on)
        if stored.get(item.pk) != version:
            PushItemState.objects.update_or_create(item=item, defaults={"version": version})


def _stage(queryset, columns: str) -> None:
    """Evaluate the item's eligibility once; the three statements below read the staged rows."""
    sql, params = queryset.query.sql_with_params()
    # TRUNCATE drops the old rows at once; DELETE wrote a dead tuple per row (1.8 s a full push).
    _execute(f"TRUNCATE {STAGE}" if connection.vendor == "postgresql" else f"DELETE FROM {STAGE}")
    _execute(f"INSERT INTO {STAGE} (person_id, household_id) SELECT {columns} FROM ({sql}) AS e", params)


def _push_item(item: CatalogItem, on: dt.date, now, scoped: bool) -> tuple[int, int, int]:
    """One item: stage who is eligible, then insert the new, push again the changed or returned,
    withdraw the pushed who no longer qualify. Three set statements over the staged rows.
    ``scoped``: only the households in the SCOPE table."""
    rec, state = Recommendation._meta.db_table, ScreeningState._meta.db_table
    in_scope = f"IN (SELECT household_id FROM {SCOPE})"
    scope = f" AND household_id {in_scope}" if scoped else ""
    person_level = is_person_level(item)
    if person_level and scoped:
        # By the person's current household: a recommendation keeps the household it was pushed
        # to, and a person who moved since would otherwise fall out of every later scope.
        scope = f" AND person_id IN (SELECT id FROM {Person._meta.db_table} WHERE household_id {in_scope})"
    if person_level:
        eligible = eligible_persons(item, on)
        if scoped:
            eligible = eligible.extra(where=[f"{Person._meta.db_table}.household_id {in_scope}"])
        _stage(eligible.values("id", "household_id"), "e.id, e.household_id")
        created = _execute(
            f"INSERT INTO {rec} (household_id, person_id, item_id, status, signature, pushed_at, note) "
            f"SELECT e.household_id, e.person_id, %s, %s, s.signature, %s, '' FROM {STAGE} e "
            f"LEFT JOIN {state} s ON s.person_id = e.person_id "
            f"WHERE NOT EXISTS (SELECT 1 FROM {rec} r WHERE r.item_id = %s AND r.person_id = e.person_id) "
            "ON CONFLICT DO NOTHING",
            [item.pk, U.PUSHED.value, now, item.pk],
        )
        current = f"(SELECT s.signature FROM {state} s WHERE s.person_id = {rec}.person_id)"
        # The few candidates first (the (item, status) index), then the staged rows are probed.
        # The staging table has no statistics: written as a plain semi-join, the planner guessed
        # 200 staged rows and probed the recommendations once per staged person (0.5 s for 55k).
        candidates = f"SELECT id FROM {rec} WHERE item_id = %s AND status IN (%s, %s, %s){scope}"
        if connection.vendor == "postgresql":
            candidates = f"SELECT id FROM (WITH c AS MATERIALIZED ({candidates}) SELECT id FROM c) AS c"
        repushed = _execute(
            f"UPDATE {rec} SET status = %s, pushed_at = %s, signature = {current}, note = '', {BUMP} "
            f"WHERE id IN ({candidates}) AND (status = %s OR signature IS NOT NULL AND signature <> {current}) "
            f"AND EXISTS (SELECT 1 FROM {STAGE} e WHERE e.person_id = {rec}.person_id)",
            [U.PUSHED.value, now, item.pk, *RETURNING, U.WITHDRAWN.value],
        )
        gone = f"NOT EXISTS (SELECT 1 FROM {STAGE} e WHERE e.person_id = {rec}.person_id)"
    else:
        eligible = eligible_households(item, on)
        if scoped:
            eligible = eligible.extra(where=[f"{Household._meta.db_table}.id {in_scope}"])
        _stage(eligible.values("id"), "NULL, e.id")
        created = _execute(
            f"INSERT INTO {rec} (household_id, person_id, item_id, status, signature, pushed_at, note) "
            f"SELECT e.household_id, NULL, %s, %s, NULL, %s, '' FROM {STAGE} e WHERE NOT EXISTS "
            f"(SELECT 1 FROM {rec} r WHERE r.item_id = %s AND r.person_id IS NULL AND r.household_id = e.household_id) "
            "ON CONFLICT DO NOTHING",
            [item.pk, U.PUSHED.value, now, item.pk],
        )
        repushed = _execute(
            f"UPDATE {rec} SET status = %s, pushed_at = %s, signature = NULL, note = '', {BUMP} "
            f"WHERE item_id = %s AND person_id IS NULL AND status = %s "
            f"AND household_id IN (SELECT household_id FROM {STAGE}){scope}",
            [U.PUSHED.value, now, item.pk, U.WITHDRAWN.value],
        )
        gone = f"person_id IS NULL AND NOT EXISTS (SELECT 1 FROM {STAGE} e WHERE e.household_id = {rec}.household_id)"
    withdrawn = _execute(
        f"UPDATE {rec} SET status = %s, changed_at = %s, {BUMP} WHERE item_id = %s AND status = %s{scope} AND {gone}",
        [U.WITHDRAWN.value, now, item.pk, U.PUSHED.value],
    )
    return created, repushed, withdrawn


def push(*, households=None, on: dt.date | None = None, mode: str = "full", force: bool = False) -> PushRun:
    """Push for everyone (``households=None``) or for the given household ids.

    For everyone, only what changed is evaluated: every item for the households whose push
    inputs changed since the last full run, and an edited (or newly started, ended) item for
    everyone. ``force`` evaluates every item for everyone and rewrites every stored input.
    """
    started = time.monotonic()
    on = on or dt.date.today()
    now = timezone.now()
    run = PushRun(started_at=now, mode=mode)
    if households is not None:
        households = list(households)
        if not households:  # nothing changed: nothing to evaluate
            run.seconds = time.monotonic() - started
            run.save()
            return run
    if households is None:
        _analyze()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # As in the screening: a big expression once per row gains nothing from JIT, and the
            # hash joins over a million persons stay in memory.
            _execute("SET LOCAL jit = off")
            _execute("SET LOCAL work_mem = '256MB'")
        _prepare(households)
        items = list(CatalogItem.objects.order_by("pk"))
        everyone, stored = households is None, {}
        for_everyone = False  # some item evaluated for everyone: every community's uptake rows
        if households is None:
            scope = _find_changes(on, force=force)
            total = _scalar(f"SELECT count(*) FROM {Household._meta.db_table}")
            stored = {} if force else dict(PushItemState.objects.values_list("item_id", "version"))
            everyone = force or scope > EVERYONE_SHARE * total
        else:
            scope = len(households)
        for item in items:
            if not item.is_active or not is_pushable(item) or not _active_on(item, on):
                continue
            if everyone or (households is None and stored.get(item.pk) != item_version(item, on)):
                created, repushed, withdrawn = _push_item(item, on, now, scoped=False)
                for_everyone = True
            elif scope:
                created, repushed, withdrawn = _push_item(item, on, now, scoped=True)
            else:
                continue
            run.created += created
            run.repushed += repushed
            run.withdrawn += withdrawn
        stale = Recommendation.objects.filter(status=U.PUSHED).filter(
            Q(item__is_active=False) | Q(item__active_to__lt=on)
        )
        if households is not None:
            stale = stale.filter(household_id__in=households)
        stale_withdrawn = stale.update(status=U.WITHDRAWN, changed_at=now, version=F("version") + 1)
        run.withdrawn += stale_withdrawn
        if households is None:
            _save_states(items, on)
        # The dashboards' uptake rows, after every write above (stats.uptake: the lock order).
        if for_everyone or (households is None and stale_withdrawn):
            uptake_rows.recount(None)
        elif scope:
            uptake_rows.recount(_touched_communities())
        run.seconds = time.monotonic() - started
        run.save()
    return run


def _touched_communities() -> set[int]:
    """Communities whose recommendations a scoped run may have written: those of the households
    in scope, and those of the households a person now in scope was pushed to before a move."""
    rec, person, household = Recommendation._meta.db_table, Person._meta.db_table, Household._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h.community_id FROM {household} h WHERE h.id IN (SELECT household_id FROM {SCOPE}) "
            f"UNION SELECT h.community_id FROM {household} h WHERE h.id IN (SELECT r.household_id FROM {rec} r "
            f"WHERE r.person_id IN (SELECT p.id FROM {person} p WHERE p.household_id IN "
            f"(SELECT household_id FROM {SCOPE})))"
        )
        return {row[0] for row in cursor.fetchall()}


def _analyze() -> None:
    """Fresh statistics before a full push on PostgreSQL, for the tables that changed much since
    their last analysis (after a large import or the first sweep the planner would otherwise plan
    for the empty tables it last saw). A run with nothing changed analyses nothing."""
    bulk.analyze_stale(
        Person, Household, AssistanceStatus, GroupDecision, ScreeningState, Recommendation, PushState
    )


def _active_on(item: CatalogItem, on: dt.date) -> bool:
    return (item.active_from is None or item.active_from <= on) and (
        item.active_to is None or item.active_to >= on
    )


def changed_households(since) -> set[int]:
    """Households whose push inputs changed since ``since`` (for the push after a nightly sweep).
    Each is an index range scan (``updated_at``, ``ended_at``, ``created_at`` are indexed), unordered."""
    ids = set(Household.objects.filter(updated_at__gte=since).order_by().values_list("pk", flat=True))
    ids |= set(Person.objects.filter(updated_at__gte=since).order_by().values_list("household_id", flat=True))
    ids |= set(
        GroupDecision.objects.filter(Q(updated_at__gte=since) | Q(ended_at__gte=since))
        .order_by()
        .values_list("person__household_id", flat=True)
    )
    ids |= set(
        AssistanceStatus.objects.filter(created_at__gte=since)
        .order_by()
        .values_list("person__household_id", flat=True)
    )
    return ids


def push_incremental(*, on: dt.date | None = None) -> PushRun:
    """After a sweep: only the households whose facts changed since the last run; the first run is full.

    A new day can also make people eligible by age or end a status: the first run of a day is full.
    """
    last = PushRun.objects.order_by("-started_at").first()
    today = on or dt.date.today()
    if last is None or timezone.localtime(last.started_at).date() != today:
        return push(on=on, mode="full")
    return push(households=changed_households(last.started_at), on=on, mode="incremental")
