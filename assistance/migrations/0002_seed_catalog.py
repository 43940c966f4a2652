from django.db import migrations


def load_seed(apps, schema_editor):
    from assistance import seed

    seed.load(apps)


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_needs_catalog_push")]

    operations = [migrations.RunPython(load_seed, migrations.RunPython.noop)]
