"""Events: what each one does to the restaurant, and how many customers it remaps."""

from __future__ import annotations

from typing import Any

import pytest

from lbteach.sim import Scenario, ScenarioError, Simulation, route, scenario_from_preset

from .helpers import customers, restaurant


def test_an_event_happens_after_exactly_at_requests():
    scenario = Scenario.from_dict(
        {"clients": 20, "requests": 300, "events": [{"at": 100, "do": "add_server"}]}
    )
    sim = Simulation(scenario)
    decisions = sim.step(101)
    assert {d.server for d in decisions[:100]} <= {"A", "B", "C", "D"}
    assert [t["name"] for t in sim.view()["tables"]] == ["A", "B", "C", "D", "E"]
    assert sim.metrics()["events"][0]["at"] == 100


def test_add_server_names_the_next_table_and_counts_remapped_customers():
    sim = restaurant("source_ip")
    ids = customers(sim, 50)
    for c in ids:
        sim.request(c, "browse")
    ips = [client["ip"] for client in sim.view()["clients"]]
    outcome = sim.apply({"do": "add_server", "weight": 2})
    moved = sum(
        1
        for ip in ips
        if route("source_ip", 4, ip)[0] != route("source_ip", 5, ip, weights=[1, 1, 1, 1, 2])[0]
    )
    assert outcome.do == "add_server"
    assert outcome.details == {"server": "E", "weight": 2, "region": "us"}
    assert outcome.remapped == moved
    assert outcome.summary == (
        f"Table E joined (weight 2). {moved} returning customers would now go to a different table."
    )


def test_remove_server_drains_keeping_existing_sessions():
    sim = restaurant("cookie_insert")
    ids = customers(sim, 8)
    seats = {c: sim.request(c, "add_to_cart").server for c in ids}
    at_b = [c for c, table in seats.items() if table == "B"]
    outcome = sim.apply({"do": "remove_server", "server": "B"})
    assert outcome.details == {"server": "B", "carts_held": 2}
    assert outcome.remapped == 6 - 6  # customers with a cart on B stay; nobody else was on B
    assert sim.view()["tables"][1]["status"] == "draining"
    for c in at_b:
        finish = [sim.request(c, action) for action in ("view_cart", "checkout")]
        assert [d.server for d in finish] == ["B", "B"]
        assert not any(d.cart_broken for d in finish)
    (newcomer,) = sim.add_clients(1, auto=False)
    assert all(sim.request(newcomer, "browse").server != "B" for _ in range(8))
    # Their visit over, B's old customers are redispatched for their next one.
    after = sim.request(at_b[0], "browse")
    assert after.server != "B"
    assert after.redispatched
    assert "table B is draining and takes no new sessions" in after.reason


def test_crash_server_loses_the_carts_in_its_memory():
    sim = restaurant("cookie_insert")
    ids = customers(sim, 8)
    for c in ids:
        sim.request(c, "add_to_cart")
    outcome = sim.apply({"do": "crash_server", "server": "B"})
    assert outcome.details == {"server": "B", "carts_lost": 2}
    assert outcome.remapped == 2
    assert outcome.summary.startswith("Table B crashed: the 2 carts in its memory are lost.")
    victim = ids[1]
    after = sim.request(victim, "view_cart")
    assert (after.redispatched, after.cart_items, after.cart_broken) == (True, 0, False)
    assert after.story is not None
    assert after.story.startswith("Customer 2 lost their cart when table B crashed.")
    assert sim.metrics()["carts_lost"] == 2


def test_a_crash_loses_nothing_with_shared_sessions():
    sim = restaurant("cookie_insert", shared_sessions=True)
    ids = customers(sim, 8)
    for c in ids:
        sim.request(c, "add_to_cart")
    outcome = sim.apply({"do": "crash_server", "server": "B"})
    assert outcome.details["carts_lost"] == 0
    after = sim.request(ids[1], "view_cart")
    assert (after.server != "B", after.cart_items, after.cart_broken) == (True, 1, False)


def test_persist_keeps_sending_to_a_dead_table_and_counts_errors():
    sim = restaurant("cookie_insert", persist=True)
    first, second = customers(sim, 2)
    sim.request(first, "browse")
    sim.request(second, "add_to_cart")
    sim.apply({"do": "crash_server", "server": "B"})
    failed = sim.request(second, "view_cart")
    assert (failed.server, failed.error, failed.latency_ms) == ("B", True, None)
    assert "option persist keeps sending the customer there" in failed.reason
    assert failed.story is not None
    assert failed.story.endswith("persist keeps sending this customer there: the request fails.")
    assert sim.metrics()["errors"] == 1
    sim.apply({"do": "restore_server", "server": "B"})
    assert sim.request(second, "browse").server == "B"


def test_without_persist_a_dead_table_is_redispatched():
    sim = restaurant("cookie_insert")
    first, second = customers(sim, 2)
    sim.request(first, "browse")
    sim.request(second, "browse")
    sim.apply({"do": "crash_server", "server": "B"})
    moved = sim.request(second, "browse")
    assert (moved.server, moved.redispatched, moved.error) == ("C", True, False)
    assert sim.metrics()["redispatched"] == 1


def test_restore_server_brings_a_table_back_empty():
    sim = restaurant("round_robin")
    outcome = sim.apply({"do": "crash_server", "server": "A"})
    assert outcome.remapped == 0
    outcome = sim.apply({"do": "restore_server", "server": "A"})
    assert outcome.summary == "Table A is back up (it was down)."
    assert sim.view()["tables"][0]["status"] == "up"
    assert sim.apply({"do": "restore_server", "server": "A"}).summary == "Table A is already up."


def test_change_ip_moves_only_mobile_customers():
    scenario = Scenario.from_dict({"clients": 100, "mobile_share": 0.3, "requests": 0})
    sim = Simulation(scenario)
    before = sim.view()["clients"]
    outcome = sim.apply({"do": "change_ip", "share": 1.0})
    after = sim.view()["clients"]
    mobile = [b["id"] for b in before if b["mobile"]]
    changed = [b["id"] for b, a in zip(before, after, strict=True) if b["ip"] != a["ip"]]
    assert changed == mobile
    assert outcome.details == {"clients": len(mobile)}
    assert all(
        a["network"] == "LTE" and a["ip"].startswith("172.") for a in after if a["id"] in mobile
    )


def test_change_ip_share_picks_a_fraction_of_the_mobile_customers():
    scenario = Scenario.from_dict({"clients": 1000, "mobile_share": 1.0, "requests": 0})
    outcome = Simulation(scenario).apply({"do": "change_ip", "share": 0.25})
    assert 200 <= outcome.details["clients"] <= 300


def test_clear_cookies_and_expire_sessions_touch_a_share_of_customers():
    scenario = Scenario.from_dict({"clients": 400, "requests": 0, "balancer": "cookie_insert"})
    sim = Simulation(scenario)
    assert sim.apply({"do": "clear_cookies", "share": 0.5}).details["clients"] in range(160, 241)
    assert sim.apply({"do": "expire_sessions"}).details["clients"] == 400


def test_expire_sessions_drops_cookies_stick_entries_and_learned_sessions():
    for balancer in ("cookie_insert", "stick_table", "session_id"):
        sim = restaurant(balancer)
        ids = customers(sim, 3)  # on A, B, C; round robin's next turn is D
        for c in ids:
            sim.request(c, "add_to_cart")
        outcome = sim.apply({"do": "expire_sessions"})
        assert outcome.remapped == 3, balancer
        after = [sim.request(c, "view_cart") for c in ids]
        assert [d.server for d in after] == ["D", "A", "B"], balancer
        assert all(d.cart_broken for d in after), balancer


def test_set_balancer_switches_the_host_rule():
    sim = restaurant("round_robin")
    ids = customers(sim, 10)
    for c in ids:
        sim.request(c, "browse")
    outcome = sim.apply({"do": "set_balancer", "balancer": "source_ip"})
    assert outcome.summary == (
        "The host now uses Source IP hash (HAProxy balance source (hash-type map-based)):"
        " the old host remembered no customer's table; no customer has a cart yet. The"
        " figures start again from here; the run's totals are kept."
    )
    assert outcome.remapped == 0  # round robin pinned nobody
    assert sim.view()["balancer"] == "source_ip"
    assert sim.metrics()["balancer"] == "round_robin"  # the run's balancer is the first one


def test_set_shared_sessions_turns_the_store_on_and_off():
    sim = restaurant("round_robin")
    (me,) = customers(sim)
    sim.request(me, "add_to_cart")
    sim.apply({"do": "set_shared_sessions", "value": True})
    assert sim.view()["clients"][0]["cart_table"] == "shared"
    assert not sim.request(me, "add_to_cart").cart_broken
    sim.apply({"do": "set_shared_sessions", "value": False})
    assert sim.view()["clients"][0]["cart_table"] == "B"
    assert sim.request(me, "view_cart").cart_broken


def test_a_spike_multiplies_the_arrival_rate():
    calm = Scenario.from_dict({"clients": 50, "requests": 1000})
    busy = calm.replace(events=[{"at": 0, "do": "spike", "factor": 2}])
    calm_time = Simulation(calm).step(1000)[-1].time_ms
    busy_sim = Simulation(busy)
    busy_time = busy_sim.step(1000)[-1].time_ms
    assert busy_time == pytest.approx(calm_time / 2, abs=0.1)
    assert busy_sim.metrics()["events"][0]["details"] == {"factor": 2.0, "rate": 400.0}


def test_a_bad_live_event_raises_and_changes_nothing():
    sim = restaurant("cookie_insert")
    ids = customers(sim, 3)
    for c in ids:
        sim.request(c, "add_to_cart")
    state = sim.to_dict()
    # Any: the last event is deliberately not a dict at all.
    bad: list[tuple[Any, str]] = [
        ({"do": "crash_server", "server": "Q"}, "event.server"),
        ({"do": "crash_server"}, "event.server"),
        ({"do": "explode"}, "event.do"),
        ({"do": "change_ip", "share": 2}, "event.share"),
        ({"do": "spike", "factor": "lots"}, "event.factor"),
        ({"do": "add_server", "colour": "red"}, "event.colour"),
        ("add_server", "event"),
    ]
    for event, field in bad:
        with pytest.raises(ScenarioError) as caught:
            sim.apply(event)
        assert caught.value.field == field
    assert sim.to_dict() == state


def test_client_events_act_on_one_customer():
    sim = restaurant("cookie_insert")
    first, second = customers(sim, 2)
    sim.request(first, "browse")
    sim.request(second, "browse")
    ip_before = sim.view()["clients"][1]["ip"]
    outcome = sim.client_event(second, "change_ip")
    assert outcome.details == {"clients": 1}
    assert sim.view()["clients"][1]["ip"] != ip_before
    assert sim.view()["clients"][0]["ip"] != sim.view()["clients"][1]["ip"]
    with pytest.raises(ScenarioError) as caught:
        sim.client_event(3, "change_ip")
    assert (caught.value.field, caught.value.value) == ("client", 3)
    with pytest.raises(ScenarioError):
        sim.client_event(first, "crash_server")


def test_a_single_remapped_customer_is_told_in_the_singular():
    sim = Simulation(scenario_from_preset("ecommerce_cart", clients=1, events=[]))
    sim.step(5)
    table = sim.view()["clients"][0]["last_table"]
    outcome = sim.apply({"do": "crash_server", "server": table})
    assert outcome.remapped == 1
    # A cookie naming a crashed table pins nobody: the host has no table, not another one.
    assert outcome.summary.endswith(
        " 1 returning customer will be seated afresh: the host no longer has a table for them."
    )
    hashed = Simulation(scenario_from_preset("mobile_ip_change", clients=1, events=[]))
    hashed.step(5)
    table = hashed.view()["clients"][0]["last_table"]
    outcome = hashed.apply({"do": "crash_server", "server": table})
    assert outcome.summary.endswith(" 1 returning customer would now go to a different table.")


def test_every_event_name_has_exactly_one_kind_in_the_same_order():
    from lbteach.sim.event_fields import EVENT_TYPES
    from lbteach.sim.events import EVENT_KINDS

    assert tuple(EVENT_KINDS) == EVENT_TYPES
    assert all(kind.do == do for do, kind in EVENT_KINDS.items())
