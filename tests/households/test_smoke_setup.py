import pytest

from households.models import Division

pytestmark = pytest.mark.django_db


def test_migration_loads_all_23_towns_and_named_communities():
    assert Division.objects.filter(level="town").count() == 23
    assert Division.objects.get(code="442000003").name == "中山港街道"
    huayuan = Division.objects.get(name="花苑社区")
    assert huayuan.parent.name == "东区街道"
    assert huayuan.path == "442000/442000002/" + huayuan.code
    assert not huayuan.is_demo
