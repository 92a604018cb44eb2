from django.db import migrations


def create_teams(apps, schema_editor):
    team = apps.get_model("identity", "Team")
    for key, name in (("marketing", "Marketing"), ("sales", "Sales")):
        team.objects.get_or_create(key=key, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]
    operations = [migrations.RunPython(create_teams, migrations.RunPython.noop)]
