"""Two funnel steps in one community at once (PostgreSQL): both have moved their recommendation
before either adds its -1/+1 to the uptake rows; no count is lost, and the rows equal the raw
counts after both commit. A household move racing a step leaves exact rows too."""

import datetime as dt
import time

import pytest
from django.db import connection

from accounts.choices import Role
from assistance import choices as c
from assistance.models import CatalogItem, Provider, Recommendation
from assistance.push import push
from assistance.services import recommendation_transition
from households import services
from stats import uptake
from tests.factories import HouseholdFactory, PersonFactory, UserFactory, community
from tests.races import hold_until_both, run_together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ON = dt.date(2026, 6, 1)
U = c.UptakeStatus


def two_recommendations_in_huayuan():
    CatalogItem.objects.filter(is_seed=True).update(is_active=False)
    CatalogItem.objects.create(
        provider=Provider.objects.first(),
        code="race_elder",
        name="并发测试项目",
        list_kind="social",
        domain="care",
        benefit="x",
        min_age=80,
    )
    for n in range(2):
        household = HouseholdFactory(community=community("花苑社区"))
        PersonFactory(household=household, name=f"并发{n}", birth=dt.date(1940, 1, 1))
    push(on=ON)
    return list(Recommendation.objects.order_by("id"))


def test_two_steps_in_one_community_lose_no_count(monkeypatch, admin_user):
    first, second = two_recommendations_in_huayuan()
    worker = UserFactory(username="race-hy", division=community("花苑社区"))
    seen = hold_until_both(monkeypatch, uptake, "_add")
    run_together(
        lambda: recommendation_transition(recommendation=first, to=U.OFFERED, user=worker),
        lambda: recommendation_transition(recommendation=second, to=U.APPLIED, user=worker),
    )
    assert seen and "alone" not in seen, seen
    assert uptake.stored_rows() == uptake.raw_rows()
    item = first.item_id
    hy = community("花苑社区").pk
    assert uptake.stored_rows() == {(hy, item, U.OFFERED): 1, (hy, item, U.APPLIED): 1}


def test_a_step_racing_a_household_move_leaves_exact_rows(monkeypatch):
    first, _second = two_recommendations_in_huayuan()
    admin = UserFactory(username="race-admin", role=Role.ADMIN, is_superuser=True)
    worker = UserFactory(username="race-hy2", division=community("花苑社区"))
    household = first.household
    run_together(
        lambda: recommendation_transition(recommendation=first, to=U.OFFERED, user=worker),
        lambda: services.household_update(
            household=household, user=admin, data={"community": community("烟洲社区")}
        ),
    )
    assert uptake.stored_rows() == uptake.raw_rows()


def test_a_step_racing_a_push_that_withdraws_its_recommendation_neither_deadlocks_nor_miscounts(
    monkeypatch,
):
    """The push has withdrawn the recommendation (row held) and is about to recount; the worker's
    step waits for that row. The step takes the community's lock only after its row, so the push
    recounts and commits, and the step is then refused as stale (no deadlock, exact rows): the
    push moved the row's version, so the step's claim finds another one (EditConflict)."""
    from core.concurrency import EditConflict
    from households import choices as hc

    first, _second = two_recommendations_in_huayuan()
    worker = UserFactory(username="race-hy3", division=community("花苑社区"))
    person = first.person
    person.status = hc.PersonStatus.EXITED
    person.save()
    seen = hold_until_both(monkeypatch, uptake, "recount")
    refused = []

    def step():
        time.sleep(1)  # the push first: it holds the row when the step asks for it
        try:
            recommendation_transition(recommendation=first, to=U.OFFERED, user=worker)
        except EditConflict as error:
            refused.append(error)

    run_together(lambda: push(on=ON), step)
    assert seen == ["waits"], seen  # the push found the step waiting (for the row), not holding
    assert len(refused) == 1 and Recommendation.objects.get(pk=first.pk).status == U.WITHDRAWN
    assert uptake.stored_rows() == uptake.raw_rows()
