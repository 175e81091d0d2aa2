"""The one interface every balancer shares: route a request, peek without side effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lbteach.sim.model import DOWN, DRAINING, UP

if TYPE_CHECKING:
    from lbteach.sim.restaurant import Restaurant


NO_TABLE_UP = "no table is up, so the host turns the customer away"


class Balancer:
    """A host's seating rule.

    `route` decides a request's table (an index, or -1 when no table can take it) and may
    update the balancer's memory; with `explain` it also leaves a one-line `reason` and sets
    `redispatched`. `peek` answers where a customer's next request would go without changing
    anything; -1 means "not pinned to any table" (a fresh balancing decision).
    """

    name = ""

    def __init__(self, r: Restaurant):
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

    def __init__(self, r: Restaurant):
        super().__init__(r)
        self.turn = 0

    def state(self) -> dict:
        return {"turn": self.turn}

    def load_state(self, state: dict) -> None:
        self.turn = state["turn"]


def table_list(r: Restaurant, tables: list[int]) -> str:
    return ", ".join(r.names[t] for t in tables)


def honoured(r: Restaurant, c: int, t: int, persist: bool) -> bool:
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


def why_not(r: Restaurant, t: int) -> str:
    if r.status[t] == DRAINING:
        return f"table {r.names[t]} is draining and takes no new sessions"
    return f"table {r.names[t]} is down"


def persist_note(r: Restaurant, t: int) -> str:
    if r.status[t] != DOWN:
        return ""
    return ", which is down, and option persist keeps sending the customer there"
