"""Who sits where in the real restaurant: each client's last table, for the class projector.

A client is known by its table session cookie (a phone's browser, a private tab) or, before
it has one, by its address. Only the newest GUEST_LIMIT clients are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

GUEST_LIMIT = 300


@dataclass
class Guest:
    label: str  # what the projector shows: the address, and the session's first letters
    address: str
    table: str
    items: int
    requests: int = 1


class Guests:
    def __init__(self) -> None:
        self.by_key: OrderedDict[str, Guest] = OrderedDict()

    def seat(self, session: str, address: str, table: str, items: int) -> None:
        key = session or f"address {address}"
        guest = self.by_key.pop(key, None)
        if guest is None:
            guest = Guest("", address, table, items, 0)
        # The address may change between requests ("change my network"): label it afresh.
        guest.label = f"{address} · {session[:4]}" if session else address
        guest.table, guest.items, guest.address = table, items, address
        guest.requests += 1
        self.by_key[key] = guest
        while len(self.by_key) > GUEST_LIMIT:
            self.by_key.popitem(last=False)

    def at(self, table: str) -> list[dict]:
        return [vars(g).copy() for g in self.by_key.values() if g.table == table]

    def count(self) -> int:
        return len(self.by_key)
