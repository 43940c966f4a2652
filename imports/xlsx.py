"""A streaming reader for the first worksheet of an .xlsx, on the standard library alone.

openpyxl's read-only mode streams in flat memory but is slow (ElementTree objects per cell, then
per-cell Python work); calamine is fast but holds the whole sheet. Here the sheet XML is inflated
in chunks straight from the zip into expat (C), and the Python callbacks do the least they can.

Cell values match openpyxl's ``load_workbook(read_only=True, data_only=True)`` ``values_only``
rows, so normalize.py sees the same types: str, int, float, bool, datetime (also date, time or
timedelta for such formats), None. Shared strings, the one table that must be held, are kept as
UTF-8 in one buffer with an array of offsets: a Python list of millions of short str costs several
times more.

Nothing here depends on Django: errors are XlsxError, and the caller words them for the user.
"""

import datetime as dt
import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from xml.parsers import expat

from .limits import LimitExceeded, Limits

CHUNK = 64 * 1024  # compressed bytes inflated per step

REL_OFFICE_DOCUMENT = "/officeDocument"
REL_WORKSHEET = "/worksheet"
REL_SHARED_STRINGS = "/sharedStrings"
REL_STYLES = "/styles"

WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
MAC_EPOCH = dt.datetime(1904, 1, 1)
SECONDS_PER_DAY = 86400

# Built-in number formats that are dates or times (ECMA-376 18.8.30); the locale-specific ids
# (27-36, 50-58) are read as plain numbers, as openpyxl does.
BUILTIN_DATE_FORMATS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
BUILTIN_TIMEDELTA_FORMATS = frozenset({46})  # [h]:mm:ss

# A custom format is a date when its first section has a date/time letter outside quoted literals
# and [..] brackets (colours, locales), not escaped by \ or _ (the rules openpyxl applies).
_LITERALS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_TOKEN = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)
_ISO = re.compile(
    r"(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?"
    r"(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<fraction>\.\d{1,3})?)?)?Z?"
)
_TRUE = frozenset({"1", "true", "t", "on"})


class XlsxError(Exception):
    """The file is not a readable .xlsx (not a zip, a part missing, malformed XML...)."""


def is_date_format(code: str) -> bool:
    section = _LITERALS.sub("", code.split(";")[0])
    return _DATE_TOKEN.search(section) is not None


def is_timedelta_format(code: str) -> bool:
    return _TIMEDELTA.search(code.split(";")[0]) is not None


def from_excel(value: int | float, epoch: dt.datetime, timedelta: bool = False):
    """An Excel serial as openpyxl gives it: a datetime (midnight for a whole number), a time for
    a fraction of a day, a timedelta for [h]:mm formats."""
    if timedelta:
        delta = dt.timedelta(days=value)
        if delta.microseconds:
            delta = dt.timedelta(
                seconds=delta.total_seconds() // 1, microseconds=round(delta.microseconds, -3)
            )
        return delta
    day, fraction = divmod(value, 1)
    diff = dt.timedelta(milliseconds=round(fraction * SECONDS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1  # Excel's phantom 1900-02-29
    return epoch + dt.timedelta(days=day) + diff


def _from_iso(text: str):
    match = _ISO.fullmatch(text.strip())
    if not match or not any(match.groups()):
        return text
    p = match.groupdict()
    fraction = int(float(p["fraction"]) * 1_000_000) if p["fraction"] else 0
    if not p["date"]:
        return dt.time(int(p["hour"]), int(p["minute"]), int(p["second"] or 0), fraction)
    date = dt.date(int(p["year"]), int(p["month"]), int(p["day"]))
    if not p["time"]:
        return date
    return dt.datetime.combine(
        date, dt.time(int(p["hour"]), int(p["minute"]), int(p["second"] or 0), fraction)
    )


EXCEL_MAX_COLUMNS = 16_384  # XFD


class _Columns(dict):
    """Column letters -> 0-based index, computed once per distinct letters (at most XFD, so the
    cache stays small whatever a hostile sheet names)."""

    def __missing__(self, letters: str) -> int:
        if len(letters) > 3:
            raise LimitExceeded("max_columns", EXCEL_MAX_COLUMNS)
        index = 0
        for char in letters.upper():
            if not "A" <= char <= "Z":
                raise XlsxError(f"invalid cell reference column {letters!r}")
            index = index * 26 + ord(char) - 64
        if index > EXCEL_MAX_COLUMNS:
            raise LimitExceeded("max_columns", index)
        self[letters] = index - 1
        return index - 1


class SharedStrings:
    """The shared string table as UTF-8 in one buffer plus offsets: a few bytes of overhead per
    string instead of ~60 for a list of str."""

    def __init__(self, limits: Limits | None = None):
        self._data = bytearray()
        self._ends = array("q", [0])
        self._frozen = self._data
        limits = limits or Limits()
        self._max_count = limits.max_shared_strings
        self._max_bytes = limits.max_shared_strings_bytes

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8", "surrogatepass")
        if len(self._data) > self._max_bytes:
            raise LimitExceeded("max_shared_strings_bytes", self._max_bytes)
        if len(self._ends) > self._max_count:
            raise LimitExceeded("max_shared_strings", self._max_count)
        self._ends.append(len(self._data))

    def freeze(self) -> None:
        self._frozen = self._data  # read in place: a bytes() copy would double the peak

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, index: int) -> str:
        ends = self._ends
        return self._frozen[ends[index] : ends[index + 1]].decode("utf-8", "surrogatepass")


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def check_zip_directory(path: str, limits: Limits) -> None:
    """Refuse a zip whose central directory alone would take much memory to load (zipfile builds
    one object per member before we can look at any): a workbook has a dozen members."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 65_557))  # the end record, after an archive comment of up to 64 KB
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return  # zipfile reports a broken archive in its own words
    directory_bytes = int.from_bytes(tail[at + 12 : at + 16], "little")
    if directory_bytes > limits.max_zip_directory_bytes:
        raise LimitExceeded("max_zip_directory_bytes", limits.max_zip_directory_bytes)


class Workbook:
    """An open .xlsx: finds the first worksheet, reads the styles and shared strings on open."""

    def __init__(self, path: str, limits: Limits | None = None):
        self.limits = limits or Limits()
        self._zip = None
        try:
            check_zip_directory(path, self.limits)
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
            raise XlsxError(str(error)) from error
        try:
            self._names = {name.lower(): name for name in self._zip.namelist()}
            self._open()
        except (XlsxError, LimitExceeded):
            self.close()
            raise
        except Exception as error:  # a corrupt archive fails in zipfile, zlib or expat
            self.close()
            raise XlsxError(str(error) or type(error).__name__) from error

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    # --- parts ---------------------------------------------------------------------------------

    def _find(self, name: str) -> str | None:
        return self._names.get(name.lstrip("/").lower())

    def check_member(self, found: str, max_bytes: int, limit: str) -> None:
        """Before inflating a part: its declared size (zipfile stops at it, so it cannot lie
        upwards) and its compression ratio (zip bombs)."""
        info = self._zip.getinfo(found)
        if info.file_size > max_bytes:
            raise LimitExceeded(limit, max_bytes)
        limits = self.limits
        if info.file_size > limits.ratio_min_bytes and info.file_size > limits.max_compression_ratio * max(
            info.compress_size, 1
        ):
            raise LimitExceeded("max_compression_ratio", limits.max_compression_ratio)

    def _parse_part(self, found: str, start, max_bytes: int, limit: str) -> None:
        """Run expat over a part in chunks (memory flat whatever its size)."""
        self.check_member(found, max_bytes, limit)
        parser = expat.ParserCreate()
        parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
        with self._zip.open(found) as stream:
            while chunk := stream.read1(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, absolute target) of a part's relationships."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        rels: dict[str, tuple[str, str]] = {}
        if self._find(rels_name) is None:
            return rels

        def start(name, attrs):
            if name == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
                rels[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

        self._parse_part(self._find(rels_name), start, self.limits.max_part_bytes, "max_part_bytes")
        return rels

    def _open(self) -> None:
        workbook_part = "xl/workbook.xml"
        for rel_type, target in self._rels("").values():
            if rel_type.endswith(REL_OFFICE_DOCUMENT):
                workbook_part = target
                break
        rels = self._rels(workbook_part)
        sheet_ids: list[str] = []
        self.date1904 = False

        def start(name, attrs):
            if name == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id" and k != "sheetId"), None)
                if rid is not None:
                    sheet_ids.append(rid)
            elif name == "workbookPr":
                self.date1904 = attrs.get("date1904", "").lower() in _TRUE

        found = self._find(workbook_part)
        if found is None:
            raise XlsxError(f"There is no item named '{workbook_part}' in the archive")
        self._parse_part(found, start, self.limits.max_part_bytes, "max_part_bytes")
        worksheets = [
            rels[rid][1] for rid in sheet_ids if rid in rels and rels[rid][0].endswith(REL_WORKSHEET)
        ]
        if not worksheets:
            raise XlsxError("the workbook has no worksheet")
        self.sheet_part = worksheets[0]
        if self._find(self.sheet_part) is None:
            raise XlsxError(f"There is no item named '{self.sheet_part}' in the archive")
        folder = posixpath.dirname(workbook_part)
        styles = self._target(rels, REL_STYLES, posixpath.join(folder, "styles.xml"))
        strings = self._target(rels, REL_SHARED_STRINGS, posixpath.join(folder, "sharedStrings.xml"))
        self.date_styles, self.timedelta_styles = self._read_styles(styles)
        self.shared_strings = self._read_shared_strings(strings)

    def _target(self, rels, rel_type: str, default: str) -> str | None:
        for kind, target in rels.values():
            if kind.endswith(rel_type):
                return target
        return default if self._find(default) else None

    def _read_styles(self, part: str | None) -> tuple[frozenset[str], frozenset[str]]:
        """The cellXfs indexes (as the s="" text of a cell) whose number format is a date."""
        if part is None or self._find(part) is None:
            return frozenset(), frozenset()
        custom: dict[int, str] = {}
        xf_formats: list[int] = []
        in_xfs = False

        def start(name, attrs):
            nonlocal in_xfs
            if name == "numFmt":
                try:
                    custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
                except ValueError:
                    pass
            elif name == "cellXfs":
                in_xfs = True
            elif name in ("cellStyleXfs", "dxfs", "cellStyles"):
                in_xfs = False
            elif name == "xf" and in_xfs:
                try:
                    xf_formats.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xf_formats.append(0)

        self._parse_part(self._find(part), start, self.limits.max_part_bytes, "max_part_bytes")
        dates, deltas = set(), set()
        for index, fmt in enumerate(xf_formats):
            if fmt in custom:
                code = custom[fmt]
                is_date, is_delta = is_date_format(code), is_timedelta_format(code)
            else:
                is_date, is_delta = fmt in BUILTIN_DATE_FORMATS, fmt in BUILTIN_TIMEDELTA_FORMATS
            if is_date:
                dates.add(str(index))
            if is_delta:
                deltas.add(str(index))
        return frozenset(dates), frozenset(deltas)

    def _read_shared_strings(self, part: str | None) -> SharedStrings:
        """<si> text: its <t>, or its rich-text runs' <r><t>; phonetic runs (<rPh>) are not text."""
        table = SharedStrings(self.limits)
        if part is None or self._find(part) is None:
            table.freeze()
            return table
        parts: list[str] = []
        size = 0  # characters in parts: one string is capped like one cell
        max_chars = self.limits.max_cell_chars
        collecting = False
        skip = 0  # depth inside <rPh>
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 256 * 1024
        si = t = rph = None

        def start(name, attrs):
            nonlocal collecting, skip, si, t, rph, size
            if si is None:  # the root element: learn the namespace prefix, if any
                prefix = name[: name.index(":") + 1] if ":" in name else ""
                si, t, rph = prefix + "si", prefix + "t", prefix + "rPh"
            elif name == t:
                collecting = not skip
            elif name == si:
                parts.clear()
                size = 0
            elif name == rph:
                skip += 1

        def end(name):
            nonlocal collecting, skip
            if name == t:
                collecting = False
            elif name == si:
                text = "".join(parts)
                table.append(text.replace("x005F_", "") if "x005F_" in text else text)
            elif name == rph:
                skip -= 1

        def chars(data):
            nonlocal size
            if collecting:
                size += len(data)
                if size > max_chars:
                    raise LimitExceeded("max_cell_chars", max_chars)
                parts.append(data)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        found = self._find(part)
        limit = "max_shared_strings_part_bytes"
        self.check_member(found, getattr(self.limits, limit), limit)
        with self._zip.open(found) as stream:
            while chunk := stream.read1(CHUNK * 4):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        table.freeze()
        return table

    # --- the sheet -----------------------------------------------------------------------------

    def sheet(self) -> "SheetStream":
        return SheetStream(self)


class SheetStream:
    """Rows of the first worksheet: ``(row number, cells)``, cells placed by their reference."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        found = workbook._find(workbook.sheet_part)
        workbook.check_member(found, workbook.limits.max_sheet_bytes, "max_sheet_bytes")
        info = workbook._zip.getinfo(found)
        self._compressed = info.compress_size or 0
        self._plain = info.file_size or 0
        self._stream = None
        self._read_plain = 0

    @property
    def progress(self) -> float:
        """Fraction of the sheet part's compressed bytes consumed (0..1)."""
        stream = self._stream
        if stream is None:
            return 0.0
        left = getattr(stream, "_compress_left", None)
        if left is not None and self._compressed:
            return min(1.0, max(0.0, (self._compressed - left) / self._compressed))
        return min(1.0, self._read_plain / self._plain) if self._plain else 0.0

    def rows(self) -> Iterator[tuple[int, list]]:
        try:
            yield from self._rows()
        except (XlsxError, LimitExceeded):
            raise
        except Exception as error:  # a corrupt sheet fails in zipfile, zlib, expat or a cell value
            raise XlsxError(str(error) or type(error).__name__) from error

    def _rows(self) -> Iterator[tuple[int, list]]:  # noqa: C901 - one closure set, kept together for speed
        workbook = self.workbook
        strings = workbook.shared_strings
        date_styles = workbook.date_styles
        timedelta_styles = workbook.timedelta_styles
        epoch = MAC_EPOCH if workbook.date1904 else WINDOWS_EPOCH
        columns = _Columns()
        digits = "0123456789"
        limits = workbook.limits
        max_cols = limits.max_columns
        max_chars = limits.max_cell_chars
        max_row = limits.max_row_number

        ready: list[tuple[int, list]] = []  # rows completed by the last chunk (<= CHUNK bytes of XML)
        # From <dimension>: rows are padded to it, as openpyxl pads them, but never past max_cols
        # (a 3 KB file may claim A1:AAAAA1).
        width = 0
        row: list = []
        row_no = 0
        col = -1
        ctype = style = None
        text = ""
        collecting = False
        in_is = False
        skip = 0  # depth inside <rPh> of an inline string
        # Tag names with the document's namespace prefix (usually none), set by the root element.
        C = V = ROW = IS = T = RPH = DIM = None

        def start(name, attrs):
            nonlocal row, row_no, col, ctype, style, text, collecting, in_is, skip, width
            nonlocal C, V, ROW, IS, T, RPH, DIM
            # Most frequent first: this runs for every element of the sheet.
            if name == C:
                ref = attrs.get("r")
                col = columns[ref.rstrip(digits)] if ref else col + 1
                ctype = attrs.get("t")
                style = attrs.get("s")
            elif name == V:
                text = ""
                collecting = True
            elif name == T:
                if in_is and not skip:
                    collecting = True
            elif name == IS:
                in_is = True
                text = ""
            elif name == ROW:
                r = attrs.get("r")
                row_no = int(r) if r else row_no + 1
                if row_no > max_row:
                    raise LimitExceeded("max_row_number", max_row, row_no)
                row = [None] * width if width else []
                col = -1
            elif name == RPH:
                skip += 1
            elif name == DIM:
                ref = attrs.get("ref", "")
                last = ref.rpartition(":")[2].rstrip(digits)
                try:
                    width = min(columns[last] + 1, max_cols) if last else 0
                except (LimitExceeded, XlsxError):
                    width = 0  # a claim, not a cell: ignore it
            elif C is None:  # the root element
                prefix = name[: name.index(":") + 1] if ":" in name else ""
                C, V, ROW, IS, T, RPH, DIM = (
                    prefix + tag for tag in ("c", "v", "row", "is", "t", "rPh", "dimension")
                )

        def end(name):
            nonlocal collecting, in_is, skip
            if name == V:
                collecting = False
                if not text or ctype == "inlineStr":
                    return
                if ctype is None or ctype == "n":
                    try:
                        value = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
                    except ValueError:
                        value = text
                    else:
                        if style in date_styles:
                            try:
                                value = from_excel(value, epoch, style in timedelta_styles)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"  # openpyxl: a date outside the limits is an error
                elif ctype == "s":
                    value = strings[int(text)]
                elif ctype == "b":
                    try:
                        value = bool(int(text))
                    except ValueError:
                        value = text.strip().lower() == "true"
                elif ctype == "d":
                    value = _from_iso(text)
                else:  # "str" (a formula's text), "e" (an error such as #N/A: openpyxl gives its text)
                    value = text
            elif name == T:
                collecting = False
                return
            elif name == IS:
                in_is = False
                value = text
            elif name == C:
                return
            elif name == ROW:
                if col >= len(row):  # trailing cells without a value still widen the row
                    row.extend([None] * (min(col + 1, max_cols) - len(row)))
                ready.append((row_no, row))
                return
            elif name == RPH:
                skip -= 1
                return
            else:
                return
            # Place the value by its column (inlined: this runs for every cell).
            if col >= max_cols:
                raise LimitExceeded("max_columns", max_cols, row_no)
            if col < len(row):
                row[col] = value
            else:
                if col > len(row):
                    row.extend([None] * (col - len(row)))
                row.append(value)

        def chars(data):
            nonlocal text
            if collecting:
                # expat hands over up to buffer_size characters at once, so the cap is met at the
                # first or second piece: the append stays linear.
                if len(text) + len(data) > max_chars:
                    raise LimitExceeded("max_cell_chars", max_chars, row_no)
                text += data

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 256 * 1024
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        raw = self.workbook._zip.open(self.workbook._find(self.workbook.sheet_part))
        self._stream = raw
        try:
            # ZipExtFile.read(n) inflates until it has n plain bytes; read1 inflates one chunk.
            while chunk := raw.read1(CHUNK):
                self._read_plain += len(chunk)
                parser.Parse(chunk, False)
                if ready:
                    yield from ready
                    ready.clear()
            parser.Parse(b"", True)
            yield from ready
            ready.clear()
        finally:
            raw.close()
