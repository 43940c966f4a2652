"""Rows and files that used to break the import in misleading ways (issue 9, items 14 and 15)."""

import pytest

from households.models import Person

from .conftest import errors, person, run, write_csv

pytestmark = pytest.mark.django_db


def test_a_nul_character_rejects_its_row_and_the_rest_is_imported(tmp_path):
    path = write_csv(tmp_path / "nul.csv", [person(姓名="陈\x00大文"), person(姓名="李小明")])
    batch, summary = run(path)
    assert batch.status == "committed" and summary.created == 1 and summary.rejected == 1
    [error] = errors(batch)
    assert error.row == 2 and error.code == "invalid_character" and "空字符（NUL）" in error.message
    assert "\x00" not in "".join(error.values) and "陈大文" in error.values
    assert list(Person.objects.values_list("name", flat=True)) == ["李小明"]


def test_many_duplicate_rows_name_a_few_row_numbers_not_all(tmp_path):
    same = person()
    path = write_csv(tmp_path / "dup.csv", [same] * 30)
    batch, summary = run(path, commit=False)
    assert summary.rejected == 30
    message = errors(batch)[0].message
    assert "第 2、3、4、5、6、7、8、9、10、11 等，共 30 行" in message


def test_a_nul_character_in_the_header_row_does_not_break_the_import(tmp_path):
    from .conftest import HEADER

    header = [*HEADER[:-1], HEADER[-1] + "\x00"]
    batch, summary = run(write_csv(tmp_path / "h.csv", [person()], header=header))
    assert batch.status == "committed" and summary.created == 1
    assert "\x00" not in "".join(batch.header)
