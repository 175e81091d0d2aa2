"""`manage.py import_questions FILE`: check a bank file and load it; exit status 2 if it is broken.

Every problem is listed by question id and field. Without --overwrite a question edited in
the admin since it was last loaded is kept; with it, the file wins.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lbteach.quiz.bank import import_bank
from lbteach.quiz.bankfile import BankFileError


class Command(BaseCommand):
    help = "Import questions from a TOML bank file (use - for standard input)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the TOML file, or - to read standard input")
        parser.add_argument(
            "--overwrite", action="store_true", help="replace questions edited in the admin too"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except OSError as error:
            self.stderr.write(f"{name}: cannot read the file: {error.strerror}")
            raise SystemExit(2) from error
        try:
            report = import_bank(text, overwrite_edits=options["overwrite"])
        except BankFileError as error:
            self.stderr.write(f"{name}: nothing imported; fix these problems first:\n{error}")
            raise SystemExit(2) from error
        self.stdout.write(f"{name}: {report.summary()}.")
