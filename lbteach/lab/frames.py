"""Turn a room into what viewers see: template contexts, and frames of id-bearing partials.

A frame is rendered ONCE per tick for all viewers. Each region is a partial of
`lab/live.html` whose root carries its id and, in a frame, `hx-swap-oob`, so the same
partial serves the full page and the websocket push. Regions that did not change since
the previous frame are left out; a snapshot carries every region.

A region is rendered only when its inputs (the parts of the context it reads, `REGION_INPUTS`)
differ from the ones its cached HTML was rendered from: a paused room, a command that touches
one region, and a snapshot at the seq of the last frame reuse the HTML instead of running the
template engine again (most of a frame's time).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import add, itemgetter
from typing import ClassVar

from django.conf import settings
from django.template import Context, Engine
from django.template.loader import get_template
from django.utils.safestring import SafeString

from lbteach.lab.actions import EVENTS
from lbteach.lab.catalog import BUTTON_LABELS
from lbteach.lab.room import LiveRestaurant, Room
from lbteach.lab.sharelink import LOG_LIMIT
from lbteach.live.commands import SPEEDS
from lbteach.live.frames import Regions, as_ascii
from lbteach.scene.context import scene_context
from lbteach.scene.memory import SceneMemory, remember
from lbteach.scene.svg import SceneSvg
from lbteach.sim import BALANCERS

CHART_WIDTH = 300
CHART_HEIGHT = 80
# How "Which table" names a table that is not open (an open one needs no word).
CLOSED_WORDS = {"down": "closed", "draining": "draining"}
SCENE_TITLE = "The restaurant, seen from above: "  # then the balancer's name
MARK_SECONDS = 3.0  # a cart break stays an event on the floor at least this long
# What each restaurant region's partial reads from its restaurant's context `r`. A frame renders
# each region from these inputs alone, so a missing one shows as a difference from a fresh page
# (tests/lab/test_frames.py), and equal inputs give equal HTML: the cached HTML is reused.
REGION_INPUTS = {
    "host": ("prefix", "balancer", "shared_sessions", "last_decision"),
    "floor": (
        "prefix",
        "balancer",
        "customers",
        "mobile_customers",
        "nat_customers",
        "scene_svg",
        "table_options",
    ),
    "metrics": (
        "prefix",
        "balancer",
        "segment",
        "since_request",
        "metrics",
        "totals",
        "tables",
        "chart",
        "chart_width",
        "chart_height",
    ),
}


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def digits(n: int) -> SafeString:
    """An int as the template engine prints it, already safe: a frame prints dozens every
    tick, and the engine localises and escapes each value it is given (most of a small
    partial's time)."""
    return SafeString(n)


def table_contexts(view: dict) -> list[dict]:
    """Each table's name, load and state, for the metrics' bars and "Which table"."""
    per_server = view["metrics"]["per_server"]
    busiest = max(per_server.values(), default=0) or 1
    tables = []
    for table in view["tables"]:
        served = per_server.get(table["name"], 0)
        tables.append(
            {
                "name": table["name"],
                "served": digits(served),
                "load_width": digits(round(100 * served / busiest)),
                "closed_word": CLOSED_WORDS.get(table["status"], ""),
            }
        )
    return tables


@lru_cache(maxsize=256)
def table_options(tables: tuple[tuple[str, str], ...]) -> SafeString:
    """The "Which table" options for tables (name, closed word): rendered once per set of
    tables, not every frame (the floor is redrawn every tick; its tables seldom change)."""
    r = {"tables": [{"name": name, "closed_word": word} for name, word in tables]}
    return SafeString(_render("table_options", {"r": r}))


def chart_context(restaurant: LiveRestaurant) -> dict:
    """Points for the small SVG chart of load and cart breaks over the last ticks."""
    history = list(restaurant.history)
    if not history:
        return {"load_points": "", "break_points": "", "has_data": False, "max_load": 0}
    top = max(max(load for load, _ in history), 1)
    xs = _chart_xs(len(history))

    def points(values: list[int]) -> str:
        # Each distinct value formatted once: a busy room routes the same load tick after tick.
        ys = {v: f"{CHART_HEIGHT - (v / top) * (CHART_HEIGHT - 4):.1f}" for v in set(values)}
        return " ".join(map(add, xs, map(ys.__getitem__, values)))

    return {
        "load_points": points([load for load, _ in history]),
        "break_points": points([breaks for _, breaks in history]),
        "has_data": True,
        "max_load": top,
        "total_breaks_shown": sum(breaks for _, breaks in history),
    }


@lru_cache(maxsize=128)
def _chart_xs(count: int) -> tuple[str, ...]:
    """The chart's x coordinates for `count` points, each with its comma: the same every tick
    once the history is full."""
    step = CHART_WIDTH / max(count - 1, 1)
    return tuple(f"{i * step:.1f}," for i in range(count))


def shown_figures(figures: dict) -> dict:
    """The figures the metrics region shows, as text, from a view's metrics or totals."""
    return {
        "requests": figures["requests"],
        "cart_breaks": figures["cart_breaks"],
        "switch_breaks": figures["switch_breaks"],
        "carts_lost": figures["carts_lost"],
        "sticky_ratio": _percent(figures["sticky_ratio"]),
        "imbalance": f"{figures['imbalance']:.2f}",
        "p95_ms": f"{figures['p95_ms']:.0f}",
    }


def mark_ticks() -> int:
    """How many live ticks a cart break stays an event on the floor: at least 3 seconds."""
    return max(1, math.ceil(MARK_SECONDS / settings.LIVE_TICK_SECONDS))


def remember_scenes(room: Room, views: list[dict] | None = None) -> None:
    """Bring each restaurant's scene memory up to its state (whose carts, which chairs, which
    breaks are on show): once per frame, before it is drawn. Drawing only reads the memory.

    `views` are the restaurants' engine views when the caller has them already.
    """
    if views is None:
        views = [restaurant.sim.view(lean=True) for restaurant in room.restaurants]
    for restaurant, view in zip(room.restaurants, views, strict=True):
        remember(restaurant.scene, view, restaurant.recent, mark_ticks())


def drawn_memory(restaurant: LiveRestaurant, view: dict) -> SceneMemory:
    """The scene's memory as the next frame will have it, leaving the memory alone: a copy
    brought up to the restaurant's state, for a page or a snapshot drawn between a change and
    its frame (`remember` is idempotent: after a frame the copy equals the memory)."""
    return remember(copy.deepcopy(restaurant.scene), view, restaurant.recent, mark_ticks())


def restaurant_context(
    restaurant: LiveRestaurant,
    names: dict[int, str] | None = None,
    view: dict | None = None,
    remembered: bool = False,
) -> dict:
    """One restaurant's regions; `names` (a class) puts nicknames on the scene; `view` is its
    engine view when the caller has it already. Reads the room and changes nothing: the scene
    is drawn from its memory when a frame has just brought it up to date (`remembered`), else
    from `drawn_memory`."""
    if view is None:
        view = restaurant.sim.view(lean=True)
    metrics = view["metrics"]
    balancer = BALANCERS[view["balancer"]]
    prefix = "" if restaurant.side == "main" else f"{restaurant.side}-"
    memory = restaurant.scene if remembered else drawn_memory(restaurant, view)
    tables = table_contexts(view)
    scene = scene_context(memory, view, restaurant.recent, restaurant.last_decision, names=names)
    return {
        "side": restaurant.side,
        "prefix": prefix,
        "balancer": balancer,
        "shared_sessions": view["shared_sessions"],
        "last_decision": restaurant.last_decision,
        "tables": tables,
        "table_options": table_options(tuple((t["name"], t["closed_word"]) for t in tables)),
        "scene": scene,
        "scene_svg": SceneSvg(scene, prefix, SCENE_TITLE + balancer.title),
        "customers": len(view["clients"]),
        # Counted at C speed (500 customers a frame): True counts as 1.
        "mobile_customers": sum(map(itemgetter("mobile"), view["clients"])),
        "nat_customers": sum(map(itemgetter("behind_nat"), view["clients"])),
        "requests": view["requests"],
        # After a balancer switch the metrics count from the switch; the run's totals stay
        # beside them, so neither balancer is blamed for the other's figures.
        "metrics": shown_figures(metrics),
        "totals": shown_figures(view["totals"]),
        "segment": view["segment"],
        "since_request": metrics["since_request"],
        "chart": chart_context(restaurant),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "narration": list(restaurant.narration),
    }


# Compare mode's head-to-head rows: (figure, label); more is worse for each.
VERDICT_ROWS = (
    ("cart_breaks", "Cart breaks"),
    ("carts_lost", "Lost carts"),
    ("imbalance", "Imbalance (max ÷ mean)"),
)
# An engine event's name as the lab's button says it.
EVENT_LABELS = {EVENTS[action]["do"]: BUTTON_LABELS[action] for action in EVENTS}


def verdict_context(room: Room, restaurants: list[dict]) -> dict:
    """Both sides' figures row by row, the side with more of one marked, and the events run."""
    rows = []
    for key, label in VERDICT_ROWS:
        values = [r["metrics"][key] for r in restaurants]
        numbers = [float(v) for v in values]
        worst = max(numbers)
        cells = [
            {
                "side": r["side"],
                "value": value,
                "mark": "" if min(numbers) == worst else ("worse" if n == worst else "better"),
            }
            for r, value, n in zip(restaurants, values, numbers, strict=True)
        ]
        difference = worst - min(numbers)
        diff = f"{difference:.2f}" if key == "imbalance" else f"{difference:.0f}"
        rows.append({"key": key, "label": label, "cells": cells, "diff": diff})
    events = []
    for outcome in room.restaurants[0].sim.restaurant.outcomes:
        words = EVENT_LABELS.get(outcome.do, outcome.do.replace("_", " "))
        if "server" in outcome.details:
            words += f" {outcome.details['server']}"
        events.append(f"{words} (request {outcome.at})")
    sides = [{"side": r["side"], "title": r["balancer"].title} for r in restaurants]
    return {"sides": sides, "rows": rows, "events": events}


def room_context(room: Room, views: list[dict] | None = None, remembered: bool = False) -> dict:
    """Everything a room's page and frames show, read from its state; `remembered` when a
    frame has just brought the scenes' memory up to date (`remember_scenes`)."""
    names = room.scene_names()
    if views is None:
        views = [restaurant.sim.view(lean=True) for restaurant in room.restaurants]
    restaurants = [
        restaurant_context(r, names, view, remembered)
        for r, view in zip(room.restaurants, views, strict=True)
    ]
    return {
        "room": room,
        "restaurants": restaurants,
        "verdict": verdict_context(room, restaurants) if room.setup.compare else None,
        # The frame root's counts: the first restaurant's, read here rather than by the
        # template (`restaurants.0`: a failed lookup and a `dir()` per value).
        "customers": restaurants[0]["customers"],
        "requests": restaurants[0]["requests"],
        "seq": room.seq,
        "ts": int(time.time() * 1000),
        "running": room.running,
        "speed": room.speed,
        "requests_per_tick": SPEEDS[room.speed - 1],
        "share_url": room.share_url() if room.shareable and not room.log_overflowed else "",
        "share_too_long": room.shareable and room.log_overflowed,
        "log_limit": LOG_LIMIT,
    }


@dataclass
class FrameRenderer:
    """Renders a room's frames, remembering what each region looked like last time."""

    room: Room
    regions: Regions = field(default_factory=Regions)
    narrated: dict[str, tuple[int | None, int]] = field(default_factory=dict)
    # The engine's views the last frame was rendered from, one per restaurant: built once per
    # frame, and read by whatever else that push renders (a class's phones).
    views: list[dict] = field(default_factory=list)
    # A frame needs each customer only as the scene draws them (`Simulation.view(lean=True)`);
    # a renderer whose push also renders cards that show more (a class's phones) asks for all.
    lean: ClassVar[bool] = True

    def __post_init__(self) -> None:
        # The scene's memory sees the room as its first viewers do, so the first change a
        # frame draws (a crash, say) is told against it.
        remember_scenes(self.room)

    def render(self, full: bool = False) -> str:
        """The next frame: the frame root, then each region that changed since the last one.

        With `full`, a snapshot of every region at the current `seq`, for a viewer who joins
        or missed a frame; it leaves the others' diff state alone. The runner pushes a frame
        after every change, so a snapshot always equals the last frame's state.
        Narration is appended line by line (a screen reader hears only what is new); the page
        keeps the last NARRATION_LINES lines, as a fresh render would.
        A frame first brings the scenes' memory up to the room's state; a snapshot draws what
        the next frame will without changing it, so however many viewers join, the frames are
        the same.
        """
        views = [restaurant.sim.view(lean=self.lean) for restaurant in self.room.restaurants]
        if not full:
            self.room.seq += 1
            remember_scenes(self.room, views)
        self.views = views
        context = room_context(self.room, views, remembered=not full)
        # A snapshot says so: a page that sees its seq jump after one has missed nothing.
        parts = [_render("frame_meta", {**context, "hx_oob": True, "full": full})]
        for key, template, extra in self.extra_regions(context, views):
            html = get_template(template).render({**context, **extra, "hx_oob": True})
            parts.append(self.regions.if_changed(key, html, full))
        for restaurant, r in zip(self.room.restaurants, context["restaurants"], strict=True):
            for region, inputs in REGION_INPUTS.items():
                key = f"{r['prefix']}{region}"
                html = self.regions.html(key, {name: r[name] for name in inputs}, _renderer(region))
                parts.append(self.regions.if_changed(key, html, full))
            parts.append(self._narration(restaurant, r, context, full))
        return as_ascii("".join(parts))

    def extra_regions(self, context: dict, views: list[dict]) -> list[tuple[str, str, dict]]:
        """Regions beyond the restaurant's: (key, template, context) each. Compare mode adds
        its head-to-head strip; a class adds its own. `views` are the restaurants' lean engine
        views this frame read (`Simulation.view(lean=True)`), to share rather than read again."""
        if context["verdict"] is None:
            return []
        return [("verdict", "lab/live.html#verdict", {})]

    def _narration(self, restaurant: LiveRestaurant, r: dict, context: dict, full: bool) -> str:
        if full:
            return _render("narration", {**context, "r": r, "hx_oob": True})
        key = r["prefix"]
        # A reset builds a new restaurant: its narration starts again, so send it whole.
        owner, sent = self.narrated.get(key, (None, 0))
        count = restaurant.narration_count
        self.narrated[key] = (id(restaurant), count)
        first_words = owner is None and count > 0
        if first_words or (owner is not None and owner != id(restaurant)):
            return _render("narration", {**context, "r": r, "hx_oob": True})
        lines = [(n, line) for n, line in restaurant.narration if n > sent]
        if not lines:
            return ""
        return _render("narration_delta", {**context, "r": r, "lines": lines})


def _renderer(region: str) -> Callable[[dict], str]:
    """Renders a restaurant region of `lab/live.html` from its inputs alone, as a frame's."""
    return lambda inputs: _render(region, {"r": inputs, "hx_oob": True})


def _render(partial: str, values: dict) -> str:
    """A partial of `lab/live.html` rendered as a frame's region, numbers printed by `str`.

    The engine localises every number it prints (`number_format`, a third of a small
    partial's time); with this project's settings (no thousand separator, floats formatted
    before they reach these partials) `str` prints the same digits, so a page rendered the
    usual way equals the frames (tests/lab/test_frames.py).
    """
    template = Engine.get_default().get_template(f"lab/live.html#{partial}")
    return template.render(Context(values, use_l10n=False))
