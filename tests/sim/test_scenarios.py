"""Scenarios: defaults, checks that name field, value and what is allowed, files, presets."""

from __future__ import annotations

import json

import pytest

from lbteach.sim import (
    PRESETS,
    Scenario,
    ScenarioError,
    Simulation,
    load_scenario,
    scenario_from_preset,
)

LESSON_SLUGS = {
    "what-is-load-balancing",
    "stateless-load-balancing",
    "stateful-load-balancing",
    "source-ip-affinity",
    "session-affinity",
    "restaurant-analogy",
    "some-servers-retain-seats",
    "microservices-and-hybrid",
    "hashing-and-scaling",
    "nat-and-hot-spots",
    "server-failure",
    "real-world-configuration",
    "choosing-a-strategy",
}


def test_the_example_from_the_issue_is_a_valid_scenario():
    scenario = Scenario.from_dict(
        {
            "balancer": "source_ip",
            "servers": 4,
            "clients": 200,
            "requests": 20000,
            "seed": 42,
            "mobile_share": 0.5,
            "nat_share": 0.0,
            "shared_sessions": False,
            "events": [
                {"at": 10000, "do": "change_ip", "share": 1.0},
                {"at": 12000, "do": "add_server"},
                {"at": 14000, "do": "crash_server", "server": "B"},
            ],
        }
    )
    assert scenario.events[1] == {"do": "add_server", "at": 12000, "weight": 1, "region": ""}
    assert scenario.weight_list == [1, 1, 1, 1]


def test_to_dict_round_trips():
    scenario = scenario_from_preset("drain_vs_crash", weights=[1, 2, 3, 4], max_idle_s=30)
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert json.loads(json.dumps(scenario.to_dict())) == scenario.to_dict()


def test_events_are_sorted_by_at_and_server_names_follow_added_tables():
    scenario = Scenario.from_dict(
        {
            "servers": 2,
            "events": [
                {"at": 500, "do": "crash_server", "server": "C"},
                {"at": 100, "do": "add_server"},
            ],
        }
    )
    assert [e["at"] for e in scenario.events] == [100, 500]


@pytest.mark.parametrize(
    ("data", "field", "value", "allowed"),
    [
        ({"balancer": "sticky"}, "balancer", "sticky", "one of round_robin, random"),
        ({"servers": 27}, "servers", 27, "a whole number from 1 to 26"),
        ({"servers": "4"}, "servers", "4", "a whole number from 1 to 26"),
        ({"servers": True}, "servers", True, "a whole number from 1 to 26"),
        ({"clients": 100_001}, "clients", 100_001, "a whole number from 0 to 100000"),
        ({"requests": 5_000_001}, "requests", 5_000_001, "from 0 to 5000000"),
        ({"mobile_share": 1.5}, "mobile_share", 1.5, "a number from 0 to 1"),
        ({"nat_share": -0.1}, "nat_share", -0.1, "a number from 0 to 1"),
        ({"shared_sessions": "yes"}, "shared_sessions", "yes", "true or false"),
        ({"colour": "red"}, "colour", "red", "known fields: addresses, arrival_rate"),
        ({"weights": [1, 2]}, "weights", [1, 2], "a list of 4 to 4 items"),
        ({"weights": [1, 1, 1, 11]}, "weights[3]", 11, "a whole number from 1 to 10"),
        ({"fallback": "source_ip"}, "fallback", "source_ip", "one of round_robin, random"),
        ({"nat_ip": "300.1.1.1"}, "nat_ip", "300.1.1.1", "an IPv4 address"),
        ({"regions": ["EU"]}, "regions[0]", "EU", "a short lowercase name"),
        ({"table_regions": ["eu", "eu", "eu", "mars"]}, "table_regions[3]", "mars", "one of eu"),
        ({"workload": "bank"}, "workload", "bank", "one of shop, search"),
        ({"max_idle_s": 0}, "max_idle_s", 0, "a number from 1 to 604800"),
        ({"events": {"at": 1}}, "events", {"at": 1}, "a list of 0 to 1000 items"),
        ({"events": [{"at": 1, "do": "explode"}]}, "events[0].do", "explode", "add_server"),
        ({"events": [{"do": "add_server"}]}, "events[0].at", None, "a whole number from 0"),
        (
            {"events": [{"at": 1, "do": "change_ip", "share": 2}]},
            "events[0].share",
            2,
            "a number from 0 to 1",
        ),
        (
            {"events": [{"at": 1, "do": "crash_server", "server": "E"}]},
            "events[0].server",
            "E",
            "one of A, B, C, D",
        ),
        (
            {"events": [{"at": 1, "do": "crash_server"}]},
            "events[0].server",
            None,
            "crash_server needs a table name: one of A, B, C, D",
        ),
        (
            {"events": [{"at": 1, "do": "add_server", "when": 3}]},
            "events[0].when",
            3,
            "known fields: at, do, region, weight",
        ),
        (
            {"events": [{"at": 1, "do": "set_balancer", "balancer": "magic"}]},
            "events[0].balancer",
            "magic",
            "one of round_robin",
        ),
        ({"events": [{"at": 1, "do": "spike", "factor": 0}]}, "events[0].factor", 0, "0.01"),
        ("not a table", "scenario", "not a table", "a table of fields"),
    ],
)
def test_a_bad_scenario_names_field_value_and_what_is_allowed(data, field, value, allowed):
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    error = caught.value
    assert (error.field, error.value) == (field, value)
    assert allowed in error.allowed
    assert str(error).startswith(f"{field}: {json.dumps(value)} is not allowed; allowed: ")


def test_adding_a_27th_table_is_refused():
    events = [{"at": 1, "do": "add_server"}] * 3
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict({"servers": 24, "events": events})
    assert caught.value.field == "events[2].do"
    assert "at most 26 tables" in caught.value.allowed


def test_every_preset_is_valid_runs_and_names_a_lesson():
    assert len(PRESETS) == 16
    for name, preset in PRESETS.items():
        assert preset.name == name
        assert preset.title
        assert len(preset.description) > 80
        assert preset.lesson in LESSON_SLUGS, name
        result = Simulation(scenario_from_preset(name, requests=2000)).run()
        assert result.requests == 2000, name


def test_the_presets_tell_their_stories():
    def run(name):
        return Simulation(scenario_from_preset(name)).run()

    assert run("round_robin_basics").cart_breaks > 4000
    assert run("product_search").cart_breaks == 0
    assert run("ecommerce_cart").cart_breaks == 0
    assert run("banking_login").cart_breaks == 0
    assert run("mobile_ip_change").cart_breaks > 20
    hot = run("nat_hot_spot")
    assert hot.imbalance > 2.5
    assert hot.latency_ms["p95"] > 10 * run("ecommerce_cart").latency_ms["p95"]
    assert run("proxy_single_ip").imbalance == 4.0
    assert run("cookie_cleared").cart_breaks > 20
    assert run("session_expired").cart_breaks > 100
    crash = run("server_crash")
    assert crash.carts_lost > 10
    assert crash.events[0]["remapped"] > 0
    shared = run("server_crash_shared")
    assert (shared.carts_lost, shared.cart_breaks) == (0, 0)
    drain = run("drain_vs_crash")
    assert drain.events[0]["details"]["server"] == "B"
    assert drain.carts_lost > 0
    assert drain.cart_breaks == 0
    assert (run("hybrid").cart_breaks, run("hybrid").carts_lost) == (0, 0)
    assert run("stick_table_expiry").cart_breaks > 100
    modulo = run("scale_out_modulo").events[0]["remapped"]
    consistent = run("scale_out_consistent").events[0]["remapped"]
    assert modulo > 0.6 * 200
    assert consistent < 0.35 * 200


def test_scenario_from_preset_applies_overrides_and_rejects_unknown_names():
    scenario = scenario_from_preset("ecommerce_cart", balancer="source_ip", clients=0, events=[])
    assert (scenario.balancer, scenario.clients, scenario.events) == ("source_ip", 0, ())
    assert scenario.name == "ecommerce_cart"
    with pytest.raises(ScenarioError) as caught:
        scenario_from_preset("nope")
    assert (caught.value.field, caught.value.value) == ("preset", "nope")


def test_load_scenario_reads_json_and_toml(tmp_path):
    as_json = tmp_path / "mine.json"
    as_json.write_text(json.dumps({"balancer": "stick_table", "servers": 3}))
    as_toml = tmp_path / "mine.toml"
    as_toml.write_text(
        'balancer = "stick_table"\nservers = 3\n\n[[events]]\nat = 5\ndo = "add_server"\n'
    )
    from_json = load_scenario(str(as_json), {"seed": 7, "clients": None})
    assert (from_json.name, from_json.balancer, from_json.seed) == ("mine", "stick_table", 7)
    from_toml = load_scenario(as_toml)
    assert from_toml.events == ({"do": "add_server", "at": 5, "weight": 1, "region": ""},)
    assert load_scenario("hybrid").shared_sessions is True


def test_load_scenario_explains_what_went_wrong(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    cases = [
        ("missing.json", "a readable file"),
        (str(broken), "valid JSON"),
        ("no_such_preset", "a preset name (round_robin_basics"),
    ]
    for name, allowed in cases:
        with pytest.raises(ScenarioError) as caught:
            load_scenario(name)
        assert caught.value.field == "scenario"
        assert allowed in caught.value.allowed
    wrong_field = tmp_path / "wrong.toml"
    wrong_field.write_text("servers = 0\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(wrong_field)
    assert (caught.value.field, caught.value.value) == ("servers", 0)
