"""One export in a process of its own, for `manage.py bench`'s memory figures."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from ...bench.memory import export_in_this_process


class Command(BaseCommand):
    help = (
        "Run one detention export (through the API endpoint, or the ModelSerializer baseline "
        "with --baseline) and print its rows, time, queries and peak memory as JSON. Used by "
        "`manage.py bench`; reads the bench database, writes nothing but the bench user."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", default="csv", choices=["csv", "jsonl", "geojson", "xlsx"])
        parser.add_argument("--profile", default="internal", choices=["internal", "public"])
        parser.add_argument(
            "--filter",
            default="",
            help="Query string of API filters limiting the rows, e.g. detained=../2014-06-30.",
        )
        parser.add_argument(
            "--baseline",
            action="store_true",
            help="The careful first version (ModelSerializer + csv.writer), CSV only.",
        )

    def handle(self, *args, **options):
        measured = export_in_this_process(
            fmt=options["format"],
            profile=options["profile"],
            params=options["filter"],
            baseline=options["baseline"],
        )
        self.stdout.write(json.dumps(measured))
