"""Default visit frequencies (domain.md section 6): high risk weekly, `elderly` at least monthly,
dropout alerts monthly, others quarterly. Staff change them later as new dated rows."""

import datetime as dt

from django.db import migrations

GROUPS = ("student", "unemployed", "disabled_ill", "elderly", "child", "housing", "vagrant")


def defaults():
    for group in GROUPS:
        yield group, "", 30 if group == "elderly" else 90
        yield group, "high_risk", 7
        yield group, "dropout", 30


def seed(apps, schema_editor):
    VisitFrequency = apps.get_model("visits", "VisitFrequency")
    VisitFrequency.objects.bulk_create(
        [
            VisitFrequency(
                group=g, tier=t, interval_days=d, effective_from=dt.date(2020, 1, 1), note="默认：高风险每周、特殊困难老年人每月、其他每季度"
            )
            for g, t, d in defaults()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_historicalpairing_end_reason_and_more")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
