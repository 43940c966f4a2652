from django.db import migrations


def load(apps, schema_editor):
    from households.reference import CITY, COMMUNITIES, TOWNS, community_code, town_code

    Division = apps.get_model("households", "Division")
    city, _ = Division.objects.get_or_create(
        code=CITY[0], defaults={"name": CITY[1], "level": "city", "path": CITY[0]}
    )
    for suffix, name in TOWNS:
        code = town_code(suffix)
        town, _ = Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": "town", "parent": city, "path": f"{city.code}/{code}"}
        )
        for index, community in enumerate(COMMUNITIES.get(suffix, []), start=1):
            ccode = community_code(suffix, index)
            Division.objects.get_or_create(
                code=ccode,
                defaults={"name": community, "level": "community", "parent": town, "path": f"{town.path}/{ccode}"},
            )


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
