"""Reads that are more than a filter."""

from collections import defaultdict

from django.db.models import Count, Q
from django.utils.http import urlencode

from assessments.models import GroupDecision
from households.models import AssistanceStatus
from stats import uptake as uptake_rows
from stats.selectors import area_filter

from . import choices as c
from .eligibility import reason
from .models import CatalogItem, Recommendation


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
        _uptake_rate(row)
    return rows


def _uptake_rate(row: dict) -> None:
    reached = row["delivered"] + row["granted"]
    row["uptake"] = round(100 * reached / row["total"]) if row["total"] else 0


def uptake_tables(user) -> dict:
    """/push/uptake/: the funnel per item and per town over the user's area, from the uptake rows
    (stats.uptake); from the records for a user whose area the rows cannot say (a grid worker,
    the joint meeting's case roles). Rows as ``uptake_by`` makes them."""
    area = area_filter(user)
    if area is None:
        recs = Recommendation.objects.restrict(user)
        return {
            "by_item": uptake_by(recs, "item_id", "item__name"),
            "by_town": uptake_by(recs, "household__town_id", "household__town__name"),
        }
    from households.models import Division

    by_item, by_town = uptake_rows.counts(area, "item_id"), uptake_rows.counts(area, "town_id")
    items = CatalogItem.objects.filter(pk__in={k for k, _s in by_item}).values_list("pk", "name")
    towns = Division.objects.filter(pk__in={k for k, _s in by_town}).values_list("pk", "name")
    return {
        "by_item": _pivot(by_item, dict(items), "item_id", "item__name"),
        "by_town": _pivot(by_town, dict(towns), "household__town_id", "household__town__name"),
    }


def _pivot(counts: dict[tuple, int], names: dict, id_field: str, name_field: str) -> list[dict]:
    """{(key, status): n} to one row per key with a count per status, as ``uptake_by``."""
    rows: dict = {}
    for (key, status), n in counts.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = {id_field: key, name_field: names.get(key, ""), "total": 0}
            row.update({code: 0 for code in c.UptakeStatus.values})
        row[status] = row.get(status, 0) + n
        row["total"] += n
    for row in rows.values():
        _uptake_rate(row)
    return sorted(rows.values(), key=lambda r: (-r["total"], r[id_field]))


def uptake_links(rows, list_url: str, id_field: str, name_field: str, param: str) -> list[dict]:
    """The rows with their name, links and one cell per status, ready to print: the page makes
    up to a thousand links, and a template tag per cell cost more than the counts themselves."""
    linked = []
    for row in rows:
        base = f"{list_url}?{urlencode({param: row[id_field]})}"
        cells = [{"n": row[code], "link": f"{base}&status={code}"} for code in c.UptakeStatus.values]
        linked.append({**row, "name": row[name_field], "link": base, "cells": cells})
    return linked
