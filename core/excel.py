"""Every Excel file the app writes goes through here.

Two rules a spreadsheet from us must keep, whoever opens it:

- A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is text, never a
  formula (OWASP "CSV injection"): a rejected roster row named ``=HYPERLINK(...)`` must not become
  a live link in a clerk's Excel. The cell is written as a string with Excel's quote prefix, so it
  stays text even when someone edits it and presses Enter.
- Long digit strings (ID numbers, phone numbers, bank accounts) are text: Excel would turn
  ``442000198112124218`` into ``4.42E+17`` and lose the last digits.

The workbook is written in openpyxl's write-only mode, so memory stays flat however many rows.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)
MAX_WIDTH = 60


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    """A write-only cell whose value can never run as a formula."""
    if isinstance(value, str):
        # Characters that are not allowed in XML would make openpyxl raise mid-export.
        value = "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl guesses "f" for "=..."; a string is never evaluated
        if is_formula_like(value):
            cell.quotePrefix = True  # stays text when edited in Excel
    if bold:
        cell.font = BOLD
    return cell


def cell_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime | date):
        return 12
    text = str(value)
    # CJK characters take about two columns of Excel width.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


class SheetWriter:
    """One sheet: a bold, frozen header, safe cells, widths from the header and the first rows.

    Write-only sheets need their widths before the first row is written, so the first
    ``sample`` rows are buffered to measure them.
    """

    def __init__(self, workbook: Workbook, title: str, header: Sequence[str], *, sample: int = 200):
        self.sheet = workbook.create_sheet(title[:31])
        self.header = list(header)
        self.sample = sample
        self.buffer: list[list] = []
        self.flushed = False
        self.rows = 0

    def append(self, values: Iterable) -> None:
        values = list(values)
        self.rows += 1
        if self.flushed:
            self.sheet.append([safe_cell(self.sheet, v) for v in values])
            return
        self.buffer.append(values)
        if len(self.buffer) >= self.sample:
            self.flush()

    def flush(self) -> None:
        if self.flushed:
            return
        widths = [cell_width(h) for h in self.header]
        for values in self.buffer:
            for index, value in enumerate(values):
                if index >= len(widths):
                    widths.append(0)
                widths[index] = max(widths[index], cell_width(value))
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), MAX_WIDTH)
        self.sheet.freeze_panes = "A2"
        self.sheet.append([safe_cell(self.sheet, h, bold=True) for h in self.header])
        for values in self.buffer:
            self.sheet.append([safe_cell(self.sheet, v) for v in values])
        self.buffer = []
        self.flushed = True


class ExcelWriter:
    """``with ExcelWriter(target) as book: sheet = book.sheet(title, header); sheet.append(row)``.

    target: a path or a binary file object; the workbook is saved on a clean exit.
    """

    def __init__(self, target):
        self.target = target
        self.workbook = Workbook(write_only=True)
        self.sheets: list[SheetWriter] = []

    def sheet(self, title: str, header: Sequence[str]) -> SheetWriter:
        writer = SheetWriter(self.workbook, title, header)
        self.sheets.append(writer)
        return writer

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            for sheet in self.sheets:
                sheet.flush()
            self.workbook.save(self.target)
        return False
