"""seed_demo: an idempotent, plausible demo city with a login for every role."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.choices import Role
from accounts.models import User
from core import idnumber
from households import choices as c
from households.demo import DEMO_PASSWORD
from households.models import AssistanceStatus, Division, Household, Person
from visits.models import Pairing

pytestmark = pytest.mark.django_db


def counts():
    return (
        Household.objects.count(),
        Person.objects.count(),
        AssistanceStatus.objects.count(),
        Division.objects.count(),
        User.objects.count(),
        Pairing.objects.count(),
    )


@pytest.fixture
def seeded(db):
    call_command("seed_demo", households=50, verbosity=0)


def test_running_twice_does_not_double(seeded):
    first = counts()
    assert first[0] == 50
    call_command("seed_demo", households=50, verbosity=0)
    assert counts() == first


def test_asking_for_more_adds_only_the_difference(seeded):
    before = set(Person.objects.values_list("pk", "name", "birth_date"))
    call_command("seed_demo", households=80, verbosity=0)  # used to fail: duplicate id_hash
    assert Household.objects.filter(code__startswith="DEMO-").count() == 80
    after = set(Person.objects.values_list("pk", "name", "birth_date"))
    assert before < after
    # The new people are new, not copies of the first run's people under other ids.
    old_people = {(name, birth) for _pk, name, birth in before}
    new_people = {(name, birth) for _pk, name, birth in after - before}
    assert len(new_people & old_people) <= 1


def test_every_person_has_a_valid_matching_id_number(seeded):
    persons = list(Person.objects.all())
    assert len(persons) >= 50
    for person in persons:
        parsed = idnumber.parse(person.id_number)
        assert parsed.value[:6] == "442000"
        assert person.id_hash == idnumber.id_hash(parsed.value)
        assert person.id_masked == parsed.masked
        assert person.birth_date == parsed.birth_date
        assert person.sex == parsed.sex
        assert person.name_initials


def test_every_household_has_exactly_one_head_and_a_right_size(seeded):
    for household in Household.objects.prefetch_related("members"):
        members = list(household.members.all())
        assert [m.relation for m in members].count(c.Relation.HEAD) == 1
        assert household.size == len(members)
        assert household.town_id == household.community.parent_id


def test_users_for_every_role_can_log_in(seeded, client):
    roles = set(User.objects.values_list("role", flat=True))
    assert roles >= set(Role.values)
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD)
    volunteer = User.objects.get(username="volunteer")
    assert 0 < Household.objects.restrict(volunteer).count() <= 10  # only the paired households
    huayuan = User.objects.get(username="huayuan")
    assert set(Household.objects.restrict(huayuan).values_list("community__name", flat=True)) == {"花苑社区"}


def test_invented_communities_are_marked_as_demo(seeded):
    demo = Division.objects.filter(is_demo=True)
    assert demo.filter(level=c.DivisionLevel.COMMUNITY).exists()
    assert not demo.filter(name__in=["花苑社区", "竹苑社区", "烟洲社区"]).exists()
    assert Division.objects.filter(level=c.DivisionLevel.TOWN, is_demo=True).count() == 0
    # Every town without named communities in domain.md received invented (demo) ones only.
    for town in Division.objects.towns():
        children = town.children.filter(level=c.DivisionLevel.COMMUNITY)
        assert children.exists()


def test_negative_household_count_is_refused(db):
    with pytest.raises((SystemExit, CommandError)):
        call_command("seed_demo", households=-1, verbosity=0)
    assert Household.objects.count() == 0


def test_no_users_option(db):
    call_command("seed_demo", households=5, no_users=True, verbosity=0)
    assert Household.objects.count() == 5
    assert not User.objects.exists()


def test_a_small_demo_city_has_joint_cases_too(seeded):
    """50 households have no open need for every summary's domain: the demo records the missing
    ones, so the joint meeting pages are never empty in a demo (one case per 东区 household, at
    most the nine summaries)."""
    from meetings.choices import CaseStatus
    from meetings.models import JointCase

    statuses = set(JointCase.objects.values_list("status", flat=True))
    town = Household.objects.filter(town__name="东区街道").count()
    assert JointCase.objects.count() == min(9, town) > 0
    assert {CaseStatus.SUBMITTED, CaseStatus.RETURNED, CaseStatus.ENDORSED} <= statuses
    assert all(case.needs.exists() for case in JointCase.objects.all())


def test_the_demo_city_has_a_past(seeded):
    """The first sweep's decisions are spread over the past months, so that last month's report
    and the trend lines have figures, and this month still has new placements."""
    import datetime as dt

    from django.db.models import Sum
    from django.utils import timezone

    from assessments.models import GroupDecision
    from stats.models import GroupStock

    first = timezone.localdate().replace(day=1)
    last_month = (first - dt.timedelta(days=1)).replace(day=1)
    decided = [
        timezone.localtime(d).date() for d in GroupDecision.objects.values_list("decided_at", flat=True)
    ]
    assert decided and min(decided) < last_month and max(decided) >= first - dt.timedelta(days=31)
    stock = GroupStock.objects.filter(month=last_month, group="").aggregate(n=Sum("persons"))["n"]
    assert 0 < stock < len(decided)
