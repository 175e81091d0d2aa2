"""A live room's state: one or two restaurants over the engine, ticking, narration, history.

The generic part of every live room (a lab, a class, compare mode's pair): plain,
synchronous state over `lbteach.sim`, testable without a server. A client subclasses
`RestaurantRoom`, builds its restaurants, declares its actions (`actions`, an
`lbteach.live.actions.ActionTable` whose effects call the room's methods), and adds what is
its own (a lab's share link, a class's students). The async side that ticks rooms and
delivers frames is `lbteach.live.broadcast`; saving is `lbteach.live.keeper`.

Each restaurant carries what its drawing remembers between frames (`scene`, of the type
`M` the client chooses: the scene's memory), saved and restored with it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from lbteach.live.actions import ActionTable, Sender
from lbteach.live.commands import SPEEDS, BadCommand, Command
from lbteach.sim import Decision, ScenarioError, Simulation
from lbteach.sim.words import count

NARRATION_LINES = 8
HISTORY_POINTS = 60
STORIES_PER_TICK = 3


class Memory(Protocol):
    """What a restaurant's drawing remembers between frames, saved with the room."""

    def to_dict(self) -> dict: ...


M = TypeVar("M", bound=Memory)


@dataclass
class LiveRestaurant(Generic[M]):
    """One simulated restaurant of a room, and what its viewers have been told about it."""

    side: str
    sim: Simulation
    scene: M  # what the drawing remembers (whose carts it shows)
    narration: deque = field(default_factory=lambda: deque(maxlen=NARRATION_LINES))
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY_POINTS))
    recent: list[Decision] = field(default_factory=list)  # decisions of the last tick
    last_decision: Decision | None = None  # the latest decision of any tick, for the host
    narration_count: int = 0

    def narrate(self, line: str) -> None:
        self.narration_count += 1
        self.narration.append((self.narration_count, line))

    def to_dict(self) -> dict:
        return {
            "side": self.side,
            "sim": self.sim.to_dict(),
            "narration": [list(item) for item in self.narration],
            "narration_count": self.narration_count,
            "history": [list(point) for point in self.history],
            # What the host stand and the floor show of the last moment, so a page rendered
            # after a restart shows what the page before it did.
            "recent": [decision.to_dict() for decision in self.recent],
            "last_decision": self.last_decision.to_dict() if self.last_decision else None,
            "scene": self.scene.to_dict(),
        }

    @classmethod
    def from_dict(cls, saved: dict, memory: Callable[[dict], M]) -> LiveRestaurant[M]:
        sim = Simulation.from_dict(saved["sim"])
        restaurant = cls(saved["side"], sim, memory(saved.get("scene", {})))
        restaurant.narration.extend(tuple(item) for item in saved["narration"])
        restaurant.narration_count = saved["narration_count"]
        restaurant.history.extend(tuple(point) for point in saved["history"])
        restaurant.recent = [Decision(**decision) for decision in saved.get("recent", [])]
        last = saved.get("last_decision")
        restaurant.last_decision = Decision(**last) if last else None
        return restaurant


class RestaurantRoom(Generic[M]):
    """The state of one running room; every viewer sees the same frames.

    `seq` is the number of the last frame (the broadcaster counts it); `running` and `speed`
    say how fast ticks route requests. Subclasses set `actions`, build `restaurants` and say
    how a restaurant's drawing memory is restored (`restore_memory`).
    """

    actions: ClassVar[ActionTable]
    code: str
    running: bool
    speed: int
    seq: int
    restaurants: list[LiveRestaurant[M]]

    def __init__(self, code: str, restaurants: list[LiveRestaurant[M]]) -> None:
        self.code = code
        self.running = True
        self.speed = 2
        self.seq = 0
        self.restaurants = restaurants

    # -- reading ----------------------------------------------------------------------------
    @property
    def requests(self) -> int:
        return self.restaurants[0].sim.index

    @property
    def customers(self) -> int:
        return len(self.restaurants[0].sim.workload.ips)

    def scene_names(self) -> dict[int, str] | None:
        """Customer id -> a name the scene writes at their table; a lab has none, a class
        its students' nicknames."""
        return None

    @property
    def moving(self) -> bool:
        """Whether ticking would change anything: running, with customers the host serves."""
        return self.running and bool(self.restaurants[0].sim.workload.auto)

    # -- commands ---------------------------------------------------------------------------
    def apply(self, command: Command, sender: Sender) -> str:
        """Carry out one checked command; return the sentence for the status region."""
        return self.actions.run(self, command, sender)

    def set_speed(self, speed: int) -> str:
        self.speed = speed
        return f"Speed {speed}: {count(SPEEDS[speed - 1], 'request')} per tick."

    def pause(self) -> str:
        self.running = False
        return "Paused. Press Step to route one request at a time."

    def resume(self) -> str:
        self.running = True
        return "Running."

    def step(self) -> str:
        self.advance(1)
        return "Routed one request."

    def apply_event(self, event: dict) -> list[str]:
        """One engine event in every restaurant, narrated; what each said."""
        summaries = []
        for restaurant in self.restaurants:
            try:
                outcome = restaurant.sim.apply(event)
            except ScenarioError as error:
                raise BadCommand(str(error)) from None
            restaurant.narrate(outcome.summary)
            summaries.append(outcome.summary)
        return summaries

    # -- saving and restoring ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything needed to carry on after a restart, JSON-able."""
        return {
            "code": self.code,
            "running": self.running,
            "speed": self.speed,
            "seq": self.seq,
            "restaurants": [r.to_dict() for r in self.restaurants],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Self:
        room = cls.__new__(cls)
        room.restore(data)
        room.after_restore(data)
        return room

    def restore(self, data: dict) -> None:
        """Read back what `to_dict` wrote (a subclass adds its own fields, then calls this)."""
        self.code = data["code"]
        self.running = data["running"]
        self.speed = data["speed"]
        self.seq = data["seq"]
        self.restaurants = [
            LiveRestaurant.from_dict(saved, self.restore_memory) for saved in data["restaurants"]
        ]

    def restore_memory(self, saved: dict) -> M:
        """A restaurant's drawing memory from what its `to_dict` wrote."""
        raise NotImplementedError

    def after_restore(self, data: dict) -> None:
        """Subclasses restore what they add to `to_dict`."""

    # -- time -------------------------------------------------------------------------------
    def tick(self) -> bool:
        """One tick: route this speed's worth of requests. Returns whether anything moved."""
        if not self.moving:
            return False
        self.advance(SPEEDS[self.speed - 1])
        return True

    def advance(self, requests: int) -> None:
        for restaurant in self.restaurants:
            decisions = restaurant.sim.step(requests)
            restaurant.recent = decisions
            if decisions:
                restaurant.last_decision = decisions[-1]
            breaks = sum(1 for decision in decisions if decision.cart_broken)
            stories = [decision.story for decision in decisions if decision.story]
            # A fast tick can hold dozens of stories; tell a few and count the rest.
            for story in stories[:STORIES_PER_TICK]:
                restaurant.narrate(story)
            if len(stories) > STORIES_PER_TICK:
                more = len(stories) - STORIES_PER_TICK
                restaurant.narrate(
                    f"…and {count(more, 'more notable seating')} in the same moment."
                )
            follow_up = restaurant.sim.follow_up()
            if follow_up:
                restaurant.narrate(follow_up)
            restaurant.history.append((len(decisions), breaks))
