"""Simulation: one restaurant driven by one workload and a schedule of events; and compare()."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lbteach.sim.balancers import BALANCERS
from lbteach.sim.checks import check_choice, check_int, is_int
from lbteach.sim.errors import ScenarioError
from lbteach.sim.event_fields import check_event
from lbteach.sim.events import CUSTOMER_EVENTS, EVENT_KINDS, apply_event
from lbteach.sim.model import ACTION_CODES, ACTIONS
from lbteach.sim.readout import metrics, view
from lbteach.sim.restaurant import Restaurant
from lbteach.sim.results import Decision, EventOutcome, RunResult
from lbteach.sim.scenario import MAX_CLIENTS, Scenario
from lbteach.sim.workload import Workload

STATE_VERSION = 1
# Batch runs generate requests in chunks: big enough to amortise the loop set-up, small
# enough that memory stays flat for millions of requests.
CHUNK = 8192
CLIENT_EVENTS = ("change_ip", "clear_cookies")
Progress = Callable[[int, int], object]  # called with (requests done, requests in all)


class Simulation:
    """A deterministic run of one scenario. See the package docstring for the API."""

    def __init__(self, scenario: Scenario):
        self._setup(scenario, [scenario.balancer])
        if scenario.clients:
            self.add_clients(scenario.clients)

    def _setup(self, scenario: Scenario, balancers: list[str]) -> None:
        self.scenario = scenario
        self.workload = Workload(scenario)
        self.restaurants = [Restaurant(scenario, name) for name in balancers]
        self.started_with = list(balancers)
        self._schedule = list(scenario.events)
        self._next_event = 0

    @classmethod
    def _bare(cls, scenario: Scenario, balancers: list[str]) -> Simulation:
        sim = cls.__new__(cls)
        sim._setup(scenario, balancers)
        return sim

    @property
    def restaurant(self) -> Restaurant:
        return self.restaurants[0]

    @property
    def index(self) -> int:
        return self.restaurants[0].index

    # -- customers --------------------------------------------------------------------------
    def add_clients(self, n: int, auto: bool = True) -> list[int]:
        """Add n customers (ids from 1); `auto=False` for customers a person drives."""
        room = MAX_CLIENTS - len(self.workload.ips)
        check_int("clients", n, 0, room)
        added = self.workload.add_clients(n, auto)
        ips = [self.workload.ips[c] for c in added]
        regions = [self.workload.regions[c] for c in added]
        for r in self.restaurants:
            r.add_clients(ips, regions)
        return [c + 1 for c in added]

    def _client(self, client_id: object) -> int:
        n = len(self.workload.ips)
        if not is_int(client_id) or not 1 <= client_id <= n:
            allowed = f"a customer id from 1 to {n}" if n else "no customer exists yet"
            raise ScenarioError("client", client_id, allowed)
        return client_id - 1

    # -- events -----------------------------------------------------------------------------
    def _apply_checked(self, event: dict) -> EventOutcome:
        # The customer side is drawn once, so every restaurant sees the same customers move.
        drawn = EVENT_KINDS[event["do"]].draw(self.workload, event)
        outcomes = [apply_event(r, event, drawn) for r in self.restaurants]
        return outcomes[0]

    def _apply_due(self) -> None:
        schedule = self._schedule
        while self._next_event < len(schedule) and schedule[self._next_event]["at"] <= self.index:
            event = schedule[self._next_event]
            self._next_event += 1
            self._apply_checked(event)

    def _until_next_event(self) -> int:
        if self._next_event < len(self._schedule):
            return self._schedule[self._next_event]["at"] - self.index
        return 1 << 62

    def apply(self, event: dict) -> EventOutcome:
        """Apply an event now. It is checked like a scenario event; on error nothing changes."""
        checked = check_event(
            "event",
            event,
            len(self.restaurant.names),
            list(self.scenario.regions),
            need_at=False,
        )
        checked["at"] = self.index
        return self._apply_checked(checked)

    def client_event(self, client_id: int, do: str) -> EventOutcome:
        """One customer switches network or clears cookies (a student's phone buttons)."""
        check_choice("do", do, CLIENT_EVENTS)
        c = self._client(client_id)
        drawn = CUSTOMER_EVENTS[do].draw_for(self.workload, [c])
        event = {"do": do, "at": self.index, "share": 1.0}
        # One customer's own event is no story to follow: their own next seat tells it.
        outcomes = [apply_event(r, event, drawn, follow=False) for r in self.restaurants]
        return outcomes[0]

    def follow_up(self) -> str | None:
        """Once everyone the latest customer event touched is back: where they sat (once)."""
        return self.restaurants[0].follow_up()

    # -- requests ---------------------------------------------------------------------------
    def step(self, n: int = 1) -> list[Decision]:
        """Generate and route the next n requests, applying scheduled events on the way."""
        check_int("n", n, 0, 1_000_000)
        decisions: list[Decision] = []
        while len(decisions) < n and self.workload.auto:
            self._apply_due()
            size = min(n - len(decisions), self._until_next_event())
            batch = self.workload.generate(size)
            decisions.extend(self.restaurants[0].serve(batch, record=True))
            for r in self.restaurants[1:]:
                r.serve(batch)
        return decisions

    def request(self, client_id: int, action: str) -> Decision:
        """One explicit request from one customer (a student's phone)."""
        c = self._client(client_id)
        check_choice("action", action, ACTIONS)
        self._apply_due()
        batch = [self.workload.explicit(c, ACTION_CODES[action])]
        decision = self.restaurants[0].serve(batch, record=True)[0]
        for r in self.restaurants[1:]:
            r.serve(batch)
        return decision

    def run(self, progress: Progress | None = None) -> RunResult:
        """Run in batch up to scenario.requests (fast path); progress(done, total) if given."""
        target = self.scenario.requests
        while self.index < target and self.workload.auto:
            self._apply_due()
            size = min(CHUNK, target - self.index, self._until_next_event())
            batch = self.workload.generate(size)
            for r in self.restaurants:
                r.serve(batch)
            if progress is not None:
                progress(self.index, target)
        self._apply_due()
        return self.result()

    # -- reading ----------------------------------------------------------------------------
    def metrics(self) -> dict:
        """The figures so far, with the same keys as the CLI's JSON run."""
        return self._metrics(0)

    def _metrics(self, i: int) -> dict:
        figures = metrics(self.restaurants[i])
        figures["balancer"] = self.started_with[i]
        return figures

    def result(self) -> RunResult:
        return RunResult.from_metrics(self.metrics())

    def view(self, lean: bool = False) -> dict:
        """A JSON-able, read-only picture of the restaurant for rendering (see `readout`)."""
        return view(self.restaurant, self.workload, lean)

    # -- state ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The full state, JSON-able, including random generator states."""
        return {
            "version": STATE_VERSION,
            "scenario": self.scenario.to_dict(),
            "started_with": list(self.started_with),
            "next_event": self._next_event,
            "workload": self.workload.to_dict(),
            "restaurants": [r.to_dict() for r in self.restaurants],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Simulation:
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            version = data.get("version") if isinstance(data, dict) else data
            raise ScenarioError(
                "version", version, f"state saved by this engine (version {STATE_VERSION})"
            )
        saved = dict(data["scenario"])
        # Rooms saved before the consistent-hash rings followed HAProxy and nginx carried a
        # ring size; the rings are now the products' own, so the old field is dropped.
        saved.pop("ring_points", None)
        scenario = Scenario.from_dict(saved)
        sim = cls._bare(scenario, data["started_with"])
        sim._next_event = data["next_event"]
        sim.workload.load(data["workload"])
        sim.restaurants = [Restaurant.from_dict(scenario, r) for r in data["restaurants"]]
        return sim


def compare(
    scenario: Scenario, balancer_names: Iterable[str], progress: Progress | None = None
) -> list[RunResult]:
    """Run the same workload, customer for customer, on each balancer; one result each.

    The restaurants advance in lockstep over one stream of requests and events, which is
    also why the workload is generated only once.
    """
    names = list(balancer_names)
    if not names:
        raise ScenarioError("balancers", names, "one or more of " + ", ".join(BALANCERS))
    for name in names:
        check_choice("balancers", name, BALANCERS)
    sim = Simulation._bare(scenario, names)
    if scenario.clients:
        sim.add_clients(scenario.clients)
    sim.run(progress)
    return [RunResult.from_metrics(sim._metrics(i)) for i in range(len(names))]
