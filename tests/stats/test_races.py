"""Two writers in one community at once (PostgreSQL): both have written their person before
either adds its difference to the summary rows; the rows still equal the raw counts after both
commit, whether the two people are in two households or in the same one (then the second writer
waits for the first at the household's locks, which the test checks too)."""

import pytest
from django.db import connection

from households import choices as c
from households import services
from stats import selectors
from stats import services as stats_services
from tests.factories import HouseholdFactory, UserFactory, community, make_id_number
from tests.races import hold_until_both, run_together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("same_household", [False, True])
def test_concurrent_writers_in_one_community_leave_exact_counts(monkeypatch, same_household):
    from accounts.choices import Role

    admin = UserFactory(username="race-admin", role=Role.ADMIN, is_superuser=True)
    worker = UserFactory(username="race-huayuan", division=community("花苑社区"))
    households = [HouseholdFactory(community=community("花苑社区")) for _ in range(2)]
    if same_household:
        households = [households[0], households[0]]
    # Two households: both people are written (uncommitted) before either recount. One household:
    # the second writer must already be waiting for the first (on the household's locks) instead;
    # either way, nobody recounts until the other writer is inside its write.
    seen = hold_until_both(monkeypatch, stats_services, "apply_households")

    def add(household, name):
        return lambda: services.person_create(
            household=household,
            user=admin,
            data={"name": name, "relation": c.Relation.OTHER},
            id_number=make_id_number(),
        )

    run_together(*(add(h, f"并发{i}") for i, h in enumerate(households)))
    assert "alone" not in seen and ("waits" in seen) == same_household, seen
    for user in (admin, worker):
        assert selectors.home_counts(user) == {
            **selectors.raw_home_counts(user),
            "statuses": selectors.home_counts(user)["statuses"],
        }
        assert selectors.home_counts(user)["persons"] == 2
    assert selectors.household_count(selectors.area_filter(admin)) == 2
