# Optimistic concurrency (core.concurrency) for the needs ledger, pushed items, care plans, their
# actions and the two lists. A care plan's "第N版" number was called ``version``: it becomes
# ``edition`` (data kept) so that ``version`` means what it means everywhere else.

from django.db import migrations, models

VERSIONED = [
    "provider",
    "catalogitem",
    "need",
    "recommendation",
    "careplan",
    "planaction",
]


def version():
    return models.PositiveIntegerField(db_default=1, default=1, editable=False)


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0007_uptake_recount_index"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="careplan", name="plan_version_unique"),
        migrations.RenameField(model_name="careplan", old_name="version", new_name="edition"),
        migrations.RenameField(model_name="historicalcareplan", old_name="version", new_name="edition"),
        migrations.AddConstraint(
            model_name="careplan",
            constraint=models.UniqueConstraint(fields=("household", "edition"), name="plan_version_unique"),
        ),
        *[
            migrations.AddField(model_name=prefix + name, name="version", field=version())
            for name in VERSIONED
            for prefix in ("", "historical")
        ],
    ]
