"""Export jobs record the cases in their file, and may be withdrawn.

`case_ids` lets a download recheck that its requester may still see every case in the file;
`withdrawn` is the state of a job whose file was deleted because one of them is no longer
visible (one character too long for the old column, hence the wider state).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_text_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="exportjob",
            name="export_job_state_known",
        ),
        migrations.AddField(
            model_name="exportjob",
            name="case_ids",
            field=models.JSONField(blank=True, default=list, verbose_name="cases in the file"),
        ),
        migrations.AlterField(
            model_name="exportjob",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "queued"),
                    ("running", "running"),
                    ("done", "done"),
                    ("failed", "failed"),
                    ("expired", "expired"),
                    ("withdrawn", "withdrawn"),
                ],
                default="queued",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.AddConstraint(
            model_name="exportjob",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("state__in", ["queued", "running", "done", "failed", "expired", "withdrawn"])
                ),
                name="export_job_state_known",
            ),
        ),
    ]
