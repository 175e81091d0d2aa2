"""Delete ended classes whose results are past CLASS_RESULTS_DAYS (pages also do it on access)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from lbteach.classroom import service


class Command(BaseCommand):
    help = "Delete ended classes (students, answers, results) older than CLASS_RESULTS_DAYS."

    def handle(self, *args, **options) -> None:
        classes = service.purge_expired_results()
        self.stdout.write(
            f"Deleted {classes} ended class{'es' if classes != 1 else ''} "
            f"older than {settings.CLASS_RESULTS_DAYS} days."
        )
