"""Fixtures for the registry tests (personas and factories come from tests/conftest.py)."""

import pytest

from tests.factories import HouseholdFactory, PersonFactory, community


@pytest.fixture
def xiqu_household(db):
    """A 烟洲社区 (西区) household: outside every 东区 persona's area."""
    household = HouseholdFactory(community=community("烟洲社区"), address="烟洲路8号")
    PersonFactory(household=household, name="陈大文")
    return household


@pytest.fixture
def head(household):
    return household.head
