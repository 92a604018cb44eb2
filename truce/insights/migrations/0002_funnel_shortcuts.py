from django.db import migrations, models

# Existing facts rows get the new columns from what they already hold (new rows get them from
# the reducer): a stay's whole seconds, rounded to the nearest; its lead's creation time; and
# per lead the bits (stage id - 1) of the stages it stayed in, for ids 1 to 63.
SECONDS = {
    "postgresql": "CAST(ROUND(EXTRACT(EPOCH FROM (exited_at - entered_at))) AS BIGINT)",
    "sqlite": "CAST(ROUND((julianday(exited_at) - julianday(entered_at)) * 86400.0) AS INTEGER)",
}


def fill(apps, schema_editor):
    connection = schema_editor.connection
    seconds = SECONDS.get(connection.vendor, SECONDS["postgresql"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE insights_stagefacts SET seconds = {seconds} WHERE exited_at IS NOT NULL"
        )
        cursor.execute(
            "UPDATE insights_stagefacts SET lead_created_at = (SELECT l.created_at"
            " FROM insights_leadfacts l WHERE l.lead_id = insights_stagefacts.lead_id)"
        )
        cursor.execute(
            "UPDATE insights_leadfacts SET stages_reached = COALESCE((SELECT"
            " SUM(DISTINCT CAST(1 AS BIGINT) << CAST(s.stage_id - 1 AS INTEGER))"
            " FROM insights_stagefacts s"
            " WHERE s.lead_id = insights_leadfacts.lead_id AND s.stage_id BETWEEN 1 AND 63), 0)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('insights', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='leadfacts',
            name='stages_reached',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='stagefacts',
            name='lead_created_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name='stagefacts',
            name='seconds',
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='leadfacts',
            index=models.Index(fields=['stages_reached', 'outcome', 'recycled_count', 'created_at'], name='insights_facts_funnel'),
        ),
        migrations.AddIndex(
            model_name='stagefacts',
            index=models.Index(fields=['stage_id', 'seconds', 'lead_created_at'], name='insights_stage_seconds'),
        ),
    ]
