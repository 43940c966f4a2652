from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.models import Need
from core.concurrency import VersionedFormMixin
from core.scoping import CHANGE
from core.widgets import with_prompt

from . import choices as c
from .models import Department, JointCase, Meeting
from .services import MEETING_LIFECYCLE, TASK_LIFECYCLE, allowed_steps

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads


def _active_departments(user):
    return Department.objects.restrict(user).filter(is_active=True)


class EscalateForm(forms.Form):
    needs = forms.ModelMultipleChoiceField(
        label=_("涉及需求"), queryset=Need.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        label=_("案情摘要"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("家庭困难情况、已采取的措施、本部门无法解决的原因、希望联席会议协调的事项。"),
    )

    def __init__(self, *args, user=None, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        needs = (
            Need.objects.restrict(user, CHANGE)
            .open()
            .filter(household=household)
            .exclude(joint_cases__status__in=c.OPEN_CASE_STATUSES)  # already before the meeting
            .order_by("rank", "id")
        )
        self.fields["needs"].queryset = needs
        if not needs.exists():
            self.fields["needs"].help_text = _("该家庭没有可提交的未办结需求：请先在需求台账中登记需求。")
        self.fields["needs"].label_from_instance = lambda n: f"{n.get_domain_display()}：{n.description[:40]}"


class CaseEditForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = JointCase
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class CaseTransitionForm(VersionedFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("办理为"), choices=())
    note = forms.CharField(
        label=_("意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回、撤回时必填。"),
    )

    def __init__(self, *args, user=None, case=None, **kwargs):
        super().__init__(*args, record=case, **kwargs)
        allowed = allowed_steps(case, user) if case and user else []
        labels = {
            c.CaseStatus.ENDORSED: _("审核通过，报联席会议"),
            c.CaseStatus.RETURNED: _("退回"),
            c.CaseStatus.SUBMITTED: _("重新提交"),
            c.CaseStatus.WITHDRAWN: _("撤回"),
        }
        self.fields["to"].choices = with_prompt((s, labels[s]) for s in allowed)


class ScheduleForm(forms.Form):
    meeting = forms.ModelChoiceField(label=_("列入会议"), queryset=Meeting.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = (
            Meeting.objects.restrict(user, CHANGE)
            .filter(status=c.MeetingStatus.SCHEDULED)
            .order_by("held_on", "id")
        )
        self.fields["meeting"].label_from_instance = lambda m: f"{m.title}（{m.held_on:%Y-%m-%d}）"


class TaskForm(forms.Form):
    department = forms.ModelChoiceField(label=_("责任单位"), queryset=Department.objects.none())
    action = forms.CharField(label=_("决议事项"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("办理期限"), widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _active_departments(user)


class ReportForm(VersionedFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("办理状态"), choices=())
    text = forms.CharField(label=_("进展情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user=None, task=None, **kwargs):
        super().__init__(*args, record=task, **kwargs)
        allowed = TASK_LIFECYCLE.allowed(task.status) if task else ()
        self.fields["status"].choices = with_prompt((s, TASK_LIFECYCLE.label(s)) for s in allowed)


class MeetingForm(VersionedFormMixin, forms.ModelForm):
    departments = forms.ModelMultipleChoiceField(
        label=_("参会单位"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Meeting
        fields = ["title", "held_on", "place", "departments", "attendees", "minutes"]
        widgets = {
            "held_on": DATE,
            "attendees": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = _active_departments(user)


class MeetingTransitionForm(VersionedFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("会议状态"), choices=())

    def __init__(self, *args, user=None, meeting=None, **kwargs):
        super().__init__(*args, record=meeting, **kwargs)
        allowed = MEETING_LIFECYCLE.allowed(meeting.status) if meeting else ()
        self.fields["to"].choices = with_prompt((s, MEETING_LIFECYCLE.label(s)) for s in allowed)
