from django.db import migrations, models


def seal_existing(apps, schema_editor):
    """Rows rejected before this migration kept ID and phone numbers in clear: mask and seal them."""
    from imports.sensitive import Sealer, columns_of_header

    ImportBatch = apps.get_model("imports", "ImportBatch")
    ImportRowError = apps.get_model("imports", "ImportRowError")
    for batch in ImportBatch.objects.exclude(header=[]).only("id", "header", "header_row").iterator():
        sealer = Sealer(columns_of_header(batch.header, batch.header_row))
        if not sealer.columns:
            continue
        changed = []
        for issue in ImportRowError.objects.filter(batch_id=batch.id, sealed="").exclude(values=[]).iterator():
            issue.values, issue.sealed = sealer.protect(issue.values)
            changed.append(issue)
            if len(changed) >= 1000:
                ImportRowError.objects.bulk_update(changed, ["values", "sealed"])
                changed = []
        ImportRowError.objects.bulk_update(changed, ["values", "sealed"])


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_batch_claimed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrowerror",
            name="sealed",
            field=models.TextField(blank=True, default="", verbose_name="加密的原始值"),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
