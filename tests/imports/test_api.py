"""API: upload (multipart), poll the batch, fetch its errors, commit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from households.models import Person
from imports.models import ImportBatch

from .conftest import person, write_csv

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_file(client, path, **extra):
    with open(path, "rb") as f:
        data = {"source": "social_assistance", "file": SimpleUploadedFile(path.name, f.read()), **extra}
        return client.post("/api/import-batches/", data, format="multipart")


def test_upload_poll_errors_and_commit(tmp_path, media, admin_user):
    client = api(admin_user)
    path = write_csv(tmp_path / "r.csv", [person(姓名="甲"), person(公民身份号码="4.42E+17")])
    response = post_file(client, path)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["status"] == "checked" and body["summary"]["created"] == 1 and body["summary"]["rejected"] == 1
    )
    assert body["file_name"] == "r.csv" and len(body["sha256"]) == 64
    batch_id = body["id"]
    poll = client.get(f"/api/import-batches/{batch_id}/").json()
    assert poll["status"] == "checked" and poll["preview"]["new"][0]["name"] == "甲"
    errors = client.get(f"/api/import-batches/{batch_id}/errors/").json()
    assert errors["count"] == 1
    [error] = errors["results"]
    assert {k: error[k] for k in ("row", "code", "field")} == {
        "row": 3,
        "code": "id_number_as_number",
        "field": "id_number",
    }
    assert error["values"][2] == "4.42E+17"
    assert Person.objects.count() == 0
    committed = client.post(f"/api/import-batches/{batch_id}/commit/")
    assert committed.status_code == 200 and committed.json()["status"] == "committed"
    assert Person.objects.count() == 1
    again = client.post(f"/api/import-batches/{batch_id}/commit/")
    assert again.status_code == 409 and "只有校验完成" in again.json()["detail"]


def test_upload_with_commit_imports_at_once(tmp_path, media, admin_user):
    response = post_file(api(admin_user), write_csv(tmp_path / "r.csv", [person()]), commit="true")
    assert response.status_code == 201 and response.json()["status"] == "committed"
    assert Person.objects.count() == 1


def test_unreadable_file_is_a_failed_batch_with_its_code(tmp_path, media, admin_user):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\x80\xff" * 100)
    response = post_file(api(admin_user), path)
    assert response.status_code == 201
    assert response.json()["status"] == "failed" and response.json()["error_code"] == "decode_error"
    errors = api(admin_user).get(f"/api/import-batches/{response.json()['id']}/errors/").json()
    assert errors["results"][0]["code"] == "decode_error" and errors["results"][0]["row"] is None


def test_bad_arguments_are_400(tmp_path, media, admin_user):
    client = api(admin_user)
    path = write_csv(tmp_path / "r.csv", [person()])
    assert post_file(client, path, source="nope").status_code == 400
    response = client.post(
        "/api/import-batches/",
        {"source": "social_assistance", "file": SimpleUploadedFile("a.pdf", b"%PDF")},
        format="multipart",
    )
    assert response.status_code == 400 and "不支持的文件格式" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_only_city_admins(tmp_path, media, admin_user, dongqu, manager):
    response = post_file(api(admin_user), write_csv(tmp_path / "r.csv", [person()]))
    batch_id = response.json()["id"]
    for user in (dongqu, manager):
        client = api(user)
        assert client.get("/api/import-batches/").status_code == 403
        assert client.get(f"/api/import-batches/{batch_id}/").status_code == 403
        assert post_file(client, write_csv(tmp_path / "s.csv", [person()])).status_code == 403
    assert APIClient().get("/api/import-batches/").status_code in (401, 403)
    listing = api(admin_user).get("/api/import-batches/").json()
    assert [b["id"] for b in listing["results"]] == [batch_id]
