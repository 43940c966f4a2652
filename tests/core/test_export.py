"""Excel export of list pages: scoping, masking, reveal logging, formula-safety, the export log,
background exports and the API entry point."""

import io
import re

import pytest
from openpyxl import load_workbook

from core.models import ExportLog, Job, RevealLog
from households.models import Person
from tests.factories import HouseholdFactory, PersonFactory, community

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read(content: bytes) -> tuple[list, list[list]]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def column(header, rows, label):
    index = header.index(label)
    return [row[index] for row in rows]


@pytest.fixture(autouse=True)
def _export_files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def people(household):
    """李小明 in 花苑 (household fixture) and 王烟洲 in 烟洲 (西区)."""
    west = HouseholdFactory(community=community("烟洲社区"), address="烟洲路1号")
    PersonFactory(household=west, name="王烟洲")
    return household.head, west.head


def test_worker_exports_only_their_area(login, huayuan, people):
    inside, outside = people
    response = login(huayuan).post("/persons/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    header, rows = read(response.content)
    names = column(header, rows, "姓名")
    assert inside.name in names
    assert outside.name not in names
    assert column(header, rows, "人员编号") == [inside.pk]


def test_export_keeps_the_list_filters(login, dongqu, household):
    other = HouseholdFactory(community=community("竹苑社区"))
    PersonFactory(household=other, name="竹苑张三")
    response = login(dongqu).post(f"/persons/?community={community('竹苑社区').pk}")
    header, rows = read(response.content)
    assert column(header, rows, "姓名") == ["竹苑张三"]
    log = ExportLog.objects.get()
    assert log.description == "村（社区）：竹苑社区"
    assert log.row_count == 1 and log.user == dongqu and log.title == "人员"


def test_masked_export_gives_age_never_birth_date_and_logs_no_reveal(login, huayuan, people):
    person = people[0]
    header, rows = read(login(huayuan).post("/persons/").content)
    assert "出生日期" not in header and "年龄" in header
    assert column(header, rows, "身份证号码") == [person.id_masked]
    assert column(header, rows, "联系电话") == [person.phone_masked]
    flat = " ".join(str(v) for row in rows for v in row)
    assert person.birth_date.isoformat() not in flat and person.id_number not in flat
    assert column(header, rows, "年龄") == [person.age]
    assert not RevealLog.objects.exists()


def test_clear_export_is_logged_per_person_and_field(login, huayuan, people):
    person = people[0]
    response = login(huayuan).post("/persons/", {"reveal": "1"})
    header, rows = read(response.content)
    assert column(header, rows, "身份证号码") == [person.id_number]
    assert column(header, rows, "出生日期")[0].date() == person.birth_date
    export = ExportLog.objects.get()
    assert export.reveal and export.revealed_count == 2
    logged = set(RevealLog.objects.values_list("person_id", "field", "channel", "export_id", "user_id"))
    assert logged == {
        (person.pk, "id_number", "export", export.pk, huayuan.pk),
        (person.pk, "phone", "export", export.pk, huayuan.pk),
    }


def test_user_who_may_not_reveal_gets_a_chinese_400_and_nothing_is_written(login, manager, people):
    response = login(manager).post("/persons/", {"reveal": "1"})
    assert response.status_code == 400
    assert "没有查看完整信息的权限" in response.content.decode()
    assert not ExportLog.objects.exists() and not RevealLog.objects.exists()
    header, rows = read(login(manager).post("/persons/").content)
    assert people[0].id_number not in str(rows) and "出生日期" not in header


def test_household_export_masks_the_heads_id(login, huayuan, household):
    header, rows = read(login(huayuan).post("/households/").content)
    assert column(header, rows, "户主") == ["李小明"]
    assert column(header, rows, "户主身份证号码") == [household.head.id_masked]
    assert column(header, rows, "村（社区）") == ["花苑社区"]


def test_choices_and_booleans_are_chinese_labels_not_codes(login, huayuan, household):
    header, rows = read(login(huayuan).post("/persons/").content)
    row = dict(zip(header, rows[0], strict=True))
    assert row["性别"] == "男" and row["与户主关系"] == "户主" and row["状态"] == "在册"
    assert row["待核查"] == "否"
    assert "male" not in rows[0] and "head" not in rows[0]


def test_formula_like_values_are_written_as_text(login, huayuan, household):
    PersonFactory(household=household, name="=HYPERLINK(1)", relation="spouse")
    response = login(huayuan).post("/persons/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2)]
    cell = next(c for c in names if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_filter_words_in_the_log_mask_a_typed_id_number(login, huayuan, people):
    person = people[0]
    login(huayuan).post(f"/persons/?q={person.id_number}")
    description = ExportLog.objects.get().description
    assert person.id_number not in description
    assert description.startswith("搜索：") and description.endswith(person.id_number[-4:])


def test_invalid_filter_is_a_chinese_400(login, huayuan, household):
    response = login(huayuan).post("/persons/?age_min=abc")
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_volunteer_cannot_export_even_the_lists_they_see(login, volunteer):
    client = login(volunteer)
    assert client.post("/groups/").status_code in (403, 404)
    page = client.get("/households/", follow=True)  # a volunteer's list is their home page
    assert page.status_code == 200 and "导出 Excel" not in page.content.decode()
    assert client.post("/households/").status_code in (302, 404)  # sent home, nothing exported
    assert not ExportLog.objects.exists()


def test_get_still_shows_the_list_with_an_export_button(login, huayuan, household):
    page = login(huayuan).get("/persons/")
    assert page.status_code == 200
    assert "导出 Excel" in page.content.decode()
    assert "含完整身份证号码和电话" in page.content.decode()


def test_read_only_user_sees_no_reveal_option(login, manager, household):
    page = login(manager).get("/persons/").content.decode()
    assert "导出 Excel" in page and "含完整身份证号码和电话" not in page


def test_large_export_runs_as_a_background_job(
    login, huayuan, household, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    for n in range(3):
        PersonFactory(household=household, name=f"成员{n}", relation="child")
    client = login(huayuan)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/persons/", {"reveal": "1"})
    export = ExportLog.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    job = Job.objects.get(kind="export")
    assert job.status == Job.Status.SUCCEEDED and job.created_by == huayuan
    export.refresh_from_db()
    assert export.status == "succeeded" and export.row_count == 4 and export.query == ""
    assert RevealLog.objects.filter(export=export).count() == 8
    page = client.get(f"/exports/{export.pk}/").content.decode()
    assert "下载 Excel 文件" in page and "job-progress" in page
    download = client.get(f"/exports/{export.pk}/download/")
    header, rows = read(b"".join(download.streaming_content))
    assert len(rows) == 4 and "出生日期" in header


def test_only_the_exporter_downloads_a_background_file(
    login, huayuan, admin_user, household, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    with django_capture_on_commit_callbacks(execute=True):
        login(huayuan).post("/persons/")
    export = ExportLog.objects.get()
    admin = login(admin_user)
    assert admin.get(f"/exports/{export.pk}/").status_code == 200
    assert admin.get(f"/exports/{export.pk}/download/").status_code == 404


def test_export_log_page_is_for_admins_only(login, admin_user, huayuan, household):
    login(huayuan).post("/households/?status=active")
    page = login(admin_user).get("/exports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "状态：在册" in text and "家庭" in text
    assert login(huayuan).get("/exports/").status_code == 404
    assert login(huayuan).get(f"/exports/{ExportLog.objects.get().pk}/").status_code == 200


def test_someone_elses_export_page_is_404(login, huayuan, dongqu, household):
    login(huayuan).post("/households/")
    assert login(dongqu).get(f"/exports/{ExportLog.objects.get().pk}/").status_code == 404


def test_import_batches_export_for_admins_only(login, admin_user, huayuan):
    response = login(admin_user).post("/imports/")
    assert response.status_code == 200
    header, _rows = read(response.content)
    assert "数据来源" in header and "新增" in header
    assert login(huayuan).post("/imports/").status_code == 404


# ---------------------------------------------------------------------------------------------
# API


def test_api_export_small_list_returns_the_record_with_a_file(login, huayuan, people):
    response = login(huayuan).post(
        "/api/exports/",
        {"list": "households:person-list", "query": "", "reveal": False},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["row_count"] == 1 and body["status"] == "succeeded"
    download = login(huayuan).get(body["download_url"])
    header, rows = read(b"".join(download.streaming_content))
    assert column(header, rows, "姓名") == [people[0].name]


def test_api_export_refuses_unknown_lists_and_bad_reveals(login, huayuan, manager, household):
    bad = login(huayuan).post("/api/exports/", {"list": "nope"}, content_type="application/json")
    assert bad.status_code == 400 and "不支持导出" in str(bad.json())
    reveal = login(manager).post(
        "/api/exports/", {"list": "households:person-list", "reveal": True}, content_type="application/json"
    )
    assert reveal.status_code == 400


def test_api_export_runs_the_lists_own_access_checks(login, admin_user, huayuan):
    response = login(huayuan).post(
        "/api/exports/", {"list": "imports:batch-list"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not ExportLog.objects.exists()


def test_api_export_log_lists_everything_for_admins_and_own_for_others(
    login, admin_user, huayuan, dongqu, household
):
    login(huayuan).post("/households/")
    login(dongqu).post("/households/")
    assert len(login(admin_user).get("/api/exports/").json()["results"]) == 2
    mine = login(huayuan).get("/api/exports/").json()["results"]
    assert [row["user"] for row in mine] == ["huayuan"]


def test_person_without_a_phone_gets_an_empty_cell(login, huayuan, household):
    Person.objects.update(phone_masked="", phone_encrypted="")
    header, rows = read(login(huayuan).post("/persons/", {"reveal": "1"}).content)
    assert column(header, rows, "联系电话") == [None]
    assert set(RevealLog.objects.values_list("field", flat=True)) == {"id_number"}


def test_long_digit_values_are_text(login, huayuan, people):
    response = login(huayuan).post("/persons/", {"reveal": "1"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("身份证号码") + 1)
    assert cell.data_type == "s" and re.fullmatch(r"\d{17}[\dX]", cell.value)


def test_default_task_queue_is_described_in_the_log(login, huayuan):
    login(huayuan).post("/tasks/")
    assert ExportLog.objects.get().description == "范围：我的待办；状态：待办"


@pytest.mark.parametrize("url", ["/persons/", "/households/", "/groups/", "/tasks/?queue=all"])
def test_export_queries_do_not_grow_with_rows(url, login, dongqu, household):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(dongqu)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(15):
        PersonFactory(household=HouseholdFactory(community=community("竹苑社区")), name=f"行{n}")
    assert count() == few


def test_old_export_files_are_deleted_but_their_log_stays(
    login, huayuan, household, settings, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from core.export_services import export_file, purge_old_files

    settings.EXPORT_INLINE_MAX_ROWS = 0
    with django_capture_on_commit_callbacks(execute=True):
        login(huayuan).post("/persons/")
    export = ExportLog.objects.get()
    assert export_file(export) is not None
    assert purge_old_files(now=timezone.now() + dt.timedelta(days=3)) == 0
    assert purge_old_files(now=timezone.now() + dt.timedelta(days=8)) == 1
    export.refresh_from_db()
    assert export_file(export) is None and export.row_count == 1
    assert login(huayuan).get(f"/exports/{export.pk}/download/").status_code == 404
