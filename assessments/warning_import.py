"""Read a department's warning list (.xlsx or .csv) into monitoring alerts.

Departments send spreadsheets in many shapes: a title row or two above the header, GBK-encoded
CSV, ID numbers with full-width digits or a leading apostrophe, dates as text or Excel serials.
The reader finds the header row by its column names, normalises each ID with core.idnumber,
and reports every rejected row with its spreadsheet row number. Valid rows are imported; rows
already imported (same person, type and date) are skipped, so loading a list twice is harmless.
"""

import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import idnumber
from core.scoping import CHANGE
from households.models import Person

from . import choices as c
from . import services
from .tasks import enqueue_rescreen

MAX_ROWS = 5000
MAX_AMOUNT = Decimal("10") ** 10  # Alert.amount holds 12 digits, two of them after the point
HEADER_SCAN_ROWS = 15

COLUMNS = {
    "id_number": ["身份证号码", "身份证号", "公民身份号码", "证件号码", "身份证", "idnumber"],
    "name": ["姓名", "名字", "name"],
    "kind": ["预警类型", "预警事项", "预警类别", "预警原因", "类型", "事项", "kind"],
    "department": ["推送部门", "来源部门", "预警部门", "部门", "数据来源", "department"],
    "occurred_on": ["发生日期", "预警日期", "发生时间", "日期", "date"],
    "amount": ["金额（元）", "金额", "费用", "医疗费用", "自付费用", "amount"],
    "description": ["预警内容", "情况说明", "说明", "详情", "备注", "description"],
}
KIND_WORDS = [
    (c.AlertKind.DEATH, ["死亡", "去世", "身故", "殡葬"]),
    (c.AlertKind.MEDICAL_BILL, ["医疗", "医药", "住院", "大病"]),
    (c.AlertKind.SEVERE_DISABILITY, ["残疾", "重残"]),
    (c.AlertKind.JOB_LOSS, ["失业", "下岗", "失去工作"]),
    (c.AlertKind.DROPOUT, ["辍学", "失学", "退学"]),
    (c.AlertKind.DISASTER, ["灾", "台风", "火灾", "水浸"]),
    (c.AlertKind.INCARCERATION, ["服刑", "羁押", "收监", "拘留", "在押"]),
    (c.AlertKind.INCOME_DROP, ["收入"]),
]


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)


def _clean_header(text) -> str:
    text = "" if text is None else str(text)
    text = text.replace("(", "（").replace(")", "）").replace("*", "")
    return re.sub(r"\s+", "", text).lower()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(filename: str, data: bytes) -> list[tuple[int, list]]:
    """[(spreadsheet row number, cells)] of the first sheet or the CSV file, read by the roster
    import's readers, so the same caps protect this upload (imports/limits.py); reading stops
    once the file has more rows than one import may hold."""
    from imports.formats import FormatError, open_roster

    name = (filename or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ValidationError(_("仅支持 .xlsx 或 .csv 文件。"))
    with tempfile.NamedTemporaryFile(suffix=os.path.splitext(name)[1]) as handle:
        handle.write(data)
        handle.flush()
        rows: list[tuple[int, list]] = []
        filled = 0
        try:
            with open_roster(handle.name, name) as reader:
                for number, cells in reader.rows():
                    rows.append((number, list(cells)))
                    filled += any(_cell(v) for v in cells)
                    if filled > MAX_ROWS + HEADER_SCAN_ROWS:
                        raise ValidationError(_("单次最多导入 %(n)s 行，请分批导入。") % {"n": MAX_ROWS})
        except FormatError as error:
            raise ValidationError(error.message) from None
    return rows


def find_header(rows: list[tuple[int, list]]) -> tuple[int, dict[str, int]]:
    """The index (in rows) of the header and {field: column}: the first row naming ID and type."""
    for index, (_n, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = [_clean_header(cell) for cell in cells]
        columns: dict[str, int] = {}
        for field_name, names in COLUMNS.items():
            wanted = [_clean_header(n) for n in names]
            for name in wanted:  # exact names first, in order of preference
                if name in headers:
                    columns[field_name] = headers.index(name)
                    break
        if "id_number" in columns and "kind" in columns:
            return index, columns
    raise ValidationError(_("未找到表头：表格须包含“身份证号码”和“预警类型”两列。"))


def parse_kind(text: str) -> str | None:
    text = (text or "").strip()
    if text in c.AlertKind.values:
        return text
    for kind in c.AlertKind:
        if text == kind.label:
            return kind.value
    for kind, words in KIND_WORDS:
        if any(word in text for word in words):
            return kind.value
    return None


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        # An Excel serial date; 1e12 days is past year 9999 (OverflowError): not a date.
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = _DATE_TEXT.match(text)
    if match:
        return dt.date(*(int(g) for g in match.groups()))
    raise ValueError(text)


def parse_amount(value) -> Decimal | None:
    text = _cell(value).replace(",", "").replace("，", "").replace("元", "")
    if not text:
        return None
    amount = Decimal(text)
    if amount < 0:
        raise InvalidOperation
    return amount.quantize(Decimal("0.01"))


def import_alerts(*, filename: str, data: bytes, user) -> ImportResult:
    """Create alerts from a warning list; every rejected row is reported with its row number."""
    rows = read_rows(filename, data)
    header_index, columns = find_header(rows)
    body = [(n, cells) for n, cells in rows[header_index + 1 :] if any(_cell(v) for v in cells)]
    if len(body) > MAX_ROWS:
        raise ValidationError(_("单次最多导入 %(n)s 行，请分批导入。") % {"n": MAX_ROWS})
    result = ImportResult()
    visible = Person.objects.restrict(user, CHANGE).select_related("household")
    households = set()

    def get(cells, name):
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    with transaction.atomic():
        for row_number, cells in body:
            try:
                parsed = idnumber.parse(_cell(get(cells, "id_number")))
            except idnumber.IdNumberError as error:
                result.errors.append(RowError(row_number, error.message))
                continue
            person = visible.filter(id_hash=idnumber.id_hash(parsed.value)).first()
            if person is None:
                result.errors.append(RowError(row_number, _("该身份证号码未在册，或不在您的管辖范围内。")))
                continue
            name = _cell(get(cells, "name"))
            if name and name != person.name:
                result.errors.append(
                    RowError(row_number, _("姓名“%(name)s”与在册信息不一致。") % {"name": name})
                )
                continue
            kind = parse_kind(_cell(get(cells, "kind")))
            if kind is None:
                result.errors.append(
                    RowError(row_number, _("无法识别的预警类型：%(t)s") % {"t": _cell(get(cells, "kind"))})
                )
                continue
            try:
                occurred_on = parse_date(get(cells, "occurred_on"))
            except (ValueError, TypeError, OverflowError):
                result.errors.append(RowError(row_number, _("日期格式无法识别。")))
                continue
            try:
                amount = parse_amount(get(cells, "amount"))
            except (InvalidOperation, ValueError):
                result.errors.append(RowError(row_number, _("金额格式无法识别。")))
                continue
            if amount is not None and amount >= MAX_AMOUNT:
                result.errors.append(
                    RowError(row_number, _("金额 %(amount)s 元超出可登记的范围。") % {"amount": amount})
                )
                continue
            description = _cell(get(cells, "description"))[:2000]
            when = (
                occurred_on.isoformat()
                if occurred_on
                else hashlib.sha1(description.encode()).hexdigest()[:12]
            )
            key = f"imp:{person.pk}:{kind}:{when}"
            if services.Alert.objects.filter(dedupe_key=key).exists():
                result.duplicates += 1
                continue
            try:
                with transaction.atomic():  # a row the model refuses is that row's error, not the file's
                    alert = services.alert_create(
                        person=person,
                        kind=kind,
                        user=user,
                        source=c.AlertSource.IMPORT,
                        department=_cell(get(cells, "department"))[:64],
                        occurred_on=occurred_on,
                        amount=amount,
                        description=description,
                        dedupe_key=key,
                        rescreen=False,
                    )
            except ValidationError as error:
                result.errors.append(RowError(row_number, "；".join(error.messages)))
                continue
            result.created.append(alert)
            households.add(person.household_id)
        if households:
            enqueue_rescreen(
                household_ids=households,
                user=user,
                title=_("预警导入后重新筛查 %(n)s 户") % {"n": len(households)},
            )
    return result
