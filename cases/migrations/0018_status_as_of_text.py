"""The date a detention's status rests on, kept as it was written ("about October 2014").

The column is derived and left out of the versions (see the model), so filling it for the
existing rows writes no version: the status, the as-of day and every versioned column stay
as they were.
"""

from django.db import migrations, models

BATCH = 1000


def fill_status_as_of_text(apps, schema_editor):
    from cases.services.detentions import derive_status

    detention_model = apps.get_model("cases", "Detention")
    event_model = apps.get_model("cases", "DetentionEvent")
    last = 0
    while True:
        batch = list(detention_model.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        events = {}
        for event in event_model.objects.filter(detention__in=batch).select_related("event_type"):
            events.setdefault(event.detention_id, []).append(event)
        filled = []
        for detention in batch:
            text = derive_status(events.get(detention.pk, [])).as_of_text
            if text != detention.status_as_of_text:
                detention.status_as_of_text = text
                filled.append(detention)
        detention_model.objects.bulk_update(filled, ["status_as_of_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_kept_edits"),
    ]

    operations = [
        migrations.AddField(
            model_name="detention",
            name="status_as_of_text",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=64,
                verbose_name="status as of (as written)",
            ),
        ),
        migrations.RunPython(fill_status_as_of_text, migrations.RunPython.noop),
    ]
