"""Caps on what a roster file may make the readers build: one place, one name per cap.

A hostile or broken spreadsheet must not be able to take memory or CPU from the web process or the
worker: a 3 KB workbook whose ``<dimension>`` claims ``A1:AAAAA1``, a zip bomb, a 100 MB cell. Every
reader (xlsx.py, the .xls and CSV readers in formats.py) checks these caps while it reads, so a file
over a cap stops with :class:`LimitExceeded` before anything is written, and memory stays flat.

The defaults are far above any real roster (about 30 columns, cells of a few dozen characters) and
far below what would hurt a 2 GB machine. A deployment may override any of them with the setting
``IMPORT_LIMITS = {"max_columns": 2000, ...}``.

Nothing here depends on Django at import time (xlsx.py uses these classes standalone).
"""

from dataclasses import dataclass, fields, replace

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # One cell: Excel's own limit is 32,767 characters.
    max_cell_chars: int = 32_767
    # Columns of one row (a roster has about 30; Excel's own limit is 16,384).
    max_columns: int = 1_000
    # Row number of an .xlsx/.xls row (Excel's own limit).
    max_row_number: int = 1_048_576
    # Uncompressed size of the worksheet part (streamed, so this bounds time, not memory).
    max_sheet_bytes: int = 4096 * MB
    # Uncompressed size of the shared-strings part (streamed; the table it builds is capped below).
    max_shared_strings_part_bytes: int = 1024 * MB
    # Uncompressed size of any other part (workbook, relationships, styles).
    max_part_bytes: int = 64 * MB
    # Uncompressed / compressed size of a part larger than ratio_min_bytes (zip bombs).
    max_compression_ratio: int = 200
    ratio_min_bytes: int = 1 * MB
    # The central directory of the zip (about 100 bytes per member; a workbook has a dozen).
    max_zip_directory_bytes: int = 1 * MB
    # The shared-strings table held in memory while the sheet is read.
    max_shared_strings: int = 5_000_000
    max_shared_strings_bytes: int = 128 * MB
    # An old .xls is read whole by calamine: cap the file itself.
    max_xls_bytes: int = 64 * MB
    # One physical CSV line (a field may span lines when quoted; each line is capped).
    max_csv_line_chars: int = 1_000_000


class LimitExceeded(Exception):
    """A file went over one of the caps. ``limit`` is the field name of :class:`Limits`."""

    def __init__(self, limit: str, value: int, row: int | None = None):
        super().__init__(f"{limit} exceeded ({value})" + (f" at row {row}" if row else ""))
        self.limit = limit
        self.value = value
        self.row = row


def current() -> Limits:
    """The caps in force: the defaults, overridden by settings.IMPORT_LIMITS when Django is set up."""
    try:
        from django.conf import settings

        overrides = dict(getattr(settings, "IMPORT_LIMITS", {}) or {})
    except Exception:  # noqa: BLE001 - used outside Django (bench scripts): the defaults
        overrides = {}
    known = {f.name for f in fields(Limits)}
    return replace(Limits(), **{k: int(v) for k, v in overrides.items() if k in known})
