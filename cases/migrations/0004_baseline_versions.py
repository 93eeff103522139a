"""Give the vocabularies seeded by 0002 their first version, linked into the history chain, so
that verify_history can tell them from rows written outside the application."""

from django.db import migrations
from django.utils import timezone


def baseline(apps, schema_editor):
    from cases.history import append_to_chain

    now = timezone.now()
    for model_name in ("Vocabulary", "Term"):
        model = apps.get_model("cases", model_name)
        history_model = apps.get_model("cases", f"Historical{model_name}")
        versioned = set(history_model.objects.values_list("id", flat=True))
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.order_by("pk"):
            if row.pk in versioned:
                continue
            version = history_model.objects.create(
                history_date=now,
                history_type="+",
                history_change_reason="seeded by migration",
                **{name: getattr(row, name) for name in fields},
            )
            append_to_chain(version, apps=apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_workflow_access_history")]

    operations = [migrations.RunPython(baseline, migrations.RunPython.noop)]
