"""Reading roster files: .xlsx, .xls and .csv, streamed row by row (roster-format.md, "Files").

A reader yields ``(row_number, cells)`` where row_number is the spreadsheet's own 1-based row
number and cells are raw values: ``str`` for CSV, and whatever the cell holds for Excel (str, int,
float, date, datetime, None). Nothing here interprets a value; normalize.py does.

The file type is decided by its first bytes, not its name: provincial systems often save CSV text
under a .xls name.
"""

import codecs
import csv
import io
import os
from collections.abc import Iterator

from django.utils.translation import gettext as _

from . import xlsx

SAMPLE_BYTES = 256 * 1024
ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".csv", ".txt")

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FormatError(Exception):
    """The file itself cannot be read. code: decode_error, no_header or unsupported_format."""

    def __init__(self, code: str, message: str, row: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from a binary file, so progress follows the file position."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # The sample may end in the middle of a multi-byte character: an incremental decoder
        # without final=True tolerates that.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError as error:
        raise FormatError(
            "decode_error",
            _(
                "无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK），请在 Excel 中另存为 CSV UTF-8 或 Excel 工作簿。"
            ),
        ) from error


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_count = ",", 0
    for delimiter in (",", "\t", ";"):
        count = sum(line.count(delimiter) for line in lines)
        if count > best_count:
            best, best_count = delimiter, count
    return best


class RosterReader:
    """Open a roster file and iterate its rows lazily. Use as a context manager."""

    kind = ""
    encoding = ""

    def __init__(self, path: str):
        self.path = path
        self.size = os.path.getsize(path)
        self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def rows(self) -> Iterator[tuple[int, list]]:
        raise NotImplementedError

    @property
    def progress(self) -> float:
        """Fraction of the file read so far (0..1)."""
        return 0.0


class CsvReader(RosterReader):
    kind = "csv"

    def __init__(self, path: str):
        super().__init__(path)
        with open(path, "rb") as f:
            sample = f.read(SAMPLE_BYTES)
        self.encoding = detect_encoding(sample)
        self._sample_text = sample.decode(self.encoding, errors="ignore")
        self.delimiter = _sniff_delimiter(self._sample_text)
        self._counter = None

    def rows(self):
        raw = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        self._file = raw
        self._counter = _CountingReader(raw)
        buffered = io.BufferedReader(self._counter, buffer_size=1024 * 1024)
        text = io.TextIOWrapper(buffered, encoding=self.encoding, newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):  # noqa: B007 - used after the loop
                yield number, cells
        except UnicodeDecodeError as error:
            raise FormatError(
                "decode_error",
                _("第 %(row)s 行附近有无法按 %(encoding)s 解码的字节，文件可能已损坏或混用了编码。")
                % {"row": number + 1, "encoding": self.encoding.upper()},
                row=number + 1,
            ) from error
        except csv.Error as error:
            raise FormatError(
                "decode_error",
                _("第 %(row)s 行的 CSV 格式有误：%(error)s") % {"row": number + 1, "error": error},
                row=number + 1,
            ) from error

    @property
    def progress(self) -> float:
        if not self._counter or not self.size:
            return 0.0
        return min(1.0, self._counter.count / self.size)


class CalamineReader(RosterReader):
    """xls via python-calamine: fast; the sheet is held in memory (old .xls files are small)."""

    def __init__(self, path: str, kind: str):
        super().__init__(path)
        self.kind = kind
        self._done = 0
        self._height = 0

    def rows(self):
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(self.path)
            sheet = workbook.get_sheet_by_index(0)
        except Exception as error:  # noqa: BLE001 - calamine raises several error types
            raise FormatError(
                "decode_error", _("无法读取 Excel 文件：%(error)s") % {"error": str(error)[:200]}
            ) from error
        self._height = (sheet.end[0] + 1) if sheet.end else 0
        for index, cells in enumerate(sheet.iter_rows()):
            self._done = index + 1
            yield index + 1, cells

    @property
    def progress(self) -> float:
        return min(1.0, self._done / self._height) if self._height else 0.0


class XlsxReader(RosterReader):
    """xlsx streamed by imports/xlsx.py: memory stays flat whatever the file size (only the shared
    strings are held, compactly)."""

    kind = "xlsx"

    def __init__(self, path: str):
        super().__init__(path)
        self._workbook = None
        self._sheet = None

    def rows(self):
        try:
            self._workbook = xlsx.Workbook(self.path)
            self._sheet = self._workbook.sheet()
            yield from self._sheet.rows()
        except xlsx.XlsxError as error:
            raise FormatError(
                "decode_error", _("无法读取 Excel 文件：%(error)s") % {"error": str(error)[:200]}
            ) from error

    def close(self):
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    @property
    def progress(self) -> float:
        return self._sheet.progress if self._sheet is not None else 0.0


def open_roster(path: str, name: str = "") -> RosterReader:
    """Pick a reader by the file's first bytes (its name only breaks ties and words messages)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as error:
        raise FormatError("decode_error", _("无法打开文件：%(error)s") % {"error": error}) from error
    lower = (name or path).lower()
    if not lower.endswith(ALLOWED_EXTENSIONS):
        raise FormatError("unsupported_format", _("不支持的文件格式：请上传 .xlsx、.xls 或 .csv 文件。"))
    if not head:
        raise FormatError("no_header", _("文件是空的。"))
    if head.startswith(XLSX_MAGIC):
        return XlsxReader(path)
    if head.startswith(XLS_MAGIC):
        return CalamineReader(path, "xls")
    sample = head.lstrip(codecs.BOM_UTF8).lstrip()
    if sample[:1] == b"<":
        raise FormatError(
            "unsupported_format",
            _("该文件是网页（HTML）格式，不是表格文件。请在 Excel 中打开后另存为 .xlsx 再导入。"),
        )
    if lower.endswith((".xlsx", ".xls")) and b"\x00" in head and not head.startswith(b"\xff\xfe"):
        raise FormatError("unsupported_format", _("文件内容不是有效的 Excel 或 CSV 文件。"))
    return CsvReader(path)
