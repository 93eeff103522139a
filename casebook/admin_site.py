"""The admin site, open only to those who work inside.

Django lets in any active account with `is_staff`. Here that is not enough: an advocate or an
outsider given the flag by mistake gets no admin at all — not the index, not a list, not a
change form — rather than whatever their model permissions happen to allow. The flag stays
necessary; the role (monitor, reviewer, administrator) is what opens the door.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class CasebookAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module is loaded with the settings, before the models are.
        from cases.queries import Reader

        return super().has_permission(request) and Reader.of(request.user).works_inside


class CasebookAdminConfig(AdminConfig):
    default_site = "casebook.admin_site.CasebookAdminSite"
