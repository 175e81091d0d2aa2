"""nginx ip_hash, checked against values worked out by hand from nginx's algorithm.

nginx (ngx_http_upstream_ip_hash_module.c): hash = 89; for each of the first three octets
hash = (hash * 113 + octet) % 6271; then w = hash % total_weight and walk the servers,
subtracting each weight until w < weight. A down server makes nginx rehash, continuing
from the current hash; after 20 failed rehashes, or with fewer than 2 servers, it falls
back to round robin.
"""

from __future__ import annotations

from lbteach.sim import route, scenario_from_preset
from lbteach.sim.hashing import nginx_ip_hash_round

# 10.1.2.3, first pass:
#   (89 * 113 + 10)   % 6271 = 10067  - 6271     = 3796
#   (3796 * 113 + 1)  % 6271 = 428949 - 68*6271  = 2521
#   (2521 * 113 + 2)  % 6271 = 284875 - 45*6271  = 2680
# Second pass (a rehash continues from 2680):
#   (2680 * 113 + 10) % 6271 = 302850 - 48*6271  = 1842
#   (1842 * 113 + 1)  % 6271 = 208147 - 33*6271  = 1204
#   (1204 * 113 + 2)  % 6271 = 136054 - 21*6271  = 4363
# Third pass:
#   (4363 * 113 + 10) % 6271 = 493029 - 78*6271  = 3891
#   (3891 * 113 + 1)  % 6271 = 439684 - 70*6271  = 714
#   (714 * 113 + 2)   % 6271 = 80684  - 12*6271  = 5432
FIRST, SECOND, THIRD = 2680, 4363, 5432
IP = 10 << 24 | 1 << 16 | 2 << 8 | 3


def test_one_pass_of_the_hash_matches_the_hand_arithmetic():
    assert nginx_ip_hash_round(89, IP) == FIRST
    assert nginx_ip_hash_round(FIRST, IP) == SECOND
    assert nginx_ip_hash_round(SECOND, IP) == THIRD


def test_three_equal_tables_pick_by_hash_modulo_three():
    # 2680 % 3 = 1 -> the second table, B.
    assert route("nginx_ip_hash", 3, "10.1.2.3") == (
        "B",
        "nginx ip_hash of 10.1.2.x -> 2680 % 3 = 1 -> table B",
    )


def test_only_the_first_three_octets_count():
    assert route("nginx_ip_hash", 3, "10.1.2.250")[0] == "B"
    assert route("nginx_ip_hash", 3, "10.1.2.77")[0] == "B"


def test_weights_walk_the_servers_by_weight():
    # Weights A=2, B=1, C=1: total 4, 2680 % 4 = 0; 0 < 2 so table A.
    assert route("nginx_ip_hash", 3, "10.1.2.3", weights=[2, 1, 1])[0] == "A"
    # Weights A=1, B=2, C=3: total 6, 2680 % 6 = 4; 4 - 1 (A) = 3, 3 - 2 (B) = 1 < 3 -> C.
    assert route("nginx_ip_hash", 3, "10.1.2.3", weights=[1, 2, 3])[0] == "C"


def test_a_down_table_makes_nginx_rehash_from_the_current_value():
    # 2680 % 3 = 1 -> B is down; rehash: 4363 % 3 = 1 -> B again; rehash: 5432 % 3 = 2 -> C.
    table, reason = route("nginx_ip_hash", 3, "10.1.2.3", down=["B"])
    assert table == "C"
    assert reason == (
        "nginx ip_hash of 10.1.2.x -> 2680 % 3 = 1 -> table B (down), rehash"
        " -> 4363 % 3 = 1 -> table B (down), rehash -> 5432 % 3 = 2 -> table C"
    )


def test_a_down_table_keeps_its_slot_so_other_customers_do_not_move():
    # Marking B down leaves the total weight at 3: 10.1.2.x mapped to B moves, but a
    # customer that hashed to A or C stays.
    for ip in ("10.0.0.1", "10.0.7.1", "172.20.3.9", "192.168.1.1"):
        before = route("nginx_ip_hash", 3, ip)[0]
        after = route("nginx_ip_hash", 3, ip, down=["B"])[0]
        if before != "B":
            assert after == before, ip


def test_fewer_than_two_tables_fall_back_to_round_robin():
    assert route("nginx_ip_hash", 1, "10.1.2.3") == (
        "A",
        "nginx ip_hash needs at least 2 tables, so it falls back to round robin:"
        " table A is next in turn",
    )


def test_after_twenty_rehashes_nginx_falls_back_to_round_robin():
    # With A and B down only C can serve; 10.1.2.x hashes to B, B, C: found on try 3.
    assert route("nginx_ip_hash", 3, "10.1.2.3", down=["A", "B"])[0] == "C"
    # With 25 of 26 tables down, some /24 misses the one up table in all 21 tries; round
    # robin then picks the only up table.
    for third in range(256):
        table, reason = route("nginx_ip_hash", 26, f"10.1.{third}.1", down=_all_but("Z"))
        if "falls back" in reason:
            assert table == "Z"
            assert "after 20 rehashes nginx falls back to round robin" in reason
            # 21 tries in all: the first three are spelled out, then the rest counted.
            assert reason.count("(down), rehash ->") == 3
            assert "... 18 more rehashes" in reason
            return
    raise AssertionError("no /24 needed more than 20 rehashes")


def _all_but(name: str) -> list[str]:
    return [chr(ord("A") + i) for i in range(26) if chr(ord("A") + i) != name]


def test_a_whole_slash_24_behind_one_proxy_lands_on_one_table():
    scenario = scenario_from_preset("proxy_single_ip", requests=2000)
    from lbteach.sim import Simulation

    result = Simulation(scenario).run()
    assert sorted(result.per_server.values()) == [0, 0, 0, 2000]
    assert result.imbalance == 4.0
