from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core import idnumber, privacy
from core.serializers import (
    PrivacyFieldsMixin,
    ScopedPrimaryKeyRelatedField,
    VersionedSerializerMixin,
    service_errors,
)
from core.validators import is_valid_phone, normalize_phone

from .. import choices as c
from .. import services
from ..models import AssistanceStatus, Division, Household, Person, PolicyParameter


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ["id", "code", "name", "level", "parent", "is_demo", "is_active"]


class AssistanceStatusSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = AssistanceStatus
        fields = [
            "id",
            "person",
            "kind",
            "kind_label",
            "detail",
            "source",
            "start_date",
            "end_date",
            "is_current",
        ]
        read_only_fields = ["source"]

    def create(self, validated_data):
        with service_errors():
            return services.status_add(
                person=validated_data.pop("person"), user=self.context["request"].user, data=validated_data
            )

    def update(self, instance, validated_data):
        if set(validated_data) - {"end_date"}:
            raise serializers.ValidationError({"non_field_errors": [_("救助身份只能修改终止日期。")]})
        if validated_data.get("end_date") is None:
            raise serializers.ValidationError({"end_date": [_("请填写终止日期。")]})
        with service_errors():
            return services.status_end(
                status=instance, user=self.context["request"].user, end_date=validated_data["end_date"]
            )


class CurrentStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssistanceStatus
        fields = ["kind", "detail", "source", "start_date"]


class PersonSerializer(PrivacyFieldsMixin, VersionedSerializerMixin, serializers.ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all())
    id_number = serializers.CharField(
        write_only=True, required=False, help_text=_("18位或15位身份证号码（只写）")
    )
    id_number_masked = serializers.CharField(source="id_masked", read_only=True)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True)
    phone_masked = serializers.CharField(read_only=True)
    age = serializers.IntegerField(read_only=True)
    current_statuses = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "household",
            "name",
            "id_number",
            "id_number_masked",
            "sex",
            "birth_date",
            "age",
            "relation",
            "phone",
            "phone_masked",
            *[f for f in services.PERSON_FIELDS if f not in ("name", "relation")],
            "status",
            "needs_review",
            "current_statuses",
            "groups",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["sex", "birth_date", "status", "needs_review", "created_at", "updated_at"]
        # One head per household is checked by the service (with its Chinese message) and the
        # database; DRF's generated validator for that constraint would say "must make a unique set".
        validators = []

    def get_current_statuses(self, person) -> list[str]:
        statuses = getattr(person, "current_status_list", None)
        if statuses is None:
            statuses = person.statuses.current()
        return sorted({s.kind for s in statuses})

    def get_groups(self, person) -> list[str]:
        """Codes of the screening groups the person is currently in (domain.md section 2)."""
        request = self.context.get("request")
        if request is not None and request.user.is_volunteer:
            return []  # screening results are staff data; volunteers see what a visit needs
        decisions = getattr(person, "current_group_list", None)
        if decisions is None:
            decisions = person.group_decisions.filter(active=True)
        return sorted({d.group for d in decisions})

    def validate_id_number(self, value):
        try:
            return idnumber.parse(value).value
        except idnumber.IdNumberError as error:
            raise serializers.ValidationError(error.message) from None

    def validate_phone(self, value):
        phone = normalize_phone(value)
        if phone and not is_valid_phone(phone):
            raise serializers.ValidationError(_("请填写11位手机号码或固定电话号码。"))
        return phone

    def validate(self, attrs):
        if self.instance is None and not attrs.get("id_number"):
            raise serializers.ValidationError({"id_number": [_("请填写身份证号码。")]})
        return attrs

    def create(self, validated_data):
        with service_errors():
            return services.person_create(
                household=validated_data.pop("household"),
                user=self.context["request"].user,
                data=validated_data,
                id_number=validated_data.pop("id_number"),
                phone=validated_data.pop("phone", ""),
            )

    def update(self, instance, validated_data):
        with service_errors():
            return services.person_update(
                person=instance,
                user=self.context["request"].user,
                data=validated_data,
                id_number=validated_data.pop("id_number", None),
                phone=validated_data.pop("phone", None),
                household=validated_data.pop("household", None),
                version=self.expected_version(validated_data),
            )


class HouseholdSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(
        queryset=Division.objects.all(), filters={"level": c.DivisionLevel.COMMUNITY}, action="view"
    )
    grid = ScopedPrimaryKeyRelatedField(
        queryset=Division.objects.all(),
        filters={"level": c.DivisionLevel.GRID},
        action="view",
        required=False,
        allow_null=True,
    )
    town = serializers.PrimaryKeyRelatedField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "town",
            "community",
            "grid",
            "address",
            "housing",
            "safety_grade",
            "size",
            "income_per_capita",
            "zero_employment",
            "note",
            "status",
            "member_count",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]

    def create(self, validated_data):
        with service_errors():
            return services.household_create(user=self.context["request"].user, data=validated_data)

    def update(self, instance, validated_data):
        with service_errors():
            return services.household_update(
                household=instance,
                user=self.context["request"].user,
                data=validated_data,
                version=self.expected_version(validated_data),
            )


class HouseholdDetailSerializer(HouseholdSerializer):
    members = PersonSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "members"]


class VisitPersonSerializer(serializers.ModelSerializer):
    """A household member as a volunteer sees them (core.privacy.VISIT_PERSON_FIELDS): no ID
    number, birth date, income, assistance, disability details or 计生特殊家庭."""

    age = serializers.IntegerField(read_only=True)
    sex = serializers.CharField(source="get_sex_display", read_only=True)
    relation = serializers.CharField(source="get_relation_display", read_only=True)
    living_arrangement = serializers.CharField(source="get_living_arrangement_display", read_only=True)
    care_level = serializers.CharField(source="get_care_level_display", read_only=True)
    status = serializers.CharField(source="get_status_display", read_only=True)
    groups = serializers.SerializerMethodField(help_text=_("所属分类（中文名称）"))

    class Meta:
        model = Person
        fields = list(privacy.VISIT_PERSON_FIELDS)
        read_only_fields = fields

    def get_groups(self, person) -> list[str]:
        decisions = getattr(person, "current_group_list", None)
        if decisions is None:
            decisions = person.group_decisions.filter(active=True)
        return sorted({str(d.get_group_display()) for d in decisions})


class VisitHouseholdSerializer(serializers.ModelSerializer):
    """A paired household as a volunteer sees it (core.privacy.VISIT_HOUSEHOLD_FIELDS)."""

    town = serializers.CharField(source="town.name", read_only=True)
    community = serializers.CharField(source="community.name", read_only=True)
    status = serializers.CharField(source="get_status_display", read_only=True)
    members = VisitPersonSerializer(source="visit_members", many=True, read_only=True)
    teams = serializers.SerializerMethodField(help_text=_("与该家庭结对的本人所在队伍"))

    class Meta:
        model = Household
        fields = list(privacy.VISIT_HOUSEHOLD_FIELDS)
        read_only_fields = fields

    def get_teams(self, household) -> list[str]:
        return [p.team.name for p in household.my_pairings]


class PolicyParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyParameter
        fields = ["id", "key", "value", "effective_from", "note"]

    def validate_key(self, value):
        from ..policy import REGISTRY

        if value not in REGISTRY:
            raise serializers.ValidationError(_("未知的参数。"))
        return value


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
