"""Roster files for the import tests, generated on the fly (openpyxl for xlsx, xlwt for xls)."""

import csv
import datetime as dt
import itertools

import pytest

from core import idnumber
from imports import services
from imports.models import ImportBatch

HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "性别",
    "与户主关系",
    "户编号",
    "镇街",
    "村（社区）",
    "家庭住址",
    "联系电话",
    "救助类型",
    "认定日期",
    "残疾等级",
    "家庭人口数",
]
_seq = itertools.count(1)


def make_id(birth: dt.date = dt.date(1958, 3, 9), male: bool = True, area: str = "442000") -> str:
    n = next(_seq)
    seq = (n % 400) * 2 + (1 if male else 0) + 100
    area = area[:4] + f"{(n // 400) % 100:02d}"
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_char(first17)


def person(**values) -> dict:
    """One roster row as {header: value}; defaults make a valid head of household in 花苑社区."""
    row = {
        "姓名": "陈大文",
        "公民身份号码": make_id(),
        "性别": "",
        "与户主关系": "户主",
        "户编号": "",
        "镇街": "东区街道",
        "村（社区）": "花苑社区",
        "家庭住址": "花苑路1号",
        "联系电话": "13800138000",
        "救助类型": "低保",
        "认定日期": "2024-03-01",
        "残疾等级": "",
        "家庭人口数": "",
    }
    row.update(values)
    return row


def rows_of(header, people):
    return [[i + 1] + [p.get(h, "") for h in header[1:]] for i, p in enumerate(people)]


def write_csv(path, people, header=HEADER, encoding="utf-8", title=None, footer=None, delimiter=","):
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        if title:
            writer.writerow([title] + [""] * (len(header) - 1))
            writer.writerow([])
        writer.writerow(header)
        writer.writerows(rows_of(header, people))
        for row in footer or []:
            writer.writerow(row)
    return path


def write_xlsx(path, people, header=HEADER, title=None, cell_values=None, footer=None):
    """cell_values: {(person index, header): raw Python value} to store numbers or dates as such."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append([])
    sheet.append(header)
    for i, row in enumerate(rows_of(header, people)):
        for (index, column), value in (cell_values or {}).items():
            if index == i:
                row[header.index(column)] = value
        sheet.append(row)
    for row in footer or []:
        sheet.append(row)
    workbook.save(path)
    return path


def write_xls(path, people, header=HEADER, title=None, cell_values=None):
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("名单")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    r = 0
    if title:
        sheet.write_merge(0, 0, 0, len(header) - 1, title)
        r = 2
    for c, name in enumerate(header):
        sheet.write(r, c, name)
    for i, row in enumerate(rows_of(header, people)):
        for (index, column), value in (cell_values or {}).items():
            if index == i:
                row[header.index(column)] = value
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r + 1 + i, c, value, date_style)
            else:
                sheet.write(r + 1 + i, c, value)
    workbook.save(str(path))
    return path


def run(path, source="social_assistance", commit=True, user=None, snapshot_date=None):
    """Import a file like the command line does; returns (batch, summary)."""
    batch = services.batch_from_path(path=str(path), source=source, user=user, snapshot_date=snapshot_date)
    summary = services.batch_run(batch=batch, commit=commit, user=user, path=str(path))
    batch.refresh_from_db()
    return batch, summary


def errors(batch: ImportBatch, code=None):
    qs = batch.issues.filter(severity="error")
    if code:
        qs = qs.filter(code=code)
    return list(qs.order_by("row", "id"))


def warnings(batch: ImportBatch, code=None):
    qs = batch.issues.filter(severity="warning")
    if code:
        qs = qs.filter(code=code)
    return list(qs.order_by("row", "id"))


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
