"""Two writers in one community at once (PostgreSQL): both have written their person before
either recounts; the summary rows still equal the raw counts after both commit."""

import threading

import pytest
from django.db import connection

from households import choices as c
from households import services
from stats import selectors
from stats import services as stats_services
from tests.factories import HouseholdFactory, UserFactory, community, make_id_number

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_concurrent_writers_in_one_community_leave_exact_counts(monkeypatch):
    from accounts.choices import Role

    admin = UserFactory(username="race-admin", role=Role.ADMIN, is_superuser=True)
    worker = UserFactory(username="race-huayuan", division=community("花苑社区"))
    households = [HouseholdFactory(community=community("花苑社区")) for _ in range(2)]
    real = stats_services.refresh_communities
    barrier = threading.Barrier(2, timeout=20)

    def held(*args, **kwargs):
        barrier.wait()  # both people are written (uncommitted) before either recount
        return real(*args, **kwargs)

    monkeypatch.setattr(stats_services, "refresh_communities", held)
    errors = []

    def add(household, name):
        try:
            services.person_create(
                household=household,
                user=admin,
                data={"name": name, "relation": c.Relation.HEAD},
                id_number=make_id_number(),
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(h, f"并发{i}")) for i, h in enumerate(households)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    for user in (admin, worker):
        assert selectors.home_counts(user) == {
            **selectors.raw_home_counts(user),
            "statuses": selectors.home_counts(user)["statuses"],
        }
        assert selectors.home_counts(user)["persons"] == 2
