from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...history import KeyRotationRefused, rotate_key


class Command(BaseCommand):
    help = (
        "Re-anchor the tamper-evident history on a new key. Stop the application and its "
        "workers, set HISTORY_KEY to the new key and put the old one in HISTORY_KEY_FALLBACKS, "
        "run this, then start again. Entries already written keep their hashes and verify with "
        "the old key, which must stay in HISTORY_KEY_FALLBACKS."
    )

    def handle(self, *args, **options):
        try:
            anchor = rotate_key()
        except KeyRotationRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            self.style.SUCCESS(
                f"Entries after #{anchor.after_seq} are made with key {anchor.new_key_id}; "
                f"those before keep key {anchor.old_key_id}."
            )
        )
