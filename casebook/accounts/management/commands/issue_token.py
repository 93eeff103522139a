"""Issue a personal API token from the command line and print its key, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casebook.accounts.tokens import token_issue


class Command(BaseCommand):
    help = (
        "Issue an API token for USERNAME and print its key. The key is shown only now: only a "
        "hash of it is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--expires", type=int, metavar="DAYS", help="Expire after DAYS days.")
        parser.add_argument(
            "--read-only", action="store_true", help="The token can read but not write."
        )
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is deactivated.")
        try:
            token, key = token_issue(
                user=user,
                name=options["name"],
                expires_in_days=options["expires"],
                read_only=options["read_only"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        details = ["read-only" if token.read_only else "read-write"]
        details.append(
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
        )
        self.stderr.write(
            f"Token “{token.name}” for {user.username} ({', '.join(details)}). "
            "Store the key now: it cannot be shown again."
        )
        self.stdout.write(key)
