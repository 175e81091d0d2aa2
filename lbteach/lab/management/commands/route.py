"""`manage.py route`: which table the host would pick for one request, and why."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbteach.sim import ScenarioError, route_explained
from lbteach.sim.model import TABLE_NAMES, table_address


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()] if text else []


class Command(BaseCommand):
    # The engine needs neither the database nor the URL map, so skip Django's system checks
    # (they import every view) and start fast.
    requires_system_checks: list[str] = []
    help = "Show which table a balancer picks for one request (IP, cookie, path) and why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--balancer", required=True)
        parser.add_argument(
            "--servers",
            required=True,
            metavar="3 | HOST:PORT,...",
            help="a table count, or the tables' host:port addresses (A first), comma-separated",
        )
        parser.add_argument("--ip", required=True, help="the customer's IPv4 address")
        parser.add_argument("--cookie", help="SERVERID value (cookie_insert) or session id")
        parser.add_argument("--path", help="the request path (url_hash)")
        parser.add_argument("--region", help="the customer's region (geo)")
        parser.add_argument("--down", metavar="B,C", help="tables that are down")
        parser.add_argument("--weights", metavar="1,2,1", help="table weights")
        parser.add_argument("--persist", action="store_true", help="HAProxy option persist")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--explain", action="store_true", help="also show the arithmetic, step by step"
        )

    def handle(self, *args: object, **options: Any) -> None:
        extra = {}
        if options["region"]:
            extra["region"] = options["region"]
        if options["down"]:
            extra["down"] = _names(options["down"])
        if options["weights"]:
            weights = _names(options["weights"])
            extra["weights"] = [int(w) if w.isdigit() else w for w in weights]
        if options["persist"]:
            extra["persist"] = True
        given = _names(options["servers"])
        servers: int | list[str] = (
            int(given[0]) if len(given) == 1 and given[0].isdigit() else given
        )
        try:
            server, reason, lines = route_explained(
                options["balancer"],
                servers,
                options["ip"],
                cookie=options["cookie"],
                path=options["path"],
                **extra,
            )
        except ScenarioError as error:
            raise CommandError(str(error), returncode=2) from None
        # The table's address names it as a real balancer's config and logs would.
        address = None
        if server in TABLE_NAMES:
            listed = tuple(servers) if isinstance(servers, list) else None
            address = table_address(TABLE_NAMES.index(server), listed)
        if options["format"] == "json":
            answer: dict[str, object] = {"server": server, "address": address, "reason": reason}
            if options["explain"]:
                answer["arithmetic"] = lines
            self.stdout.write(json.dumps(answer, sort_keys=True))
        else:
            where = f" ({address})" if address else ""
            self.stdout.write(f"table {server}{where}: {reason}")
            if options["explain"]:
                for line in lines or ["(no arithmetic: this balancer does not hash)"]:
                    self.stdout.write(f"  {line}")
