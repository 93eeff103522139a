"""The four roles of WORKFLOW.md, held as Django groups (created by a migration)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MONITOR = "Monitor", _("Monitor")
    REVIEWER = "Reviewer", _("Reviewer")
    ADVOCATE = "Advocate", _("Advocate")
    ADMINISTRATOR = "Administrator", _("Administrator")
