from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from core import idnumber
from core.concurrency import VersionedFormMixin
from core.scoping import CHANGE
from core.widgets import SearchSelect
from households import choices as hc
from households.forms import person_pick_label
from households.models import Division, Person

from . import choices as c
from .models import VagrantRecord
from .services import VAGRANT_FIELDS


class UserFormMixin:
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class OverrideForm(UserFormMixin, forms.Form):
    verdict = forms.ChoiceField(label=_("人工认定"), choices=c.Verdict.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    # The verdict the worker saw when the page opened (core.concurrency's idea for a create).
    seen_override = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class TaskCompleteForm(UserFormMixin, forms.Form):
    note = forms.CharField(label=_("办理说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def _id_list(value: list[str]) -> list[int]:
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError) as error:
        raise forms.ValidationError(_("选择的事项无效。")) from error


class TaskBulkForm(forms.Form):
    """A selection of tasks on the task page and what to do with them."""

    ids = forms.MultipleChoiceField(label=_("选择"), required=True)
    action = forms.ChoiceField(
        label=_("批量操作"),
        choices=[("confirm", _("确认办结")), ("close", _("关闭（须填写原因）"))],
        widget=forms.Select(attrs={"id": "id_bulk_action"}),
    )
    reason = forms.CharField(label=_("说明或关闭原因"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].valid_value = lambda value: True  # checked against the area by the service
        self.fields["ids"].error_messages["required"] = _("请先勾选事项。")

    def clean_ids(self):
        return _id_list(self.cleaned_data["ids"])


class BaselineConfirmForm(forms.Form):
    """Placements of a baseline review to confirm."""

    ids = forms.MultipleChoiceField(label=_("选择"), required=True)
    reason = forms.CharField(label=_("核实说明"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].valid_value = lambda value: True
        self.fields["ids"].error_messages["required"] = _("请先勾选人员。")

    def clean_ids(self):
        return _id_list(self.cleaned_data["ids"])


class AlertForm(UserFormMixin, forms.Form):
    person = forms.ModelChoiceField(
        label=_("人员"),
        queryset=Person.objects.none(),
        required=False,
        widget=SearchSelect(
            search_url=reverse_lazy("households:person-pick"),
            placeholder=_("姓名、拼音首字母或身份证后4-6位"),
        ),
        error_messages={"invalid_choice": _("找不到该人员，或不在您的管辖范围内。")},
    )
    id_number = forms.CharField(
        label=_("或填写身份证号码"), max_length=30, required=False, help_text=_("未在上方选择人员时填写")
    )
    kind = forms.ChoiceField(label=_("预警类型"), choices=c.AlertKind.choices)
    department = forms.CharField(label=_("推送部门"), max_length=64, required=False)
    occurred_on = forms.DateField(
        label=_("发生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    description = forms.CharField(
        label=_("预警内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.restrict(self.user, CHANGE).select_related(
            "household__community"
        )
        self.fields["person"].label_from_instance = person_pick_label

    def clean(self):
        data = super().clean()
        if data.get("person") is not None:
            self.person = data["person"]
        elif not data.get("id_number") and not self.errors:
            self.add_error("person", _("请选择人员，或填写身份证号码。"))
        return data

    def clean_id_number(self):
        if not self.cleaned_data.get("id_number"):
            return ""
        try:
            parsed = idnumber.parse(self.cleaned_data["id_number"])
        except idnumber.IdNumberError as error:
            raise forms.ValidationError(error.message) from None
        person = (
            Person.objects.restrict(self.user, CHANGE)
            .filter(id_hash=idnumber.id_hash(parsed.value))
            .select_related("household")
            .first()
        )
        if person is None:
            raise forms.ValidationError(_("该身份证号码未在册，或不在您的管辖范围内。"))
        self.person = person
        return parsed.value


class AlertVerifyForm(VersionedFormMixin, UserFormMixin, forms.Form):
    method = forms.ChoiceField(label=_("核实方式"), choices=c.VerifyMethod.choices)
    confirmed = forms.TypedChoiceField(
        label=_("核实结果"),
        choices=[("1", _("情况属实")), ("0", _("情况不属实"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("核实情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


ADMIT_KINDS = [
    (k.value, k.label)
    for k in hc.AssistanceKind
    if k not in (hc.AssistanceKind.TEMPORARY, hc.AssistanceKind.ORPHAN, hc.AssistanceKind.DE_FACTO_ORPHAN)
]


class AlertHandleForm(VersionedFormMixin, UserFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("处置结果"), choices=c.AlertOutcome.choices)
    assistance_kind = forms.ChoiceField(
        label=_("纳入的救助类型"),
        choices=[("", "—"), *ADMIT_KINDS],
        required=False,
        help_text=_("处置结果为“纳入救助”时必填"),
    )
    note = forms.CharField(
        label=_("处置说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("转介须写明转介部门；关闭须写明理由"),
    )


class AlertImportForm(UserFormMixin, forms.Form):
    file = forms.FileField(label=_("预警名单（.xlsx 或 .csv）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("仅支持 .xlsx 或 .csv 文件。"))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 5 MB。"))
        return upload


class VagrantForm(VersionedFormMixin, UserFormMixin, forms.ModelForm):
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=30, required=False, help_text=_("已知时填写，系统会关联在册人员")
    )

    class Meta:
        model = VagrantRecord
        fields = VAGRANT_FIELDS
        widgets = {
            "found_on": forms.DateInput(attrs={"type": "date"}),
            "outcome_on": forms.DateInput(attrs={"type": "date"}),
            "situation": forms.Textarea(attrs={"rows": 3}),
            "tracing_note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area = Division.objects.restrict(self.user).filter(level=hc.DivisionLevel.COMMUNITY, is_active=True)
        self.fields["community"].queryset = area.select_related("parent")
        self.fields["community"].label_from_instance = lambda d: f"{d.parent.name} / {d.name}"

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number")
        if not raw:
            return ""
        try:
            return idnumber.parse(raw).value
        except idnumber.IdNumberError as error:
            raise forms.ValidationError(error.message) from None
