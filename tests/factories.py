"""factory_boy factories shared by every test module. App-specific factories live in tests/<app>/."""

import datetime as dt
import itertools

import factory

from accounts.choices import Role
from accounts.models import User
from core import idnumber
from households import choices as c
from households.models import AssistanceStatus, Division, Household, Person
from visits.models import Pairing, Team, TeamMember

_sequence = itertools.count(1)


def make_id_number(birth: dt.date = dt.date(1960, 5, 17), male: bool = True, area: str = "442000") -> str:
    """A valid 18-digit ID number, unique within the test run."""
    n = next(_sequence)
    seq = (n % 500) * 2 + (1 if male else 0)
    # Vary the area code's last digits too so more than 500 IDs per birth date stay unique.
    area = area[:4] + f"{(n // 500) % 100:02d}"
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_char(first17)


def town(name: str) -> Division:
    return Division.objects.get(level=c.DivisionLevel.TOWN, name=name)


def community(name: str) -> Division:
    return Division.objects.get(level=c.DivisionLevel.COMMUNITY, name=name)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.COMMUNITY_WORKER
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def _recount(household_id) -> None:
    """The services update the summary counts (stats) in their transaction; factories write
    models directly, so they do the same here, or pages reading the counts would show none."""
    from households.hooks import households_written

    households_written([household_id])


def recount_once():
    """Factories and services inside the block recount their households once, at its end."""
    from households.hooks import coalesced

    return coalesced()


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        household = super()._create(model_class, *args, **kwargs)
        _recount(household.pk)
        return household

    community = factory.LazyFunction(lambda: community("花苑社区"))
    address = factory.Sequence(lambda n: f"花苑路{n}号")
    housing = c.Housing.OWNED
    income_per_capita = 800


class PersonFactory(factory.django.DjangoModelFactory):
    """Pass ``id_number=`` or ``birth=``/``male=`` to control the identity."""

    class Meta:
        model = Person
        exclude = ["birth", "male"]

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"李小明{n}")
    # The first current member heads the household; later ones are 其他 (one head per household).
    relation = factory.LazyAttribute(
        lambda o: (
            c.Relation.OTHER
            if o.household.pk
            and o.household.members.filter(relation=c.Relation.HEAD)
            .exclude(status__in=c.INACTIVE_PERSON_STATUSES)
            .exists()
            else c.Relation.HEAD
        )
    )
    birth = dt.date(1960, 5, 17)
    male = True
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth, o.male))
    phone = "13800138000"

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        id_number, phone = kwargs.pop("id_number"), kwargs.pop("phone")
        person = model_class(**kwargs)
        person.set_id_number(id_number)
        person.set_phone(phone)
        return person

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        person = cls._build(model_class, *args, **kwargs)
        person.save()
        _recount(person.household_id)
        return person


class AssistanceStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistanceStatus

    person = factory.SubFactory(PersonFactory)
    kind = c.AssistanceKind.DIBAO
    source = c.AssistanceSource.SOCIAL_ASSISTANCE
    start_date = dt.date(2024, 1, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        status = super()._create(model_class, *args, **kwargs)
        _recount(status.person.household_id)
        return status


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"探访服务队{n}")
    division = factory.LazyFunction(lambda: community("花苑社区"))


def pair(team: Team, household: Household) -> Pairing:
    return Pairing.objects.create(team=team, household=household, started_on=dt.date.today())


def join(team: Team, user: User) -> TeamMember:
    return TeamMember.objects.create(team=team, user=user, name=user.first_name, member_type="volunteer")
