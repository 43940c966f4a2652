"""Users managed in the app's own pages and API: city admins only (404 for everyone else),
Chinese validation (duplicate login names, password rules, role and area), history, never deleted."""

import pytest

from accounts.choices import Role
from accounts.models import User
from tests.factories import UserFactory, community, town

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Huayuan-2026-care"


def _can_log_in(client, username, password) -> bool:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def _create(client, **overrides):
    data = {
        "username": "zhangsan",
        "first_name": "张三",
        "role": Role.COMMUNITY_WORKER,
        "division": community("花苑社区").pk,
        "phone": "",
        "email": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    return client.post("/users/new/", {**data, **overrides})


def test_admin_creates_a_community_worker_who_can_log_in(login, admin_user, client):
    response = _create(login(admin_user))
    user = User.objects.get(username="zhangsan")
    assert response.status_code == 302 and response["Location"] == f"/users/{user.pk}/"
    assert user.role == Role.COMMUNITY_WORKER and user.division == community("花苑社区")
    assert user.password_changed_at is not None and not user.is_staff
    assert _can_log_in(client, "zhangsan", GOOD_PASSWORD)


@pytest.mark.parametrize("persona", ["manager", "dongqu", "huayuan", "volunteer"])
def test_non_admins_get_404_on_every_user_page_and_api(persona, request, login, admin_user):
    client = login(request.getfixturevalue(persona))
    pk = admin_user.pk
    for url in ("/users/", "/users/new/", f"/users/{pk}/", f"/users/{pk}/edit/", f"/users/{pk}/password/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/users/{pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/users/{pk}/password/", {"password1": "x", "password2": "x"}).status_code == 404
    assert _create(client).status_code == 404
    assert client.get("/api/users/").status_code == 404
    assert client.post(f"/api/users/{pk}/deactivate/").status_code == 404
    admin_user.refresh_from_db()
    assert admin_user.is_active and not User.objects.filter(username="zhangsan").exists()


def test_duplicate_login_name_is_a_chinese_error(login, admin_user, huayuan):
    response = _create(login(admin_user), username="huayuan", password1="123", password2="123")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "已存在" in " ".join(errors["username"])
    assert "太短" in " ".join(errors["password1"])  # all mistakes at once


def test_password_rules_are_enforced_in_chinese(login, admin_user):
    client = login(admin_user)
    short = _create(client, password1="12345", password2="12345")
    errors = " ".join(short.context["form"].errors["password1"])
    assert "密码" in errors and "太短" in errors
    mismatch = _create(client, password2="Other-2026-care")
    assert "两次输入的密码不一致" in " ".join(mismatch.context["form"].errors["password2"])
    assert not User.objects.filter(username="zhangsan").exists()


def test_role_and_area_must_match(login, admin_user):
    response = _create(login(admin_user), role=Role.TOWN_WORKER, division=community("花苑社区").pk)
    assert "镇街工作人员的区域必须是一个镇街" in " ".join(response.context["form"].errors["division"])
    missing = _create(login(admin_user), division="")
    assert "必须指定所属区域" in " ".join(missing.context["form"].errors["division"])


def test_admin_changes_role_and_area_and_history_shows_it(login, admin_user, huayuan):
    client = login(admin_user)
    response = client.post(
        f"/users/{huayuan.pk}/edit/",
        {
            "first_name": "花苑社工",
            "role": Role.TOWN_WORKER,
            "division": town("东区街道").pk,
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    huayuan.refresh_from_db()
    assert huayuan.role == Role.TOWN_WORKER and huayuan.division == town("东区街道")
    page = client.get(f"/users/{huayuan.pk}/").content.decode()
    assert "村（社区）工作人员 → 镇街工作人员" in page
    assert "花苑社区 → 东区街道" in page


def test_admin_resets_a_password(login, admin_user, huayuan, client):
    response = login(admin_user).post(
        f"/users/{huayuan.pk}/password/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    huayuan.refresh_from_db()
    assert huayuan.check_password(GOOD_PASSWORD) and huayuan.password_changed_at
    assert huayuan.history.first().password_changed_at is not None
    assert not hasattr(huayuan.history.first(), "password")  # the hash is never in history


def test_weak_reset_password_is_refused(login, admin_user, huayuan):
    response = login(admin_user).post(
        f"/users/{huayuan.pk}/password/", {"password1": "password", "password2": "password"}
    )
    assert response.status_code == 200
    assert "常见" in " ".join(response.context["form"].errors["password1"])
    huayuan.refresh_from_db()
    assert huayuan.check_password("pw-Secret-123")


def test_deactivate_and_reactivate(login, admin_user, huayuan, client):
    admin = login(admin_user)
    assert admin.post(f"/users/{huayuan.pk}/active/", {"active": "0"}).status_code == 302
    huayuan.refresh_from_db()
    assert not huayuan.is_active
    assert not _can_log_in(client, "huayuan", "pw-Secret-123")
    admin.post(f"/users/{huayuan.pk}/active/", {"active": "1"})
    huayuan.refresh_from_db()
    assert huayuan.is_active and User.objects.filter(pk=huayuan.pk).exists()


def test_admin_cannot_deactivate_themself_or_change_their_own_role(login, admin_user):
    client = login(admin_user)
    response = client.post(f"/users/{admin_user.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active
    edit = client.post(
        f"/users/{admin_user.pk}/edit/",
        {"first_name": "管理员", "role": Role.CITY_MANAGER, "phone": "", "email": ""},
    )
    assert "不能修改自己的角色" in " ".join(edit.context["form"].errors["role"])


def test_login_does_not_write_history(admin_user, client):
    before = admin_user.history.count()
    assert _can_log_in(client, "admin", "pw-Secret-123")
    assert admin_user.history.count() == before


def test_user_list_filters_and_exports(login, admin_user, huayuan, dongqu):
    client = login(admin_user)
    page = client.get("/users/", {"role": Role.COMMUNITY_WORKER})
    assert [u.username for u in page.context["object_list"]] == ["huayuan"]
    response = client.post(f"/users/?role={Role.COMMUNITY_WORKER}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# ---------------------------------------------------------------------------------------------
# API


def test_api_create_update_password_and_deactivate(login, admin_user):
    client = login(admin_user)
    created = client.post(
        "/api/users/",
        {
            "username": "lisi",
            "name": "李四",
            "role": Role.TOWN_WORKER,
            "division": town("西区街道").pk,
            "password": GOOD_PASSWORD,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["division_name"] == "西区街道" and "password" not in body
    pk = body["id"]
    patched = client.patch(f"/api/users/{pk}/", {"name": "李四四"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["name"] == "李四四"
    weak = client.post(
        f"/api/users/{pk}/set-password/", {"password": "12345678"}, content_type="application/json"
    )
    assert weak.status_code == 400 and "数字" in str(weak.json()["password"])
    ok = client.post(
        f"/api/users/{pk}/set-password/", {"password": GOOD_PASSWORD + "x"}, content_type="application/json"
    )
    assert ok.status_code == 200
    off = client.post(f"/api/users/{pk}/deactivate/")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert client.delete(f"/api/users/{pk}/").status_code == 405
    assert User.objects.filter(pk=pk).exists()


def test_api_duplicate_username_and_bad_area_are_chinese_400s(login, admin_user, huayuan):
    client = login(admin_user)
    dup = client.post(
        "/api/users/",
        {"username": "huayuan", "name": "重复", "role": Role.CITY_MANAGER, "password": GOOD_PASSWORD},
        content_type="application/json",
    )
    assert dup.status_code == 400 and "已存在" in str(dup.json()["username"])
    area = client.post(
        "/api/users/",
        {"username": "wangwu", "name": "王五", "role": Role.COMMUNITY_WORKER, "password": GOOD_PASSWORD},
        content_type="application/json",
    )
    assert area.status_code == 400 and "必须指定所属区域" in str(area.json()["division"])


def test_admin_role_gets_the_django_admin_for_reference_data(login, admin_user):
    _create(login(admin_user), role=Role.ADMIN, division="")
    assert User.objects.get(username="zhangsan").is_staff


def test_deactivated_user_is_kept_with_history(login, admin_user):
    user = UserFactory(username="old", role=Role.CITY_MANAGER)
    login(admin_user).post(f"/api/users/{user.pk}/deactivate/")
    rows = list(user.history.order_by("history_id").values_list("is_active", flat=True))
    assert rows[-1] is False and True in rows


# ---------------------------------------------------------------------------------------------
# The joint meeting's roles (issue 15): the secretariat and department liaisons with a department


def _department(code="hr_social_security"):
    from meetings.models import Department

    return Department.objects.get(code=code)


def test_admin_creates_a_liaison_with_a_department_shown_in_chinese(login, admin_user):
    client = login(admin_user)
    response = _create(
        client, role=Role.DEPARTMENT_LIAISON, division="", department=_department().pk, username="renshe1"
    )
    user = User.objects.get(username="renshe1")
    assert response.status_code == 302
    assert user.liaison_department == _department()
    detail = client.get(f"/users/{user.pk}/").content.decode()
    assert "部门联络员" in detail and _department().name in detail
    assert _department().short_name in client.get("/users/").content.decode()
    form = client.get(f"/users/{user.pk}/edit/").content.decode()
    assert "所属部门" in form and f'value="{_department().pk}" selected' in form


def test_a_liaison_without_department_is_refused_in_chinese(login, admin_user):
    client = login(admin_user)
    response = _create(client, role=Role.DEPARTMENT_LIAISON, division="", username="renshe2")
    assert response.status_code == 200
    assert "部门联络员必须指定所属部门" in response.content.decode()
    assert not User.objects.filter(username="renshe2").exists()
    response = _create(client, department=_department().pk, username="worker2")
    assert "只有部门联络员需要指定所属部门" in response.content.decode()


def test_changing_a_liaisons_department_or_role_moves_their_cases(login, admin_user):
    from meetings.models import Liaison

    client = login(admin_user)
    _create(client, role=Role.DEPARTMENT_LIAISON, division="", department=_department().pk, username="l3")
    user = User.objects.get(username="l3")
    data = {"first_name": "李", "role": Role.DEPARTMENT_LIAISON, "division": "", "phone": "", "email": ""}
    assert (
        client.post(f"/users/{user.pk}/edit/", {**data, "department": _department("housing").pk}).status_code
        == 302
    )
    user = User.objects.get(pk=user.pk)
    assert user.liaison_department == _department("housing")
    assert client.post(f"/users/{user.pk}/edit/", {**data, "role": Role.SECRETARIAT}).status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.role == Role.SECRETARIAT and user.liaison_department is None
    assert Liaison.objects.get(user=user).is_active is False  # kept, with its history


def test_api_sets_and_validates_the_department(login, admin_user):
    client = login(admin_user)
    body = {"username": "l4", "name": "王", "role": "department_liaison", "password": GOOD_PASSWORD}
    response = client.post("/api/users/", body, content_type="application/json")
    assert response.status_code == 400 and "部门联络员必须指定所属部门" in response.json()["department"][0]
    response = client.post(
        "/api/users/", {**body, "department": _department().pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["department"] == _department().pk and row["department_name"] == _department().name
    response = client.patch(f"/api/users/{row['id']}/", {"name": "王二"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["department"] == _department().pk
    response = client.patch(f"/api/users/{row['id']}/", {"department": None}, content_type="application/json")
    assert response.status_code == 400
    response = client.post(
        "/api/users/",
        {**body, "username": "m5", "role": "secretariat"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["department"] is None
