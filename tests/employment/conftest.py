"""Employment fixtures: a working-age 低保 member of a 花苑 household, posts in 东区 and 西区."""

import datetime as dt

import pytest

from employment.models import Post
from households import choices as hc
from tests.factories import AssistanceStatusFactory, HouseholdFactory, PersonFactory, community, town

TODAY = dt.date.today()


def years_ago(n: int, days: int = 0) -> dt.date:
    return dt.date(TODAY.year - n, TODAY.month, min(TODAY.day, 28)) - dt.timedelta(days=days)


def jobless(community_name="花苑社区", *, household=None, age=35, kind=hc.AssistanceKind.DIBAO, **fields):
    """A working-age unemployed member of a low-income household (in the ``unemployed`` group
    once screened)."""
    household = household or HouseholdFactory(community=community(community_name))
    person = PersonFactory(
        household=household,
        birth=years_ago(age),
        labor_capacity=hc.LaborCapacity.FULL,
        employment=hc.Employment.UNEMPLOYED,
        **fields,
    )
    if kind:
        AssistanceStatusFactory(person=person, kind=kind)
    return person


@pytest.fixture
def worker(huayuan):
    return huayuan


@pytest.fixture
def person(db):
    return jobless()


@pytest.fixture
def post(db):
    return Post.objects.create(
        town=town("东区街道"), name="保洁员", employer="东区环境卫生所", capacity=2, tenure_limit_months=36
    )


@pytest.fixture
def west_post(db):
    return Post.objects.create(
        town=town("西区街道"), name="巡逻员", employer="西区综治中心", capacity=2, tenure_limit_months=36
    )
