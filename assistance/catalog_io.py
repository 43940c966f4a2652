"""Bulk import and export of the two lists and the providers (admins, in the app's own pages).

upload -> a dry run of django-import-export (nothing written) -> a preview with every row's
outcome and its errors in plain Chinese -> confirm -> the same rows imported in one transaction.

A file is read by the roster import's streaming .xlsx reader, so the hostile-file caps of
imports/limits.py apply (zip bombs, huge dimensions, giant cells); on top of them the upload
size and the row count are capped far above any real catalog (about 50 items, 20 providers).
"""

import datetime as dt
import hashlib
import io
import os
import tempfile

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import ExcelWriter
from imports.formats import XLSX_MAGIC, FormatError, XlsxReader

from . import choices as c
from .models import CatalogImport, CatalogItem, Provider
from .resources import RESOURCES

MB = 1024 * 1024
PREVIEW_ROWS = 1000
K = c.CatalogImportKind
ST = c.CatalogImportStatus
OUTCOME_LABELS = {
    "new": _("新增"),
    "update": _("更新"),
    "skip": _("无变化"),
    "invalid": _("有错误"),
    "error": _("有错误"),
}


def max_upload_bytes() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 5 * MB))


def max_rows() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_ROWS", 5000))


def _cell(value) -> str:
    """Cells as the text a person typed: whole numbers without ".0", dates as 2026-01-31."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_sheet(path: str) -> tuple[int, list[str], list[list[str]]]:
    """(header row number, headers, data rows) of the first sheet; blank rows are left out."""
    with open(path, "rb") as f:
        if f.read(4) != XLSX_MAGIC:
            raise ValidationError(_("请上传 Excel 工作簿（.xlsx）：可先点击“导出”得到模板。"))
    reader = XlsxReader(path)
    header_row, headers, rows = None, [], []
    try:
        for number, cells in reader.rows():
            texts = [_cell(v) for v in cells]
            if not any(texts):
                continue
            if header_row is None:
                header_row, headers = number, texts
                continue
            if len(rows) >= max_rows():
                raise ValidationError(
                    _("文件超过 %(n)s 行，未导入任何数据。清单通常只有几十行，请检查文件。")
                    % {"n": max_rows()}
                )
            rows.append(texts + [""] * (len(headers) - len(texts)))
    except FormatError as error:
        raise ValidationError(error.message) from error
    finally:
        reader.close()
    if header_row is None:
        raise ValidationError(_("文件中没有内容。"))
    if not rows:
        raise ValidationError(_("文件只有表头，没有数据行。"))
    return header_row, headers, rows


def _dataset(headers, rows) -> tablib.Dataset:
    width = len(headers)
    return tablib.Dataset(*[tuple(r[:width]) for r in rows], headers=headers)


def _check_headers(resource, headers) -> None:
    known = resource.labels()
    names = {f.attribute: f.column_name for f in resource.get_import_fields()}
    seen = [names.get(h, h) for h in headers]
    id_columns = [names[name] for name in resource._meta.import_id_fields]
    missing = [column for column in id_columns if column not in seen]
    if missing:
        raise ValidationError(
            _("缺少必需的列：%(cols)s。请用“导出”得到的表格作模板。") % {"cols": "、".join(missing)}
        )
    duplicated = sorted({h for h in seen if h and seen.count(h) > 1})
    if duplicated:
        raise ValidationError(_("列名重复：%(cols)s。") % {"cols": "、".join(duplicated)})
    unknown = [h for h in seen if h and h not in known]
    if unknown:
        raise ValidationError(
            _("无法识别的列：%(cols)s（可用的列：%(allowed)s）。")
            % {"cols": "、".join(unknown[:10]), "allowed": "、".join(known)}
        )


def _errors(resource, row_result) -> list[dict]:
    """Every problem of a row as {column, message}, in the words of the sheet."""
    columns = {f.attribute: f.column_name for f in resource.get_import_fields()}
    out = []
    error = row_result.validation_error
    if error is not None:
        items = (
            error.message_dict.items()
            if hasattr(error, "error_dict")
            else [(NON_FIELD_ERRORS, error.messages)]
        )
        for field, messages in items:
            column = columns.get(field, "") if field != NON_FIELD_ERRORS else ""
            out += [{"column": column, "message": str(m)} for m in messages]
    for problem in row_result.errors:
        out.append(
            {"column": "", "message": _("该行无法导入：%(error)s") % {"error": str(problem.error)[:200]}}
        )
    return out


def _changes(resource, row_result) -> list[dict]:
    if row_result.original is None or row_result.instance is None:
        return []
    changes = []
    for field in resource.get_import_fields():
        before, after = field.export(row_result.original), field.export(row_result.instance)
        if before != after:
            changes.append(
                {"column": field.column_name, "before": str(before)[:200], "after": str(after)[:200]}
            )
    return changes


def _run(batch: CatalogImport, *, dry_run: bool, user):
    resource = RESOURCES[batch.kind]()
    result = resource.import_data(
        _dataset(batch.headers, batch.rows),
        dry_run=dry_run,
        use_transactions=True,
        retain_instance_in_row_result=True,
        history_user=user,
        change_reason=_("清单导入：%(name)s") % {"name": batch.file_name[:80]},
    )
    header_row = batch.summary.get("header_row", 1)
    preview, counts = [], {"new": 0, "update": 0, "skip": 0, "invalid": 0}
    for index, row_result in enumerate(result.rows):
        outcome = row_result.import_type
        errors = _errors(resource, row_result)
        if errors:
            outcome = "invalid"
        counts[outcome if outcome in counts else "invalid"] += 1
        if len(preview) < PREVIEW_ROWS and (outcome != "skip" or errors):
            values = batch.rows[index] if index < len(batch.rows) else []
            preview.append(
                {
                    "row": header_row + index + 1,
                    "outcome": outcome,
                    "key": values[0] if values else "",
                    "name": values[1] if len(values) > 1 else "",
                    "errors": errors,
                    "changes": _changes(resource, row_result) if outcome == "update" else [],
                }
            )
    # A file-level failure (a missing id column found by the library) has no row.
    for problem in result.base_errors:
        counts["invalid"] += 1
        preview.insert(
            0,
            {
                "row": None,
                "outcome": "invalid",
                "key": "",
                "name": "",
                "changes": [],
                "errors": [{"column": "", "message": str(problem.error)[:300]}],
            },
        )
    return counts, preview


def _summary(batch, counts) -> dict:
    return {**counts, "rows": len(batch.rows), "header_row": batch.summary.get("header_row", 1)}


def import_check(*, user, uploaded_file, kind: str) -> CatalogImport:
    """Read the upload, dry-run it, keep the preview. Nothing in the lists changes."""
    if not user.is_city_admin:
        raise ValidationError(_("只有系统管理员可以导入清单。"))
    if kind not in RESOURCES:
        raise ValidationError({"kind": _("请选择导入内容。")})
    if uploaded_file.size > max_upload_bytes():
        raise ValidationError(_("文件太大（上限 %(mb)s MB）。") % {"mb": max_upload_bytes() // MB})
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        for chunk in uploaded_file.chunks():
            digest.update(chunk)
            size += len(chunk)
            tmp.write(chunk)
        path = tmp.name
    batch = CatalogImport(
        kind=kind,
        file_name=os.path.basename(uploaded_file.name or "catalog.xlsx")[:200],
        size=size,
        sha256=digest.hexdigest(),
        created_by=user,
    )
    batch._history_user = user
    try:
        header_row, headers, rows = read_sheet(path)
        _check_headers(RESOURCES[kind](), headers)
    except ValidationError as error:
        batch.status, batch.message = ST.FAILED, " ".join(error.messages)
        batch.save()
        return batch
    finally:
        os.unlink(path)
    batch.headers, batch.rows, batch.summary = headers, rows, {"header_row": header_row}
    counts, batch.preview = _run(batch, dry_run=True, user=user)
    batch.summary = _summary(batch, counts)
    batch.status = ST.REJECTED if counts["invalid"] else ST.CHECKED
    if counts["invalid"]:
        batch.message = _("有 %(n)s 行有错误，整个文件未导入。请按下表改正后重新上传。") % {
            "n": counts["invalid"]
        }
    batch.save()
    return batch


def import_commit(*, batch: CatalogImport, user) -> CatalogImport:
    """Import the previewed rows, all or nothing; a second click finds the batch already done."""
    if not user.is_city_admin:
        raise ValidationError(_("只有系统管理员可以导入清单。"))
    with transaction.atomic():
        locked = CatalogImport.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ST.CHECKED:
            raise ValidationError(
                _("该文件已处理（%(status)s），不能再次导入。") % {"status": locked.get_status_display()}
            )
        counts, preview = _run(locked, dry_run=False, user=user)
        if counts["invalid"]:
            # The lists changed since the preview (another admin, an edit): nothing is kept.
            transaction.set_rollback(True)
    locked._history_user = user
    locked.preview, locked.summary = preview, _summary(locked, counts)
    if counts["invalid"]:
        locked.status = ST.REJECTED
        locked.message = _("清单在预览后有变动，重新校验发现 %(n)s 行有错误，未导入任何数据。") % {
            "n": counts["invalid"]
        }
    else:
        locked.status, locked.committed_by, locked.committed_at = ST.COMMITTED, user, timezone.now()
        locked.message = ""
    locked.save()
    return locked


def export_workbook(*, kind: str, user) -> tuple[bytes, int]:
    """The list as an .xlsx that imports back unchanged (Chinese headers and labels, safe cells)."""
    from core.models import ExportLog, Job

    resource = RESOURCES[kind]()
    model = CatalogItem if kind == K.ITEMS else Provider
    queryset = model.objects.restrict(user)
    if kind == K.ITEMS:
        queryset = queryset.select_related("provider").order_by("list_kind", "domain", "code")
    else:
        queryset = queryset.order_by("kind", "name")
    dataset = resource.export(queryset=queryset)
    buffer = io.BytesIO()
    with ExcelWriter(buffer) as book:
        sheet = book.sheet(str(K(kind).label), dataset.headers)
        for row in dataset:
            sheet.append(row)
    ExportLog.objects.create(
        user=user,
        list_name=f"assistance:catalog-export-{kind}",
        title=str(K(kind).label),
        row_count=len(dataset),
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )
    return buffer.getvalue(), len(dataset)
