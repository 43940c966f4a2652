"""Bulk import/export of the two lists in the app's own pages: upload -> preview -> confirm."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from assistance.models import CatalogImport, CatalogItem, Provider
from core.models import ExportLog

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, kind="items", name="清单.xlsx"):
    return client.post(
        "/catalog/import/", {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=XLSX)}
    )


def exported(client, kind="items"):
    response = client.get(f"/catalog/export/{kind}/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return [list(r) for r in rows]


@pytest.fixture
def admin(login, admin_user):
    return login(admin_user)


def test_export_is_in_chinese_and_imports_back_with_nothing_to_change(admin):
    rows = exported(admin)
    header = rows[0]
    assert header[:4] == ["项目编码", "项目名称", "所属清单", "提供方"]
    assert len(rows) - 1 == CatalogItem.objects.count() >= 40
    dibao = next(r for r in rows if r[0] == "dibao")
    assert "政府救助清单" in dibao and "是" in dibao
    assert ExportLog.objects.filter(
        list_name="assistance:catalog-export-items", row_count=len(rows) - 1
    ).exists()
    response = upload(admin, workbook(rows))
    batch = CatalogImport.objects.get()
    assert response["Location"] == f"/catalog/import/{batch.pk}/"
    assert batch.status == "checked"
    assert batch.summary["skip"] == len(rows) - 1 and batch.summary["new"] == batch.summary["update"] == 0


def test_preview_writes_nothing_and_confirm_imports_with_history(admin, admin_user):
    rows = exported(admin)
    header = rows[0]
    dibao = next(r for r in rows if r[0] == "dibao")
    dibao[header.index("最低年龄")] = 18
    new = list(dibao)
    new[0], new[1] = "new_meal", "新助餐项目"
    new[header.index("适用分类对象")] = "特殊困难老年人、重残重病人员"
    upload(admin, workbook([header, dibao, new]))
    batch = CatalogImport.objects.get()
    assert (batch.summary["new"], batch.summary["update"], batch.summary["invalid"]) == (1, 1, 0)
    assert not CatalogItem.objects.filter(code="new_meal").exists()
    assert CatalogItem.objects.get(code="dibao").min_age != 18
    page = admin.get(f"/catalog/import/{batch.pk}/").content.decode()
    assert "确认导入" in page and "将新增" in page and "最低年龄" in page and "新助餐项目" in page
    admin.post(f"/catalog/import/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == "committed" and batch.committed_by == admin_user
    item = CatalogItem.objects.get(code="new_meal")
    assert item.groups == ["elderly", "disabled_ill"]
    dibao_now = CatalogItem.objects.get(code="dibao")
    assert (dibao_now.min_age, dibao_now.version) == (18, 2)  # an editor who opened version 1 is told
    change = item.history.first()
    assert change.history_user == admin_user and "清单导入" in change.history_change_reason
    # A second click does nothing more.
    response = admin.post(f"/catalog/import/{batch.pk}/confirm/", follow=True)
    assert "已处理" in response.content.decode()
    assert CatalogItem.objects.filter(code="new_meal").count() == 1


def test_row_errors_are_plain_chinese_and_nothing_can_be_confirmed(admin):
    header = exported(admin)[0]
    bad = dict.fromkeys(header, "")
    bad.update(
        {"项目编码": "bad_one", "项目名称": "错的", "所属清单": "第三张清单", "提供方": "不存在的机构"}
    )
    bad.update({"需求领域": "医疗", "帮扶内容": "x", "适用分类对象": "老人家", "最低年龄": "八十"})
    upload(admin, workbook([header, [bad[h] for h in header]]))
    batch = CatalogImport.objects.get()
    assert batch.status == "rejected" and not batch.can_commit
    page = admin.get(f"/catalog/import/{batch.pk}/").content.decode()
    for text in ("所属清单", "不是可选的值", "提供方“不存在的机构”不存在", "无法识别：老人家", "请填写整数"):
        assert text in page, text
    assert "确认导入" not in page
    admin.post(f"/catalog/import/{batch.pk}/confirm/")
    assert not CatalogItem.objects.filter(code="bad_one").exists()


def test_providers_import_from_field_name_headers(admin):
    upload(
        admin, workbook([["name", "kind", "is_active"], ["新社工机构", "社会组织", "是"]]), kind="providers"
    )
    batch = CatalogImport.objects.get()
    assert batch.status == "checked", batch.preview
    admin.post(f"/catalog/import/{batch.pk}/confirm/")
    assert Provider.objects.get(name="新社工机构").kind == "social_org"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"name,kind\n", "list.csv", "请上传 .xlsx 文件"),
        (b"not a zip at all", "fake.xlsx", "请上传 Excel 工作簿"),
        (b"", "empty.xlsx", "空文件"),
    ],
)
def test_wrong_files_are_a_clear_message(admin, content, name, message):
    response = upload(admin, content, name=name)
    if response.status_code == 302:  # read and refused: the attempt is kept in the history
        assert CatalogImport.objects.get().status == "failed"
        response = admin.get(response["Location"])
    assert response.status_code == 200
    assert message in response.content.decode(), (
        response.context["form"].errors if response.context and "form" in response.context else ""
    )


def test_hostile_workbook_hits_the_import_caps(admin, settings):
    """The roster import's caps (imports/limits.py) apply: a giant cell stops the read."""
    settings.IMPORT_LIMITS = {"max_cell_chars": 100}
    upload(admin, workbook([["项目编码", "项目名称"], ["x", "很" * 500]]))
    batch = CatalogImport.objects.get()
    assert batch.status == "failed"
    assert "安全上限" in batch.message and "100" in batch.message


def test_zip_bomb_is_refused(admin):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<a>" + " " * (30 * 1024 * 1024) + "</a>")
    upload(admin, buffer.getvalue())
    batch = CatalogImport.objects.get()
    assert batch.status == "failed" and batch.message


def test_too_many_rows_are_refused(admin, settings):
    settings.CATALOG_IMPORT_MAX_ROWS = 3
    upload(admin, workbook([["项目编码"], ["a"], ["b"], ["c"], ["d"]]))
    assert "超过 3 行" in CatalogImport.objects.get().message


def test_unknown_and_missing_columns_are_named(admin):
    upload(admin, workbook([["项目名称", "备注栏"], ["x", "y"]]))
    assert "缺少必需的列：项目编码" in CatalogImport.objects.get().message
    upload(admin, workbook([["项目编码", "备注栏"], ["x", "y"]]))
    assert "无法识别的列：备注栏" in CatalogImport.objects.first().message


@pytest.mark.parametrize("persona", ["manager", "dongqu", "huayuan", "volunteer"])
def test_only_city_admins_reach_import_and_export(persona, request, login, admin_user):
    batch = CatalogImport.objects.create(
        kind="items", status="checked", file_name="x.xlsx", created_by=admin_user
    )
    client = login(request.getfixturevalue(persona))
    for url in ("/catalog/import/", f"/catalog/import/{batch.pk}/", "/catalog/export/items/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/catalog/import/{batch.pk}/confirm/").status_code == 404
    assert upload(client, workbook([["项目编码"], ["x"]])).status_code == 404
    assert CatalogImport.objects.count() == 1


def test_api_previews_confirms_and_exports(admin, admin_user):
    rows = exported(admin)
    header, dibao = rows[0], next(r for r in rows if r[0] == "dibao")
    dibao[header.index("最低年龄")] = 18
    response = admin.post(
        "/api/catalog-imports/",
        {"kind": "items", "file": SimpleUploadedFile("a.xlsx", workbook([header, dibao]), content_type=XLSX)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "checked" and body["summary"]["update"] == 1
    assert body["preview"][0]["changes"][0]["column"] == "最低年龄"
    assert CatalogItem.objects.get(code="dibao").min_age != 18
    confirmed = admin.post(f"/api/catalog-imports/{body['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "committed"
    assert CatalogItem.objects.get(code="dibao").min_age == 18
    again = admin.post(f"/api/catalog-imports/{body['id']}/confirm/")
    assert again.status_code == 400 and "已处理" in again.content.decode()
    export = admin.get("/api/catalog-imports/export/", {"kind": "providers"})
    assert export.status_code == 200 and export["Content-Type"] == XLSX
    assert admin.get("/api/catalog-imports/export/", {"kind": "nonsense"}).status_code == 400
    bad = admin.post("/api/catalog-imports/", {"kind": "items", "file": SimpleUploadedFile("a.csv", b"x")})
    assert bad.status_code == 400 and "xlsx" in bad.content.decode()


@pytest.mark.parametrize("persona", ["manager", "dongqu", "huayuan", "volunteer"])
def test_api_is_for_city_admins_only(persona, request, login, admin_user):
    batch = CatalogImport.objects.create(
        kind="items", status="checked", file_name="x.xlsx", created_by=admin_user
    )
    client = login(request.getfixturevalue(persona))
    expected = 403 if persona == "volunteer" else 404
    # Read-only roles get the API's 403 for any write, as everywhere (the scoping matrix).
    write_expected = 403 if persona in ("volunteer", "manager") else 404
    assert client.get(f"/api/catalog-imports/{batch.pk}/").status_code == expected
    assert client.post(f"/api/catalog-imports/{batch.pk}/confirm/").status_code == write_expected
    assert client.get("/api/catalog-imports/export/", {"kind": "items"}).status_code == expected
    listed = client.get("/api/catalog-imports/")
    assert listed.status_code == expected or listed.json()["results"] == []
    upload_response = client.post(
        "/api/catalog-imports/",
        {"kind": "items", "file": SimpleUploadedFile("a.xlsx", workbook([["项目编码"], ["x"]]))},
    )
    assert upload_response.status_code == write_expected
    assert CatalogImport.objects.count() == 1
