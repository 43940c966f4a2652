import datetime as dt
from decimal import Decimal

from django.db import migrations

# Zhongshan monthly standards per person (yuan), domain.md section 3. Later years are entered by staff.
VALUES = [
    ("dibao_standard", dt.date(2018, 1, 1), "976"),
    ("dibao_standard", dt.date(2020, 1, 1), "1100"),
    ("tekun_standard", dt.date(2020, 1, 1), "1760"),
    ("orphan_standard", dt.date(2020, 1, 1), "1550"),
    ("dibao_standard", dt.date(2021, 1, 1), "1120"),
    ("dibian_upper", dt.date(2021, 1, 1), "1680"),
    ("tekun_standard", dt.date(2021, 1, 1), "1792"),
    ("orphan_standard", dt.date(2021, 1, 1), "1578"),
]


def load(apps, schema_editor):
    PolicyParameter = apps.get_model("households", "PolicyParameter")
    for key, day, value in VALUES:
        PolicyParameter.objects.get_or_create(
            key=key, effective_from=day, defaults={"value": Decimal(value), "note": "中山市民政局公布标准"}
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0002_load_divisions")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
