"""The one interface every balancer shares: route a request, peek without side effects."""

from __future__ import annotations

import random
from collections import deque
from typing import Protocol

from lbteach.sim.model import DOWN, DRAINING, UP


class SeatingSettings(Protocol):
    """The scenario's knobs a balancer reads (a Scenario has them all)."""

    @property
    def fallback(self) -> str: ...
    @property
    def persist(self) -> bool: ...
    @property
    def addresses(self) -> tuple[str, ...] | None: ...
    @property
    def stick_expire_s(self) -> float: ...
    @property
    def session_idle_s(self) -> float: ...
    @property
    def max_idle_s(self) -> float | None: ...
    @property
    def max_life_s(self) -> float | None: ...


class Seating(Protocol):
    """What a host sees of its restaurant when it seats a customer (a Restaurant is one).

    A shape rather than the Restaurant itself, so that the restaurant, which makes its
    balancer, and the balancers, which read the restaurant, do not import each other.
    Balancers change the customers' cookies and sessions in place; they replace no list.
    """

    @property
    def settings(self) -> SeatingSettings: ...
    @property
    def rng(self) -> random.Random: ...
    @property
    def shared(self) -> bool: ...
    # the tables
    @property
    def names(self) -> list[str]: ...
    @property
    def status(self) -> list[int]: ...
    @property
    def weights(self) -> list[int]: ...
    @property
    def inv_weight(self) -> list[float]: ...
    @property
    def table_region(self) -> list[int]: ...
    @property
    def region_names(self) -> list[str]: ...
    @property
    def inflight(self) -> list[deque[float]]: ...
    # the customers
    @property
    def ips(self) -> list[int]: ...
    @property
    def client_region(self) -> list[int]: ...
    @property
    def cookie(self) -> list[int]: ...
    @property
    def cookie_set(self) -> list[float]: ...
    @property
    def cookie_used(self) -> list[float]: ...
    @property
    def session(self) -> list[int]: ...
    @property
    def cart_items(self) -> list[int]: ...
    @property
    def cart_table(self) -> list[int]: ...

    def live_tables(self) -> list[int]: ...
    def issue_session(self, c: int) -> int: ...


NO_TABLE_UP = "no table is up, so the host turns the customer away"


class Balancer:
    """A host's seating rule.

    `route` decides a request's table (an index, or -1 when no table can take it) and may
    update the balancer's memory; with `explain` it also leaves a one-line `reason` and sets
    `redispatched`. `peek` answers where a customer's next request would go without changing
    anything; -1 means "not pinned to any table" (a fresh balancing decision).
    """

    name = ""

    def __init__(self, r: Seating) -> None:
        self.r = r
        self.reason = ""
        self.redispatched = False
        self.redispatches = 0

    def topology_changed(self) -> None:
        """Tables were added, or changed state: rebuild anything derived from them."""

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        raise NotImplementedError

    def peek(self, c: int, now: float) -> int:
        return -1

    def arithmetic(self, c: int, path: str) -> list[str]:
        """The steps behind customer c's decision, one per line (`route --explain`)."""
        return []

    def forget(self, c: int) -> None:
        """Drop whatever persistence this balancer keeps for customer c (sessions expired)."""

    def state(self) -> dict:
        return {}

    def load_state(self, state: dict) -> None:
        pass


class Picker(Balancer):
    """A stateless algorithm that can also serve a stateful balancer as its fallback."""

    def pick(self, now: float, explain: bool = False) -> int:
        """A decision for a request about which nothing is known (no customer, no path)."""
        return self.route(-1, "/", now, explain)


class TakesTurns(Picker):
    """A picker whose only memory is whose turn is next: saved and restored as just that."""

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.turn = 0

    def state(self) -> dict:
        return {"turn": self.turn}

    def load_state(self, state: dict) -> None:
        self.turn = state["turn"]


def table_list(r: Seating, tables: list[int]) -> str:
    return ", ".join(r.names[t] for t in tables)


def honoured(r: Seating, c: int, t: int, persist: bool) -> bool:
    """Does persistence pointing customer c at table t still apply?

    An up table always takes it; a draining table only finishes a session in progress (the
    customer has a cart there); a down table only with `persist` (HAProxy option persist).
    """
    status = r.status[t]
    if status == UP:
        return True
    if status == DRAINING:
        return r.cart_items[c] > 0 and (r.shared or r.cart_table[c] == t)
    return status == DOWN and persist


def why_not(r: Seating, t: int) -> str:
    if r.status[t] == DRAINING:
        return f"table {r.names[t]} is draining and takes no new sessions"
    return f"table {r.names[t]} is down"


def persist_note(r: Seating, t: int) -> str:
    if r.status[t] != DOWN:
        return ""
    return ", which is down, and option persist keeps sending the customer there"
