import datetime as dt

from django import forms
from django.db.models import Case, IntegerField, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedFormMixin
from core.scoping import CHANGE
from core.widgets import with_prompt
from households.models import Household, Person

from . import choices as c
from .codes import code_choices
from .models import CarePlan, CatalogItem, Need, Provider
from .services import NEED_LIFECYCLE, NOTE_REQUIRED

EMPTY_LABEL = _("请选择")
DJANGO_BLANK = "---------"


class ChineseEmptyLabelMixin:
    """Selects say "请选择", never Django's "---------": the ModelChoiceField empty label and the
    blank choice Django adds to a model field with choices and blank=True."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.empty_label == DJANGO_BLANK:
                field.empty_label = EMPTY_LABEL
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                field.choices = [
                    ("", EMPTY_LABEL) if value == "" and label == DJANGO_BLANK else (value, label)
                    for value, label in field.choices
                ]


class NeedForm(ChineseEmptyLabelMixin, forms.Form):
    person = forms.ModelChoiceField(
        label=_("涉及人员"), queryset=Person.objects.none(), required=False, empty_label=_("全家")
    )
    domain = forms.ChoiceField(label=_("需求领域"), choices=c.NeedDomain.choices)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=c.Urgency.choices, initial=c.Urgency.NORMAL, widget=forms.RadioSelect
    )
    source = forms.ChoiceField(
        label=_("来源"), choices=c.NeedSource.choices, initial=c.NeedSource.SELF_REPORT
    )
    description = forms.CharField(
        label=_("需求描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            self.fields["person"].queryset = Person.objects.restrict(user, CHANGE).filter(household=household)
            self.fields["person"].label_from_instance = lambda p: p.name


class NeedEditForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.ModelForm):
    class Meta:
        model = Need
        fields = ["domain", "urgency", "description"]
        widgets = {"urgency": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class NeedTransitionForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.Form):
    to = forms.ChoiceField(label=_("办理为"), choices=())
    item = forms.ModelChoiceField(
        label=_("匹配清单项目"),
        queryset=CatalogItem.objects.filter(is_active=True),
        required=False,
        empty_label=_("（不变）"),
    )
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, need: Need | None = None, **kwargs):
        super().__init__(*args, record=need, **kwargs)
        allowed = NEED_LIFECYCLE.allowed(need.status) if need else ()
        self.fields["to"].choices = with_prompt((s, NEED_LIFECYCLE.label(s)) for s in allowed)
        if need is not None:
            # Items of the need's own domain first.
            same_domain = Case(When(domain=need.domain, then=0), default=1, output_field=IntegerField())
            self.fields["item"].queryset = CatalogItem.objects.filter(is_active=True).order_by(
                same_domain, "name"
            )
        # Only the hints for the choices offered, each after its status: "未满足关闭：请说明…".
        self.fields["note"].help_text = " ".join(
            gettext("%(status)s：%(hint)s") % {"status": NEED_LIFECYCLE.label(s), "hint": NOTE_REQUIRED[s]}
            for s in allowed
            if s in NOTE_REQUIRED
        )


class CatalogItemForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.ModelForm):
    groups = forms.MultipleChoiceField(
        label=_("适用分类对象"), required=False, widget=forms.CheckboxSelectMultiple
    )
    assistance_kinds = forms.MultipleChoiceField(
        label=_("适用救助类型"), required=False, widget=forms.CheckboxSelectMultiple
    )
    disability_categories = forms.MultipleChoiceField(
        label=_("适用残疾类别"), required=False, widget=forms.CheckboxSelectMultiple
    )
    household_conditions = forms.MultipleChoiceField(
        label=_("家庭条件（符合其一）"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CatalogItem
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
            "groups",
            "assistance_kinds",
            "min_age",
            "max_age",
            "sex",
            "max_disability_grade",
            "disability_categories",
            "household_conditions",
            "is_active",
        ]
        widgets = {
            "active_from": forms.DateInput(attrs={"type": "date"}),
            "active_to": forms.DateInput(attrs={"type": "date"}),
            "benefit": forms.Textarea(attrs={"rows": 3}),
            "how_to_apply": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in code_choices().items():
            self.fields[name].choices = choices
        self.fields["provider"].queryset = Provider.objects.filter(is_active=True)
        if self.instance.pk:
            self.fields["code"].disabled = True


class ProviderForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["name", "kind", "contact_name", "contact_phone", "address", "note", "is_active"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class RecommendationTransitionForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.Form):
    to = forms.ChoiceField(label=_("办理为"), choices=())
    note = forms.CharField(
        label=_("说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("选择“不需要”时请说明原因。"),
    )

    def __init__(self, *args, user=None, recommendation=None, **kwargs):
        from .services import UPTAKE_LIFECYCLE

        super().__init__(*args, record=recommendation, **kwargs)
        allowed = UPTAKE_LIFECYCLE.allowed(recommendation.status) if recommendation else ()
        self.fields["to"].choices = with_prompt((s, UPTAKE_LIFECYCLE.label(s)) for s in allowed)


class PlanForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.ModelForm):
    class Meta:
        model = CarePlan
        fields = ["summary", "goals", "review_on"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 4}),
            "review_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"review_on": _("到期后系统在“我的待办”中提醒评估")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_review_on(self):
        value = self.cleaned_data["review_on"]
        if value <= dt.date.today():
            raise forms.ValidationError(_("评估日期须在今天以后。"))
        return value


class ActionForm(ChineseEmptyLabelMixin, forms.Form):
    description = forms.CharField(label=_("帮扶措施"), max_length=300)
    need = forms.ModelChoiceField(
        label=_("对应需求"), queryset=Need.objects.none(), required=False, empty_label=_("（无）")
    )
    item = forms.ModelChoiceField(
        label=_("清单项目"),
        queryset=CatalogItem.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("（无）"),
    )
    owner = forms.ModelChoiceField(
        label=_("责任人"), queryset=None, required=False, empty_label=_("（未指定）")
    )
    owner_team = forms.ModelChoiceField(
        label=_("责任队伍"), queryset=None, required=False, empty_label=_("（未指定）")
    )
    due_on = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, plan=None, **kwargs):
        from .services import owner_choices, team_choices

        super().__init__(*args, **kwargs)
        household = plan.household
        self.fields["need"].queryset = Need.objects.restrict(user, CHANGE).filter(household=household).open()
        self.fields["need"].label_from_instance = lambda n: f"{n.get_domain_display()}：{n.description[:30]}"
        self.fields["owner"].queryset = owner_choices(user=user, household=household).order_by("username")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["owner_team"].queryset = team_choices(user=user, household=household)

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not data.get("owner_team"):
            raise forms.ValidationError(_("请指定责任人或责任队伍。"))
        return data


class PlanTransitionForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.Form):
    to = forms.ChoiceField(label=_("办理为"), choices=())
    note = forms.CharField(
        label=_("意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回时填写退回意见；评估时填写评估意见。"),
    )
    review_on = forms.DateField(
        label=_("下一次评估日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("评估后继续执行时填写"),
    )

    def __init__(self, *args, user=None, plan=None, **kwargs):
        from .services import PLAN_LIFECYCLE, can_approve

        super().__init__(*args, record=plan, **kwargs)
        allowed = PLAN_LIFECYCLE.allowed(plan.status) if plan else ()
        if plan is not None and plan.status == c.PlanStatus.SUBMITTED and not can_approve(user, plan):
            allowed = ()
        labels = {
            c.PlanStatus.SUBMITTED: _("提交审批"),
            c.PlanStatus.APPROVED: _("审批通过"),
            c.PlanStatus.DRAFT: _("退回修改"),
            c.PlanStatus.ACTIVE: _("启用执行"),
            c.PlanStatus.REVIEWED: _("完成评估"),
            c.PlanStatus.CLOSED: _("结束方案"),
        }
        self.fields["to"].choices = with_prompt((s, labels[s]) for s in allowed)


class ActionFinishForm(VersionedFormMixin, ChineseEmptyLabelMixin, forms.Form):
    done = forms.TypedChoiceField(
        label=_("落实情况"),
        choices=[("1", _("已完成")), ("0", _("取消该措施"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, action=None, **kwargs):
        super().__init__(*args, record=action, **kwargs)


class CatalogUploadForm(ChineseEmptyLabelMixin, forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=[("", "---------"), *c.CatalogImportKind.choices])
    file = forms.FileField(
        label=_("Excel 文件"),
        help_text=_("请用本页“导出”得到的表格作模板（.xlsx）。上传后先校验预览，确认后才写入。"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        from .catalog_io import MB, max_upload_bytes

        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 文件（在 Excel 中“另存为 Excel 工作簿”）。"))
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(_("文件太大（上限 %(mb)s MB）。") % {"mb": max_upload_bytes() // MB})
        return upload
