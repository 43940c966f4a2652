from rest_framework import serializers

from assistance.models import Need
from core.serializers import (
    NullAsBlankMixin,
    ScopedPrimaryKeyRelatedField,
    VersionedSerializerMixin,
    service_errors,
)
from households.models import Household

from .. import choices as c
from .. import services
from ..models import Department, JointCase, Meeting, ProgressReport, ResolutionTask


def _name(user):
    return user.get_full_name() or user.username if user else None


class DepartmentSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "short_name", "is_active"]
        read_only_fields = fields


class ProgressReportSerializer(NullAsBlankMixin, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reported_by = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "text", "status", "status_label", "reported_by", "reported_at"]
        read_only_fields = fields

    def get_reported_by(self, report) -> str:
        return _name(report.reported_by)


class ResolutionTaskSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    case = ScopedPrimaryKeyRelatedField(queryset=JointCase.objects.all())
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.filter(is_active=True))
    department_name = serializers.CharField(source="department.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    reports = ProgressReportSerializer(many=True, read_only=True)

    class Meta:
        model = ResolutionTask
        fields = [
            "id",
            "case",
            "meeting",
            "department",
            "department_name",
            "action",
            "deadline",
            "status",
            "status_label",
            "is_overdue",
            "done_on",
            "last_report_at",
            "created_at",
            "version",
            "reports",
        ]
        read_only_fields = ["meeting", "status", "done_on", "last_report_at", "created_at"]

    def create(self, validated_data):
        validated_data.pop("version", None)
        case = validated_data.pop("case")
        with service_errors():
            return services.task_add(case=case, user=self.context["request"].user, **validated_data)


class ReportSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=c.TaskStatus.choices)
    text = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False, min_value=1)


class JointCaseSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all())
    needs = ScopedPrimaryKeyRelatedField(queryset=Need.objects.all(), many=True)
    number = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    household_name = serializers.CharField(source="household.__str__", read_only=True)
    meeting_title = serializers.CharField(source="meeting.title", read_only=True, default=None)

    class Meta:
        model = JointCase
        fields = [
            "id",
            "number",
            "household",
            "household_name",
            "needs",
            "summary",
            "status",
            "status_label",
            "created_at",
            "endorsed_at",
            "review_note",
            "meeting",
            "meeting_title",
            "agenda_order",
            "outcome",
            "closed_at",
            "version",
        ]
        read_only_fields = [
            "status",
            "created_at",
            "endorsed_at",
            "review_note",
            "meeting",
            "agenda_order",
            "outcome",
            "closed_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["household"].read_only = True
            fields["needs"].read_only = True
        return fields

    def create(self, validated_data):
        validated_data.pop("version", None)
        with service_errors():
            return services.case_escalate(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        expected = self.expected_version(validated_data)
        with service_errors():
            return services.case_update(
                case=instance,
                user=self.context["request"].user,
                summary=validated_data.get("summary", instance.summary),
                expected_version=expected,
            )


class CaseTransitionSerializer(serializers.Serializer):
    # Every status (one enum in the schema); the service accepts only the manual steps, with a 400.
    to = serializers.ChoiceField(choices=c.CaseStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1)


class ScheduleSerializer(serializers.Serializer):
    meeting = ScopedPrimaryKeyRelatedField(queryset=Meeting.objects.all())


class MeetingSerializer(NullAsBlankMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True), many=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "held_on",
            "place",
            "status",
            "status_label",
            "departments",
            "attendees",
            "minutes",
            "created_at",
            "version",
        ]
        read_only_fields = ["status", "created_at"]

    def create(self, validated_data):
        validated_data.pop("version", None)
        with service_errors():
            return services.meeting_create(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        expected = self.expected_version(validated_data)
        with service_errors():
            return services.meeting_update(
                meeting=instance,
                user=self.context["request"].user,
                expected_version=expected,
                **validated_data,
            )


class MeetingTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=c.MeetingStatus.choices)
    version = serializers.IntegerField(required=False, min_value=1)
