import copy

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.serializers import (
    NullAsBlankMixin,
    PlausibleDateField,
    ScopedPrimaryKeyRelatedField,
    VersionedSerializerMixin,
    service_errors,
)
from households.models import Household, Person

from .. import choices as c
from ..codes import code_choices
from ..models import CarePlan, CatalogImport, CatalogItem, Need, PlanAction, Provider, Recommendation


class NeedSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all())
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    item = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    domain_label = serializers.CharField(source="get_domain_display", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "household",
            "person",
            "domain",
            "domain_label",
            "description",
            "urgency",
            "source",
            "status",
            "status_label",
            "item",
            "outcome_note",
            "recorded_at",
            "changed_at",
            "met_on",
            "days_to_meet",
            "version",
        ]
        read_only_fields = [
            "status",
            "item",
            "outcome_note",
            "recorded_at",
            "changed_at",
            "met_on",
            "days_to_meet",
        ]


class NeedUpdateSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Need
        fields = ["domain", "description", "urgency", "version"]


class NeedTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=c.NeedStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    item = serializers.PrimaryKeyRelatedField(
        queryset=CatalogItem.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("记录的版本号。修改时一并提交（或使用 If-Match 请求头）：若他人已修改，返回 409/412。"),
    )


class ProviderSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "kind",
            "contact_name",
            "contact_phone",
            "address",
            "note",
            "is_active",
            "is_seed",
            "version",
        ]
        read_only_fields = ["is_seed"]


class CatalogItemSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    groups = serializers.ListField(child=serializers.ChoiceField(choices=[]), required=False)
    assistance_kinds = serializers.ListField(child=serializers.ChoiceField(choices=[]), required=False)
    disability_categories = serializers.ListField(child=serializers.ChoiceField(choices=[]), required=False)
    household_conditions = serializers.ListField(child=serializers.ChoiceField(choices=[]), required=False)
    eligibility = serializers.SerializerMethodField()

    class Meta:
        model = CatalogItem
        fields = [
            "id",
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
            "eligibility",
            "is_active",
            "is_seed",
            "version",
        ]
        read_only_fields = ["is_seed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in code_choices().items():
            self.fields[name].child.choices = choices

    def get_eligibility(self, item) -> list[str]:
        from ..eligibility import describe

        return describe(item)

    def validate(self, attrs):
        """The model's own rules (age range, dates, known codes) give the same 400 as the form."""
        item = copy.copy(self.instance) if self.instance else CatalogItem()
        for name, value in attrs.items():
            if name != "version":
                setattr(item, name, value)
        with service_errors():
            item.clean()
        return attrs


class RecommendationSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reason = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "household",
            "person",
            "item",
            "item_name",
            "status",
            "status_label",
            "reason",
            "pushed_at",
            "changed_at",
            "note",
            "version",
        ]
        read_only_fields = fields

    def get_reason(self, rec) -> str:
        if not hasattr(rec, "reason"):
            from ..selectors import with_reasons

            with_reasons([rec])
        return rec.reason


class RecommendationTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=c.UptakeStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("记录的版本号。修改时一并提交（或使用 If-Match 请求头）：若他人已修改，返回 409/412。"),
    )


class PlanActionSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    """``owner`` and ``owner_team`` come from the plan household's town, ``item`` from the active
    list; any other id is refused with the same words as an id that does not exist (no oracle)."""

    plan = ScopedPrimaryKeyRelatedField(queryset=CarePlan.objects.all())
    need = ScopedPrimaryKeyRelatedField(queryset=Need.objects.all(), required=False, allow_null=True)
    item = serializers.PrimaryKeyRelatedField(
        queryset=CatalogItem.objects.filter(is_active=True), required=False, allow_null=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "plan",
            "description",
            "need",
            "item",
            "owner",
            "owner_team",
            "due_on",
            "status",
            "status_label",
            "done_on",
            "note",
            "version",
        ]
        read_only_fields = ["status", "done_on", "note", "version"]

    def validate(self, attrs):
        from ..services import owner_choices, team_choices

        plan, user = attrs.get("plan"), self.context["request"].user
        if plan is None:
            return attrs
        choices = {
            "owner": owner_choices(user=user, household=plan.household),
            "owner_team": team_choices(user=user, household=plan.household),
        }
        errors = {}
        for name, queryset in choices.items():
            value = attrs.get(name)
            if value is not None and not queryset.filter(pk=value.pk).exists():
                errors[name] = [self.fields[name].error_messages["does_not_exist"].format(pk_value=value.pk)]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class CarePlanSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all())
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    actions = PlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = CarePlan
        fields = [
            "id",
            "household",
            "edition",
            "previous",
            "status",
            "status_label",
            "summary",
            "goals",
            "review_on",
            "review_note",
            "return_reason",
            "author",
            "created_at",
            "approved_by",
            "approved_at",
            "activated_at",
            "closed_at",
            "actions",
            "version",
        ]
        read_only_fields = [
            "edition",
            "previous",
            "status",
            "review_note",
            "return_reason",
            "author",
            "created_at",
            "approved_by",
            "approved_at",
            "activated_at",
            "closed_at",
        ]
        # plan_create decides the edition and the one-in-progress rule (with a plain message); the
        # validators DRF would derive from the constraints check the model default edition (1).
        validators = []


class CarePlanUpdateSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = CarePlan
        fields = ["summary", "goals", "review_on", "version"]


class PlanTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=c.PlanStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    review_on = PlausibleDateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("记录的版本号。修改时一并提交（或使用 If-Match 请求头）：若他人已修改，返回 409/412。"),
    )


class ActionFinishSerializer(serializers.Serializer):
    done = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("记录的版本号。修改时一并提交（或使用 If-Match 请求头）：若他人已修改，返回 409/412。"),
    )


class CatalogImportSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CatalogImport
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "file_name",
            "size",
            "summary",
            "preview",
            "message",
            "created_by",
            "created_at",
            "committed_by",
            "committed_at",
        ]
        read_only_fields = fields


class CatalogUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=c.CatalogImportKind.choices)
    file = serializers.FileField()

    def validate_file(self, upload):
        from ..forms import CatalogUploadForm

        form = CatalogUploadForm(data={"kind": "items"}, files={"file": upload})
        if not form.is_valid() and "file" in form.errors:
            raise serializers.ValidationError(form.errors["file"])
        return upload


class CatalogExportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=c.CatalogImportKind.choices)
