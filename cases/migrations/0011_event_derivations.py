"""Derived fields of detentions and interventions recomputed by today's rules.

1. Detentions: status, certainty, as-of date and expected release are derived again through
   `derived_values` (undated events no longer count as the latest; the new
   `status_rests_on_undated` is set), in batches.
2. Interventions: a reply deadline that differs from what the kind and sent date give was set
   by hand; it is marked so, and so kept when the sent date changes later.

A detention whose versioned fields change gets a version of its own (many-to-many snapshots
included) linked into the history chain, so `verify_history` still finds every row equal to its
latest version; rows whose versioned fields stay as they were get no version. The two new flags
are not versioned (see the models), so setting them alone writes no version.
"""

import datetime

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

BATCH = 1000
REASON = "derived fields recomputed by migration 0011"


def _record_version(apps, row):
    from cases.history import append_to_chain

    model = type(row)
    history_model = apps.get_model("cases", "HistoricalDetention")
    history_fields = {field.attname for field in history_model._meta.concrete_fields}
    version = history_model.objects.create(
        history_date=timezone.now(),
        history_type="~",
        history_change_reason=REASON,
        **{
            field.attname: getattr(row, field.attname)
            for field in model._meta.concrete_fields
            if field.attname in history_fields
        },
    )
    for name in ("charges", "treatment_concerns"):
        snapshot_model = apps.get_model("cases", f"HistoricalDetention_{name}")
        for link in getattr(model, name).through.objects.filter(detention=row.pk):
            snapshot_model.objects.create(
                history=version, id=link.pk, detention=row, term_id=link.term_id
            )
    append_to_chain(version, apps=apps)


def _batches(queryset):
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def recompute_detentions(apps, schema_editor):
    from cases.services.detentions import derived_values

    detention_model = apps.get_model("cases", "Detention")
    event_model = apps.get_model("cases", "DetentionEvent")
    versioned = ["status", "status_certainty", "status_as_of", "expected_release"]
    for batch in _batches(detention_model.objects.all()):
        events = {}
        for event in event_model.objects.filter(detention__in=batch).select_related("event_type"):
            events.setdefault(event.detention_id, []).append(event)
        moved, flagged = [], []
        for detention in batch:
            values = derived_values(detention, events.get(detention.pk, []))
            if any(getattr(detention, name) != values[name] for name in versioned):
                detention.version += 1
                detention.updated_at = timezone.now()
                moved.append(detention)
            elif detention.status_rests_on_undated != values["status_rests_on_undated"]:
                flagged.append(detention)
            for name, value in values.items():
                setattr(detention, name, value)
        detention_model.objects.bulk_update(
            moved, [*versioned, "status_rests_on_undated", "version", "updated_at"]
        )
        detention_model.objects.bulk_update(flagged, ["status_rests_on_undated"])
        for detention in moved:
            _record_version(apps, detention)


def mark_hand_set_deadlines(apps, schema_editor):
    periods = settings.CASEBOOK_REPLY_PERIOD_DAYS
    intervention_model = apps.get_model("cases", "Intervention")
    dated = intervention_model.objects.filter(reply_due__isnull=False).select_related("kind")
    for batch in _batches(dated):
        by_hand = []
        for intervention in batch:
            days = periods.get(intervention.kind.code)
            by_rule = (
                intervention.sent_on + datetime.timedelta(days=days)
                if days is not None and intervention.sent_on is not None
                else None
            )
            if intervention.reply_due != by_rule:
                by_hand.append(intervention.pk)
        intervention_model.objects.filter(pk__in=by_hand).update(reply_due_set_by_hand=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_case_relations"),
    ]

    operations = [
        migrations.AddField(
            model_name="detention",
            name="status_rests_on_undated",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="The status was taken from an undated event, or an undated event implies another status: dating it would settle the status.",
                verbose_name="status rests on undated events",
            ),
        ),
        migrations.AddField(
            model_name="intervention",
            name="reply_due_set_by_hand",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Set by hand: no longer follows the kind and the sent date.",
                verbose_name="reply deadline set by hand",
            ),
        ),
        migrations.AlterField(
            model_name="historicalintervention",
            name="reply_due",
            field=models.DateField(
                blank=True,
                help_text="The WGAD gives governments 60 days; follows from the kind and the sent date unless set by hand.",
                null=True,
                verbose_name="reply due",
            ),
        ),
        migrations.AlterField(
            model_name="intervention",
            name="reply_due",
            field=models.DateField(
                blank=True,
                help_text="The WGAD gives governments 60 days; follows from the kind and the sent date unless set by hand.",
                null=True,
                verbose_name="reply due",
            ),
        ),
        migrations.RunPython(recompute_detentions, migrations.RunPython.noop),
        migrations.RunPython(mark_hand_set_deadlines, migrations.RunPython.noop),
    ]
