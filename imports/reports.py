"""The error report: rejected rows with their original values, row number and reasons.

The first sheet keeps the original columns first and in order, so a clerk can fix the cells and
import the sheet again (the added columns at the end are ignored with an ``unknown_column`` warning).
"""

from itertools import groupby

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import ImportBatch, ImportRowError


def issues_json(batch: ImportBatch, severity: str = ImportRowError.Severity.ERROR, limit: int | None = None):
    """The row errors as the command line and the API give them."""
    qs = (
        batch.issues.filter(severity=severity).order_by("row", "id").values("row", "code", "field", "message")
    )
    if limit is not None:
        qs = qs[:limit]
    return [dict(item) for item in qs]


def write_error_report(batch: ImportBatch, target) -> None:
    """target: a path or a binary file object."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("未导入的行"))
    bold = Font(bold=True)
    header = list(batch.header or [])
    extra = [_("原行号"), _("原因代码"), _("错误说明")]

    def cells(values, font=None):
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if font:
                cell.font = font
            out.append(cell)
        return out

    sheet.append(cells(header + extra, bold))
    errors = (
        ImportRowError.objects.filter(batch=batch, severity=ImportRowError.Severity.ERROR)
        .order_by("row", "id")
        .values_list("row", "code", "message", "values")
        .iterator(chunk_size=2000)
    )
    for row, group in groupby(errors, key=lambda item: item[0]):
        group = list(group)
        values = list(group[0][3] or [])
        values += [""] * (len(header) - len(values))
        # Text cells: an ID number must stay text, or Excel turns it into 4.42E+17 again.
        sheet.append(
            [str(v) for v in values[: max(len(header), len(values))]]
            + [row, "、".join(dict.fromkeys(g[1] for g in group)), "；".join(g[2] for g in group)]
        )
    warnings = workbook.create_sheet(_("提醒"))
    warnings.append(cells([_("行号"), _("代码"), _("字段"), _("说明")], bold))
    for row, code, field, message in (
        ImportRowError.objects.filter(batch=batch, severity=ImportRowError.Severity.WARNING)
        .order_by("row", "id")
        .values_list("row", "code", "field", "message")
        .iterator(chunk_size=2000)
    ):
        warnings.append([row, code, field, message])
    workbook.save(target)
