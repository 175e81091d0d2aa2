"""A room: one or two live restaurants, what the action table's commands do to them, and
what to narrate.

A private lab is a room with one viewer; a classroom is a room with many; compare mode is
a room with two restaurants fed the same customers and events. All of it is plain,
synchronous state over `lbteach.sim`, so it can be tested without a server; the async
driver that ticks rooms and delivers frames lives in `lbteach.live.broadcast`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar, Self
from urllib.parse import urlencode

from django.urls import reverse

from lbteach.lab.actions import EVENTS, LAB, LAB_ACTIONS, ActionTable, Sender
from lbteach.lab.sharelink import LOG_LIMIT, MAX_CUSTOMERS, LabSetup, log_entry
from lbteach.live.commands import SPEEDS, BadCommand, Command
from lbteach.scene.memory import SceneMemory
from lbteach.sim import BALANCERS, Decision, ScenarioError, Simulation, scenario_from_preset
from lbteach.sim.words import count

NARRATION_LINES = 8
HISTORY_POINTS = 60
STORIES_PER_TICK = 3
LAB_SENDER = Sender(LAB)


@dataclass
class LiveRestaurant:
    """One simulated restaurant of a room, and what its viewers have been told about it."""

    side: str
    sim: Simulation
    narration: deque = field(default_factory=lambda: deque(maxlen=NARRATION_LINES))
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY_POINTS))
    recent: list[Decision] = field(default_factory=list)  # decisions of the last tick
    last_decision: Decision | None = None  # the latest decision of any tick, for the host
    narration_count: int = 0
    scene: SceneMemory = field(default_factory=SceneMemory)  # whose carts the scene shows

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
    def from_dict(cls, saved: dict) -> LiveRestaurant:
        restaurant = cls(saved["side"], Simulation.from_dict(saved["sim"]))
        restaurant.narration.extend(tuple(item) for item in saved["narration"])
        restaurant.narration_count = saved["narration_count"]
        restaurant.history.extend(tuple(point) for point in saved["history"])
        restaurant.recent = [Decision(**decision) for decision in saved.get("recent", [])]
        last = saved.get("last_decision")
        restaurant.last_decision = Decision(**last) if last else None
        restaurant.scene = SceneMemory.from_dict(saved.get("scene", {}))
        return restaurant


class Room:
    """The state of one running room; every viewer sees the same frames."""

    shareable: ClassVar[bool] = True  # a lab run can be shared as a link; a class cannot
    actions: ClassVar[ActionTable] = LAB_ACTIONS

    def __init__(self, code: str, setup: LabSetup) -> None:
        self.code = code
        self.setup = setup
        self.running = True
        self.speed = 2
        self.seq = 0
        self.log: list[str] = []
        self.restaurants = self._build()

    def _build(self) -> list[LiveRestaurant]:
        sides = ("left", "right") if self.setup.compare else ("main",)
        restaurants = []
        for side, balancer in zip(sides, self.setup.balancers, strict=True):
            scenario = scenario_from_preset(
                self.setup.scenario,
                balancer=balancer,
                seed=self.setup.seed,
                shared_sessions=self.setup.shared_sessions,
                clients=0,
                events=[],
            )
            restaurants.append(LiveRestaurant(side, Simulation(scenario)))
        if self.setup.customers:
            for restaurant in restaurants:
                restaurant.sim.add_clients(self.setup.customers)
        return restaurants

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
    def apply(self, command: Command, sender: Sender = LAB_SENDER) -> str:
        """Carry out one checked command; return the sentence for the status region."""
        action = self.actions[command.action]
        if action.run is None:
            raise BadCommand(f"“{command.action}” is not something this room does.")
        requests = self.requests
        message = action.run(self, command.params, sender)
        if action.logged and self.shareable and len(self.log) < LOG_LIMIT:
            self.log.append(log_entry(requests, command, self.actions))
        return message

    def add_customers(self, number: int, who: str = "customer") -> str:
        room_left = MAX_CUSTOMERS - self.customers
        if room_left <= 0:
            raise BadCommand(f"The restaurant is full: at most {MAX_CUSTOMERS} customers.")
        number = min(number, room_left)
        for restaurant in self.restaurants:
            ids = restaurant.sim.add_clients(number)
            restaurant.narrate(
                f"{number} customers walked in (customers {ids[0]} to {ids[-1]})."
                if number > 1
                else f"Customer {ids[0]} walked in."
            )
        return f"Added {count(number, who)}."

    # -- a class's students, replayed: customers the host only serves when they tap ---------
    def seat_customer(self) -> str:
        """A customer who walks in but orders only when told to (a class's student)."""
        for restaurant in self.restaurants:
            customer = restaurant.sim.add_clients(1, auto=False)[0]
            restaurant.narrate(f"Customer {customer} walked in (a student's phone).")
        return f"Customer {customer} walked in."

    def customer_does(self, customer: int, kind: str) -> str:
        """One customer's request ("add_to_cart", "checkout") or phone event ("change_ip",
        "clear_cookies"), in every restaurant."""
        said = ""
        for restaurant in self.restaurants:
            try:
                if kind in ("change_ip", "clear_cookies"):
                    said = restaurant.sim.client_event(customer, kind).summary
                    restaurant.narrate(said)
                    continue
                decision = restaurant.sim.request(customer, kind)
            except ScenarioError as error:
                raise BadCommand(str(error)) from None
            restaurant.recent = [decision]
            restaurant.last_decision = decision
            if decision.story:
                restaurant.narrate(decision.story)
            said = f"Customer {customer} was seated at table {decision.server}."
        return said

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

    def reset(self) -> str:
        self.restaurants = self._build()
        self.log = []
        return "Reset: a fresh restaurant with the same seed."

    def set_balancer(self, balancer: str) -> str:
        if balancer not in BALANCERS:
            raise BadCommand(f"Unknown balancer {balancer!r}. Choose one from the list.")
        if self.setup.compare:
            raise BadCommand("Compare mode keeps one balancer per restaurant.")
        self._apply_event({"do": "set_balancer", "balancer": balancer})
        return f"The host now uses {BALANCERS[balancer].title}."

    def set_shared_sessions(self, on: bool) -> str:
        self._apply_event({"do": "set_shared_sessions", "value": on})
        return "Shared session store on." if on else "Shared session store off."

    def event(self, button: str, table: str | None) -> str:
        """What a restaurant-wide button does: one engine event, in every restaurant."""
        event = dict(EVENTS[button])
        target = table or self._default_table(button)
        if target:
            event["server"] = target
        return self._apply_event(event)[0]

    def _default_table(self, button: str) -> str | None:
        """Pick the table a button means when the viewer did not name one."""
        tables = self.restaurants[0].sim.view()["tables"]
        if button == "restore_table":
            down = [t["name"] for t in tables if t["status"] != "up"]
            return down[0] if down else None
        if button in ("crash_table", "remove_table"):
            up = [t for t in tables if t["status"] == "up"]
            if not up:
                return None
            # The table holding the most carts makes the lesson visible.
            return max(up, key=lambda t: (len(t["carts"]), -ord(t["name"])))["name"]
        return None

    def _apply_event(self, event: dict) -> list[str]:
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
    def to_dict(self) -> dict:
        """Everything needed to carry on after a restart, JSON-able."""
        return {
            "code": self.code,
            "setup": self.setup.to_dict(),
            "running": self.running,
            "speed": self.speed,
            "seq": self.seq,
            "log": list(self.log),
            "restaurants": [r.to_dict() for r in self.restaurants],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Self:
        room = cls.__new__(cls)
        room.code = data["code"]
        room.setup = LabSetup.from_dict(data["setup"])
        room.running = data["running"]
        room.speed = data["speed"]
        room.seq = data["seq"]
        room.log = list(data["log"])
        room.restaurants = [LiveRestaurant.from_dict(saved) for saved in data["restaurants"]]
        room.after_restore(data)
        return room

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

    def share_query(self) -> dict[str, str]:
        """The query string that reproduces this run on another machine."""
        return self.setup.query(self.log)

    def share_url(self) -> str:
        """The address that reproduces this run: same seed, same customers, same events."""
        page = reverse("lab:compare" if self.setup.compare else "lab:lab")
        return f"{page}?{urlencode(self.share_query())}"
