"""restrict() called directly, as background jobs and exports do (no request, no login check)."""

import pytest

from accounts.choices import Role
from core.models import Task
from households.models import AssistanceStatus, Division, Household, Person
from tests.factories import UserFactory, community

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CITY_MANAGER, Role.COMMUNITY_WORKER])
def test_a_deactivated_user_sees_nothing(household, role):
    """A job started by a user who has since been deactivated reads nothing: the login check of
    a web request is not there to stop it."""
    user = UserFactory(role=role, division=community("花苑社区"), is_active=False)
    for model in (Household, Person, AssistanceStatus, Division, Task):
        assert not model.objects.restrict(user).exists(), model.__name__
    user.is_active = True
    assert Household.objects.restrict(user).filter(pk=household.pk).exists()
