"""Shared fixtures and personas.

Personas (style.md): ``admin`` (city admin), ``manager`` (city, read-only), ``dongqu`` (town worker
of 东区街道), ``huayuan`` (community worker of 花苑社区, inside 东区), ``xiqu`` (town worker of 西区街道:
the "charlie" who must get 404 for 东区 records), ``volunteer`` (paired with one household only).
"""

import os

import pytest
from django.test import Client

from accounts.choices import Role

from .factories import (
    HouseholdFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
    community,
    join,
    pair,
    recount_once,
    town,
)

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """A fixture's factory writes update the summary counts once, when the fixture is built (the
    scoping worlds write dozens of households; one recount each made the suite twice as slow)."""
    with recount_once():
        return (yield)


def require_service(available: bool, what: str):
    """Skip locally when a service is absent; under CI=true fail instead (the brief's rule)."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} not available")


# The personas' users, built by the fixtures below (and once per module by the scoping matrix).
PERSONA_MAKERS = {
    "admin_user": lambda: UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
    "manager": lambda: UserFactory(username="manager", role=Role.CITY_MANAGER),
    "dongqu": lambda: UserFactory(username="dongqu", role=Role.TOWN_WORKER, division=town("东区街道")),
    "huayuan": lambda: UserFactory(
        username="huayuan", role=Role.COMMUNITY_WORKER, division=community("花苑社区")
    ),
    "xiqu": lambda: UserFactory(username="xiqu", role=Role.TOWN_WORKER, division=town("西区街道")),
}


def make_household():
    """A 花苑社区 (东区街道) household with a head."""
    household = HouseholdFactory(community=community("花苑社区"))
    PersonFactory(household=household, name="李小明")
    return household


def make_volunteer(household):
    """The volunteer of a team paired with ``household`` alone."""
    user = UserFactory(username="volunteer", role=Role.VOLUNTEER, division=community("花苑社区"))
    team = TeamFactory()
    join(team, user)
    pair(team, household)
    return user


@pytest.fixture
def admin_user(db):
    return PERSONA_MAKERS["admin_user"]()


@pytest.fixture
def manager(db):
    return PERSONA_MAKERS["manager"]()


@pytest.fixture
def dongqu(db):
    return PERSONA_MAKERS["dongqu"]()


@pytest.fixture
def huayuan(db):
    return PERSONA_MAKERS["huayuan"]()


@pytest.fixture
def xiqu(db):
    return PERSONA_MAKERS["xiqu"]()


@pytest.fixture
def household(db):
    return make_household()


@pytest.fixture
def volunteer(db, household):
    return make_volunteer(household)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    return client_for


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """API throttles count in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _end_stray_connections(django_db_setup, django_db_blocker):
    """Live-server and worker threads may leave PostgreSQL sessions open; end them so the test
    database can be dropped at the end of the run."""
    yield
    with django_db_blocker.unblock():
        from django.db import OperationalError, connection

        if connection.vendor != "postgresql":
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        except OperationalError:
            pass  # no database to connect to (a run of tests that never used one): nothing to end
