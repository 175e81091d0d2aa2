"""lbteach.sim: a deterministic discrete-event simulation of load balancing (the engine).

Standard library only: no Django, no I/O (except `scenario_files`, which reads a scenario
file), no wall clock. A seed and a scenario give the same run every time: every random
draw comes from a `random.Random` seeded from the scenario (one stream for the customers'
behaviour, one for events, one for the balancer), and hashing never uses Python's salted
hash(). The restaurant story: the host is the load balancer, tables are servers (A, B, C
...), customers are clients, and a customer's shopping cart is session state kept on one
table.

The public API::

    from lbteach.sim import (Scenario, ScenarioError, Simulation, Decision, EventOutcome,
                             RunResult, BALANCERS, PRESETS, load_scenario,
                             scenario_from_preset, route, route_explained, ring_points,
                             compare)

    Scenario.from_dict(d) -> Scenario     # checks every field; ScenarioError(field, value, allowed)
    Scenario.to_dict() -> dict            # round-trips through from_dict
    scenario_from_preset(name, **overrides) -> Scenario
    load_scenario(name_or_path, overrides=None) -> Scenario   # preset name or .json/.toml file
    BALANCERS: dict[str, BalancerInfo]    # ordered; .name .kind ("stateless"|"stateful")
                                          #   .title .description .imitates
    PRESETS: dict[str, Preset]            # .name .title .description .lesson .scenario (dict)

    sim = Simulation(scenario)            # scenario.clients may be 0 (a live lab adds them later)
    sim.step(n=1) -> list[Decision]       # the next n requests, applying scheduled events when
                                          #   their index comes; [] when no customer is driven
    sim.run(progress=None) -> RunResult   # batch up to scenario.requests; progress(done, total)
    sim.apply(event) -> EventOutcome      # an event now; checked like a scenario event
                                          #   (ScenarioError on bad input, state unchanged)
    sim.add_clients(n, auto=True) -> list[int]   # new ids (from 1), with the scenario's mobile and
                                          #   NAT shares; auto=False: the simulator never drives
                                          #   them, only sim.request() does (a student's phone)
    sim.request(client_id, action) -> Decision   # action: browse, add_to_cart, view_cart, checkout
    sim.client_event(client_id, do) -> EventOutcome   # do: change_ip or clear_cookies
    sim.view() -> dict                    # JSON-able picture: balancer, shared_sessions, time_ms,
                                          #   requests, segment, tables, clients, metrics (since
                                          #   the last balancer switch), totals (the whole run)
    sim.metrics() -> dict                 # the whole run, the same keys as the CLI's JSON run
    sim.to_dict() -> dict; Simulation.from_dict(d) -> Simulation  # full state incl. RNG states

    route(balancer, servers, ip, cookie=None, path=None, **options) -> (table, reason)
                                          #   servers: a count or a list of host:port addresses
    route_explained(...same...) -> (table, reason, lines)  # lines: the arithmetic, step by step
    ring_points(balancer, servers) -> [(point, table)]   # a consistent-hash ring, in order
    compare(scenario, balancer_names) -> list[RunResult]   # the same workload, customer for
                                                           #   customer, on each balancer
    RunResult.to_dict() -> dict           # the CLI's JSON run

Decision: .index .time_ms .client .action .server .reason .cart_items .cart_broken
.carts_stranded_at .redispatched .latency_ms .story (plus .ip .path .error).
EventOutcome: .do .at .summary .remapped .details.

Modules: `model` (names and codes), `words` (counted nouns), `hashing`, `base` /
`stateless` / `hashed` / `sticky` (the balancers) and `balancers` (their catalogue),
`checks` / `event_fields` / `scenario` (validation; `event_fields` is the one list of
event names and their fields), `events` (what each event draws and does), `presets`,
`scenario_files`, `workload` (customers and arrivals), `restaurant` (the state: tables,
carts, serving requests, segments), `latency` (the histogram), `readout` (metrics and the
view), `stories`, `simulation`, `one_request` (route()).
Every field, event, balancer and preset is documented in docs/scenarios.md.
"""

from __future__ import annotations

from lbteach.sim.balancers import BALANCERS, BalancerInfo
from lbteach.sim.errors import ScenarioError
from lbteach.sim.one_request import ring_points, route, route_explained
from lbteach.sim.presets import PRESETS, Preset, scenario_from_preset
from lbteach.sim.results import Decision, EventOutcome, RunResult
from lbteach.sim.scenario import Scenario
from lbteach.sim.scenario_files import load_scenario
from lbteach.sim.simulation import Simulation, compare

__all__ = [
    "BALANCERS",
    "PRESETS",
    "BalancerInfo",
    "Decision",
    "EventOutcome",
    "Preset",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "compare",
    "load_scenario",
    "ring_points",
    "route",
    "route_explained",
    "scenario_from_preset",
]
