"""`manage.py load_content`: check every lesson file and load every app's content into the database.

`make run` calls it after migrating. It is idempotent: running it twice changes nothing.
Apps add their own loaders to CONTENT_LOADERS (a command name each) as they gain content.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from lbteach.lessons.catalogue import LessonError, load_catalogue

# Other commands that load content into the database, run in this order.
CONTENT_LOADERS: tuple[str, ...] = ("load_questions",)


class Command(BaseCommand):
    help = "Check the lessons and load the question bank and other content into the database."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            catalogue = load_catalogue()
        except LessonError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{len(catalogue.lessons)} lessons ready.")
        for command in CONTENT_LOADERS:
            call_command(command, stdout=self.stdout, stderr=self.stderr)
