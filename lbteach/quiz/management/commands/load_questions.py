"""`manage.py load_questions`: load the repository's question bank (`make run` runs it).

Idempotent: questions are keyed by their `id`, so a second run reports them all unchanged.
A question edited in the admin since it was loaded keeps the edit (see `bank.sync_bank`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lbteach.quiz.bank import load_default_bank
from lbteach.quiz.bankfile import DEFAULT_BANK, BankFileError


class Command(BaseCommand):
    help = "Load the question bank file into the database (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_default_bank()
        except BankFileError as error:
            self.stderr.write(f"{DEFAULT_BANK}: the question bank has problems:\n{error}")
            raise SystemExit(2) from error
        self.stdout.write(f"Question bank: {report.summary()}.")
