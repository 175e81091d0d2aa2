"""The lab's room: the live room base (`lbteach.live.room`) with a share link's setup and
log, the lab's buttons, and compare mode's two restaurants fed the same customers and events.

A private lab is a room with one viewer; a class's room (`lbteach.classroom.room`) builds on
this one. The generic part (restaurants, ticking, narration, history, saving) is
`lbteach.live.room.RestaurantRoom`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.urls import get_script_prefix, reverse

from lbteach.lab.actions import EVENTS, LAB_ACTIONS
from lbteach.lab.sharelink import (
    LOG_LIMIT,
    MAX_CUSTOMERS,
    MAX_REPLAY_REQUESTS,
    LabSetup,
    log_entry,
)
from lbteach.live.actions import LAB, ActionTable, Sender
from lbteach.live.commands import BadCommand, Command
from lbteach.live.room import LiveRestaurant, RestaurantRoom
from lbteach.scene.memory import SceneMemory
from lbteach.sim import BALANCERS, ScenarioError, Simulation, scenario_from_preset
from lbteach.sim.words import count

LAB_SENDER = Sender(LAB)


class Room(RestaurantRoom[SceneMemory]):
    """A lab's running room: its setup, the log a share link replays, and the lab's buttons."""

    shareable: ClassVar[bool] = True  # a lab run can be shared as a link; a class cannot
    actions: ClassVar[ActionTable] = LAB_ACTIONS
    setup: LabSetup
    log: list[str]
    # A logged command came that a link cannot carry (past LOG_LIMIT steps, or past
    # MAX_REPLAY_REQUESTS requests): from then on no link reproduces this run.
    log_overflowed: bool

    def __init__(self, code: str, setup: LabSetup) -> None:
        self.setup = setup
        self.log = []
        self.log_overflowed = False
        super().__init__(code, self._build())

    def _build(self) -> list[LiveRestaurant[SceneMemory]]:
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
            restaurants.append(LiveRestaurant(side, Simulation(scenario), SceneMemory()))
        if self.setup.customers:
            for restaurant in restaurants:
                restaurant.sim.add_clients(self.setup.customers)
        return restaurants

    # -- commands ---------------------------------------------------------------------------
    def apply(self, command: Command, sender: Sender = LAB_SENDER) -> str:
        """Carry out one checked command; return the sentence for the status region."""
        requests = self.requests
        message = super().apply(command, sender)
        if self.actions[command.action].logged and self.shareable:
            if len(self.log) < LOG_LIMIT and requests <= MAX_REPLAY_REQUESTS:
                self.log.append(log_entry(requests, command, self.actions))
            else:
                self.log_overflowed = True
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

    def reset(self) -> str:
        self.restaurants = self._build()
        self.log = []
        return "Reset: a fresh restaurant with the same seed."

    def set_balancer(self, balancer: str) -> str:
        if balancer not in BALANCERS:
            raise BadCommand(f"Unknown balancer {balancer!r}. Choose one from the list.")
        if self.setup.compare:
            raise BadCommand("Compare mode keeps one balancer per restaurant.")
        self.apply_event({"do": "set_balancer", "balancer": balancer})
        return f"The host now uses {BALANCERS[balancer].title}."

    def set_shared_sessions(self, on: bool) -> str:
        self.apply_event({"do": "set_shared_sessions", "value": on})
        return "Shared session store on." if on else "Shared session store off."

    def event(self, button: str, table: str | None) -> str:
        """What a restaurant-wide button does: one engine event, in every restaurant."""
        event = dict(EVENTS[button])
        target = table or self._default_table(event["do"])
        if target:
            event["server"] = target
        return self.apply_event(event)[0]

    def _default_table(self, do: str) -> str | None:
        """Pick the table an engine event means when the viewer did not name one."""
        tables = self.restaurants[0].sim.view()["tables"]
        if do == "restore_server":
            down = [t["name"] for t in tables if t["status"] != "up"]
            return down[0] if down else None
        if do in ("crash_server", "remove_server"):
            up = [t for t in tables if t["status"] == "up"]
            if not up:
                return None
            # The table holding the most carts makes the lesson visible.
            return max(up, key=lambda t: (len(t["carts"]), -ord(t["name"])))["name"]
        return None

    # -- saving and restoring ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything needed to carry on after a restart, JSON-able."""
        return {
            **super().to_dict(),
            "setup": self.setup.to_dict(),
            "log": list(self.log),
            "log_overflowed": self.log_overflowed,
        }

    def restore(self, data: dict) -> None:
        self.setup = LabSetup.from_dict(data["setup"])
        self.log = list(data["log"])
        self.log_overflowed = bool(data.get("log_overflowed", False))  # runs saved before it
        super().restore(data)

    def restore_memory(self, saved: dict) -> SceneMemory:
        return SceneMemory.from_dict(saved)

    def share_query(self) -> dict[str, str]:
        """The query string that reproduces this run on another machine."""
        return self.setup.query(self.log)

    def share_url(self) -> str:
        """The address that reproduces this run: same seed, same customers, same events."""
        page = "lab:compare" if self.setup.compare else "lab:lab"
        return _address(page, get_script_prefix(), tuple(self.share_query().items()))


@lru_cache(maxsize=256)
def _address(page: str, prefix: str, query: tuple[tuple[str, str], ...]) -> str:
    """A page's address with its query: every frame shows the run's link, and reversing and
    encoding it was a fortieth of a frame; `prefix` (the script prefix `reverse` reads) keys
    the cache too."""
    return f"{reverse(page)}?{urlencode(query)}"
