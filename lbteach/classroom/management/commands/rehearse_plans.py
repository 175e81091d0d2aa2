"""Rehearse the lesson plans in the engine, with bots for students, and check every claim."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbteach.classroom.lesson_plans import all_plans, get_plan
from lbteach.classroom.rehearsal import STUDENTS, rehearse


class Command(BaseCommand):
    help = "Run every step of the lesson plans with bot students; print the tiles and each check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan", nargs="?", help="a plan's slug (all plans without it)")
        parser.add_argument("--students", type=int, default=STUDENTS)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: object, **options: Any) -> None:
        plans = all_plans() if not options["plan"] else (get_plan(options["plan"]),)
        if plans == (None,):
            raise CommandError(
                f"No plan {options['plan']!r}: one of {[p.slug for p in all_plans()]}"
            )
        failed = 0
        for plan in plans:
            assert plan is not None
            self.stdout.write(
                f"{plan.title} ({options['students']} students, seed {options['seed']})"
            )
            for run in rehearse(plan, options["students"], options["seed"]):
                tiles = ", ".join(f"{name} {value}" for name, value in run.tiles.items())
                self.stdout.write(f"  {run.number}. {run.step.title}: {tiles}")
                for check in run.checks:
                    self.stdout.write(f"     {check}")
                failed += len(run.failures)
        if failed:
            raise CommandError(f"{failed} claim{'s' if failed != 1 else ''} did not hold.")
        self.stdout.write("Every claim holds.")
