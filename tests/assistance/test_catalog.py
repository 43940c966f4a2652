"""The two lists (两张清单) and providers: seed data, admin editing, eligibility as data."""

import pytest
import tablib

from assistance.models import CatalogItem, Provider
from assistance.resources import CatalogItemResource

pytestmark = pytest.mark.django_db


def test_the_seed_catalog_covers_both_lists_and_every_domain():
    items = CatalogItem.objects.filter(is_seed=True)
    assert items.count() >= 40
    assert set(items.values_list("list_kind", flat=True)) == {"government", "social"}
    assert set(items.values_list("domain", flat=True)) >= {
        "living",
        "medical",
        "education",
        "housing",
        "employment",
        "care",
        "psychological",
        "safety",
        "legal",
    }
    for code in ("dibao", "tekun", "temporary", "medical_aid", "public_rental", "meal_help", "micro_wish"):
        assert items.filter(code=code).exists(), code
    assert Provider.objects.filter(is_seed=True, name="大病帮扶中心").exists()


def test_eligibility_reads_as_plain_chinese(login, huayuan):
    item = CatalogItem.objects.get(code="disability_care")
    page = login(huayuan).get(f"/catalog/{item.pk}/").content.decode()
    assert "残疾等级：一、二级" in page
    assert "max_disability_grade" not in page
    item = CatalogItem.objects.get(code="emergency_call")
    page = login(huayuan).get(f"/catalog/{item.pk}/").content.decode()
    assert "特殊困难老年人" in page and "独居或空巢" in page
    assert "living_alone" not in page


def test_workers_read_the_lists_with_filters(login, huayuan):
    page = login(huayuan).get("/catalog/?list_kind=social&domain=care").content.decode()
    assert "助餐（长者饭堂）" in page
    assert "最低生活保障（低保）" not in page


def test_only_city_admins_edit_items(login, huayuan, manager, admin_user):
    item = CatalogItem.objects.get(code="meal_help")
    for user in (huayuan, manager):
        client = login(user)
        assert client.get(f"/catalog/{item.pk}/edit/").status_code == 404
        assert client.post(f"/catalog/{item.pk}/edit/", {"name": "改名"}).status_code == 404
    client = login(admin_user)
    data = {
        "name": "助餐服务",
        "list_kind": "social",
        "provider": item.provider_id,
        "domain": "care",
        "benefit": "送餐上门",
        "min_age": "70",
        "groups": ["elderly"],
        "is_active": "on",
    }
    response = client.post(f"/catalog/{item.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    item.refresh_from_db()
    assert (item.name, item.min_age, item.groups, item.code) == ("助餐服务", 70, ["elderly"], "meal_help")
    assert item.history.first().history_user == admin_user


def test_an_impossible_age_range_is_refused_in_chinese(login, admin_user):
    item = CatalogItem.objects.get(code="meal_help")
    data = {
        "name": "助餐",
        "list_kind": "social",
        "provider": item.provider_id,
        "domain": "care",
        "benefit": "x",
        "min_age": "80",
        "max_age": "60",
    }
    response = login(admin_user).post(f"/catalog/{item.pk}/edit/", data)
    assert response.status_code == 200
    assert "最高年龄不能小于最低年龄" in response.content.decode()


def test_api_reference_data_is_read_by_staff_and_written_by_admins(login, huayuan, admin_user):
    item = CatalogItem.objects.get(code="meal_help")
    worker = login(huayuan)
    body = worker.get(f"/api/catalog-items/{item.pk}/").json()
    assert body["eligibility"] == ["分类对象（符合其一）：特殊困难老年人、重残重病人员", "年龄：60岁及以上"]
    assert (
        worker.patch(
            f"/api/catalog-items/{item.pk}/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        worker.post(
            "/api/providers/", {"name": "x", "kind": "social_org"}, content_type="application/json"
        ).status_code
        == 404
    )
    admin = login(admin_user)
    response = admin.patch(
        f"/api/catalog-items/{item.pk}/", {"groups": ["elderly", "nonsense"]}, content_type="application/json"
    )
    assert response.status_code == 400
    response = admin.patch(f"/api/catalog-items/{item.pk}/", {"max_age": 50}, content_type="application/json")
    assert response.status_code == 400
    assert "最高年龄不能小于最低年龄" in response.content.decode()
    response = admin.post(
        "/api/providers/", {"name": "新社工机构", "kind": "social_org"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert admin.delete(f"/api/catalog-items/{item.pk}/").status_code == 405


def test_volunteers_see_no_catalog(login, volunteer):
    assert login(volunteer).get("/catalog/").status_code in (403, 404)
    assert login(volunteer).get("/api/catalog-items/").status_code in (403, 404)


def test_bulk_import_reports_an_unknown_code_as_a_row_error():
    provider = Provider.objects.get(name="微心愿")
    data = tablib.Dataset(headers=["code", "name", "list_kind", "provider", "domain", "benefit", "groups"])
    data.append(["new_wish", "新微心愿", "social", provider.name, "living", "小心愿", "elderly,child"])
    data.append(["bad_wish", "错的", "social", provider.name, "living", "x", "elderly,old_people"])
    result = CatalogItemResource().import_data(data, dry_run=True)
    assert result.has_validation_errors()
    invalid = result.invalid_rows
    assert len(invalid) == 1 and invalid[0].number == 2
    assert "old_people" in str(invalid[0].error_dict)
    result = CatalogItemResource().import_data(tablib.Dataset(data[0], headers=data.headers), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert CatalogItem.objects.get(code="new_wish").groups == ["elderly", "child"]


def test_assistance_forms_say_please_choose_not_dashes(login, admin_user):
    page = login(admin_user).get("/catalog/new/").content.decode()
    assert "---------" not in page
    assert "请选择" in page


def test_form_and_api_offer_the_same_codes_from_one_place():
    from assistance.api.serializers import CatalogItemSerializer
    from assistance.codes import code_choices
    from assistance.forms import CatalogItemForm

    form, serializer = CatalogItemForm(), CatalogItemSerializer()
    for name, choices in code_choices().items():
        assert list(form.fields[name].choices) == list(choices)
        assert dict(serializer.fields[name].child.choices) == dict(choices)
