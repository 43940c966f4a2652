"""The joint meeting's member departments (reference data; admins may add or deactivate more)."""

from django.db import migrations

DEPARTMENTS = [
    ("civil_affairs", "市民政局", "民政"),
    ("hr_social_security", "市人力资源和社会保障局", "人社"),
    ("education", "市教育和体育局", "教育"),
    ("housing", "市住房和城乡建设局", "住建"),
    ("health", "市卫生健康局", "卫健"),
    ("medical_insurance", "市医疗保障局", "医保"),
    ("disabled_federation", "市残疾人联合会", "残联"),
    ("finance", "市财政局", "财政"),
    ("public_security", "市公安局", "公安"),
    ("justice", "市司法局", "司法"),
    ("women_federation", "市妇女联合会", "妇联"),
]


def load(apps, schema_editor):
    Department = apps.get_model("meetings", "Department")
    for sort, (code, name, short) in enumerate(DEPARTMENTS, start=1):
        Department.objects.get_or_create(code=code, defaults={"name": name, "short_name": short, "sort": sort * 10})


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
