from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casebook.accounts.system import system_user

from ...demo.drilda import DEMO_USERS, ensure_demo_users, load_drilda_case


class Command(BaseCommand):
    help = (
        "Load the demo case (five Tibetans arrested over WeChat messages, Sog County, 2014) and "
        "one demo user per role. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-users",
            action="store_true",
            help="Load only the demo case, without demo users (allowed with DEBUG off).",
        )

    def handle(self, *args, without_users: bool = False, **options):
        if not without_users and not settings.DEBUG:
            raise CommandError(
                "Refusing to create demo users with well-known passwords while DEBUG is off. "
                "Use --without-users to load only the demo case."
            )
        users = {} if without_users else ensure_demo_users()
        case, created = load_drilda_case(
            acting_user=system_user(), assigned_monitor=users.get("monitor")
        )
        verb = "Loaded" if created else "Already present:"
        self.stdout.write(self.style.SUCCESS(f"{verb} {case.reference} {case.title}"))
        if users:
            self.stdout.write("Demo logins (user / password):")
            for demo in DEMO_USERS:
                self.stdout.write(f"  {demo.username:<10} {demo.password:<20} {demo.role.label}")
