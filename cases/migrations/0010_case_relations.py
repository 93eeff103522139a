"""Case relations take the three kinds of the data model (duplicate of, part of, related to);
kept stale edits can be marked resolved; monitors and reviewers may add and change places and
organizations.

The two old kinds, "same event as" and "follow-up of", both become "related to". So that the
distinction is not lost, a relation without a note gets the old kind as its note; each changed
relation gets a version of its own, linked into the history chain.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

OLD_KINDS = {"same-event": "same event as", "follow-up": "follow-up of"}
EDITOR_ROLES = ("Monitor", "Reviewer", "Administrator")
GAZETTEER_PERMISSIONS = ("add_place", "change_place", "add_organization", "change_organization")


def convert_kinds(apps, schema_editor):
    from cases.history import append_to_chain

    relation_model = apps.get_model("cases", "CaseRelation")
    history_model = apps.get_model("cases", "HistoricalCaseRelation")
    fields = [f.attname for f in relation_model._meta.concrete_fields]
    now = timezone.now()
    for relation in relation_model.objects.filter(kind__in=OLD_KINDS).order_by("pk"):
        if not relation.note:
            relation.note = OLD_KINDS[relation.kind]
        relation.kind = "related-to"
        relation.updated_at = now
        if relation_model.objects.filter(
            from_case_id=relation.from_case_id, to_case_id=relation.to_case_id, kind="related-to"
        ).exists():
            # Both old kinds linked the same two cases: keep the row, and its words, as they
            # were rather than merge two notes into one. The constraint below would refuse it,
            # so say which rows to look at.
            raise RuntimeError(
                f"Case relation {relation.pk}: the cases are already related; merge by hand."
            )
        relation.save(update_fields=["kind", "note", "updated_at"])
        version = history_model.objects.create(
            history_date=now,
            history_type="~",
            history_change_reason="relation kinds changed by migration",
            **{name: getattr(relation, name) for name in fields},
        )
        append_to_chain(version, apps=apps)


def grant_gazetteer_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = permission_model.objects.filter(
        content_type__app_label="cases", codename__in=GAZETTEER_PERMISSIONS
    )
    for group in group_model.objects.filter(name__in=EDITOR_ROLES):
        group.permissions.add(*permissions)


def revoke_gazetteer_permissions(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = permission_model.objects.filter(
        content_type__app_label="cases", codename__in=GAZETTEER_PERMISSIONS
    )
    # Administrators had them before this migration (accounts 0002).
    for group in group_model.objects.filter(name__in=("Monitor", "Reviewer")):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_affiliation_dates"),
        ("accounts", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="caserelation",
            options={"ordering": ["id"], "verbose_name": "case relation"},
        ),
        migrations.AddField(
            model_name="staleedit",
            name="resolved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="resolved by",
            ),
        ),
        migrations.AlterField(
            model_name="caserelation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("duplicate-of", "duplicate of"),
                    ("part-of", "part of"),
                    ("related-to", "related to"),
                ],
                max_length=16,
                verbose_name="relation",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcaserelation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("duplicate-of", "duplicate of"),
                    ("part-of", "part of"),
                    ("related-to", "related to"),
                ],
                max_length=16,
                verbose_name="relation",
            ),
        ),
        migrations.AlterField(
            model_name="staleedit",
            name="resolved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="resolved at"),
        ),
        migrations.AddIndex(
            model_name="staleedit",
            index=models.Index(fields=["user", "resolved_at"], name="stale_edit_open"),
        ),
        migrations.RunPython(convert_kinds, migrations.RunPython.noop),
        migrations.RunPython(grant_gazetteer_permissions, revoke_gazetteer_permissions),
        migrations.AddConstraint(
            model_name="caserelation",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["duplicate-of", "part-of", "related-to"])),
                name="case_relation_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="staleedit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("resolved_at__isnull", True), ("resolved_by__isnull", True)),
                    ("resolved_at__isnull", False),
                    _connector="OR",
                ),
                name="stale_edit_resolved_with_date",
            ),
        ),
    ]
