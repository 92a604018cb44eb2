from django.db import migrations


def install_defaults(apps, schema_editor):
    from truce.funnel.defaults import install

    install(apps)


class Migration(migrations.Migration):
    dependencies = [("funnel", "0002_initial")]
    operations = [migrations.RunPython(install_defaults, migrations.RunPython.noop)]
