from rest_framework import serializers

from core.serializers import (
    BlankAsNullChoiceField,
    NullAsBlankMixin,
    PlausibleDateField,
    ScopedPrimaryKeyRelatedField,
    VersionedSerializerMixin,
)
from households import choices as hc
from households.models import Division, Household, Person

from .. import choices as c
from ..models import EmploymentProfile, Placement, Post, Referral, SurveyContact, Training


class TargetSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    """A person the drive is for: name, age, area and situation (no ID number, no birth date)."""

    age = serializers.IntegerField(read_only=True)
    sex_label = serializers.CharField(source="get_sex_display", read_only=True)
    employment = BlankAsNullChoiceField(choices=hc.Employment.choices, read_only=True)
    employment_label = serializers.CharField(source="get_employment_display", read_only=True)
    town = serializers.CharField(source="household.town.name", read_only=True)
    community = serializers.CharField(source="household.community.name", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "sex",
            "sex_label",
            "age",
            "household",
            "town",
            "community",
            "employment",
            "employment_label",
        ]
        read_only_fields = fields


class ProfileSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    employment = BlankAsNullChoiceField(
        choices=hc.Employment.choices, required=False, help_text="就业状况（人员的字段，分类筛查据此判断）"
    )
    education = BlankAsNullChoiceField(choices=c.Education.choices, required=False)
    intention = BlankAsNullChoiceField(choices=c.Intention.choices, required=False)

    class Meta:
        model = EmploymentProfile
        fields = [
            "id",
            "person",
            "employment",
            "education",
            "skills",
            "intention",
            "desired_job",
            "care_duties",
            "health_limits",
            "barrier_note",
            "note",
            "updated_at",
            "version",
        ]
        read_only_fields = ["updated_at"]
        validators = []  # person is unique: the service answers a second profile as an update

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["person"].read_only = True
        return fields


class TrainingSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Training
        fields = [
            "id",
            "person",
            "course",
            "organizer",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "certificate",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]


class TrainingFinishSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[c.TrainingStatus.COMPLETED, c.TrainingStatus.DROPPED])
    end_date = PlausibleDateField()
    certificate = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PostSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    town = serializers.PrimaryKeyRelatedField(queryset=Division.objects.towns())
    vacancies = serializers.IntegerField(read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "town",
            "name",
            "employer",
            "capacity",
            "filled",
            "vacancies",
            "tenure_limit_months",
            "duties",
            "is_active",
            "created_at",
            "version",
        ]
        read_only_fields = ["filled", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["town"].read_only = True
        return fields


class PlacementSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    post = ScopedPrimaryKeyRelatedField(queryset=Post.objects.all(), action="view")
    planned_end = PlausibleDateField(required=False, allow_null=True, help_text="不填则按累计任职期限计算")
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Placement
        fields = [
            "id",
            "post",
            "person",
            "start_date",
            "planned_end",
            "end_date",
            "end_reason",
            "status",
            "status_label",
            "recorded_at",
        ]
        read_only_fields = ["end_date", "end_reason", "status", "recorded_at"]


class PlacementEndSerializer(serializers.Serializer):
    end_date = PlausibleDateField()
    reason = serializers.CharField(max_length=200)
    employment_after = serializers.ChoiceField(choices=c.AFTER_PLACEMENT, default="unemployed")


class ReferralSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "person",
            "kind",
            "employer",
            "position",
            "referred_on",
            "outcome",
            "outcome_label",
            "employed_at",
            "employed_from",
            "note",
            "recorded_at",
        ]
        read_only_fields = ["outcome", "employed_at", "employed_from", "recorded_at"]


class ReferralOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[v for v, _l in c.ReferralOutcome.choices if v != "pending"])
    employed_at = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    employed_from = PlausibleDateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SurveyContactSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all())
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    result_label = serializers.CharField(source="get_result_display", read_only=True)

    class Meta:
        model = SurveyContact
        fields = [
            "id",
            "household",
            "person",
            "method",
            "method_label",
            "contacted_on",
            "result",
            "result_label",
            "note",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]


class SurveyProgressSerializer(serializers.Serializer):
    town = serializers.IntegerField(source="town.pk")
    town_name = serializers.CharField(source="town.name")
    target = serializers.IntegerField()
    surveyed = serializers.IntegerField()
    on_site = serializers.IntegerField()
    phone = serializers.IntegerField()
    reached = serializers.IntegerField()
    not_reached = serializers.IntegerField()
    not_surveyed = serializers.IntegerField()
    rate = serializers.IntegerField(allow_null=True)


class ProgressQuerySerializer(serializers.Serializer):
    since = PlausibleDateField(required=False, help_text="只计此日期起的联系（年-月-日）")
