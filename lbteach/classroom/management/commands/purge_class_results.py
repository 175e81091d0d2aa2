"""End classes left idle, and delete ended classes past CLASS_RESULTS_DAYS (make run does it
at start, and the site once a minute)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from lbteach.classroom.sweep import sweep


class Command(BaseCommand):
    help = (
        "End classes idle past CLASS_IDLE_MINUTES; delete ended classes (students, answers, "
        "results) older than CLASS_RESULTS_DAYS."
    )

    def handle(self, *args: object, **options: Any) -> None:
        ended, deleted = sweep()
        self.stdout.write(
            f"Ended {ended} idle class{'es' if ended != 1 else ''}; deleted {deleted} ended "
            f"class{'es' if deleted != 1 else ''} older than {settings.CLASS_RESULTS_DAYS} days."
        )
