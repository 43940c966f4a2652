from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("联席会议")

    def ready(self):
        from accounts.choices import Role
        from core.scoping import register_household_scope

        from .models import case_household_ids, liaison_rows

        register_household_scope(Role.SECRETARIAT, case_household_ids)
        register_household_scope(Role.DEPARTMENT_LIAISON, case_household_ids, liaison_rows)
