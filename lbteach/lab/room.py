"""A room: one or two live restaurants, the commands viewers send them, and what to narrate.

A private lab is a room with one viewer; a classroom is a room with many; compare mode is
a room with two restaurants fed the same customers and events. All of it is plain,
synchronous state over `lbteach.sim`, so it can be tested without a server; the async
driver that ticks rooms and delivers frames lives in `lbteach.lab.broadcast`.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlencode

from lbteach.lab.commands import SPEEDS, BadCommand, Command
from lbteach.sim import (
    BALANCERS,
    PRESETS,
    ScenarioError,
    Simulation,
    scenario_from_preset,
)

DEFAULT_PRESET = "ecommerce_cart"
START_CUSTOMERS = 12
MAX_CUSTOMERS = 500
NARRATION_LINES = 8
HISTORY_POINTS = 60
LOG_LIMIT = 200
STORIES_PER_TICK = 3
# Events a button sends; `share` 1.0 makes the lesson unmissable: every mobile customer moves.
EVENT_ACTIONS = {
    "change_ip": {"do": "change_ip", "share": 1.0},
    "clear_cookies": {"do": "clear_cookies", "share": 1.0},
    "expire_sessions": {"do": "expire_sessions"},
    "add_table": {"do": "add_server"},
    "remove_table": {"do": "remove_server"},
    "crash_table": {"do": "crash_server"},
    "restore_table": {"do": "restore_server"},
}
LOGGED_ACTIONS = {"add_customers", "set_balancer", "shared_sessions", *EVENT_ACTIONS}
LOG_ENTRY = re.compile(r"^(\d{1,7})\.([a-z_]{3,20})(?:\.([A-Za-z0-9_]{1,40}))?$")


@dataclass(frozen=True)
class LabSetup:
    """Everything that, with the replay log, reproduces a run: what a share link carries."""

    scenario: str = DEFAULT_PRESET
    balancers: tuple[str, ...] = ("cookie_insert",)
    seed: int = 42
    shared_sessions: bool = False
    customers: int = START_CUSTOMERS

    @classmethod
    def from_query(cls, query, compare: bool = False) -> LabSetup:
        """Read a setup from a page's query string, falling back to the preset's own values."""
        name = query.get("scenario", DEFAULT_PRESET)
        if name not in PRESETS:
            name = DEFAULT_PRESET
        preset_balancer = PRESETS[name].scenario.get("balancer", "round_robin")
        if compare:
            left = _known_balancer(query.get("left"), "round_robin")
            right = _known_balancer(query.get("right"), "cookie_insert")
            balancers: tuple[str, ...] = (left, right)
        else:
            balancers = (_known_balancer(query.get("balancer"), preset_balancer),)
        shared_default = bool(PRESETS[name].scenario.get("shared_sessions", False))
        shared = query.get("shared")
        return cls(
            scenario=name,
            balancers=balancers,
            seed=_bounded_int(query.get("seed"), 42, 0, 2**31 - 1),
            shared_sessions=shared_default if shared is None else shared in ("1", "on", "true"),
            customers=_bounded_int(query.get("customers"), START_CUSTOMERS, 0, MAX_CUSTOMERS),
        )

    @property
    def compare(self) -> bool:
        return len(self.balancers) > 1


def _known_balancer(value: str | None, default: str) -> str:
    return value if value in BALANCERS else default


def _bounded_int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return min(max(number, low), high)


@dataclass
class Restaurant:
    """One simulated restaurant and what its viewers have been told about it."""

    side: str
    sim: Simulation
    narration: deque = field(default_factory=lambda: deque(maxlen=NARRATION_LINES))
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY_POINTS))
    recent: list = field(default_factory=list)  # decisions of the last tick
    last_decision: object = None  # the latest decision of any tick, for the host stand
    narration_count: int = 0

    def narrate(self, line: str) -> None:
        self.narration_count += 1
        self.narration.append((self.narration_count, line))


class Room:
    """The state of one running room; every viewer sees the same frames."""

    shareable = True  # a lab run can be shared as a link; a class cannot

    def __init__(self, code: str, setup: LabSetup, log: str = "") -> None:
        self.code = code
        self.setup = setup
        self.running = True
        self.speed = 2
        self.seq = 0
        self.log: list[str] = []
        self.restaurants = self._build()
        if log:
            self.replay(log)

    # -- building and replaying -------------------------------------------------------------
    def _build(self) -> list[Restaurant]:
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
            restaurant = Restaurant(side, Simulation(scenario))
            restaurants.append(restaurant)
        if self.setup.customers:
            for restaurant in restaurants:
                restaurant.sim.add_clients(self.setup.customers)
        return restaurants

    def reset(self) -> None:
        self.restaurants = self._build()
        self.log = []

    def replay(self, log: str) -> None:
        """Re-run a shared log of `index.action[.value]` entries; a bad entry is refused whole."""
        entries = [entry for entry in log.split("~") if entry][:LOG_LIMIT]
        parsed = []
        for entry in entries:
            match = LOG_ENTRY.match(entry)
            if not match or match[2] not in LOGGED_ACTIONS:
                raise BadCommand(f"The shared link's log entry {entry[:40]!r} is not valid.")
            parsed.append((int(match[1]), match[2], match[3]))
        for index, action, value in parsed:
            behind = index - self.requests
            if behind > 0:
                self.advance(behind)
            self.apply(Command(action, _params_from_log(action, value)))

    # -- commands ---------------------------------------------------------------------------
    @property
    def requests(self) -> int:
        return self.restaurants[0].sim.view()["requests"]

    @property
    def customers(self) -> int:
        return len(self.restaurants[0].sim.view()["clients"])

    def apply(self, command: Command) -> str:
        """Carry out one checked command; return the sentence for the status region."""
        handler = getattr(self, f"_do_{command.action}", None)
        if handler is None:
            return self._do_event(command)
        message = handler(**command.params)
        if command.action in LOGGED_ACTIONS:
            self._record(command)
        return message

    def _record(self, command: Command) -> None:
        value = next(iter(command.params.values()), None) if command.params else None
        if isinstance(value, bool):
            value = int(value)
        entry = f"{self.requests}.{command.action}" + (f".{value}" if value is not None else "")
        if len(self.log) < LOG_LIMIT:
            self.log.append(entry)

    def _do_add_customers(self, count: int) -> str:
        room_left = MAX_CUSTOMERS - self.customers
        if room_left <= 0:
            raise BadCommand(f"The restaurant is full: at most {MAX_CUSTOMERS} customers.")
        count = min(count, room_left)
        for restaurant in self.restaurants:
            ids = restaurant.sim.add_clients(count)
            restaurant.narrate(
                f"{count} customers walked in (customers {ids[0]} to {ids[-1]})."
                if count > 1
                else f"Customer {ids[0]} walked in."
            )
        return f"Added {count} customers."

    def _do_speed(self, speed: int) -> str:
        self.speed = speed
        return f"Speed {speed}: {SPEEDS[speed - 1]} requests per tick."

    def _do_pause(self) -> str:
        self.running = False
        return "Paused. Press Step to route one request at a time."

    def _do_resume(self) -> str:
        self.running = True
        return "Running."

    def _do_step(self) -> str:
        self.advance(1)
        return "Routed one request."

    def _do_reset(self) -> str:
        self.reset()
        return "Reset: a fresh restaurant with the same seed."

    def _do_snapshot(self) -> str:
        return ""

    def _do_set_balancer(self, balancer: str) -> str:
        if balancer not in BALANCERS:
            raise BadCommand(f"Unknown balancer {balancer!r}. Choose one from the list.")
        if self.setup.compare:
            raise BadCommand("Compare mode keeps one balancer per restaurant.")
        self._apply_event({"do": "set_balancer", "balancer": balancer})
        return f"The host now uses {BALANCERS[balancer].title}."

    def _do_shared_sessions(self, shared_sessions: bool) -> str:
        self._apply_event({"do": "set_shared_sessions", "value": shared_sessions})
        return "Shared session store on." if shared_sessions else "Shared session store off."

    def _do_event(self, command: Command) -> str:
        event = dict(EVENT_ACTIONS[command.action])
        if command.params.get("server"):
            event["server"] = command.params["server"]
        elif command.action != "add_table" and "server" not in event:
            target = self._default_table(command.action)
            if target:
                event["server"] = target
        summaries = self._apply_event(event)
        self._record(command)
        return summaries[0]

    def _default_table(self, action: str) -> str | None:
        """Pick the table a button means when the viewer did not name one."""
        tables = self.restaurants[0].sim.view()["tables"]
        if action in ("restore_table",):
            down = [t["name"] for t in tables if t["status"] != "up"]
            return down[0] if down else None
        if action in ("crash_table", "remove_table"):
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
            "setup": {
                "scenario": self.setup.scenario,
                "balancers": list(self.setup.balancers),
                "seed": self.setup.seed,
                "shared_sessions": self.setup.shared_sessions,
                "customers": self.setup.customers,
            },
            "running": self.running,
            "speed": self.speed,
            "seq": self.seq,
            "log": list(self.log),
            "restaurants": [
                {
                    "side": r.side,
                    "sim": r.sim.to_dict(),
                    "narration": [list(item) for item in r.narration],
                    "narration_count": r.narration_count,
                    "history": [list(point) for point in r.history],
                }
                for r in self.restaurants
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Room:
        room = cls.__new__(cls)
        setup = data["setup"]
        room.code = data["code"]
        room.setup = LabSetup(
            scenario=setup["scenario"],
            balancers=tuple(setup["balancers"]),
            seed=setup["seed"],
            shared_sessions=setup["shared_sessions"],
            customers=setup["customers"],
        )
        room.running = data["running"]
        room.speed = data["speed"]
        room.seq = data["seq"]
        room.log = list(data["log"])
        room.restaurants = []
        for saved in data["restaurants"]:
            restaurant = Restaurant(saved["side"], Simulation.from_dict(saved["sim"]))
            restaurant.narration.extend(tuple(item) for item in saved["narration"])
            restaurant.narration_count = saved["narration_count"]
            restaurant.history.extend(tuple(point) for point in saved["history"])
            room.restaurants.append(restaurant)
        room.after_restore(data)
        return room

    def after_restore(self, data: dict) -> None:
        """Subclasses restore what they add to `to_dict`."""

    # -- time -------------------------------------------------------------------------------
    def tick(self) -> None:
        """One tick of a running room: route this speed's worth of requests."""
        if self.running:
            self.advance(SPEEDS[self.speed - 1])

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
                    f"…and {more} more notable seating{'s' if more > 1 else ''} in the same moment."
                )
            restaurant.history.append((len(decisions), breaks))

    def share_url(self) -> str:
        """The address that reproduces this run: same seed, same customers, same events."""
        page = "/lab/compare/" if self.setup.compare else "/lab/"
        return f"{page}?{urlencode(self.share_query())}"

    def share_query(self) -> dict[str, str]:
        """The query string that reproduces this run on another machine."""
        query = {"scenario": self.setup.scenario, "seed": str(self.setup.seed)}
        if self.setup.compare:
            query["left"], query["right"] = self.setup.balancers
        else:
            query["balancer"] = self.setup.balancers[0]
        query["shared"] = "1" if self.setup.shared_sessions else "0"
        query["customers"] = str(self.setup.customers)
        if self.log:
            query["log"] = "~".join(self.log)
        return query


def _params_from_log(action: str, value: str | None) -> dict:
    if action == "add_customers":
        return {"count": int(value or 1)}
    if action == "set_balancer":
        return {"balancer": value or ""}
    if action == "shared_sessions":
        return {"shared_sessions": value == "1"}
    return {"server": value} if value else {}
