"""Needs ledger and the two lists: thin views over the shared generics and the services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from assessments.views import FormPageMixin, HouseholdStepView, ObjectStepView, StaffOnlyMixin
from core.concurrency import claim_version
from core.history import history_entries, merged_history
from core.pagination import IdsFirstPaginator
from core.scoping import CHANGE
from core.views import (
    ObjectActionView,
    ObjectDetailView,
    ObjectListView,
    ScopedObjectMixin,
    ServiceFormView,
)
from households.models import Household, Person

from . import catalog_io, exports, services
from . import choices as c
from .filtersets import (
    CarePlanFilterSet,
    CatalogItemFilterSet,
    NeedFilterSet,
    ProviderFilterSet,
    RecommendationFilterSet,
)
from .forms import (
    ActionFinishForm,
    ActionForm,
    CatalogItemForm,
    CatalogUploadForm,
    NeedEditForm,
    NeedForm,
    NeedTransitionForm,
    PlanForm,
    PlanTransitionForm,
    ProviderForm,
    RecommendationTransitionForm,
)
from .models import CarePlan, CatalogImport, CatalogItem, Need, PlanAction, Provider, PushRun, Recommendation
from .selectors import uptake_links, uptake_tables, with_reasons
from .services import NEED_LIFECYCLE


class NeedListView(StaffOnlyMixin, ObjectListView):
    """The ledger: per community and town through the area filter; open, urgent and oldest first."""

    model = Need
    filterset_class = NeedFilterSet
    paginator_class = IdsFirstPaginator
    template_name = "assistance/need_list.html"
    export_columns = exports.NEED_COLUMNS
    sort_fields = {"recorded": "recorded_at", "domain": "domain", "status": "status"}

    def base_queryset(self):
        # Household names come from their head: members are prefetched for the page's rows only.
        return Need.objects.select_related(
            "household__community", "household__town", "person", "item"
        ).prefetch_related("household__members")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.GET.get("sort"):
            return queryset
        return queryset.ledger_order()


class NeedDetailView(StaffOnlyMixin, ObjectDetailView):
    model = Need
    template_name = "assistance/need_detail.html"

    def base_queryset(self):
        return Need.objects.select_related(
            "household__community", "household__town", "person", "item__provider", "recorded_by", "changed_by"
        )

    def get_context_data(self, **kwargs):
        need = self.object
        return super().get_context_data(
            # A department liaison sees a case's needs, not the household's pages (PIPL).
            household_visible=Household.objects.restrict(self.request.user)
            .filter(pk=need.household_id)
            .exists(),
            transition_form=NeedTransitionForm(need=need),
            can_change=need.status in NEED_LIFECYCLE.table and bool(NEED_LIFECYCLE.allowed(need.status)),
            history=history_entries(need.history.all(), _("需求"), user=self.request.user),
            **kwargs,
        )


class NeedCreateView(HouseholdStepView):
    form_class = NeedForm
    page_title = _("登记需求")
    success_message = _("需求已登记。")
    result_url_name = "assistance:need-detail"

    def perform(self, form):
        data = form.cleaned_data
        return services.need_record(
            user=self.request.user,
            household=self.household,
            person=data.get("person"),
            domain=data["domain"],
            urgency=data["urgency"],
            source=data["source"],
            description=data["description"],
        )


class _NeedStepView(ObjectStepView):
    model = Need
    object_attr = "need"
    success_url_name = "assistance:need-detail"


class NeedTransitionView(_NeedStepView):
    form_class = NeedTransitionForm
    page_title = _("办理需求")
    success_message = _("需求状态已更新。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "need": self.need}

    def perform(self, form):
        data = form.cleaned_data
        return services.need_transition(
            need=self.need,
            to=data["to"],
            user=self.request.user,
            note=data["note"],
            item=data.get("item"),
            version=form.expected_version,
        )


class NeedUpdateView(_NeedStepView):
    form_class = NeedEditForm
    page_title = _("修改需求")
    success_message = _("需求已修改。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.need}

    def perform(self, form):
        data = {name: form.cleaned_data[name] for name in NeedEditForm.Meta.fields}
        return services.need_update(
            need=self.need, user=self.request.user, version=form.expected_version, **data
        )


# ---------------------------------------------------------------------------------------------
# The two lists and providers: every staff user reads them; city admins edit them.


class CatalogItemListView(StaffOnlyMixin, ObjectListView):
    model = CatalogItem
    filterset_class = CatalogItemFilterSet
    template_name = "assistance/item_list.html"
    export_columns = exports.ITEM_COLUMNS
    default_sort = "list_kind"
    sort_fields = {"name": "name", "domain": "domain", "list": "list_kind"}

    def base_queryset(self):
        return CatalogItem.objects.select_related("provider")


class CatalogItemDetailView(StaffOnlyMixin, ObjectDetailView):
    model = CatalogItem
    template_name = "assistance/item_detail.html"

    def base_queryset(self):
        return CatalogItem.objects.select_related("provider")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            history=history_entries(self.object.history.all(), _("清单项目"), user=self.request.user),
            **kwargs,
        )


class _AdminFormView(StaffOnlyMixin, FormPageMixin, ServiceFormView):
    """City admins edit reference data; everyone else gets 404 like any write page outside their reach."""

    model = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_city_admin:
            raise Http404
        self.object = None
        if "pk" in kwargs:
            self.object = get_object_or_404(
                self.model.objects.restrict(request.user, CHANGE), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        form.instance._history_user = self.request.user
        with transaction.atomic():
            if form.instance.pk:
                claim_version(form.instance, expected=form.expected_version)
            return form.save()


class CatalogItemFormView(_AdminFormView):
    model = CatalogItem
    form_class = CatalogItemForm
    page_title = _("编辑清单项目")
    success_message = _("清单项目已保存。")

    def get_success_url(self):
        obj = getattr(self, "result", None) or self.object
        return reverse("assistance:item-detail", args=[obj.pk]) if obj else reverse("assistance:item-list")


class ProviderListView(StaffOnlyMixin, ObjectListView):
    model = Provider
    filterset_class = ProviderFilterSet
    template_name = "assistance/provider_list.html"
    export_columns = exports.PROVIDER_COLUMNS
    default_sort = "kind"
    sort_fields = {"name": "name", "kind": "kind"}


class ProviderFormView(_AdminFormView):
    model = Provider
    form_class = ProviderForm
    page_title = _("编辑服务提供方")
    success_message = _("服务提供方已保存。")

    def get_success_url(self):
        messages.info(self.request, _("提供方的项目在清单页面按提供方筛选查看。"))
        return reverse("assistance:provider-list")


# ---------------------------------------------------------------------------------------------
# Push (幸福清单推送): the worker's queue, one recommendation, the uptake funnel.


class RecommendationListView(StaffOnlyMixin, ObjectListView):
    model = Recommendation
    filterset_class = RecommendationFilterSet
    paginator_class = IdsFirstPaginator
    template_name = "assistance/recommendation_list.html"
    export_columns = exports.RECOMMENDATION_COLUMNS
    default_sort = "-pushed_at"
    sort_fields = {"pushed": "pushed_at", "item": "item__name", "status": "status"}

    def base_queryset(self):
        return Recommendation.objects.select_related(
            "item", "person", "household__community", "household__town"
        ).prefetch_related("household__members")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object_list"] = with_reasons(context["object_list"])
        return context


class RecommendationDetailView(StaffOnlyMixin, ObjectDetailView):
    model = Recommendation
    template_name = "assistance/recommendation_detail.html"

    def base_queryset(self):
        return Recommendation.objects.select_related("item__provider", "person", "household", "changed_by")

    def get_context_data(self, **kwargs):
        with_reasons([self.object])
        return super().get_context_data(
            transition_form=RecommendationTransitionForm(recommendation=self.object),
            history=history_entries(self.object.history.all(), _("推送项目"), user=self.request.user),
            **kwargs,
        )


class RecommendationTransitionView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    model = Recommendation
    form_class = RecommendationTransitionForm
    page_title = _("办理推送项目")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.recommendation = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "recommendation": self.recommendation}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.recommendation, **kwargs)

    def perform(self, form):
        notice = services.recommendation_transition(
            recommendation=self.recommendation,
            to=form.cleaned_data["to"],
            user=self.request.user,
            note=form.cleaned_data["note"],
            version=form.expected_version,
        )
        messages.success(self.request, notice or _("办理情况已保存。"))

    def get_success_url(self):
        return reverse("assistance:recommendation-detail", args=[self.recommendation.pk])


class UptakeView(StaffOnlyMixin, TemplateView):
    """The uptake funnel per item and per town, for managers and workers of the area."""

    template_name = "assistance/uptake.html"

    def dispatch(self, request, *args, **kwargs):
        # The joint meeting's secretariat and liaisons see their cases, not an area's push figures.
        if getattr(request.user, "is_case_role", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        tables = uptake_tables(self.request.user)
        list_url = reverse("assistance:recommendation-list")
        return super().get_context_data(
            by_item=uptake_links(tables["by_item"], list_url, "item_id", "item__name", "item"),
            by_town=uptake_links(
                tables["by_town"], list_url, "household__town_id", "household__town__name", "town"
            ),
            statuses=c.UptakeStatus.choices,
            last_run=PushRun.objects.first(),
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# Care plans


class CarePlanListView(StaffOnlyMixin, ObjectListView):
    model = CarePlan
    filterset_class = CarePlanFilterSet
    template_name = "assistance/plan_list.html"
    export_columns = exports.PLAN_COLUMNS
    default_sort = "-created_at"
    sort_fields = {"created": "created_at", "review": "review_on", "status": "status"}

    def base_queryset(self):
        return CarePlan.objects.select_related(
            "household__town", "household__community", "author"
        ).prefetch_related("household__members")


class CarePlanDetailView(StaffOnlyMixin, ObjectDetailView):
    model = CarePlan
    template_name = "assistance/plan_detail.html"

    def base_queryset(self):
        return CarePlan.objects.select_related(
            "household__town", "household__community", "author", "approved_by", "previous"
        )

    def get_context_data(self, **kwargs):
        plan = self.object
        actions = plan.actions.select_related("need", "item", "owner", "owner_team")
        return super().get_context_data(
            actions=actions,
            transition_form=PlanTransitionForm(user=self.request.user, plan=plan),
            finish_form=ActionFinishForm(),
            history=merged_history(
                (plan.history.all(), _("方案")),
                (PlanAction.history.filter(plan_id=plan.pk), _("措施"), "description"),
                user=self.request.user,
            ),
            **kwargs,
        )


class CarePlanPrintView(CarePlanDetailView):
    """A4 page the household can keep: goals and actions, masked identity data, no history."""

    template_name = "assistance/plan_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = self.object.household.members.exclude(status="archived").order_by(
            "relation", "id"
        )
        return context


class CarePlanCreateView(HouseholdStepView):
    form_class = PlanForm
    form_kwarg = None
    page_title = _("制定关爱服务方案")
    success_message = _("方案已创建，请添加帮扶措施后提交审批。")
    result_url_name = "assistance:plan-detail"

    def get_initial(self):
        last = CarePlan.objects.filter(household=self.household).order_by("-edition").first()
        return {"goals": last.goals, "summary": last.summary} if last else {}

    def perform(self, form):
        return services.plan_create(household=self.household, user=self.request.user, **form.cleaned_data)


class _PlanStepView(ObjectStepView):
    model = CarePlan
    object_attr = "plan"
    form_kwarg = "plan"
    success_url_name = "assistance:plan-detail"


class CarePlanUpdateView(_PlanStepView):
    form_class = PlanForm
    page_title = _("修改方案")
    success_message = _("方案已保存。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("plan")
        return {**kwargs, "instance": self.plan}

    def perform(self, form):
        data = {name: form.cleaned_data[name] for name in PlanForm.Meta.fields}
        return services.plan_update(
            plan=self.plan, user=self.request.user, version=form.expected_version, **data
        )


class ActionAddView(_PlanStepView):
    form_class = ActionForm
    page_title = _("添加帮扶措施")
    success_message = _("措施已添加。")

    def perform(self, form):
        return services.action_add(plan=self.plan, user=self.request.user, **form.cleaned_data)


class CarePlanTransitionView(_PlanStepView):
    form_class = PlanTransitionForm
    page_title = _("办理方案")
    success_message = _("方案状态已更新。")

    def perform(self, form):
        data = form.cleaned_data
        return services.plan_transition(
            plan=self.plan,
            to=data["to"],
            user=self.request.user,
            note=data["note"],
            review_on=data["review_on"],
            version=form.expected_version,
        )


class ActionFinishView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    model = PlanAction
    form_class = ActionFinishForm
    page_title = _("登记措施落实情况")
    success_message = _("措施落实情况已保存。")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.action = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "action": self.action}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.action, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.action_finish(
            action=self.action,
            user=self.request.user,
            done=data["done"],
            note=data["note"],
            version=form.expected_version,
        )

    def get_success_url(self):
        return reverse("assistance:plan-detail", args=[self.action.plan_id])


class NeedSuggestionAcceptView(StaffOnlyMixin, ObjectActionView):
    """Accept a proposed need (from a placement or a confirmed alert) for a person."""

    model = Person

    def act(self, person):
        from django.utils.http import url_has_allowed_host_and_scheme

        need = services.need_accept_suggestion(
            user=self.request.user, person=person, domain=self.request.POST.get("domain", "")
        )
        if need is None:
            messages.error(self.request, _("该建议已不适用（可能已登记同类需求）。"))
        else:
            messages.success(self.request, _("已登记需求：%s") % need.get_domain_display())
        target = self.request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()}):
            target = reverse("households:person-detail", args=[person.pk])
        return HttpResponseRedirect(target)


# ---------------------------------------------------------------------------------------------
# Bulk import and export of the two lists and the providers (city admins): upload -> preview ->
# confirm, as the roster import looks.


class CatalogAdminMixin(StaffOnlyMixin):
    """The whole city's reference data: anyone but a city admin gets 404."""

    model = CatalogImport

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_city_admin:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_batch(self) -> CatalogImport:
        return get_object_or_404(CatalogImport.objects.restrict(self.request.user), pk=self.kwargs["pk"])


class CatalogImportView(CatalogAdminMixin, FormView):
    """Upload form, export buttons and the history of uploads."""

    template_name = "assistance/catalog_import.html"
    form_class = CatalogUploadForm

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if kind in c.CatalogImportKind.values else {}

    def get_context_data(self, **kwargs):
        batches = CatalogImport.objects.restrict(self.request.user).select_related(
            "created_by", "committed_by"
        )
        page = Paginator(batches, 20).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page,
            paginator=page.paginator,
            batches=page.object_list,
            kinds=c.CatalogImportKind.choices,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            batch = catalog_io.import_check(
                user=self.request.user,
                uploaded_file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("assistance:catalog-import-detail", args=[batch.pk]))


class CatalogImportDetailView(CatalogAdminMixin, TemplateView):
    template_name = "assistance/catalog_import_detail.html"

    def get_context_data(self, **kwargs):
        batch = self.get_batch()
        return super().get_context_data(
            batch=batch,
            summary=batch.summary,
            preview=batch.preview,
            outcome_labels=catalog_io.OUTCOME_LABELS,
            history=history_entries(batch.history.all(), _("清单导入"), user=self.request.user),
            **kwargs,
        )


class CatalogImportConfirmView(CatalogAdminMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        batch = self.get_batch()
        try:
            batch = catalog_io.import_commit(batch=batch, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if batch.status == c.CatalogImportStatus.COMMITTED:
                summary = batch.summary
                messages.success(
                    request,
                    _("已导入：新增 %(new)s 条，更新 %(update)s 条，无变化 %(skip)s 条。")
                    % {"new": summary["new"], "update": summary["update"], "skip": summary["skip"]},
                )
            else:
                messages.error(request, batch.message)
        return HttpResponseRedirect(reverse("assistance:catalog-import-detail", args=[batch.pk]))


class CatalogExportView(CatalogAdminMixin, View):
    """The list as an .xlsx in the import's own format (the template for the next import)."""

    http_method_names = ["get"]

    def get(self, request, kind, *args, **kwargs):
        if kind not in c.CatalogImportKind.values:
            raise Http404
        content, _rows = catalog_io.export_workbook(kind=kind, user=request.user)
        name = f"{c.CatalogImportKind(kind).label}-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "no-store"
        return response
