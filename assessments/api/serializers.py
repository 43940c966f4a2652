from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import Task
from core.serializers import (
    BlankAsNullChoiceField,
    ScopedPrimaryKeyRelatedField,
    VersionedSerializerMixin,
    service_errors,
)
from households.models import Division, Person

from .. import choices as c
from .. import services
from ..forms import ADMIT_KINDS
from ..models import Alert, GroupDecision, Override, ScreeningSweep, VagrantRecord


class GroupDecisionSerializer(serializers.ModelSerializer):
    group_label = serializers.CharField(source="get_group_display", read_only=True)
    explanation = serializers.CharField(read_only=True)

    class Meta:
        model = GroupDecision
        fields = [
            "id",
            "person",
            "group",
            "group_label",
            "tier",
            "explanation",
            "evidence",
            "fingerprint",
            "rule_version",
            "params_version",
            "active",
            "decided_at",
            "updated_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields


class OverrideSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    created_by = serializers.StringRelatedField(read_only=True)
    seen_override = serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=0,
        help_text=_("提交时看到的当前人工认定 id（无则为 0）；若他人已作出新的认定，返回 400。"),
    )

    class Meta:
        model = Override
        fields = [
            "id",
            "person",
            "group",
            "verdict",
            "reason",
            "seen_override",
            "fingerprint",
            "decision",
            "active",
            "created_by",
            "created_at",
            "retired_at",
            "retired_reason",
        ]
        read_only_fields = [
            "fingerprint",
            "decision",
            "active",
            "created_by",
            "created_at",
            "retired_at",
            "retired_reason",
        ]

    def create(self, validated_data):
        with service_errors():
            return services.override_record(user=self.context["request"].user, **validated_data)


class TaskSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "kind",
            "title",
            "detail",
            "household",
            "person",
            "town",
            "community",
            "assignee",
            "due_date",
            "high_risk",
            "status",
            "is_overdue",
            "created_at",
            "completed_at",
            "completed_by",
            "completion_note",
        ]
        read_only_fields = fields


class TaskCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class TaskBulkSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=500
    )
    action = serializers.ChoiceField(choices=[("confirm", "confirm"), ("close", "close")])
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class TaskBulkResultSerializer(serializers.Serializer):
    processed = serializers.IntegerField()


class AlertSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    # Not verified / not handled yet: null, not "" (which is outside the enums).
    verify_method = BlankAsNullChoiceField(choices=c.VerifyMethod.choices, read_only=True)
    outcome = BlankAsNullChoiceField(choices=c.AlertOutcome.choices, read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "person",
            "town",
            "kind",
            "source",
            "department",
            "occurred_on",
            "amount",
            "description",
            "status",
            "verify_deadline",
            "verify_method",
            "confirmed",
            "verify_note",
            "verified_at",
            "outcome",
            "outcome_note",
            "handled_at",
            "created_at",
            "version",
        ]
        read_only_fields = [
            "town",
            "source",
            "status",
            "verify_deadline",
            "verify_method",
            "confirmed",
            "verify_note",
            "verified_at",
            "outcome",
            "outcome_note",
            "handled_at",
            "created_at",
            "version",
        ]

    def create(self, validated_data):
        with service_errors():
            return services.alert_create(user=self.context["request"].user, **validated_data)


class AlertVerifySerializer(VersionedSerializerMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=c.VerifyMethod.choices)
    confirmed = serializers.BooleanField()
    note = serializers.CharField(max_length=2000)


class AlertHandleSerializer(VersionedSerializerMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=c.AlertOutcome.choices)
    assistance_kind = serializers.ChoiceField(choices=ADMIT_KINDS, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class VagrantRecordSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(
        queryset=Division.objects.all(), filters={"level": "community"}, action="view"
    )
    id_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_("已知时填写（只写）")
    )
    is_eligible = serializers.BooleanField(read_only=True)
    person = serializers.SerializerMethodField()

    class Meta:
        model = VagrantRecord
        fields = [
            "id",
            *services.VAGRANT_FIELDS,
            "id_number",
            "id_masked",
            "person",
            "town",
            "status",
            "is_eligible",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["id_masked", "person", "town", "status", "created_at", "updated_at"]

    def get_person(self, record) -> int | None:
        """The registry person linked by ID number, only if that person is in the caller's area."""
        from households.models import Person

        request = self.context.get("request")
        if not record.person_id or request is None:
            return None
        return (
            record.person_id
            if Person.objects.restrict(request.user).filter(pk=record.person_id).exists()
            else None
        )

    def _save(self, record, validated_data):
        id_number = validated_data.pop("id_number", None) or None
        user = self.context["request"].user
        with service_errors():
            if record is None:
                return services.vagrant_create(user=user, data=validated_data, id_number=id_number)
            return services.vagrant_update(
                record=record,
                user=user,
                data=validated_data,
                id_number=id_number,
                version=self.expected_version(validated_data),
            )

    def create(self, validated_data):
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class ScreeningSweepSerializer(serializers.ModelSerializer):
    mode_display = serializers.CharField(source="get_mode_display", read_only=True)

    class Meta:
        model = ScreeningSweep
        fields = [
            "id",
            "on",
            "mode",
            "mode_display",
            "reason",
            "rule_version",
            "params_version",
            "households",
            "persons",
            "changed_households",
            "changed",
            "seconds",
            "finished_at",
        ]
