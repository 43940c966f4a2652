"""Every reason code and warning of the contract, with spreadsheet row numbers."""

import datetime as dt

import pytest

from households.models import Person

from .conftest import HEADER, errors, make_id, person, run, warnings, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

FIRST = 2  # header on row 1: the first person is on row 2


def codes(batch):
    return [(e.row, e.code) for e in errors(batch)]


def test_missing_required_lists_each_missing_field(tmp_path):
    path = write_csv(tmp_path / "r.csv", [person(姓名="", 救助类型="")])
    batch, summary = run(path)
    assert summary.rejected == 1 and summary.created == 0
    assert sorted(e.field for e in errors(batch)) == ["assistance", "name"]
    assert {e.code for e in errors(batch)} == {"missing_required"}
    assert "缺少必填项：姓名" in [e.message for e in errors(batch)]


def test_member_without_household_code_needs_the_heads_id(tmp_path):
    path = write_csv(tmp_path / "r.csv", [person(与户主关系="配偶", 户编号="")])
    batch, _ = run(path)
    assert [(e.code, e.field) for e in errors(batch)] == [("missing_required", "head_id_number")]


@pytest.mark.parametrize(
    "value,code",
    [
        ("44200019580309", "invalid_id_format"),
        ("44200019581309123X", "invalid_id_format"),  # month 13
        ("ABCDEFGHIJKLMNOPQR", "invalid_id_format"),
        ("4.42000E+17", "id_number_as_number"),
    ],
)
def test_id_format_codes(tmp_path, value, code):
    path = write_csv(tmp_path / "r.csv", [person(公民身份号码=value)])
    batch, _ = run(path)
    assert codes(batch) == [(FIRST, code)]


def test_bad_checksum(tmp_path):
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    batch, _ = run(write_csv(tmp_path / "r.csv", [person(公民身份号码=bad)]))
    assert codes(batch) == [(FIRST, "invalid_id_checksum")]
    assert "校验位" in errors(batch)[0].message


def test_invalid_date(tmp_path):
    batch, _ = run(write_csv(tmp_path / "r.csv", [person(认定日期="2024-02-30")]))
    assert codes(batch) == [(FIRST, "invalid_date")]
    assert "认定日期" in errors(batch)[0].message


def test_unknown_town_and_unknown_community(tmp_path):
    people = [person(镇街="北京市"), person(**{"村（社区）": "不存在社区"})]
    batch, summary = run(write_csv(tmp_path / "r.csv", people))
    assert codes(batch) == [(2, "unknown_town"), (3, "unknown_community")]
    assert summary.rejected == 2
    from households.models import Division

    assert not Division.objects.filter(name__startswith="不存在").exists()  # never created


def test_unknown_value_names_the_field_and_value(tmp_path):
    people = [person(与户主关系="邻居"), person(救助类型="低保、五保户"), person(残疾等级="五级")]
    batch, _ = run(write_csv(tmp_path / "r.csv", people))
    assert [(e.row, e.code, e.field) for e in errors(batch)] == [
        (2, "unknown_value", "relation"),
        (3, "unknown_value", "assistance"),
        (4, "unknown_value", "disability_grade"),
    ]
    assert "五保户" in errors(batch)[1].message


def test_duplicate_id_rejects_both_rows(tmp_path):
    same = make_id()
    people = [person(公民身份号码=same, 户编号="A"), person(), person(公民身份号码=" " + same, 户编号="B")]
    batch, summary = run(write_csv(tmp_path / "r.csv", people))
    assert codes(batch) == [(2, "duplicate_in_file"), (4, "duplicate_in_file")]
    assert "第 2、4 行" in errors(batch)[0].message
    assert summary.created == 1 and summary.rejected == 2


def test_household_with_two_heads_is_rejected_whole(tmp_path):
    people = [
        person(户编号="H1", 姓名="甲"),
        person(户编号="H1", 姓名="乙"),
        person(户编号="H1", 姓名="丙", 与户主关系="子"),
        person(户编号="H2", 姓名="丁"),
    ]
    batch, summary = run(write_csv(tmp_path / "r.csv", people))
    assert codes(batch) == [(2, "household_conflict"), (3, "household_conflict"), (4, "household_conflict")]
    assert summary.created == 1
    assert list(Person.objects.values_list("name", flat=True)) == ["丁"]


def test_person_listed_as_head_of_two_households(tmp_path):
    head = make_id()
    header = HEADER + ["户主身份证号码"]
    people = [
        person(户编号="H1", 公民身份号码=head),
        person(户编号="H2", 与户主关系="配偶", 户主身份证号码=head),
    ]
    batch, summary = run(write_csv(tmp_path / "r.csv", people, header=header))
    assert codes(batch) == [(2, "household_conflict"), (3, "household_conflict")]
    assert summary.created == 0


def test_warnings_never_reject(tmp_path):
    header = HEADER + ["出生日期", "备注"]
    female = make_id(male=False, birth=dt.date(1970, 1, 2))
    people = [
        person(
            户编号="W",
            公民身份号码=female,
            性别="男",
            出生日期="1971-01-02",
            联系电话="12345",
            家庭人口数="3",
        ),
        person(户编号="W", 与户主关系="子"),
    ]
    batch, summary = run(write_csv(tmp_path / "r.csv", people, header=header))
    assert summary.rejected == 0 and summary.created == 2
    assert sorted((w.row, w.code) for w in warnings(batch)) == [
        (1, "unknown_column"),  # 备注; 序号 is a common running number, not warned about
        (2, "birth_date_mismatch"),
        (2, "household_size_mismatch"),
        (2, "invalid_phone"),
        (2, "sex_mismatch"),
    ]
    woman = Person.objects.get(id_tail=female[-6:])
    assert woman.sex == "female" and woman.birth_date == dt.date(1970, 1, 2)
    assert woman.phone_masked == ""  # the invalid phone was dropped
    assert summary.warnings == 5


def test_rejected_rows_keep_their_original_values(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [person(姓名="王五", 镇街="火星镇")], title="名单")
    batch, _ = run(path)
    [error] = errors(batch)
    assert error.row == 4 and error.code == "unknown_town"
    assert error.values[1:3] == ["王五", error.values[2]] and "火星镇" in error.values


def test_household_size_counts_rows_rejected_for_their_id(tmp_path):
    people = [
        person(户编号="S", 家庭人口数="3"),
        person(户编号="S", 与户主关系="配偶", 公民身份号码="4.42000E+17"),
        person(户编号="S", 与户主关系="子"),
    ]
    batch, summary = run(write_csv(tmp_path / "r.csv", people))
    assert (summary.created, summary.rejected) == (2, 1)
    assert warnings(batch, "household_size_mismatch") == []
