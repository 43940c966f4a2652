from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("分类筛查")

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from households.hooks import on_households_changed

        from . import marks, rules, tasks

        rules.register_parameters()
        tasks.register_job_kind()
        on_households_changed(tasks.on_households_changed)
        pre_migrate.connect(marks.before_migrate, sender=self, dispatch_uid="assessments-marks-off")
        post_migrate.connect(marks.after_migrate, sender=self, dispatch_uid="assessments-marks-on")
