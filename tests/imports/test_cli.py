"""manage.py import_roster: JSON shape, dry run, exit codes 0/1/2, --errors-out."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from households.models import Person

from .conftest import person, write_csv

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def call(*args):
    out = StringIO()
    code = 0
    try:
        call_command("import_roster", *args, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_json_output_has_the_contract_shape(tmp_path):
    path = write_csv(tmp_path / "r.csv", [person(), person(公民身份号码="123")])
    code, out = call(str(path), "--source", "social_assistance", "--json")
    assert code == 0
    result = json.loads(out)
    assert list(result) == [
        "rows",
        "created",
        "updated",
        "unchanged",
        "exited",
        "rejected",
        "warnings",
        "errors",
    ]
    assert {k: result[k] for k in ("rows", "created", "rejected")} == {"rows": 2, "created": 1, "rejected": 1}
    assert result["errors"] == [
        {
            "row": 3,
            "code": "invalid_id_format",
            "field": "id_number",
            "message": "公民身份号码“123”格式不正确：应为18位（末位可为X）或15位旧号码",
        }
    ]
    assert Person.objects.count() == 1


def test_dry_run_writes_nothing(tmp_path):
    path = write_csv(tmp_path / "r.csv", [person()])
    code, out = call(str(path), "--source", "low_income_monitoring", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["created"] == 1
    assert Person.objects.count() == 0


def test_unreadable_file_exits_1_with_the_reason(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("no header here\n1,2\n", encoding="utf-8")
    code, out = call(str(path), "--source", "social_assistance", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["errors"][0]["code"] == "no_header" and result["rows"] == 0
    garbage = tmp_path / "g.csv"
    garbage.write_bytes(b"\x80\xff" * 300)
    code, out = call(str(garbage), "--source", "social_assistance", "--json")
    assert code == 1 and json.loads(out)["errors"][0]["code"] == "decode_error"


def test_errors_out_writes_a_fixable_spreadsheet(tmp_path):
    path = write_csv(tmp_path / "r.csv", [person(), person(姓名="赵六", 镇街="火星镇")])
    report = tmp_path / "errors.xlsx"
    code, _ = call(str(path), "--source", "social_assistance", "--errors-out", str(report))
    assert code == 0
    sheet = openpyxl.load_workbook(report).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "姓名", "公民身份号码")
    assert rows[0][-4:] == ("原行号", "原因", "错误说明", "原因代码")
    assert rows[1][1] == "赵六" and rows[1][-4] == 3 and rows[1][-1] == "unknown_town"
    assert rows[1][-3] == "镇街名称无法识别"
    assert isinstance(rows[1][2], str) and len(rows[1][2]) == 18  # the ID stays text (masked)
    assert "********" in rows[1][2]


@pytest.mark.parametrize(
    "args",
    [
        ["missing.csv", "--source", "social_assistance"],
        ["{path}", "--source", "no_such_source"],
        ["{path}"],
    ],
)
def test_wrong_arguments_exit_2(tmp_path, args):
    path = write_csv(tmp_path / "r.csv", [person()])
    argv = [a.replace("{path}", str(path)) if a != "missing.csv" else str(tmp_path / a) for a in args]
    result = subprocess.run(
        [sys.executable, "manage.py", "import_roster", *argv],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr


def test_human_output_of_the_command(tmp_path):
    out = StringIO()
    call_command(
        "import_roster",
        str(write_csv(tmp_path / "r.csv", [person(), person(姓名="")])),
        "--source",
        "social_assistance",
        stdout=out,
    )
    text = out.getvalue()
    assert "共 2 行，新增 1" in text and "第 3 行 [missing_required] 缺少必填项：姓名" in text
