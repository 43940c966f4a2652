"""Chinese words for the import's reason codes and field names (issue 8, "Plain Chinese").

The codes (``invalid_id_checksum``) and field names (``approved_on``) stay stable in the API, the
command line and the database; people read these labels. An admin finds the code itself under a
folded "技术详情".
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import normalize as n

CODE_LABELS = {
    # rows
    "missing_required": _("缺少必填项"),
    "invalid_id_format": _("身份证号码格式不对"),
    "invalid_id_checksum": _("身份证号码校验位不对"),
    "id_number_as_number": _("身份证号码被存成了数字"),
    "invalid_date": _("日期无法识别"),
    "unknown_town": _("镇街名称无法识别"),
    "unknown_community": _("村（社区）名称无法识别"),
    "unknown_value": _("填写的值不在可选范围内"),
    "duplicate_in_file": _("同一人在文件中重复"),
    "household_conflict": _("家庭关系矛盾"),
    "invalid_character": _("含有异常字符"),
    # warnings
    "sex_mismatch": _("性别与身份证号码不符"),
    "birth_date_mismatch": _("出生日期与身份证号码不符"),
    "invalid_phone": _("电话号码无效"),
    "household_size_mismatch": _("家庭人口数与行数不符"),
    "unknown_column": _("未识别的列"),
    "name_changed": _("姓名与在册信息不同"),
    # the file
    "decode_error": _("文件无法读取"),
    "no_header": _("找不到表头"),
    "unsupported_format": _("不是可读取的表格文件"),
    "limit_exceeded": _("文件超出安全上限"),
    "internal_error": _("系统内部错误"),
}

EXTRA_FIELD_LABELS = {
    "household": _("所属家庭"),
    "status": _("人员状态"),
    "statuses": _("救助身份"),
    "phone_masked": _("联系电话"),
}


def code_label(code: str) -> str:
    return str(CODE_LABELS.get(code, _("其他问题")))


def field_label(field: str) -> str:
    if not field:
        return ""
    if field in n.FIELDS:
        return gettext(n.FIELDS[field][1])  # header words, most already in the catalog
    if field in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[field])
    return str(_("其他"))
