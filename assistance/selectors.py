"""Reads that are more than a filter."""

from collections import defaultdict

from django.db.models import Count, Q

from assessments.models import GroupDecision
from households.models import AssistanceStatus

from . import choices as c
from .eligibility import reason


def with_reasons(recommendations) -> list:
    """Attach ``reason`` (plain Chinese) to each recommendation of a page, in two queries."""
    recs = list(recommendations)
    person_ids = {r.person_id for r in recs if r.person_id}
    household_ids = {r.household_id for r in recs}
    groups = defaultdict(set)
    for person_id, group in GroupDecision.objects.filter(person_id__in=person_ids, active=True).values_list(
        "person_id", "group"
    ):
        groups[person_id].add(group)
    person_kinds, household_kinds = defaultdict(set), defaultdict(set)
    for person_id, household_id, kind in (
        AssistanceStatus.objects.current()
        .filter(person__household_id__in=household_ids)
        .values_list("person_id", "person__household_id", "kind")
    ):
        person_kinds[person_id].add(kind)
        household_kinds[household_id].add(kind)
    for r in recs:
        if r.person_id:
            kinds = person_kinds[r.person_id] | household_kinds[r.household_id]
            r.reason = reason(r.item, r.person, groups[r.person_id], kinds, household=r.household)
        else:
            r.reason = reason(r.item, None, set(), household_kinds[r.household_id], household=r.household)
    return recs


STATUS_COUNTS = {status: Count("id", filter=Q(status=status)) for status, _label in c.UptakeStatus.choices}


def uptake_by(queryset, *fields):
    """The funnel per ``fields`` (e.g. item name, town name): one row each, a count per status."""
    rows = queryset.values(*fields).annotate(total=Count("id"), **STATUS_COUNTS).order_by("-total", *fields)
    for row in rows:
        reached = row["delivered"] + row["granted"]
        row["uptake"] = round(100 * reached / row["total"]) if row["total"] else 0
    return rows
