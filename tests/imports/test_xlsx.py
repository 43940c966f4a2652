"""The streaming .xlsx reader (imports/xlsx.py): every cell kind, read as openpyxl reads it."""

import datetime as dt
import random
import re
import zipfile

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from imports import xlsx
from imports.formats import FormatError, XlsxReader, open_roster
from imports.xlsx import Workbook, XlsxError, is_date_format

from .conftest import errors, person, run, write_xlsx

DATE_FORMATS = [
    "yyyy-mm-dd",
    'yyyy"年"m"月"d"日"',
    "mm-dd-yy",
    "m/d/yy h:mm",
    "[$-804]yyyy/m/d",
    "h:mm",
    "[h]:mm:ss",
]


def openpyxl_rows(path) -> dict[int, list]:
    """openpyxl read-only rows by row number, as the old reader saw them (blank rows left out)."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
        return {number: list(cells) for number, cells in rows if any(v is not None for v in cells)}
    finally:
        workbook.close()


def our_rows(path) -> dict[int, list]:
    workbook = Workbook(str(path))
    try:
        return {
            number: cells for number, cells in workbook.sheet().rows() if any(v is not None for v in cells)
        }
    finally:
        workbook.close()


def to_shared_strings(path):
    """openpyxl writes inline strings; Excel writes a shared string table. Rewrite the first into
    the second (rich text runs included) so that both readers read shared strings."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name).decode() for name in archive.namelist()}
    table: list[str] = []

    def shared(match):
        table.append(match[3])
        return f'<c {match[1]}t="s"{match[2]}><v>{len(table) - 1}</v></c>'

    name = "xl/worksheets/sheet1.xml"
    parts[name] = re.sub(r'<c ([^>]*)t="inlineStr"([^>]*)><is>(.*?)</is></c>', shared, parts[name])
    items = "".join(f"<si>{item}</si>" for item in table)
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}" uniqueCount="{len(table)}">{items}</sst>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        "</Relationships>",
        f'<Relationship Id="rId99" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    assert table
    return xlsx_from_parts(path, parts)


def every_kind_workbook(path, rows: int, epoch=None):
    """A sheet with every kind of cell a roster holds, in varied formats, with gaps."""
    rng = random.Random(5)
    workbook = openpyxl.Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    sheet = workbook.active
    sheet["A1"] = "中山市低收入人口名单（截至2024年3月）"
    sheet.append([])
    sheet.append(["序号", "姓名", "身份证号", "金额", "认定日期", "是否", "备注", "错误", "富文本"])
    for i in range(rows):
        r = sheet.max_row + 1
        if i % 97 == 0:
            r += 1  # an empty row, left out of the file
        sheet.cell(r, 1, i + 1)
        sheet.cell(r, 2, rng.choice(["陈大文", "黄丽珍", " 周小芳 ", "Lee Ka-ming", "&<>\"'", "𠮷田"]))
        if i % 3 == 0:
            sheet.cell(r, 3, 442000195803091234 + i)  # an 18-digit ID stored as a number
        elif i % 3 == 1:
            sheet.cell(r, 3, f"44200019580309{i % 10000:04d}")
        if i % 5:
            sheet.cell(r, 4, rng.choice([0, -3, 1500, 1234.5, 1e-7, 3.14e20, 2**53 + 1]))
        date_cell = sheet.cell(r, 5, dt.datetime(2024, 3, 1) + dt.timedelta(days=i % 400, hours=i % 3 * 7))
        date_cell.number_format = DATE_FORMATS[i % len(DATE_FORMATS)]
        if i % 7 == 0:
            sheet.cell(r, 5, 45352 + i % 30).number_format = "yyyy-mm-dd"  # a whole serial
        if i % 11 == 0:
            sheet.cell(r, 5, dt.time(8, 30) if i % 2 else 0.75).number_format = "h:mm:ss"
        sheet.cell(r, 6, bool(i % 2) if i % 4 else None)
        if i % 13 == 0:
            sheet.cell(r, 7, "多行\n备注 ")
        if i % 17 == 0:
            sheet.cell(r, 8, "#N/A")  # stored as an error cell
        if i % 19 == 0:
            sheet.cell(r, 9, CellRichText(["粗体", TextBlock(InlineFont(b=True), "部分"), "结尾"]))
    sheet.cell(sheet.max_row + 3, 12, "trailing")
    workbook.save(path)
    return path


def xlsx_from_parts(path, parts: dict[str, str]):
    """A workbook written by hand: part name -> XML text."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return path


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def hand_parts(sheet_xml: str, shared: str | None = None, date1904=False, prefix="") -> dict[str, str]:
    """The first sheet the workbook lists (名单, rId7) is xl/worksheets/data.xml, not sheet1.xml."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    pr = ' date1904="1"' if date1904 else ""
    parts = {
        "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{OFFICE}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<{p}workbook {xmlns} xmlns:r="{OFFICE}">'
        f"<{p}workbookPr{pr}/>"
        f'<{p}sheets><{p}sheet name="名单" sheetId="2" r:id="rId7"/><{p}sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
        f"</{p}sheets></{p}workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId7" Type="{OFFICE}/worksheet" Target="/xl/worksheets/data.xml"/>'
        f'<Relationship Id="rId8" Type="{OFFICE}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId9" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts count="1">'
        '<numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
        '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="49"/></cellXfs>'
        "</styleSheet>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>wrong sheet</t></is></c></row></sheetData></worksheet>",
        "xl/worksheets/data.xml": sheet_xml,
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    return parts


def test_inline_and_rich_shared_strings_phonetics_gaps_and_the_sheet_the_workbook_names(tmp_path):
    shared = (
        f'<sst xmlns="{MAIN}" count="3" uniqueCount="3">'
        "<si><t>姓名</t></si>"
        '<si><r><rPr><b/></rPr><t xml:space="preserve">黄 </t></r><r><t>丽珍</t></r>'
        '<rPh sb="0" eb="1"><t>huang</t></rPh><phoneticPr fontId="1"/></si>'
        "<si><t>a&amp;b_x000D_</t><rPh><t>ignored</t></rPh></si>"
        "</sst>"
    )
    sheet = (
        f'<worksheet xmlns="{MAIN}"><dimension ref="A1:E9"/><sheetData>'
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>公民身份号码</t></is></c></row>'
        '<row r="5"><c r="B5" t="s"><v>1</v></c><c r="A5" t="inlineStr"><is><r><t>周</t></r><r><t>小芳</t></r>'
        '<rPh><t>zhou</t></rPh></is></c><c r="D5" s="2"><v>45352</v></c><c r="E5" s="1"><v>45352.5</v></c></row>'
        '<row r="4"><c t="s"><v>2</v></c><c><v>1.5E3</v></c><c t="b"><v>0</v></c><c t="str"><f>A1</f><v>公式</v></c>'
        '<c t="e"><v>#DIV/0!</v></c></row>'
        '<row><c r="B6" s="3"><v>12</v></c><c r="C6" s="1"/></row>'
        "</sheetData></worksheet>"
    )
    path = xlsx_from_parts(tmp_path / "hand.xlsx", hand_parts(sheet, shared))
    workbook = Workbook(str(path))
    rows = list(workbook.sheet().rows())
    workbook.close()
    assert rows == [
        (2, ["姓名", None, "公民身份号码", None, None]),
        (5, ["周小芳", "黄 丽珍", None, dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 1, 12)]),
        (4, ["a&b_x000D_", 1500.0, False, "公式", "#DIV/0!"]),  # row order as in the file
        (5, [None, 12, None, None, None]),  # no r attribute: the row after the previous one (4)
    ]


def test_namespace_prefix_date1904_and_no_dimension(tmp_path):
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" s="1"><x:v>1</x:v></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>文本</x:t></x:is></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )
    path = xlsx_from_parts(tmp_path / "mac.xlsx", hand_parts(sheet, date1904=True, prefix="x"))
    workbook = Workbook(str(path))
    assert list(workbook.sheet().rows()) == [(1, [dt.datetime(1904, 1, 2), None, "文本"])]
    workbook.close()


def test_date1904_written_by_openpyxl_reads_the_same(tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    path = every_kind_workbook(tmp_path / "mac.xlsx", 300, epoch=CALENDAR_MAC_1904)
    assert our_rows(path) == openpyxl_rows(path)


@pytest.fixture(scope="module")
def every_kind_big(tmp_path_factory):
    # Big enough to cross many inflate chunks (CHUNK) and expat buffers; openpyxl writes it slowly.
    path = every_kind_workbook(tmp_path_factory.mktemp("xlsx") / "all.xlsx", 2500)
    return path.read_bytes()


@pytest.mark.parametrize("strings", ["inline", "shared"])
def test_every_cell_kind_equals_openpyxl_read_only_cell_for_cell(
    tmp_path, every_kind_big, strings, monkeypatch
):
    """The key test: 2,500 rows of strings (inline or shared), rich text, ints, floats, big numbers,
    dates in several formats, times, durations, booleans, errors, gaps and empty rows, as openpyxl
    reads them."""
    monkeypatch.setattr(xlsx, "CHUNK", 4096)  # many inflate steps: cells split across chunks
    path = tmp_path / "all.xlsx"
    path.write_bytes(every_kind_big)
    if strings == "shared":
        to_shared_strings(path)
    ours, theirs = our_rows(path), openpyxl_rows(path)
    assert len(ours) > 2500 and ours.keys() == theirs.keys()
    for number, cells in theirs.items():
        assert ours[number] == cells, number
        assert [type(v) for v in ours[number]] == [type(v) for v in cells], number


def test_types_of_numbers_dates_and_big_ids(tmp_path):
    path = every_kind_workbook(tmp_path / "t.xlsx", 30)
    rows = our_rows(path)
    first = rows[5]  # title, blank, header, then the first person after an empty row
    assert first[0] == 1 and type(first[0]) is int
    # An 18-digit ID stored as a number: openpyxl writes it as a float, digits already lost (the
    # normaliser rejects it); the reader returns what is stored.
    assert first[2] == 4.420001958030913e17 and type(first[2]) is float
    assert first[4] == dt.time(18, 0)  # 0.75 in a time format: a time of day
    dates = {row[4] for row in rows.values()}
    assert dt.datetime(2024, 3, 8) in dates  # the whole serial 45359 in a date format: midnight
    assert first[5] is None and rows[6][5] is True
    assert first[8] == "粗体部分结尾"  # rich text runs joined
    assert {type(row[3]) for row in rows.values() if row[3] is not None} >= {int, float}


@pytest.mark.parametrize(
    "code, is_date",
    [
        ('yyyy"年"m"月"d"日"', True),
        ("yyyy-mm-dd", True),
        ("[$-804]aaaa", False),
        ('0.00"d"', False),
        ("[Red]0.00", False),
        ("[h]:mm:ss", True),
        ("#,##0_);(#,##0)", False),
        ("@", False),
    ],
)
def test_date_format_codes(code, is_date):
    assert is_date_format(code) is is_date


@pytest.mark.django_db
def test_roster_xlsx_goes_through_the_streaming_reader_with_title_row_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [person(认定日期=""), person(公民身份号码="")],
        title="中山市低收入人口名单",
        cell_values={(0, "认定日期"): dt.datetime(2024, 3, 1)},
    )
    reader = open_roster(str(path))
    assert isinstance(reader, XlsxReader) and reader.progress == 0.0
    with reader:
        rows = list(reader.rows())
    assert reader.progress == 1.0
    assert [number for number, _ in rows] == [1, 3, 4, 5]  # the blank row 2 is not in the file
    assert rows[2][1][11] == dt.datetime(2024, 3, 1)
    batch, summary = run(path)
    assert (summary.created, summary.rejected) == (1, 1)
    assert [(e.row, e.code) for e in errors(batch)] == [(5, "missing_required")]


def _corrupt_files(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [person()])
    data = good.read_bytes()
    yield "not a zip", b"PK\x03\x04" + b"\x00garbage" * 50
    yield "truncated", data[: len(data) // 2]
    with zipfile.ZipFile(good) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, change in [
        ("no sheet", lambda p: p.pop("xl/worksheets/sheet1.xml")),
        ("no workbook", lambda p: p.pop("xl/workbook.xml")),
        ("bad sheet xml", lambda p: p.update({"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"})),
        (
            "bad shared index",
            lambda p: p.update(
                {
                    "xl/worksheets/sheet1.xml": b'<worksheet><sheetData><row r="1"><c r="A1" t="s">'
                    b"<v>7</v></c></row></sheetData></worksheet>"
                }
            ),
        ),
    ]:
        copy = dict(parts)
        change(copy)
        path = tmp_path / "tmp.xlsx"
        xlsx_from_parts(path, copy)
        yield name, path.read_bytes()


@pytest.mark.django_db
def test_corrupt_files_are_a_decode_error_not_a_crash(tmp_path):
    for name, data in _corrupt_files(tmp_path):
        path = tmp_path / "bad.xlsx"
        path.write_bytes(data)
        with pytest.raises(FormatError) as info, open_roster(str(path)) as reader:
            list(reader.rows())
        assert info.value.code == "decode_error", name
        assert info.value.message.startswith("无法读取 Excel 文件："), name
        batch, summary = run(path)
        assert summary is None and batch.error_code == "decode_error", name


def test_workbook_errors_are_xlsx_errors(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04nothing")
    with pytest.raises(XlsxError):
        Workbook(str(path))
