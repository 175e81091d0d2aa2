"""What the lab says never contradicts itself, and every count has the right plural."""

from __future__ import annotations

import html
import re

from django.template.loader import render_to_string

from lbteach.lab.frames import remember_scenes, room_context
from lbteach.lab.room import Room
from lbteach.lab.sharelink import LabSetup
from lbteach.live.commands import Command
from tests.text import search


def region(room: Room, name: str) -> str:
    """The region as the room's next frame shows it (the frame first updates the scene's memory)."""
    remember_scenes(room)
    context = room_context(room)
    return render_to_string(f"lab/live.html#{name}", {**context, "r": context["restaurants"][0]})


def words(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def ticks(room: Room, count: int) -> None:
    for _ in range(count):
        room.tick()
        region(room, "floor")  # a frame every tick; the scene remembers what it drew


def narration(room: Room) -> list[str]:
    return [line for _, line in room.restaurants[0].narration]


def stranded_room() -> Room:
    """Source IP hashing after Change IPs: four carts stranded at tables C and D."""
    room = Room("w", LabSetup("mobile_ip_change", ("source_ip",), seed=11, customers=30))
    ticks(room, 40)
    room.apply(Command("change_ip", {}))
    ticks(room, 20)
    return room


def test_stranded_carts_show_while_each_cart_lives_at_one_table():
    room = stranded_room()
    summary = search(r"<desc [^>]*>(.*?)</desc>", region(room, "floor"))
    assert summary == (
        "30 customers. Table A open, seated: 30 3 18 23, 3 carts;"
        " Table B open, seated: 9 24 27 16, 1 cart;"
        " Table C open, seated: 6 29 4 13, 5 carts, 3 stranded;"
        " Table D open, seated: 1 28 2 11, 6 carts, 6 waiting, 1 stranded."
        " 4 cart breaks, 0 lost carts. Just now: 30: new IP → A; cart left at D."
    )


def test_the_shared_store_forgets_the_stranded_carts_so_no_table_shows_any():
    room = stranded_room()
    assert room.apply(Command("shared_sessions", {"shared_sessions": True})) == (
        "Shared session store on."
    )
    assert narration(room)[-1] == (
        "Carts now live in a shared session store that every table reads."
        " The 4 stranded carts the tables held are forgotten."
    )
    floor = region(room, "floor")
    assert "stranded" not in floor
    assert "Table C open, seated: 6 29 4 13, 0 carts;" in words(floor)
    assert "The shared store holds 15 carts." in words(floor)
    assert "cart left at" not in words(floor)  # the break's mark goes with the stranded cart
    ticks(room, 20)
    assert "stranded" not in region(room, "floor")


def test_a_crash_with_the_shared_store_loses_nothing_anywhere_on_the_page():
    setup = LabSetup("ecommerce_cart", ("cookie_insert",), seed=5, customers=20)
    room = Room("s", LabSetup(**{**setup.__dict__, "shared_sessions": True}))
    ticks(room, 30)
    assert room.apply(Command("crash_table", {"server": "B"})) == (
        "Table B crashed; carts live in the shared store, so none was lost."
        " 5 returning customers will be seated afresh: the host no longer has a table for them."
    )
    ticks(room, 60)
    floor = region(room, "floor")
    assert 'data-cart="lost"' not in floor
    # The scene's counter says none was lost, and nothing else speaks of a loss.
    assert search(r'data-count="lost">(\d+)<', floor) == "0"
    assert words(floor).count("lost") == words(floor).count("0 lost carts") == 2
    assert [line for line in narration(room) if "lost" in line] == [
        "Table B crashed; carts live in the shared store, so none was lost."
        " 5 returning customers will be seated afresh: the host no longer has a table for them."
    ]
    assert words(region(room, "metrics")).startswith("Metrics Cart breaks 0 Lost carts 0 ")


def test_one_customer_is_one_customer_everywhere():
    room = Room("o", LabSetup("ecommerce_cart", ("cookie_insert",), customers=1))
    ticks(room, 3)
    floor = words(region(room, "floor"))
    assert floor.startswith("The floor · Cookie insert 1 customer The restaurant, seen from above")
    assert "1 customer." in floor
    assert "1 customers" not in floor
    context = room_context(room)
    meta = words(render_to_string("lab/live.html#frame_meta", context))
    assert meta.startswith(f"Running Speed 2 · 2 requests a tick 1 customer · {room.requests} ")


def test_the_chart_counts_one_break_as_one_break():
    room = Room("b", LabSetup("ecommerce_cart", ("cookie_insert",), customers=10))
    room.restaurants[0].history.extend([(4, 0), (4, 1), (4, 0)])
    assert "; 1 break in this window." in region(room, "metrics")
    room.restaurants[0].history.append((4, 2))
    assert "; 3 breaks in this window." in region(room, "metrics")
