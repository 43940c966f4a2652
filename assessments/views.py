"""Screening pages: thin declarations over core's scoped generic views and the services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.choices import Role
from core.models import Task
from core.scoping import CHANGE, VIEW
from core.views import (
    ObjectActionView,
    ObjectDetailView,
    ObjectListView,
    ScopedObjectMixin,
    ServiceFormView,
    WriterRequiredMixin,
)
from households.models import Household, Person

from . import choices as c
from . import exports, selectors, services
from .filtersets import (
    AlertFilterSet,
    GroupDecisionFilterSet,
    OverrideFilterSet,
    TaskFilterSet,
    VagrantRecordFilterSet,
)
from .forms import (
    AlertForm,
    AlertHandleForm,
    AlertImportForm,
    AlertVerifyForm,
    BaselineConfirmForm,
    OverrideForm,
    TaskBulkForm,
    TaskCompleteForm,
    VagrantForm,
)
from .models import Alert, GroupDecision, Override, ScreeningMark, ScreeningSweep, VagrantRecord
from .tasks import enqueue_rescreen
from .warning_import import import_alerts


class StaffOnlyMixin:
    """Screening, alerts and vagrants are not a volunteer's business (minimum necessary access)."""

    def dispatch(self, request, *args, **kwargs):
        if getattr(request.user, "is_volunteer", False):
            if isinstance(self, WriterRequiredMixin) or getattr(self, "scope_action", VIEW) == CHANGE:
                raise Http404  # a write URL: the same answer as for every read-only role
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FormPageMixin:
    """Service forms share one template: a title, the fields, and a way back."""

    template_name = "assessments/form.html"
    page_title = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.page_title, back_url=self.get_success_url(), **kwargs)


class ObjectStepView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    """A service form acting on one object the user may change (404 otherwise, like every write
    URL), that returns to the object's page. Subclasses name the object (``self.need`` ...)."""

    object_attr = "object"
    success_url_name = ""
    success_url_field = "pk"  # the object's field the page to return to takes
    form_kwarg = None  # the form's keyword for the object, if it takes one
    fetch_for_volunteers = True  # False: a volunteer gets the staff-only answer before any lookup

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (self.fetch_for_volunteers or not getattr(user, "is_volunteer", False)):
            setattr(self, self.object_attr, self.get_object())
        return super().dispatch(request, *args, **kwargs)

    @property
    def step_object(self):
        return getattr(self, self.object_attr)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, self.form_kwarg: self.step_object} if self.form_kwarg else kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.step_object, **kwargs)

    def get_success_url(self):
        return reverse(self.success_url_name, args=[getattr(self.step_object, self.success_url_field)])


class HouseholdStepView(ObjectStepView):
    """A service form that makes something for one household the user may change (a need, a care
    plan, a joint-meeting case ...): the household is the URL's ``household_pk`` (404 outside the
    area or for a read-only role); afterwards the new object's page (``result_url_name``), or the
    household's when the service made nothing."""

    model = Household
    object_attr = "household"
    pk_url_kwarg = "household_pk"
    form_kwarg = "household"
    success_url_name = "households:household-detail"
    result_url_name = ""

    def get_success_url(self):
        if self.result_url_name and getattr(self, "result", None):
            return reverse(self.result_url_name, args=[self.result.pk])
        return super().get_success_url()


# ---------------------------------------------------------------------------------------------
# Groups and decisions


class GroupListView(StaffOnlyMixin, ObjectListView):
    model = GroupDecision
    filterset_class = GroupDecisionFilterSet
    template_name = "assessments/group_list.html"
    export_columns = exports.DECISION_COLUMNS
    default_sort = "-decided_at"
    sort_fields = {"decided": "decided_at", "group": "group", "name": "person__name_initials"}
    filter_defaults = {"active": "true"}

    def base_queryset(self):
        return GroupDecision.objects.select_related(
            "person__household__town", "person__household__community"
        ).prefetch_related("overrides")

    def get_context_data(self, **kwargs):
        from stats import selectors as stats

        user = self.request.user
        counts = stats.group_counts(user)
        if counts is None:  # an area the summary rows do not cover (a grid): count its few rows
            counts = stats.raw_group_counts(user)
        # Most vagrants are on no roster: their open, eligible intake records are the group's other
        # members (a record linked to a registry person is counted through that person's decision).
        unlisted = VagrantRecord.objects.restrict(user).open_eligible().filter(person__isnull=True).count()
        counts[c.Group.VAGRANT] = counts.get(c.Group.VAGRANT, 0) + unlisted
        return super().get_context_data(
            group_counts=[(code, label, counts.get(code, 0)) for code, label in c.Group.choices],
            unlisted_vagrants=unlisted,
            last_sweep=ScreeningSweep.objects.order_by("-finished_at", "-id").first(),
            **kwargs,
        )


class CityAdminOnlyMixin:
    """Screening runs cover the whole city: anyone but a city admin gets 404."""

    def dispatch(self, request, *args, **kwargs):
        if not getattr(request.user, "is_city_admin", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SweepListView(CityAdminOnlyMixin, ListView):
    """The passes over everyone: nightly incremental ones and full comparisons."""

    model = ScreeningSweep
    template_name = "assessments/sweep_list.html"
    paginate_by = 30
    ordering = ["-finished_at", "-id"]

    def get_context_data(self, **kwargs):
        # Changes waiting for the next sweep: a count that only grows means sweeps are failing.
        return super().get_context_data(pending_marks=ScreeningMark.objects.count(), **kwargs)


class SweepRunView(CityAdminOnlyMixin, View):
    """Start a full comparison of everyone now (a background job with a progress bar)."""

    def post(self, request):
        job = enqueue_rescreen(everyone=True, full=True, user=request.user, title=_("全员核对筛查（手动）"))
        messages.success(request, _("已开始全员核对筛查，可在本页查看进度。"))
        return HttpResponseRedirect(reverse("core:job-detail", args=[job.pk]))


class DecisionDetailView(StaffOnlyMixin, ObjectDetailView):
    model = GroupDecision
    template_name = "assessments/decision_detail.html"

    def base_queryset(self):
        return GroupDecision.objects.select_related("person__household__town", "person__household__community")

    def get_context_data(self, **kwargs):
        decision = self.object
        return super().get_context_data(
            overrides=Override.objects.filter(
                person_id=decision.person_id, group=decision.group
            ).select_related("created_by"),
            stays=GroupDecision.objects.filter(person_id=decision.person_id, group=decision.group),
            review_form=OverrideForm(
                initial={
                    "seen_override": services.current_override_id(
                        person_id=decision.person_id, group=decision.group
                    )
                }
            ),
            **kwargs,
        )


class DecisionReviewView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    model = GroupDecision
    form_class = OverrideForm
    page_title = gettext_lazy("确认或否定分类认定")
    success_message = gettext_lazy("人工认定已保存。")

    def dispatch(self, request, *args, **kwargs):
        self.decision = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.decision, **kwargs)

    def get_initial(self):
        verdict = self.request.GET.get("verdict")
        seen = services.current_override_id(person_id=self.decision.person_id, group=self.decision.group)
        return {"seen_override": seen, **({"verdict": verdict} if verdict in c.Verdict.values else {})}

    def perform(self, form):
        try:
            return services.override_record(
                person=self.decision.person,
                group=self.decision.group,
                verdict=form.cleaned_data["verdict"],
                reason=form.cleaned_data["reason"],
                user=self.request.user,
                seen_override=form.cleaned_data.get("seen_override"),
            )
        except ValidationError as error:
            if error.code == "stale":  # saving again means "over the newer verdict"
                form.data = form.data.copy()
                form.data["seen_override"] = services.current_override_id(
                    person_id=self.decision.person_id, group=self.decision.group
                )
            raise

    def get_success_url(self):
        return reverse("households:person-detail", args=[self.decision.person_id])


class OverrideListView(StaffOnlyMixin, ObjectListView):
    model = Override
    filterset_class = OverrideFilterSet
    template_name = "assessments/override_list.html"
    export_columns = exports.OVERRIDE_COLUMNS
    default_sort = "-created_at"

    def base_queryset(self):
        return Override.objects.select_related("person__household__town", "created_by")


class OverrideWithdrawView(StaffOnlyMixin, ObjectActionView):
    model = Override

    def act(self, override):
        try:
            services.override_withdraw(override=override, user=self.request.user)
            messages.success(self.request, _("人工认定已撤销，按规则重新认定。"))
        except ValidationError as error:
            messages.error(self.request, "；".join(error.messages))
        return HttpResponseRedirect(reverse("households:person-detail", args=[override.person_id]))


# ---------------------------------------------------------------------------------------------
# Tasks (a worker's queue)


class TaskListView(StaffOnlyMixin, ObjectListView):
    model = Task
    filterset_class = TaskFilterSet
    template_name = "assessments/task_list.html"
    export_columns = exports.TASK_COLUMNS
    sort_fields = {"due": "due_date", "created": "created_at"}

    def base_queryset(self):
        # The task's own town and community are its household's (no join through households).
        return Task.objects.select_related("person", "town", "community", "assignee")

    def get_filterset_kwargs(self, filterset_class):
        # Bound even without parameters, so the default queue ("my open tasks") applies.
        return {**super().get_filterset_kwargs(filterset_class), "data": self.request.GET}

    def get_queryset(self):
        queryset = super().get_queryset()
        if not self.request.GET.get("sort"):
            return queryset.by_priority()  # open; high risk; overdue and earliest due first
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Totals of the queue as filtered except by kind and state (those are the table's axes).
        queue = {k: v for k, v in self.request.GET.items() if k not in ("kind", "status", "page", "sort")}
        base = TaskFilterSet(
            data={**queue, "status": "any"},
            queryset=super(ObjectListView, self).get_queryset(),
            request=self.request,
        ).qs
        context.update(
            totals=selectors.task_totals(base),
            bulk_form=TaskBulkForm(),
            can_supervise=can_supervise(self.request.user),
        )
        return context


def can_supervise(user) -> bool:
    """Managers, admins and town workers; not community workers (their list is their supervision)."""
    return bool(
        getattr(user, "sees_whole_city", False)
        or getattr(user, "role", "") in (Role.TOWN_WORKER, Role.CITY_MANAGER, Role.ADMIN)
    )


class TaskBulkView(StaffOnlyMixin, View):
    """POST a selection from the task page: confirm or close them (all in the user's area, or 404)."""

    http_method_names = ["post"]

    def post(self, request):
        form = TaskBulkForm(request.POST)
        back = request.POST.get("next") or reverse("assessments:task-list")
        if not back.startswith("/tasks/"):
            back = reverse("assessments:task-list")
        if not request.user.can_write:
            raise Http404
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return HttpResponseRedirect(back)
        try:
            n = services.tasks_bulk(
                task_ids=form.cleaned_data["ids"],
                user=request.user,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return HttpResponseRedirect(back)
        messages.success(request, _("已处理 %(n)s 项事项。") % {"n": n})
        return HttpResponseRedirect(back)


class BaselineReviewView(StaffOnlyMixin, ObjectDetailView):
    """A community's baseline review: the people the first screening placed, to confirm in bulk."""

    model = Task
    template_name = "assessments/baseline_review.html"
    paginate_by = 100

    def base_queryset(self):
        return Task.objects.filter(kind=c.TaskKind.BASELINE).select_related("town", "community", "assignee")

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        pending = (
            selectors.baseline_pending(task=self.object, user=self.request.user)
            .select_related("person__household")
            .order_by("-tier", "person__household_id", "person_id", "group")
        )
        page = Paginator(pending, self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page,
            paginator=page.paginator,
            decisions=page.object_list,
            form=BaselineConfirmForm(),
            **kwargs,
        )


class BaselineConfirmView(StaffOnlyMixin, ScopedObjectMixin, View):
    http_method_names = ["post"]
    model = Task

    def base_queryset(self):
        return Task.objects.filter(kind=c.TaskKind.BASELINE)

    def post(self, request, pk):
        task = self.get_object()
        back = reverse("assessments:baseline-review", args=[task.pk])
        form = BaselineConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return HttpResponseRedirect(back)
        try:
            n = services.baseline_confirm(
                task=task,
                decision_ids=form.cleaned_data["ids"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return HttpResponseRedirect(back)
        messages.success(request, _("已确认 %(n)s 项分类认定。") % {"n": n})
        return HttpResponseRedirect(back)


class SupervisionView(StaffOnlyMixin, TemplateView):
    """Open and overdue tasks per town or community and per worker, each number a link to the list."""

    template_name = "assessments/supervision.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_supervise(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        town_id = None
        if self.request.user.sees_whole_city:
            raw = self.request.GET.get("town", "")
            town_id = int(raw) if raw.isdigit() else None
        return super().get_context_data(
            **selectors.supervision(user=self.request.user, town_id=town_id), **kwargs
        )


class TaskDetailView(StaffOnlyMixin, ObjectDetailView):
    model = Task
    template_name = "assessments/task_detail.html"

    def base_queryset(self):
        return Task.objects.select_related(
            "person", "household__town", "household__community", "town", "community", "assignee"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=TaskCompleteForm(), **kwargs)


class TaskCompleteView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    model = Task
    form_class = TaskCompleteForm
    page_title = gettext_lazy("办结事项")
    success_message = gettext_lazy("事项已办结。")

    def dispatch(self, request, *args, **kwargs):
        self.task = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.task, **kwargs)

    def perform(self, form):
        return services.task_complete(task=self.task, user=self.request.user, note=form.cleaned_data["note"])

    def get_success_url(self):
        return reverse("assessments:task-list")


# ---------------------------------------------------------------------------------------------
# Monitoring alerts


class AlertListView(StaffOnlyMixin, ObjectListView):
    model = Alert
    filterset_class = AlertFilterSet
    template_name = "assessments/alert_list.html"
    export_columns = exports.ALERT_COLUMNS
    sort_fields = {"created": "created_at", "deadline": "verify_deadline", "kind": "kind"}

    def base_queryset(self):
        return Alert.objects.select_related("person__household__community", "town")


class AlertDetailView(StaffOnlyMixin, ObjectDetailView):
    model = Alert
    template_name = "assessments/alert_detail.html"

    def base_queryset(self):
        return Alert.objects.select_related(
            "person__household__community", "town", "verified_by", "handled_by", "created_by"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            verify_form=AlertVerifyForm(), handle_form=AlertHandleForm(), **kwargs
        )


class AlertCreateView(StaffOnlyMixin, WriterRequiredMixin, FormPageMixin, ServiceFormView):
    form_class = AlertForm
    page_title = gettext_lazy("登记监测预警")
    success_message = gettext_lazy("预警已登记，已通知责任人核实。")

    def perform(self, form):
        data = form.cleaned_data
        return services.alert_create(
            person=form.person,
            kind=data["kind"],
            user=self.request.user,
            department=data.get("department") or "",
            occurred_on=data.get("occurred_on"),
            amount=data.get("amount"),
            description=data.get("description") or "",
        )

    def get_success_url(self):
        if getattr(self, "result", None):
            return reverse("assessments:alert-detail", args=[self.result.pk])
        return reverse("assessments:alert-list")


class _AlertStepView(ObjectStepView):
    model = Alert
    object_attr = "alert"
    form_kwarg = "record"
    success_url_name = "assessments:alert-detail"


class AlertVerifyView(_AlertStepView):
    form_class = AlertVerifyForm
    page_title = gettext_lazy("核实预警")
    success_message = gettext_lazy("核实结果已保存。")

    def perform(self, form):
        data = form.cleaned_data
        return services.alert_verify(
            alert=self.alert,
            user=self.request.user,
            method=data["method"],
            confirmed=data["confirmed"],
            note=data["note"],
            version=form.expected_version,
        )


class AlertHandleView(_AlertStepView):
    form_class = AlertHandleForm
    page_title = gettext_lazy("处置预警")
    success_message = gettext_lazy("处置结果已保存。")

    def perform(self, form):
        data = form.cleaned_data
        return services.alert_handle(
            alert=self.alert,
            user=self.request.user,
            outcome=data["outcome"],
            note=data.get("note") or "",
            assistance_kind=data.get("assistance_kind") or "",
            version=form.expected_version,
        )


class AlertImportView(StaffOnlyMixin, ServiceFormView):
    """City admins load a department's warning list; the page shows rejected rows by number."""

    form_class = AlertImportForm
    template_name = "assessments/alert_import.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_city_admin:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = import_alerts(filename=upload.name, data=upload.read(), user=self.request.user)
        except ValidationError as error:
            form.add_error("file", error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已导入 %(n)s 条预警，跳过重复 %(d)s 条，%(e)s 行有误。")
            % {"n": len(result.created), "d": result.duplicates, "e": len(result.errors)},
        )
        return self.render_to_response(self.get_context_data(form=AlertImportForm(), result=result))


# ---------------------------------------------------------------------------------------------
# Vagrants


class VagrantListView(StaffOnlyMixin, ObjectListView):
    model = VagrantRecord
    filterset_class = VagrantRecordFilterSet
    template_name = "assessments/vagrant_list.html"
    export_columns = exports.VAGRANT_COLUMNS
    default_sort = "-found_on"
    sort_fields = {"found": "found_on"}

    def base_queryset(self):
        return VagrantRecord.objects.select_related("town", "community")


class VagrantDetailView(StaffOnlyMixin, ObjectDetailView):
    model = VagrantRecord
    template_name = "assessments/vagrant_detail.html"

    def base_queryset(self):
        return VagrantRecord.objects.select_related("town", "community", "person", "created_by")

    def get_context_data(self, **kwargs):
        # The linked registry person may live in another area: name them only if the user may see them.
        person_id = self.object.person_id
        visible = bool(person_id) and Person.objects.restrict(self.request.user).filter(pk=person_id).exists()
        return super().get_context_data(person_visible=visible, **kwargs)


class VagrantCreateView(StaffOnlyMixin, WriterRequiredMixin, FormPageMixin, ServiceFormView):
    form_class = VagrantForm
    page_title = gettext_lazy("流浪乞讨人员登记")
    success_message = gettext_lazy("已登记。")

    def perform(self, form):
        data = form.cleaned_data
        return services.vagrant_create(user=self.request.user, data=data, id_number=data.get("id_number"))

    def get_success_url(self):
        if getattr(self, "result", None):
            return reverse("assessments:vagrant-detail", args=[self.result.pk])
        return reverse("assessments:vagrant-list")


class VagrantUpdateView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    model = VagrantRecord
    form_class = VagrantForm
    page_title = gettext_lazy("更新寻亲与去向")
    success_message = gettext_lazy("已保存。")

    def dispatch(self, request, *args, **kwargs):
        self.record = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.record}

    def perform(self, form):
        data = form.cleaned_data
        return services.vagrant_update(
            record=self.record,
            user=self.request.user,
            data=data,
            id_number=data.get("id_number"),
            version=form.expected_version,
        )

    def get_success_url(self):
        return reverse("assessments:vagrant-detail", args=[self.record.pk])
