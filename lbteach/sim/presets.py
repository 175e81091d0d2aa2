"""Named scenarios: one per failure story in FIDELITY.md and per example in the seed."""

from __future__ import annotations

from dataclasses import dataclass

from lbteach.sim.errors import ScenarioError
from lbteach.sim.scenario import Scenario

EXPECTS = ("breaks", "none")


@dataclass(frozen=True)
class LabAction:
    """One press in the lab: a button's action and what it names (a table, a balancer, on/off).

    `name` is an action of the lab's table (`lbteach.lab.actions.LAB_ACTIONS`), which the
    engine cannot import; a lab test checks every preset's actions against that table.
    """

    name: str
    target: str = ""


@dataclass(frozen=True)
class TryThis:
    """What a preset asks a learner to do in the lab, and what they will see.

    `expect` is "breaks" (carts break or are lost after the actions) or "none" (no cart
    breaks and none is lost); a test runs every preset's actions through the engine to
    keep each promise true.
    """

    text: str
    actions: tuple[LabAction, ...]
    expect: str
    outcome: str


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    lesson: str  # slug of the lesson it illustrates
    scenario: dict
    try_this: TryThis
    compare: tuple[str, str]  # the two balancers compare mode opens side by side


def _try(text: str, expect: str, outcome: str, *actions: str) -> TryThis:
    """A TryThis from actions written `name` or `name:target` (`crash_table:B`)."""
    steps = tuple(LabAction(*action.split(":", 1)) for action in actions)
    if expect not in EXPECTS:
        raise ValueError(f"expect must be one of {EXPECTS}, not {expect!r}")
    return TryThis(" ".join(text.split()), steps, expect, " ".join(outcome.split()))


def _preset(
    name: str,
    title: str,
    lesson: str,
    description: str,
    try_this: TryThis,
    compare: tuple[str, str],
    **scenario: object,
) -> Preset:
    return Preset(
        name,
        title,
        " ".join(description.split()),
        lesson,
        {"name": name, **scenario},
        try_this,
        compare,
    )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _preset(
            "round_robin_basics",
            "Round robin: every table in turn",
            "what-is-load-balancing",
            """The host seats each request at the next table in turn and remembers nobody.
            The load is perfectly even, but a customer's next request usually lands on
            another table, which has never seen their cart: carts break all the time.""",
            _try(
                """Add customers and let them fill their carts: round robin seats each request at
                the next table, so a customer's next request rarely finds the cart.""",
                "breaks",
                """Carts break on almost every visit, with no event at all: round robin
                remembers nobody.""",
                "add_customers:20",
            ),
            ("round_robin", "cookie_insert"),
            balancer="round_robin",
            mobile_share=0.0,
        ),
        _preset(
            "product_search",
            "Product search: stateless and geographic",
            "stateless-load-balancing",
            """Searches need no session, so the host sends each one to the nearest region's
            tables and nothing can break. Asia's two tables go down for a while: its
            customers are served by the next region, and come back when the tables return.""",
            _try(
                """Press Crash table with table C chosen (one of Asia's two tables), then
                Restore table. Watch its customers go to the next region and come back.""",
                "none",
                """No cart breaks and none is lost: a search keeps no session, so any table
                can answer it.""",
                "crash_table:C",
                "restore_table:C",
            ),
            ("geo", "round_robin"),
            balancer="geo",
            workload="search",
            servers=6,
            clients=300,
            events=[
                {"at": 8000, "do": "crash_server", "server": "C"},
                {"at": 8000, "do": "crash_server", "server": "F"},
                {"at": 14000, "do": "restore_server", "server": "C"},
                {"at": 14000, "do": "restore_server", "server": "F"},
            ],
        ),
        _preset(
            "banking_login",
            "Banking login: the session decides",
            "stateful-load-balancing",
            """A bank keeps each logged-in session on the table that created it: the host
            learns the application's session cookie. Half the customers are on phones and
            all of them switch network halfway; their sessions stay put because the cookie,
            not the IP address, decides.""",
            _try(
                """Let carts fill, then press Change IPs: every mobile customer switches
                network and gets a new address.""",
                "none",
                """No cart breaks: the host follows the learned session cookie, which does
                not change with the address.""",
                "change_ip",
            ),
            ("source_ip", "session_id"),
            balancer="session_id",
            mobile_share=0.5,
            events=[{"at": 10000, "do": "change_ip", "share": 1.0}],
        ),
        _preset(
            "ecommerce_cart",
            "Shopping carts with a cookie",
            "restaurant-analogy",
            """The host inserts a cookie SERVERID naming the customer's table, so every
            request of a visit returns to the cart. Mobile customers switch network halfway
            and nothing breaks: the cookie travels with the browser.""",
            _try(
                """Let carts fill, then press Change IPs: every mobile customer switches
                network and gets a new address.""",
                "none",
                """No cart breaks: the SERVERID cookie travels with the browser, whatever
                its address. (Press Clear cookies to see what does break it.)""",
                "change_ip",
            ),
            ("source_ip", "cookie_insert"),
            balancer="cookie_insert",
            mobile_share=0.5,
            events=[{"at": 10000, "do": "change_ip", "share": 1.0}],
        ),
        _preset(
            "mobile_ip_change",
            "Mobile customers change IP",
            "source-ip-affinity",
            """Source-IP affinity hashes the customer's address. Halfway through, every mobile
            customer moves from Wi-Fi to LTE and gets a new address: most now hash to another
            table and find an empty cart.""",
            _try(
                """Let carts fill, then press Change IPs: every mobile customer switches
                network and gets a new address.""",
                "breaks",
                """Carts break: most new addresses hash to another table, which has never
                seen the cart.""",
                "change_ip",
            ),
            ("source_ip", "cookie_insert"),
            balancer="source_ip",
            mobile_share=0.5,
            events=[{"at": 10000, "do": "change_ip", "share": 1.0}],
        ),
        _preset(
            "nat_hot_spot",
            "Many customers behind one NAT",
            "nat-and-hot-spots",
            """Sixty percent of the customers sit behind one carrier-grade NAT address, so
            source-IP affinity sends all of them to one table. That table's queue grows
            while the others idle: a hot spot, visible in the imbalance and the p95 latency.""",
            _try(
                """Add customers and watch the tables: most customers share one NAT
                address, so one table's queue grows while the others idle.""",
                "none",
                """No cart breaks (every address keeps its table), but one table is a hot
                spot: see the imbalance and the p95 latency.""",
                "add_customers:40",
            ),
            ("source_ip", "cookie_insert"),
            balancer="source_ip",
            nat_share=0.6,
            arrival_rate=150,
            mobile_share=0.0,
        ),
        _preset(
            "proxy_single_ip",
            "Behind another proxy: one IP for everyone",
            "real-world-configuration",
            """nginx sits behind a CDN or another proxy and sees that proxy's address on
            every request. ip_hash maps that single address to one table, which takes all
            the traffic (the fix: set_real_ip_from and real_ip_header).""",
            _try(
                """Add customers and watch the tables: every request arrives from the
                proxy's one address, so ip_hash sends all of them to one table.""",
                "none",
                """No cart breaks, but one table serves everyone and the others idle: the
                imbalance equals the number of tables.""",
                "add_customers:40",
            ),
            ("nginx_ip_hash", "cookie_insert"),
            balancer="nginx_ip_hash",
            nat_share=1.0,
            nat_ip="10.0.0.2",
            arrival_rate=80,
            mobile_share=0.0,
        ),
        _preset(
            "cookie_cleared",
            "Customers clear their cookies",
            "session-affinity",
            """Session affinity rides on a cookie. Halfway, half the customers clear their
            cookies: the host no longer knows their table, seats them afresh, and those with
            a cart usually lose it to another table.""",
            _try(
                """Let carts fill, then press Clear cookies: every customer loses the
                SERVERID cookie that named their table.""",
                "breaks",
                """Carts break: the host seats each customer afresh and most land on a table
                without their cart.""",
                "clear_cookies",
            ),
            ("cookie_insert", "source_ip"),
            balancer="cookie_insert",
            events=[{"at": 10000, "do": "clear_cookies", "share": 0.5}],
        ),
        _preset(
            "session_expired",
            "Sticky cookies expire",
            "session-affinity",
            """The SERVERID cookie is ignored after 6 idle seconds (HAProxy maxidle, like an
            ALB cookie duration), so customers who pause are re-balanced and may lose their
            cart; later every sticky session expires at once.""",
            _try(
                """Let carts fill, then press Expire sessions: every sticky cookie
                expires at once.""",
                "breaks",
                """Carts break: re-balanced customers usually land on a table without their
                cart.""",
                "expire_sessions",
            ),
            ("cookie_insert", "source_ip"),
            balancer="cookie_insert",
            max_idle_s=6,
            arrival_rate=100,
            events=[{"at": 15000, "do": "expire_sessions"}],
        ),
        _preset(
            "scale_out_modulo",
            "Scale out with modulo hashing",
            "hashing-and-scaling",
            """A fifth table joins four. Map-based hashing divides by the total weight, which
            just changed, so about four customers in five now hash to a different table and
            their carts break.""",
            _try(
                """Press Add customers with 40, let carts fill, then press Add table: a
                fifth table joins, and map-based hashing divides by a new total.""",
                "breaks",
                """Carts break: about four customers in five now hash to a different
                table.""",
                "add_customers:40",
                "add_table",
            ),
            ("source_ip", "source_ip_consistent"),
            balancer="source_ip",
            mobile_share=0.0,
            events=[{"at": 10000, "do": "add_server"}],
        ),
        _preset(
            "scale_out_consistent",
            "Scale out with consistent hashing",
            "hashing-and-scaling",
            """The same fifth table joins a consistent-hash ring: only the customers whose
            ring segment the new table takes over move, about one in five.""",
            _try(
                """Press Add customers with 40, let carts fill, then press Add table: a
                fifth table joins the consistent-hash ring.""",
                "breaks",
                """A few carts break, far fewer than under modulo hashing: only customers
                whose ring segment the new table takes over move. Compare with modulo
                hashing.""",
                "add_customers:40",
                "add_table",
            ),
            ("source_ip_consistent", "source_ip"),
            balancer="source_ip_consistent",
            mobile_share=0.0,
            events=[{"at": 10000, "do": "add_server"}],
        ),
        _preset(
            "server_crash",
            "A table crashes",
            "server-failure",
            """Table B crashes halfway. Every cart it held in memory is lost, sticky cookie or
            not; its customers are redispatched to the other tables. B comes back empty
            later.""",
            _try(
                """Let carts fill, then press Crash table with table B chosen.""",
                "breaks",
                """Every cart in B's memory is lost, sticky cookie or not; its customers are
                redispatched to the other tables.""",
                "crash_table:B",
            ),
            ("cookie_insert", "round_robin"),
            balancer="cookie_insert",
            events=[
                {"at": 10000, "do": "crash_server", "server": "B"},
                {"at": 15000, "do": "restore_server", "server": "B"},
            ],
        ),
        _preset(
            "server_crash_shared",
            "A table crashes, carts in a shared store",
            "server-failure",
            """The same crash, but carts live in a shared session store (the hybrid
            approach): the redispatched customers find their carts on the new table and
            nothing is lost.""",
            _try(
                """Let carts fill, then press Crash table with table B chosen.""",
                "none",
                """No cart is lost and none breaks: carts live in the shared store, so the
                redispatched customers find theirs on the new table.""",
                "crash_table:B",
            ),
            ("cookie_insert", "round_robin"),
            balancer="cookie_insert",
            shared_sessions=True,
            events=[
                {"at": 10000, "do": "crash_server", "server": "B"},
                {"at": 15000, "do": "restore_server", "server": "B"},
            ],
        ),
        _preset(
            "drain_vs_crash",
            "Draining a table versus a crash",
            "microservices-and-hybrid",
            """Table B is drained (graceful removal): customers with a cart there finish
            their visit on it and new customers go elsewhere, so no cart breaks. Later table
            C crashes instead: its carts are simply gone.""",
            _try(
                """Let carts fill, press Remove table with table B chosen (a graceful
                drain), then Crash table with table C chosen.""",
                "breaks",
                """Draining B breaks no cart: its customers finish their visit there. The
                crash of C loses every cart C held.""",
                "remove_table:B",
                "crash_table:C",
            ),
            ("cookie_insert", "round_robin"),
            balancer="cookie_insert",
            events=[
                {"at": 8000, "do": "remove_server", "server": "B"},
                {"at": 12000, "do": "crash_server", "server": "C"},
            ],
        ),
        _preset(
            "hybrid",
            "Hybrid: stateless routing, shared sessions",
            "microservices-and-hybrid",
            """Round robin spreads requests evenly and carts live in a shared store every
            table can read, so no cart ever breaks, a crash loses nothing and tables can
            come and go.""",
            _try(
                """Let carts fill, press Crash table with table C chosen, then Add
                table.""",
                "none",
                """No cart breaks and none is lost: any table reads any cart from the shared
                store, so tables can come and go.""",
                "crash_table:C",
                "add_table",
            ),
            ("round_robin", "cookie_insert"),
            balancer="round_robin",
            shared_sessions=True,
            events=[
                {"at": 8000, "do": "crash_server", "server": "C"},
                {"at": 12000, "do": "add_server"},
            ],
        ),
        _preset(
            "stick_table_expiry",
            "A stick table with a short expiry",
            "real-world-configuration",
            """HAProxy remembers IP -> table in a stick table whose entries expire 5 seconds
            after their last use (`expire 5s`; without `expire` an entry stays until the
            table is full and the oldest are evicted). Customers who pause longer are balanced
            afresh and may find their cart on another table.""",
            _try(
                """Let carts fill, then press Expire sessions: every stick-table entry
                is forgotten at once, as if each customer had paused too long.""",
                "breaks",
                """Carts break: customers are balanced afresh and most find their cart on
                another table.""",
                "expire_sessions",
            ),
            ("stick_table", "cookie_insert"),
            balancer="stick_table",
            stick_expire_s=5,
            arrival_rate=100,
            mobile_share=0.0,
        ),
    )
}


def scenario_from_preset(name: str, **overrides: object) -> Scenario:
    """The preset's scenario with some fields replaced, checked as a whole."""
    if name not in PRESETS:
        raise ScenarioError("preset", name, "one of " + ", ".join(PRESETS))
    return Scenario.from_dict({**PRESETS[name].scenario, **overrides})
