"""django-import-export resources: admins bulk edit the two lists and the providers.

List criteria are written as comma-separated stable codes ("elderly,disabled_ill"), checked
against the choices so that a typo is a row error, not a silent never-matching rule.
"""

from import_export import fields, resources, widgets

from .models import CatalogItem, Provider

LIST_FIELDS = ["groups", "assistance_kinds", "disability_categories", "household_conditions"]


class CodesWidget(widgets.SimpleArrayWidget):
    def clean(self, value, row=None, **kwargs):
        return [v.strip() for v in super().clean(value, row, **kwargs) if v and v.strip()]


class ProviderResource(resources.ModelResource):
    class Meta:
        model = Provider
        import_id_fields = ["name"]
        fields = ["name", "kind", "contact_name", "contact_phone", "address", "note", "is_active"]
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.full_clean(validate_unique=False)


class CatalogItemResource(resources.ModelResource):
    provider = fields.Field(
        attribute="provider", column_name="provider", widget=widgets.ForeignKeyWidget(Provider, field="name")
    )
    groups = fields.Field(attribute="groups", column_name="groups", widget=CodesWidget())
    assistance_kinds = fields.Field(
        attribute="assistance_kinds", column_name="assistance_kinds", widget=CodesWidget()
    )
    disability_categories = fields.Field(
        attribute="disability_categories", column_name="disability_categories", widget=CodesWidget()
    )
    household_conditions = fields.Field(
        attribute="household_conditions", column_name="household_conditions", widget=CodesWidget()
    )

    class Meta:
        model = CatalogItem
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "list_kind",
            "provider",
            "domain",
            "benefit",
            "how_to_apply",
            "active_from",
            "active_to",
            *LIST_FIELDS,
            "min_age",
            "max_age",
            "sex",
            "max_disability_grade",
            "is_active",
        ]
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.full_clean(validate_unique=False)
