"""Each balancer's characteristic behaviour, one story per test."""

from __future__ import annotations

import json
import re

from lbteach.sim import BALANCERS, Simulation, route, scenario_from_preset
from lbteach.sim.sticky import Remembered

from .helpers import customers, restaurant, seat, wait


def test_the_catalogue_lists_thirteen_balancers_by_kind():
    assert list(BALANCERS) == [
        "round_robin",
        "random",
        "least_connections",
        "power_of_two",
        "url_hash",
        "geo",
        "source_ip",
        "nginx_ip_hash",
        "source_ip_consistent",
        "nginx_hash_consistent",
        "stick_table",
        "cookie_insert",
        "session_id",
    ]
    stateless = [name for name, info in BALANCERS.items() if info.kind == "stateless"]
    assert stateless == list(BALANCERS)[:6]
    for info in BALANCERS.values():
        assert info.title
        assert info.imitates
        assert "\n" not in info.description


def test_round_robin_serves_tables_in_turn_and_breaks_carts():
    sim = restaurant("round_robin")
    (me,) = customers(sim)
    seats = [sim.request(me, "add_to_cart") for _ in range(5)]
    assert [d.server for d in seats] == ["A", "B", "C", "D", "A"]
    assert [d.cart_broken for d in seats] == [False, True, True, True, True]
    assert seats[1].carts_stranded_at == "A"
    assert seats[1].reason == "round robin: table B is next in turn"


def test_weighted_round_robin_is_nginx_smooth_order():
    sim = restaurant("round_robin", servers=3, weights=[3, 1, 1])
    (me,) = customers(sim)
    seats = [sim.request(me, "browse").server for _ in range(10)]
    assert seats == ["A", "B", "A", "C", "A"] * 2


def test_least_connections_fills_the_emptiest_table():
    # Requests a minute long: every one is still in flight when the next arrives.
    sim = restaurant("least_connections", servers=3, service_ms=60_000)
    ids = customers(sim, 6)
    seats = [seat(sim.request(c, "browse")) for c in ids]
    assert sorted(seats) == ["A", "A", "B", "B", "C", "C"]
    assert sim.view()["tables"][0]["in_flight"] == 2


def test_power_of_two_picks_the_less_busy_of_its_two_draws():
    sim = restaurant("power_of_two")
    ids = customers(sim, 40)
    for c in ids:
        decision = sim.request(c, "browse")
        match = re.match(
            r"two random choices \(textbook\): (\w) \((\d+) in flight\) vs (\w) \((\d+) in flight\)"
            r" -> table (\w)",
            decision.reason,
        )
        assert match is not None, decision.reason
        first, n1, second, n2, winner = match.groups()
        assert first != second
        assert winner == decision.server
        assert winner == (second if int(n2) < int(n1) else first)


def test_url_hash_sends_a_path_to_one_table_whoever_asks():
    sim = restaurant("url_hash")
    ids = customers(sim, 10)
    carts = {sim.request(c, "view_cart").server for c in ids}
    assert len(carts) == 1
    assert route("url_hash", 4, "10.0.0.1", path="/cart") == route(
        "url_hash", 4, "172.20.0.1", path="/cart"
    )


def test_geo_seats_customers_in_their_region_and_falls_back_to_the_nearest():
    sim = restaurant("geo", servers=3, regions=["eu", "us", "asia"], workload="search")
    ids = customers(sim, 30)
    by_region: dict[str, set[str | None]] = {}
    for c, client in zip(ids, sim.view()["clients"], strict=True):
        by_region.setdefault(client["region"], set()).add(sim.request(c, "browse").server)
    assert by_region == {"eu": {"A"}, "us": {"B"}, "asia": {"C"}}
    sim.apply({"do": "crash_server", "server": "C"})
    asia = [c for c, v in zip(ids, sim.view()["clients"], strict=True) if v["region"] == "asia"]
    decision = sim.request(asia[0], "browse")
    assert decision.server == "B"
    assert "no table up there, nearest region us" in decision.reason


def test_source_ip_hash_keeps_a_customer_on_one_table():
    sim = restaurant("source_ip")
    ids = customers(sim, 20)
    for c in ids:
        seats = {sim.request(c, action).server for action in ("browse", "add_to_cart", "view_cart")}
        assert len(seats) == 1
    assert sim.metrics()["cart_breaks"] == 0


def test_source_ip_breaks_carts_when_the_ip_changes_but_a_cookie_does_not():
    for balancer in ("source_ip", "cookie_insert"):
        sim = restaurant(balancer)
        ids = customers(sim, 40)
        before = {
            c: (sim.request(c, "add_to_cart").server, sim.view()["clients"][c - 1]["ip"])
            for c in ids
        }
        for c in ids:
            sim.client_event(c, "change_ip")
        after = {c: sim.request(c, "view_cart") for c in ids}
        broken = sorted(c for c, d in after.items() if d.cart_broken)
        if balancer == "cookie_insert":
            assert broken == []
            assert all(d.cart_items == 1 for d in after.values())
        else:
            # Exactly the customers whose new address hashes to another table.
            moved = sorted(
                c
                for c in ids
                if route("source_ip", 4, sim.view()["clients"][c - 1]["ip"])[0] != before[c][0]
            )
            assert broken == moved
            assert len(moved) > 20
            story = after[moved[0]].story
            assert story is not None
            assert "switched from Wi-Fi to LTE" in story
            assert story.endswith("Cart broken.")


def test_the_balance_algorithm_is_used_only_without_persistence():
    # HAProxy: requests carrying a cookie do not consume round-robin turns.
    sim = restaurant("cookie_insert")
    first, second = customers(sim, 2)
    assert [sim.request(first, "browse").server for _ in range(5)] == ["A"] * 5
    assert sim.request(second, "browse").server == "B"


def test_cookie_insert_names_the_table_in_its_reason():
    sim = restaurant("cookie_insert")
    (me,) = customers(sim)
    first = sim.request(me, "add_to_cart")
    assert first.reason == (
        "no SERVERID cookie; round robin: table A is next in turn; cookie SERVERID=A inserted"
    )
    assert sim.request(me, "view_cart").reason == "cookie SERVERID=A names table A"
    assert sim.view()["clients"][0]["cookie"] == "SERVERID=A; SESSION=s1"


def test_clearing_cookies_breaks_cookie_insert():
    sim = restaurant("cookie_insert")
    (me,) = customers(sim)
    sim.request(me, "add_to_cart")
    outcome = sim.client_event(me, "clear_cookies")
    assert outcome.summary.startswith("1 customer cleared their cookies.")
    assert outcome.remapped == 1
    decision = sim.request(me, "view_cart")
    assert (decision.server, decision.cart_broken, decision.carts_stranded_at) == ("B", True, "A")
    assert decision.story == (
        "Customer 1 cleared their cookies. No SERVERID cookie; round robin: table B is next in"
        " turn; cookie SERVERID=B inserted; the cart with 1 item is at table A. Cart broken."
    )


def test_max_idle_cookie_is_ignored_after_idling():
    sim = restaurant("cookie_insert", max_idle_s=10)
    (me,) = customers(sim)
    sim.request(me, "add_to_cart")
    wait(sim, 9)
    assert sim.request(me, "browse").server == "A"  # refreshes the idle clock
    wait(sim, 9)
    assert sim.request(me, "browse").server == "A"
    wait(sim, 11)
    late = sim.request(me, "view_cart")
    assert late.server == "B"
    assert late.cart_broken
    assert "ignored (idle for 11 s, past max_idle_s)" in late.reason


def test_max_life_cookie_expires_counted_from_when_it_was_set():
    sim = restaurant("cookie_insert", max_life_s=10)
    (me,) = customers(sim)
    sim.request(me, "add_to_cart")
    for _ in range(3):
        wait(sim, 3)
        assert sim.request(me, "browse").server == "A"
    wait(sim, 2)
    late = sim.request(me, "browse")
    assert late.server == "B"
    assert "set 11 s ago, past max_life_s" in late.reason


def test_stick_table_expiry_counts_from_the_last_use():
    sim = restaurant("stick_table", stick_expire_s=5)
    (me,) = customers(sim)
    assert sim.request(me, "add_to_cart").server == "A"
    wait(sim, 4)
    assert sim.request(me, "browse").server == "A"
    wait(sim, 4)  # 8 s after the entry was created, 4 s after its last use
    assert sim.request(me, "browse").server == "A"
    wait(sim, 6)
    late = sim.request(me, "view_cart")
    assert late.server == "B"
    assert late.cart_broken
    assert late.reason.startswith("the stick entry for ")
    assert "expired (unused for 6 s)" in late.reason


def test_stick_table_sends_everyone_behind_one_nat_to_one_table():
    sim = restaurant("stick_table", nat_share=1.0)
    ids = customers(sim, 12)
    assert {sim.request(c, "browse").server for c in ids} == {"A"}


def test_session_id_survives_an_ip_change_and_learns_the_session():
    sim = restaurant("session_id")
    (me,) = customers(sim)
    first = sim.request(me, "add_to_cart")
    assert first.reason == (
        "no session cookie yet; round robin: table A is next in turn; session s1 learned on table A"
    )
    sim.client_event(me, "change_ip")
    after = sim.request(me, "view_cart")
    assert (after.server, after.cart_broken, after.cart_items) == ("A", False, 1)
    assert after.reason == "session s1 was learned on table A"


def test_session_id_stays_on_the_new_table_after_the_old_one_returns():
    sim = restaurant("session_id")
    first, second = customers(sim, 2)
    sim.request(first, "browse")
    assert sim.request(second, "add_to_cart").server == "B"
    sim.apply({"do": "crash_server", "server": "B"})
    moved = sim.request(second, "browse")
    assert moved.redispatched
    assert moved.server == "C"
    sim.apply({"do": "restore_server", "server": "B"})
    assert sim.request(second, "browse").server == "C"


def test_session_id_forgets_an_idle_session():
    sim = restaurant("session_id", session_idle_s=600)
    (me,) = customers(sim)
    sim.request(me, "add_to_cart")
    wait(sim, 601)
    late = sim.request(me, "view_cart")
    assert late.server == "B"
    assert "session s1 was forgotten (idle 601 s)" in late.reason


def test_consistent_hashing_moves_few_customers_when_a_table_joins():
    modulo = scenario_from_preset("scale_out_modulo", requests=12_000)
    consistent = scenario_from_preset("scale_out_consistent", requests=12_000)
    moved_modulo = Simulation(modulo).run().events[0]["remapped"]
    moved_consistent = Simulation(consistent).run().events[0]["remapped"]
    assert moved_modulo > 2 * moved_consistent


def test_a_restored_stick_table_and_learned_sessions_still_decide():
    # Both hosts keep their memory in a `Remembered`, restored in place: the restored host
    # must route by the restored entries, not by an empty table.
    for balancer, reason in (
        ("stick_table", "stick table: "),
        ("session_id", "session s2 was learned on table B"),
    ):
        sim = restaurant(balancer)
        first, second = customers(sim, 2)
        sim.request(first, "browse")
        assert sim.request(second, "add_to_cart").server == "B"
        copy = Simulation.from_dict(json.loads(json.dumps(sim.to_dict())))
        again = copy.request(second, "view_cart")
        assert (again.server, again.cart_broken, again.cart_items) == ("B", False, 1), balancer
        assert again.reason.startswith(reason), balancer


def test_remembered_entries_go_stale_after_their_ttl():
    memory = Remembered(ttl=5000.0)
    memory.remember(7, 2, now=1000.0)
    assert memory.table(7, now=6000.0) == 2
    assert memory.table(7, now=6000.1) == -1
    assert memory.table(8, now=1000.0) == -1
    entries = memory.entries
    memory.load([[9, 1, 0.0]])
    assert memory.entries is entries  # loaded in place, so a host's binding stays valid
    assert memory.rows() == [[9, 1, 0.0]]
    memory.forget(9)
    assert memory.rows() == []
