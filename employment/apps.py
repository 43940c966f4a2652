from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    name = "employment"
    verbose_name = _("就业帮扶")

    def ready(self):
        from households.hooks import on_households_written
        from stats.services import on_full_rebuild

        from . import tallies

        # The survey's summary rows follow the registry's writes in the writer's transaction, and
        # are redone with the other summary rows (``rebuild_stats``).
        on_households_written(tallies.on_households_written)
        on_full_rebuild(tallies.rebuild)
