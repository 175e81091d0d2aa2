"""The two thin management commands: `simulate` and `route`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lbteach.sim import BALANCERS, PRESETS, Simulation, scenario_from_preset


def run(*args: str, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=kwargs.pop("stderr", io.StringIO()), **kwargs)
    return out.getvalue()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_simulate_prints_the_json_run_of_the_engine():
    printed = json.loads(
        run("simulate", "mobile_ip_change", "--requests", "3000", "--format", "json")
    )
    expected = Simulation(scenario_from_preset("mobile_ip_change", requests=3000)).run().to_dict()
    assert printed == expected


def test_simulate_json_is_byte_identical_for_the_same_seed():
    args = ("simulate", "cookie_cleared", "--requests", "12000", "--format", "json")
    assert run(*args) == run(*args)
    assert run(*args) != run(*args, "--seed", "7")


def test_simulate_overrides_the_scenario():
    printed = json.loads(
        run(
            "simulate",
            "round_robin_basics",
            "--balancer",
            "source_ip",
            "--servers",
            "3",
            "--clients",
            "20",
            "--requests",
            "500",
            "--seed",
            "3",
            "--format",
            "json",
        )
    )
    assert (printed["balancer"], printed["requests"]) == ("source_ip", 500)
    assert sorted(printed["per_server"]) == ["A", "B", "C"]


def test_simulate_compares_balancers_side_by_side():
    printed = json.loads(
        run(
            "simulate",
            "mobile_ip_change",
            "--requests",
            "12000",
            "--compare",
            "source_ip,cookie_insert",
            "--format",
            "json",
        )
    )
    assert [r["balancer"] for r in printed["runs"]] == ["source_ip", "cookie_insert"]
    assert printed["runs"][0]["cart_breaks"] > 0
    assert printed["runs"][1]["cart_breaks"] == 0
    table = run(
        "simulate",
        "mobile_ip_change",
        "--requests",
        "12000",
        "--compare",
        "source_ip,cookie_insert",
    )
    lines = table.splitlines()
    assert lines[0] == "Scenario mobile_ip_change: 4 tables, 200 customers, 12000 requests, seed 42"
    assert lines[1].split() == ["source_ip", "cookie_insert"]
    assert lines[4].split()[:2] == ["cart", "breaks"]
    assert any(line.startswith("[source_ip] at 10000: ") for line in lines)


def test_simulate_reads_a_scenario_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text('balancer = "stick_table"\nservers = 2\nclients = 10\nrequests = 100\n')
    printed = json.loads(run("simulate", str(path), "--format", "json"))
    assert (printed["balancer"], printed["requests"]) == ("stick_table", 100)


def test_simulate_lists_presets_and_balancers_one_per_line():
    lines = run("simulate", "--list").splitlines()
    for name in [*PRESETS, *BALANCERS]:
        assert sum(1 for line in lines if line.split()[0] == name) == 1, name
    assert len(lines) == 2 + len(PRESETS) + len(BALANCERS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no_such_preset",), 'scenario: "no_such_preset" is not allowed; allowed: a preset'),
        (("hybrid", "--balancer", "sticky"), 'balancer: "sticky" is not allowed; allowed: one of'),
        (
            ("hybrid", "--servers", "30"),
            "servers: 30 is not allowed; allowed: a whole number from 1 to 26",
        ),
        (("hybrid", "--requests", "6000000"), "requests: 6000000 is not allowed"),
        (("hybrid", "--compare", "round_robin,magic"), 'balancers: "magic" is not allowed'),
        ((), "scenario: nothing given"),
    ],
)
def test_a_bad_scenario_exits_with_status_2_naming_the_field(args, message):
    with pytest.raises(CommandError) as caught:
        run("simulate", *args)
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(message)


def test_a_bad_scenario_file_names_the_field(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"events": [{"at": 5, "do": "change_ip", "share": 1.5}]}))
    with pytest.raises(CommandError) as caught:
        run("simulate", str(path))
    assert caught.value.returncode == 2
    assert str(caught.value) == (
        "events[0].share: 1.5 is not allowed; allowed: a number from 0 to 1"
    )


def test_a_progress_bar_appears_only_on_a_terminal_for_long_runs():
    terminal = Terminal()
    run("simulate", "hybrid", "--requests", "200000", "--clients", "50", stderr=terminal)
    assert "100%" in terminal.getvalue()
    assert terminal.getvalue().startswith("\r[")
    quiet = Terminal()
    run("simulate", "hybrid", "--requests", "5000", stderr=quiet)
    assert quiet.getvalue() == ""
    piped = io.StringIO()
    run("simulate", "hybrid", "--requests", "200000", "--clients", "50", stderr=piped)
    assert piped.getvalue() == ""


def test_route_answers_with_the_table_and_the_reason():
    printed = json.loads(
        run(
            "route",
            "--balancer",
            "nginx_ip_hash",
            "--servers",
            "3",
            "--ip",
            "10.1.2.3",
            "--format",
            "json",
        )
    )
    assert printed == {
        "server": "B",
        "address": "10.0.0.12:8080",
        "reason": "nginx ip_hash of 10.1.2.x -> 2680 % 3 = 1 -> table B",
    }
    text = run(
        "route",
        "--balancer",
        "cookie_insert",
        "--servers",
        "4",
        "--ip",
        "10.0.0.1",
        "--cookie",
        "SERVERID=C",
    )
    assert text == "table C (10.0.0.13:8080): cookie SERVERID=C names table C\n"
    down = run(
        "route",
        "--balancer",
        "cookie_insert",
        "--servers",
        "4",
        "--ip",
        "10.0.0.1",
        "--cookie",
        "C",
        "--down",
        "C",
        "--persist",
    )
    assert down.startswith("table C (10.0.0.13:8080): ")
    path = run(
        "route",
        "--balancer",
        "url_hash",
        "--servers",
        "4",
        "--ip",
        "10.0.0.1",
        "--path",
        "/cart",
        "--weights",
        "1,1,2,1",
    )
    assert path.startswith("table ")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--balancer", "magic", "--servers", "3", "--ip", "10.0.0.1"), "balancer"),
        (("--balancer", "source_ip", "--servers", "3", "--ip", "10.0.0"), "ip"),
        (("--balancer", "source_ip", "--servers", "0", "--ip", "10.0.0.1"), "servers"),
        (("--balancer", "geo", "--servers", "3", "--ip", "10.0.0.1", "--region", "mars"), "region"),
        (("--balancer", "geo", "--servers", "3", "--ip", "10.0.0.1", "--down", "Q"), "down"),
        (
            ("--balancer", "geo", "--servers", "3", "--ip", "10.0.0.1", "--weights", "1,x,1"),
            "weights[1]",
        ),
    ],
)
def test_route_refuses_bad_input_with_status_2(args, field):
    with pytest.raises(CommandError) as caught:
        run("route", *args)
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(f"{field}: ")
