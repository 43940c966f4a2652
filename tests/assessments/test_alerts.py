"""Monitoring alerts: intake (by hand or from a department's list), verification, handling."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from assessments import services
from assessments.choices import AlertStatus, TaskKind
from assessments.models import Alert
from assessments.warning_import import import_alerts
from core import idnumber
from core.models import Job, Task
from households.models import AssistanceStatus
from tests.factories import HouseholdFactory, PersonFactory, community, make_id_number

from .conftest import groups_of, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the re-screening jobs) as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def test_alert_goes_to_the_town_with_a_deadline_and_a_task(huayuan, on_commit):
    person = make_person(age=50)
    with on_commit():
        alert = services.alert_create(person=person, kind="medical_bill", user=huayuan, amount=86000)
    today = timezone.localdate()
    assert alert.town.name == "东区街道"
    assert alert.verify_deadline == today + dt.timedelta(days=5)
    task = Task.objects.get(kind=TaskKind.ALERT)
    assert task.assignee == huayuan and task.due_date == alert.verify_deadline
    assert Job.objects.filter(params={"household_ids": [person.household_id]}).exists()  # re-screened


def test_confirmed_death_ends_statuses_tasks_and_groups(huayuan, on_commit):
    person = make_person(age=85, living_arrangement="alone", low_income=True)
    with on_commit():
        alert = services.alert_create(
            person=person, kind="death", user=huayuan, occurred_on=dt.date(2026, 10, 1)
        )
    assert groups_of(person) == {"elderly": "high_risk"}
    with on_commit():
        services.alert_verify(alert=alert, user=huayuan, method="phone", confirmed=True, note="家属电话确认")
    person.refresh_from_db()
    assert person.status == "deceased"
    assert not AssistanceStatus.objects.current().filter(person=person).exists()
    assert AssistanceStatus.objects.get(person=person).end_date == dt.date(2026, 10, 1)
    assert not Task.objects.filter(person=person, status=Task.Status.OPEN).exists()
    assert Task.objects.get(kind=TaskKind.ALERT).status == Task.Status.DONE
    assert groups_of(person) == {}


def test_unfounded_alert_is_closed(huayuan):
    person = make_person(age=50)
    alert = services.alert_create(person=person, kind="job_loss", user=huayuan, rescreen=False)
    services.alert_verify(alert=alert, user=huayuan, method="visit", confirmed=False, note="仍在原单位工作")
    assert alert.status == AlertStatus.CLOSED and alert.outcome == "closed"


def test_admitting_to_dibao_puts_the_child_in_a_group(huayuan, on_commit):
    parent = make_person(age=40)
    child = make_person(age=8, household=parent.household, relation="son")
    alert = services.alert_create(person=parent, kind="income_drop", user=huayuan, rescreen=False)
    services.alert_verify(alert=alert, user=huayuan, method="visit", confirmed=True, note="收入骤降属实")
    with on_commit():
        services.alert_handle(alert=alert, user=huayuan, outcome="admitted", assistance_kind="dibao", note="")
    assert alert.status == AlertStatus.HANDLED
    assert AssistanceStatus.objects.current().filter(person=parent, kind="dibao").exists()
    assert set(groups_of(child)) == {"child"}


def test_handling_rules(huayuan):
    alert = services.alert_create(person=make_person(age=50), kind="disaster", user=huayuan, rescreen=False)
    with pytest.raises(ValidationError):
        services.alert_handle(alert=alert, user=huayuan, outcome="closed", note="")  # not verified yet
    services.alert_verify(alert=alert, user=huayuan, method="visit", confirmed=True, note="房屋受损")
    with pytest.raises(ValidationError):
        services.alert_handle(alert=alert, user=huayuan, outcome="closed", note="")  # reason required
    with pytest.raises(ValidationError):
        services.alert_handle(alert=alert, user=huayuan, outcome="admitted", note="")  # which status?
    services.alert_handle(alert=alert, user=huayuan, outcome="temporary", note="发放临时救助")
    assert AssistanceStatus.objects.filter(kind="temporary").count() == 1


def test_alert_lifecycle_through_the_pages(huayuan, login):
    person = make_person(age=50)
    client = login(huayuan)
    number = idnumber.decrypt(person.id_encrypted)
    response = client.post(
        "/warnings/new/", {"id_number": number, "kind": "job_loss", "description": "企业裁员"}
    )
    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/warnings/{alert.pk}/"
    assert "企业裁员" in client.get(f"/warnings/{alert.pk}/").content.decode()
    client.post(
        f"/warnings/{alert.pk}/verify/", {"method": "visit", "confirmed": "1", "note": "入户核实属实"}
    )
    client.post(f"/warnings/{alert.pk}/handle/", {"outcome": "referred", "note": "转介人社局"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.HANDLED and alert.outcome == "referred"
    assert "失业" in client.get("/warnings/?status=handled").content.decode()


# --- importing a department's list


def _csv_gbk(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("gbk")


def test_import_gbk_csv_with_title_row_and_row_errors(admin_user):
    person = make_person(age=60)
    number = idnumber.decrypt(person.id_encrypted)
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in number)
    data = _csv_gbk(
        [
            ["中山市医保局大额医疗费用预警名单（2026年10月）", "", "", ""],
            ["姓名", "身份证号", "预警事项", "发生日期", "金额（元）"],
            [person.name, fullwidth, "大额医疗支出", "2026年10月3日", "86,000"],
            ["张三", "123", "大额医疗支出", "2026-10-03", "1"],
            ["李四", make_id_number(), "大额医疗支出", "2026-10-03", "1"],
            [person.name, number, "看不懂", "2026-10-03", "1"],
            ["", "", "", "", ""],
            [person.name, number, "死亡", "不是日期", ""],
        ]
    )
    result = import_alerts(filename="名单.csv", data=data, user=admin_user)
    assert len(result.created) == 1
    alert = result.created[0]
    assert alert.kind == "medical_bill" and alert.occurred_on == dt.date(2026, 10, 3)
    assert str(alert.amount) == "86000.00" and alert.source == "import"
    assert [(e.row, e.message) for e in result.errors] == [
        (4, "身份证号码应为18位（末位可为X）或15位旧号码"),
        (5, "该身份证号码未在册，或不在您的管辖范围内。"),
        (6, "无法识别的预警类型：看不懂"),
        (8, "日期格式无法识别。"),
    ]
    again = import_alerts(filename="名单.csv", data=data, user=admin_user)
    assert again.created == [] and again.duplicates == 1


def test_import_xlsx_and_scope(dongqu):
    mine = make_person(age=60)
    west = PersonFactory(household=HouseholdFactory(community=community("烟洲社区")))
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "预警类型", "发生日期", "推送部门"])
    sheet.append([idnumber.decrypt(mine.id_encrypted), "job_loss", dt.datetime(2026, 9, 1), "人社局"])
    sheet.append([idnumber.decrypt(west.id_encrypted), "job_loss", dt.datetime(2026, 9, 1), "人社局"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_alerts(filename="list.xlsx", data=buffer.getvalue(), user=dongqu)
    assert [a.person for a in result.created] == [mine]
    assert result.created[0].department == "人社局"
    assert [e.row for e in result.errors] == [3]  # another town's person is not visible


def test_import_needs_a_header():
    with pytest.raises(ValidationError):
        import_alerts(filename="x.csv", data=b"a,b\n1,2\n", user=None)


def test_import_page_is_for_admins(admin_user, huayuan, login):
    person = make_person(age=60)
    data = _csv_gbk([["身份证号码", "预警类型"], [idnumber.decrypt(person.id_encrypted), "辍学"]])
    assert login(huayuan).get("/warnings/import/").status_code == 403
    response = login(admin_user).post("/warnings/import/", {"file": SimpleUploadedFile("a.csv", data)})
    assert response.status_code == 200 and "已导入 1 条" in response.content.decode()
    assert Alert.objects.get().kind == "dropout"
