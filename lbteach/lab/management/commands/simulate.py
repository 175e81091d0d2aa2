"""`manage.py simulate`: run a scenario (preset or file) in batch and print its figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbteach.sim import (
    BALANCERS,
    PRESETS,
    Scenario,
    ScenarioError,
    Simulation,
    compare,
    load_scenario,
)
from lbteach.sim.words import count

# Below this many simulated requests a run is over before a progress bar would help.
PROGRESS_FROM = 200_000
BAR_WIDTH = 30
ROWS = (
    ("requests", "requests"),
    ("imbalance", "imbalance (max/mean)"),
    ("cart_breaks", "cart breaks"),
    ("carts_lost", "carts lost"),
    ("sticky_ratio", "sticky ratio"),
    ("p50", "latency p50 ms"),
    ("p95", "latency p95 ms"),
    ("p99", "latency p99 ms"),
    ("errors", "errors"),
    ("redispatched", "redispatched"),
    ("remapped_clients", "remapped customers"),
    ("checkouts", "checkouts"),
    ("empty_checkouts", "empty checkouts"),
)


class Command(BaseCommand):
    # The engine needs neither the database nor the URL map, so skip Django's system checks
    # (they import every view) and start fast.
    requires_system_checks: list[str] = []
    help = (
        "Run a load-balancing scenario, a preset name or a .json/.toml file, and print its"
        " figures. Exit status 2 for a bad scenario."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", nargs="?", help="a preset name or a .json/.toml file")
        parser.add_argument("--balancer", help="override the scenario's balancer")
        parser.add_argument("--servers", type=int, help="override the number of tables")
        parser.add_argument("--clients", type=int, help="override the number of customers")
        parser.add_argument("--requests", type=int, help="override the number of requests")
        parser.add_argument("--seed", type=int, help="override the random seed")
        parser.add_argument(
            "--compare", metavar="A,B,C", help="run the same workload on each of these balancers"
        )
        parser.add_argument("--format", choices=("table", "json"), default="table")
        parser.add_argument("--list", action="store_true", help="list presets and balancers")

    def handle(self, *args: object, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        if not options["scenario"]:
            raise CommandError(
                "scenario: nothing given; allowed: a preset name (see --list) or a"
                " .json/.toml file",
                returncode=2,
            )
        overrides = {
            key: options[key] for key in ("balancer", "servers", "clients", "requests", "seed")
        }
        names = [n.strip() for n in options["compare"].split(",")] if options["compare"] else []
        try:
            scenario = load_scenario(options["scenario"], overrides)
            progress = self._progress(scenario.requests, max(1, len(names)))
            if names:
                runs = compare(scenario, names, progress=progress)
            else:
                runs = [Simulation(scenario).run(progress=progress)]
        except ScenarioError as error:
            raise CommandError(str(error), returncode=2) from None
        if progress is not None:
            self.stderr.write("")
        results = [run.to_dict() for run in runs]
        if options["format"] == "json":
            payload = {"runs": results} if names else results[0]
            self.stdout.write(json.dumps(payload, sort_keys=True, indent=2))
        else:
            self._table(scenario, results)

    def _list(self) -> None:
        self.stdout.write("Presets:")
        for preset in PRESETS.values():
            self.stdout.write(f"  {preset.name:<22} {preset.title} (lesson: {preset.lesson})")
        self.stdout.write("Balancers:")
        for info in BALANCERS.values():
            self.stdout.write(f"  {info.name:<22} {info.kind:<9} {info.description}")

    def _progress(self, total: int, balancers: int) -> Callable[[int, int], None] | None:
        # compare() runs its balancers in lockstep, so progress counts requests once.
        if total * balancers < PROGRESS_FROM or not self.stderr.isatty():
            return None

        def show(done: int, _total: int) -> None:
            filled = int(BAR_WIDTH * min(done, total) / total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stderr.write(f"\r[{bar}] {done * 100 // total:3d}%", ending="")
            self.stderr.flush()

        return show

    def _table(self, scenario: Scenario, results: list[dict]) -> None:
        self.stdout.write(
            f"Scenario {scenario.name}: {count(scenario.servers, 'table')},"
            f" {count(scenario.clients, 'customer')}, {count(scenario.requests, 'request')},"
            f" seed {scenario.seed}" + (", shared sessions" if scenario.shared_sessions else "")
        )
        tables = sorted({name for r in results for name in r["per_server"]})
        rows = [("", [r["balancer"] for r in results])]
        for key, label in ROWS:
            values = [r["latency_ms"][key] if key.startswith("p") else r[key] for r in results]
            rows.append((label, [str(v) for v in values]))
        for name in tables:
            rows.append((f"table {name}", [str(r["per_server"].get(name, 0)) for r in results]))
        label_width = max(len(label) for label, _ in rows)
        widths = [max(len(row[1][i]) for row in rows) for i in range(len(results))]
        for label, values in rows:
            cells = "  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True))
            self.stdout.write(f"{label:<{label_width}}  {cells}".rstrip())
        for run in results:
            for event in run["events"]:
                prefix = f"[{run['balancer']}] " if len(results) > 1 else ""
                self.stdout.write(f"{prefix}at {event['at']}: {event['summary']}")
