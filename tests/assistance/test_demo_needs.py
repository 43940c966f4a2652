"""seed_demo fills the ledger: needs in every state, recorded by the demo workers, once."""

import pytest
from django.core.management import call_command

from assistance import choices as c
from assistance.models import Need

pytestmark = pytest.mark.django_db


def test_demo_needs_cover_every_state_and_are_made_once():
    call_command("seed_demo", households=150, verbosity=0)
    needs = Need.objects.all()
    assert needs.count() >= 20
    assert set(needs.values_list("status", flat=True)) == {s for s, _label in c.NeedStatus.choices}
    met = needs.filter(status=c.NeedStatus.MET)
    assert all(n.met_on and n.days_to_meet is not None and n.days_to_meet >= 0 for n in met)
    assert needs.exclude(recorded_by__username__in=["admin", "dongqu", "huayuan"]).count() == 0
    # every demo need has its history (a need escalated to the joint meeting has a second row)
    assert set(Need.history.values_list("id", flat=True)) == set(needs.values_list("pk", flat=True))
    before = needs.count()
    call_command("seed_demo", households=150, verbosity=0)
    assert Need.objects.count() == before


def test_demo_push_uptake_and_plans_in_every_state():
    from assistance.models import CarePlan, Recommendation

    call_command("seed_demo", households=300, verbosity=0)
    assert Recommendation.objects.count() > 50
    statuses = set(Recommendation.objects.values_list("status", flat=True))
    assert {"pushed", "offered", "applied", "granted", "delivered", "declined"} <= statuses
    plan_states = set(CarePlan.objects.values_list("status", flat=True))
    assert plan_states == {"draft", "submitted", "approved", "active"}
    counts = (Recommendation.objects.count(), CarePlan.objects.count())
    call_command("seed_demo", households=300, verbosity=0)
    assert (Recommendation.objects.count(), CarePlan.objects.count()) == counts
