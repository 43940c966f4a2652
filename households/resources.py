"""django-import-export resources for reference data (communities, policy parameters)."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from .models import Division, PolicyParameter


class DivisionResource(resources.ModelResource):
    parent = fields.Field(
        attribute="parent", column_name="parent_code", widget=widgets.ForeignKeyWidget(Division, field="code")
    )

    class Meta:
        model = Division
        import_id_fields = ["code"]
        fields = ["code", "name", "level", "parent", "is_demo", "is_active"]
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.full_clean(exclude=["path"], validate_unique=False)


class PolicyParameterResource(resources.ModelResource):
    class Meta:
        model = PolicyParameter
        import_id_fields = ["key", "effective_from"]
        fields = ["key", "value", "effective_from", "note"]
        skip_unchanged = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.full_clean(validate_unique=False)


__all__ = ["DivisionResource", "PolicyParameterResource", "_"]
