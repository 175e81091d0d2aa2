"""Lesson figures: a preset played as a short loop around its key moment, computed once.

A figure costs no websocket room: its frames follow from the preset and a fixed seed, so
they are rendered once per process (`figure_frames`, cached) and every reader fetches the
same bytes. The restaurant first fills its carts off screen (`WARMUP` frames); the loop then
starts `LEAD` frames before the preset's first events and applies each group of events (those
the preset schedules at the same moment) every `EVENT_EVERY` frames, so the story fits in a
few seconds and starts again a little before it happens. Figures draw a compact scene (no
door-and-host column, two columns of tables) so a phone can read it.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from functools import cache, lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from lbteach.scene.context import scene_context
from lbteach.scene.memory import SceneMemory, remember
from lbteach.scene.svg import scene_svg
from lbteach.sim import BALANCERS, PRESETS, EventOutcome, Simulation, scenario_from_preset
from lbteach.sim.words import count

CUSTOMERS = 20
WARMUP = 10  # frames played off screen so carts have filled when the loop starts
LEAD = 4  # frames of the loop before the first events
FRAMES = 20
REQUESTS_PER_FRAME = 3
EVENT_EVERY = 8
TOLD_FRAMES = 3  # an event's words stay on the figure this many frames
FRAME_MS = 650  # how long figure.js shows each frame (the figure's data-every)
MARK_FRAMES = math.ceil(3000 / FRAME_MS)  # a break stays an event at least 3 s
SEED = 7
MAX_PANELS = 2  # side by side at most; also bounds what the frames address can ask for
EVERYONE = {"change_ip", "clear_cookies"}  # as the lab's buttons: every customer is affected


class UnknownFigure(KeyError):
    """A figure names a preset that does not exist."""


@dataclass(frozen=True)
class Panel:
    """One restaurant of a figure: its preset, its frames and the frame to show when still."""

    preset: str
    title: str
    description: str
    lab_url: str
    frames: tuple[str, ...]
    key: int
    counts: tuple[tuple[int, int], ...]  # (cart breaks, lost carts) in each frame

    @property
    def still(self) -> str:
        return self.frames[self.key]

    @property
    def key_counts(self) -> tuple[int, int]:
        return self.counts[self.key]


@dataclass(frozen=True)
class Figure:
    name: str  # the presets, joined by "+": also the address of its frames
    panels: tuple[Panel, ...]
    every_ms: int = FRAME_MS


def figure(names: tuple[str, ...]) -> Figure:
    """The figure of one or more presets (side by side), from the per-process cache."""
    if not 1 <= len(names) <= MAX_PANELS:
        raise UnknownFigure("+".join(names))
    for name in names:
        if name not in PRESETS:
            raise UnknownFigure(name)
    return Figure("+".join(names), tuple(_panel(name) for name in names))


def figure_html(names: tuple[str, ...]) -> str:
    """The figure as it stands in a lesson: the still of its key moment, caption, controls."""
    html = render_to_string("lab/figure.html#figure", {"fig": figure(names)})
    # A Markdown HTML block ends at a blank line: keep the figure one block.
    return "\n".join(line for line in html.splitlines() if line.strip())


@lru_cache(maxsize=settings.LAB_FIGURE_CACHE)  # 272 names are valid: keep the recent few
def frames_body(name: str) -> tuple[bytes, bytes]:
    """Every frame of the figure `name` ("a+b" for two side by side): plain and gzipped.

    Rendered once per process; 200 readers of a lesson are 200 copies of these bytes.
    """
    body = render_to_string("lab/figure.html#frames", {"fig": figure(tuple(name.split("+")))})
    data = body.encode()
    return data, gzip.compress(data, 6)


def told(outcome: EventOutcome) -> str:
    """An event's words on a figure, short enough for a phone; "" when a mark says it."""
    details = outcome.details
    if outcome.do == "add_server":
        return f"{details['server']} joined: {outcome.remapped} of {CUSTOMERS} customers move"
    if outcome.do == "change_ip":
        return f"{count(details['clients'], 'phone')} got new IP addresses"
    if outcome.do == "clear_cookies":
        return f"{count(details['clients'], 'customer')} cleared their cookies"
    if outcome.do == "restore_server":
        return f"Table {details['server']} is back, empty"
    return ""


def event_groups(name: str) -> list[list[dict]]:
    """The preset's events, grouped by the moment they happen, without that moment."""
    groups: dict[int, list[dict]] = {}
    for event in PRESETS[name].scenario.get("events", []):
        event = {k: v for k, v in event.items() if k != "at"} | {"_at": event["at"]}
        if event["do"] in EVERYONE:
            event["share"] = 1.0
        groups.setdefault(event.pop("_at"), []).append(event)
    return [groups[at] for at in sorted(groups)]


@cache
def _panel(name: str) -> Panel:
    preset = PRESETS[name]
    scenario = scenario_from_preset(name, clients=0, events=[], seed=SEED)
    sim = Simulation(scenario)
    sim.add_clients(CUSTOMERS)
    groups = event_groups(name)
    balancer = BALANCERS[scenario.balancer].title
    memory = SceneMemory()
    for _ in range(WARMUP):
        remember(memory, sim.view(), sim.step(REQUESTS_PER_FRAME), MARK_FRAMES)
    frames: list[str] = []
    counts: list[tuple[int, int]] = []
    notable: int | None = None
    words, said_at = "", -TOLD_FRAMES
    for i in range(FRAMES):
        step = i - LEAD
        if step >= 0 and step % EVENT_EVERY == 0 and step // EVENT_EVERY < len(groups):
            said = [told(sim.apply(event)) for event in groups[step // EVENT_EVERY]]
            words, said_at = "; ".join(w for w in said if w), i
        decisions = sim.step(REQUESTS_PER_FRAME)
        view = sim.view()
        remember(memory, view, decisions, MARK_FRAMES, slots=1)  # a compact scene names one
        scene = scene_context(
            memory,
            view,
            decisions,
            decisions[-1] if decisions else None,
            compact=True,
            told=words if i - said_at < TOLD_FRAMES else "",
        )
        if notable is None and i >= LEAD and _shows_a_lesson(scene):
            notable = i
        counts.append((scene["breaks"], scene["lost"]))
        title = f"{preset.title} ({balancer}), moment {i + 1} of {FRAMES}"
        frames.append(scene_svg(scene, f"fig-{name}-", title))
    key = notable if notable is not None else (LEAD + 2 if groups else FRAMES - 1)
    return Panel(
        preset=name,
        title=preset.title,
        description=preset.description,
        lab_url=f"{reverse('lab:lab')}?scenario={name}",
        frames=tuple(frames),
        key=min(key, FRAMES - 1),
        counts=tuple(counts),
    )


def _shows_a_lesson(scene: dict) -> bool:
    """A frame worth a still: a cart breaking or lost, a table closed or draining."""
    if any(label.get("of") for label in scene["labels"]):
        return True
    for table in scene["tables"]:
        if table["state"] != "up" or table["lost_count"]:
            return True
        if any(cart["state"] == "broken" for cart in table["shelf"]):
            return True
    return False
