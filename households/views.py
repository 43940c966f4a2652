from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core import privacy
from core.history import merged_history
from core.models import RevealLog, Task
from core.scoping import CHANGE, VIEW
from core.throttling import RevealBurstThrottle
from core.views import (
    ObjectActionView,
    ObjectDetailView,
    ObjectListView,
    ScopedMixin,
    ScopedObjectMixin,
    ServiceFormView,
    WriterRequiredMixin,
)
from visits.views import VisitHomeView, VisitHouseholdView, VisitPersonView

from . import choices as c
from . import exports, services
from .filtersets import DivisionFilterSet, HouseholdFilterSet, PersonFilterSet
from .forms import (
    AssistanceStatusForm,
    HouseholdForm,
    PersonForm,
    StatusEndForm,
    household_pick_label,
    person_pick_label,
)
from .models import AssistanceStatus, Division, Household, Person


class VisitViewSwitch:
    """Volunteers get the visit page instead (visits/views.py, core.privacy): the staff page with
    its income, assistance, statistics and change log is never built for them. Without a visit
    page (lists) they go to their home page, the list of their paired households."""

    visit_view_class = None

    def dispatch(self, request, *args, **kwargs):
        if privacy.sees_visit_view_only(request.user):
            if self.visit_view_class is None:
                return redirect("home")
            return self.visit_view_class.as_view()(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


def _my_tasks(user) -> list:
    """The home page's eight open tasks, each naming its person or else its household's head (a
    subquery: the same number of queries whether or not a task has a household)."""
    heads = Person.objects.filter(household=OuterRef("household_id"), relation=c.Relation.HEAD).exclude(
        status=c.PersonStatus.ARCHIVED
    )
    mine = Task.objects.worklist(user).select_related("person")
    return list(mine.annotate(head_name=Subquery(heads.values("name")[:1]))[:8])


class HomeView(VisitViewSwitch, TemplateView):
    template_name = "home.html"
    visit_view_class = VisitHomeView

    def get(self, request, *args, **kwargs):
        if getattr(request.user, "is_case_role", False):
            # The joint meeting's secretariat and liaisons work from its page (issue 15).
            return HttpResponseRedirect(reverse("meetings:home"))
        return super().get(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        # Managers land on their dashboard (issue 14); their worklist stays at ?worklist=1.
        user = request.user
        if getattr(user, "role", None) == "city_manager" and not request.GET.get("worklist"):
            return redirect("dashboards:home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from stats import selectors as stats

        user = self.request.user
        # Summary rows (stats app) for city, town and community users; a grid's few rows counted.
        counts = stats.home_counts(user) or stats.raw_home_counts(user)
        return super().get_context_data(
            household_count=counts["households"],
            person_count=counts["persons"],
            review_count=counts["review"],
            status_rows=[
                (kind, label, counts["statuses"].get(kind, 0)) for kind, label in c.AssistanceKind.choices
            ],
            my_tasks=_my_tasks(user),
            **kwargs,
        )


def _household_list_queryset():
    # Members are prefetched for the page's rows only; a COUNT/GROUP BY over every household
    # in the area would make the city-wide list slow.
    return Household.objects.select_related("town", "community").prefetch_related(
        Prefetch(
            "members",
            queryset=Person.objects.exclude(status=c.PersonStatus.ARCHIVED).order_by("relation", "id"),
            to_attr="active_members",
        )
    )


class HouseholdListView(VisitViewSwitch, ObjectListView):
    model = Household
    filterset_class = HouseholdFilterSet
    template_name = "households/household_list.html"
    export_columns = exports.HOUSEHOLD_COLUMNS
    sort_fields = {
        "id": "id",
        "town": "town__code",
        "community": "community__code",
        "size": "size",
        "income": "income_per_capita",
        "updated": "updated_at",
    }

    def base_queryset(self):
        return _household_list_queryset()


class HouseholdDetailView(VisitViewSwitch, ObjectDetailView):
    model = Household
    visit_view_class = VisitHouseholdView
    template_name = "households/household_detail.html"

    def base_queryset(self):
        return Household.objects.select_related("town", "community", "grid")

    def get_context_data(self, **kwargs):
        household = self.object
        members = list(
            household.members.order_by("relation", "birth_date").prefetch_related(
                Prefetch("statuses", queryset=AssistanceStatus.objects.current())
            )
        )
        status_history = AssistanceStatus.history.filter(person__household=household)
        # Members' rows while in this household, plus the row that moved them out: the move stays
        # visible here, but what happens to them in their new household does not.
        previous_household = (
            Person.history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("household_id")[:1]
        )
        member_history = (
            Person.history.filter(id__in=Person.history.filter(household_id=household.pk).values("id"))
            .annotate(previous_household=Subquery(previous_household))
            .filter(Q(household_id=household.pk) | Q(previous_household=household.pk))
        )
        return super().get_context_data(
            members=members,
            history=merged_history(
                (household.history.all(), _("家庭")),
                (member_history, _("成员"), "name"),
                (status_history, _("救助身份")),
                user=self.request.user,
            ),
            pairings=household.pairings.filter(ended_on__isnull=True).select_related("team"),
            **kwargs,
        )


class HouseholdCreateView(WriterRequiredMixin, ServiceFormView):
    form_class = HouseholdForm
    template_name = "households/household_form.html"

    def perform(self, form):
        return services.household_create(user=self.request.user, data=form.cleaned_data)

    def get_success_url(self):
        messages.success(self.request, _("家庭已建档，请添加户主和成员。"))
        return reverse("households:person-create", args=[self.result.pk])


class HouseholdUpdateView(ScopedObjectMixin, ServiceFormView):
    model = Household
    form_class = HouseholdForm
    template_name = "households/household_form.html"
    success_message = _("家庭信息已保存。")

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def perform(self, form):
        return services.household_update(
            household=self.object,
            user=self.request.user,
            data=form.cleaned_data,
            version=form.expected_version,
        )

    def get_success_url(self):
        return reverse("households:household-detail", args=[self.object.pk])


class HouseholdArchiveView(ObjectActionView):
    model = Household
    archived = True

    def act(self, household):
        services.household_set_archived(household=household, user=self.request.user, archived=self.archived)
        messages.success(self.request, _("家庭已归档。") if self.archived else _("家庭已恢复。"))
        return HttpResponseRedirect(reverse("households:household-detail", args=[household.pk]))


class PersonListView(VisitViewSwitch, ObjectListView):
    model = Person
    filterset_class = PersonFilterSet
    template_name = "households/person_list.html"
    export_columns = exports.PERSON_COLUMNS
    sort_fields = {
        "name": "name_initials",
        "age": "birth_date",
        "id": "id",
        "town": "town__code",
        "updated": "updated_at",
    }

    def base_queryset(self):
        return Person.objects.select_related("household__town", "household__community").prefetch_related(
            Prefetch("statuses", queryset=AssistanceStatus.objects.current())
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        # Sorting "age" ascending means youngest first.
        if self.request.GET.get("sort") == "age":
            return queryset.order_by("-birth_date", "-id")
        if self.request.GET.get("sort") == "-age":
            return queryset.order_by("birth_date", "-id")
        return queryset


class PersonDetailView(VisitViewSwitch, ObjectDetailView):
    model = Person
    visit_view_class = VisitPersonView
    template_name = "households/person_detail.html"

    def base_queryset(self):
        return Person.objects.select_related("household__town", "household__community")

    def get_context_data(self, **kwargs):
        person = self.object
        return super().get_context_data(
            statuses=person.statuses.order_by("-start_date"),
            status_form=AssistanceStatusForm(),
            history=merged_history(
                (person.history.all(), _("人员")),
                (AssistanceStatus.history.filter(person_id=person.pk), _("救助身份")),
                user=self.request.user,
            ),
            reveal_count=RevealLog.objects.filter(person=person).count(),
            **kwargs,
        )


class PersonCreateView(ScopedMixin, WriterRequiredMixin, ServiceFormView):
    model = Household
    scope_action = CHANGE
    form_class = PersonForm
    template_name = "households/person_form.html"
    success_message = _("成员已添加。")

    def dispatch(self, request, *args, **kwargs):
        self.household = get_object_or_404(self.get_queryset(), pk=kwargs["household_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        has_head = self.household.members.filter(relation=c.Relation.HEAD).exists()
        return {"relation": "" if has_head else c.Relation.HEAD}

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.household, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.person_create(
            household=self.household,
            user=self.request.user,
            data=data,
            id_number=data["id_number"],
            phone=data.get("phone") or "",
        )

    def get_success_url(self):
        if "add_another" in self.request.POST:
            return reverse("households:person-create", args=[self.household.pk])
        return reverse("households:household-detail", args=[self.household.pk])


class PersonUpdateView(ScopedObjectMixin, ServiceFormView):
    model = Person
    form_class = PersonForm
    template_name = "households/person_form.html"
    success_message = _("人员信息已保存。")

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, household=self.object.household, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.person_update(
            person=self.object,
            user=self.request.user,
            data=data,
            id_number=data.get("id_number") or None,
            phone=data.get("phone"),
            household=data.get("move_to"),
            version=form.expected_version,
        )

    def get_success_url(self):
        return reverse("households:person-detail", args=[self.object.pk])


class PersonStatusView(ObjectActionView):
    """Archive, restore or record the death of a person (no hard delete)."""

    model = Person
    allowed = {c.PersonStatus.ARCHIVED, c.PersonStatus.ACTIVE, c.PersonStatus.DECEASED}

    def act(self, person):
        status = self.request.POST.get("status")
        if status not in self.allowed:
            messages.error(self.request, _("无效的状态。"))
        else:
            try:
                services.person_set_status(person=person, user=self.request.user, status=status)
            except ValidationError as error:
                messages.error(self.request, " ".join(error.messages))
                return HttpResponseRedirect(reverse("households:person-detail", args=[person.pk]))
            messages.success(
                self.request, _("人员状态已更新为：%(s)s。") % {"s": c.PersonStatus(status).label}
            )
            current = person.statuses.current()
            if status == c.PersonStatus.DECEASED and current.exists():
                kinds = "、".join(str(s.get_kind_display()) for s in current)
                messages.warning(
                    self.request,
                    _("该人员仍有有效的救助身份（%(kinds)s），已生成待办事项，请逐项终止。")
                    % {"kinds": kinds},
                )
        return HttpResponseRedirect(reverse("households:person-detail", args=[person.pk]))


class PersonRevealView(ObjectActionView):
    """htmx: swap the masked value for the clear one, after logging the reveal."""

    model = Person
    scope_action = VIEW

    def act(self, person):
        field = self.kwargs["field"]
        if field not in RevealLog.Field.values:
            return HttpResponse(status=404)
        if not RevealBurstThrottle().allow_request(self.request, self):
            return HttpResponse(_("查看明文过于频繁，请稍后再试。"), status=429)
        value = services.person_reveal(
            person=person,
            user=self.request.user,
            field=field,
            ip_address=self.request.META.get("REMOTE_ADDR"),
        )
        response = HttpResponse(render_to_string("includes/revealed.html", {"value": value, "field": field}))
        patch_cache_control(response, no_store=True, private=True)  # a clear ID number: keep no copy
        return response


class StatusAddView(ScopedObjectMixin, ServiceFormView):
    model = Person
    form_class = AssistanceStatusForm
    template_name = "households/status_form.html"
    pass_user_to_form = False
    success_message = _("救助身份已添加。")

    def dispatch(self, request, *args, **kwargs):
        self.person = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)

    def perform(self, form):
        return services.status_add(person=self.person, user=self.request.user, data=form.cleaned_data)

    def get_success_url(self):
        return reverse("households:person-detail", args=[self.person.pk])


class StatusEndView(ScopedObjectMixin, ServiceFormView):
    model = AssistanceStatus
    form_class = StatusEndForm
    template_name = "households/status_end_form.html"
    pass_user_to_form = False
    success_message = _("救助身份已终止。")

    def dispatch(self, request, *args, **kwargs):
        self.status = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=self.status, **kwargs)

    def perform(self, form):
        return services.status_end(
            status=self.status, user=self.request.user, end_date=form.cleaned_data["end_date"]
        )

    def get_success_url(self):
        return reverse("households:person-detail", args=[self.status.person_id])


class HouseholdPickView(ObjectListView):
    """Options for the household picker (move a person): the search, scoped like every list."""

    model = Household
    filterset_class = HouseholdFilterSet
    template_name = "households/pick_options.html"
    paginate_by = 20
    exportable = False  # picker options, not a list to export

    def base_queryset(self):
        return _household_list_queryset().filter(status=c.RecordStatus.ACTIVE)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for household in context["object_list"]:
            household.pick_label = household_pick_label(household)
        return context


class PersonPickView(ObjectListView):
    """Options for the person picker (an alert's person): the search, scoped like every list."""

    model = Person
    filterset_class = PersonFilterSet
    template_name = "households/pick_options.html"
    paginate_by = 20
    exportable = False  # picker options, not a list to export

    def base_queryset(self):
        return Person.objects.select_related("household__community").exclude(status=c.PersonStatus.ARCHIVED)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for person in context["object_list"]:
            person.pick_label = person_pick_label(person)
        return context


class DivisionListView(VisitViewSwitch, ObjectListView):
    model = Division
    filterset_class = DivisionFilterSet
    template_name = "households/division_list.html"
    export_columns = exports.DIVISION_COLUMNS
    default_sort = "code"
    sort_fields = {"code": "code", "name": "name"}

    def base_queryset(self):
        return Division.objects.select_related("parent").annotate(
            household_count=Count("households", filter=Q(households__status=c.RecordStatus.ACTIVE))
        )
