"""A write adds its households' differences to the summary rows (stats.services): after many
random small edits the rows equal a full recount, and an edit costs the same queries, none of
them over the whole community, in a community of 20 persons or of 500."""

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import screening
from households import choices as c
from households import services
from households.demo import ensure_demo_users, make_households
from households.models import AssistanceStatus, Division, Household, Person
from stats import selectors
from stats import services as stats_services
from stats.models import HouseholdTally, HouseholdTallyShare, PersonTally, PersonTallyShare
from tests.factories import community, make_id_number

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every non-empty row and every share, as comparable values."""
    return {
        "persons": sorted(
            PersonTally.objects.exclude(persons=0, households=0, review=0).values_list(
                "town_id", "community_id", "group", "kind", "person_status", "persons", "households", "review"
            )
        ),
        "households": sorted(
            HouseholdTally.objects.exclude(households=0).values_list(
                "town_id", "community_id", "status", "households"
            )
        ),
        "person_shares": sorted(
            PersonTallyShare.objects.values_list(
                "household_id", "community_id", "group", "kind", "person_status", "persons", "review"
            )
        ),
        "household_shares": sorted(
            HouseholdTallyShare.objects.values_list("household_id", "community_id", "status")
        ),
    }


def random_edit(rng: random.Random, admin, communities: list) -> None:
    households = list(Household.objects.order_by("id").values_list("pk", flat=True))
    household = Household.objects.get(pk=rng.choice(households))
    members = list(household.members.order_by("id"))
    person = rng.choice(members) if members else None
    action = rng.choice(
        ["review", "status", "add_status", "end_status", "move_household", "move_person", "archive", "create"]
    )
    if action == "review" and person:
        person.needs_review = not person.needs_review
        services.person_update(person=person, user=admin, data={})
    elif action == "status" and person:
        status = rng.choice([c.PersonStatus.ACTIVE, c.PersonStatus.DECEASED, c.PersonStatus.ARCHIVED])
        services.person_set_status(person=person, user=admin, status=status)
    elif action == "add_status" and person:
        kind = rng.choice([c.AssistanceKind.DIBAO, c.AssistanceKind.DIBIAN, c.AssistanceKind.ORPHAN])
        start = dt.date.today() - dt.timedelta(days=rng.choice([400, 30, 0]))
        services.status_add(person=person, user=admin, data={"kind": kind, "start_date": start})
    elif action == "end_status" and person:
        status = AssistanceStatus.objects.filter(person=person, end_date__isnull=True).first()
        if status:
            services.status_end(status=status, user=admin, end_date=dt.date.today())
    elif action == "move_household":
        services.household_update(
            household=household, user=admin, data={"community": rng.choice(communities)}
        )
    elif action == "move_person" and person:
        target = Household.objects.filter(status=c.RecordStatus.ACTIVE).order_by("?").first()
        services.person_update(person=person, user=admin, data={}, household=target)
    elif action == "archive":
        archived = household.status != c.RecordStatus.ARCHIVED
        services.household_set_archived(household=household, user=admin, archived=archived)
    elif action == "create" and household.status == c.RecordStatus.ACTIVE:
        services.person_create(
            household=household,
            user=admin,
            data={"name": f"新人{rng.randrange(10**6)}", "relation": c.Relation.OTHER},
            id_number=make_id_number(),
        )


def test_random_small_edits_equal_a_full_recount():
    from accounts.models import User

    make_households(40)
    ensure_demo_users()
    screening.rescreen(everyone=True, full=True)  # groups, and a full recount of the rows
    admin = User.objects.get(username="admin")
    communities = [community("花苑社区"), community("烟洲社区")] + list(
        Division.objects.filter(level=c.DivisionLevel.COMMUNITY).order_by("-id")[:2]
    )
    rng = random.Random(13)
    done = 0
    for step in range(120):
        try:
            random_edit(rng, admin, communities)
            done += 1
        except ValidationError:
            pass  # e.g. a second head of household: the service refused, nothing was written
        if step % 40 == 39:
            screening.rescreen(everyone=True)  # decisions change: group counts move too
    assert done > 80
    edited = snapshot()
    stats_services.refresh_communities(None)
    assert edited == snapshot()
    summary, raw = selectors.home_counts(admin), selectors.raw_home_counts(admin)
    assert summary == raw


def crowd_huayuan(households: int) -> None:
    """The demo city, everyone moved into 花苑社区 (a big community), counted from scratch."""
    make_households(households)
    huayuan = community("花苑社区")
    Household.objects.update(community=huayuan, town_id=huayuan.parent_id)
    Person.objects.update(community=huayuan, town_id=huayuan.parent_id)
    stats_services.rebuild()


def edit_queries(admin) -> list[str]:
    person = Person.objects.filter(community__name="花苑社区").order_by("id").first()
    person.needs_review = not person.needs_review
    with CaptureQueriesContext(connection) as queries:
        services.person_update(person=person, user=admin, data={})
    return [q["sql"] for q in queries.captured_queries]


def test_an_edit_runs_the_same_queries_in_a_small_and_a_big_community():
    from accounts.models import User

    ensure_demo_users()
    admin = User.objects.get(username="admin")
    crowd_huayuan(8)
    small_size = Person.objects.filter(community__name="花苑社区").count()
    small = edit_queries(admin)
    crowd_huayuan(200)
    assert Person.objects.filter(community__name="花苑社区").count() > 20 * small_size
    big = edit_queries(admin)
    assert len(big) == len(small), (len(small), len(big))
    # The summary statements go by household (or by row key): none reads the community's people.
    stats = [sql for sql in big if "stats_" in sql or "pg_advisory" in sql]
    assert stats
    assert not [sql for sql in stats if "community_id IN" in sql or "community_id =" in sql], stats
    person = Person.objects.filter(community__name="花苑社区").order_by("id").first()
    summary = PersonTally.objects.get(
        community=community("花苑社区"), group="", kind="", person_status=person.status
    )
    assert (
        summary.review
        == Person.objects.filter(community__name="花苑社区", status=person.status, needs_review=True).count()
    )


def test_a_write_of_many_households_adds_their_differences():
    """An import or a sweep writes more households than are locked one by one (their
    communities are locked instead): the same differences, the same rows as a recount."""
    make_households(90)
    stats_services.rebuild()
    every_third = list(Person.objects.order_by("id").values_list("id", flat=True))[::3]
    Person.objects.filter(id__in=every_third).update(needs_review=True)
    huayuan = community("花苑社区")
    moved = list(Household.objects.order_by("id").values_list("id", flat=True)[:10])
    Household.objects.filter(id__in=moved).update(community=huayuan, town_id=huayuan.parent_id)
    Person.objects.filter(household_id__in=moved).update(community=huayuan, town_id=huayuan.parent_id)
    ids = list(Household.objects.values_list("id", flat=True))
    assert len(ids) > stats_services.FEW_HOUSEHOLDS
    stats_services.apply_households(ids)
    applied = snapshot()
    stats_services.refresh_communities(None)
    assert applied == snapshot()
    assert PersonTally.objects.filter(community=huayuan, group="", kind="").exists()
