"""Alert import: a bad cell is that row's error with its row number, never the whole file or a 500
(issue 9, items 10 and 16); hostile files meet the roster readers' caps."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from assessments.models import Alert
from assessments.warning_import import import_alerts
from core import idnumber

from .test_alerts import make_person

pytestmark = pytest.mark.django_db


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_amount_too_large_and_a_date_of_1e12_are_row_errors(admin_user):
    person = make_person(age=60)
    number = idnumber.decrypt(person.id_encrypted)
    data = _xlsx(
        [
            ["身份证号码", "预警类型", "发生日期", "金额（元）"],
            [number, "大额医疗支出", 1e12, "1"],
            [number, "失业", "2026-10-01", "999999999999999"],
            [number, "死亡", "2026-10-02", "120"],
        ]
    )
    result = import_alerts(filename="list.xlsx", data=data, user=admin_user)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "日期格式无法识别。"),
        (3, "金额 999999999999999.00 元超出可登记的范围。"),
    ]
    assert [a.kind for a in result.created] == ["death"] and Alert.objects.count() == 1


def test_a_row_the_model_refuses_is_a_row_error_and_the_others_are_kept(admin_user, monkeypatch):
    from assessments import services

    person = make_person(age=60)
    number = idnumber.decrypt(person.id_encrypted)
    real = services.alert_create

    def refusing(**kwargs):
        if kwargs["kind"] == "job_loss":
            raise ValidationError({"amount": ["金额不合规。"]})
        return real(**kwargs)

    monkeypatch.setattr(services, "alert_create", refusing)
    data = _xlsx(
        [
            ["身份证号码", "预警类型", "发生日期"],
            [number, "失业", "2026-10-01"],
            [number, "死亡", "2026-10-02"],
        ]
    )
    result = import_alerts(filename="list.xlsx", data=data, user=admin_user)
    assert [(e.row, e.message) for e in result.errors] == [(2, "金额不合规。")]
    assert [a.kind for a in result.created] == ["death"]


def test_a_hostile_workbook_is_refused_by_the_roster_caps(tmp_path, admin_user):
    from tests.imports import hostile

    path = tmp_path / hostile.many_columns(tmp_path)
    with pytest.raises(ValidationError) as info:
        import_alerts(filename="list.xlsx", data=path.read_bytes(), user=admin_user)
    assert "文件超出安全上限" in info.value.messages[0]
