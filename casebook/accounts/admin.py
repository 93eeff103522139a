from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_active", "roles_display")
    list_filter = ("groups", "is_active", "is_staff", "is_superuser")

    @admin.display(description="Roles")
    def roles_display(self, obj: User) -> str:
        return ", ".join(sorted(role.label for role in obj.roles)) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")
