"""Properties that hold for any scenario hypothesis can think of (kept small: 2 cores)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbteach.sim import BALANCERS, Scenario, Simulation
from lbteach.sim.model import DOWN, UP

FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE_EVENTS = ("add_server", "remove_server", "crash_server", "restore_server")
CLIENT_EVENTS = ("change_ip", "clear_cookies", "expire_sessions")


@st.composite
def scenarios(draw, shared: bool | None = None, persist: bool | None = None) -> Scenario:
    servers = draw(st.integers(1, 6))
    requests = draw(st.integers(50, 600))
    events = []
    tables = servers
    for at in sorted(draw(st.lists(st.integers(0, requests), max_size=5))):
        do = draw(st.sampled_from(TABLE_EVENTS + CLIENT_EVENTS + ("set_balancer",)))
        event = {"at": at, "do": do}
        if do == "add_server":
            if tables == 26:
                continue
            tables += 1
        elif do in TABLE_EVENTS:
            event["server"] = chr(ord("A") + draw(st.integers(0, tables - 1)))
        elif do == "set_balancer":
            event["balancer"] = draw(st.sampled_from(list(BALANCERS)))
        else:
            event["share"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
        events.append(event)
    return Scenario.from_dict(
        {
            "balancer": draw(st.sampled_from(list(BALANCERS))),
            "fallback": draw(
                st.sampled_from(["round_robin", "random", "least_connections", "power_of_two"])
            ),
            "servers": servers,
            "weights": draw(st.lists(st.integers(1, 3), min_size=servers, max_size=servers)),
            "clients": draw(st.integers(1, 40)),
            "requests": requests,
            "seed": draw(st.integers(0, 2**32)),
            "mobile_share": draw(st.sampled_from([0.0, 0.5, 1.0])),
            "nat_share": draw(st.sampled_from([0.0, 0.3])),
            "shared_sessions": draw(st.booleans()) if shared is None else shared,
            "persist": draw(st.booleans()) if persist is None else persist,
            "max_idle_s": draw(st.sampled_from([None, 1, 5])),
            "stick_expire_s": draw(st.sampled_from([1, 1800])),
            "events": events,
        }
    )


@FEW
@given(scenarios())
def test_every_request_is_routed_once_to_a_table_that_can_serve_it(scenario):
    sim = Simulation(scenario)
    for _ in range(scenario.requests):
        sim._apply_due()  # events due at this index happen before the request
        status = list(sim.restaurant.status)
        decisions = sim.step(1)
        if not decisions:
            break
        (decision,) = decisions
        if decision.error:
            # Only `persist` to a dead table, or no table up at all, makes a request fail.
            assert scenario.persist or UP not in status
        else:
            assert decision.server is not None
            t = sim.restaurant.names.index(decision.server)
            assert t < len(status)
            assert status[t] != DOWN
    metrics = sim.metrics()
    assert sum(metrics["per_server"].values()) + metrics["errors"] == metrics["requests"]


@FEW
@given(scenarios(shared=True))
def test_shared_sessions_never_break_or_lose_a_cart(scenario):
    result = Simulation(scenario).run()
    assert (result.cart_breaks, result.carts_lost) == (0, 0)


@FEW
@given(scenarios())
def test_the_same_seed_gives_the_same_run(scenario):
    first = json.dumps(Simulation(scenario).run().to_dict())
    assert json.dumps(Simulation(scenario).run().to_dict()) == first


@FEW
@given(scenarios(), st.integers(1, 200))
def test_stepping_equals_running(scenario, first_step):
    batch = Simulation(scenario)
    batch.run()
    stepped = Simulation(scenario)
    stepped.step(min(first_step, scenario.requests))
    stepped.run()  # finishes the rest in batch, applying events on the same indexes
    assert stepped.metrics() == batch.metrics()


@FEW
@given(scenarios(), st.integers(0, 300))
def test_a_restored_simulation_continues_identically(scenario, split):
    original = Simulation(scenario)
    original.step(split)
    restored = Simulation.from_dict(json.loads(json.dumps(original.to_dict())))
    ahead = [d.to_dict() for d in original.step(100)]
    assert [d.to_dict() for d in restored.step(100)] == ahead


@settings(max_examples=8, deadline=None)
@given(st.integers(3, 10), st.integers(0, 1000))
def test_adding_a_table_moves_about_one_in_n_plus_one_with_consistent_hashing(n, seed):
    def moved(balancer: str) -> float:
        scenario = Scenario.from_dict(
            {
                "balancer": balancer,
                "servers": n,
                "clients": 400,
                "requests": 4000,
                "seed": seed,
                "mobile_share": 0.0,
                "events": [{"at": 4000, "do": "add_server"}],
            }
        )
        # 4000 requests from 400 customers: practically every customer has been seen.
        return Simulation(scenario).run().events[0]["remapped"] / 400

    consistent = moved("source_ip_consistent")
    modulo = moved("source_ip")
    assert 0.2 / (n + 1) <= consistent <= 2.0 / (n + 1)
    assert modulo >= 0.6
