from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("分类筛查")

    def ready(self):
        from households.hooks import on_households_changed

        from . import rules, tasks

        rules.register_parameters()
        on_households_changed(tasks.on_households_changed)
