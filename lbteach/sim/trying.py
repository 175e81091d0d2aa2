"""A preset's "Try this" run through the engine as the lab runs it: how many carts it harms.

The lab's compare page says what to expect on each side from this run, and the tests keep
every preset's promise with it. The engine cannot import the lab, so the caller hands it
the engine event each of the lab's event buttons sends (`lbteach.lab.actions.EVENTS`); the
caller caches the result where it needs to (`lbteach.lab.catalog.try_this_harm`).
"""

from __future__ import annotations

from collections.abc import Mapping

from lbteach.sim.presets import PRESETS, LabAction, scenario_from_preset
from lbteach.sim.simulation import Simulation

# A lab button's name -> the engine event it sends (a table's name is added when it names one).
ButtonEvents = Mapping[str, Mapping[str, object]]
LAB_CUSTOMERS = 12  # what a fresh lab starts with


def press(sim: Simulation, action: LabAction, events: ButtonEvents) -> None:
    """Do what the lab does for one button press."""
    if action.name == "add_customers":
        sim.add_clients(int(action.target or 10))
    elif action.name == "set_balancer":
        sim.apply({"do": "set_balancer", "balancer": action.target})
    elif action.name == "shared_sessions":
        sim.apply({"do": "set_shared_sessions", "value": action.target == "on"})
    else:
        event = dict(events[action.name])
        if action.target:
            event["server"] = action.target
        sim.apply(event)


def harm(sim: Simulation) -> int:
    """Carts broken or lost over the whole run."""
    totals = sim.view()["totals"]
    return totals["cart_breaks"] + totals["carts_lost"]


def try_it(name: str, events: ButtonEvents, balancer: str | None = None) -> tuple[int, int]:
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
        press(sim, action, events)
        sim.step(300)
    sim.step(600)
    return before, harm(sim) - before
