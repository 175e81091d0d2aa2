"""A balancer switch mid-run: the metrics count from the switch, the whole run stays beside them."""

from __future__ import annotations

from lbteach.lab.room import Room
from lbteach.lab.sharelink import LabSetup
from lbteach.live.commands import Command
from tests.lab.test_words import narration, region, ticks, words


def switched_room() -> Room:
    """Cookie insert for 60 requests, then round robin for 30."""
    room = Room("m", LabSetup("ecommerce_cart", ("cookie_insert",), seed=42, customers=20))
    ticks(room, 30)
    assert room.apply(Command("set_balancer", {"balancer": "round_robin"})) == (
        "The host now uses Round robin."
    )
    ticks(room, 15)
    return room


def test_before_any_switch_the_metrics_are_the_whole_run_and_say_nothing_of_switches():
    room = Room("m", LabSetup("ecommerce_cart", ("cookie_insert",), seed=42, customers=20))
    ticks(room, 30)
    metrics = words(region(room, "metrics"))
    assert metrics.startswith(
        "Metrics Cart breaks 0 Lost carts 0 Sticky ratio 100% Imbalance max ÷ mean 1.47"
        " p95 latency 34 ms Requests per table A 22 B 16 C 13 D 9 "
    )
    assert "switch" not in metrics
    assert "whole run" not in metrics


def test_after_a_switch_the_metrics_pair_since_the_switch_with_the_whole_run():
    room = switched_room()
    view = room.restaurants[0].sim.view()
    since, run = view["metrics"], view["totals"]
    assert (since["requests"], run["requests"]) == (30, 90)
    assert (since["cart_breaks"], since["switch_breaks"], run["cart_breaks"]) == (3, 7, 10)
    assert words(region(room, "metrics")).startswith(
        "Metrics Since the switch to Round robin at request 60: 30 requests."
        " Whole run: 90 requests."
        " Cart breaks 3 whole run 10"
        " Breaks the switch caused carts filled under the old host 7 whole run 7"
        " Lost carts 0 whole run 0"
        " Sticky ratio 27% whole run 69%"
        " Imbalance max ÷ mean 1.07 whole run 1.33"
        " p95 latency 51 ms whole run 42 ms"
        " Requests per table since the switch A 8 B 8 C 7 D 7 "
    )
    # Round robin's own breaks and the switch's add up to the run's (none before the switch).
    assert since["cart_breaks"] + since["switch_breaks"] == run["cart_breaks"]


def test_the_narration_says_what_the_switch_did_to_the_seats_and_carts():
    room = Room("m", LabSetup("ecommerce_cart", ("cookie_insert",), seed=42, customers=20))
    ticks(room, 30)
    room.apply(Command("set_balancer", {"balancer": "round_robin"}))
    assert narration(room)[-1] == (
        "The host now uses Round robin (nginx default (smooth weighted round robin); HAProxy"
        " balance roundrobin gives the same order only for equal weights (2,1,1: HAProxy"
        " A B A C, nginx A B C A)): 20 customers' cookies for their tables are ignored from"
        " now on; 12 carts stay where they are until their customers are seated elsewhere."
        " The figures start again from here; the run's totals are kept."
    )
