"""Shared fixtures and personas.

Personas (style.md): ``admin`` (city admin), ``manager`` (city, read-only), ``dongqu`` (town worker
of 东区街道), ``huayuan`` (community worker of 花苑社区, inside 东区), ``xiqu`` (town worker of 西区街道:
the "charlie" who must get 404 for 东区 records), ``volunteer`` (paired with one household only).
"""

import os

import pytest
from django.test import Client

from accounts.choices import Role

from .factories import HouseholdFactory, PersonFactory, TeamFactory, UserFactory, community, join, pair, town

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, what: str):
    """Skip locally when a service is absent; under CI=true fail instead (the brief's rule)."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} not available")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.CITY_MANAGER)


@pytest.fixture
def dongqu(db):
    return UserFactory(username="dongqu", role=Role.TOWN_WORKER, division=town("东区街道"))


@pytest.fixture
def huayuan(db):
    return UserFactory(username="huayuan", role=Role.COMMUNITY_WORKER, division=community("花苑社区"))


@pytest.fixture
def xiqu(db):
    return UserFactory(username="xiqu", role=Role.TOWN_WORKER, division=town("西区街道"))


@pytest.fixture
def household(db):
    """A 花苑社区 (东区街道) household with a head."""
    household = HouseholdFactory(community=community("花苑社区"))
    PersonFactory(household=household, name="李小明")
    return household


@pytest.fixture
def volunteer(db, household):
    user = UserFactory(username="volunteer", role=Role.VOLUNTEER, division=community("花苑社区"))
    team = TeamFactory()
    join(team, user)
    pair(team, household)
    return user


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
