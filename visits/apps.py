from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("探访关爱")

    def ready(self):
        from accounts.choices import Role
        from core.scoping import register_household_scope

        from .selectors import paired_household_ids

        register_household_scope(Role.VOLUNTEER, paired_household_ids)

        from households.hooks import on_households_written

        from . import services

        on_households_written(services.on_households_written)
