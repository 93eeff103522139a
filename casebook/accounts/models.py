from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser

from .roles import Role


class User(AbstractUser):
    """A Casebook user. Roles are group memberships; a user may hold several."""

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username

    @cached_property
    def roles(self) -> frozenset[Role]:
        names = {group.name for group in self.groups.all()}
        held = {role for role in Role if role.value in names}
        if self.is_superuser:
            held.add(Role.ADMINISTRATOR)
        return frozenset(held)

    def has_role(self, *roles: Role) -> bool:
        return self.is_active and any(role in self.roles for role in roles)
