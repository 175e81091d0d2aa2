"""Predict-it drills: questions the engine generates, answers and explains, from a seed.

`generate(kind, seed)` is pure and deterministic: the same kind and seed give the same
drill, so a link replays it. Every answer and every number in an explanation comes from
`lbteach.sim` (`route`, its hash functions, or a `Simulation` of the drill's own customers),
never from a copy of its arithmetic here. Sizes are small and bounded, so a request stays
cheap.

A drill shows everything a person needs to work the answer out (the hash value, the ring's
points, where carts are kept) and never the step that decides it: that step, `decider`, is
shown only in the feedback. Each drill is built from its lab preset, so "Show me in the lab"
opens the same tables, balancer, seed and customers.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from lbteach.sim import BALANCERS, Simulation, ring_points, route, scenario_from_preset
from lbteach.sim.hashing import NGINX_START, crc32, next_point, nginx_ip_hash_round
from lbteach.sim.model import ip_from_str
from lbteach.sim.words import count

SEED_MAX = 999_999
TABLES = "ABCDEFGH"
HASH_DRILLS = {
    "nginx-ip-hash": "nginx_ip_hash",
    "haproxy-source": "source_ip",
    "consistent-hash": "nginx_hash_consistent",
}
CART_EVENTS = ("clear_cookies", "change_ip", "crash", "expire")
CART_BALANCERS = ("cookie_insert", "session_id", "stick_table", "source_ip")
CART_PRESETS = {
    "clear_cookies": "cookie_cleared",
    "change_ip": "mobile_ip_change",
    "crash": "server_crash",
    "expire": "session_expired",
}
SHARED_STORE_CHANCE = 0.3
HOT_SPOT_REQUESTS = 3000
# The scale-out drill's ring: positions 0..RING_SIZE-1, a few points per table, so a person
# can draw it and walk it. The rule is nginx's (the first point at or after the key).
RING_SIZE = 100
RING_TABLES = 4
RING_POINTS_PER_TABLE = 2
RING_CUSTOMERS = 6
# Marks on the same drawn circle stay this many positions apart, so none hides another.
RING_GAP = 4
# The drawing: a 300-unit square, table points on the outer circle, customers inside.
RING_CENTRE = 150
RING_RADII = (88, 118)  # (customers, table points)
# Ring points shown around the key in the consistent-hash drill, on a ring of 32-bit numbers.
RING_TOP = 2**32 - 1
RING_WINDOW = 6


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
class RingMark:
    """One labelled mark of a drawn ring: a table's point or a customer, at a position."""

    position: int
    label: str
    role: str  # "table", "new" (the joining table's points) or "customer"
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Drill:
    kind: str
    seed: int
    prompt: str
    # What the learner needs to work it out: the rule, then the numbers, one line each.
    givens: tuple[str, ...]
    question: str
    options: tuple[str, ...]
    answer: int  # 1-based number of the right option
    explanation: tuple[str, ...]  # explanation[0] is the worked step
    decider: str  # the phrase that settles the answer: never in the question, always after
    lab: dict[str, str]
    # The engine's numbers behind the answer, by name (tests compare them with the engine).
    facts: dict[str, object] = field(default_factory=dict)
    ring: tuple[RingMark, ...] = ()
    listing: tuple[str, ...] = ()  # a list the last given introduces (ring points, say)

    @property
    def answer_text(self) -> str:
        return self.options[self.answer - 1]

    @property
    def worked_step(self) -> str:
        return self.explanation[0]


KINDS: dict[str, DrillKind] = {
    kind.slug: kind
    for kind in (
        DrillKind(
            "nginx-ip-hash",
            "nginx ip_hash: which table?",
            "nginx hashes the first three octets; the hash modulo the tables picks one.",
        ),
        DrillKind(
            "haproxy-source",
            "HAProxy balance source: which table?",
            "HAProxy reads the address as one number and takes it modulo the tables.",
        ),
        DrillKind(
            "consistent-hash",
            "Consistent hashing: which table?",
            "The address lands on a ring; the first table point clockwise takes the customer.",
        ),
        DrillKind(
            "scale-out",
            "Add a table: which customers move?",
            "A fifth table joins a drawn ring: find the customers whose next point changes.",
        ),
        DrillKind(
            "cart-survives",
            "Does the cart survive?",
            "Cookies cleared, a new IP, a crash, an expiry: with carts on tables or shared.",
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
        raise DrillError(f"There is no drill called “{kind[:40]}”.")
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


def _host_uses(balancer: str) -> str:
    info = BALANCERS[balancer]
    same = info.imitates.lower() == info.title.lower()
    return f"The host uses {info.title}" + ("" if same else f", as in {info.imitates},")


def _tables_phrase(count: int) -> str:
    return f"{count} tables ({TABLES[0]}–{TABLES[count - 1]})"


def _number_of(count: int) -> str:
    """ "A is 0, B is 1, C is 2, D is 3": how a modulo result names a table."""
    return ", ".join(f"{TABLES[i]} is {i}" for i in range(count))


def _address(rng: random.Random) -> str:
    return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _lab(preset: str, balancer: str, seed: int, **more: str) -> dict[str, str]:
    return {"scenario": preset, "balancer": balancer, "seed": str(seed), **more}


def _preset_tables(preset: str) -> int:
    """How many tables the lab opens for a preset: the drill uses the same number."""
    return scenario_from_preset(preset).servers


# Which table for this address? -------------------------------------------------------------


HASH_PRESETS = {
    "nginx_ip_hash": "proxy_single_ip",
    "source_ip": "mobile_ip_change",
    "nginx_hash_consistent": "scale_out_consistent",
}


def _modulo_drill(
    kind: str, seed: int, balancer: str, ip: str, value: int, givens: tuple[str, ...]
) -> Drill:
    """A hash drill settled by `value % tables`: nginx ip_hash and HAProxy map-based."""
    servers = _preset_tables(HASH_PRESETS[balancer])
    table, reason = route(balancer, servers, ip)
    rest = value % servers
    decider = f"{value} % {servers} = {rest}"
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{_host_uses(balancer)} with {_tables_phrase(servers)}, all up, equal weights."
        f" A customer from {ip} walks in.",
        givens=givens,
        question="Which table does the host pick?",
        options=tuple(f"Table {name}" for name in tables(servers)),
        answer=tables(servers).index(table) + 1,
        explanation=(
            f"{ip} → {value}; {decider} → table {table}.",
            f"The engine says: {reason}.",
        ),
        decider=decider,
        lab=_lab(HASH_PRESETS[balancer], balancer, seed),
        facts={"balancer": balancer, "servers": servers, "ip": ip, "value": value, "table": table},
    )


def _nginx_ip_hash(kind: str, seed: int, rng: random.Random) -> Drill:
    ip = _address(rng)
    servers = _preset_tables(HASH_PRESETS["nginx_ip_hash"])
    value = nginx_ip_hash_round(NGINX_START, ip_from_str(ip) or 0)
    prefix = ip.rsplit(".", 1)[0]
    return _modulo_drill(
        kind,
        seed,
        "nginx_ip_hash",
        ip,
        value,
        (
            "Rule: nginx hashes only the first three octets, then takes the hash modulo the"
            f" number of tables; counting from 0, {_number_of(servers)}.",
            f"nginx's hash of {prefix} is {value}.",
        ),
    )


def _haproxy_source(kind: str, seed: int, rng: random.Random) -> Drill:
    ip = _address(rng)
    servers = _preset_tables(HASH_PRESETS["source_ip"])
    value = ip_from_str(ip) or 0
    return _modulo_drill(
        kind,
        seed,
        "source_ip",
        ip,
        value,
        (
            "Rule: HAProxy reads the whole address as one 32-bit number and takes it modulo"
            f" the number of tables; counting from 0, {_number_of(servers)}.",
            f"{ip} read as a number is {value}.",
        ),
    )


def _consistent(kind: str, seed: int, rng: random.Random) -> Drill:
    balancer = HASH_DRILLS[kind]
    preset = HASH_PRESETS[balancer]
    servers = _preset_tables(preset)
    ip = _address(rng)
    table, reason = route(balancer, servers, ip)
    ring = ring_points(balancer, servers)
    key = crc32(ip)
    keys = [point for point, _ in ring]
    hit = next_point(keys, key)
    # A window of ring points around the key, the deciding one at a varying place in it.
    first = hit - rng.randint(1, RING_WINDOW - 2)
    shown = [ring[(first + i) % len(ring)] for i in range(RING_WINDOW)]
    point, owner = ring[hit]
    wraps = any(later < earlier for (earlier, _), (later, _) in itertools.pairwise(shown))
    decider = f"the first point at or after {key:,} is {point:,}"
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{_host_uses(balancer)} with {_tables_phrase(servers)}, all up."
        f" A customer from {ip} walks in.",
        givens=(
            f"Rule: each table owns 160 points on a ring of numbers from 0 to {RING_TOP:,};"
            " the host takes the crc32 of the address and walks clockwise (upwards,"
            f" wrapping from {RING_TOP:,} back to 0) to the first point at or after it.",
            f"crc32(“{ip}”) is {key:,}.",
            "The ring's points around that number, clockwise"
            + (" (the ring wraps back to 0 among them)" if wraps else "")
            + ":",
        ),
        listing=tuple(f"{p:,} (table {name})" for p, name in shown),
        question="Which table does the host pick?",
        options=tuple(f"Table {name}" for name in tables(servers)),
        answer=tables(servers).index(table) + 1,
        explanation=(
            f"{ip} → {key:,}; {decider} → table {owner}.",
            f"The engine says: {reason}.",
        ),
        decider=decider,
        lab=_lab(preset, balancer, seed),
        facts={"balancer": balancer, "servers": servers, "ip": ip, "key": key, "table": table},
    )


# Add a table: which customers move? -------------------------------------------------------


def _place(rng: random.Random, taken: set[int], count: int, near: set[int]) -> list[int]:
    """`count` new positions, none taken, each RING_GAP or more from the others in `near`."""
    chosen = []
    for _ in range(count):
        free = [
            p
            for p in range(RING_SIZE)
            if p not in taken
            and all(min((p - q) % RING_SIZE, (q - p) % RING_SIZE) >= RING_GAP for q in near)
        ]
        position = rng.choice(free)
        chosen.append(position)
        taken.add(position)
        near.add(position)
    return sorted(chosen)


def _owners(points: dict[int, str], customers: list[int]) -> list[str]:
    keys = sorted(points)
    return [points[keys[next_point(keys, position)]] for position in customers]


def _who(numbers: list[int]) -> str:
    if not numbers:
        return "No customer moves"
    if len(numbers) == RING_CUSTOMERS:
        return "Every customer moves"
    names = [str(n) for n in numbers]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Only customer {listed}" if len(names) == 1 else f"Customers {listed}"


def _ring_marks(
    points: dict[int, str], new: list[int], customers: list[int]
) -> tuple[RingMark, ...]:
    marks = [RingMark(p, name, "new" if p in new else "table") for p, name in points.items()]
    marks += [RingMark(p, str(i), "customer") for i, p in enumerate(customers, 1)]
    placed = []
    for mark in sorted(marks, key=lambda m: m.position):
        angle = 2 * math.pi * mark.position / RING_SIZE
        radius = RING_RADII[mark.role != "customer"]
        placed.append(
            RingMark(
                mark.position,
                mark.label,
                mark.role,
                round(RING_CENTRE + radius * math.sin(angle), 1),
                round(RING_CENTRE - radius * math.cos(angle), 1),
            )
        )
    return tuple(placed)


def _scale_out(kind: str, seed: int, rng: random.Random) -> Drill:
    while True:  # deterministic: the seed's stream re-draws until one to three customers move
        taken: set[int] = set()
        outer: set[int] = set()  # table points share the outer circle, customers the inner
        points = {
            p: TABLES[t]
            for t in range(RING_TABLES)
            for p in _place(rng, taken, RING_POINTS_PER_TABLE, outer)
        }
        new_name = TABLES[RING_TABLES]
        new = _place(rng, taken, RING_POINTS_PER_TABLE, outer)
        customers = _place(rng, taken, RING_CUSTOMERS, set())
        before = _owners(points, customers)
        after = _owners({**points, **dict.fromkeys(new, new_name)}, customers)
        moved = [i for i, (b, a) in enumerate(zip(before, after, strict=True), 1) if b != a]
        if 1 <= len(moved) <= 3:
            break
    # The tempting wrong answers: the customers just past each new point (walking the wrong
    # way), everyone (what modulo hashing would do) and no one.
    past = [
        i
        for i, position in enumerate(customers, 1)
        if any(0 < (position - p) % RING_SIZE < RING_SIZE // 4 for p in new) and i not in moved
    ]
    candidates = [moved, past, list(range(1, RING_CUSTOMERS + 1)), [], sorted({*moved, *past})]
    options: list[list[int]] = []
    for candidate in candidates:
        if candidate not in options and len(options) < 4:
            options.append(candidate)
    while len(options) < 4:  # rare: fill with a neighbour of the right answer
        extra = sorted({*moved, rng.randint(1, RING_CUSTOMERS)} ^ {moved[0]})
        if extra not in options:
            options.append(extra)
    rng.shuffle(options)
    by_table = "; ".join(
        f"{name} at {' and '.join(str(p) for p, n in sorted(points.items()) if n == name)}"
        for name in TABLES[:RING_TABLES]
    )
    placed = ", ".join(f"{i} at {p}" for i, p in enumerate(customers, 1))
    decider = "; ".join(f"customer {i}: {before[i - 1]} → {new_name}" for i in moved)
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"A ring of positions 0 to {RING_SIZE - 1}, clockwise, wrapping from"
        f" {RING_SIZE - 1} back to 0. Each of {_tables_phrase(RING_TABLES)} owns"
        f" {RING_POINTS_PER_TABLE} points on it, and {RING_CUSTOMERS} customers sit at their"
        f" hash positions. Table {new_name} joins with points of its own.",
        givens=(
            "Rule: a customer eats at the table owning the first point at or after their"
            " position, walking clockwise.",
            f"Table points: {by_table}.",
            f"Customers: {placed}.",
            f"Table {new_name} joins at {' and '.join(str(p) for p in new)}.",
        ),
        question=f"Which customers go to a different table once table {new_name} joins?",
        options=tuple(_who(option) for option in options),
        answer=options.index(moved) + 1,
        explanation=(
            f"{decider}. Every other customer's first point clockwise is unchanged.",
            f"Only the arcs just before table {new_name}'s points change hands: with"
            f" {RING_TABLES + 1} tables, about 1 customer in {RING_TABLES + 1} moves. Modulo"
            f" hashing (hash % {RING_TABLES} becoming hash % {RING_TABLES + 1}) would move"
            f" about {RING_TABLES} in {RING_TABLES + 1}.",
        ),
        decider=decider,
        lab=_lab("scale_out_consistent", "nginx_hash_consistent", seed),
        facts={
            "servers": RING_TABLES,
            "points": points,
            "new": new,
            "customers": customers,
            "moved": moved,
        },
        ring=_ring_marks({**points, **dict.fromkeys(new, new_name)}, new, customers),
    )


# Does the cart survive? --------------------------------------------------------------------


EVENT_WORDS = {
    "clear_cookies": "clears every cookie in their browser",
    "change_ip": "switches from Wi-Fi to mobile data: their address changes from {old} to {new}",
    "crash": "finds that their table, {home}, has crashed and is down",
    "expire": "comes back after a long break, past every timeout the host keeps (cookie"
    " max-idle, stick-table expiry, session lifetime)",
}
STORE_WORDS = {
    False: "Carts are kept in the memory of the table that served them.",
    True: "Carts are kept in a session store that every table reads.",
}
YES = "Yes: the cart is still there"
NO = "No: the cart is gone or left at another table"


def _cart(kind: str, seed: int, rng: random.Random) -> Drill:
    balancer = rng.choice(CART_BALANCERS)
    event = rng.choice(CART_EVENTS)
    shared = rng.random() < SHARED_STORE_CHANCE
    items = rng.randint(1, 3)
    preset = CART_PRESETS[event]
    scenario = scenario_from_preset(
        preset,
        balancer=balancer,
        clients=0,
        seed=seed,
        mobile_share=1.0,
        shared_sessions=shared,
        events=[],
    )
    sim = Simulation(scenario)
    [customer] = sim.add_clients(1, auto=False)
    old_ip = sim.view()["clients"][0]["ip"]
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
    new_ip = sim.view()["clients"][0]["ip"]
    after = sim.request(customer, "view_cart")
    survives = after.cart_items == items and not after.cart_broken
    if survives:
        verdict = (
            f"The cart survives: table {after.server} shows the customer's {count(items, 'item')}."
        )
    elif after.cart_broken:
        verdict = (
            f"The cart breaks: table {after.server} has an empty cart while the cart with"
            f" {count(items, 'item')} waits at table {after.carts_stranded_at}."
        )
    else:
        verdict = f"The cart is lost: table {after.server} shows {count(after.cart_items, 'item')}."
    givens = [STORE_WORDS[shared]]
    if balancer == "source_ip":
        givens.append(
            "Rule: the address read as one 32-bit number, modulo the number of tables, picks"
            f" the table; counting from 0, {_number_of(scenario.servers)}."
        )
        numbers = {old_ip: ip_from_str(old_ip), new_ip: ip_from_str(new_ip)}
        givens.append(
            " ".join(f"{ip} read as a number is {n}." for ip, n in numbers.items() if n)
            if event == "change_ip"
            else f"{old_ip} read as a number is {numbers[old_ip]}."
        )
    lab = _lab(preset, balancer, seed, shared="1" if shared else "0")
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{_host_uses(balancer)} with {_tables_phrase(scenario.servers)}. A customer"
        f" from {old_ip} has {count(items, 'item')} in their cart at table {home}. The"
        f" customer {EVENT_WORDS[event].format(old=old_ip, new=new_ip, home=home)}, and their"
        " next request arrives.",
        givens=tuple(givens),
        question="Does the cart survive?",
        options=(YES, NO),
        answer=1 if survives else 2,
        explanation=(
            f"Next request: {after.reason}. {verdict}",
            f"Before: {before.reason}.",
            f"Then: {outcome.summary}",
        ),
        decider=verdict,
        lab=lab,
        facts={
            "balancer": balancer,
            "servers": scenario.servers,
            "event": event,
            "shared": shared,
            "items": items,
            "home": home,
            "after": after.server,
            "cart_items": after.cart_items,
            "old_ip": old_ip,
            "new_ip": new_ip,
        },
    )


# Which table is the hot spot? --------------------------------------------------------------


def _hot_spot(kind: str, seed: int, rng: random.Random) -> Drill:
    customers = rng.randint(30, 90)
    # The NAT address varies, or every hot-spot drill would have the same answer.
    nat_ip = f"100.64.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    scenario = scenario_from_preset(
        "nat_hot_spot", clients=customers, seed=seed, requests=HOT_SPOT_REQUESTS, nat_ip=nat_ip
    )
    servers = scenario.servers
    sim = Simulation(scenario)
    sim.run()
    per_server: dict[str, int] = sim.metrics()["per_server"]
    behind_nat = sum(1 for client in sim.view()["clients"] if client["behind_nat"])
    hot = max(per_server, key=lambda name: (per_server[name], -ord(name)))
    nat_table, nat_reason = route(scenario.balancer, servers, scenario.nat_ip)
    names = tables(servers)
    counts = ", ".join(f"{name} {per_server[name]}" for name in names)
    nat_number = ip_from_str(scenario.nat_ip) or 0
    decider = f"{nat_number} % {servers} = {nat_number % servers}"
    return Drill(
        kind=kind,
        seed=seed,
        prompt=f"{customers} customers eat at {_tables_phrase(servers)}; the host uses"
        f" {BALANCERS[scenario.balancer].imitates}. {behind_nat} of the customers sit behind"
        f" one office NAT, so they all share the address {scenario.nat_ip}; the other"
        f" {customers - behind_nat} have addresses of their own. Every customer visits about"
        " as often as any other.",
        givens=(
            "Rule: the address read as one 32-bit number, modulo the number of tables, picks"
            f" the table; counting from 0, {_number_of(servers)}.",
            f"{scenario.nat_ip} read as a number is {nat_number}.",
        ),
        question=f"After {HOT_SPOT_REQUESTS:,} requests, which table has served the most?",
        options=tuple(f"Table {name}" for name in names),
        answer=names.index(hot) + 1,
        explanation=(
            f"The NAT address hashes like one customer: {scenario.nat_ip} → {nat_number};"
            f" {decider} → table {nat_table}, and all {behind_nat} customers behind it go"
            " there.",
            f"Requests per table, from the engine: {counts}.",
            f"Table {hot} served the most: {per_server[hot]} of {HOT_SPOT_REQUESTS:,}"
            f" ({100 * per_server[hot] / HOT_SPOT_REQUESTS:.0f}%).",
            f"The engine says: {nat_reason}.",
        ),
        decider=decider,
        lab=_lab("nat_hot_spot", scenario.balancer, seed, customers=str(customers)),
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
    "nginx-ip-hash": _nginx_ip_hash,
    "haproxy-source": _haproxy_source,
    "consistent-hash": _consistent,
    "scale-out": _scale_out,
    "cart-survives": _cart,
    "hot-spot": _hot_spot,
}
