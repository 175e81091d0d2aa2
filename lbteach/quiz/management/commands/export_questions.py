"""`manage.py export_questions > bank.toml`: write the bank, answers included, as TOML.

The output imports back unchanged with `manage.py import_questions`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lbteach.quiz.bank import export_bank


class Command(BaseCommand):
    help = "Export the question bank as TOML to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", help="only these question ids (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(export_bank(options["ids"] or None), ending="")
