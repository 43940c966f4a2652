"""Writes to the survey's summary rows (``TargetShare``, ``SurveyShare``, ``SurveyTally``).

The survey progress page and the targets list read these rows instead of deciding, for every
person of the city, whether they are a target (2.4-2.9 s for the city's progress page at 49k
persons). The rule itself stays in ``selectors`` (``targets``, ``working_age_q``...): the rows
are INSERT ... SELECT of those querysets, so the two cannot drift apart.

A write costs its households, as in ``stats.services``: ``apply_households`` takes their old
rows out (DELETE ... RETURNING), inserts fresh ones from the registry and the survey contacts, and
adds new minus old to the communities' ``SurveyTally`` rows with one upsert. Callers: the
registry's ``households_written`` hook (edits, imports, screening sweeps, placements and referrals
through ``person_update``), ``services.survey_record``, and the nightly ``rebuild`` (working age
follows birthdays; a 低保 status ends on its date), also run by ``rebuild_stats``.

Concurrency (PostgreSQL): a writer of a few households takes a shared lock on the survey rows and
an exclusive one on each household, in id order; a writer of many, and a rebuild, take the
exclusive lock on the survey rows. The upsert adds differences, so two writers of different
households in one community both count.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from core import bulk
from households import choices as hc
from households.models import Person

from . import choices as c
from .models import SurveyContact, SurveyShare, SurveyTally, TargetShare
from .selectors import household_holds, in_unemployed_group, targets, working_age_q

LOCK_NAMESPACE = 0x5A5345  # "ZSE": key 0, the survey rows as a whole
HOUSEHOLD_LOCK_NAMESPACE = 0x5A5346  # "ZSF": one per household
FEW_HOUSEHOLDS = 64
CHUNK = 2000
COUNTS = ("households", "persons", "surveyed", "on_site", "phone", "reached")
SHARE_COLUMNS = (
    "household_id, town_id, community_id, persons, last_contact, last_on_site, last_phone, last_reached"
)


def on_households_written(household_ids, *, communities=(), everyone=False) -> None:
    """households.hooks: the registry, imports and screening changed these households."""
    if everyone:
        rebuild()
    else:
        apply_households(household_ids)


def apply_households(household_ids: Iterable[int], *, on: dt.date | None = None) -> None:
    """Replace these households' rows with fresh ones and add the difference to the tallies."""
    ids = sorted({int(i) for i in household_ids if i})
    if not ids:
        return
    on = on or timezone.localdate()
    with transaction.atomic():
        _lock(ids)
        for start in range(0, len(ids), CHUNK):
            _apply(ids[start : start + CHUNK], on)


def rebuild(*, on: dt.date | None = None) -> int:
    """Every row from scratch, set-based (nightly, ``rebuild_stats``, seed_demo, a full sweep).
    Returns the number of target households."""
    on = on or timezone.localdate()
    with transaction.atomic():
        _lock(None)
        with connection.cursor() as cursor:
            for model in (TargetShare, SurveyShare, SurveyTally):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
            _insert_targets(cursor, None, on)
            bulk.analyze(TargetShare)
            _insert_shares(cursor, None)
            cursor.execute(
                f"INSERT INTO {SurveyTally._meta.db_table} (town_id, community_id, {', '.join(COUNTS)}) "
                f"SELECT town_id, community_id, {_share_sums()} FROM {SurveyShare._meta.db_table} "
                "GROUP BY town_id, community_id"
            )
        bulk.analyze(SurveyShare, SurveyTally)
        return SurveyShare.objects.count()


# --- locks (PostgreSQL; SQLite has one writer at a time) ----------------------------------------


def _lock(ids: list[int] | None) -> None:
    if ids is not None and len(ids) <= FEW_HOUSEHOLDS:
        bulk.advisory_locks(LOCK_NAMESPACE, [0], shared=True)
        bulk.advisory_locks(HOUSEHOLD_LOCK_NAMESPACE, ids)
    else:
        bulk.advisory_locks(LOCK_NAMESPACE, [0])


# --- one write ----------------------------------------------------------------------------------


def _apply(ids: list[int], on: dt.date) -> None:
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TargetShare._meta.db_table} WHERE household_id IN ({marks})", ids)
        _insert_targets(cursor, ids, on)
        cursor.execute(
            f"DELETE FROM {SurveyShare._meta.db_table} WHERE household_id IN ({marks}) "
            f"RETURNING {SHARE_COLUMNS}",
            ids,
        )
        old = cursor.fetchall()
        new = _insert_shares(cursor, ids)
        _add(cursor, _deltas(old, new))


def _insert_targets(cursor, ids: list[int] | None, on: dt.date) -> None:
    """INSERT ... SELECT of ``selectors.targets`` with each person's bases."""
    people = Person.objects.all() if ids is None else Person.objects.filter(household_id__in=ids)
    rows = (
        targets(people, on=on)
        .annotate(
            is_unemployed=_flag(in_unemployed_group()),
            is_dibao=_flag(household_holds((hc.AssistanceKind.DIBAO,)) & working_age_q(on)),
            is_dibian=_flag(household_holds((hc.AssistanceKind.DIBIAN,)) & working_age_q(on)),
        )
        .order_by()
        .values_list(
            "pk",
            "household_id",
            "household__town_id",
            "household__community_id",
            "is_unemployed",
            "is_dibao",
            "is_dibian",
            "birth_date",
        )
    )
    sql, params = rows.query.sql_with_params()
    cursor.execute(
        f"INSERT INTO {TargetShare._meta.db_table} "
        f"(person_id, household_id, town_id, community_id, unemployed, dibao, dibian, birth) {sql}",
        params,
    )


def _flag(condition):
    return ExpressionWrapper(condition, output_field=BooleanField())


def _insert_shares(cursor, ids: list[int] | None) -> list[tuple]:
    """One row per household with targets; its last contact dates by survey state."""
    contacts = SurveyContact._meta.db_table
    where = f"WHERE t.household_id IN ({', '.join(['%s'] * len(ids))})" if ids is not None else ""

    def last(condition: str = "") -> str:
        return (
            f"(SELECT MAX(sc.contacted_on) FROM {contacts} sc "
            f"WHERE sc.household_id = t.household_id{condition})"
        )

    cursor.execute(
        f"INSERT INTO {SurveyShare._meta.db_table} ({SHARE_COLUMNS}) "
        f"SELECT t.household_id, t.town_id, t.community_id, COUNT(*), {last()}, "
        f"{last(' AND sc.method = %s')}, {last(' AND sc.method = %s')}, {last(' AND sc.result <> %s')} "
        f"FROM {TargetShare._meta.db_table} t {where} "
        "GROUP BY t.household_id, t.town_id, t.community_id"
        + (f" RETURNING {SHARE_COLUMNS}" if ids is not None else ""),
        [c.SurveyMethod.ON_SITE, c.SurveyMethod.PHONE, c.SurveyResult.NOT_REACHED, *(ids or [])],
    )
    return cursor.fetchall() if ids is not None else []


def _share_sums() -> str:
    return (
        "COUNT(*), SUM(persons), COUNT(last_contact), COUNT(last_on_site), COUNT(last_phone), "
        "COUNT(last_reached)"
    )


def _deltas(old: list[tuple], new: list[tuple]) -> dict:
    """{community: [town, households, persons, surveyed, on_site, phone, reached]}, new minus old."""
    deltas: dict[int, list[int]] = {}
    for sign, rows in ((-1, old), (1, new)):
        for _household, town, community, persons, *dates in rows:
            d = deltas.setdefault(community, [town, 0, 0, 0, 0, 0, 0])
            d[1] += sign
            d[2] += sign * persons
            for i, day in enumerate(dates):
                d[3 + i] += sign * (day is not None)
    return {k: v for k, v in deltas.items() if any(v[1:])}


def _add(cursor, deltas: dict) -> None:
    """One upsert, rows in community order (two writers never wait in a cycle). Rows that fall to
    0 stay until the next rebuild (deleting them could race with a writer adding to them)."""
    if not deltas:
        return
    table = SurveyTally._meta.db_table
    columns = ["town_id", "community_id", *COUNTS]
    rows = [[town, community, *numbers] for community, (town, *numbers) in sorted(deltas.items())]
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    updates = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in COUNTS)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "
        f"ON CONFLICT (community_id) DO UPDATE SET {updates}",
        [value for row in rows for value in row],
    )
