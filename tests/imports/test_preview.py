"""The preview and what a commit leaves behind (issue 8, "Import preview and report")."""

import pytest
from django.urls import reverse

from households.models import Person

from .conftest import HEADER, person, run, warnings, write_csv

pytestmark = pytest.mark.django_db


def test_changed_rows_show_before_and_after_and_a_new_name_is_a_warning(tmp_path):
    row = person(姓名="陈大文", 与户主关系="户主", 联系电话="13800138000")
    run(write_csv(tmp_path / "a.csv", [row]))
    changed = dict(row, 姓名="陈小文", 联系电话="13900139000")
    batch, summary = run(write_csv(tmp_path / "b.csv", [changed]), commit=False)
    assert summary.updated == 1
    [entry] = batch.preview["changed"]
    assert entry["person"] == Person.objects.get().pk
    assert {"field": "姓名", "before": "陈大文", "after": "陈小文"} in entry["changes"]
    assert {"field": "联系电话", "before": "138****8000", "after": "139****9000"} in entry["changes"]
    [warning] = warnings(batch, "name_changed")
    assert (
        warning.row == 2
        and "在册姓名为“陈大文”" in warning.message
        and "身份证号码是否填错" in warning.message
    )


def test_a_running_number_column_is_not_an_unknown_column(tmp_path):
    assert HEADER[0] == "序号"
    batch, _summary = run(write_csv(tmp_path / "a.csv", [person()]), commit=False)
    assert warnings(batch, "unknown_column") == []
    header = [*HEADER, "原因代码", "备忘"]
    batch, _summary = run(write_csv(tmp_path / "b.csv", [person()], header=header), commit=False)
    assert [w.message for w in warnings(batch, "unknown_column")] == ["未识别的列“备忘”，已忽略"]


def test_history_says_which_batch_created_and_changed_the_person(tmp_path):
    row = person(姓名="陈大文")
    first, _summary = run(write_csv(tmp_path / "a.csv", [row]))
    second, _summary = run(write_csv(tmp_path / "b.csv", [dict(row, 联系电话="13900139000")]))
    reasons = list(
        Person.objects.get().history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [f"由名单导入批次 #{first.pk} 创建", f"由名单导入批次 #{second.pk} 修改"]


def test_batch_page_shows_changes_in_chinese(tmp_path, media, admin_user, login):
    row = person(姓名="陈大文")
    run(write_csv(tmp_path / "a.csv", [row]))
    batch, _summary = run(
        write_csv(tmp_path / "b.csv", [dict(row, 姓名="陈小文"), person(残疾等级="九级")]), commit=False
    )
    page = login(admin_user).get(reverse("imports:batch-detail", args=[batch.pk])).content.decode()
    assert "姓名：陈大文 → 陈小文" in page
    assert "填写的值不在可选范围内" in page and "残疾等级" in page
    assert "姓名与在册信息不同" in page
    # Codes only inside the folded technical details.
    before_details = page.split("技术详情")[0]
    assert "unknown_value" not in before_details and "disability_grade" not in before_details


def test_a_running_check_does_not_claim_zero_rejected_rows(tmp_path, media, admin_user, login):
    from imports.models import ImportBatch

    batch, _summary = run(write_csv(tmp_path / "a.csv", [person()]), commit=False)
    ImportBatch.objects.filter(pk=batch.pk).update(status="checking", summary={})
    page = login(admin_user).get(reverse("imports:batch-detail", args=[batch.pk])).content.decode()
    assert "被拒绝的行 <span" not in page and "正在处理，完成后在此列出被拒绝的行" in page
