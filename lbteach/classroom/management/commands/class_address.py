"""Print the addresses a class uses: where phones join and where the teacher starts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse


class Command(BaseCommand):
    help = "Print where students join a class (PUBLIC_URL, or the LAN address with HOST=0.0.0.0)."

    def handle(self, *args: object, **options: Any) -> None:
        base = settings.CLASS_PUBLIC_URL
        local = f"http://127.0.0.1:{settings.PORT}"
        self.stdout.write(f"Teacher: open {local}{reverse('classroom:index')} on this laptop.")
        if base:
            # The join form alone: students are never shown "Start a class".
            self.stdout.write(f"Students join at {base}{reverse('classroom:join')}")
        else:
            self.stdout.write(
                "Only this machine can reach the site. For phones in the room run "
                "`make class` (HOST=0.0.0.0) or set PUBLIC_URL."
            )
