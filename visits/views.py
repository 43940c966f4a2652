"""The volunteer's pages (探访志愿者): their paired households as cards, one household, one person.

Only what a visit needs (core.privacy): names, sex, age, address, care notes, groups as plain
words, their own team, and the phone number behind a logged reveal. No ID number, birth date,
income, assistance, disability details, 计生特殊家庭, statistics or change log. The household and
person pages send volunteers here (households/views.py), so the staff pages never render for them.
"""

import datetime as dt
import uuid

from django.db.models import Prefetch
from django.forms import ModelForm
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from assessments.views import FormPageMixin
from core.history import history_entries
from core.pagination import DeepIdsFirstPaginator
from core.scoping import CHANGE
from core.views import ObjectDetailView, ObjectListView, ServiceFormView, WriterRequiredMixin
from households.choices import RecordStatus, Relation
from households.models import Household, Person

from . import exports, selectors, services
from .filtersets import ActivityFilterSet, ScheduleFilterSet, TeamFilterSet, VisitFilterSet
from .forms import ActivityForm, MemberForm, PairingEndForm, PairingForm, PhoneVisitForm, TeamForm, VisitForm
from .models import Activity, HouseholdSchedule, Pairing, Team, TeamMember, Visit, VisitFrequency
from .schedule import due_from_row
from .selectors import for_visit


def _label(household) -> None:
    """Name a household by its head from the prefetched members (no query per card)."""
    head = next((m for m in household.visit_members if m.relation == Relation.HEAD), None)
    household.head_name = head.name if head else ""


class VisitHomeView(TemplateView):
    template_name = "visits/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        households = list(
            for_visit(Household.objects.restrict(user).filter(status=RecordStatus.ACTIVE), user).order_by(
                "community__code", "address", "id"
            )
        )
        for household in households:
            _label(household)
        teams = sorted({p.team.name for h in households for p in h.my_pairings})
        return super().get_context_data(households=households, teams=teams, **kwargs)


class VisitHouseholdView(ObjectDetailView):
    model = Household
    template_name = "visits/household.html"

    def base_queryset(self):
        return for_visit(Household.objects.all(), self.request.user)

    def get_context_data(self, **kwargs):
        _label(self.object)
        return super().get_context_data(**kwargs)


class VisitPersonView(ObjectDetailView):
    model = Person
    template_name = "visits/person.html"

    def base_queryset(self):
        from assessments.models import GroupDecision

        return Person.objects.select_related("household__community").prefetch_related(
            Prefetch(
                "group_decisions",
                queryset=GroupDecision.objects.filter(active=True).only("id", "person_id", "group"),
                to_attr="current_group_list",
            )
        )


# =============================================================================================
# Staff pages: teams, members, pairings, queues, coverage, visits, activities
# (volunteers get 404 on all but a team, a visit and the phone form of their own households)


class NoVolunteers:
    """Staff pages: to a volunteer they do not exist (404, the same answer as out of area)."""

    def dispatch(self, request, *args, **kwargs):
        if getattr(request.user, "is_volunteer", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class _FormPage(FormPageMixin, ServiceFormView):
    """A create or edit page whose save goes to a service; ``get_object`` names what is edited."""

    def get_object(self):
        return None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.object is not None and issubclass(self.form_class, ModelForm):
            kwargs["instance"] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        subject = self.object or getattr(self, "household", None) or getattr(self, "team", None)
        return super().get_context_data(subject=subject, **kwargs)


def _scoped(model, user, pk, action=CHANGE):
    return get_object_or_404(model.objects.restrict(user, action), pk=pk)


# ---------------------------------------------------------------------------------------------
# Teams and members


class TeamListView(NoVolunteers, ObjectListView):
    model = Team
    filterset_class = TeamFilterSet
    template_name = "visits/team_list.html"
    export_columns = exports.TEAM_COLUMNS
    default_sort = "division__code"
    sort_fields = {"name": "name", "division": "division__code", "members": "member_count"}

    def base_queryset(self):
        return selectors.teams_with_counts(Team.objects.select_related("division", "responsible"))


class TeamDetailView(ObjectDetailView):
    model = Team
    template_name = "visits/team_detail.html"

    def base_queryset(self):
        return Team.objects.select_related("division", "responsible")

    def get_context_data(self, **kwargs):
        team, user = self.object, self.request.user
        overdue = list(selectors.for_page(selectors.schedule_rows(user, state="overdue", team=team))[:50])
        for row in overdue:
            row.due = due_from_row(row)
        pairings = (
            team.pairings.restrict(user).filter(ended_on__isnull=True).select_related("member", "household")
        )
        return super().get_context_data(
            members=team.members.order_by("-is_active", "member_type", "name"),
            pairings=pairings.prefetch_related("household__members").order_by("household__address"),
            overdue=overdue,
            history=history_entries(team.history.all(), _("队伍"), user=user)
            if not user.is_volunteer
            else [],
            **kwargs,
        )


class TeamFormView(NoVolunteers, WriterRequiredMixin, _FormPage):
    form_class = TeamForm
    page_title = _("探访服务队")
    success_message = _("队伍已保存。")

    def get_object(self):
        return _scoped(Team, self.request.user, self.kwargs["pk"]) if "pk" in self.kwargs else None

    def perform(self, form):
        return services.team_save(user=self.request.user, team=form.instance, expected=form.expected_version)

    def get_success_url(self):
        team = getattr(self, "result", None) or self.object
        return reverse("visits:team-detail", args=[team.pk]) if team else reverse("visits:team-list")


class MemberFormView(NoVolunteers, WriterRequiredMixin, _FormPage):
    form_class = MemberForm
    page_title = _("队员")
    success_message = _("队员已保存。")

    def get_object(self):
        if "pk" in self.kwargs:
            member = _scoped(TeamMember, self.request.user, self.kwargs["pk"])
            self.team = member.team
            return member
        self.team = _scoped(Team, self.request.user, self.kwargs["team_pk"])
        return None

    def perform(self, form):
        member = form.instance
        member.team = self.team
        phone = form.cleaned_data["phone"] or (None if member.pk else "")
        return services.member_save(
            user=self.request.user, member=member, phone=phone, expected=form.expected_version
        )

    def get_success_url(self):
        return reverse("visits:team-detail", args=[self.team.pk])


# ---------------------------------------------------------------------------------------------
# Pairings


class PairingCreateView(NoVolunteers, WriterRequiredMixin, _FormPage):
    """From the team page (``team_pk``: choose a household) or a household (choose a team)."""

    form_class = PairingForm
    page_title = _("结对")
    success_message = _("已结对。")

    def get_object(self):
        self.team = self.household = None
        if "team_pk" in self.kwargs:
            self.team = _scoped(Team, self.request.user, self.kwargs["team_pk"])
        else:
            self.household = _scoped(Household, self.request.user, self.kwargs["household_pk"])
        return self.team or self.household

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "team": self.team, "household": self.household}

    def perform(self, form):
        data = form.cleaned_data
        return services.pairing_create(
            user=self.request.user,
            team=self.team or data["team"],
            household=self.household or data["household"],
            member=data.get("member"),
            started_on=data["started_on"],
        )

    def get_success_url(self):
        if self.team:
            return reverse("visits:team-detail", args=[self.team.pk])
        return reverse("households:household-detail", args=[self.household.pk])


class PairingEndView(NoVolunteers, WriterRequiredMixin, _FormPage):
    form_class = PairingEndForm
    page_title = _("结束结对")
    success_message = _("结对已结束。")

    def get_object(self):
        return _scoped(Pairing, self.request.user, self.kwargs["pk"])

    def perform(self, form):
        data = form.cleaned_data
        return services.pairing_end(
            user=self.request.user, pairing=self.object, ended_on=data["ended_on"], reason=data["end_reason"]
        )

    def get_success_url(self):
        return reverse("visits:team-detail", args=[self.object.team_id])


# ---------------------------------------------------------------------------------------------
# Queues and coverage


class VisitHouseholdListView(NoVolunteers, ObjectListView):
    """The households behind a number: overdue, due soon, unpaired, elderly visited this month ...
    Rows of the schedule table (selectors.schedule_rows), by due date then household; next and
    previous go by cursor, so a deep page of a town's overdue queue costs what the first does."""

    model = HouseholdSchedule
    filterset_class = ScheduleFilterSet
    template_name = "visits/queue.html"
    export_columns = exports.QUEUE_COLUMNS
    export_title = _("探访名单")
    filter_defaults = {"state": "overdue"}
    keyset_always = True
    # A deep numbered page (the jump box, up to page 400) reads its ids from the order's index
    # first: OFFSET over the joined rows read 10,000 households to show 25 (183 ms at 1M persons).
    paginator_class = DeepIdsFirstPaginator
    sort_fields = {"last": "last_visit_on", "address": "household__address", "due": "due_on"}

    def get_queryset(self):
        rows = selectors.for_page(selectors.schedule_rows(self.request.user))
        key = self.request.GET.get("sort", "")
        field = self.sort_fields.get(key.lstrip("-"))
        if not field:
            return rows  # by due date, then household
        desc = "-" if key.startswith("-") else ""
        return rows.order_by(desc + field, desc + "household_id")

    def keyset_not_null(self):
        # The due states' rows are paired, and a paired row has a due date (schedule_select_sql).
        return ("due_on",) if self.request.GET.get("state", "overdue") in selectors.DUE_STATES else ()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for row in context["object_list"]:
            row.due = due_from_row(row)
        return context


def _labelled(times: dict) -> list:
    from .choices import Service

    return [(label, times[code]) for code, label in Service.choices]


class CoverageView(NoVolunteers, TemplateView):
    template_name = "visits/coverage.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        level = "town" if self.request.GET.get("level") == "town" else "community"
        if not user.sees_whole_city and user.division and user.division.level != "town":
            level = "community"
        rows = selectors.coverage(user, level=level)
        today = dt.date.today()
        return super().get_context_data(
            rows=rows,
            total=selectors.totals(rows),
            level=level,
            field=level,
            month=today,
            person_times=_labelled(selectors.person_times(user, since=today.replace(day=1), until=today)),
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# Visit records


class VisitListView(NoVolunteers, ObjectListView):
    model = Visit
    filterset_class = VisitFilterSet
    template_name = "visits/visit_list.html"
    export_columns = exports.VISIT_COLUMNS
    default_sort = "-visited_on"
    sort_fields = {"date": "visited_on"}

    def base_queryset(self):
        return Visit.objects.select_related(
            "household__town", "household__community", "team"
        ).prefetch_related("household__members", "services")


class VisitDetailView(ObjectDetailView):
    model = Visit
    template_name = "visits/visit_detail.html"

    def base_queryset(self):
        return Visit.objects.select_related(
            "household__community", "team", "need", "recorded_by"
        ).prefetch_related("services", "members", "users", "household__members")

    def get_context_data(self, **kwargs):
        user = self.request.user
        history = (
            [] if user.is_volunteer else history_entries(self.object.history.all(), _("探访记录"), user=user)
        )
        return super().get_context_data(history=history, **kwargs)


class VisitFormView(NoVolunteers, _FormPage):
    """Staff record a visit for a household (``household_pk``) or edit one (``pk``)."""

    form_class = VisitForm
    page_title = _("探访记录")
    success_message = _("探访记录已保存。")

    def get_object(self):
        if "pk" in self.kwargs:
            visit = _scoped(Visit, self.request.user, self.kwargs["pk"])
            self.household = visit.household
            return visit
        self.household = _scoped(Household, self.request.user, self.kwargs["household_pk"])
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "household": self.household}

    def perform(self, form):
        data = dict(form.cleaned_data)
        data.pop("version", None)
        if self.object is not None:
            data.pop("members", None)
            return services.visit_update(
                user=self.request.user, visit=form.instance, expected=form.expected_version, **data
            )
        members = data.pop("members", [])
        return services.visit_record(
            user=self.request.user, household=self.household, members=members, **data
        )

    def get_success_url(self):
        visit = getattr(self, "result", None) or self.object
        if visit:
            return reverse("visits:visit-detail", args=[visit.pk])
        return reverse("households:household-detail", args=[self.household.pk])


# ---------------------------------------------------------------------------------------------
# Community activities and frequencies


class ActivityListView(NoVolunteers, ObjectListView):
    model = Activity
    filterset_class = ActivityFilterSet
    template_name = "visits/activity_list.html"
    export_columns = exports.ACTIVITY_COLUMNS
    default_sort = "-held_on"
    sort_fields = {"date": "held_on", "kind": "kind"}

    def base_queryset(self):
        return selectors.activities_with_counts(
            Activity.objects.select_related("community", "organiser_team", "organiser_provider")
        )


class ActivityDetailView(NoVolunteers, ObjectDetailView):
    model = Activity
    template_name = "visits/activity_detail.html"

    def base_queryset(self):
        return Activity.objects.select_related("community", "town", "organiser_team", "organiser_provider")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            participants=self.object.participants.order_by("name"),
            history=history_entries(self.object.history.all(), _("社区活动"), user=self.request.user),
            **kwargs,
        )


class ActivityFormView(NoVolunteers, WriterRequiredMixin, _FormPage):
    form_class = ActivityForm
    page_title = _("社区活动")
    success_message = _("活动已保存。")

    def get_object(self):
        return _scoped(Activity, self.request.user, self.kwargs["pk"]) if "pk" in self.kwargs else None

    def perform(self, form):
        participants = form.cleaned_data.get("participants") if "participants" in form.fields else None
        return services.activity_save(
            user=self.request.user,
            activity=form.instance,
            participants=participants,
            expected=form.expected_version,
        )

    def get_success_url(self):
        activity = getattr(self, "result", None) or self.object
        return (
            reverse("visits:activity-detail", args=[activity.pk])
            if activity
            else reverse("visits:activity-list")
        )


class FrequencyListView(NoVolunteers, TemplateView):
    template_name = "visits/frequency_list.html"

    def get_context_data(self, **kwargs):
        rows = VisitFrequency.objects.order_by("group", "tier", "-effective_from")
        in_force = selectors_in_force()
        return super().get_context_data(rows=rows, in_force=in_force, **kwargs)


def selectors_in_force():
    from .schedule import frequencies_in_force

    return frequencies_in_force(dt.date.today())


# ---------------------------------------------------------------------------------------------
# The volunteer's phone form (staff may use it too): small, one tap for the common case, and
# safe to send twice (the key); static/js/visit_draft.js keeps a draft through lost connections.


class PhoneVisitView(FormPageMixin, ServiceFormView):
    form_class = PhoneVisitForm
    template_name = "visits/phone_form.html"
    success_message = _("探访已保存，谢谢您！")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            action = "view" if request.user.is_volunteer else CHANGE
            queryset = for_visit(Household.objects.restrict(request.user, action), request.user)
            self.household = get_object_or_404(queryset, pk=kwargs["household_pk"])
            _label(self.household)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"key": uuid.uuid4().hex}

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.household, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        team = next((p.team for p in self.household.my_pairings), None)
        members = TeamMember.objects.filter(team=team, user=self.request.user) if team else []
        return services.visit_record(
            user=self.request.user,
            household=self.household,
            team=team,
            members=list(members),
            services=data["services"],
            problems=data["problems"],
            create_need=data["needs_help"] and bool(data["problems"].strip()),
            key=data["key"] or None,
            **form.visit_fields(),
        )

    def wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.wants_json() and getattr(self, "result", None):
            return JsonResponse({"ok": True, "visit": self.result.pk})
        return response

    def form_invalid(self, form):
        if self.wants_json():
            errors = {f: [str(e) for e in errs] for f, errs in form.errors.items()}
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        return super().form_invalid(form)

    def get_success_url(self):
        return reverse("home")
