from dataclasses import dataclass

from django import forms
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import idnumber
from core.concurrency import VersionedFormMixin
from core.scoping import CHANGE
from core.validators import is_valid_phone, normalize_phone
from core.widgets import SearchSelect

from . import choices as c
from .models import AssistanceStatus, Division, Household, Person
from .services import HOUSEHOLD_FIELDS, PERSON_FIELDS, duplicate_id_error, id_number_owner


def household_pick_label(household) -> str:
    return f"{household} · {household.community.name} · {household.address or '—'}"


def person_pick_label(person) -> str:
    return f"{person.name} · {person.id_masked} · {person.household.community.name}"


class ScopedFormMixin:
    """Form choices come from the same restrict() as every list: a user picks only from their area."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class HouseholdForm(VersionedFormMixin, ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area = Division.objects.restrict(self.user).filter(is_active=True).select_related("parent")
        self.fields["community"].queryset = area.filter(level=c.DivisionLevel.COMMUNITY)
        self.fields["community"].label_from_instance = lambda d: f"{d.parent.name} / {d.name}"
        self.fields["grid"].queryset = area.filter(level=c.DivisionLevel.GRID)

    def clean_code(self):
        return self.cleaned_data.get("code") or None


@dataclass
class FormSection:
    """A titled group of a form's fields, shaped like a form for includes/form_fields.html."""

    title: str
    fields: list
    minor_only: bool = False

    def visible_fields(self):
        return self.fields

    def hidden_fields(self):
        return []

    def non_field_errors(self):
        return []


# Parents and guardianship describe a child's situation (困境/留守儿童): asked for minors only.
MINOR_FIELDS = ("father_situation", "mother_situation", "guardianship")
ADULT_AGE = 18


class PersonForm(VersionedFormMixin, ScopedFormMixin, forms.ModelForm):
    SECTIONS = (
        (_("基本信息"), ("name", "relation", "id_number", "phone")),
        (_("健康与残疾"), ("disability_category", "disability_grade", "serious_illness", "care_level")),
        (_("就业与就学"), ("labor_capacity", "employment", "school_stage")),
        (_("居住与家庭"), ("living_arrangement", "special_family")),
        (_("未成年人情况（18 岁以下填写）"), MINOR_FIELDS),
        (_("迁户"), ("move_to",)),
    )

    id_number = forms.CharField(
        label=_("身份证号码"), max_length=30, help_text=_("18位，末位可为X；15位旧号码会自动升级。")
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    move_to = forms.ModelChoiceField(
        label=_("迁入其他家庭"),
        queryset=Household.objects.none(),
        required=False,
        widget=SearchSelect(
            search_url=reverse_lazy("households:household-pick"),
            placeholder=_("户主姓名、拼音首字母或身份证后4-6位"),
        ),
        help_text=_("搜索并选择目标家庭即可迁户；不选则不变。"),
        error_messages={"invalid_choice": _("找不到该家庭，或不在您的管辖范围内。")},
    )

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        error_messages = {"name": {"required": _("请填写姓名。")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            # Leave blank to keep: the clear number is never put into the page.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前：%(masked)s。如需更正请填写新号码，留空则不变。") % {
                "masked": self.instance.id_masked
            }
            self.fields["phone"].help_text = _("当前：%(masked)s。留空则不变；填“-”清除。") % {
                "masked": self.instance.phone_masked or "—"
            }
            self.fields["move_to"].queryset = (
                Household.objects.restrict(self.user, CHANGE)
                .filter(status=c.RecordStatus.ACTIVE)
                .select_related("community")
            )
            self.fields["move_to"].label_from_instance = household_pick_label
            if self.instance.age >= ADULT_AGE and not any(getattr(self.instance, f) for f in MINOR_FIELDS):
                for name in MINOR_FIELDS:  # a 73-year-old is not asked about their parents
                    del self.fields[name]
        else:
            del self.fields["move_to"]

    @property
    def sections(self) -> list[FormSection]:
        """The fields in titled groups (any field not listed goes to the first group)."""
        listed = {name for _title, names in self.SECTIONS for name in names}
        sections = []
        for i, (title, names) in enumerate(self.SECTIONS):
            names = [n for n in names if n in self.fields]
            if i == 0:
                names += [n for n in self.fields if n not in listed and n != "version"]
            if names:
                sections.append(FormSection(title, [self[n] for n in names], names == list(MINOR_FIELDS)))
        return sections

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("请填写姓名。"))
        return name

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number", "")
        if not raw:
            return ""
        try:
            value = idnumber.parse(raw).value
        except idnumber.IdNumberError as error:
            raise forms.ValidationError(error.message) from None
        self._check_not_registered(idnumber.id_hash(value))
        return value

    def _check_not_registered(self, id_hash: str) -> None:
        """A number already registered: link to that record if the user may see it (the service
        checks again at save, for the race; it cannot write HTML)."""
        error = duplicate_id_error(id_hash, user=self.user, exclude_pk=self.instance.pk)
        if error is None:
            return
        owner = id_number_owner(id_hash, user=self.user, exclude_pk=self.instance.pk)
        if owner is None:
            raise forms.ValidationError(error.message_dict["id_number"])
        raise forms.ValidationError(
            format_html(
                '{} <a href="{}">{}</a>',
                _("该身份证号码已登记。"),
                reverse("households:person-detail", args=[owner.pk]),
                _("查看已登记的人员：%(name)s") % {"name": owner.name},
            )
        )

    def clean_phone(self):
        raw = self.cleaned_data.get("phone", "")
        if self.instance.pk and raw == "":
            return None  # unchanged
        if raw.strip() == "-":
            return ""
        phone = normalize_phone(raw)
        if phone and not is_valid_phone(phone):
            raise forms.ValidationError(_("请填写11位手机号码或固定电话号码。"))
        return phone

    def clean(self):
        data = super().clean()
        grade, category = data.get("disability_grade"), data.get("disability_category")
        if grade and not category:
            self.add_error("disability_category", _("填写残疾等级时请同时选择残疾类别。"))
        return data


class AssistanceStatusForm(forms.ModelForm):
    class Meta:
        model = AssistanceStatus
        fields = ["kind", "detail", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("终止日期不能早于认定日期。"))
        return data


class StatusEndForm(forms.Form):
    end_date = forms.DateField(label=_("终止日期"), widget=forms.DateInput(attrs={"type": "date"}))
