"""`manage.py export_questions > bank.toml`: write the bank, answers included, as TOML.

The output imports back unchanged with `manage.py import_questions`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lbteach.quiz.bank import export_bank


class Command(BaseCommand):
    help = "Export the question bank as TOML to standard output."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", help="only these question ids (default: all)")

    def handle(self, *args, **options):
        self.stdout.write(export_bank(options["ids"] or None), ending="")
