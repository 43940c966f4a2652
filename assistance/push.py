"""Push (幸福清单推送): the catalog items each person or household is eligible for and does not
already receive, computed set-based.

For each active item with at least one criterion, one ``INSERT ... SELECT`` writes the new
recommendations (the SELECT is the item's eligibility as an ORM queryset), one ``UPDATE`` pushes
again the declined or granted ones whose facts changed (the person's screening signature) or
that had been withdrawn, and one ``UPDATE`` withdraws the pushed ones nobody acts on any more
because the person no longer qualifies. The cost is a few statements per item, not a loop over
people. Items without any criterion (临时救助, 法律咨询 ...) are offered on request, not pushed.
"""

import datetime as dt
import time

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from assessments.models import GroupDecision, ScreeningState
from assessments.rules import years_before
from households import choices as hc
from households.models import AssistanceStatus, Household, Person

from . import choices as c
from .models import CatalogItem, PushRun, Recommendation

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
SCOPE = "assistance_push_scope"  # the households of an incremental run


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return max(cursor.rowcount, 0)


def _prepare(households) -> None:
    """Temporary tables (never WAL-logged on PostgreSQL, dropped with the session)."""
    _execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (person_id bigint, household_id bigint NOT NULL)")
    _execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {SCOPE} (household_id bigint PRIMARY KEY)")
    _execute(f"DELETE FROM {SCOPE}")
    if households is not None:
        for start in range(0, len(households), 5000):
            chunk = households[start : start + 5000]
            _execute(f"INSERT INTO {SCOPE} (household_id) VALUES " + ", ".join(["(%s)"] * len(chunk)), chunk)


def _stage(queryset, columns: str) -> None:
    """Evaluate the item's eligibility once; the three statements below read the staged rows."""
    sql, params = queryset.query.sql_with_params()
    # TRUNCATE drops the old rows at once; DELETE wrote a dead tuple per row (1.8 s a full push).
    _execute(f"TRUNCATE {STAGE}" if connection.vendor == "postgresql" else f"DELETE FROM {STAGE}")
    _execute(f"INSERT INTO {STAGE} (person_id, household_id) SELECT {columns} FROM ({sql}) AS e", params)


def _push_item(item: CatalogItem, on: dt.date, now, households) -> tuple[int, int, int]:
    """One item: stage who is eligible, then insert the new, push again the changed or returned,
    withdraw the pushed who no longer qualify. Three set statements over the staged rows."""
    rec, state = Recommendation._meta.db_table, ScreeningState._meta.db_table
    scope = f" AND household_id IN (SELECT household_id FROM {SCOPE})" if households is not None else ""
    person_level = is_person_level(item)
    if person_level:
        eligible = eligible_persons(item, on)
        if households is not None:
            eligible = eligible.filter(household_id__in=households)
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
            f"UPDATE {rec} SET status = %s, pushed_at = %s, signature = {current}, note = '' "
            f"WHERE id IN ({candidates}) AND (status = %s OR signature IS NOT NULL AND signature <> {current}) "
            f"AND EXISTS (SELECT 1 FROM {STAGE} e WHERE e.person_id = {rec}.person_id)",
            [U.PUSHED.value, now, item.pk, *RETURNING, U.WITHDRAWN.value],
        )
        gone = f"NOT EXISTS (SELECT 1 FROM {STAGE} e WHERE e.person_id = {rec}.person_id)"
    else:
        eligible = eligible_households(item, on)
        if households is not None:
            eligible = eligible.filter(pk__in=households)
        _stage(eligible.values("id"), "NULL, e.id")
        created = _execute(
            f"INSERT INTO {rec} (household_id, person_id, item_id, status, signature, pushed_at, note) "
            f"SELECT e.household_id, NULL, %s, %s, NULL, %s, '' FROM {STAGE} e WHERE NOT EXISTS "
            f"(SELECT 1 FROM {rec} r WHERE r.item_id = %s AND r.person_id IS NULL AND r.household_id = e.household_id) "
            "ON CONFLICT DO NOTHING",
            [item.pk, U.PUSHED.value, now, item.pk],
        )
        repushed = _execute(
            f"UPDATE {rec} SET status = %s, pushed_at = %s, signature = NULL, note = '' "
            f"WHERE item_id = %s AND person_id IS NULL AND status = %s "
            f"AND household_id IN (SELECT household_id FROM {STAGE}){scope}",
            [U.PUSHED.value, now, item.pk, U.WITHDRAWN.value],
        )
        gone = f"person_id IS NULL AND NOT EXISTS (SELECT 1 FROM {STAGE} e WHERE e.household_id = {rec}.household_id)"
    withdrawn = _execute(
        f"UPDATE {rec} SET status = %s, changed_at = %s WHERE item_id = %s AND status = %s{scope} AND {gone}",
        [U.WITHDRAWN.value, now, item.pk, U.PUSHED.value],
    )
    return created, repushed, withdrawn


def push(*, households=None, on: dt.date | None = None, mode: str = "full") -> PushRun:
    """Push for everyone (``households=None``) or for the given household ids."""
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
        _prepare(households)
        for item in CatalogItem.objects.filter(is_active=True).order_by("pk"):
            if not is_pushable(item) or not _active_on(item, on):
                continue
            created, repushed, withdrawn = _push_item(item, on, now, households)
            run.created += created
            run.repushed += repushed
            run.withdrawn += withdrawn
        stale = Recommendation.objects.filter(status=U.PUSHED).filter(
            Q(item__is_active=False) | Q(item__active_to__lt=on)
        )
        if households is not None:
            stale = stale.filter(household_id__in=households)
        run.withdrawn += stale.update(status=U.WITHDRAWN, changed_at=now)
        run.seconds = time.monotonic() - started
        run.save()
    return run


def _analyze() -> None:
    """Fresh statistics before a full push on PostgreSQL, for the tables that changed much since
    their last analysis (after a large import or the first sweep the planner would otherwise plan
    for the empty tables it last saw). A run with nothing changed analyses nothing."""
    if connection.vendor != "postgresql":
        return
    tables = [
        m._meta.db_table
        for m in (Person, Household, AssistanceStatus, GroupDecision, ScreeningState, Recommendation)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND ("
            "coalesce(last_analyze, last_autoanalyze) IS NULL "
            "OR n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1000))",
            [tables],
        )
        stale = [row[0] for row in cursor.fetchall()]
        if stale:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in stale))


def _active_on(item: CatalogItem, on: dt.date) -> bool:
    return (item.active_from is None or item.active_from <= on) and (
        item.active_to is None or item.active_to >= on
    )


def changed_households(since) -> set[int]:
    """Households whose push inputs changed since ``since`` (for the push after a nightly sweep)."""
    ids = set(Household.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    ids |= set(Person.objects.filter(updated_at__gte=since).values_list("household_id", flat=True))
    ids |= set(
        GroupDecision.objects.filter(Q(updated_at__gte=since) | Q(ended_at__gte=since)).values_list(
            "person__household_id", flat=True
        )
    )
    ids |= set(
        AssistanceStatus.objects.filter(created_at__gte=since).values_list("person__household_id", flat=True)
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
