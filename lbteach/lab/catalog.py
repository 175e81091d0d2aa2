"""Words the lab shows about balancers and presets: groups for the picker, a preset's story."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from lbteach.lab.actions import EVENTS, LAB_ACTIONS
from lbteach.sim import BALANCERS, PRESETS
from lbteach.sim.trying import try_it

# The label on each lab button, by its action name, as the action table declares it: a
# preset's Try this text names the buttons of its actions by these labels (a test checks).
BUTTON_LABELS = LAB_ACTIONS.labels()


@dataclass(frozen=True)
class PresetStory:
    """What the lab page says a preset is for: Try this, what to expect, what to compare."""

    text: str
    outcome: str
    expect: str  # "breaks" or "none"
    compare: tuple[str, str]  # balancer titles, left and right
    compare_query: str  # the query string of the compare page that opens the pair


def balancer_groups() -> list[tuple[str, list]]:
    groups: dict[str, list] = {"Stateless": [], "Stateful": []}
    for info in BALANCERS.values():
        groups["Stateless" if info.kind == "stateless" else "Stateful"].append(info)
    return list(groups.items())


def preset_story(name: str) -> PresetStory:
    """The preset's own instruction and comparison, from its data in lbteach.sim.presets."""
    preset = PRESETS[name]
    try_this = preset.try_this
    left, right = preset.compare
    return PresetStory(
        text=try_this.text,
        outcome=try_this.outcome,
        expect=try_this.expect,
        compare=(BALANCERS[left].title, BALANCERS[right].title),
        compare_query=urlencode({"scenario": name, "left": left, "right": right}),
    )


@dataclass(frozen=True)
class SideExpect:
    """What the preset's Try this does on one side of compare mode, run through the engine."""

    side: str  # "left" or "right"
    title: str  # the side's balancer
    expect: str  # "breaks" or "none", as PresetStory.expect

    @property
    def words(self) -> str:
        return "carts break or are lost" if self.expect == "breaks" else "no cart breaks or is lost"


def side_expects(name: str, balancers: tuple[str, ...]) -> list[SideExpect]:
    """Each side's outcome of the preset's Try this (the engine runs it, once per process)."""
    sides = []
    for side, balancer in zip(("left", "right"), balancers, strict=False):
        _, harmed = try_this_harm(name, balancer)
        sides.append(SideExpect(side, BALANCERS[balancer].title, "breaks" if harmed else "none"))
    return sides


@cache
def try_this_harm(name: str, balancer: str | None = None) -> tuple[int, int]:
    """A preset's Try this run through the engine with the lab's own buttons (once a process):
    harm before its actions, and harm they caused (`lbteach.sim.trying.try_it`)."""
    return try_it(name, EVENTS, balancer)
