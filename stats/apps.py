from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("统计汇总")

    def ready(self):
        from households.hooks import on_households_written

        from . import monthly, services, uptake

        on_households_written(services.on_households_written)
        on_households_written(monthly.on_households_written, every_batch=False)
        on_households_written(uptake.on_households_written, every_batch=False)
