"""Four eyes over everyone who changed a case's facts since it was last verified, and e-mails
that a retried notification task can tell apart from those already sent.

The fact editors of existing cases are read from their versions: every version written since
the case's last verification (or since it was created, if it never was) names who changed the
facts then (`facts_changed_by`).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_fact_editors(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    HistoricalCase = apps.get_model("cases", "HistoricalCase")
    CaseTransition = apps.get_model("cases", "CaseTransition")
    CaseFactEditor = apps.get_model("cases", "CaseFactEditor")
    last_verified = dict(
        CaseTransition.objects.filter(action="verify")
        .values("case_id")
        .annotate(at=models.Max("at"))
        .values_list("case_id", "at")
    )
    editors = {}
    versions = (
        HistoricalCase.objects.filter(facts_changed_by__isnull=False)
        .order_by("id", "history_date")
        .values_list("id", "facts_changed_by_id", "history_date")
    )
    for case_id, user_id, at in versions.iterator(chunk_size=5000):
        verified_at = last_verified.get(case_id)
        if verified_at is not None and at <= verified_at:
            continue
        first, _last = editors.get((case_id, user_id), (at, at))
        editors[(case_id, user_id)] = (min(first, at), max(_last, at))
    # A case whose last version is older than this migration's history still has its last editor.
    for case_id, user_id, at in Case.objects.filter(
        facts_changed_by__isnull=False, facts_changed_at__isnull=False
    ).values_list("id", "facts_changed_by_id", "facts_changed_at"):
        verified_at = last_verified.get(case_id)
        if (case_id, user_id) not in editors and (verified_at is None or at > verified_at):
            editors[(case_id, user_id)] = (at, at)
    CaseFactEditor.objects.bulk_create(
        [
            CaseFactEditor(
                case_id=case_id, user_id=user_id, first_changed_at=first, last_changed_at=last
            )
            for (case_id, user_id), (first, last) in editors.items()
        ],
        batch_size=5000,
    )


def mark_sent_notifications(apps, schema_editor):
    """Notifications made before this migration were e-mailed when they were made."""
    Notification = apps.get_model("cases", "Notification")
    Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_confidentiality_steps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="CaseFactEditor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first_changed_at", models.DateTimeField(verbose_name="first changed at")),
                ("last_changed_at", models.DateTimeField(verbose_name="last changed at")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="fact_editors",
                        to="cases.case",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "fact editor",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "user"), name="fact_editor_once_per_case"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_fact_editors, migrations.RunPython.noop),
        migrations.RunPython(mark_sent_notifications, migrations.RunPython.noop),
    ]
