from django import forms
from django.db.models import Case, IntegerField, When
from django.utils.translation import gettext_lazy as _

from core.scoping import CHANGE
from households.models import Household, Person

from . import choices as c
from .models import CatalogItem, Need, Provider
from .services import NEED_LIFECYCLE, NOTE_REQUIRED


class NeedForm(forms.Form):
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


class NeedEditForm(forms.ModelForm):
    class Meta:
        model = Need
        fields = ["domain", "urgency", "description"]
        widgets = {"urgency": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class NeedTransitionForm(forms.Form):
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
        super().__init__(*args, **kwargs)
        allowed = NEED_LIFECYCLE.allowed(need.status) if need else ()
        self.fields["to"].choices = [(s, NEED_LIFECYCLE.label(s)) for s in allowed]
        if need is not None:
            # Items of the need's own domain first.
            same_domain = Case(When(domain=need.domain, then=0), default=1, output_field=IntegerField())
            self.fields["item"].queryset = CatalogItem.objects.filter(is_active=True).order_by(
                same_domain, "name"
            )
        self.fields["note"].help_text = " ".join(str(v) for v in NOTE_REQUIRED.values())


class CatalogItemForm(forms.ModelForm):
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
        label=_("家庭条件（符合其一）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=c.HouseholdCondition.choices,
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
        from assessments.choices import Group
        from households.choices import AssistanceKind, DisabilityCategory

        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = Group.choices
        self.fields["assistance_kinds"].choices = AssistanceKind.choices
        self.fields["disability_categories"].choices = DisabilityCategory.choices
        self.fields["provider"].queryset = Provider.objects.filter(is_active=True)
        if self.instance.pk:
            self.fields["code"].disabled = True


class ProviderForm(forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["name", "kind", "contact_name", "contact_phone", "address", "note", "is_active"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class RecommendationTransitionForm(forms.Form):
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

        super().__init__(*args, **kwargs)
        allowed = UPTAKE_LIFECYCLE.allowed(recommendation.status) if recommendation else ()
        self.fields["to"].choices = [(s, UPTAKE_LIFECYCLE.label(s)) for s in allowed]
