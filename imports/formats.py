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
from django.utils.translation import gettext_lazy

from . import limits as caps
from . import xlsx
from .limits import LimitExceeded

SAMPLE_BYTES = 256 * 1024
ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".csv", ".txt")

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
# Control bytes that never appear in a text file (tab, newlines, form feed and escape excepted).
_BINARY_BYTES = bytes(set(range(32)) - {9, 10, 12, 13, 27})

# What each cap means, for the message that names it (limits.py holds the numbers).
LIMIT_TEXTS = {
    "max_cell_chars": gettext_lazy("一个单元格的内容超过 %(n)s 个字符"),
    "max_columns": gettext_lazy("一行超过 %(n)s 列"),
    "max_row_number": gettext_lazy("行号超过 %(n)s"),
    "max_sheet_bytes": gettext_lazy("工作表解压后超过 %(mb)s MB"),
    "max_shared_strings_part_bytes": gettext_lazy("文字表（sharedStrings）解压后超过 %(mb)s MB"),
    "max_part_bytes": gettext_lazy("文件中的一个组成部分解压后超过 %(mb)s MB"),
    "max_compression_ratio": gettext_lazy("压缩比超过 %(n)s 倍（可能是恶意构造的“压缩炸弹”）"),
    "max_zip_directory_bytes": gettext_lazy("压缩包的文件目录超过 %(mb)s MB"),
    "max_shared_strings": gettext_lazy("不同的文字超过 %(n)s 条"),
    "max_shared_strings_bytes": gettext_lazy("文字总量超过 %(mb)s MB"),
    "max_xls_bytes": gettext_lazy("旧版 .xls 文件超过 %(mb)s MB"),
    "max_csv_line_chars": gettext_lazy("一行超过 %(n)s 个字符"),
}


class FormatError(Exception):
    """The file itself cannot be read. code: decode_error, no_header or unsupported_format."""

    def __init__(self, code: str, message: str, row: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row


def limit_error(error: LimitExceeded) -> FormatError:
    """A cap was hit: say which one, in the user's words, with its value; nothing was imported."""
    value = error.value
    what = str(LIMIT_TEXTS.get(error.limit, error.limit)) % {"n": value, "mb": max(1, value // caps.MB)}
    if error.row:
        what += _("（第 %(row)s 行）") % {"row": error.row}
    return FormatError(
        "limit_exceeded",
        _("文件超出安全上限，未导入任何数据：%(what)s。请检查上传的是否为正确的名单文件。") % {"what": what},
        row=error.row,
    )


def _lines(text, limit: int):
    """Physical lines of a text stream, each read with a cap (a file of one 300 MB line would
    otherwise become one 300 MB string before csv sees it)."""
    readline = text.readline
    while line := readline(limit):
        if len(line) >= limit and line[-1] not in "\r\n":
            raise LimitExceeded("max_csv_line_chars", limit)
        yield line


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
    if sample.startswith(UTF32_BOMS):
        raise FormatError(
            "decode_error",
            _(
                "该文件是 UTF-32 编码，系统只读取 UTF-8 和 GB18030/GBK 编码的 CSV。"
                "请在 Excel 中打开后另存为“CSV UTF-8”或 .xlsx 再导入。"
            ),
        )
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
        limits = caps.current()
        max_cols, max_chars = limits.max_columns, limits.max_cell_chars
        raw = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        self._file = raw
        self._counter = _CountingReader(raw)
        buffered = io.BufferedReader(self._counter, buffer_size=1024 * 1024)
        text = io.TextIOWrapper(buffered, encoding=self.encoding, newline="")
        reader = csv.reader(_lines(text, limits.max_csv_line_chars), delimiter=self.delimiter)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):  # noqa: B007 - used after the loop
                if len(cells) > max_cols:
                    raise LimitExceeded("max_columns", max_cols, number)
                if cells and max(map(len, cells)) > max_chars:
                    raise LimitExceeded("max_cell_chars", max_chars, number)
                yield number, cells
        except LimitExceeded as error:
            if error.row is None and error.limit == "max_csv_line_chars":
                error.row = number + 1
            raise limit_error(error) from error
        except UnicodeDecodeError as error:
            raise FormatError(
                "decode_error",
                _("第 %(row)s 行附近有无法按 %(encoding)s 解码的字节，文件可能已损坏或混用了编码。")
                % {"row": number + 1, "encoding": self.encoding.upper()},
                row=number + 1,
            ) from error
        except csv.Error as error:
            if "field limit" in str(error):  # csv's own cap (131,072) on a quoted multi-line field
                raise limit_error(LimitExceeded("max_cell_chars", max_chars, number + 1)) from error
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
        try:
            yield from self._rows(caps.current())
        except LimitExceeded as error:
            raise limit_error(error) from error

    def _rows(self, limits):
        from python_calamine import CalamineWorkbook

        if self.size > limits.max_xls_bytes:  # calamine holds the whole sheet: cap it before
            raise LimitExceeded("max_xls_bytes", limits.max_xls_bytes)
        try:
            workbook = CalamineWorkbook.from_path(self.path)
            sheet = workbook.get_sheet_by_index(0)
        except Exception as error:  # noqa: BLE001 - calamine raises several error types
            raise FormatError(
                "decode_error", _("无法读取 Excel 文件：%(error)s") % {"error": str(error)[:200]}
            ) from error
        if sheet.width > limits.max_columns:
            raise LimitExceeded("max_columns", limits.max_columns)
        if sheet.height > limits.max_row_number:
            raise LimitExceeded("max_row_number", limits.max_row_number)
        max_chars = limits.max_cell_chars
        self._height = (sheet.end[0] + 1) if sheet.end else 0
        for index, cells in enumerate(sheet.iter_rows()):
            self._done = index + 1
            if any(v.__class__ is str and len(v) > max_chars for v in cells):
                raise LimitExceeded("max_cell_chars", max_chars, index + 1)
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
            self._workbook = xlsx.Workbook(self.path, caps.current())
            self._sheet = self._workbook.sheet()
            yield from self._sheet.rows()
        except LimitExceeded as error:
            raise limit_error(error) from error
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
            head = f.read(4096)
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
    if looks_binary(head):
        raise FormatError("unsupported_format", not_a_table_message())
    return CsvReader(path)


def not_a_table_message() -> str:
    return _(
        "不是可读取的表格文件：文件内容既不是 Excel 工作簿也不是 CSV 文本（可能是图片、PDF 或改了扩展名的其他文件）。"
        "请在 Excel 中打开原名单，另存为 .xlsx 后重新上传。"
    )


def looks_binary(head: bytes) -> bool:
    """An image, PDF or other binary file renamed .xlsx/.xls/.csv: control bytes that text never
    has. UTF-16 text (with its BOM) is half NUL bytes; one stray NUL in a CSV is a row's problem."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not head.startswith(UTF32_BOMS):
        return False
    if head.startswith(UTF32_BOMS):
        return False  # named by detect_encoding
    count = len(head) - len(head.translate(None, _BINARY_BYTES))
    return count > max(8, len(head) // 100)
