"""Joint meeting pages: thin views over the shared generics and the services."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from assessments.views import FormPageMixin, HouseholdStepView, ObjectStepView, StaffOnlyMixin
from core.history import history_entries
from core.pagination import IdsFirstPaginator
from core.scoping import CHANGE
from core.views import ObjectDetailView, ObjectListView, ScopedObjectMixin, ServiceFormView
from households.models import Household

from . import choices as c
from . import exports, selectors, services
from .filtersets import DepartmentFilterSet, JointCaseFilterSet, MeetingFilterSet, ResolutionTaskFilterSet
from .forms import (
    CaseEditForm,
    CaseTransitionForm,
    EscalateForm,
    MeetingForm,
    MeetingTransitionForm,
    ReportForm,
    ScheduleForm,
    TaskForm,
)
from .models import Department, JointCase, Meeting, ResolutionTask, can_run_meetings


class SecretariatRequiredMixin:
    """Pages that run meetings: anyone else gets the 404 of every write URL."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_run_meetings(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class JointHomeView(StaffOnlyMixin, TemplateView):
    """联席会议 at a glance: overdue tasks first (the secretariat's 督办), then what waits."""

    template_name = "meetings/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            overdue=selectors.overdue_tasks(user)[:20],
            by_department=selectors.overdue_by_department(user),
            upcoming=selectors.upcoming_meetings(user)[:5],
            awaiting_agenda=selectors.cases_awaiting_agenda(user)[:20],
            awaiting_endorsement=selectors.cases_awaiting_endorsement(user)[:20],
            can_run=can_run_meetings(user),
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# Cases


class CaseListView(StaffOnlyMixin, ObjectListView):
    model = JointCase
    filterset_class = JointCaseFilterSet
    template_name = "meetings/case_list.html"
    export_columns = exports.CASE_COLUMNS
    # The page's ids from the (status, created_at) indexes first, then those rows with their joins.
    paginator_class = IdsFirstPaginator
    default_sort = "-created_at"
    sort_fields = {"created": "created_at", "status": "status"}

    def base_queryset(self):
        return JointCase.objects.select_related(
            "household__town", "household__community", "meeting"
        ).prefetch_related("household__members")


class CaseDetailView(StaffOnlyMixin, ObjectDetailView):
    model = JointCase
    template_name = "meetings/case_detail.html"

    def base_queryset(self):
        return JointCase.objects.select_related(
            "household__town", "household__community", "meeting", "author", "endorsed_by"
        )

    def get_context_data(self, **kwargs):
        case, user = self.object, self.request.user
        transition_form = CaseTransitionForm(case=case, user=user)
        in_reach = JointCase.objects.restrict(user, CHANGE).filter(pk=case.pk).exists()
        return super().get_context_data(
            needs=case.needs.restrict(user).order_by("rank", "id"),
            # A liaison sees the case, not the household's page (PIPL): no link to a 404.
            household_visible=Household.objects.restrict(user).filter(pk=case.household_id).exists(),
            tasks=case.tasks.select_related("department").prefetch_related("reports__reported_by"),
            transition_form=transition_form if in_reach and transition_form.fields["to"].choices else None,
            can_edit=in_reach and case.is_editable and user.can_write,
            can_run=can_run_meetings(user),
            schedule_form=ScheduleForm(user=user) if case.status == c.CaseStatus.ENDORSED else None,
            task_form=TaskForm(user=user)
            if case.status in (c.CaseStatus.ON_AGENDA, c.CaseStatus.RESOLVING)
            and case.meeting
            and case.meeting.status == c.MeetingStatus.HELD
            else None,
            history=history_entries(case.history.all(), _("案件"), user=user),
            **kwargs,
        )


class EscalateView(HouseholdStepView):
    form_class = EscalateForm
    page_title = _("提交联席会议")
    success_message = _("案件已提交，等待镇街审核。")
    result_url_name = "meetings:case-detail"

    def perform(self, form):
        data = form.cleaned_data
        return services.case_escalate(
            user=self.request.user, household=self.household, needs=data["needs"], summary=data["summary"]
        )


class _CaseStepView(ObjectStepView):
    model = JointCase
    object_attr = "case"
    success_url_name = "meetings:case-detail"


class CaseUpdateView(_CaseStepView):
    form_class = CaseEditForm
    page_title = _("修改案情摘要")
    success_message = _("案件已修改。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.case}

    def perform(self, form):
        return services.case_update(
            case=self.case,
            user=self.request.user,
            summary=form.cleaned_data["summary"],
            expected_version=form.expected_version,
        )


class CaseTransitionView(_CaseStepView):
    form_class = CaseTransitionForm
    page_title = _("办理案件")
    success_message = _("案件状态已更新。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def perform(self, form):
        data = form.cleaned_data
        return services.case_transition(
            case=self.case,
            to=data["to"],
            user=self.request.user,
            note=data["note"],
            expected_version=form.expected_version,
        )


class CaseScheduleView(SecretariatRequiredMixin, _CaseStepView):
    form_class = ScheduleForm
    page_title = _("列入会议议程")
    success_message = _("案件已列入议程。")

    def perform(self, form):
        return services.case_schedule(
            case=self.case, meeting=form.cleaned_data["meeting"], user=self.request.user
        )


class CaseUnscheduleView(SecretariatRequiredMixin, StaffOnlyMixin, ScopedObjectMixin, TemplateView):
    model = JointCase
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        case = self.get_object()
        try:
            services.case_unschedule(case=case, user=request.user)
            messages.success(request, _("案件已移出议程。"))
        except services.ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("meetings:case-detail", args=[case.pk]))


class TaskAddView(SecretariatRequiredMixin, _CaseStepView):
    form_class = TaskForm
    page_title = _("录入决议事项")
    success_message = _("决议事项已交办。")

    def perform(self, form):
        return services.task_add(case=self.case, user=self.request.user, **form.cleaned_data)


# ---------------------------------------------------------------------------------------------
# Meetings


class MeetingListView(StaffOnlyMixin, ObjectListView):
    model = Meeting
    filterset_class = MeetingFilterSet
    template_name = "meetings/meeting_list.html"
    export_columns = exports.MEETING_COLUMNS
    default_sort = "-held_on"
    sort_fields = {"held": "held_on"}

    def base_queryset(self):
        return Meeting.objects.prefetch_related("departments")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_run=can_run_meetings(self.request.user), **kwargs)


class MeetingDetailView(StaffOnlyMixin, ObjectDetailView):
    model = Meeting
    template_name = "meetings/meeting_detail.html"

    def base_queryset(self):
        return Meeting.objects.prefetch_related("departments").select_related("created_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.record(), **kwargs)

    def record(self) -> dict:
        """The agenda and resolutions this user may see; cases outside their reach are counted only."""
        meeting, user = self.object, self.request.user
        agenda = list(
            JointCase.objects.restrict(user)
            .filter(meeting=meeting)
            .select_related("household__town", "household__community")
            .prefetch_related("household__members", "needs")
            .order_by("agenda_order", "id")
        )
        tasks = ResolutionTask.objects.restrict(user).filter(meeting=meeting).select_related("department")
        by_case = {}
        for task in tasks.order_by("case_id", "deadline", "id"):
            by_case.setdefault(task.case_id, []).append(task)
        for case in agenda:
            case.meeting_tasks = by_case.get(case.pk, [])
        hidden = JointCase.objects.filter(meeting=meeting).count() - len(agenda)
        can_run = can_run_meetings(user)
        return {
            "agenda": agenda,
            "hidden_cases": hidden,
            "can_run": can_run,
            "transition_form": MeetingTransitionForm(meeting=meeting) if can_run else None,
            "history": history_entries(meeting.history.all(), _("会议"), user=user),
        }


class MeetingPrintView(MeetingDetailView):
    template_name = "meetings/meeting_print.html"


class MeetingCreateView(SecretariatRequiredMixin, StaffOnlyMixin, FormPageMixin, ServiceFormView):
    form_class = MeetingForm
    page_title = _("安排联席会议")
    success_message = _("会议已安排。")

    def perform(self, form):
        return services.meeting_create(user=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        if getattr(self, "result", None):
            return reverse("meetings:meeting-detail", args=[self.result.pk])
        return reverse("meetings:meeting-list")


class _MeetingStepView(
    SecretariatRequiredMixin, StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView
):
    model = Meeting

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.meeting = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.meeting, **kwargs)

    def get_success_url(self):
        return reverse("meetings:meeting-detail", args=[self.meeting.pk])


class MeetingUpdateView(_MeetingStepView):
    form_class = MeetingForm
    page_title = _("修改会议与纪要")
    success_message = _("会议已保存。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.meeting}

    def perform(self, form):
        return services.meeting_update(
            meeting=self.meeting,
            user=self.request.user,
            expected_version=form.expected_version,
            **form.cleaned_data,
        )


class MeetingTransitionView(_MeetingStepView):
    form_class = MeetingTransitionForm
    page_title = _("会议状态")
    success_message = _("会议状态已更新。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "meeting": self.meeting}

    def perform(self, form):
        return services.meeting_transition(
            meeting=self.meeting,
            to=form.cleaned_data["to"],
            user=self.request.user,
            expected_version=form.expected_version,
        )


# ---------------------------------------------------------------------------------------------
# Resolution tasks and departments


class TaskListView(StaffOnlyMixin, ObjectListView):
    model = ResolutionTask
    filterset_class = ResolutionTaskFilterSet
    template_name = "meetings/task_list.html"
    export_columns = exports.TASK_COLUMNS
    paginator_class = IdsFirstPaginator
    sort_fields = {"deadline": "deadline", "status": "status"}

    def base_queryset(self):
        return ResolutionTask.objects.select_related(
            "department", "case__household__town", "case__household__community"
        ).prefetch_related("case__household__members")

    # Open tasks by deadline (the most overdue first) until the user picks another state; the
    # index (status, deadline, id) serves it.
    filter_defaults = {"state": "open"}
    default_sort = "deadline"


class TaskDetailView(StaffOnlyMixin, ObjectDetailView):
    model = ResolutionTask
    template_name = "meetings/task_detail.html"

    def base_queryset(self):
        return ResolutionTask.objects.select_related(
            "department", "meeting", "created_by", "case__household__town", "case__household__community"
        )

    def get_context_data(self, **kwargs):
        task, user = self.object, self.request.user
        may = services.may_report(user, task) and task.is_open
        return super().get_context_data(
            reports=task.reports.select_related("reported_by"),
            report_form=ReportForm(task=task) if may else None,
            history=history_entries(task.history.all(), _("决议事项"), user=user),
            **kwargs,
        )


class TaskReportView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    model = ResolutionTask
    form_class = ReportForm
    page_title = _("报告进展")
    success_message = _("进展已报告。")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.task = self.get_object()
            if not services.may_report(request.user, self.task):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "task": self.task}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.task, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.task_report(
            task=self.task,
            user=self.request.user,
            text=data["text"],
            status=data["status"],
            expected_version=form.expected_version,
        )

    def get_success_url(self):
        return reverse("meetings:task-detail", args=[self.task.pk])


class DepartmentListView(StaffOnlyMixin, ObjectListView):
    model = Department
    filterset_class = DepartmentFilterSet
    template_name = "meetings/department_list.html"
    export_columns = exports.DEPARTMENT_COLUMNS
    default_sort = "sort"
