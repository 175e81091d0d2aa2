"""Predict-it drills: questions the engine generates, answers and explains, from a seed.

`generate(kind, seed)` is pure and deterministic: the same kind and seed give the same
drill, so a link replays it. Every answer and every number in an explanation comes from
`lbteach.sim` (`route` or a `Simulation` of the drill's own customers), never from a copy
of its arithmetic here. Sizes are small and bounded, so a request stays cheap.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from lbteach.sim import BALANCERS, Scenario, Simulation, route
from lbteach.sim.words import count

SEED_MAX = 999_999
TABLES = "ABCDEFGH"
HASH_DRILLS = {
    "nginx-ip-hash": "nginx_ip_hash",
    "haproxy-source": "source_ip",
    "consistent-hash": "source_ip_consistent",
}
# Share-of-customers bands for the scale-out drill: (low, high) in percent, high exclusive.
BANDS = ((0, 10), (10, 40), (40, 70), (70, 101))
CART_EVENTS = ("clear_cookies", "change_ip", "crash", "crash_shared", "expire")
CART_BALANCERS = ("cookie_insert", "session_id", "stick_table", "source_ip")
CART_PRESETS = {
    "clear_cookies": "cookie_cleared",
    "change_ip": "mobile_ip_change",
    "crash": "server_crash",
    "crash_shared": "server_crash_shared",
    "expire": "session_expired",
}
HOT_SPOT_REQUESTS = 3000


class DrillError(ValueError):
    """A kind or seed no drill has: the message is fit to show."""


@dataclass(frozen=True)
class DrillKind:
    slug: str
    title: str
    summary: str

    @property
    def short(self) -> str:
        """The title without its question: "nginx ip_hash", "Add a table"."""
        return self.title.split(":")[0].rstrip("?")


@dataclass(frozen=True)
class Drill:
    kind: str
    seed: int
    prompt: str
    options: tuple[str, ...]
    answer: int  # 1-based number of the right option
    explanation: tuple[str, ...]
    lab: dict[str, str]
    # The engine's numbers behind the answer, by name (tests compare them with the engine).
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def answer_text(self) -> str:
        return self.options[self.answer - 1]


KINDS: dict[str, DrillKind] = {
    kind.slug: kind
    for kind in (
        DrillKind(
            "nginx-ip-hash",
            "nginx ip_hash: which table?",
            "nginx hashes the first three octets of the address and picks a table by weight.",
        ),
        DrillKind(
            "haproxy-source",
            "HAProxy balance source: which table?",
            "HAProxy hashes the whole address, then takes it modulo the tables' total weight.",
        ),
        DrillKind(
            "consistent-hash",
            "Consistent hashing: which table?",
            "The address lands on a ring; the next table point clockwise takes the customer.",
        ),
        DrillKind(
            "scale-out",
            "Add a table: how many customers move?",
            "Modulo hashing against consistent hashing, on a simulation of the drill's customers.",
        ),
        DrillKind(
            "cart-survives",
            "Does the cart survive?",
            "Cookies cleared, a new IP, a crash with or without a shared store, an expiry.",
        ),
        DrillKind(
            "hot-spot",
            "Which table is the hot spot?",
            "Customers behind one NAT address share one hash, so they share one table.",
        ),
    )
}


def check(kind: str, seed: object) -> int:
    """The seed as an int, or DrillError: unknown kinds and seeds out of range are refused."""
    if kind not in KINDS:
        raise DrillError(f"There is no drill called “{kind}”.")
    text = str(seed)
    if (
        not (text.isascii() and text.isdigit())
        or len(text) > len(str(SEED_MAX))
        or int(text) > SEED_MAX
    ):
        raise DrillError(f"A drill's seed is a whole number from 0 to {SEED_MAX:,}.")
    return int(text)


def generate(kind: str, seed: object) -> Drill:
    number = check(kind, seed)
    rng = random.Random(f"{kind}:{number}")
    return GENERATORS[kind](kind, number, rng)


def tables(count: int) -> tuple[str, ...]:
    return tuple(TABLES[:count])


def _title(balancer: str) -> str:
    return BALANCERS[balancer].title


def _host_uses(balancer: str) -> str:
    info = BALANCERS[balancer]
    same = info.imitates.lower() == info.title.lower()
    return f"The host uses {info.title}" + ("" if same else f", as in {info.imitates},")


def _tables_phrase(count: int) -> str:
    return f"{count} tables ({TABLES[0]}–{TABLES[count - 1]})"


# Which table for this address? -------------------------------------------------------------


HASH_NOTES = {
    "nginx_ip_hash": "nginx ip_hash reads only the first three octets, so every address in"
    " {prefix}.x goes to the same table.",
    "source_ip": "HAProxy balance source hashes the whole address, so the neighbour {prefix}.x"
    " addresses scatter over the tables.",
    "source_ip_consistent": "With consistent hashing a new table takes only the ring arcs just"
    " before its points, so most customers keep their table when tables come and go.",
}
HASH_PRESETS = {
    "nginx_ip_hash": "proxy_single_ip",
    "source_ip": "mobile_ip_change",
    "source_ip_consistent": "scale_out_consistent",
}


def _hash(kind: str, seed: int, rng: random.Random) -> Drill:
    balancer = HASH_DRILLS[kind]
    servers = rng.randint(2, 5)
    octets = (10, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
    ip = ".".join(str(octet) for octet in octets)
    table, reason = route(balancer, servers, ip)
    names = tables(servers)
    prefix = ".".join(str(octet) for octet in octets[:3])
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{_host_uses(balancer)} with"
        f" {_tables_phrase(servers)}, all up, equal weights. A customer from {ip} walks in."
        " Which table does the host pick?",
        options=tuple(f"Table {name}" for name in names),
        answer=names.index(table) + 1,
        explanation=(
            f"The engine says: {reason}.",
            HASH_NOTES[balancer].format(prefix=prefix),
        ),
        lab={"scenario": HASH_PRESETS[balancer], "balancer": balancer, "seed": str(seed)},
        facts={"balancer": balancer, "servers": servers, "ip": ip, "table": table},
    )


# Add a table: what share moves? ------------------------------------------------------------


def band_label(low: int, high: int) -> str:
    if low == 0:
        return f"Fewer than {high}%"
    if high > 100:
        return f"{low}% or more"
    return f"From {low}% to under {high}%"


def band_of(percent: float) -> int:
    """The 1-based band a share falls in."""
    return next(i for i, (low, high) in enumerate(BANDS, 1) if low <= percent < high)


def _scale_out(kind: str, seed: int, rng: random.Random) -> Drill:
    balancer = rng.choice(("source_ip", "source_ip_consistent"))
    servers = rng.randint(3, 6)
    customers = rng.randint(40, 160)
    scenario = Scenario.from_dict(
        {
            "balancer": balancer,
            "servers": servers,
            "clients": customers,
            "seed": seed,
            "mobile_share": 0.0,
            "nat_share": 0.0,
        }
    )
    sim = Simulation(scenario)
    sim.step(customers * 8)  # enough visits for (nearly) every customer to have a table
    seated = sum(1 for client in sim.view()["clients"] if client["last_table"])
    outcome = sim.apply({"do": "add_server"})
    moved = outcome.remapped
    percent = 100 * moved / seated
    new_table = TABLES[servers]
    how = (
        "modulo hashing of the source IP (HAProxy balance source, map-based)"
        if balancer == "source_ip"
        else "consistent hashing of the source IP (a ring, 160 points per table)"
    )
    if balancer == "source_ip":
        theory = (
            f"In theory a customer keeps their table only when hash % {servers} equals"
            f" hash % {servers + 1}, about 1 in {servers + 1}, so about"
            f" {round(100 * servers / (servers + 1))}% move."
        )
    else:
        theory = (
            f"In theory the new table takes its fair share, about 1 in {servers + 1}"
            f" ({round(100 / (servers + 1))}%), and only those customers move."
        )
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{customers} regular customers eat at {_tables_phrase(servers)}; the host uses"
        f" {how}. You add table {new_table}. About what share of the customers the host has"
        " seen now go to a different table?",
        options=tuple(band_label(low, high) for low, high in BANDS),
        answer=band_of(percent),
        explanation=(
            f"The engine seated {seated} customers, then added table {new_table}:"
            f" {moved} of {seated} now go to a different table ({percent:.0f}%).",
            theory,
        ),
        lab={
            "scenario": "scale_out_modulo" if balancer == "source_ip" else "scale_out_consistent",
            "balancer": balancer,
            "seed": str(seed),
        },
        facts={"balancer": balancer, "servers": servers, "seated": seated, "moved": moved},
    )


# Does the cart survive? --------------------------------------------------------------------


EVENT_WORDS = {
    "clear_cookies": "clears their cookies",
    "change_ip": "switches from Wi-Fi to mobile data and gets a new IP address",
    "crash": "finds that their table crashed (carts live in each table's memory)",
    "crash_shared": "finds that their table crashed (carts live in a shared store)",
    "expire": "waits so long that their sticky session expires",
}
YES = "Yes: the cart is still there"
NO = "No: the cart is gone or left at another table"


def _cart(kind: str, seed: int, rng: random.Random) -> Drill:
    balancer = rng.choice(CART_BALANCERS)
    event = rng.choice(CART_EVENTS)
    servers = rng.randint(3, 4)
    items = rng.randint(1, 3)
    shared = event == "crash_shared"
    scenario = Scenario.from_dict(
        {
            "balancer": balancer,
            "servers": servers,
            "clients": 0,
            "seed": seed,
            "mobile_share": 1.0,
            "shared_sessions": shared,
        }
    )
    sim = Simulation(scenario)
    [customer] = sim.add_clients(1, auto=False)
    before = sim.request(customer, "browse")
    for _ in range(items):
        before = sim.request(customer, "add_to_cart")
    home = before.server
    if event in ("clear_cookies", "change_ip"):
        outcome = sim.client_event(customer, event)
    elif event == "expire":
        outcome = sim.apply({"do": "expire_sessions"})
    else:
        outcome = sim.apply({"do": "crash_server", "server": home})
    after = sim.request(customer, "view_cart")
    survives = after.cart_items == items and not after.cart_broken
    if survives:
        verdict = (
            f"The cart survives: table {after.server} shows the customer's {count(items, 'item')}."
        )
    elif after.cart_broken:
        verdict = (
            f"The cart breaks: table {after.server} has an empty cart while the"
            f" {count(items, 'item')} wait at table {after.carts_stranded_at}."
        )
    else:
        verdict = f"The cart is lost: table {after.server} shows {count(after.cart_items, 'item')}."
    lab = {"scenario": CART_PRESETS[event], "balancer": balancer, "seed": str(seed)}
    if event.startswith("crash"):
        lab["shared"] = "1" if shared else "0"
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{_host_uses(balancer)} with"
        f" {_tables_phrase(servers)}. A customer has {count(items, 'item')} in their"
        f" cart at table {home}. The customer {EVENT_WORDS[event]}, and their next request"
        " arrives. Does the cart survive?",
        options=(YES, NO),
        answer=1 if survives else 2,
        explanation=(
            f"Before: {before.reason}.",
            f"Then: {outcome.summary}",
            f"Next request: {after.reason}.",
            verdict,
        ),
        lab=lab,
        facts={
            "balancer": balancer,
            "event": event,
            "items": items,
            "home": home,
            "after": after.server,
            "cart_items": after.cart_items,
        },
    )


# Which table is the hot spot? --------------------------------------------------------------


def _hot_spot(kind: str, seed: int, rng: random.Random) -> Drill:
    servers = rng.randint(3, 5)
    customers = rng.randint(30, 90)
    nat_share = rng.choice((0.3, 0.4, 0.5, 0.6))
    scenario = Scenario.from_dict(
        {
            "balancer": "source_ip",
            "servers": servers,
            "clients": customers,
            "seed": seed,
            "nat_share": nat_share,
            "mobile_share": 0.0,
            "requests": HOT_SPOT_REQUESTS,
        }
    )
    sim = Simulation(scenario)
    sim.run()
    per_server: dict[str, int] = sim.metrics()["per_server"]
    behind_nat = sum(1 for client in sim.view()["clients"] if client["behind_nat"])
    hot = max(per_server, key=lambda name: (per_server[name], -ord(name)))
    nat_table, nat_reason = route("source_ip", servers, scenario.nat_ip)
    names = tables(servers)
    counts = ", ".join(f"{name} {per_server[name]}" for name in names)
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{customers} customers eat at {_tables_phrase(servers)}; the host uses"
        f" {_title('source_ip')} (HAProxy balance source). {behind_nat} of the customers sit"
        f" behind one office NAT, so they all share the address {scenario.nat_ip}. After"
        f" {HOT_SPOT_REQUESTS:,} requests, which table has served the most?",
        options=tuple(f"Table {name}" for name in names),
        answer=names.index(hot) + 1,
        explanation=(
            f"The NAT address hashes like one customer: {nat_reason}.",
            f"Requests per table, from the engine: {counts}.",
            f"Table {hot} served the most: {per_server[hot]} of {HOT_SPOT_REQUESTS:,}"
            f" ({100 * per_server[hot] / HOT_SPOT_REQUESTS:.0f}%).",
        ),
        lab={
            "scenario": "nat_hot_spot",
            "balancer": "source_ip",
            "seed": str(seed),
            "customers": str(customers),
        },
        facts={
            "servers": servers,
            "customers": customers,
            "per_server": dict(per_server),
            "hot": hot,
            "nat_table": nat_table,
            "behind_nat": behind_nat,
        },
    )


GENERATORS: dict[str, Callable[[str, int, random.Random], Drill]] = {
    "nginx-ip-hash": _hash,
    "haproxy-source": _hash,
    "consistent-hash": _hash,
    "scale-out": _scale_out,
    "cart-survives": _cart,
    "hot-spot": _hot_spot,
}
