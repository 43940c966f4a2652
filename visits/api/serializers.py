from rest_framework import serializers

from core.serializers import (
    NullAsBlankMixin,
    PlausibleDateField,
    ScopedPrimaryKeyRelatedField,
    VersionedSerializerMixin,
)
from households.models import Division, Household, Person

from .. import choices as c
from ..models import Activity, HouseholdSchedule, Pairing, Team, TeamMember, Visit, VisitFrequency


class TeamSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    division = ScopedPrimaryKeyRelatedField(queryset=Division.objects.all(), action="view")
    team_type_label = serializers.CharField(source="get_team_type_display", read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "division",
            "team_type",
            "team_type_label",
            "responsible",
            "is_active",
            "version",
        ]


class MemberSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    team = ScopedPrimaryKeyRelatedField(queryset=Team.objects.all())
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    member_type_label = serializers.CharField(source="get_member_type_display", read_only=True)

    class Meta:
        model = TeamMember
        fields = [
            "id",
            "team",
            "name",
            "member_type",
            "member_type_label",
            "phone",
            "phone_masked",
            "user",
            "is_active",
            "version",
        ]
        read_only_fields = ["phone_masked"]


class PairingSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    team = ScopedPrimaryKeyRelatedField(queryset=Team.objects.all())
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all())
    member = ScopedPrimaryKeyRelatedField(queryset=TeamMember.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Pairing
        fields = ["id", "team", "household", "member", "started_on", "ended_on", "end_reason", "version"]
        read_only_fields = ["ended_on", "end_reason"]


class PairingEndSerializer(serializers.Serializer):
    ended_on = PlausibleDateField()
    reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(required=False, min_value=1)


class VisitSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all(), action="view")
    services = serializers.ListField(
        child=serializers.ChoiceField(choices=c.Service.choices), source="service_codes", min_length=1
    )
    key = serializers.RegexField(r"^[A-Za-z0-9-]{8,64}$", write_only=True, required=False)
    create_need = serializers.BooleanField(write_only=True, required=False, default=False)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    method_label = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "team",
            "visited_on",
            "method",
            "method_label",
            "services",
            "health",
            "electricity",
            "gas",
            "fire",
            "carers_ok",
            "problems",
            "need",
            "next_due_on",
            "notes",
            "recorded_at",
            "key",
            "create_need",
            "reason",
            "version",
        ]
        read_only_fields = ["team", "need", "recorded_at"]


class ActivitySerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(
        queryset=Division.objects.filter(level="community"), action="view"
    )
    organiser_team = ScopedPrimaryKeyRelatedField(
        queryset=Team.objects.all(), action="view", required=False, allow_null=True
    )
    participants = ScopedPrimaryKeyRelatedField(
        queryset=Person.objects.all(), many=True, required=False, action="view"
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "kind",
            "kind_label",
            "held_on",
            "place",
            "town",
            "community",
            "organiser_team",
            "organiser_provider",
            "participants",
            "other_count",
            "note",
            "version",
        ]
        read_only_fields = ["town"]


class FrequencySerializer(NullAsBlankMixin, serializers.ModelSerializer):
    class Meta:
        model = VisitFrequency
        fields = ["id", "group", "tier", "interval_days", "effective_from", "note"]


class QueueSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    """A row of the visit queue (the schedule table), as the list showed it when it read households."""

    id = serializers.IntegerField(source="household_id", read_only=True)
    address = serializers.CharField(source="household.address", read_only=True)
    last_visit = serializers.DateField(source="last_visit_on", read_only=True, allow_null=True)

    class Meta:
        model = HouseholdSchedule
        fields = ["id", "town", "community", "address", "last_visit", "paired", "due_on", "due_reason"]
