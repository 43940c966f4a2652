"""The visit list's order as an index: (visited_on, id) read backwards gives a year's visits newest
first without sorting them (the dashboard's 本年探访 number links there); it serves every range
query the visited_on index served, which it replaces."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0008_care_versions'),
        ('households', '0012_relation_labels'),
        ('visits', '0009_schedule_city_due'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='visit',
            index=models.Index(fields=['visited_on', 'id'], name='visit_visited_on_id'),
        ),
        migrations.RemoveIndex(
            model_name='visit',
            name='visits_visi_visited_4a5b09_idx',
        ),
    ]
