"""Every preset's "Try this" keeps its promise when its lab actions run through the engine."""

from __future__ import annotations

import pytest

from lbteach.lab.actions import EVENTS, LAB_ACTIONS, TABLE_EVENTS
from lbteach.live.actions import LAB
from lbteach.sim import BALANCERS, PRESETS, Simulation, scenario_from_preset
from lbteach.sim.presets import LabAction
from lbteach.sim.trying import LAB_CUSTOMERS, harm, press, try_it

# (harm before the actions, harm after): the engine is deterministic, so exact.
HARM = {
    "round_robin_basics": (152, 222),
    "product_search": (0, 0),
    "banking_login": (0, 0),
    "ecommerce_cart": (0, 0),
    "mobile_ip_change": (0, 3),
    "nat_hot_spot": (0, 0),
    "proxy_single_ip": (0, 0),
    "cookie_cleared": (0, 7),
    "session_expired": (0, 7),
    "scale_out_modulo": (0, 28),
    "scale_out_consistent": (0, 5),
    "server_crash": (0, 3),
    "server_crash_shared": (0, 0),
    "drain_vs_crash": (0, 2),
    "hybrid": (0, 0),
    "stick_table_expiry": (0, 7),
}


@pytest.mark.parametrize("name", list(PRESETS))
def test_try_this_keeps_its_promise(name):
    promise = PRESETS[name].try_this
    before, after = try_it(name, EVENTS)
    assert (before, after) == HARM[name]
    if promise.expect == "breaks":
        assert after > 0, f"{name} promises breaks, but none happened"
    else:
        assert after == 0, f"{name} promises no breaks, but {after} carts broke or were lost"


def test_presets_that_promise_no_breaks_are_the_ones_built_for_it():
    calm = sorted(n for n, p in PRESETS.items() if p.try_this.expect == "none")
    assert calm == [
        "banking_login",
        "ecommerce_cart",
        "hybrid",
        "nat_hot_spot",
        "product_search",
        "proxy_single_ip",
        "server_crash_shared",
    ]


def test_try_this_actions_are_lab_buttons_with_what_they_need():
    for name, preset in PRESETS.items():
        assert preset.try_this.actions, name
        for action in preset.try_this.actions:
            # A suggestion is a lab button that changes the run: one a share link replays.
            assert action.name in LAB_ACTIONS.names(LAB), (name, action.name)
            assert LAB_ACTIONS[action.name].logged, (name, action.name)
            if action.name in TABLE_EVENTS:
                assert action.target, f"{name}: {action.name} names no table"
            if action.name == "set_balancer":
                assert action.target in BALANCERS, name
            if action.name == "shared_sessions":
                assert action.target in ("on", "off"), name


def test_every_preset_names_a_comparison_of_two_different_balancers():
    for name, preset in PRESETS.items():
        left, right = preset.compare
        assert left in BALANCERS, name
        assert right in BALANCERS, name
        assert left != right, name
    assert PRESETS["mobile_ip_change"].compare == ("source_ip", "cookie_insert")


def test_the_instructions_tell_the_truth_in_words():
    ecommerce = PRESETS["ecommerce_cart"].try_this
    assert ecommerce.actions == (LabAction("change_ip"),)
    assert "No cart breaks" in ecommerce.outcome
    assert "Watch the cart breaks" not in ecommerce.text
    assert PRESETS["server_crash"].try_this.actions == (LabAction("crash_table", "B"),)


def test_draining_breaks_nothing_and_the_crash_after_it_loses_carts():
    sim = Simulation(scenario_from_preset("drain_vs_crash", clients=0, events=[]))
    sim.add_clients(LAB_CUSTOMERS)
    sim.step(600)
    drain, crash = PRESETS["drain_vs_crash"].try_this.actions
    press(sim, drain, EVENTS)
    sim.step(300)
    assert harm(sim) == 0
    press(sim, crash, EVENTS)
    sim.step(300)
    assert sim.view()["totals"]["carts_lost"] == 2
