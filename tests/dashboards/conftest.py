"""A hand-counted world for the dashboards (counts written out in the tests).

Households: H1 花苑 (东区) with p1, p2; H2 竹苑 (东区) with p3, p6; H3 烟洲 (西区) with p4.

Stays in groups (decided .. ended):
    d1 p1 elderly       2025-12-01 ..
    d2 p1 disabled_ill  2026-01-10 ..
    d3 p2 child         2025-06-01 ..
    d4 p3 elderly       2025-06-01 ..
    d5 p6 elderly       2025-06-01 .. 2026-02-10
    d6 p4 housing       2026-01-20 ..
    d7 p3 unemployed    2026-03-01 ..

Needs: n1 H1 recorded 2026-01-05, met 2026-01-15 (10 days); n2 H1 recorded 2026-01-20, open;
n3 H3 recorded 2026-02-01, met 2026-02-03 (2 days); n4 H2 recorded 2026-01-03, closed unmet 2026-01-25.
"""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import GroupDecision
from assistance.models import Need
from tests.factories import HouseholdFactory, PersonFactory, community


def at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def stay(person, group, decided, ended=None):
    return GroupDecision.objects.create(
        person=person,
        group=group,
        rule_version="t",
        params_version="t",
        fingerprint=0,
        decided_at=at(decided),
        updated_at=at(decided),
        ended_at=at(ended) if ended else None,
        active=ended is None,
    )


def need(household, recorded, by, met=None, closed=None):
    n = Need.objects.create(
        household=household,
        domain="living",
        description="生活困难",
        source="other",
        recorded_by=by,
        recorded_at=at(recorded),
    )
    if met:
        met_on = dt.date.fromisoformat(met)
        Need.objects.filter(pk=n.pk).update(
            status="met",
            met_on=met_on,
            days_to_meet=(met_on - dt.date.fromisoformat(recorded)).days,
            changed_at=at(met),
        )
    if closed:
        Need.objects.filter(pk=n.pk).update(status="closed_unmet", changed_at=at(closed))
    return n


@pytest.fixture
def dash_world(db, admin_user):
    h1 = HouseholdFactory(community=community("花苑社区"))
    h2 = HouseholdFactory(community=community("竹苑社区"))
    h3 = HouseholdFactory(community=community("烟洲社区"))
    p1, p2 = PersonFactory(household=h1, name="甲一"), PersonFactory(household=h1, name="甲二")
    p3, p6 = PersonFactory(household=h2, name="乙一"), PersonFactory(household=h2, name="乙二")
    p4 = PersonFactory(household=h3, name="丙一")
    stay(p1, "elderly", "2025-12-01")
    stay(p1, "disabled_ill", "2026-01-10")
    stay(p2, "child", "2025-06-01")
    stay(p3, "elderly", "2025-06-01")
    stay(p6, "elderly", "2025-06-01", "2026-02-10")
    stay(p4, "housing", "2026-01-20")
    stay(p3, "unemployed", "2026-03-01")
    need(h1, "2026-01-05", admin_user, met="2026-01-15")
    need(h1, "2026-01-20", admin_user)
    need(h3, "2026-02-01", admin_user, met="2026-02-03")
    need(h2, "2026-01-03", admin_user, closed="2026-01-25")
    rebuild_tallies()  # written past the services: recount the dashboards' rows
    return {"h1": h1, "h2": h2, "h3": h3}


def rebuild_tallies():
    from stats import monthly

    monthly.rebuild(months_back=14)


@pytest.fixture
def work_world(dash_world, admin_user):
    """Current work on top of the world: tasks, alerts, pushes and an import batch."""
    from assessments.models import Alert
    from assistance.models import CatalogItem, Recommendation
    from core.models import Task
    from imports.models import ImportBatch

    h1, h2, h3 = dash_world["h1"], dash_world["h2"], dash_world["h3"]
    today = dt.date.today()
    for household, due in (
        (h1, today - dt.timedelta(days=3)),
        (h1, today + dt.timedelta(days=3)),
        (h3, today),
    ):
        Task.objects.create(kind="screening_gained", title="核实", household=household, due_date=due)
    for household, deadline in ((h1, today - dt.timedelta(days=1)), (h2, today + dt.timedelta(days=5))):
        Alert.objects.create(
            person=household.head,
            town=household.town,
            kind="job_loss",
            source="manual",
            verify_deadline=deadline,
        )
    items = list(CatalogItem.objects.order_by("pk")[:2])
    for household, item, status in (
        (h1, items[0], "granted"),
        (h2, items[0], "pushed"),
        (h3, items[1], "offered"),
    ):
        Recommendation.objects.create(household=household, person=household.head, item=item, status=status)
    from stats import uptake

    uptake.recount(None)  # written past the push and the services: count them as rebuild_stats would
    ImportBatch.objects.create(
        source="dibao", file_name="低保.xlsx", sha256="0" * 64, snapshot_date=today, status="committed"
    )
    return dash_world


def visit(household, day: str, services, by):
    from visits.models import Visit, VisitService

    v = Visit.objects.create(
        household=household, visited_on=dt.date.fromisoformat(day), method="home", recorded_by=by
    )
    VisitService.objects.bulk_create([VisitService(visit=v, service=s) for s in services])
    return v


@pytest.fixture
def care_world(work_world, admin_user):
    """Visits, an activity and teams on top of the world (person-times hand-counted):

    January: H1 探访慰问+生活帮扶 (2), H2 心理疏导 (1), a health talk in 花苑 with p1, p2 and 3
    others (医疗帮扶 5). February: H3 医疗帮扶 (1). Teams: one in 花苑 (set up today), one
    closed in 烟洲."""
    from tests.factories import TeamFactory
    from visits.models import Activity

    h1, h2, h3 = work_world["h1"], work_world["h2"], work_world["h3"]
    visit(h1, "2026-01-10", ["condolence", "living"], admin_user)
    visit(h2, "2026-01-12", ["counselling"], admin_user)
    visit(h3, "2026-02-05", ["medical"], admin_user)
    team = TeamFactory(division=community("花苑社区"))
    TeamFactory(division=community("烟洲社区"), is_active=False)
    talk = Activity.objects.create(
        title="健康讲座",
        kind="health_talk",
        held_on=dt.date(2026, 1, 20),
        place="活动室",
        community=community("花苑社区"),
        organiser_team=team,
        other_count=3,
        recorded_by=admin_user,
    )
    talk.participants.set(list(h1.members.all()))
    rebuild_tallies()
    from visits.services import schedule_refresh

    schedule_refresh()  # the stays were written around the services: the nightly refresh's part
    return work_world
