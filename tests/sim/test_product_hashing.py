"""The hashing balancers decide as HAProxy and nginx do (tests/real checks the programs)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from lbteach.sim import ScenarioError, route, route_explained
from lbteach.sim.hashing import (
    crc32,
    full_hash,
    haproxy_map,
    haproxy_nearest,
    nginx_points,
    sdbm,
)
from lbteach.sim.model import table_address


def test_full_hash_is_haproxys_and_ends_with_its_multiply():
    assert [full_hash(0), full_hash(1), full_hash(167772167)] == [
        2874071335,
        881230262,
        2050063967,
    ]


def test_haproxy_map_divides_weights_by_their_gcd_and_fills_slots_as_lb_map():
    assert haproxy_map([0, 1, 2], [2, 1, 1]) == [0, 0, 1, 2]
    assert haproxy_map([0, 1], [2, 4]) == [0, 1, 1]
    assert haproxy_map([0, 1, 2, 3], [1, 2, 3, 1]) == [0, 1, 2, 1, 2, 2, 3]
    # A down table leaves the map; the GCD still counts every configured table.
    assert haproxy_map([0, 2], [2, 1, 1]) == [0, 0, 2]


def test_source_ip_reads_an_ipv4_address_as_a_number_so_neighbours_rotate():
    assert [route("source_ip", 3, f"10.0.0.{i}")[0] for i in range(1, 7)] == list("CABCAB")
    weighted = [route("source_ip", 3, f"10.0.0.{i}", weights=[2, 1, 1])[0] for i in range(4, 8)]
    assert weighted == list("AABC")
    assert route("source_ip", 3, "10.0.0.3", down=["B"]) == (
        "C",
        "HAProxy balance source (map-based): 10.0.0.3 is the number 167772163;"
        " 167772163 % 2 = 1 -> map slot 1 -> table C",
    )


def test_url_hash_is_sdbm_of_the_path_up_to_its_query():
    assert sdbm("/cart") == 2797479791
    assert route("url_hash", 3, "10.0.0.7", path="/search?q=a") == (
        "B",
        "HAProxy balance uri (map-based): sdbm(/search) = 3987606775;"
        " 3987606775 % 3 = 1 -> map slot 1 -> table B",
    )


def test_haproxy_consistent_takes_the_nearest_point_and_the_earlier_on_a_tie():
    keys = [100, 200, 300]
    assert [haproxy_nearest(keys, h) for h in (149, 150, 151, 250, 350, 10)] == [0, 0, 1, 1, 2, 0]
    assert route("source_ip_consistent", 3, "10.0.0.7") == (
        "B",
        "HAProxy balance source (hash-type consistent): full_hash(10.0.0.7) = 2050063967;"
        " the nearest ring point (2102342909) belongs to table B",
    )


def test_tables_have_addresses_and_nginx_builds_its_ring_from_them():
    assert [table_address(t) for t in (0, 1, 25)] == [
        "10.0.0.11:8080",
        "10.0.0.12:8080",
        "10.0.0.36:8080",
    ]
    assert table_address(1, ("127.0.0.1:1", "127.0.0.1:2")) == "127.0.0.1:2"
    assert crc32("10.0.0.7") == 3483198630
    assert nginx_points("10.0.0.11:8080", 1)[:3] == [273973139, 594318976, 1874614323]
    assert len(nginx_points("10.0.0.11:8080", 2)) == 320


def test_nginx_hash_consistent_passes_a_down_table_to_the_next_point():
    assert route("nginx_hash_consistent", 3, "10.0.0.7") == (
        "C",
        "nginx hash $remote_addr consistent: crc32(10.0.0.7) = 3483198630;"
        " next point 3490955902 -> table C",
    )
    assert route("nginx_hash_consistent", 3, "10.0.0.7", down=["C"]) == (
        "A",
        "nginx hash $remote_addr consistent: crc32(10.0.0.7) = 3483198630;"
        " next point 3490955902 -> table C (not up), next point 3497083011 -> table A",
    )
    other = route("nginx_hash_consistent", ["127.0.0.1:8001", "127.0.0.1:8002"], "10.0.0.7")
    assert other[0] in "AB"
    assert other[1] != route("nginx_hash_consistent", 2, "10.0.0.7")[1]


def test_route_explained_shows_the_arithmetic():
    table, _, lines = route_explained("source_ip", 3, "10.0.0.7", weights=[2, 1, 1])
    assert (table, lines) == (
        "C",
        [
            "HAProxy balance source, hash-type map-based (src/backend.c get_server_sh)",
            "key: 10.0.0.7 read as a 32-bit number = 167772167 (no avalanche by default)",
            "map (lb_map.c order, weights divided by their GCD): A A B C",
            "total weight of running tables = 4",
            "167772167 % 4 = 3 -> map slot 3 -> table C",
        ],
    )
    assert route_explained("round_robin", 3, "10.0.0.7")[2] == []


def test_the_route_command_takes_addresses_and_explains(capsys):
    call_command(
        "route",
        "--balancer",
        "nginx_hash_consistent",
        "--servers",
        "10.0.0.11:8080,10.0.0.12:8080,10.0.0.13:8080",
        "--ip",
        "10.0.0.7",
        "--explain",
        "--format",
        "json",
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["server"] == "C"
    assert printed["arithmetic"][1:3] == [
        'key: crc32("10.0.0.7") = 3483198630',
        "ring: 160 points per unit of weight from each address: A 10.0.0.11:8080,"
        " B 10.0.0.12:8080, C 10.0.0.13:8080",
    ]


@pytest.mark.parametrize(
    ("servers", "field", "value"),
    [
        (["10.0.0.1"], "addresses[0]", "10.0.0.1"),
        (["10.0.0.1:99999"], "addresses[0]", "10.0.0.1:99999"),
        (["10.0.0.1:80", "10.0.0.1:80"], "addresses", ["10.0.0.1:80", "10.0.0.1:80"]),
    ],
)
def test_a_bad_address_list_names_what_is_wrong(servers, field, value):
    with pytest.raises(ScenarioError) as caught:
        route("nginx_hash_consistent", servers, "10.0.0.7")
    assert (caught.value.field, caught.value.value) == (field, value)
