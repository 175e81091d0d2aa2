"""The scene draws what the engine did: stranded carts, new empty carts, lost carts, a pantry."""

from __future__ import annotations

import json

import lxml.etree
import lxml.html
from django.template.loader import render_to_string

from lbteach.classroom.room import STUDENT, ClassRoom
from lbteach.lab.actions import Sender
from lbteach.lab.frames import MARK_SECONDS, mark_ticks, remember_scenes, room_context
from lbteach.lab.room import LabSetup, Room
from lbteach.live.commands import Command
from lbteach.scene.layout import COMPACT_TEXT, WHY_CHAR_W
from lbteach.scene.memory import MARK_TICKS
from lbteach.scene.svg import scene_svg
from lbteach.scene.words import reasons
from lbteach.sim import BALANCERS


def scene(room: Room) -> lxml.html.HtmlElement:
    """The scene as the room's next frame draws it: its memory brought up to date, then drawn."""
    remember_scenes(room)
    context = room_context(room)
    r = context["restaurants"][0]
    html = render_to_string("lab/live.html#floor", {**context, "r": r})
    return lxml.html.fragment_fromstring(html).find_class("scene")[0]


def floor_html(room: Room) -> str:
    context = room_context(room)
    return render_to_string("lab/live.html#floor", {**context, "r": context["restaurants"][0]})


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
        scene(room)  # a frame follows every change, as in the live room
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


def marks(svg) -> list:
    return svg.xpath(".//*[@data-break-of]")


def count_on_scene(svg, name: str) -> int:
    return int(svg.xpath(f'.//*[@data-count="{name}"]')[0].text)


def broken_room(*more) -> Room:
    """Source IP hashing, carts filled, then every mobile customer's address changes."""
    return run("source_ip", *["tick"] * 10, Command("change_ip", {}), *more)


def first_break(room: Room) -> dict:
    return next(m for m in room.restaurants[0].scene.marks if "of" in m)


def test_a_break_is_drawn_as_the_customer_at_the_new_table_an_arrow_and_plain_words():
    room = broken_room("tick")
    svg = scene(room)
    mark = first_break(room)
    who, new, old = mark["of"], mark["to"], mark["from"]
    label = svg.xpath(f'.//text[@data-break-of="{who}"]')[0].text
    assert label == f"{who}: new IP → {new}; cart left at {old}"
    arrow = svg.xpath(f'.//g[@data-break-of="{who}"]/path')[0]
    figure = svg.xpath(f'.//*[@data-table="{new}"]/ancestor::svg//*[@data-customer="{who}"]')[0]
    x, y = figure.get("transform").removeprefix("translate(").rstrip(")").split()
    assert arrow.get("d").startswith(f"M{x} {y} L")  # from the customer, seated
    assert table_of_seat(svg, int(x), int(y)) == new
    left = svg.xpath(f'.//*[@data-table="{old}"]//*[@data-cart="stranded"][@data-cart-of="{who}"]')
    assert "marked" in left[0].get("class")  # the cart the arrow points at
    new_cart = svg.xpath(f'.//*[@data-table="{new}"]//*[@data-cart-of="{who}"]')
    assert [c.get("data-cart") for c in new_cart] == ["broken"]
    assert count_on_scene(svg, "breaks") == room.restaurants[0].sim.view()["metrics"]["cart_breaks"]


def table_of_seat(svg, x: int, y: int) -> str:
    """The table whose cell holds the point (x, y)."""
    for table in svg.xpath(".//*[@data-table]"):
        tx, ty = map(int, table.get("transform").removeprefix("translate(").rstrip(")").split())
        if tx <= x <= tx + 200 and ty <= y <= ty + 172:
            return table.get("data-table")
    raise AssertionError(f"no table at {x} {y}")


def test_a_break_stays_an_event_for_its_ticks_then_settles_into_the_stranded_cart():
    room = broken_room("tick")
    mark = first_break(room)
    born = room.restaurants[0].scene.tick
    for _ in range(MARK_TICKS - 1 - (room.restaurants[0].scene.tick - born)):
        room.tick()
        assert marks(scene(room)), "the break is still an event"
    shown = [m for m in room.restaurants[0].scene.marks if m == mark]
    assert shown == [mark]
    room.tick()
    svg = scene(room)
    assert mark not in room.restaurants[0].scene.marks
    old = mark["from"]
    left = svg.xpath(f'.//*[@data-table="{old}"]//*[@data-cart-of="{mark["of"]}"]')
    assert [c.get("data-cart") for c in left] == ["stranded"]


def test_a_break_mark_lasts_at_least_three_seconds_of_live_ticks(settings):
    for seconds in (0.5, 0.1, 1.0):
        settings.LIVE_TICK_SECONDS = seconds
        assert mark_ticks() * seconds >= MARK_SECONDS == 3.0
    settings.LIVE_TICK_SECONDS = 0.5
    assert mark_ticks() == MARK_TICKS


def test_drawing_a_moment_twice_counts_one_tick():
    room = broken_room("tick")
    memory = room.restaurants[0].scene
    before = (memory.tick, [dict(m) for m in memory.marks], str(memory.chairs))
    scene(room)
    scene(room)
    assert (memory.tick, memory.marks, str(memory.chairs)) == before


def test_a_crash_is_named_on_the_floor_with_the_carts_it_took():
    room = run("cookie_insert", *["tick"] * 10, Command("pause", {}))
    held = len(room.restaurants[0].sim.view()["tables"][0]["carts"])
    room.apply(Command("crash_table", {"server": "A"}))
    svg = scene(room)
    label = svg.xpath('.//text[@data-crash-of="A"]')[0].text
    assert label == f"A crashed: {held} carts lost"
    assert (
        count_on_scene(svg, "lost")
        == held
        == room.restaurants[0].sim.view()["metrics"]["carts_lost"]
    )


def test_customers_sit_at_the_chairs_of_the_table_they_last_sat_at():
    room = run("cookie_insert", *["tick"] * 12)
    svg = scene(room)
    view = room.restaurants[0].sim.view()
    chairs = {(62, 22), (138, 22), (62, 100), (138, 100)}
    for table in svg.xpath(".//*[@data-table]"):
        name = table.get("data-table")
        tx, ty = map(int, table.get("transform").removeprefix("translate(").rstrip(")").split())
        seated = [
            f
            for f in svg.xpath(".//*[@data-customer]")
            if table_of_seat(svg, *map(int, f.get("transform")[10:-1].split())) == name
        ]
        spots = {
            (int(x) - tx, int(y) - ty)
            for x, y in (f.get("transform")[10:-1].split() for f in seated)
        }
        assert spots <= chairs
        assert len(spots) == len(seated) <= 4
        here = [c["id"] for c in view["clients"] if c["last_table"] == name]
        assert {int(f.get("data-customer")) for f in seated} <= set(here)
        queue = table.xpath('.//text[@class="queue"]')
        said = [w for w in (queue[0].text if queue else "").split(" · ") if w.endswith("here")]
        expected = [f"+{len(here) - len(seated)} here"] if len(here) > len(seated) else []
        assert said == expected


def test_the_counters_on_the_scene_equal_the_metrics_after_every_event():
    room = broken_room("tick", Command("crash_table", {"server": "B"}), "tick", "tick")
    svg = scene(room)
    metrics = room.restaurants[0].sim.view()["metrics"]
    assert count_on_scene(svg, "breaks") == metrics["cart_breaks"] > 0
    assert count_on_scene(svg, "lost") == metrics["carts_lost"] > 0


def test_the_hosts_reason_is_never_cut():
    for balancer in BALANCERS:
        room = run(balancer, *["tick"] * 6, Command("crash_table", {"server": "A"}), "tick")
        for _ in range(6):
            room.tick()
            svg = scene(room)
            said = [t.text_content() for t in svg.xpath('.//text[contains(@class, "says")]')]
            assert len(said) <= 2, (balancer, said)
            words = " ".join(" ".join(said).split())
            assert "…" not in words, (balancer, said)
            last = room.restaurants[0].last_decision
            assert last is not None
            who = f"Host: customer {last.client} → table {last.server}."
            assert words.startswith(who)
            assert words.removeprefix(who).strip() in reasons(last), (balancer, said)
            for line in said:
                assert len(line) <= (558 - 16) / (WHY_CHAR_W * COMPACT_TEXT), (balancer, line)


class NamedRoom(Room):
    names: dict[int, str] = {}

    def scene_names(self) -> dict[int, str]:
        return self.names


def test_a_class_finds_its_nicknames_at_the_tables_and_a_count_past_sixty():
    room = NamedRoom("n", LabSetup("ecommerce_cart", ("cookie_insert",), seed=3, customers=70))
    room.speed = 10
    for _ in range(30):
        room.tick()
    names = room.names = {c: f"Student{c:02d}x" for c in range(1, 71)}
    context = room_context(room)
    html = render_to_string("lab/live.html#floor", {**context, "r": context["restaurants"][0]})
    svg = lxml.html.fragment_fromstring(html).find_class("scene")[0]
    listed = svg.xpath('.//text[contains(@class, "nick")][not(contains(@class, "more"))]')
    assert len(listed) <= 60
    view = room.restaurants[0].sim.view()
    for text in listed:
        who = int(text[0].text)
        assert text[0].tail == f" Student{who:02d}x"[:10]  # nine letters at most
        assert view["clients"][who - 1]["last_table"] == table_of(text)
    more = sum(int(t.text.split()[0][1:]) for t in svg.xpath('.//text[@class="nick more"]'))
    past = svg.xpath('.//text[contains(@class, "names-more")]')
    past_n = int(past[0].text.split()[0][1:]) if past else 0
    assert len(listed) + more + past_n == 70
    assert names[1] == "Student01x"
    lab = Room("l", LabSetup("ecommerce_cart", ("cookie_insert",), seed=3, customers=70))
    lab.tick()
    assert "nick" not in render_to_string(
        "lab/live.html#floor", {**room_context(lab), "r": room_context(lab)["restaurants"][0]}
    )


def test_a_class_room_names_each_students_customer():
    room = ClassRoom("c")
    room.seat(1, "Ana")
    room.seat(2, "Ben")
    assert room.scene_names() == {room.seats[1].customer: "Ana", room.seats[2].customer: "Ben"}
    room.tick()
    room.apply(Command("add_to_cart", {}), Sender(STUDENT, 1))
    room.tick()
    context = room_context(room)
    scene_html = render_to_string(
        "lab/live.html#floor", {**context, "r": context["restaurants"][0]}
    )
    assert " Ana</text>" in scene_html


def test_a_burst_of_breaks_shows_each_one_for_its_full_time_in_turn():
    room = broken_room()
    seen: list[list[str]] = []
    for _ in range(40):
        room.tick()
        seen.append([t.get("data-break-of") for t in scene(room).xpath(".//text[@data-break-of]")])
    shown = {who for frame in seen for who in frame}
    assert len(shown) >= 3  # a burst, not one break
    for who in shown:
        frames = [i for i, frame in enumerate(seen) if who in frame]
        assert frames == list(range(frames[0], frames[0] + len(frames)))  # shown without a gap
        assert len(frames) == MARK_TICKS or frames[-1] == len(seen) - 1, (who, frames)


def test_a_crash_takes_the_marks_of_the_carts_it_held_and_arrows_start_at_a_customer():
    room = broken_room("tick")
    mark = first_break(room)
    room.apply(Command("crash_table", {"server": mark["from"]}))
    svg = scene(room)
    marks_left = room.restaurants[0].scene.marks
    assert [m for m in marks_left if m.get("from") == mark["from"]] == []
    assert svg.xpath(f'.//text[@data-crash-of="{mark["from"]}"]')
    for arrow in svg.xpath(".//g[@data-break-of]"):
        who = arrow.get("data-break-of")
        x, y = arrow.xpath("./circle")[0].get("cx"), arrow.xpath("./circle")[0].get("cy")
        figure = svg.xpath(f'.//*[@data-customer="{who}"]')[0]
        assert figure.get("transform") == f"translate({x} {y})"


def test_customers_seated_where_the_scene_did_not_see_it_still_take_free_chairs():
    """A phone's tap or a restored run seats customers the scene's memory never saw: they
    still sit at the table's free chairs, and only the rest are '+N here'."""
    room = run("cookie_insert", *["tick"] * 12)
    room.restaurants[0].scene.chairs.clear()  # as after a restore from an older save
    svg = scene(room)
    view = room.restaurants[0].sim.view()
    for table in svg.xpath(".//*[@data-table]"):
        name = table.get("data-table")
        here = [c["id"] for c in view["clients"] if c["last_table"] == name]
        drawn = [
            int(f.get("data-customer"))
            for f in svg.xpath(".//*[@data-customer]")
            if int(f.get("data-customer")) in here
        ]
        assert len(drawn) == min(len(here), 4), (name, here, drawn)
        queue = table.xpath('.//text[@class="queue"]')
        said = [w for w in (queue[0].text if queue else "").split(" · ") if w.endswith("here")]
        assert said == ([f"+{len(here) - 4} here"] if len(here) > 4 else [])
    assert room.restaurants[0].scene.chairs == {}  # drawing changed nothing it remembers


def test_drawing_reads_the_scene_memory_and_changes_nothing():
    """Rendering is pure: drawing a moment twice gives the same HTML and leaves the memory as
    the last frame left it, even when the room moved since (only a frame remembers)."""
    room = broken_room("tick")
    room.apply(Command("crash_table", {"server": first_break(room)["from"]}))
    remember_scenes(room)
    room.tick()
    memory = room.restaurants[0].scene
    before = json.dumps(memory.to_dict(), sort_keys=True)
    drawn = [floor_html(room), floor_html(room)]
    assert drawn[0] == drawn[1]
    assert json.dumps(memory.to_dict(), sort_keys=True) == before
    assert 'data-cart="lost"' in drawn[0]
    remember_scenes(room)  # the next frame
    assert json.dumps(memory.to_dict(), sort_keys=True) != before


def test_the_scene_svg_escapes_the_words_it_is_given_and_is_well_formed():
    """The SVG is built without the template engine (lbteach/scene/svg.py): words that come
    from people (nicknames) or settings still arrive escaped, and the markup parses as XML."""
    room = NamedRoom("e", LabSetup("ecommerce_cart", ("cookie_insert",), seed=3, customers=6))
    room.speed = 10
    for _ in range(3):
        room.tick()
    room.names = {1: '<b>"Al"&', 2: "O'Neil"}
    remember_scenes(room)
    scene = room_context(room)["restaurants"][0]["scene"]
    svg = scene_svg(scene, "left-", "Tom & <Jerry>")
    assert "<b>" not in svg
    root = lxml.etree.fromstring(svg.strip())
    assert root.findtext("title") == "Tom & <Jerry>"
    nicks = ["".join(t.itertext()) for t in root.iter("text") if t.get("class") == "nick"]
    assert sorted(nicks) == ['1 <b>"Al"&', "2 O'Neil"]
