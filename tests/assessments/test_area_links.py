"""Links by ID number go through restrict(): a record in one area never reaches into another."""

import pytest

from assessments.models import VagrantRecord
from core import idnumber
from core.models import Task
from tests.factories import HouseholdFactory, community

from .conftest import groups_of, make_person
from .test_pages_api import _post_intake

pytestmark = pytest.mark.django_db


def test_vagrant_intake_does_not_link_a_person_of_another_town(
    huayuan, login, django_capture_on_commit_callbacks
):
    """A 花苑 worker registering a vagrant with the ID number of a 西区 resident: the record is
    kept (without a link), the 西区 person is not placed in the vagrant group, no 西区 task."""
    west = make_person(age=50, household=HouseholdFactory(community=community("烟洲社区")))
    tasks_before = Task.objects.count()
    client = login(huayuan)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_intake(client, west)
    assert response.status_code == 302
    record = VagrantRecord.objects.get()
    assert record.person_id is None
    assert record.id_hash == idnumber.id_hash(idnumber.decrypt(west.id_encrypted))
    assert groups_of(west) == {}
    assert not Task.objects.filter(person=west).exists()
    assert Task.objects.count() == tasks_before


def test_vagrant_intake_by_a_city_admin_links_anywhere(admin_user, login, django_capture_on_commit_callbacks):
    west = make_person(age=50, household=HouseholdFactory(community=community("烟洲社区")))
    with django_capture_on_commit_callbacks(execute=True):
        _post_intake(login(admin_user), west)
    assert VagrantRecord.objects.get().person == west
    assert set(groups_of(west)) == {"vagrant"}
