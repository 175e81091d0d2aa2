"""Small builders that make engine tests read like the story they check."""

from __future__ import annotations

from lbteach.sim import Scenario, Simulation
from lbteach.sim.results import Decision


def restaurant(balancer: str, servers: int = 4, **fields) -> Simulation:
    """An empty restaurant: no customers, no events, nothing driven by the simulator."""
    return Simulation(
        Scenario.from_dict({"balancer": balancer, "servers": servers, "clients": 0, **fields})
    )


def customers(sim: Simulation, n: int = 1) -> list[int]:
    """n customers that only act when a test tells them to."""
    return sim.add_clients(n, auto=False)


def wait(sim: Simulation, seconds: float) -> None:
    """Let simulated time pass before the next explicit request (the clock is the workload's)."""
    sim.workload.now += seconds * 1000.0


def seat(decision: Decision) -> str:
    """The table a request went to; fails if no table took it."""
    assert decision.server is not None, decision.reason
    return decision.server
