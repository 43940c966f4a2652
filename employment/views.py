"""Employment help pages: thin views over the shared generics, the services and the selectors."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from assessments.models import GroupDecision
from assessments.views import FormPageMixin, ObjectStepView, StaffOnlyMixin
from core.history import merged_history
from core.pagination import IdsFirstPaginator
from core.scoping import CHANGE
from core.views import (
    ObjectDetailView,
    ObjectListView,
    ScopedObjectMixin,
    ServiceFormView,
    WriterRequiredMixin,
)
from households.models import Person

from . import exports, forms, selectors, services
from .filtersets import (
    SURVEY_STATE_CHOICES,
    PlacementFilterSet,
    PostFilterSet,
    ReferralFilterSet,
    SurveyContactFilterSet,
    SurveyHouseholdFilterSet,
    TargetFilterSet,
    TrainingFilterSet,
)
from .models import (
    EmploymentProfile,
    Placement,
    Post,
    Referral,
    SurveyContact,
    SurveyHousehold,
    Target,
    Training,
)

PERSON_PATH = ("person__household__town", "person__household__community")


# --- Lists -------------------------------------------------------------------------------------


class TargetListView(StaffOnlyMixin, ObjectListView):
    """帮扶对象: the people the drive is for, in the user's area."""

    model = Target
    filterset_class = TargetFilterSet
    template_name = "employment/target_list.html"
    export_columns = exports.TARGET_COLUMNS
    # Newest first by id: the primary key's order stops at the page's rows (sorting every target
    # by community first cost 65 ms of the page's SQL on the 3,000-household demo).
    default_sort = "-id"
    sort_fields = {"name": "name_initials", "age": "birth_date", "community": "household__community__code"}
    # The page's ids from the targets' summary rows first, then those 25 people with their joins.
    paginator_class = IdsFirstPaginator

    def base_queryset(self):
        return selectors.listed_targets(
            Target.objects.select_related("household__town", "household__community", "employment_profile")
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        key = self.request.GET.get("sort", "")
        if key.lstrip("-") == "age":  # older people have earlier birth dates
            # The summary row's copy of the birth date, then the person: the basis's age index
            # (birth, person) gives the page's ids without sorting every target.
            desc = "" if key.startswith("-") else "-"
            return queryset.order_by(desc + "employment_target__birth", desc + "id")
        return queryset


class TrainingListView(StaffOnlyMixin, ObjectListView):
    model = Training
    filterset_class = TrainingFilterSet
    template_name = "employment/training_list.html"
    export_columns = exports.TRAINING_COLUMNS
    default_sort = "-start_date"
    sort_fields = {"start": "start_date", "status": "status", "course": "course"}

    def base_queryset(self):
        return Training.objects.select_related("person", *PERSON_PATH)


class PostListView(StaffOnlyMixin, ObjectListView):
    model = Post
    filterset_class = PostFilterSet
    template_name = "employment/post_list.html"
    export_columns = exports.POST_COLUMNS
    default_sort = "town__code"
    sort_fields = {"town": "town__code", "name": "name", "capacity": "capacity", "filled": "filled"}

    def base_queryset(self):
        return Post.objects.select_related("town")

    def get_context_data(self, **kwargs):
        user = self.request.user
        can_create = user.can_write and (
            user.sees_whole_city or getattr(user.division, "level", "") == "town"
        )
        return super().get_context_data(can_create=can_create, **kwargs)


class PlacementListView(StaffOnlyMixin, ObjectListView):
    model = Placement
    filterset_class = PlacementFilterSet
    template_name = "employment/placement_list.html"
    export_columns = exports.PLACEMENT_COLUMNS
    default_sort = "-start_date"
    sort_fields = {"start": "start_date", "end": "planned_end", "status": "status"}

    def base_queryset(self):
        return Placement.objects.select_related("person", "post", *PERSON_PATH)


class ReferralListView(StaffOnlyMixin, ObjectListView):
    model = Referral
    filterset_class = ReferralFilterSet
    template_name = "employment/referral_list.html"
    export_columns = exports.REFERRAL_COLUMNS
    default_sort = "-referred_on"
    sort_fields = {"date": "referred_on", "outcome": "outcome", "employer": "employer"}

    def base_queryset(self):
        return Referral.objects.select_related("person", *PERSON_PATH)


class SurveyListView(StaffOnlyMixin, ObjectListView):
    model = SurveyContact
    filterset_class = SurveyContactFilterSet
    template_name = "employment/survey_list.html"
    export_columns = exports.SURVEY_COLUMNS
    default_sort = "-contacted_on"
    sort_fields = {"date": "contacted_on", "method": "method", "result": "result"}

    def base_queryset(self):
        return SurveyContact.objects.select_related(
            "household__town", "household__community", "person", "contacted_by"
        ).prefetch_related("household__members")


class SurveyHouseholdListView(StaffOnlyMixin, ObjectListView):
    """The households behind one number of the survey page."""

    model = SurveyHousehold
    filterset_class = SurveyHouseholdFilterSet
    template_name = "employment/survey_households.html"
    export_columns = exports.SURVEY_HOUSEHOLD_COLUMNS
    default_sort = "-id"
    sort_fields = {"community": "community__code", "address": "address"}
    filter_defaults = {"state": "target"}

    def base_queryset(self):
        return SurveyHousehold.objects.select_related("town", "community").prefetch_related("members")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = list(context["object_list"])
        last = {}
        for contact in SurveyContact.objects.filter(household__in=page).order_by(
            "household_id", "-contacted_on", "-id"
        ):
            last.setdefault(contact.household_id, contact)
        for household in page:
            household.last_contact = last.get(household.pk)
        context["object_list"] = page
        state = self.request.GET.get("state") or "target"
        context["state_label"] = dict(SURVEY_STATE_CHOICES).get(state, "")
        return context


class SurveyProgressView(StaffOnlyMixin, TemplateView):
    """Per town: households to survey, surveyed (on site / by phone), reached, not yet surveyed."""

    template_name = "employment/survey_progress.html"

    def get_context_data(self, **kwargs):
        from django import forms as djforms

        since_field = djforms.DateField(required=False)
        try:
            since = since_field.clean(self.request.GET.get("since") or None)
            since_error = ""
        except djforms.ValidationError:
            since, since_error = None, _("日期格式不正确，请按 年-月-日 填写。")
        user = self.request.user
        table = selectors.survey_progress(user, selectors.visible_towns(user), since=since)
        return super().get_context_data(
            rows=table,
            totals=selectors.progress_totals(table),
            states=[s for s in SURVEY_STATE_CHOICES if s[0] in selectors.PROGRESS_STATES],
            since=since,
            since_error=since_error,
            **kwargs,
        )


# --- A person's employment page ----------------------------------------------------------------


class PersonEmploymentView(StaffOnlyMixin, ObjectDetailView):
    model = Person
    template_name = "employment/person.html"

    def base_queryset(self):
        return Person.objects.select_related("household__town", "household__community", "employment_profile")

    def get_context_data(self, **kwargs):
        person = self.object
        profile = EmploymentProfile.objects.filter(person=person).first()
        placements = person.placements.select_related("post").order_by("-start_date", "-id")
        surveys = SurveyContact.objects.filter(household_id=person.household_id).select_related(
            "person", "contacted_by"
        )
        user = self.request.user
        history = merged_history(
            (person.history.filter(id=person.pk), _("人员"), "name"),
            (EmploymentProfile.history.filter(person_id=person.pk), _("就业情况")),
            (Training.history.filter(person_id=person.pk), _("培训"), "course"),
            (Placement.history.filter(person_id=person.pk), _("岗位安置")),
            (Referral.history.filter(person_id=person.pk), _("岗位推荐"), "employer"),
            user=user,
        )
        decisions = GroupDecision.objects.filter(person=person, group="unemployed").order_by("-decided_at")
        return super().get_context_data(
            profile=profile,
            trainings=person.trainings.all(),
            placements=placements,
            referrals=person.referrals.all(),
            surveys=surveys,
            decisions=decisions,
            is_target=selectors.targets(Person.objects.filter(pk=person.pk)).exists(),
            can_change=Person.objects.restrict(user, CHANGE).filter(pk=person.pk).exists(),
            history=_employment_history(history),
            **kwargs,
        )


def _employment_history(entries):
    """The person's own history is kept only where it touched the employment status."""
    label = str(Person._meta.get_field("employment").verbose_name)
    person_subject = str(_("人员"))
    return [
        e
        for e in entries
        if not str(e.subject).startswith(person_subject) or any(str(ch[0]) == label for ch in e.changes)
    ]


class _PersonStepView(ObjectStepView):
    """A form about one person the user may change (404 otherwise, like every write URL)."""

    model = Person
    object_attr = "person"
    success_url_name = "employment:person"
    fetch_for_volunteers = False


class ProfileEditView(_PersonStepView):
    form_class = forms.ProfileForm
    page_title = _("填写就业情况")
    success_message = _("就业情况已保存。")

    def get_form_kwargs(self):
        profile = EmploymentProfile.objects.filter(person=self.person).first()
        return {**super().get_form_kwargs(), "person": self.person, "instance": profile}

    def perform(self, form):
        data = dict(form.cleaned_data)
        data.pop("version", None)
        employment = data.pop("employment")
        return services.profile_save(
            person=self.person,
            user=self.request.user,
            employment=employment,
            version=form.expected_version,
            **data,
        )


class TrainingCreateView(_PersonStepView):
    form_class = forms.TrainingForm
    page_title = _("登记技能培训")
    success_message = _("培训已登记。")

    def perform(self, form):
        return services.training_add(person=self.person, user=self.request.user, **form.cleaned_data)


class PlacementCreateView(_PersonStepView):
    form_class = forms.PlacementForm
    page_title = _("安置到公益性岗位")
    success_message = _("已安置上岗。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "person": self.person}

    def perform(self, form):
        return services.placement_start(person=self.person, user=self.request.user, **form.cleaned_data)


class ReferralCreateView(_PersonStepView):
    form_class = forms.ReferralForm
    page_title = _("登记岗位推荐或招聘")
    success_message = _("推荐已登记。")

    def perform(self, form):
        return services.referral_add(person=self.person, user=self.request.user, **form.cleaned_data)


class SurveyCreateView(_PersonStepView):
    form_class = forms.SurveyForm
    page_title = _("登记摸排联系")
    success_message = _("摸排记录已登记。")

    def get_initial(self):
        return {"person": self.person.pk}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "household": self.person.household}

    def perform(self, form):
        return services.survey_record(
            household=self.person.household, user=self.request.user, **form.cleaned_data
        )


class _RecordStepView(ObjectStepView):
    object_attr = "record"
    success_url_name = "employment:person"
    success_url_field = "person_id"
    fetch_for_volunteers = False


class TrainingFinishView(_RecordStepView):
    model = Training
    form_class = forms.TrainingFinishForm
    page_title = _("登记培训结果")
    success_message = _("培训结果已保存。")

    def perform(self, form):
        return services.training_update(training=self.record, user=self.request.user, **form.cleaned_data)


class PlacementEndView(_RecordStepView):
    model = Placement
    form_class = forms.PlacementEndForm
    page_title = _("办理离岗")
    success_message = _("已办理离岗。")

    def perform(self, form):
        return services.placement_end(placement=self.record, user=self.request.user, **form.cleaned_data)


class ReferralOutcomeView(_RecordStepView):
    model = Referral
    form_class = forms.ReferralOutcomeForm
    page_title = _("登记推荐结果")
    success_message = _("推荐结果已保存。")

    def perform(self, form):
        return services.referral_outcome(referral=self.record, user=self.request.user, **form.cleaned_data)


# --- Posts -------------------------------------------------------------------------------------


class PostDetailView(StaffOnlyMixin, ObjectDetailView):
    model = Post
    template_name = "employment/post_detail.html"

    def base_queryset(self):
        return Post.objects.select_related("town")

    def get_context_data(self, **kwargs):
        post = self.object
        user = self.request.user
        return super().get_context_data(
            placements=Placement.objects.restrict(user)
            .filter(post=post)
            .select_related("person", *PERSON_PATH)
            .order_by("status", "-start_date")[:200],
            can_change=Post.objects.restrict(user, CHANGE).filter(pk=post.pk).exists(),
            history=merged_history((post.history.all(), _("岗位")), user=user),
            **kwargs,
        )


class PostCreateView(StaffOnlyMixin, WriterRequiredMixin, FormPageMixin, ServiceFormView):
    form_class = forms.PostForm
    page_title = _("设立公益性岗位")
    success_message = _("岗位已设立。")

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (
            user.sees_whole_city or getattr(user.division, "level", "") == "town"
        ):
            raise Http404  # posts are the town's to manage
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.post_create(user=self.request.user, **data)

    def get_success_url(self):
        result = getattr(self, "result", None)
        return (
            reverse("employment:post-detail", args=[result.pk]) if result else reverse("employment:post-list")
        )


class PostUpdateView(StaffOnlyMixin, FormPageMixin, ScopedObjectMixin, ServiceFormView):
    model = Post
    form_class = forms.PostForm
    page_title = _("修改公益性岗位")
    success_message = _("岗位已保存。")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not getattr(request.user, "is_volunteer", False):
            self.post_obj = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.post_obj}

    def perform(self, form):
        data = dict(form.cleaned_data)
        data.pop("town", None)
        data.pop("version", None)
        return services.post_update(
            post=self.post_obj, user=self.request.user, version=form.expected_version, **data
        )

    def get_success_url(self):
        return reverse("employment:post-detail", args=[self.post_obj.pk])
