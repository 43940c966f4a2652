from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedFormMixin
from core.scoping import CHANGE
from households import choices as hc
from households.models import Division, Person

from . import choices as c
from .models import EmploymentProfile, Post

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, required=True, **kwargs):
    return forms.DateField(label=label, required=required, widget=DATE, **kwargs)


class ProfileForm(VersionedFormMixin, forms.ModelForm):
    employment = forms.ChoiceField(
        label=_("就业状况"),
        choices=[("", _("（未填写）")), *hc.Employment.choices],
        required=False,
        help_text=_("分类筛查据此判断是否属于适龄未就业困难对象"),
    )

    class Meta:
        model = EmploymentProfile
        fields = [
            "education",
            "skills",
            "intention",
            "desired_job",
            "care_duties",
            "health_limits",
            "barrier_note",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    field_order = ["employment"]

    def __init__(self, *args, user=None, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["employment", *self.Meta.fields])
        if person is not None:
            self.fields["employment"].initial = person.employment


class TrainingForm(forms.Form):
    course = forms.CharField(label=_("培训项目"), max_length=100)
    organizer = forms.CharField(label=_("培训机构"), max_length=100, required=False)
    start_date = _date(_("开始日期"))
    end_date = _date(_("结束日期"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=c.TrainingStatus.choices, initial=c.TrainingStatus.ENROLLED
    )
    certificate = forms.CharField(label=_("取得证书"), max_length=100, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class TrainingFinishForm(forms.Form):
    status = forms.ChoiceField(
        label=_("办理为"), choices=[(v, label) for v, label in c.TrainingStatus.choices if v != "enrolled"]
    )
    end_date = _date(_("结束日期"), initial=timezone.localdate)
    certificate = forms.CharField(label=_("取得证书"), max_length=100, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class PostForm(VersionedFormMixin, forms.ModelForm):
    town = forms.ModelChoiceField(label=_("镇街"), queryset=Division.objects.none())

    class Meta:
        model = Post
        fields = ["town", "name", "employer", "capacity", "tenure_limit_months", "duties", "is_active"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        towns = Division.objects.towns().order_by("code")
        if user is not None and not user.sees_whole_city:
            towns = towns.filter(pk=user.division_id)
        self.fields["town"].queryset = towns
        if self.instance.pk:
            self.fields["town"].disabled = True


class PlacementForm(forms.Form):
    post = forms.ModelChoiceField(
        label=_("公益性岗位"),
        queryset=Post.objects.none(),
        empty_label=_("请选择岗位"),
        help_text=_("本人所在镇街招用中的岗位"),
    )
    start_date = _date(_("上岗日期"), initial=timezone.localdate)
    planned_end = _date(_("任职期满日期"), required=False, help_text=_("不填则按累计任职期限计算"))

    def __init__(self, *args, user=None, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if person is not None:
            self.fields["post"].queryset = Post.objects.restrict(user).filter(
                town_id=person.household.town_id, is_active=True
            )
            self.fields["post"].label_from_instance = lambda p: (
                _("%(post)s · 空岗 %(n)s")
                % {
                    "post": p,
                    "n": p.vacancies,
                }
            )


class PlacementEndForm(forms.Form):
    end_date = _date(_("离岗日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("离岗原因"), max_length=200)
    employment_after = forms.ChoiceField(label=_("离岗后就业状况"), choices=c.AFTER_PLACEMENT)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=c.ReferralKind.choices)
    employer = forms.CharField(label=_("招聘单位"), max_length=100)
    position = forms.CharField(label=_("岗位"), max_length=100)
    referred_on = _date(_("推荐日期"), initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class ReferralOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("结果"), choices=[(v, label) for v, label in c.ReferralOutcome.choices if v != "pending"]
    )
    employed_at = forms.CharField(label=_("就业单位"), max_length=100, required=False)
    employed_from = _date(_("就业日期"), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class SurveyForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("联系人员"), queryset=Person.objects.none(), required=False, empty_label=_("（家庭）")
    )
    method = forms.ChoiceField(label=_("方式"), choices=c.SurveyMethod.choices, widget=forms.RadioSelect)
    contacted_on = _date(_("联系日期"), initial=timezone.localdate)
    result = forms.ChoiceField(label=_("结果"), choices=c.SurveyResult.choices)
    note = forms.CharField(label=_("情况说明"), max_length=300, required=False)

    def __init__(self, *args, user=None, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            self.fields["person"].queryset = Person.objects.restrict(user, CHANGE).filter(
                household=household, status="active"
            )
            self.fields["person"].label_from_instance = lambda p: p.name
