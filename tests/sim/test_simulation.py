"""The Simulation API: determinism, live use, state, views and comparisons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lbteach.sim import (
    BALANCERS,
    Scenario,
    ScenarioError,
    Simulation,
    compare,
    scenario_from_preset,
)

from .helpers import customers, restaurant

RUN_KEYS = {
    "balancer",
    "requests",
    "per_server",
    "imbalance",
    "cart_breaks",
    "carts_lost",
    "sticky_ratio",
    "latency_ms",
    "events",
    "remapped_clients",
    "errors",
    "redispatched",
    "checkouts",
    "empty_checkouts",
    "shared_sessions",
}


def test_the_same_seed_gives_byte_identical_results():
    scenario = scenario_from_preset("mobile_ip_change", requests=5000)
    first = json.dumps(Simulation(scenario).run().to_dict(), sort_keys=True)
    second = json.dumps(Simulation(scenario).run().to_dict(), sort_keys=True)
    other_seed = json.dumps(Simulation(scenario.replace(seed=43)).run().to_dict(), sort_keys=True)
    assert first == second
    assert first != other_seed


def test_a_run_reports_every_documented_figure():
    result = Simulation(scenario_from_preset("server_crash", requests=12_000)).run().to_dict()
    assert set(result) == RUN_KEYS
    assert list(result) == sorted(result)
    assert set(result["latency_ms"]) == {"p50", "p95", "p99"}
    assert result["latency_ms"]["p50"] <= result["latency_ms"]["p95"] <= result["latency_ms"]["p99"]
    assert sum(result["per_server"].values()) + result["errors"] == 12_000
    assert result["remapped_clients"] == sum(e["remapped"] for e in result["events"])
    assert [e["do"] for e in result["events"]] == ["crash_server"]  # restore is at 15000
    assert result["imbalance"] == round(max(result["per_server"].values()) / (12_000 / 4), 3)


def test_stepping_and_running_make_the_same_decisions():
    scenario = scenario_from_preset("drain_vs_crash", requests=3000).replace(
        events=[
            {"at": 700, "do": "remove_server", "server": "B"},
            {"at": 1500, "do": "crash_server", "server": "C"},
            {"at": 2200, "do": "change_ip", "share": 0.5},
        ]
    )
    batch = Simulation(scenario)
    batch.run()
    stepped = Simulation(scenario)
    for size in (1, 699, 1, 1000, 1299):
        stepped.step(size)
    assert stepped.metrics() == batch.metrics()


def test_a_restored_simulation_makes_exactly_the_same_future_decisions():
    scenario = scenario_from_preset("stick_table_expiry", requests=4000, balancer="session_id")
    original = Simulation(scenario)
    original.step(1500)
    original.apply({"do": "crash_server", "server": "A"})
    saved = json.loads(json.dumps(original.to_dict()))
    restored = Simulation.from_dict(saved)
    assert [d.to_dict() for d in restored.step(800)] == [d.to_dict() for d in original.step(800)]
    assert restored.run().to_dict() == original.run().to_dict()
    assert restored.view() == original.view()


def test_from_dict_refuses_state_it_does_not_understand():
    with pytest.raises(ScenarioError) as caught:
        Simulation.from_dict({"version": 99})
    assert caught.value.field == "version"


def test_a_live_lab_starts_empty_and_adds_customers():
    sim = Simulation(scenario_from_preset("ecommerce_cart", clients=0, events=[]))
    assert sim.step(10) == []
    assert sim.add_clients(3) == [1, 2, 3]
    decisions = sim.step(10)
    assert [d.index for d in decisions] == list(range(10))
    assert {d.client for d in decisions} <= {1, 2, 3}
    assert sim.add_clients(2, auto=False) == [4, 5]
    assert all(d.client <= 3 for d in sim.step(50))


def test_every_decision_has_a_one_line_reason():
    for balancer in BALANCERS:
        sim = Simulation(scenario_from_preset("server_crash", balancer=balancer, requests=300))
        sim.apply({"do": "crash_server", "server": "B"})
        for decision in sim.step(150):
            assert decision.reason, balancer
            assert "\n" not in decision.reason
            assert decision.server in {"A", "B", "C", "D"}


def test_explicit_requests_check_client_and_action():
    sim = restaurant("round_robin")
    (me,) = customers(sim)
    # Any: the last client id is deliberately a string, not an int.
    cases: list[tuple[Any, str, str]] = [
        (2, "browse", "client"),
        (0, "browse", "client"),
        (me, "dance", "action"),
        ("1", "browse", "client"),
    ]
    for client, action, field in cases:
        with pytest.raises(ScenarioError) as caught:
            sim.request(client, action)
        assert caught.value.field == field
    assert sim.request(me, "checkout").action == "checkout"


def test_the_view_is_a_json_picture_of_the_restaurant():
    sim = restaurant("cookie_insert", nat_share=0.0, mobile_share=1.0, service_ms=60_000)
    ids = customers(sim, 3)
    sim.request(ids[0], "add_to_cart")
    sim.request(ids[0], "add_to_cart")
    view = sim.view()
    assert json.loads(json.dumps(view)) == json.loads(json.dumps(view))
    assert set(view) == {
        "balancer",
        "shared_sessions",
        "time_ms",
        "requests",
        "tables",
        "clients",
        "segment",
        "metrics",
        "totals",
    }
    table_a = view["tables"][0]
    assert table_a == {
        "name": "A",
        "status": "up",
        "weight": 1,
        "region": "eu",
        "in_flight": 2,
        "queue": 1,
        "served": 2,
        "carts": {1: 2},
        "stranded": 0,
    }
    me = view["clients"][0]
    assert {k: me[k] for k in ("id", "cookie", "cart_table", "cart_items", "last_table")} == {
        "id": 1,
        "cookie": "SERVERID=A; SESSION=s1",
        "cart_table": "A",
        "cart_items": 2,
        "last_table": "A",
    }
    assert [c["colour"] for c in view["clients"]] == [0, 1, 2]
    assert me["mobile"] is True
    assert me["behind_nat"] is False
    assert {
        "per_server",
        "imbalance",
        "cart_breaks",
        "carts_lost",
        "sticky_ratio",
        "p95_ms",
    } <= set(view["metrics"])
    # Before any balancer switch the segment is the whole run.
    assert view["segment"] == 0
    assert view["metrics"] == {**view["totals"], "since_request": 0, "since_ms": 0}


def test_compare_feeds_every_balancer_the_same_customers():
    scenario = scenario_from_preset(
        "mobile_ip_change", requests=4000, events=[{"at": 2000, "do": "change_ip"}]
    )
    runs = compare(scenario, ["source_ip", "cookie_insert", "round_robin"])
    assert [r.balancer for r in runs] == ["source_ip", "cookie_insert", "round_robin"]
    alone = Simulation(scenario.replace(balancer="cookie_insert")).run()
    assert runs[1].to_dict() == alone.to_dict()
    assert runs[1].cart_breaks == 0
    assert runs[0].cart_breaks > 0
    assert all(r.requests == 4000 for r in runs)
    with pytest.raises(ScenarioError) as caught:
        compare(scenario, ["source_ip", "nope"])
    assert (caught.value.field, caught.value.value) == ("balancers", "nope")


def test_progress_is_reported_during_a_run():
    seen = []
    Simulation(Scenario.from_dict({"requests": 20_000})).run(
        progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (20_000, 20_000)
    assert len(seen) >= 3


def test_stepping_and_running_agree_when_latencies_are_long():
    # The hot spot queues requests for seconds: the slow-latency buckets on both paths.
    scenario = scenario_from_preset("nat_hot_spot", requests=6000)
    batch = Simulation(scenario)
    batch.run()
    stepped = Simulation(scenario)
    decisions = stepped.step(6000)
    latencies = [d.latency_ms for d in decisions if d.latency_ms is not None]
    assert len(latencies) == len(decisions)  # none of them failed
    assert max(latencies) > 500  # beyond the 0.1 ms buckets (409.6 ms)
    assert stepped.metrics() == batch.metrics()


def test_a_room_driven_only_by_phones_still_sees_time_pass():
    sim = restaurant("round_robin")
    (me,) = customers(sim)
    decisions = [sim.request(me, "browse") for _ in range(400)]
    assert decisions[-1].time_ms > decisions[0].time_ms + 1000  # about 5 ms between requests
    assert sum(table["in_flight"] for table in sim.view()["tables"]) < 10


def test_the_fast_path_inlines_the_latency_bucket_constants():
    # Restaurant.serve spells these numbers out for speed; they must match bucket().
    from lbteach.sim.latency import LINEAR_BUCKETS, LINEAR_SCALE, LOG_SCALE, bucket

    assert (LINEAR_SCALE, LINEAR_BUCKETS, LOG_SCALE) == (10.0, 4096, 100.0)
    assert bucket(8.26) == 82
    assert bucket(409.59) == 4095
    assert bucket(409.6) == 4096 + 601
