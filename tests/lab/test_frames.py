"""Frames applied to the page by id give exactly what a fresh render of the same state shows."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.template.loader import render_to_string

from lbteach.lab import frames
from lbteach.lab.frames import FrameRenderer
from lbteach.lab.room import LabSetup, Room
from lbteach.lab.views import page_context
from lbteach.live.commands import Command
from lbteach.live.room import NARRATION_LINES
from lbteach.scene import svg
from tests.text import search


def render_page(room: Room) -> lxml.html.HtmlElement:
    html = render_to_string("lab/page.html", page_context(room))
    return lxml.html.document_fromstring(html)


def apply_frame(document: lxml.html.HtmlElement, frame: str) -> None:
    """Swap a frame into the page the way htmx's ws extension does, then trim like live.js."""
    for element in lxml.html.fragments_fromstring(frame):
        swap = element.attrib.pop("hx-swap-oob", "true")
        if swap == "true":
            target = document.get_element_by_id(element.get("id"))
            element.tail = target.tail
            target.getparent().replace(target, element)
        else:
            style, selector = swap.split(":", 1)
            assert style == "beforeend", swap
            target = document.get_element_by_id(selector.lstrip("#"))
            for child in list(element):
                target.append(child)
    for narration in document.find_class("narration-list"):
        for quiet in [li for li in narration if "quiet" in li.get("class", "")]:
            if len(narration) > 1:
                narration.remove(quiet)
        while len(narration) > NARRATION_LINES:
            narration.remove(narration[0])


def live_region(document: lxml.html.HtmlElement) -> str:
    live = document.find_class("live")[0]
    html = lxml.html.tostring(live, encoding="unicode")
    # Only the send time may differ; whitespace between tags means nothing to a browser.
    html = re.sub(r'data-ts="\d+"', 'data-ts=""', html)
    return re.sub(r">\s+<", "><", html).strip()


def play(room: Room, renderer: FrameRenderer, document, commands) -> None:
    for command in commands:
        if command == "tick":
            room.tick()
        else:
            room.apply(command)
        apply_frame(document, renderer.render())


@pytest.mark.parametrize("compare", [False, True])
def test_applied_frames_equal_a_fresh_render(compare):
    balancers = ("round_robin", "source_ip") if compare else ("source_ip",)
    room = Room("t", LabSetup("mobile_ip_change", balancers, seed=3, customers=0))
    renderer = FrameRenderer(room)
    document = render_page(room)
    play(
        room,
        renderer,
        document,
        [
            Command("add_customers", {"count": 30}),
            "tick",
            "tick",
            "tick",
            Command("change_ip", {}),
            "tick",
            "tick",
            Command("add_table", {}),
            Command("crash_table", {"server": "A"}),
            *["tick"] * 12,
            Command("speed", {"speed": 9}),
            "tick",
        ],
    )
    assert room.restaurants[0].narration_count > NARRATION_LINES  # trimming was exercised
    assert live_region(document) == live_region(render_page(room))


def test_a_reset_restarts_the_narration_on_the_page():
    room = Room("t", LabSetup("ecommerce_cart", ("cookie_insert",), seed=5, customers=4))
    renderer = FrameRenderer(room)
    document = render_page(room)
    play(room, renderer, document, ["tick", "tick", Command("reset", {}), "tick"])
    assert live_region(document) == live_region(render_page(room))


def test_unchanged_regions_are_left_out_of_a_frame():
    room = Room("t", LabSetup("ecommerce_cart", ("cookie_insert",), seed=5, customers=0))
    renderer = FrameRenderer(room)
    renderer.render()
    room.running = False
    frame = renderer.render()
    assert 'id="lab-frame"' in frame
    assert 'id="floor"' not in frame
    assert 'id="metrics"' not in frame
    assert 'id="floor"' in renderer.render(full=True)


def test_frames_number_themselves_and_a_snapshot_keeps_the_number():
    room = Room("t", LabSetup("ecommerce_cart", ("cookie_insert",), seed=5, customers=3))
    renderer = FrameRenderer(room)
    first, second = renderer.render(), renderer.render()
    seqs = [int(search(r'data-seq="(\d+)"', f)) for f in (first, second)]
    assert seqs == [1, 2]
    snapshot = renderer.render(full=True)
    assert 'data-seq="2"' in snapshot
    # Only a snapshot says it is one: a page that sees the seq jump to it missed nothing,
    # while a jump to a tick frame means a lost frame (static/js/live.js asks for a snapshot).
    marks = [
        lxml.html.fragment_fromstring(f, create_parent=True)
        .get_element_by_id("lab-frame")
        .get("data-full")
        for f in (first, second, snapshot)
    ]
    assert marks == [None, None, ""]
    stamp = int(search(r'data-ts="(\d+)"', second))
    assert abs(stamp - time.time() * 1000) < 60_000


def scene_of(document: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    return document.find_class("scene")[0]


@pytest.mark.parametrize("shared", [False, True])
def test_applied_frames_draw_the_same_scene_as_a_fresh_render(shared):
    room = Room(
        "t",
        LabSetup("mobile_ip_change", ("source_ip",), seed=3, customers=0, shared_sessions=shared),
    )
    renderer = FrameRenderer(room)
    document = render_page(room)
    play(
        room,
        renderer,
        document,
        [
            Command("add_customers", {"count": 40}),
            *["tick"] * 8,
            Command("change_ip", {}),
            "tick",
            "tick",
            Command("crash_table", {"server": "B"}),
            "tick",
        ],
    )
    fresh = render_page(room)
    assert live_region(document) == live_region(fresh)
    scene = scene_of(document)
    assert lxml.html.tostring(scene) == lxml.html.tostring(scene_of(fresh))
    down = scene.xpath('.//*[@data-table="B"]')[0]
    assert down.get("data-state") == "down"
    lost = down.xpath('.//*[@data-cart="lost"]')
    if shared:
        assert lost == []
        assert scene.xpath('.//*[contains(@class, "pantry")]//*[@data-cart="kept"]')
    else:
        assert lost, "the crashed table's carts are drawn as lost"


def table_options(element: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    return [(option.get("value"), option.text_content()) for option in element.iter("option")]


@pytest.mark.parametrize("compare", [False, True])
def test_which_table_offers_the_tables_that_exist_in_frames_and_fresh_pages(compare):
    balancers = ("round_robin", "cookie_insert") if compare else ("cookie_insert",)
    room = Room("t", LabSetup("ecommerce_cart", balancers, seed=3, customers=10))
    prefix = "left-" if compare else ""
    renderer = FrameRenderer(room)
    document = render_page(room)
    select = document.get_element_by_id("table-choice")
    assert select.get("data-options-from") == f"{prefix}table-options"
    assert table_options(select) == [
        ("", "Automatic"),
        ("A", "Table A"),
        ("B", "Table B"),
        ("C", "Table C"),
        ("D", "Table D"),
    ]
    play(
        room,
        renderer,
        document,
        [
            "tick",
            Command("add_table", {}),
            Command("add_table", {}),
            Command("crash_table", {"server": "B"}),
            Command("remove_table", {"server": "C"}),
            "tick",
        ],
    )
    expected = [
        ("", "Automatic"),
        ("A", "Table A"),
        ("B", "Table B (closed)"),
        ("C", "Table C (draining)"),
        ("D", "Table D"),
        ("E", "Table E"),
        ("F", "Table F"),
    ]
    # What the frames left in the floor's template, what a fresh page's select offers.
    assert table_options(document.get_element_by_id(f"{prefix}table-options")) == expected
    fresh = render_page(room)
    assert table_options(fresh.get_element_by_id("table-choice")) == expected
    assert live_region(document) == live_region(fresh)


def test_a_region_whose_inputs_did_not_change_is_not_rendered_again(monkeypatch):
    room = Room("t", LabSetup("ecommerce_cart", ("cookie_insert",), seed=5, customers=6))
    renderer = FrameRenderer(room)
    room.tick()
    first = renderer.render()
    rendered = []
    real = frames._render

    def counting(partial, values):
        rendered.append(partial)
        return real(partial, values)

    monkeypatch.setattr(frames, "_render", counting)
    room.running = False  # only the frame root's run state changes
    frame = renderer.render()
    assert rendered == ["frame_meta"]
    assert 'id="floor"' not in frame
    snapshot = renderer.render(full=True)
    assert rendered == ["frame_meta", "frame_meta", "narration"]
    for region in ("host", "floor", "metrics"):
        html = frames.as_ascii(renderer.regions.cache[region][1])
        assert f'id="{region}"' in html
        assert html in first
        assert html in snapshot
    room.running = True
    room.tick()
    renderer.render()
    assert rendered[3:] == ["frame_meta", "host", "floor", "metrics"]


def partial_source(name: str) -> str:
    """A partial of lab/live.html with the partials it includes, as template source."""
    page = (Path(settings.BASE_DIR) / "templates/lab/live.html").read_text()
    pattern = rf"{{% partialdef {name}\b[^%]*%}}(.*?){{% endpartialdef {name} %}}"
    source = search(re.compile(pattern, re.S), page)
    for inner in re.findall(r"{% partial (\w+) %}", source):
        source += partial_source(inner)
    return source


@pytest.mark.parametrize("region", sorted(frames.REGION_INPUTS))
def test_a_region_is_rendered_from_every_input_its_partial_reads(region):
    reads = set(re.findall(r"\br\.(\w+)", partial_source(region)))
    assert reads, region
    assert reads <= set(frames.REGION_INPUTS[region]), reads - set(frames.REGION_INPUTS[region])


def test_a_frame_after_a_balancer_switch_names_the_new_balancer():
    room = Room("t", LabSetup("ecommerce_cart", ("round_robin",), seed=5, customers=6))
    renderer = FrameRenderer(room)
    document = render_page(room)
    play(
        room,
        renderer,
        document,
        ["tick", Command("set_balancer", {"balancer": "cookie_insert"}), "tick"],
    )
    note = document.find_class("segment-note")[0].text_content()
    assert note.startswith("Since the switch to Cookie insert at request 2:"), note
    assert live_region(document) == live_region(render_page(room))


def test_a_frames_lean_view_draws_each_customer_from_the_full_views_own_values():
    """Frames read the engine's lean view (only what the scene draws of each customer)."""
    room = Room("lean", LabSetup("mobile_ip_change", ("source_ip",), seed=4, customers=30))
    room.speed = 6
    drawn = ["id", "mobile", "behind_nat", "cart_table", "cart_items", "last_table", "colour"]
    carts_at = set()
    for shared in (False, True):
        for _ in range(8):
            room.tick()
        room.apply(Command("shared_sessions", {"shared_sessions": shared}))
        sim = room.restaurants[0].sim
        full, lean = sim.view(), sim.view(lean=True)
        assert [sorted(c) for c in lean["clients"]] == [sorted(drawn)] * 30
        assert lean["clients"] == [{key: c[key] for key in drawn} for c in full["clients"]]
        assert {k: v for k, v in lean.items() if k != "clients"} == {
            k: v for k, v in full.items() if k != "clients"
        }
        carts_at |= {c["cart_table"] for c in lean["clients"]}
    assert {None, "shared", "A"} <= carts_at


def test_a_frame_whose_scene_did_not_change_reuses_the_floor_without_building_its_svg(
    monkeypatch,
):
    room = Room("same", LabSetup("mobile_ip_change", ("source_ip",), seed=4, customers=12))
    room.apply(Command("pause", {}))
    renderer = FrameRenderer(room)
    renderer.render()
    built: list[str] = []
    real = svg.scene_svg

    def counted(*args):
        built.append("svg")
        return real(*args)

    monkeypatch.setattr(svg, "scene_svg", counted)
    room.apply(Command("speed", {"speed": 5}))
    frame = renderer.render()
    assert (built, 'id="floor"' in frame, "Speed 5" in frame) == ([], False, True)
    room.apply(Command("step", {}))
    frame = renderer.render()
    assert (built, 'id="floor"' in frame) == (["svg"], True)


def test_the_lean_view_redrawn_only_where_the_engine_changed_equals_a_full_read_every_tick():
    """The lean view keeps each restaurant's drawn customers and redraws the ones whose
    columns changed: after every tick and every kind of event it equals the full view's
    values, and a view read earlier still shows what it showed."""
    room = Room("incr", LabSetup("mobile_ip_change", ("source_ip",), seed=5, customers=40))
    room.speed = 8
    drawn = ["id", "mobile", "behind_nat", "cart_table", "cart_items", "last_table", "colour"]
    script = {
        3: Command("change_ip", {}),
        5: Command("crash_table", {"table": None}),
        7: Command("restore_table", {"table": None}),
        9: Command("add_customers", {"count": 7}),
        11: Command("add_table", {}),
        13: Command("shared_sessions", {"shared_sessions": True}),
        15: Command("shared_sessions", {"shared_sessions": False}),
        17: Command("set_balancer", {"balancer": "round_robin"}),
    }
    earlier: list[tuple[list[dict], list[dict]]] = []
    for i in range(20):
        if i in script:
            room.apply(script[i])
        room.tick()
        sim = room.restaurants[0].sim
        lean = sim.view(lean=True)["clients"]
        expected = [{key: c[key] for key in drawn} for c in sim.view()["clients"]]
        assert lean == expected, i
        earlier.append((lean, copy.deepcopy(lean)))
    assert all(view == kept for view, kept in earlier)
    assert len({repr(view) for view, _ in earlier}) == 20  # every tick changed someone
