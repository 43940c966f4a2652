"""django-import-export resources: admins bulk import and export teams and their members.

Teams are matched by name within their division (by the division's code); members by team and
name. Phones are written in clear into the encrypted column on import and exported masked."""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from households.models import Division

from .choices import MemberType, TeamType
from .models import Team, TeamMember


class ChoiceCodeWidget(widgets.CharWidget):
    """A stable code, or its Chinese label (what a spreadsheet user types); anything else is a row error."""

    def __init__(self, choices, **kwargs):
        self.by_label = {str(label): code for code, label in choices}
        self.codes = {code for code, _label in choices}
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = (super().clean(value, row, **kwargs) or "").strip()
        code = self.by_label.get(text, text)
        if code not in self.codes:
            raise ValueError(f"不正确的值：{text}")
        return code


class TeamResource(resources.ModelResource):
    division = fields.Field(
        attribute="division",
        column_name="division_code",
        widget=widgets.ForeignKeyWidget(Division, field="code"),
    )
    team_type = fields.Field(
        attribute="team_type", column_name="team_type", widget=ChoiceCodeWidget(TeamType.choices)
    )

    class Meta:
        model = Team
        import_id_fields = ["name", "division"]
        fields = ["name", "division", "team_type", "is_active"]
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        if instance.division.level not in ("town", "community"):
            raise ValidationError({"division": "队伍须属于镇街或村（社区）。"})
        instance.full_clean(validate_unique=False)


class TeamByNameWidget(widgets.ForeignKeyWidget):
    """``division_code/team name``: team names repeat across communities."""

    def clean(self, value, row=None, **kwargs):
        code, _sep, name = str(value or "").partition("/")
        try:
            return Team.objects.get(division__code=code.strip(), name=name.strip())
        except Team.DoesNotExist:
            raise ValueError(f"找不到队伍：{value}") from None

    def render(self, value, obj=None, **kwargs):
        return f"{value.division.code}/{value.name}" if value else ""


class MemberResource(resources.ModelResource):
    team = fields.Field(attribute="team", column_name="team", widget=TeamByNameWidget(Team))
    member_type = fields.Field(
        attribute="member_type", column_name="member_type", widget=ChoiceCodeWidget(MemberType.choices)
    )
    phone = fields.Field(attribute="phone_masked", column_name="phone")

    class Meta:
        model = TeamMember
        import_id_fields = ["team", "name"]
        fields = ["team", "name", "member_type", "phone", "is_active"]
        skip_unchanged = True

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name == "phone":
            phone = str(row.get("phone") or "").strip()
            if phone and "*" not in phone:
                instance.set_phone(phone)
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        instance.full_clean(validate_unique=False)
