"""Lesson figures: a preset played as a short loop of scenes, computed once and shared.

A figure costs no websocket room: its frames follow from the preset and a fixed seed, so
they are rendered once per process (`figure_frames`, cached) and every reader fetches the
same bytes. The preset's events are replayed on a short timeline (one every
`EVENT_EVERY` frames from `FIRST_EVENT`) so the story fits in a few seconds.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache, lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from lbteach.lab.scene import SceneMemory, scene_context
from lbteach.sim import BALANCERS, PRESETS, Simulation, scenario_from_preset

CUSTOMERS = 20
FRAMES = 30
REQUESTS_PER_FRAME = 3
FIRST_EVENT = 14
EVENT_EVERY = 8
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

    @property
    def still(self) -> str:
        return self.frames[self.key]


@dataclass(frozen=True)
class Figure:
    name: str  # the presets, joined by "+": also the address of its frames
    panels: tuple[Panel, ...]


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


@cache
def _panel(name: str) -> Panel:
    preset = PRESETS[name]
    scenario = scenario_from_preset(name, clients=0, events=[], seed=SEED)
    sim = Simulation(scenario)
    sim.add_clients(CUSTOMERS)
    events = [dict(e) for e in preset.scenario.get("events", [])]
    balancer = BALANCERS[scenario.balancer].title
    frames: list[str] = []
    memory = SceneMemory()
    notable: int | None = None
    for i in range(FRAMES):
        told = ""
        step = i - FIRST_EVENT
        if step >= 0 and step % EVENT_EVERY == 0 and step // EVENT_EVERY < len(events):
            event = {k: v for k, v in events[step // EVENT_EVERY].items() if k != "at"}
            if event["do"] in EVERYONE:
                event["share"] = 1.0
            told = sim.apply(event).summary
        decisions = sim.step(REQUESTS_PER_FRAME)
        view = sim.view()
        scene = scene_context(memory, view, decisions, decisions[-1] if decisions else None)
        if notable is None and i >= FIRST_EVENT and _shows_a_lesson(scene):
            notable = i
        frames.append(
            render_to_string(
                "lab/scene.html#scene",
                {
                    "s": scene,
                    "prefix": f"fig-{name}-",
                    "title": f"{preset.title} ({balancer}), moment {i + 1} of {FRAMES}",
                    "told": told,
                },
            )
        )
    key = notable if notable is not None else (FIRST_EVENT + 2 if events else FRAMES - 1)
    return Panel(
        preset=name,
        title=preset.title,
        description=preset.description,
        lab_url=f"{reverse('lab:lab')}?scenario={name}",
        frames=tuple(frames),
        key=min(key, FRAMES - 1),
    )


def _shows_a_lesson(scene: dict) -> bool:
    """A frame worth a still: a cart breaking or lost, a table closed or draining."""
    for table in scene["tables"]:
        if table["state"] != "up" or table["lost_count"]:
            return True
        if any(cart["state"] == "broken" for cart in table["shelf"]):
            return True
    return False
