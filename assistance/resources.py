"""django-import-export resources: admins bulk edit the two lists and the providers.

Columns are headed in Chinese (the field's own label, "项目编码", "所属清单" ...) and choices are
written as their Chinese labels ("政府救助清单", "特殊困难老年人、重残重病人员"), so an exported
sheet can be read, edited in Excel and imported again. On import a cell may hold the label or the
stable code, and a column may be headed by the label or the field name ("code", "groups"): older
sheets and scripts keep working. An unknown value is a row error that names the allowed values,
never a silent never-matching rule.
"""

import re

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from . import choices as c
from .codes import code_choices
from .models import CatalogItem, Provider

LIST_FIELDS = ["groups", "assistance_kinds", "disability_categories", "household_conditions"]
SEPARATORS = re.compile(r"[,，、;；\n]+")
TRUE_WORDS = {"是", "启用", "1", "true", "yes", "y", "t"}
FALSE_WORDS = {"否", "停用", "0", "false", "no", "n", "f"}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _lookup(choices) -> dict[str, str]:
    """Code or label (any case) -> code."""
    table = {}
    for code, label in choices:
        table[str(code).lower()] = code
        table[str(label).lower()] = code
    return table


def _allowed(choices) -> str:
    return "、".join(str(label) for _code, label in choices)


class LabelChoiceWidget(widgets.Widget):
    """One choice: reads the code or the label, writes the label."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return ""
        code = _lookup(self.choices()).get(text.lower())
        if code is None:
            raise ValueError(
                _("“%(value)s”不是可选的值（可选：%(allowed)s）")
                % {
                    "value": text[:50],
                    "allowed": _allowed(self.choices()),
                }
            )
        return code

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices()).get(value, value or ""))


class LabelListWidget(widgets.Widget):
    """A list of choices: "特殊困难老年人、重残重病人员" or "elderly,disabled_ill"."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        table = _lookup(self.choices())
        text = _text(value)
        # Labels may hold a separator themselves ("低保、特困或低边家庭"): read whole labels first.
        for code, label in sorted(self.choices(), key=lambda pair: -len(str(pair[1]))):
            text = text.replace(str(label), f",{code},")
        codes, unknown = [], []
        for part in SEPARATORS.split(text):
            part = part.strip()
            if not part:
                continue
            code = table.get(part.lower())
            if code is None:
                unknown.append(part[:50])
            elif code not in codes:
                codes.append(code)
        if unknown:
            raise ValueError(
                _("无法识别：%(values)s（可选：%(allowed)s，多个用顿号分隔）")
                % {
                    "values": "、".join(unknown),
                    "allowed": _allowed(self.choices()),
                }
            )
        return codes

    def render(self, value, obj=None, **kwargs):
        labels = dict(self.choices())
        return "、".join(str(labels.get(code, code)) for code in value or [])


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if text in ("",):
            return True  # a new row without the column is active
        if isinstance(value, bool):
            return value
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(_("请填写“是”或“否”"))

    def render(self, value, obj=None, **kwargs):
        return _("是") if value else _("否")


class ProviderNameWidget(widgets.ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        name = _text(value)
        if not name:
            raise ValueError(_("请填写提供方名称"))
        provider = Provider.objects.filter(name=name).first()
        if provider is None:
            raise ValueError(_("提供方“%(name)s”不存在：请先在服务提供方中添加或导入") % {"name": name[:50]})
        return provider


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ValueError, ArithmeticError) as error:
            raise ValueError(_("请填写整数")) from error


class PlainDateWidget(widgets.DateWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            value = super().clean(value, row, **kwargs)
        except ValueError as error:
            raise ValueError(_("日期无法识别，请写成 2026-01-31")) from error
        return value.date() if hasattr(value, "date") and callable(value.date) else value

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _field(model, name: str, widget=None) -> fields.Field:
    return fields.Field(attribute=name, column_name=_label(model, name), widget=widget)


class ChineseHeadersMixin:
    """Columns headed by the field name ("code") are read as the label ("项目编码")."""

    def before_import(self, dataset, **kwargs):
        by_name = {f.attribute: f.column_name for f in self.get_import_fields()}
        if dataset.headers:
            dataset.headers = [by_name.get(_text(h), _text(h)) for h in dataset.headers]
        return super().before_import(dataset, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        instance.full_clean(validate_unique=False)
        # History names the admin and the file (the import pages pass them; the Django admin
        # sets the user through the request middleware).
        if kwargs.get("history_user") is not None:
            instance._history_user = kwargs["history_user"]
        if kwargs.get("change_reason"):
            instance._change_reason = kwargs["change_reason"]
        if instance.pk is not None:
            instance.version += 1  # an admin with the item's form open is told (core.concurrency)

    def labels(self) -> dict[str, str]:
        """Column name -> field name, for messages that name the column."""
        return {f.column_name: f.attribute for f in self.get_import_fields()}


class ProviderResource(ChineseHeadersMixin, resources.ModelResource):
    name = _field(Provider, "name")
    kind = _field(Provider, "kind", LabelChoiceWidget(lambda: c.ProviderKind.choices))
    contact_name = _field(Provider, "contact_name")
    contact_phone = _field(Provider, "contact_phone")
    address = _field(Provider, "address")
    note = _field(Provider, "note")
    is_active = _field(Provider, "is_active", YesNoWidget())

    class Meta:
        model = Provider
        import_id_fields = ["name"]
        fields = ["name", "kind", "contact_name", "contact_phone", "address", "note", "is_active"]
        skip_unchanged = True
        report_skipped = True


def _codes(name: str):
    return lambda: code_choices()[name]


class CatalogItemResource(ChineseHeadersMixin, resources.ModelResource):
    code = _field(CatalogItem, "code")
    name = _field(CatalogItem, "name")
    list_kind = _field(CatalogItem, "list_kind", LabelChoiceWidget(lambda: c.CatalogList.choices))
    provider = fields.Field(
        attribute="provider",
        column_name=_label(CatalogItem, "provider"),
        widget=ProviderNameWidget(Provider, "name"),
    )
    domain = _field(CatalogItem, "domain", LabelChoiceWidget(lambda: c.NeedDomain.choices))
    benefit = _field(CatalogItem, "benefit")
    how_to_apply = _field(CatalogItem, "how_to_apply")
    active_from = _field(CatalogItem, "active_from", PlainDateWidget())
    active_to = _field(CatalogItem, "active_to", PlainDateWidget())
    groups = _field(CatalogItem, "groups", LabelListWidget(_codes("groups")))
    assistance_kinds = _field(CatalogItem, "assistance_kinds", LabelListWidget(_codes("assistance_kinds")))
    disability_categories = _field(
        CatalogItem, "disability_categories", LabelListWidget(_codes("disability_categories"))
    )
    household_conditions = _field(
        CatalogItem, "household_conditions", LabelListWidget(_codes("household_conditions"))
    )
    min_age = _field(CatalogItem, "min_age", WholeNumberWidget())
    max_age = _field(CatalogItem, "max_age", WholeNumberWidget())
    sex = _field(CatalogItem, "sex", LabelChoiceWidget(lambda: CatalogItem._meta.get_field("sex").choices))
    max_disability_grade = _field(CatalogItem, "max_disability_grade", WholeNumberWidget())
    is_active = _field(CatalogItem, "is_active", YesNoWidget())

    class Meta:
        model = CatalogItem
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "list_kind",
            "provider",
            "domain",
            "benefit",
            "how_to_apply",
            "active_from",
            "active_to",
            *LIST_FIELDS,
            "min_age",
            "max_age",
            "sex",
            "max_disability_grade",
            "is_active",
        ]
        skip_unchanged = True
        report_skipped = True


RESOURCES = {"items": CatalogItemResource, "providers": ProviderResource}
