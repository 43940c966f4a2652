"""One roster row -> typed values, reason codes and warnings (roster-format.md, "Columns").

Everything here is per row and pure Python; checks that need other rows (duplicates, household
conflicts, household sizes) run in SQL over the staging table (pipeline.py).

An empty cell never erases what the registry holds: it is staged as NULL, meaning "keep".
"""

import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import mul

from django.utils.translation import gettext as _

from core import idnumber
from core.validators import is_valid_phone, normalize_phone
from households import choices as c

# --- headers -----------------------------------------------------------------------------------

FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    # field: (header names, label for messages)
    "name": (("姓名",), "姓名"),
    "id_number": (("公民身份号码", "身份证号码", "身份证号", "证件号码"), "公民身份号码"),
    "sex": (("性别",), "性别"),
    "birth_date": (("出生日期",), "出生日期"),
    "relation": (("与户主关系",), "与户主关系"),
    "household_code": (("户编号", "家庭编号"), "户编号"),
    "head_id_number": (("户主身份证号码", "户主公民身份号码"), "户主身份证号码"),
    "town": (("镇街", "所属镇街", "镇（街道）"), "镇街"),
    "community": (("村（社区）", "村居", "所属村居", "社区"), "村（社区）"),
    "address": (("家庭住址", "现住址"), "家庭住址"),
    "phone": (("联系电话", "手机号码"), "联系电话"),
    "assistance": (("救助类型", "保障类别", "人员类别"), "救助类型"),
    "approved_on": (("认定日期", "审批日期"), "认定日期"),
    "disability_category": (("残疾类别",), "残疾类别"),
    "disability_grade": (("残疾等级",), "残疾等级"),
    "serious_illness": (("重特大疾病", "大病病种"), "重特大疾病"),
    "care_level": (("失能等级", "自理能力"), "失能等级"),
    "labor_capacity": (("劳动能力",), "劳动能力"),
    "employment": (("就业状况",), "就业状况"),
    "school_stage": (("在读学段", "就读学段"), "在读学段"),
    "living_arrangement": (("居住情况", "居住状况"), "居住情况"),
    "special_family": (("计生特殊家庭",), "计生特殊家庭"),
    "parent_situation": (("父母情况", "监护情况"), "父母情况"),
    "housing": (("住房情况", "住房状况"), "住房情况"),
    "household_size": (("家庭人口数", "家庭人数"), "家庭人口数"),
    "income_per_capita": (("家庭月人均收入（元）", "月人均收入"), "月人均收入"),
}
REQUIRED = ("name", "id_number", "relation", "town", "community", "assistance")
_SPACES = re.compile(r"\s+")


def norm_header(value) -> str:
    """Trim, full-width to half-width, no inner spaces, no trailing required-marker (*)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub("", text).strip("*")


HEADER_ALIASES = {norm_header(alias): key for key, (aliases, _label) in FIELDS.items() for alias in aliases}
# Columns that are common and mean nothing to the import: not warned about as unknown. A running
# number, and the columns our own error report adds (so a fixed report imports without warnings).
IGNORED_HEADERS = frozenset(
    norm_header(name)
    for name in ("序号", "序", "编号", "No.", "No", "原行号", "原因", "错误说明", "原因代码")
)


@dataclass
class Header:
    row: int
    cells: list[str]
    columns: dict[str, int]  # field -> column index
    unknown: list[str] = field(default_factory=list)


def match_header(row: int, cells: list) -> Header | None:
    """A row is the header when it names the person (姓名 and an ID column) and >= 4 columns."""
    columns: dict[str, int] = {}
    unknown = []
    for index, cell in enumerate(cells):
        key = norm_header(cell)
        if not key:
            continue
        target = HEADER_ALIASES.get(key)
        if target is None:
            if key not in IGNORED_HEADERS:
                unknown.append(str(cell).strip())
        elif target not in columns:
            columns[target] = index
    if "name" in columns and "id_number" in columns and len(columns) >= 4:
        texts = ["" if v is None else str(v).strip() for v in cells]
        return Header(row=row, cells=texts, columns=columns, unknown=unknown)
    return None


# --- values ------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _text_str(value: str) -> str:
    # Most non-ASCII cells are place names and list values that repeat on every row.
    return unicodedata.normalize("NFKC", value).strip()


def text(value) -> str:
    """A cell as clean text: NFKC (full-width digits/letters/brackets to half-width), trimmed."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.isascii():
            return value.strip()
        return _text_str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def raw_text(value) -> str:
    """The original value, for the error report (what the clerk typed, not what we made of it)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    return str(value)


def _key(value: str) -> str:
    """No whitespace at all (str.split() splits on exactly what \\s matches)."""
    return "".join(value.split())


EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_SEP = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_DATE_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.\d+)?$")


def parse_date(value) -> dt.date:
    """The six date styles of the contract; raises ValueError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if 19000101 <= number <= 29991231 and number.is_integer():
            return parse_date(str(int(number)))
        if 1 <= number < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(number))
        raise ValueError(value)
    string = _TIME_SUFFIX.sub("", text(value))
    string = _key(string)
    for pattern in (_DATE_SEP, _DATE_CN, _DATE_COMPACT):
        match = pattern.match(string)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    if _SERIAL.match(string):
        return parse_date(float(string))
    raise ValueError(value)


def _choices(mapping: dict[str, str], *extra: tuple[str, str]) -> dict[str, str]:
    out = {_key(unicodedata.normalize("NFKC", k)): v for k, v in mapping.items()}
    for k, v in extra:
        out[_key(unicodedata.normalize("NFKC", k))] = v
    return out


RELATIONS = _choices(
    {
        "户主": c.Relation.HEAD,
        "本人": c.Relation.HEAD,
        "配偶": c.Relation.SPOUSE,
        "妻子": c.Relation.SPOUSE,
        "丈夫": c.Relation.SPOUSE,
        "子": c.Relation.SON,
        "儿子": c.Relation.SON,
        "长子": c.Relation.SON,
        "次子": c.Relation.SON,
        "女": c.Relation.DAUGHTER,
        "女儿": c.Relation.DAUGHTER,
        "长女": c.Relation.DAUGHTER,
        "次女": c.Relation.DAUGHTER,
        "儿媳": c.Relation.DAUGHTER_IN_LAW,
        "女婿": c.Relation.SON_IN_LAW,
        "孙子女": c.Relation.GRANDCHILD,
        "孙子": c.Relation.GRANDCHILD,
        "孙女": c.Relation.GRANDCHILD,
        "外孙子女": c.Relation.GRANDCHILD,
        "父母": c.Relation.PARENT,
        "父亲": c.Relation.PARENT,
        "母亲": c.Relation.PARENT,
        "祖父母": c.Relation.GRANDPARENT,
        "外祖父母": c.Relation.GRANDPARENT,
        "兄弟姐妹": c.Relation.SIBLING,
        "其他": c.Relation.OTHER,
    }
)
ASSISTANCE = _choices(
    {
        "低保": c.AssistanceKind.DIBAO,
        "最低生活保障": c.AssistanceKind.DIBAO,
        "特困": c.AssistanceKind.TEKUN,
        "特困人员": c.AssistanceKind.TEKUN,
        "特困供养": c.AssistanceKind.TEKUN,
        "低边": c.AssistanceKind.DIBIAN,
        "低收入": c.AssistanceKind.DIBIAN,
        "低保边缘": c.AssistanceKind.DIBIAN,
        "刚性支出困难": c.AssistanceKind.RIGID_EXPENSE,
        "刚性支出困难家庭": c.AssistanceKind.RIGID_EXPENSE,
        "临时救助": c.AssistanceKind.TEMPORARY,
        "孤儿": c.AssistanceKind.ORPHAN,
        "事实无人抚养儿童": c.AssistanceKind.DE_FACTO_ORPHAN,
        "困难残疾人生活补贴": c.AssistanceKind.DISABILITY_LIVING,
        "重度残疾人护理补贴": c.AssistanceKind.DISABILITY_CARE,
    }
)
TEKUN_DETAILS = {"分散供养": "分散供养", "分散": "分散供养", "集中供养": "集中供养", "集中": "集中供养"}
DISABILITY_CATEGORIES = _choices(
    {
        "视力": c.DisabilityCategory.VISUAL,
        "听力": c.DisabilityCategory.HEARING,
        "言语": c.DisabilityCategory.SPEECH,
        "肢体": c.DisabilityCategory.PHYSICAL,
        "智力": c.DisabilityCategory.INTELLECTUAL,
        "精神": c.DisabilityCategory.MENTAL,
        "多重": c.DisabilityCategory.MULTIPLE,
    }
)
GRADES = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
CARE_LEVELS = _choices(
    {
        "能力完好": c.CareLevel.INDEPENDENT,
        "完全自理": c.CareLevel.INDEPENDENT,
        "轻度": c.CareLevel.MILD,
        "轻度失能": c.CareLevel.MILD,
        "中度": c.CareLevel.MODERATE,
        "中度失能": c.CareLevel.MODERATE,
        "重度": c.CareLevel.SEVERE,
        "重度失能": c.CareLevel.SEVERE,
        "完全失能": c.CareLevel.TOTAL,
    }
)
LABOR = _choices(
    {
        "有劳动能力": c.LaborCapacity.FULL,
        "健全": c.LaborCapacity.FULL,
        "部分丧失": c.LaborCapacity.PARTIAL,
        "部分丧失劳动能力": c.LaborCapacity.PARTIAL,
        "完全丧失": c.LaborCapacity.NONE,
        "完全丧失劳动能力": c.LaborCapacity.NONE,
        "无劳动能力": c.LaborCapacity.NONE,
    }
)
EMPLOYMENT = _choices(
    {
        "在业": c.Employment.EMPLOYED,
        "就业": c.Employment.EMPLOYED,
        "灵活就业": c.Employment.FLEXIBLE,
        "务农": c.Employment.FARMING,
        "失业": c.Employment.UNEMPLOYED,
        "未就业": c.Employment.NEVER_EMPLOYED,
        "在校生": c.Employment.STUDENT,
        "退休": c.Employment.RETIRED,
    }
)
SCHOOL = _choices(
    {
        "学前": c.SchoolStage.PRESCHOOL,
        "小学": c.SchoolStage.PRIMARY,
        "初中": c.SchoolStage.JUNIOR,
        "高中": c.SchoolStage.SENIOR,
        "中职": c.SchoolStage.VOCATIONAL,
        "高职": c.SchoolStage.HIGHER_VOCATIONAL,
        "大专": c.SchoolStage.HIGHER_VOCATIONAL,
        "高职（大专）": c.SchoolStage.HIGHER_VOCATIONAL,
        "本科": c.SchoolStage.BACHELOR,
        "研究生": c.SchoolStage.POSTGRADUATE,
        "辍学": c.SchoolStage.DROPPED_OUT,
        "未入学": c.SchoolStage.NOT_ENROLLED,
    }
)
LIVING = _choices(
    {
        "独居": c.LivingArrangement.ALONE,
        "空巢": c.LivingArrangement.EMPTY_NEST,
        "留守": c.LivingArrangement.LEFT_BEHIND,
        "与配偶同住": c.LivingArrangement.WITH_SPOUSE,
        "与子女同住": c.LivingArrangement.WITH_CHILDREN,
        "机构供养": c.LivingArrangement.INSTITUTION,
    }
)
YES_NO = {
    "是": True,
    "否": False,
    "Y": True,
    "N": False,
    "1": True,
    "0": False,
    "√": True,
    "有": True,
    "无": False,
}
PARENT_STATES = _choices(
    {
        "正常": c.ParentSituation.NORMAL,
        "健在": c.ParentSituation.NORMAL,
        "死亡": c.ParentSituation.DEAD,
        "已故": c.ParentSituation.DEAD,
        "去世": c.ParentSituation.DEAD,
        "宣告失踪": c.ParentSituation.DECLARED_MISSING,
        "重残": c.ParentSituation.SEVERE_DISABILITY,
        "重度残疾": c.ParentSituation.SEVERE_DISABILITY,
        "重病": c.ParentSituation.SERIOUS_ILLNESS,
        "服刑": c.ParentSituation.IMPRISONED,
        "服刑在押": c.ParentSituation.IMPRISONED,
        "在押": c.ParentSituation.IMPRISONED,
        "强制隔离戒毒": c.ParentSituation.COMPULSORY_REHAB,
        "被限制人身自由": c.ParentSituation.RESTRICTED_FREEDOM,
        "限制人身自由": c.ParentSituation.RESTRICTED_FREEDOM,
        "失联": c.ParentSituation.MISSING_CONTACT,
        "被撤销监护资格": c.ParentSituation.GUARDIANSHIP_REVOKED,
        "撤销监护资格": c.ParentSituation.GUARDIANSHIP_REVOKED,
        "遣送出境": c.ParentSituation.DEPORTED,
    }
)
GUARDIANSHIP = _choices(
    {
        "监护正常": c.Guardianship.PROPER,
        "监护缺失": c.Guardianship.MISSING,
        "监护不当": c.Guardianship.IMPROPER,
    }
)
HOUSING = _choices(
    {
        "自有住房": c.Housing.OWNED,
        "自有": c.Housing.OWNED,
        "租住": c.Housing.RENTED,
        "租房": c.Housing.RENTED,
        "公租房": c.Housing.PUBLIC_RENTAL,
        "借住": c.Housing.BORROWED,
        "无房": c.Housing.NONE,
        "危房": c.Housing.DANGEROUS,
    }
)
SEX = {"男": c.Sex.MALE, "男性": c.Sex.MALE, "女": c.Sex.FEMALE, "女性": c.Sex.FEMALE}
_SPLIT = re.compile(r"[、,;；/]+")  # ， and ； are already half-width after NFKC
_PARENS = re.compile(r"^(.*?)\((.*)\)$")
_ID18_PLAIN = re.compile(r"^\d{17}[\dX]$")
_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?[eE][+-]?\d+$")
_GRADE = re.compile(r"^(?:残疾)?([一二三四1234])级?(?:残疾)?$")
_DANGEROUS = re.compile(r"^(?:危房)?\(?([CD])级?\)?(?:危房)?$", re.IGNORECASE)
_INT = re.compile(r"^(\d+)(?:\.0+)?(?:人|口)?$")

# Staging columns, in order (pipeline.py creates the table from this list).
STAGE_COLUMNS: list[tuple[str, str]] = [
    ("row_no", "integer"),
    ("bad", "boolean"),
    ("id_hash", "text"),
    ("id_enc", "text"),
    ("id_masked", "text"),
    ("id_tail", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("name", "text"),
    ("relation", "text"),
    ("is_head", "boolean"),
    ("phone_enc", "text"),
    ("phone_masked", "text"),
    ("disability_category", "text"),
    ("disability_grade", "integer"),
    ("serious_illness", "text"),
    ("care_level", "text"),
    ("labor_capacity", "text"),
    ("employment", "text"),
    ("school_stage", "text"),
    ("living_arrangement", "text"),
    ("special_family", "boolean"),
    ("father_situation", "text"),
    ("mother_situation", "text"),
    ("guardianship", "text"),
    ("hh_key", "text"),
    ("hh_code", "text"),
    ("head_hash", "text"),
    ("town_id", "bigint"),
    ("community_id", "bigint"),
    ("address", "text"),
    ("housing", "text"),
    ("safety_grade", "text"),
    ("hh_size", "integer"),
    ("income", "numeric"),
]
STATUS_COLUMNS: list[tuple[str, str]] = [
    ("row_no", "integer"),
    ("kind", "text"),
    ("detail", "text"),
    ("start_date", "date"),
]
RAW_SEPARATOR = "\x1f"
# Distinct values remembered per column while normalising one file (see RowNormalizer._memo).
MEMO_LIMIT = 20000
# Bump when normalisation rules change: fingerprints of earlier imports then stop matching.
FINGERPRINT_VERSION = 1


@dataclass
class Issue:
    code: str
    field: str
    message: str


def _unknown(field: str, message: str, value) -> Issue:
    """An "unknown_value" issue; ``message`` is a translated template with %(value)s."""
    return Issue("unknown_value", field, message % {"value": value})


class Places:
    """Towns and communities, loaded once per import, matched by name with or without suffix."""

    TOWN_ALIASES = {"火炬开发区": "中山港街道", "火炬区": "中山港街道", "火炬高技术产业开发区": "中山港街道"}
    TOWN_SUFFIXES = ("街道", "镇", "街")
    COMMUNITY_SUFFIXES = ("社区居委会", "村委会", "居委会", "社区", "村")

    def __init__(self):
        from households.models import Division

        self.towns: dict[str, int] = {}
        self.communities: dict[tuple[int, str], int] = {}
        town_names = {}
        for pk, name, code in Division.objects.towns().values_list("pk", "name", "code"):
            town_names[pk] = name
            for variant in self._variants(name, self.TOWN_SUFFIXES):
                self.towns.setdefault(variant, pk)
            self.towns[code] = pk
        for alias, target in self.TOWN_ALIASES.items():
            target_pk = next((pk for pk, name in town_names.items() if name == target), None)
            if target_pk:
                self.towns[alias] = target_pk
        for pk, name, parent in (
            Division.objects.communities().filter(is_active=True).values_list("pk", "name", "parent_id")
        ):
            for variant in self._variants(name, self.COMMUNITY_SUFFIXES):
                self.communities.setdefault((parent, variant), pk)

    @staticmethod
    def _variants(name: str, suffixes) -> set[str]:
        name = _key(unicodedata.normalize("NFKC", name))
        base = name
        for suffix in suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                base = name[: -len(suffix)]
                break
        return {name, base} | {base + suffix for suffix in suffixes}

    def town(self, value: str) -> int | None:
        return self.towns.get(_key(value))

    def community(self, town_id: int, value: str) -> int | None:
        value = _key(value)
        found = self.communities.get((town_id, value))
        if found is None:
            for suffix in self.COMMUNITY_SUFFIXES:
                if value.endswith(suffix) and len(value) > len(suffix):
                    found = self.communities.get((town_id, value[: -len(suffix)]))
                    break
        return found


@dataclass
class RowResult:
    stage: tuple  # a STAGE_COLUMNS tuple
    statuses: list[tuple]
    errors: list[Issue]
    warnings: list[Issue]
    raw: list[str]


class RowNormalizer:
    """Turns one data row into a staging tuple. Built once per file (header and places)."""

    def __init__(self, header: Header, places: Places, today: dt.date | None = None):
        self.header = header
        self.columns = header.columns
        self.places = places
        self.today = today or dt.date.today()
        self.width = len(header.cells)
        self._label = {key: label for key, (_aliases, label) in FIELDS.items()}
        self._items = list(header.columns.items())
        self._today = dt.date.today()
        self._fp_items = sorted(self._items)
        self._fp_indexes = [index for _field, index in self._fp_items]
        self._fp_min_width = max(self._fp_indexes, default=-1) + 1
        self._fp_seed = f"roster-row-v{FINGERPRINT_VERSION}".encode()
        self._hash = idnumber.id_hasher()
        self._encrypt = idnumber.encrypter()
        self._memos: dict[str, dict] = defaultdict(dict)
        self._relation = self._parse_choice("relation", RELATIONS)
        # In the order their errors are reported.
        self._optional = [
            ("disability_category", self._parse_disability_category),
            ("disability_grade", self._parse_disability_grade),
            ("care_level", self._parse_choice("care_level", CARE_LEVELS)),
            ("labor_capacity", self._parse_choice("labor_capacity", LABOR)),
            ("employment", self._parse_choice("employment", EMPLOYMENT)),
            ("school_stage", self._parse_choice("school_stage", SCHOOL)),
            ("living_arrangement", self._parse_choice("living_arrangement", LIVING)),
            ("special_family", self._parse_special_family),
            ("parent_situation", self._parse_parents),
            ("housing", self._parse_housing),
            ("household_size", self._parse_household_size),
            ("income_per_capita", self._parse_income),
        ]

    def fingerprint(self, cells: list) -> int:
        """A stable 64-bit fingerprint of the row's mapped cells (type-tagged, in field order)."""
        size = len(cells)
        if size >= self._fp_min_width:
            try:  # a CSV row: all text
                joined = "\x1f".join([cells[index] for index in self._fp_indexes])
            except TypeError:
                joined = None
            if joined is not None:
                digest = hashlib.blake2b(joined.encode(), digest_size=8, key=self._fp_seed)
                return int.from_bytes(digest.digest(), "big", signed=True)
        parts = []
        for _field, index in self._fp_items:
            value = cells[index] if index < size else None
            if value.__class__ is str:
                parts.append(value)
            elif value is None:
                parts.append("")
            else:
                parts.append(f"{value.__class__.__name__}:{value}")
        digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8, key=self._fp_seed)
        return int.from_bytes(digest.digest(), "big", signed=True)

    def is_blank_or_total(self, cells: list) -> bool:
        """Blank rows, totals rows (合计/总计) and repeated header rows are skipped silently."""
        first = ""
        for value in cells:
            if value is not None and value != "":
                first = text(value)
                if first:
                    break
        if not first:
            return True
        if _key(first).startswith(("合计", "总计", "小计", "共计")):
            return True
        id_index = self.columns["id_number"]
        id_cell = cells[id_index] if id_index < len(cells) else None
        if isinstance(id_cell, str) and not id_cell[:1].isdigit() and norm_header(id_cell) in HEADER_ALIASES:
            return True  # the header repeated (multi-page exports)
        return False

    def _cell(self, cells: list, key: str):
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def _plain_id(self, value: str) -> idnumber.IdNumber | None:
        """The common case (18 plain characters, valid) without core.idnumber.parse's normalising;
        anything else, valid or not, goes through parse(), which also words the error."""
        if len(value) != 18 or not _ID18_PLAIN.match(value):
            return None
        if idnumber.CHECK_CHARS[sum(map(mul, map(int, value[:17]), idnumber.WEIGHTS)) % 11] != value[17]:
            return None
        try:
            birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            return None
        if birth.year < 1880 or birth > self._today:
            return None
        return idnumber.IdNumber(
            value=value, birth_date=birth, sex="male" if int(value[16]) % 2 else "female"
        )

    def _id(self, value, key: str, errors: list[Issue]) -> idnumber.IdNumber | None:
        if value.__class__ is str and len(value) == 18 and value.isascii() and value[:17].isdigit():
            fast = self._plain_id(value)  # already clean: no trimming, no scientific notation
            if fast is not None:
                return fast
        label = self._label[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            errors.append(
                Issue(
                    "id_number_as_number",
                    key,
                    _("%(label)s以数字格式保存，末几位已丢失（如 4.42000E+17），请把该列设为文本后重新填写")
                    % {"label": label},
                )
            )
            return None
        string = text(value)
        if not string:
            return None
        if _SCIENTIFIC.match(_key(string)):
            errors.append(
                Issue(
                    "id_number_as_number",
                    key,
                    _("%(label)s“%(value)s”是科学计数法，末几位已丢失，请把该列设为文本后重新填写")
                    % {"label": label, "value": string},
                )
            )
            return None
        fast = self._plain_id(string)
        if fast is not None:
            return fast
        try:
            return idnumber.parse(string)
        except idnumber.IdNumberError as error:
            messages = {
                "invalid_id_format": _("%(label)s“%(value)s”格式不正确：应为18位（末位可为X）或15位旧号码"),
                "invalid_id_checksum": _("%(label)s“%(value)s”校验位不正确，请核对号码"),
            }
            errors.append(Issue(error.code, key, messages[error.code] % {"label": label, "value": string}))
            return None

    # ---- per-field parsers. Each is a pure function of the cell's text (and, for the community,
    # of the town), so normalize() memoises them: a roster repeats the same few values in most
    # columns. They return (result, issues) and never look at other fields.

    def _memo(self, field: str, value, parse):
        """parse(value, errors) once per distinct value of the field; (result, issues)."""
        memo = self._memos[field]
        hit = memo.get(value)
        if hit is None:
            issues: list[Issue] = []
            hit = (parse(value, issues), tuple(issues))
            if len(memo) < MEMO_LIMIT:
                memo[value] = hit
        return hit

    def _parse_choice(self, key: str, mapping: dict[str, str]):
        label = self._label[key]

        def parse(value, errors):
            found = mapping.get(_key(value))
            if found is None:
                errors.append(
                    Issue(
                        "unknown_value",
                        key,
                        _("%(label)s“%(value)s”不是可接受的值") % {"label": label, "value": value},
                    )
                )
            return found

        return parse

    def _parse_town(self, value, errors):
        town_id = self.places.town(value)
        if town_id is None:
            errors.append(
                Issue("unknown_town", "town", _("镇街“%(value)s”不是中山市的镇街") % {"value": value})
            )
        return town_id

    def _parse_community(self, key, errors):
        town_id, town_text, value = key
        community_id = self.places.community(town_id, value)
        if community_id is None:
            errors.append(
                Issue(
                    "unknown_community",
                    "community",
                    _("在“%(town)s”下找不到村（社区）“%(value)s”，请核对名称或先在区划中登记")
                    % {"town": town_text, "value": value},
                )
            )
        return community_id

    def _parse_approved(self, value, errors):
        try:
            return parse_date(value)
        except (ValueError, OverflowError):
            errors.append(
                Issue(
                    "invalid_date",
                    "approved_on",
                    _("认定日期“%(value)s”无法识别，请写成 2024-03-01 这样的日期") % {"value": text(value)},
                )
            )
            return None

    def _parse_assistance(self, assistance, errors):
        """-> ((kind, detail), ...) in the order written, each kind once."""
        kinds = []
        seen = set()
        for token in _SPLIT.split(assistance):
            token = _key(token)
            if not token:
                continue
            detail = ""
            kind = ASSISTANCE.get(token)
            if kind is None:
                match = _PARENS.match(token)
                if match:
                    kind = ASSISTANCE.get(match[1])
                    inner = match[2]
                    if kind == c.AssistanceKind.TEKUN:
                        detail = TEKUN_DETAILS.get(inner)
                        if detail is None:
                            kind = None
                    elif kind is not None and ASSISTANCE.get(inner, kind) != kind:
                        kind = None
                elif token.startswith("特困") and token[2:] in TEKUN_DETAILS:
                    kind, detail = c.AssistanceKind.TEKUN, TEKUN_DETAILS[token[2:]]
            if kind is None:
                errors.append(_unknown("assistance", _("救助类型“%(value)s”不是可接受的值"), token))
            elif kind not in seen:
                seen.add(kind)
                kinds.append((str(kind), detail))
        return tuple(kinds)

    def _parse_disability_category(self, value, errors):
        found = DISABILITY_CATEGORIES.get(_key(value).removesuffix("残疾"))
        if found is None:
            errors.append(_unknown("disability_category", _("残疾类别“%(value)s”不是可接受的值"), value))
        return found

    def _parse_disability_grade(self, value, errors):
        match = _GRADE.match(_key(value))
        if match:
            return GRADES[match[1]]
        errors.append(_unknown("disability_grade", _("残疾等级“%(value)s”不是可接受的值"), value))
        return None

    def _parse_special_family(self, value, errors):
        found = YES_NO.get(_key(value).upper())
        if found is None:
            errors.append(
                _unknown("special_family", _("计生特殊家庭应填“是”或“否”，而不是“%(value)s”"), value)
            )
        return found

    def _parse_housing(self, value, errors):
        """-> (housing, safety_grade)"""
        housing = HOUSING.get(_key(value))
        if housing is not None:
            return housing, None
        match = _DANGEROUS.match(_key(value))
        if match and "危" in value:
            return c.Housing.DANGEROUS, match[1].upper()
        errors.append(_unknown("housing", _("住房情况“%(value)s”不是可接受的值"), value))
        return None, None

    def _parse_household_size(self, value, errors):
        match = _INT.match(_key(value))
        if match and 0 < int(match[1]) < 100:
            return int(match[1])
        errors.append(_unknown("household_size", _("家庭人口数“%(value)s”应为整数"), value))
        return None

    def _parse_income(self, value, errors):
        try:
            income = Decimal(_key(value).replace(",", "").removesuffix("元"))
            if income < 0 or not income.is_finite() or income >= Decimal("1e8"):
                raise InvalidOperation
            return income.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors.append(_unknown("income_per_capita", _("月人均收入“%(value)s”应为不小于0的数字"), value))
            return None

    def _parse_parents(self, value, errors):
        return self._parents(value, errors)

    def _parse_sex(self, value, errors):
        return SEX.get(_key(value))

    def _texts(self, cells: list) -> dict[str, str]:
        """field -> the cell as clean text (see text()), for the mapped columns the row has."""
        txt = {}
        size = len(cells)
        for key, index in self._items:
            if index < size:
                value = cells[index]
                if value.__class__ is str:
                    txt[key] = value.strip() if value.isascii() else _text_str(value)
                else:
                    txt[key] = text(value)
        return txt

    def normalize(self, cells: list) -> RowResult:  # noqa: C901 - one flat list of columns
        errors: list[Issue] = []
        warnings: list[Issue] = []
        cell = self._cell
        memo = self._memo
        raw = cells if all(v.__class__ is str for v in cells) else [raw_text(v) for v in cells]
        txt = self._texts(cells)
        get = txt.get

        for key in REQUIRED:
            if not get(key):
                errors.append(
                    Issue("missing_required", key, _("缺少必填项：%(label)s") % {"label": self._label[key]})
                )

        parsed = self._id(cell(cells, "id_number"), "id_number", errors)
        name = get("name", "")
        if name and not name.isalnum():
            name = " ".join(name.split())  # txt is stripped: same as collapsing \s+ to one space
        if len(name) > 50:
            errors.append(Issue("unknown_value", "name", _("姓名超过50个字符")))

        relation = None
        value = get("relation", "")
        if value:
            relation, issues = memo("relation", value, self._relation)
            if issues:
                errors.extend(issues)
        is_head = relation == c.Relation.HEAD

        # Household key: the provincial code, else the head's ID number.
        hh_code = get("household_code", "")
        if hh_code and not hh_code.isalnum():
            hh_code = _key(hh_code)
        hh_code = hh_code or None
        head_hash = None
        head_raw = cell(cells, "head_id_number")
        head_text = "" if head_raw is None else get("head_id_number", "")
        if head_text:
            head = self._id(head_raw, "head_id_number", errors)
            if head is not None:
                head_hash = self._hash(head.value)
                if is_head and parsed is not None and head.value != parsed.value:
                    errors.append(
                        Issue(
                            "household_conflict",
                            "head_id_number",
                            _("本人为户主，但户主身份证号码填写的是另一人"),
                        )
                    )
        id_hash = self._hash(parsed.value) if parsed is not None else None
        if is_head and head_hash is None:
            head_hash = id_hash
        if hh_code:
            hh_key = "C:" + hh_code
        elif head_hash:
            hh_key = "H:" + head_hash
        else:
            hh_key = None
            if relation is not None and not is_head and head_text == "":
                errors.append(
                    Issue(
                        "missing_required",
                        "head_id_number",
                        _("缺少必填项：没有户编号时必须填写户主身份证号码"),
                    )
                )

        town_id = community_id = None
        town_text = get("town", "")
        if town_text:
            town_id, issues = memo("town", town_text, self._parse_town)
            if issues:
                errors.extend(issues)
        community_text = get("community", "")
        if community_text and town_id is not None:
            community_id, issues = memo(
                "community", (town_id, town_text, community_text), self._parse_community
            )
            if issues:
                errors.extend(issues)

        start_date = None
        if get("approved_on"):
            approved = cell(cells, "approved_on")
            if approved.__class__ is str:
                start_date, issues = memo("approved_on", approved, self._parse_approved)
            else:
                issues = []
                start_date = self._parse_approved(approved, issues)
            if issues:
                errors.extend(issues)
        kinds = ()
        assistance = get("assistance", "")
        if assistance:
            kinds, issues = memo("assistance", assistance, self._parse_assistance)
            if issues:
                errors.extend(issues)

        # Optional person facts.
        optional = {}
        for key, parse in self._optional:
            value = get(key, "")
            if value:
                optional[key], issues = memo(key, value, parse)
                if issues:
                    errors.extend(issues)
            else:
                optional[key] = None
        father, mother, guardianship = optional["parent_situation"] or (None, None, None)
        housing, safety_grade = optional["housing"] or (None, None)
        serious_illness = get("serious_illness", "")[:200] or None
        if serious_illness in ("无", "否", "-"):
            serious_illness = ""
        address = get("address", "")[:200] or None

        # Warnings: never reject.
        if parsed is not None:
            value = get("sex", "")
            if value and memo("sex", value, self._parse_sex)[0] != parsed.sex:
                warnings.append(
                    Issue(
                        "sex_mismatch",
                        "sex",
                        _("性别“%(value)s”与身份证号码不符，已按身份证号码登记") % {"value": value},
                    )
                )
            value = get("birth_date")
            if value and value != parsed.birth_date.isoformat():  # the common case: the same date
                value = cell(cells, "birth_date")
                try:
                    mismatch = parse_date(value) != parsed.birth_date
                except (ValueError, OverflowError):
                    mismatch = True
                if mismatch:
                    warnings.append(
                        Issue(
                            "birth_date_mismatch",
                            "birth_date",
                            _("出生日期“%(value)s”与身份证号码不符，已按身份证号码登记")
                            % {"value": text(value)},
                        )
                    )
        phone_enc = phone_masked = None
        value = get("phone")
        if value:
            if len(value) == 11 and value[0] == "1" and value.isdigit() and value.isascii():
                phone = value  # a plain mobile number: already normal and valid
            else:
                phone = normalize_phone(value)
                if not is_valid_phone(phone):
                    phone = None
                    warnings.append(
                        Issue(
                            "invalid_phone",
                            "phone",
                            _("联系电话“%(value)s”不是有效的手机或固定电话号码，已忽略") % {"value": value},
                        )
                    )
            if phone is not None:
                phone_enc, phone_masked = self._encrypt(phone), idnumber.mask_phone(phone)

        # A row without a readable ID is staged too (rejected), so household sizes count it.
        bad = bool(errors) or parsed is None
        if parsed is not None:
            id_value = parsed.value
            stage_id = (
                None if bad else self._encrypt(id_value),
                idnumber.mask(id_value),
                id_value[-6:],
                parsed.sex,
                parsed.birth_date.isoformat(),
            )
        else:
            stage_id = (None, None, None, None, None)
        stage = (
            0,  # row_no, filled by the pipeline
            bad,
            id_hash,
            *stage_id,
            name,
            relation,
            is_head,
            phone_enc,
            phone_masked,
            optional["disability_category"],
            optional["disability_grade"],
            serious_illness,
            optional["care_level"],
            optional["labor_capacity"],
            optional["employment"],
            optional["school_stage"],
            optional["living_arrangement"],
            optional["special_family"],
            father,
            mother,
            guardianship,
            hh_key,
            hh_code,
            head_hash,
            town_id,
            community_id,
            address,
            housing,
            safety_grade,
            optional["household_size"],
            optional["income_per_capita"],
        )
        statuses = [] if bad else [(kind, detail, start_date) for kind, detail in kinds]
        return RowResult(stage, statuses, errors, warnings, raw)

    def _parents(self, value: str, errors: list[Issue]):
        """“父亲死亡、母亲服刑” -> (dead, imprisoned, None); “监护缺失” -> (None, None, missing)."""
        father = mother = guardianship = None
        for part in _SPLIT.split(re.sub(r"[\s,;]+", "、", value)):
            part = _key(part)
            if not part:
                continue
            if part in GUARDIANSHIP:
                guardianship = GUARDIANSHIP[part]
                continue
            who, rest = None, part
            for prefix, target in (
                ("父母", "both"),
                ("双亲", "both"),
                ("父亲", "father"),
                ("母亲", "mother"),
            ):
                if part.startswith(prefix):
                    who, rest = target, part[len(prefix) :]
                    break
            else:
                if part[:1] in ("父", "母"):
                    who, rest = ("father" if part[0] == "父" else "mother"), part[1:]
            rest = (
                rest.removeprefix("均").removeprefix("已").removeprefix("被")
                if rest not in PARENT_STATES
                else rest
            )
            state = PARENT_STATES.get(rest) or PARENT_STATES.get("被" + rest)
            if who is None or state is None:
                errors.append(
                    _unknown(
                        "parent_situation",
                        _("父母情况“%(value)s”无法识别，应写成“父亲死亡、母亲服刑”这样的形式"),
                        part,
                    )
                )
                continue
            if who in ("father", "both"):
                father = str(state)
            if who in ("mother", "both"):
                mother = str(state)
        return father, mother, guardianship
