"""A balancer switch starts a new segment of figures (the run's totals carry on); counted words."""

from __future__ import annotations

import json
from pathlib import Path

from lbteach.sim import Simulation
from tests.sim.helpers import customers, restaurant

SAVED = Path(__file__).parent / "data" / "saved_before_segments.json"


def carts_everywhere(n: int = 10) -> tuple[Simulation, list[int]]:
    """Cookie insert over four tables, each customer with one item in the cart."""
    sim = restaurant("cookie_insert")
    ids = customers(sim, n)
    seats = [sim.request(c, "add_to_cart").server for c in ids]
    assert seats == ["A", "B", "C", "D", "A", "B", "C", "D", "A", "B"][:n]
    return sim, ids


def test_the_switch_says_what_it_did_to_the_seats():
    sim, _ = carts_everywhere()
    outcome = sim.apply({"do": "set_balancer", "balancer": "source_ip"})
    assert outcome.summary == (
        "The host now uses Source IP hash (HAProxy balance source (hash-type map-based)):"
        " 9 customers' cookies for their tables are ignored from now on; 10 carts stay where"
        " they are until their customers are seated elsewhere. The figures start again from"
        " here; the run's totals are kept."
    )
    assert outcome.remapped == 9
    assert outcome.details == {
        "balancer": "source_ip",
        "switched": True,
        "was": "cookie_insert",
        "seats_ignored": 9,
        "carts_in_place": 10,
    }


def test_the_switch_uses_singulars_for_one_customer():
    sim, _ = carts_everywhere(1)
    outcome = sim.apply({"do": "set_balancer", "balancer": "round_robin"})
    assert outcome.summary == (
        "The host now uses Round robin (nginx default (smooth weighted round robin); HAProxy"
        " balance roundrobin gives the same order only for equal weights (2,1,1: HAProxy"
        " A B A C, nginx A B C A)): 1 customer's cookie for their table is ignored from now"
        " on; 1 cart stays where it is until its customer is seated elsewhere. The figures"
        " start again from here; the run's totals are kept."
    )


def test_a_switch_from_a_host_that_remembers_nobody():
    sim = restaurant("round_robin")
    for c in customers(sim, 6):
        sim.request(c, "browse")
    outcome = sim.apply({"do": "set_balancer", "balancer": "cookie_insert"})
    assert outcome.summary == (
        "The host now uses Cookie insert (HAProxy cookie SERVERID insert, AWS ALB duration"
        " cookie (AWSALB)): the old host remembered no customer's table; no customer has a"
        " cart yet. The figures start again from here; the run's totals are kept."
    )
    assert outcome.remapped == 0


def test_switching_to_the_same_balancer_changes_nothing():
    sim, _ = carts_everywhere()
    outcome = sim.apply({"do": "set_balancer", "balancer": "cookie_insert"})
    assert outcome.summary == "The host already uses Cookie insert."
    assert sim.view()["segment"] == 0


def test_metrics_count_from_the_switch_and_totals_from_the_start():
    sim, ids = carts_everywhere()
    sim.apply({"do": "set_balancer", "balancer": "source_ip"})
    after = [sim.request(c, "view_cart") for c in ids]
    assert [d.cart_broken for d in after].count(True) == 9
    view = sim.view()
    assert view["segment"] == 1
    segment, totals = view["metrics"], view["totals"]
    # The 9 carts the switch stranded are the switch's doing, not source IP hashing's.
    assert (segment["cart_breaks"], segment["switch_breaks"]) == (0, 9)
    assert (totals["cart_breaks"], totals["switch_breaks"]) == (9, 9)
    assert (segment["requests"], totals["requests"]) == (10, 20)
    assert segment["since_request"] == 10
    assert segment["per_server"] == {"A": 1, "B": 3, "C": 3, "D": 3}
    assert totals["per_server"] == {"A": 4, "B": 6, "C": 5, "D": 5}
    assert sim.metrics()["cart_breaks"] == 9  # the CLI's run figures are the totals
    # A cart filled after the switch is the new balancer's: its break counts against it.
    for c in ids:
        sim.request(c, "add_to_cart")
    sim.apply({"do": "change_ip", "share": 1.0})
    for c in ids:
        sim.request(c, "view_cart")
    view = sim.view()
    assert (view["metrics"]["cart_breaks"], view["metrics"]["switch_breaks"]) == (2, 9)
    assert view["totals"]["cart_breaks"] == 11


def test_customers_with_no_cart_never_count_as_breaks_after_a_switch():
    sim = restaurant("round_robin")
    ids = customers(sim, 8)
    for c in ids:
        sim.request(c, "browse")
    sim.apply({"do": "set_balancer", "balancer": "cookie_insert"})
    for _ in range(3):
        for c in ids:
            sim.request(c, "browse")
    view = sim.view()
    assert (view["metrics"]["cart_breaks"], view["metrics"]["switch_breaks"]) == (0, 0)
    assert view["totals"]["cart_breaks"] == 0


def test_a_switch_survives_saving_and_restoring():
    sim, ids = carts_everywhere()
    sim.apply({"do": "set_balancer", "balancer": "source_ip"})
    for c in ids:
        sim.request(c, "view_cart")
    copy = Simulation.from_dict(json.loads(json.dumps(sim.to_dict())))
    assert copy.view() == sim.view()
    assert [copy.request(c, "add_to_cart") for c in ids] == [
        sim.request(c, "add_to_cart") for c in ids
    ]
    assert copy.view() == sim.view()


def test_state_saved_before_segments_still_restores():
    saved = json.loads(SAVED.read_text())
    sim = Simulation.from_dict(saved["state"])
    assert sim.metrics() == saved["metrics"]
    view = sim.view()
    # Old saves count the whole run as one segment.
    assert view["segment"] == 0
    assert view["metrics"]["cart_breaks"] == saved["metrics"]["cart_breaks"] == 8
    next_20 = [[d.server, d.cart_items, d.cart_broken] for d in sim.step(20)]
    assert next_20 == saved["next_20"]


def test_event_sentences_count_carts_with_plurals():
    sim = restaurant("cookie_insert")
    (me,) = customers(sim)
    sim.request(me, "add_to_cart")
    assert sim.apply({"do": "remove_server", "server": "B"}).summary == (
        "Table B is draining: it holds no carts and takes no new customers."
    )
    assert sim.apply({"do": "crash_server", "server": "A"}).summary.startswith(
        "Table A crashed: the 1 cart in its memory is lost."
    )
    assert sim.apply({"do": "crash_server", "server": "C"}).summary.startswith(
        "Table C crashed; it held no carts, so none was lost."
    )
    outcome = sim.client_event(me, "clear_cookies")
    assert outcome.summary.startswith("1 customer cleared their cookies.")
