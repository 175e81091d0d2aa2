"""Scenario: the workload, the balancer and the events of one run, checked field by field."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, fields

from lbteach.sim.balancers import BALANCERS, FALLBACKS
from lbteach.sim.checks import (
    check_bool,
    check_choice,
    check_int,
    check_keys,
    check_list,
    check_number,
    check_share,
    check_text,
)
from lbteach.sim.errors import ScenarioError
from lbteach.sim.event_fields import check_event
from lbteach.sim.model import MAX_TABLES, ip_from_str

MAX_CLIENTS = 100_000
MAX_REQUESTS = 5_000_000
MAX_EVENTS = 1_000
MAX_WEIGHT = 10
WEEK_S = 604_800.0
REGION_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
WORKLOADS = ("shop", "search")
ADDRESS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,62}:[0-9]{1,5}$")


@dataclass(frozen=True)
class Scenario:
    """Every knob of a run. Build one with `Scenario.from_dict`, which checks everything."""

    name: str = "custom"
    description: str = ""
    balancer: str = "round_robin"
    fallback: str = "round_robin"
    servers: int = 4
    weights: tuple[int, ...] | None = None
    clients: int = 200
    requests: int = 20_000
    seed: int = 42
    mobile_share: float = 0.3
    nat_share: float = 0.0
    nat_ip: str = "100.64.0.1"
    shared_sessions: bool = False
    persist: bool = False
    regions: tuple[str, ...] = ("eu", "us", "asia")
    table_regions: tuple[str, ...] | None = None
    arrival_rate: float = 200.0
    service_ms: float = 10.0
    workload: str = "shop"
    items_per_visit: float = 3.0
    browse_per_item: float = 2.0
    checkout_share: float = 0.9
    products: int = 50
    max_idle_s: float | None = None
    max_life_s: float | None = None
    stick_expire_s: float = 1800.0
    session_idle_s: float = 600.0
    addresses: tuple[str, ...] | None = None
    events: tuple[dict, ...] = field(default_factory=tuple)

    # -- derived ----------------------------------------------------------------------------
    @property
    def weight_list(self) -> list[int]:
        return list(self.weights) if self.weights else [1] * self.servers

    @property
    def table_region_list(self) -> list[int]:
        """Region index of each initial table; by default tables go round the regions."""
        if self.table_regions:
            return [self.regions.index(name) for name in self.table_regions]
        return [i % len(self.regions) for i in range(self.servers)]

    # -- conversion -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("weights", "regions", "table_regions", "addresses"):
            if data[key] is not None:
                data[key] = list(data[key])
        data["events"] = [dict(event) for event in self.events]
        return data

    @classmethod
    def from_dict(cls, data: object) -> Scenario:
        known = {f.name for f in fields(cls)}
        d = dict(check_keys("", data, known))
        values: dict[str, object] = {}
        values["name"] = check_text("name", d.get("name", cls.name), 60)
        values["description"] = check_text("description", d.get("description", ""), 1000)
        values["balancer"] = check_choice("balancer", d.get("balancer", cls.balancer), BALANCERS)
        values["fallback"] = check_choice("fallback", d.get("fallback", cls.fallback), FALLBACKS)
        servers = values["servers"] = check_int("servers", d.get("servers", 4), 1, MAX_TABLES)
        values["clients"] = check_int("clients", d.get("clients", 200), 0, MAX_CLIENTS)
        requests = check_int("requests", d.get("requests", 20_000), 0, MAX_REQUESTS)
        values["requests"] = requests
        values["seed"] = check_int("seed", d.get("seed", 42), 0, 2**63 - 1)
        values["mobile_share"] = check_share("mobile_share", d.get("mobile_share", 0.3))
        values["nat_share"] = check_share("nat_share", d.get("nat_share", 0.0))
        nat_ip = d.get("nat_ip", cls.nat_ip)
        if ip_from_str(nat_ip) is None:
            raise ScenarioError("nat_ip", nat_ip, "an IPv4 address such as 100.64.0.1")
        values["nat_ip"] = nat_ip
        for flag in ("shared_sessions", "persist"):
            values[flag] = check_bool(flag, d.get(flag, False))
        values["weights"] = _weights(d.get("weights"), servers)
        regions = _regions(d.get("regions", list(cls.regions)))
        values["regions"] = regions
        values["table_regions"] = _table_regions(d.get("table_regions"), servers, regions)
        values["arrival_rate"] = check_number("arrival_rate", d.get("arrival_rate", 200), 0.01, 1e5)
        values["service_ms"] = check_number("service_ms", d.get("service_ms", 10), 0.01, 60_000)
        values["workload"] = check_choice("workload", d.get("workload", "shop"), WORKLOADS)
        values["items_per_visit"] = check_number(
            "items_per_visit", d.get("items_per_visit", 3), 1, 50
        )
        values["browse_per_item"] = check_number(
            "browse_per_item", d.get("browse_per_item", 2), 0, 50
        )
        values["checkout_share"] = check_share("checkout_share", d.get("checkout_share", 0.9))
        values["products"] = check_int("products", d.get("products", 50), 1, 10_000)
        for limit in ("max_idle_s", "max_life_s"):
            value = d.get(limit)
            values[limit] = None if value is None else check_number(limit, value, 1, WEEK_S)
        values["stick_expire_s"] = check_number(
            "stick_expire_s", d.get("stick_expire_s", 1800), 1, WEEK_S
        )
        values["session_idle_s"] = check_number(
            "session_idle_s", d.get("session_idle_s", 600), 1, WEEK_S
        )
        values["addresses"] = _addresses(d.get("addresses"), servers)
        values["events"] = _events(d.get("events", []), servers, list(regions))
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Scenario:
        """A re-checked copy with some fields changed."""
        return Scenario.from_dict({**self.to_dict(), **changes})


def _weights(value: object, servers: int) -> tuple[int, ...] | None:
    if value is None:
        return None
    items = check_list("weights", value, servers, servers)
    return tuple(check_int(f"weights[{i}]", w, 1, MAX_WEIGHT) for i, w in enumerate(items))


def _regions(value: object) -> tuple[str, ...]:
    items = check_list("regions", value, 1, 8)
    for i, name in enumerate(items):
        if not isinstance(name, str) or not REGION_NAME.match(name):
            raise ScenarioError(f"regions[{i}]", name, "a short lowercase name such as eu")
    if len(set(items)) != len(items):
        raise ScenarioError("regions", value, "names that appear once each")
    return tuple(items)


def _table_regions(value: object, servers: int, regions: Collection[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = check_list("table_regions", value, servers, servers)
    return tuple(check_choice(f"table_regions[{i}]", r, regions) for i, r in enumerate(items))


def _addresses(value: object, servers: int) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = check_list("addresses", value, servers, servers)
    for i, text in enumerate(items):
        if not isinstance(text, str) or not ADDRESS.match(text) or int(text.split(":")[-1]) > 65535:
            raise ScenarioError(f"addresses[{i}]", text, "host:port such as 10.0.0.11:8080")
    if len(set(items)) != len(items):
        raise ScenarioError("addresses", value, "addresses that appear once each")
    return tuple(items)


def _events(value: object, servers: int, regions: list[str]) -> tuple[dict, ...]:
    items = check_list("events", value, 0, MAX_EVENTS)
    # Events happen in `at` order (ties keep file order); that order decides which tables
    # exist when each one happens.
    order = sorted(range(len(items)), key=lambda i: _at_key(items[i]))
    tables = servers
    checked: dict[int, dict] = {}
    for i in order:
        event = check_event(f"events[{i}]", items[i], tables, regions)
        if event["do"] == "add_server":
            tables += 1
        checked[i] = event
    return tuple(checked[i] for i in order)


def _at_key(event: object) -> int:
    at = event.get("at") if isinstance(event, dict) else None
    return at if isinstance(at, int) and not isinstance(at, bool) else -1
