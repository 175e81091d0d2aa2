"""The scene draws what the engine did: stranded carts, new empty carts, lost carts, a pantry."""

from __future__ import annotations

import lxml.html
from django.template.loader import render_to_string

from lbteach.lab.commands import Command
from lbteach.lab.frames import room_context
from lbteach.lab.room import LabSetup, Room


def scene(room: Room) -> lxml.html.HtmlElement:
    context = room_context(room)
    r = context["restaurants"][0]
    html = render_to_string("lab/live.html#floor", {**context, "r": r})
    return lxml.html.fragment_fromstring(html).find_class("scene")[0]


def table_of(element) -> str:
    return next(a for a in element.iterancestors() if a.get("data-table")).get("data-table")


def carts(svg, state: str) -> list:
    return svg.xpath(f'.//*[@data-cart="{state}"]')


def run(balancer: str, *commands) -> Room:
    room = Room("t", LabSetup("mobile_ip_change", (balancer,), seed=11, customers=40))
    room.speed = 6
    for command in commands:
        if command == "tick":
            room.tick()
        else:
            room.apply(command)
        scene(room)  # the scene is drawn after every change, as the live room does
    return room


def test_changed_ips_under_source_ip_strand_a_cart_and_seat_its_customer_elsewhere():
    room = run("source_ip", *["tick"] * 10, Command("change_ip", {}), "tick", "tick")
    svg = scene(room)
    stranded = carts(svg, "stranded")
    assert stranded
    pairs: list[tuple[str, str]] = []
    for cart in stranded:
        customer = cart.get("data-cart-of")
        elsewhere = [
            c
            for c in svg.xpath(f'.//*[@data-cart-of="{customer}"]')
            if c.get("data-cart") != "stranded" and table_of(c) != table_of(cart)
        ]
        pairs.extend((table_of(cart), table_of(c)) for c in elsewhere)
    assert pairs, "a stranded cart's customer has a new cart at another table"
    assert "stranded" in svg.findtext("desc")


def test_changed_ips_under_cookie_insert_strand_nothing():
    room = run("cookie_insert", *["tick"] * 10, Command("change_ip", {}), "tick", "tick")
    svg = scene(room)
    assert carts(svg, "stranded") == []
    assert carts(svg, "broken") == []
    assert carts(svg, "kept")


def test_a_crash_drops_the_tables_carts_and_a_restore_clears_them():
    room = run("cookie_insert", *["tick"] * 10, Command("pause", {}))
    kept_at_a = len(scene(room).xpath('.//*[@data-table="A"]//*[@data-cart="kept"]'))
    room.apply(Command("crash_table", {"server": "A"}))
    svg = scene(room)
    table = svg.xpath('.//*[@data-table="A"]')[0]
    assert table.get("data-state") == "down"
    assert len(table.xpath('.//*[@data-cart="lost"]')) == kept_at_a > 0
    assert "falling" in table.get("class")
    room.apply(Command("restore_table", {"server": "A"}))
    assert carts(scene(room), "lost") == []


def test_customers_seated_this_tick_walk_in_from_the_door():
    room = run("round_robin", "tick")
    svg = scene(room)
    figures = svg.xpath(".//*[@data-customer]")
    assert 0 < len(figures) <= 16
    assert len(svg.get("data-walk-from").split()) == 4  # door x y, host x y
    assert svg.get("role") == "img"
    assert svg.findtext("title").endswith("Round robin")
