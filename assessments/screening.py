"""The set-based screening engine.

One SQL statement computes every person's signature (the condition bits of ``rules``) from the
person, the household, the household's current low-income statuses and the person's own orphan
statuses, with ages decided by comparing birth_date with cut-off dates computed once in Python
(no per-row date arithmetic). It returns only the people whose signature differs from the stored
``ScreeningState``. Only those are loaded into Python, compared with their current decisions and
overrides, and written back in bulk: decisions created, ended or updated, overrides retired,
follow-up tasks created (idempotent through Task.dedupe_key), states upserted. Running the same
pass twice finds nothing to do the second time.
"""

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.choices import Role
from core import bulk
from core.bulk import pg_array
from core.models import Task
from households import choices as hc
from households import hooks
from households.hooks import households_written
from households.models import AssistanceStatus, Household, Person

from . import rules
from .choices import Group, TaskKind, Tier, VagrantStatus, Verdict
from .models import GroupDecision, Override, ScreeningMark, ScreeningState, ScreeningSweep, VagrantRecord

log = logging.getLogger(__name__)

ID_CHUNK = 2000
BATCH = 5000
_CODE = re.compile(r"^[A-Za-z0-9_]+$")
_TIER_RANK = {Tier.NORMAL: 0, Tier.DROPOUT: 1, Tier.HIGH_RISK: 1}


def _in(values: Iterable[str]) -> str:
    """A SQL list of our own constant codes (never user input)."""
    values = list(values)
    assert values and all(_CODE.match(v) for v in values), values
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _id_list(column: str, ids: list[int]) -> tuple[str, list]:
    """``column IN (...)``; one array parameter on PostgreSQL (no parameter-count limit)."""
    if _is_postgres():
        return f"{column} = ANY(%s::bigint[])", [pg_array(int(i) for i in ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


@dataclass
class Scope:
    """Which persons a query covers: everyone, an id range, or whole households."""

    kind: str = "all"
    ids: list[int] = field(default_factory=list)
    low: int | None = None
    high: int | None = None
    person_ids: list[int] | None = None  # the members of ``ids`` households, when known

    def person_filter(self) -> tuple[str, list]:
        if self.kind == "households":
            return _id_list("p.household_id", self.ids)
        if self.kind == "range":
            return "p.id BETWEEN %s AND %s", [self.low, self.high]
        return "1 = 1", []

    def status_filter(self) -> tuple[str, list]:
        """Restrict the status sub-queries to the scope (a small run stays small)."""
        person = Person._meta.db_table
        if self.kind == "households" and self.person_ids is not None:
            # Statuses by person id: an index lookup per member, not a scan of every status.
            return _id_list("s.person_id", self.person_ids or [0])
        if self.kind == "households":
            inner, args = _id_list("household_id", self.ids)
            return f"s.person_id IN (SELECT id FROM {person} WHERE {inner})", args
        if self.kind == "range":
            return "s.person_id BETWEEN %s AND %s", [self.low, self.high]
        return "1 = 1", []


LOCAL_MASK = sum(rules.BIT.values()) & ~rules.BIT["low_income"]


def signature_sql(params: rules.Params, scope: Scope, *, household_level: bool = True) -> tuple[str, list]:
    """SELECT id, household_id, sig for the persons in scope.

    ``household_level=False`` leaves out the household-wide "low income" bit (the only input
    that needs other people's rows): that is the cheap per-person pass over everyone.
    """
    person, household = Person._meta.db_table, Household._meta.db_table
    status, vagrant = AssistanceStatus._meta.db_table, VagrantRecord._meta.db_table
    on = params.on
    cut = params.age_cutoffs()
    retired = params.retired_cutoffs()
    B = rules.BIT
    current = "(s.start_date IS NULL OR s.start_date <= %s) AND (s.end_date IS NULL OR s.end_date > %s)"
    status_where, status_args = scope.status_filter()

    def by_value(column: str, mapping: dict[str, int]) -> str:
        """One simple CASE per column: a lookup, not one comparison per condition."""
        whens = " ".join(f"WHEN '{v}' THEN {bits}" for v, bits in mapping.items() if _CODE.match(v))
        return f"CASE {column} {whens} ELSE 0 END"

    # Age bits are monotone in birth date: one CASE chain, oldest cut-off first.
    age_args: list = []
    chain = []
    for day in sorted(set(cut.values())):
        bits = sum(B[name] for name, d in cut.items() if d >= day)
        chain.append(f"WHEN p.birth_date <= %s THEN {bits}")
        age_args.append(day)
    abs_, inc = _in(rules.ABSENT), _in(rules.INCAPACITATED)
    father, mother = "p.father_situation", "p.mother_situation"
    terms = [
        str(B["screened"]),
        "CASE " + " ".join(chain) + " ELSE 0 END",
        f"CASE WHEN p.sex = 'male' THEN (CASE WHEN p.birth_date <= %s THEN {B['retired']} ELSE 0 END)"
        f" ELSE (CASE WHEN p.birth_date <= %s THEN {B['retired']} ELSE 0 END) END",
        by_value(
            "p.school_stage",
            {
                **dict.fromkeys(rules.ENROLLED, B["enrolled"]),
                **dict.fromkeys(rules.NOT_ENROLLED, B["not_enrolled"]),
            },
        ),
        by_value(
            "p.employment",
            {
                "student": B["employment_student"],
                **dict.fromkeys(rules.EMPLOYED, B["employed"]),
                **dict.fromkeys(rules.JOBLESS, B["jobless"]),
            },
        ),
        by_value("p.labor_capacity", {"none": B["no_labor"]}),
        by_value("p.care_level", dict.fromkeys(rules.CARE_DEPENDENT, B["care_dependent"])),
        by_value(
            "p.living_arrangement",
            {"alone": B["alone"], "empty_nest": B["empty_nest"], "left_behind": B["left_behind"]},
        ),
        by_value("p.guardianship", dict.fromkeys(rules.BAD_GUARDIANSHIP, B["guardianship_bad"])),
        f"CASE WHEN p.disability_grade IS NULL THEN 0 WHEN p.disability_grade <= 2 THEN {B['disabled'] | B['grade_1_2']}"
        f" WHEN p.disability_category IN {_in(rules.MENTAL)} THEN {B['disabled'] | B['grade_3_4_mental']}"
        f" ELSE {B['disabled']} END",
        f"CASE WHEN p.serious_illness = '' THEN 0 ELSE {B['serious_illness']} END",
        f"CASE WHEN p.special_family THEN {B['special_family']} ELSE 0 END",
        # 事实无人抚养 / orphan from the parents' situations (blank for nearly everyone: fast path).
        f"CASE WHEN {father} = '' AND {mother} = '' THEN 0"
        f" WHEN {father} IN {abs_} THEN (CASE WHEN {mother} IN {abs_} THEN {B['orphan']}"
        f" WHEN {mother} IN {inc} THEN {B['de_facto']} ELSE 0 END)"
        f" WHEN {father} IN {inc} THEN (CASE WHEN {mother} IN {abs_} OR {mother} IN {inc}"
        f" THEN {B['de_facto']} ELSE 0 END) ELSE 0 END",
        f"CASE WHEN os.person_id IS NULL THEN 0 ELSE os.orphan * {B['orphan']} + os.de_facto * {B['de_facto']} END",
        f"CASE WHEN h.zero_employment THEN {B['zero_employment']} ELSE 0 END",
        by_value(
            "h.housing", {"none": B["no_home"], "rented": B["renting"], "dangerous": B["house_dangerous"]}
        ),
        by_value("h.safety_grade", dict.fromkeys(rules.DANGEROUS_GRADES, B["house_dangerous"])),
        f"CASE WHEN vr.person_id IS NULL THEN 0 ELSE {B['vagrant']} END",
    ]
    select_args = age_args + [retired["male"], retired["female"]]
    if household_level:
        terms.append(f"CASE WHEN li.household_id IS NULL THEN 0 ELSE {B['low_income']} END")
    # Bits are combined with OR (two sources may set the same bit, e.g. 危房 from housing or grade).
    # The own low-income bit is kept for everyone (a deceased member's status still counts for
    # the household until it ends); every other bit only for people on the roster.
    signature = (
        "(CASE WHEN p.status = 'active' AND h.status = 'active' THEN ("
        + " | ".join(terms)
        + f") ELSE 0 END) | (CASE WHEN ol.person_id IS NULL THEN 0 ELSE {B['own_low_income']} END)"
    )
    person_where, person_args = scope.person_filter()
    low_income = _in(rules.LOW_INCOME)
    household_join, household_args = "", []
    if household_level:
        household_join = f"""
        LEFT JOIN (
            SELECT DISTINCT sp.household_id AS household_id FROM {person} sp
            WHERE sp.id IN (
                SELECT s.person_id FROM {status} s WHERE s.kind IN {low_income} AND {current} AND {status_where}
            )
        ) li ON li.household_id = p.household_id"""
        household_args = [on, on] + status_args
    sql = f"""
        SELECT p.id AS id, p.household_id AS household_id, {signature} AS sig
        FROM {person} p
        JOIN {household} h ON h.id = p.household_id
        LEFT JOIN (
            SELECT DISTINCT s.person_id AS person_id FROM {status} s
            WHERE s.kind IN {low_income} AND {current} AND {status_where}
        ) ol ON ol.person_id = p.id
        LEFT JOIN (
            SELECT s.person_id AS person_id,
                   MAX(CASE WHEN s.kind = 'orphan' THEN 1 ELSE 0 END) AS orphan,
                   MAX(CASE WHEN s.kind = 'de_facto_orphan' THEN 1 ELSE 0 END) AS de_facto
            FROM {status} s
            WHERE s.kind IN ('orphan', 'de_facto_orphan') AND {current} AND {status_where}
            GROUP BY s.person_id
        ) os ON os.person_id = p.id{household_join}
        LEFT JOIN (
            SELECT DISTINCT person_id FROM {vagrant}
            WHERE person_id IS NOT NULL AND status = '{VagrantStatus.OPEN}'
              AND {" AND ".join(VagrantRecord.CRITERIA)}
        ) vr ON vr.person_id = p.id
        WHERE {person_where}
    """
    args = select_args + [on, on] + status_args + [on, on] + status_args + household_args + person_args
    return sql, args


def local_changes_sql(params: rules.Params, scope: Scope) -> tuple[str, list]:
    """Persons whose own facts changed (everything but the household-level bit), or who moved.

    Returns (id, household_id, stored household_id): their households are re-evaluated whole.
    """
    inner, args = signature_sql(params, scope, household_level=False)
    state = ScreeningState._meta.db_table
    sql = f"""
        SELECT c.id, c.household_id, st.household_id FROM ({inner}) c
        LEFT JOIN {state} st ON st.person_id = c.id
        WHERE st.person_id IS NULL OR st.rule_version <> %s OR st.household_id <> c.household_id
           OR (st.signature & {LOCAL_MASK}) <> c.sig
    """
    return sql, args + [rules.RULE_VERSION]


def household_changes_sql(params: rules.Params, scope: Scope, *, force: bool = False) -> tuple[str, list]:
    """(id, household_id, signature, stored signature, stored rule version) of changed persons."""
    inner, args = signature_sql(params, scope, household_level=True)
    state = ScreeningState._meta.db_table
    where = (
        ""
        if force
        else """WHERE st.person_id IS NULL OR st.rule_version <> %s OR st.household_id <> c.household_id
           OR st.signature <> c.sig"""
    )
    sql = f"""
        SELECT c.id, c.household_id, c.sig, st.signature, st.rule_version FROM ({inner}) c
        LEFT JOIN {state} st ON st.person_id = c.id
        {where}
    """
    return sql, args + ([] if force else [rules.RULE_VERSION])


def _fetch(sql: str, args: list) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            # A big expression evaluated once per row: JIT compilation costs more than it saves.
            # Hash joins over a million persons stay in memory instead of spilling in batches.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(sql, args)
        return cursor.fetchall()


def _household_chunks(household_ids: Iterable[int]):
    ids = sorted({int(i) for i in household_ids if i is not None})
    size = 250000 if _is_postgres() else ID_CHUNK
    for start in range(0, len(ids), size):
        yield Scope("households", ids[start : start + size])


def changed_households(params: rules.Params, scope: Scope) -> set[int]:
    """The everyone/range pass: households with a member whose own facts changed (set-based)."""
    rows = _fetch(*local_changes_sql(params, scope))
    return {hh for _pid, hh, _old in rows} | {old for _pid, _hh, old in rows if old is not None}


def changed_signatures(params: rules.Params, household_ids: Iterable[int], *, force: bool = False) -> list:
    rows = []
    for part in _household_chunks(household_ids):
        if _is_postgres() and len(part.ids) > 50:
            where, args = _id_list("household_id", part.ids)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {Person._meta.db_table} WHERE {where}", args)
                part.person_ids = [r[0] for r in cursor.fetchall()]
        rows += _fetch(*household_changes_sql(params, part, force=force))
    return rows


# ---------------------------------------------------------------------------------------------
# Facts for the changed people only (evidence text, task titles).


def _current_statuses(households: set[int], on: dt.date) -> list[tuple[int, int, str]]:
    """(person id, household id, kind) of the current statuses the rules read, for households.

    Driven from the households' members (index on person.household_id, then status.person_id):
    the ORM's join filter on person__household_id made PostgreSQL scan every status.
    """
    if not households:
        return []
    kinds = [*rules.LOW_INCOME, hc.AssistanceKind.ORPHAN.value, hc.AssistanceKind.DE_FACTO_ORPHAN.value]
    where, args = _id_list("p.household_id", sorted(households))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.person_id, p.household_id, s.kind
            FROM {Person._meta.db_table} p JOIN {AssistanceStatus._meta.db_table} s ON s.person_id = p.id
            WHERE {where} AND s.kind IN {_in(kinds)}
              AND (s.start_date IS NULL OR s.start_date <= %s) AND (s.end_date IS NULL OR s.end_date > %s)
            """,
            [*args, on, on],
        )
        return cursor.fetchall()


def load_facts(person_ids: list[int], on: dt.date) -> dict[int, rules.Facts]:
    facts: dict[int, rules.Facts] = {}
    for start in range(0, len(person_ids), ID_CHUNK):
        ids = person_ids[start : start + ID_CHUNK]
        rows = Person.objects.filter(pk__in=ids).values(
            "id",
            "household_id",
            "name",
            "sex",
            "birth_date",
            "status",
            *rules.Facts.PERSON_FIELDS,
            "household__status",
            "household__housing",
            "household__safety_grade",
            "household__zero_employment",
            "household__town_id",
            "household__community_id",
        )
        for row in rows:
            f = rules.Facts(
                person_id=row["id"],
                household_id=row["household_id"],
                name=row["name"],
                sex=row["sex"],
                birth_date=row["birth_date"],
                status=row["status"],
                household_status=row["household__status"],
                housing=row["household__housing"],
                safety_grade=row["household__safety_grade"],
                zero_employment=row["household__zero_employment"],
                town_id=row["household__town_id"],
                community_id=row["household__community_id"],
                **{k: row[k] for k in rules.Facts.PERSON_FIELDS},
            )
            facts[f.person_id] = f
        wanted = set(ids)
        households = {f.household_id for f in facts.values() if f.person_id in wanted}
        household_kinds: dict[int, set] = {}
        own_kinds: dict[int, set] = {}
        statuses = _current_statuses(households, on)
        for person_id, household_id, kind in statuses:
            if kind in rules.LOW_INCOME:
                household_kinds.setdefault(household_id, set()).add(kind)
            own_kinds.setdefault(person_id, set()).add(kind)
        places = dict(
            VagrantRecord.objects.open_eligible()
            .filter(person_id__in=ids)
            .values_list("person_id", "found_place")
        )
        for pid in ids:
            f = facts.get(pid)
            if f is None:
                continue
            f.household_kinds = frozenset(household_kinds.get(f.household_id, ()))
            f.own_kinds = frozenset(own_kinds.get(pid, ()))
            f.vagrant_place = places.get(pid)
    return facts


# ---------------------------------------------------------------------------------------------
# Who follows up: a community worker of the household's community, else a town worker of its
# town, else nobody by name (the task is still scoped to the household's area).


def responsible_workers() -> tuple[dict[int, int], dict[int, int]]:
    from accounts.models import User

    by_community: dict[int, int] = {}
    by_town: dict[int, int] = {}
    users = (
        User.objects.filter(
            is_active=True, role__in=[Role.COMMUNITY_WORKER, Role.TOWN_WORKER], division__isnull=False
        )
        .order_by("id")
        .values_list("id", "role", "division_id", "division__level", "division__parent_id")
    )
    for user_id, role, division_id, level, parent_id in users:
        if role == Role.COMMUNITY_WORKER:
            community = division_id if level == hc.DivisionLevel.COMMUNITY else parent_id
            by_community.setdefault(community, user_id)
        elif level == hc.DivisionLevel.TOWN:
            by_town.setdefault(division_id, user_id)
    return by_community, by_town


def assignee_for(workers, town_id, community_id) -> int | None:
    by_community, by_town = workers
    return by_community.get(community_id) or by_town.get(town_id)


# ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    changed: int = 0
    gained: int = 0
    lost: int = 0
    updated: int = 0
    tasks: int = 0
    reviews: int = 0
    # Set by a sweep: how many households and persons it compared (not only those that changed).
    compared_households: int = 0
    compared_persons: int = 0

    def add(self, other: "Result") -> None:
        for name in ("changed", "gained", "lost", "updated", "tasks", "reviews"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _task_text(event: str, group: str, tier: str, name: str) -> str:
    return _task_template(event, group, tier, get_language()) % {"name": name}


@lru_cache(maxsize=256)
def _task_template(event: str, group: str, tier: str, language: str | None) -> str:
    """The title with only the name left to fill in (translated once per language, not per task)."""
    label = str(Group(group).label).replace("%", "%%")
    if event == "gained":
        text = _("%(name)s 纳入「%(group)s」，请核实并跟进")
    elif event == "lost":
        text = _("%(name)s 退出「%(group)s」，请核实")
    elif event == "tier" and tier == Tier.DROPOUT:
        text = _("%(name)s 辍学预警，请核实并劝返")
    elif event == "tier":
        text = _("%(name)s 为「%(group)s」高风险对象，请尽快探访")
    else:
        text = _("%(name)s 的「%(group)s」人工认定所依据的情况已变化，请重新核定")
    return text.replace("%(group)s", label)


_EVENT_KIND = {
    "gained": TaskKind.GAINED,
    "lost": TaskKind.LOST,
    "tier": TaskKind.TIER,
    "review": TaskKind.REVIEW,
}


def _process(
    rows: list[tuple], params: rules.Params, workers, *, force: bool = False, baseline: bool = False
) -> Result:
    """Compare changed signatures with current decisions and overrides; write the differences.

    rows: (person id, household id, signature, stored signature, stored rule version).
    ``baseline``: the first screening of the registry places people without a task each
    (``baseline_reviews`` then leaves one review item per community).
    """
    result = Result(changed=len(rows))
    if not rows:
        return result
    # Most changes do not touch any decision (a bit no placement depends on): when the stored
    # signature means the same placements, tiers and fingerprints, only the state is updated.
    decide = [
        r
        for r in rows
        if force
        or r[3] is None
        or r[4] != rules.RULE_VERSION
        or rules.group_view(r[2]) != rules.group_view(r[3])
    ]
    if not decide:
        _save_states(rows, params)
        return result
    now = timezone.now()
    signature = {r[0]: r[2] for r in decide}
    ids = list(signature)
    decisions = {}
    overrides = {}
    for start in range(0, len(ids), ID_CHUNK):
        part = ids[start : start + ID_CHUNK]
        # Evidence is only ever replaced here, never read: do not fetch and parse it.
        for d in GroupDecision.objects.filter(person_id__in=part, active=True).defer("evidence"):
            decisions[(d.person_id, d.group)] = d
        for o in Override.objects.filter(person_id__in=part, active=True):
            overrides[(o.person_id, o.group)] = o

    # Pass 1 (bits only): what has to change, and who needs their facts loaded.
    plans = []  # (pid, group, action, decision, tier, fp, override)
    retired_overrides = []
    for pid in ids:
        sig = signature[pid]
        placed = rules.groups_from_signature(sig)
        for group in Group.values:
            fp = rules.fingerprint(sig, group)
            override = overrides.get((pid, group))
            if override is not None and override.fingerprint != fp:
                override.active = False
                override.retired_at = now
                override.retired_reason = _("所依据的情况已变化")
                retired_overrides.append(override)
                plans.append((pid, group, "review", None, "", fp, override))
                override = None
            member = group in placed
            if override is not None:
                member = override.verdict == Verdict.CONFIRM
            tier = placed.get(group, Tier.NORMAL)
            current = decisions.get((pid, group))
            if member and current is None:
                plans.append((pid, group, "create", None, tier, fp, override))
            elif not member and current is not None:
                plans.append((pid, group, "end", current, tier, fp, override))
            elif member and (current.fingerprint != fp or current.tier != tier):
                plans.append((pid, group, "update", current, tier, fp, override))
    if not plans:
        _save_states(rows, params)
        return result

    facts = load_facts(sorted({p[0] for p in plans}), params.on)
    creates, ends, updates, events, retiered = [], [], [], [], set()
    for pid, group, action, current, tier, fp, override in plans:
        f = facts.get(pid)
        if f is None:  # deleted meanwhile
            continue
        sig = signature[pid]
        if action == "review":
            events.append(("review", f, group, tier, None, override))
        elif action == "create":
            decision = GroupDecision(
                person_id=pid,
                group=group,
                tier=tier,
                rule_version=rules.RULE_VERSION,
                params_version=params.version,
                evidence=rules.evidence_for(group, sig, f, params),
                fingerprint=fp,
                decided_at=now,
                updated_at=now,
            )
            creates.append(decision)
            events.append(("gained", f, group, tier, decision, None))
            if tier != Tier.NORMAL:
                events.append(("tier", f, group, tier, decision, None))
        elif action == "end":
            current.active = False
            current.ended_at = now
            screened = bool(sig & rules.BIT["screened"])
            if override is not None and override.verdict == Verdict.REJECT:
                current.end_reason = _("工作人员否定：%(reason)s") % {"reason": override.reason[:150]}
            elif not screened:
                current.end_reason = _("人员或家庭不在册（%(status)s）") % {
                    "status": hc.PersonStatus(f.status).label
                    if f.status != hc.PersonStatus.ACTIVE
                    else hc.RecordStatus(f.household_status).label
                }
            else:
                current.end_reason = _("不再符合条件")
                events.append(("lost", f, group, tier, current, None))
            ends.append(current)
        else:  # update
            raised = _TIER_RANK.get(tier, 0) > _TIER_RANK.get(current.tier, 0)
            if tier != current.tier:
                retiered.add(pid)
            current.tier = tier
            current.fingerprint = fp
            current.evidence = rules.evidence_for(group, sig, f, params)
            current.rule_version = rules.RULE_VERSION
            current.params_version = params.version
            current.updated_at = now
            updates.append(current)
            if raised:
                events.append(("tier", f, group, tier, current, None))

    with transaction.atomic():
        GroupDecision.objects.bulk_create(creates, batch_size=1000)
        _update_rows(ends, ["active", "ended_at", "end_reason"])
        _update_rows(
            updates, ["tier", "fingerprint", "evidence", "rule_version", "params_version", "updated_at"]
        )
        _update_rows(retired_overrides, ["active", "retired_at", "retired_reason"])
        if retired_overrides:
            Override.history.bulk_history_create(retired_overrides, update=True, default_date=now)
        tasks = [] if baseline else _tasks(events, params, workers)
        _insert_tasks(tasks, now)
        _save_states(rows, params)
        # Group counts (stats) of the households whose people entered or left a group; visit
        # schedules (visits) also follow a change of tier.
        moved = {d.person_id for d in creates} | {d.person_id for d in ends} | retiered
        households_written({r[1] for r in decide if r[0] in moved})
    result.gained, result.lost, result.updated = len(creates), len(ends), len(updates)
    result.tasks, result.reviews = len(tasks), len(retired_overrides)
    return result


def _insert_tasks(tasks: list[Task], when) -> None:
    """Insert tasks (a dedupe key already present is skipped) with their "+" history rows."""
    if not tasks:
        return
    if _is_postgres():
        bulk.insert(Task, tasks, skip_conflicts=True, history_date=when)
    else:
        Task.objects.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
        _record_task_history([t.dedupe_key for t in tasks if t.dedupe_key], when)


def is_baseline(*, everyone: bool, last_sweep: ScreeningSweep | None = None) -> bool:
    """The registry's first screening: the first sweep, or a run while nobody was ever screened
    (the first import into an empty registry)."""
    if everyone and last_sweep is None:
        return True
    return not ScreeningState.objects.exists()


def baseline_reviews(params: rules.Params, workers, since) -> list[Task]:
    """One review item per community for the people a baseline placed (decided since ``since``)."""
    from django.db.models import Count, Q

    rows = (
        GroupDecision.objects.filter(active=True, decided_at__gte=since)
        .values("person__household__town", "person__household__community")
        .annotate(
            n=Count("person", distinct=True),
            high=Count("person", distinct=True, filter=~Q(tier=Tier.NORMAL)),
        )
        .order_by("person__household__community")
    )
    due = params.on + dt.timedelta(days=params["screen_task_due_days"])
    tasks = []
    for row in rows:
        town_id, community_id = row["person__household__town"], row["person__household__community"]
        detail = _("首次筛查（基线）纳入的分类对象，请逐一核实后确认；认定有误的请打开人员页否定。")
        if row["high"]:
            detail += " " + _("其中高风险或辍学预警 %(n)s 人，请优先核实。") % {"n": row["high"]}
        tasks.append(
            Task(
                kind=TaskKind.BASELINE,
                title=_("本社区新纳入分类对象 %(n)s 人，请核实") % {"n": row["n"]},
                detail=detail,
                town_id=town_id,
                community_id=community_id,
                assignee_id=assignee_for(workers, town_id, community_id),
                due_date=due,
                high_risk=bool(row["high"]),
                dedupe_key=f"scr:baseline:{community_id}:{params.on.isoformat()}",
            )
        )
    return tasks


def _record_task_history(keys: list[str], when) -> None:
    """History "+" rows for the tasks this pass inserted (bulk_create skips simple-history;
    ignore_conflicts means some keys already existed and must not get a second row)."""
    history = Task.history.model
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        new = Task.objects.filter(dedupe_key__in=chunk).exclude(
            pk__in=history.objects.filter(dedupe_key__in=chunk).values("id")
        )
        created = list(new)
        if created:
            Task.history.bulk_history_create(created, default_date=when)


def _update_rows(objects: list, fields: list[str]) -> None:
    """UPDATE the given fields of many rows in one round trip (executemany).

    Django's bulk_update builds one CASE WHEN per row and field; for thousands of rows that SQL
    costs seconds to build and to plan. One prepared statement run for each row does not.
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if _is_postgres():
        _update_rows_pg(objects, meta, columns)
        return
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in columns)
    sql = f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} WHERE id = %s"
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _update_rows_pg(objects, meta, columns) -> None:
    """One UPDATE ... FROM unnest(arrays): a single statement for any number of rows."""
    types = {
        "BooleanField": "boolean",
        "BigIntegerField": "bigint",
        "DateTimeField": "timestamptz",
        "JSONField": "jsonb",
    }
    quote = connection.ops.quote_name
    names = [f"c{i}" for i in range(len(columns))]
    arrays, casts = [], []
    for field_ in columns:
        kind = types.get(field_.get_internal_type(), "text")
        values = [getattr(obj, field_.attname) for obj in objects]
        if kind == "jsonb":
            values = [json.dumps(v, ensure_ascii=False) for v in values]
            casts.append("%s::text[]")
        else:
            casts.append(f"%s::{kind}[]")
        arrays.append(pg_array(values))
    assignments = ", ".join(
        f"{quote(f.column)} = u.{n}" + ("::jsonb" if types.get(f.get_internal_type()) == "jsonb" else "")
        for f, n in zip(columns, names, strict=True)
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
        f"FROM unnest(%s::bigint[], {', '.join(casts)}) AS u(id, {', '.join(names)}) WHERE t.id = u.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pg_array(obj.pk for obj in objects), *arrays])


def _tasks(events, params: rules.Params, workers) -> list[Task]:
    on = params.on
    normal_due = on + dt.timedelta(days=params["screen_task_due_days"])
    urgent_due = on + dt.timedelta(days=params["screen_high_risk_due_days"])
    tasks: dict[str, Task] = {}
    for event, f, group, tier, decision, override in events:
        if group == Group.HOUSING and event in ("gained", "lost"):
            # A household group: one follow-up per household, not one per member.
            key = f"scr:{event}:housing:{f.household_id}:{on.isoformat()}"
            name = _("%(name)s户") % {"name": f.name}
        elif event == "review":
            key, name = f"scr:review:{override.pk}", f.name
        elif event == "tier":
            key, name = f"scr:tier:{decision.pk}:{tier}:{on.isoformat()}", f.name
        else:
            key, name = f"scr:{event}:{decision.pk}", f.name
        if key in tasks:
            continue
        detail = rules.explain(decision.evidence) if decision is not None and event != "lost" else ""
        tasks[key] = Task(
            kind=_EVENT_KIND[event],
            title=_task_text(event, group, tier, name)[:200],
            detail=detail,
            household_id=f.household_id,
            person_id=f.person_id,
            town_id=f.town_id,
            community_id=f.community_id,
            assignee_id=assignee_for(workers, f.town_id, f.community_id),
            due_date=urgent_due if event == "tier" and tier == Tier.HIGH_RISK else normal_due,
            high_risk=event == "tier",
            dedupe_key=key,
        )
    return list(tasks.values())


def _save_states(rows, params: rules.Params) -> None:
    if _is_postgres():
        # One statement with array parameters: no per-row SQL text for tens of thousands of rows.
        state = ScreeningState._meta.db_table
        for start in range(0, len(rows), 50000):
            part = rows[start : start + 50000]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {state} (person_id, household_id, signature, rule_version, screened_on)
                    SELECT u.p, u.h, u.s, %s, %s
                    FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS u(p, h, s)
                    ON CONFLICT (person_id) DO UPDATE SET household_id = EXCLUDED.household_id,
                        signature = EXCLUDED.signature, rule_version = EXCLUDED.rule_version,
                        screened_on = EXCLUDED.screened_on
                    """,
                    [
                        rules.RULE_VERSION,
                        params.on,
                        pg_array(r[0] for r in part),
                        pg_array(r[1] for r in part),
                        pg_array(r[2] for r in part),
                    ],
                )
        return
    states = [
        ScreeningState(
            person_id=r[0],
            household_id=r[1],
            signature=r[2],
            rule_version=rules.RULE_VERSION,
            screened_on=params.on,
        )
        for r in rows
    ]
    ScreeningState.objects.bulk_create(
        states,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["person"],
        update_fields=["household_id", "signature", "rule_version", "screened_on"],
    )


def rescreen(
    *,
    person_ids: Iterable[int] | None = None,
    household_ids: Iterable[int] | None = None,
    id_range: tuple[int, int] | None = None,
    everyone: bool = False,
    full: bool = False,
    force: bool = False,
    on: dt.date | None = None,
    progress=None,
    batch_size: int = BATCH,
) -> Result:
    """Re-screen a set of people and write only what changed. Safe to repeat.

    Everyone: see ``sweep`` (incremental from the change marks and the calendar, or ``full``).
    An id range: one set-based pass compares every person's own facts with the stored state and
    finds the households that changed. A list of households or persons goes straight to the
    household step: those households are evaluated whole (the household-level "low income" bit
    needs all members). ``force`` re-evaluates the people in scope even when nothing changed
    (after an override, which the facts do not show).
    """
    params = rules.Params.load(on)
    if everyone:
        return sweep(params, full=full, force=force, progress=progress, batch_size=batch_size)
    baseline = is_baseline(everyone=False)
    if id_range is not None:
        households = changed_households(params, Scope("range", low=id_range[0], high=id_range[1]))
    elif household_ids is not None:
        households = {int(i) for i in household_ids}
    elif person_ids is not None:
        ids = sorted({int(i) for i in person_ids})
        households = set(Person.objects.filter(pk__in=ids).values_list("household_id", flat=True))
        households |= set(
            ScreeningState.objects.filter(person_id__in=ids, household_id__isnull=False).values_list(
                "household_id", flat=True
            )
        )
    else:
        raise ValueError("rescreen needs a scope")
    return _rescreen_households(
        households, params, force=force, progress=progress, batch_size=batch_size, baseline=baseline
    )


def _rescreen_households(
    households, params, *, force=False, progress=None, batch_size=BATCH, baseline=False
) -> Result:
    result = Result()
    if not households:
        if progress:
            progress(0, 0)
        return result
    started = timezone.now()
    rows = changed_signatures(params, households, force=force)
    workers = responsible_workers()
    total = len(rows)
    if progress:
        progress(0, total)
    for start in range(0, total, batch_size):
        batch = rows[start : start + batch_size]
        bulk.analyze_stale(GroupDecision, ScreeningState)  # what the batch's listeners join
        try:
            result.add(_process(batch, params, workers, force=force, baseline=baseline))
        except IntegrityError:
            # Another run wrote the same people between our read and write: read again, once.
            log.warning("rescreen batch collided with a concurrent run; retrying")
            fresh = changed_signatures(params, {r[1] for r in batch}, force=force)
            fresh = [r for r in fresh if r[0] in {b[0] for b in batch}]
            result.add(_process(fresh, params, workers, force=force, baseline=baseline))
        if progress:
            progress(min(start + batch_size, total), total)
    if baseline:
        reviews = baseline_reviews(params, workers, started)
        with transaction.atomic():
            _insert_tasks(reviews, timezone.now())
        result.tasks += len(reviews)
    return result


# ---------------------------------------------------------------------------------------------
# Everyone (nightly): only the people whose screening can have changed since the last sweep.


def full_sweep_reason(last: ScreeningSweep | None, params: rules.Params) -> str:
    """Why the next sweep must compare everyone ("" when the marks and the calendar suffice)."""
    if last is None:
        return _("首次全员筛查")
    if last.rule_version != rules.RULE_VERSION:
        return _("规则版本变化")
    if last.params_version != params.version:
        return _("政策参数变化")
    if params.on < last.on:
        return _("筛查基准日早于上次")
    return ""


def interrupted_full(last: ScreeningSweep | None) -> str:
    """A full comparison asked for since the last sweep that did not finish (its worker died, or it
    failed): the marks and the calendar do not cover what it left, so this sweep compares everyone."""
    from core.models import Job

    unfinished = Job.objects.filter(kind="rescreen", params__everyone=True, params__full=True).exclude(
        status=Job.Status.SUCCEEDED
    )
    if last is not None:
        unfinished = unfinished.filter(created_at__gte=last.finished_at)
    return _("上次全量核对未完成") if unfinished.exists() else ""


def calendar_households(since: dt.date, params: rules.Params) -> set[int]:
    """Households with a member who crossed an age or retirement cut-off, or a status that began
    or ended, after ``since`` up to ``params.on``: the inputs that change with the date alone.

    Every age condition is "birth_date <= cut-off(day)", and cut-offs only move forward, so the
    people whose bit flipped are exactly those born in (cut-off(since), cut-off(on)]: a few
    index ranges on birth_date, whatever the size of the registry.
    """
    if params.on <= since:
        return set()
    before = rules.Params(on=since, values=params.values, version=params.version)
    ranges = [(before.age_cutoffs()[name], day) for name, day in params.age_cutoffs().items()] + [
        (before.retired_cutoffs()[sex], day) for sex, day in params.retired_cutoffs().items()
    ]
    ranges = sorted({(low, high) for low, high in ranges if low < high})
    person, status = Person._meta.db_table, AssistanceStatus._meta.db_table
    households: set[int] = set()
    with connection.cursor() as cursor:
        if ranges:
            where = " OR ".join(["(birth_date > %s AND birth_date <= %s)"] * len(ranges))
            cursor.execute(
                f"SELECT DISTINCT household_id FROM {person} WHERE {where}",
                [d for pair in ranges for d in pair],
            )
            households.update(r[0] for r in cursor.fetchall())
        cursor.execute(
            f"""
            SELECT DISTINCT p.household_id FROM {person} p WHERE p.id IN (
                SELECT s.person_id FROM {status} s WHERE s.start_date > %s AND s.start_date <= %s
                UNION SELECT s.person_id FROM {status} s WHERE s.end_date > %s AND s.end_date <= %s)
            """,
            [since, params.on, since, params.on],
        )
        households.update(r[0] for r in cursor.fetchall())
    return households


def read_marks() -> tuple[list[int], set[int]]:
    """(mark ids, household ids) of the marks committed so far.

    The sweep later deletes exactly these ids: a mark's id comes from a sequence when its row is
    written, not when its transaction commits, so "every id up to the highest seen" could delete
    a mark a longer transaction committed meanwhile, unseen.
    """
    ids, households = [], set()
    for mark_id, household_id in ScreeningMark.objects.values_list("id", "household_id").iterator(
        chunk_size=20000
    ):
        ids.append(mark_id)
        households.add(household_id)
    return ids, households


def delete_marks(ids: list[int]) -> None:
    for start in range(0, len(ids), 50000):
        chunk = ids[start : start + 50000]
        where, args = _id_list("id", chunk)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {ScreeningMark._meta.db_table} WHERE {where}", args)


def registry_size(households: set[int] | None = None) -> tuple[int, int]:
    """(households, persons) a sweep compares: everyone, or the members of ``households``."""
    person = Person._meta.db_table
    if households is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(DISTINCT household_id), COUNT(*) FROM {person}")
            return tuple(cursor.fetchone())
    persons = 0
    for part in _household_chunks(households):
        where, args = _id_list("household_id", part.ids)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {person} WHERE {where}", args)
            persons += cursor.fetchone()[0]
    return len(households), persons


SWEEP_LOCK = 0x5A53_5745  # "ZSWE": one sweep at a time (PostgreSQL advisory lock)


def sweep(
    params: rules.Params, *, full: bool = False, force: bool = False, progress=None, batch_size: int = BATCH
) -> Result:
    """Re-screen everyone whose screening can have changed since the last sweep.

    Incremental (the nightly case): the households the triggers marked (any change to a watched
    column, by any path) plus ``calendar_households`` since the last sweep's date. Full, when
    asked, on the first sweep, or after the rule set or the parameters changed: one set-based
    pass compares every person's facts with the stored state. Either way only the households
    found are evaluated whole and only the differences are written. The marks read at the start
    are deleted at the end, in the same transaction as the sweep record; a failed sweep leaves
    them for the next one, and marks committed meanwhile wait for the next sweep.
    """
    if _is_postgres():
        # A second sweep (the nightly one and an admin's "compare everyone now") waits for the first
        # instead of evaluating and writing the same households at the same time.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SWEEP_LOCK])
        try:
            return _sweep(params, full=full, force=force, progress=progress, batch_size=batch_size)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK])
    return _sweep(params, full=full, force=force, progress=progress, batch_size=batch_size)


def _sweep(params: rules.Params, *, full: bool, force: bool, progress, batch_size: int) -> Result:
    started = time.perf_counter()
    mark_ids, marked = read_marks()
    last = ScreeningSweep.objects.order_by("-finished_at", "-id").first()
    reason = (
        _("按要求全量核对") if full or force else full_sweep_reason(last, params) or interrupted_full(last)
    )
    baseline = is_baseline(everyone=True, last_sweep=last)
    if reason:
        compared = registry_size()
        households = changed_households(params, Scope("all"))
    else:
        households = marked | calendar_households(last.on, params)
        compared = registry_size(households)
    with hooks.batches():  # the listeners that recount communities wait for the call below
        result = _rescreen_households(
            households, params, force=force, progress=progress, batch_size=batch_size, baseline=baseline
        )
    with transaction.atomic():
        delete_marks(mark_ids)
        if reason:  # a full sweep may have written decisions for the whole registry
            bulk.analyze(GroupDecision, ScreeningState)
        # Counts that follow the calendar (statuses that began or ended) are redone with the sweep.
        households_written(households, everyone=bool(reason))
        ScreeningSweep.objects.create(
            on=params.on,
            mode=ScreeningSweep.Mode.FULL if reason else ScreeningSweep.Mode.INCREMENTAL,
            reason=reason[:100],
            rule_version=rules.RULE_VERSION,
            params_version=params.version,
            marks_upto=max(mark_ids, default=0),
            households=compared[0],
            persons=compared[1],
            changed_households=len(households),
            changed=result.changed,
            seconds=round(time.perf_counter() - started, 3),
        )
    result.compared_households, result.compared_persons = compared
    return result
