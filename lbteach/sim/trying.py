"""A preset's "Try this" run through the engine as the lab runs it: how many carts it harms.

The lab's compare page says what to expect on each side from this run, and the tests keep
every preset's promise with it. The button events are the lab's own (a lab test checks).
"""

from __future__ import annotations

from functools import cache

from lbteach.sim.presets import PRESETS, LabAction, scenario_from_preset
from lbteach.sim.simulation import Simulation

BUTTON_EVENTS: dict[str, dict[str, object]] = {
    "change_ip": {"do": "change_ip", "share": 1.0},
    "clear_cookies": {"do": "clear_cookies", "share": 1.0},
    "expire_sessions": {"do": "expire_sessions"},
    "add_table": {"do": "add_server"},
    "remove_table": {"do": "remove_server"},
    "crash_table": {"do": "crash_server"},
    "restore_table": {"do": "restore_server"},
}
LAB_CUSTOMERS = 12  # what a fresh lab starts with


def press(sim: Simulation, action: LabAction) -> None:
    """Do what the lab does for one button press."""
    if action.name == "add_customers":
        sim.add_clients(int(action.target or 10))
    elif action.name == "set_balancer":
        sim.apply({"do": "set_balancer", "balancer": action.target})
    elif action.name == "shared_sessions":
        sim.apply({"do": "set_shared_sessions", "value": action.target == "on"})
    else:
        event = dict(BUTTON_EVENTS[action.name])
        if action.target:
            event["server"] = action.target
        sim.apply(event)


def harm(sim: Simulation) -> int:
    """Carts broken or lost over the whole run."""
    totals = sim.view()["totals"]
    return totals["cart_breaks"] + totals["carts_lost"]


@cache
def try_it(name: str, balancer: str | None = None) -> tuple[int, int]:
    """Harm before the preset's actions, and harm they and the requests after them caused.

    `balancer` runs the same actions on another host (a side of compare mode).
    """
    # As the lab builds it: the preset's settings, no scheduled events, customers added.
    overrides = {"balancer": balancer} if balancer else {}
    sim = Simulation(scenario_from_preset(name, clients=0, events=[], **overrides))
    sim.add_clients(LAB_CUSTOMERS)
    sim.step(600)  # let carts fill
    before = harm(sim)
    for action in PRESETS[name].try_this.actions:
        press(sim, action)
        sim.step(300)
    sim.step(600)
    return before, harm(sim) - before
