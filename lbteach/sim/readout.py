"""The read-out: figures and JSON-able pictures of a restaurant, for the CLI, the lab and tests.

Nothing here changes state. `metrics` gives a run's figures, either for the whole run or
for the current segment (since the last balancer switch: see `Restaurant.mark`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, count
from operator import ne
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from lbteach.sim import latency
from lbteach.sim.model import COLOURS, NAT, NETWORK_NAMES, STATUS_NAMES, ip_to_str

if TYPE_CHECKING:
    from lbteach.sim.restaurant import Restaurant
    from lbteach.sim.workload import Workload

# The figures the lab shows, in view()["metrics"] (since the last switch) and ["totals"].
VIEW_FIGURES = (
    "requests",
    "per_server",
    "imbalance",
    "cart_breaks",
    "switch_breaks",
    "carts_lost",
    "sticky_ratio",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "errors",
    "redispatched",
    "checkouts",
    "empty_checkouts",
    "remapped_clients",
)


def metrics(r: Restaurant, segment: bool = False) -> dict:
    """The run's figures (the CLI's JSON run); with `segment`, only those since the last switch.

    A segment's `cart_breaks` leaves out the carts the switch stranded (carts last filled
    under the old balancer): `figures` reports those as `switch_breaks`. The run's
    `cart_breaks` counts every break.
    """
    mark = r.mark if segment else r.zero_mark()
    before = mark["served"]
    served = [n - (before[t] if t < len(before) else 0) for t, n in enumerate(r.served)]
    total = sum(served)
    imbalance = round(max(served) / (total / len(served)), 3) if total else 1.0
    outcomes = r.outcomes[mark["outcomes"] :]
    pairs = r.pairs - mark["pairs"]
    same = r.same - mark["same"]
    breaks = r.breaks - mark["breaks"]
    switch_breaks = r.switch_breaks - mark["switch_breaks"]
    return {
        "balancer": r.balancer_name,
        "requests": r.index - mark["index"],
        "per_server": dict(zip(r.names, served, strict=True)),
        "imbalance": imbalance,
        "cart_breaks": breaks - switch_breaks if segment else breaks,
        "carts_lost": r.lost - mark["lost"],
        "sticky_ratio": round(same / pairs, 4) if pairs else 0.0,
        "latency_ms": latency.percentiles(r.hist, mark["hist"]),
        "events": [outcome.to_dict() for outcome in outcomes],
        "remapped_clients": sum(outcome.remapped for outcome in outcomes),
        "errors": r.errors - mark["errors"],
        "redispatched": r.redispatch_base + r.balancer.redispatches - mark["redispatched"],
        "checkouts": r.checkouts - mark["checkouts"],
        "empty_checkouts": r.empty_checkouts - mark["empty_checkouts"],
        "shared_sessions": r.shared,
    }


def figures(r: Restaurant, segment: bool = False) -> dict:
    """The lab's figures: `metrics` with latency flattened and the carts switches stranded."""
    m = metrics(r, segment)
    m["switch_breaks"] = r.switch_breaks - (r.mark["switch_breaks"] if segment else 0)
    m.update({f"{key}_ms": value for key, value in m["latency_ms"].items()})
    return {key: m[key] for key in VIEW_FIGURES}


def view(r: Restaurant, wl: Workload, lean: bool = False) -> dict:
    """A JSON-able, read-only picture of the restaurant for rendering.

    `lean` gives each customer only what a live frame draws (`drawn_clients`): a frame reads
    500 customers every tick, and their addresses and cookies were most of the view's cost.
    """
    totals = figures(r)
    # Before any switch the segment is the whole run: no need to measure it twice.
    segment = figures(r, segment=True) if r.segment else dict(totals)
    segment["since_request"] = r.mark["index"]
    segment["since_ms"] = int(r.mark["time_ms"])
    return {
        "balancer": r.balancer_name,
        "shared_sessions": r.shared,
        "time_ms": int(r.now),
        "requests": r.index,
        "segment": r.segment,
        "tables": tables_view(r),
        "clients": (
            drawn_clients(r, wl)
            if lean
            else [client_view(r, c, wl.mobile[c], wl.nets[c]) for c in range(len(wl.ips))]
        ),
        "metrics": segment,
        "totals": totals,
    }


def cookie_text(r: Restaurant, c: int) -> str | None:
    parts = []
    if r.cookie[c] >= 0:
        parts.append(f"SERVERID={r.names[r.cookie[c]]}")
    if r.session[c]:
        parts.append(f"SESSION=s{r.session[c]}")
    return "; ".join(parts) or None


def tables_view(r: Restaurant) -> list[dict]:
    carts: list[dict[int, int]] = [{} for _ in r.names]
    if not r.shared:
        # Every frame reads this for 500 customers: only those with a cart, picked in C.
        items, at = r.cart_items, r.cart_table
        for c in compress(range(len(items)), items):
            carts[at[c]][c + 1] = items[c]
    tables = []
    for t, name in enumerate(r.names):
        flying = r.in_flight(t)
        tables.append(
            {
                "name": name,
                "status": STATUS_NAMES[r.status[t]],
                "weight": r.weights[t],
                "region": r.region_names[r.table_region[t]],
                "in_flight": flying,
                "queue": max(0, flying - 1),
                "served": r.served[t],
                "carts": carts[t],
                "stranded": r.stranded[t],
            }
        )
    return tables


def client_view(r: Restaurant, c: int, mobile: bool, net: int) -> dict:
    items = r.cart_items[c]
    if not items:
        cart_table = None
    elif r.shared:
        cart_table = "shared"
    else:
        cart_table = r.names[r.cart_table[c]]
    last = r.last_table[c]
    return {
        "id": c + 1,
        "ip": ip_to_str(r.ips[c]),
        "region": r.region_names[r.client_region[c]],
        "mobile": mobile,
        "behind_nat": net == NAT,
        "network": NETWORK_NAMES[net],
        "cookie": cookie_text(r, c),
        "cart_table": cart_table,
        "cart_items": items,
        "last_table": r.names[last] if last >= 0 else None,
        "colour": c % COLOURS,
    }


def drawn_clients(r: Restaurant, wl: Workload) -> list[dict]:
    """Each customer as a live frame draws them: `client_view`'s keys the scene and a class's
    roster read.

    It runs for 500 customers every tick, and a tick touches only the customers it served:
    the customers drawn last time are kept per restaurant (`_Drawn`) with the columns they
    were drawn from, and only those whose columns changed are drawn again. A changed customer
    gets a new dictionary, so a view read earlier keeps showing what it showed.
    """
    names, shared = tuple(r.names), r.shared
    columns: tuple[list, ...] = (wl.mobile, wl.nets, r.cart_items, r.cart_table, r.last_table)
    last = _DRAWN.get(r)
    if last is None or last.key != (names, shared) or len(last.clients) != len(wl.ips):
        clients = [_drawn_client(r, wl, c) for c in range(len(wl.ips))]
    else:
        clients = last.clients
        changed: set[int] = set()
        for now, before in zip(columns, last.columns, strict=True):
            if now != before:  # a C-speed comparison; the common case finds a few
                changed.update(compress(count(), map(ne, now, before)))
        for c in changed:
            clients[c] = _drawn_client(r, wl, c)
    _DRAWN[r] = _Drawn((names, shared), tuple(list(column) for column in columns), clients)
    return list(clients)


@dataclass
class _Drawn:
    """A restaurant's customers as last drawn, and the engine's columns they were drawn from."""

    key: tuple[tuple[str, ...], bool]  # the tables' names and whether sessions are shared
    columns: tuple[list, ...]  # copies of mobile, nets, cart_items, cart_table, last_table
    clients: list[dict]


# Weak: a restaurant's drawing goes when the restaurant does.
_DRAWN: WeakKeyDictionary[Restaurant, _Drawn] = WeakKeyDictionary()


def _drawn_client(r: Restaurant, wl: Workload, c: int) -> dict:
    items, last = r.cart_items[c], r.last_table[c]
    return {
        "id": c + 1,
        "mobile": wl.mobile[c],
        "behind_nat": wl.nets[c] == NAT,
        "cart_table": None if not items else "shared" if r.shared else r.names[r.cart_table[c]],
        "cart_items": items,
        "last_table": r.names[last] if last >= 0 else None,
        "colour": c % COLOURS,
    }
