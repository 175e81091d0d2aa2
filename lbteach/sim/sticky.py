"""Session affinity: the host remembers (or reads from a cookie) which table a customer uses.

HAProxy semantics throughout: the balance algorithm (`fallback`) is consulted only when no
persistence information applies, or when the remembered table cannot take the request
(redispatch). With `persist` a down table keeps receiving its customers, who get errors.
"""

from __future__ import annotations

from lbteach.sim.base import Balancer, Picker, Seating, honoured, persist_note, why_not
from lbteach.sim.model import UP, ip_to_str

MS = 1000.0


def fmt_s(ms: float) -> str:
    return f"{ms / MS:.0f} s"


class Persistent(Balancer):
    def __init__(self, r: Seating, fallback: Picker) -> None:
        super().__init__(r)
        self.fallback = fallback
        self.persist = r.settings.persist
        # The restaurant's lists are mutated in place, never replaced, so binding them here
        # saves an attribute lookup on every request.
        self.status = r.status

    def topology_changed(self) -> None:
        self.fallback.topology_changed()

    def _rebalance(self, now: float, explain: bool, why: str) -> int:
        t = self.fallback.pick(now, explain)
        if explain:
            self.reason = f"{why}; {self.fallback.reason}"
        return t

    def _redispatch(self, now: float, explain: bool, why: str) -> int:
        self.redispatches += 1
        self.redispatched = True
        return self._rebalance(now, explain, f"{why}, so it is redispatched")

    def state(self) -> dict:
        return {"fallback": self.fallback.state()}

    def load_state(self, state: dict) -> None:
        self.fallback.load_state(state["fallback"])


class Remembered:
    """Keys (an IP, a session id) remembered with a table and when they were last used.

    An entry unused for longer than `ttl` ms is stale: it no longer decides the table. The
    stick table and learned sessions share it; entries are [table, last use] lists so the
    hot path refreshes one in place.
    """

    __slots__ = ("entries", "ttl")

    def __init__(self, ttl: float):
        self.ttl = ttl
        self.entries: dict[int, list] = {}

    def table(self, key: int, now: float) -> int:
        """The remembered table, or -1 when the key is unknown or stale."""
        entry = self.entries.get(key)
        return -1 if entry is None or now - entry[1] > self.ttl else entry[0]

    def remember(self, key: int, t: int, now: float) -> None:
        self.entries[key] = [t, now]

    def forget(self, key: int) -> None:
        self.entries.pop(key, None)

    def rows(self) -> list[list]:
        return [[key, t, last] for key, (t, last) in self.entries.items()]

    def load(self, rows: list[list]) -> None:
        # In place: a host binds `entries` once, for speed.
        self.entries.clear()
        self.entries.update({key: [t, last] for key, t, last in rows})


class RemembersKeys(Persistent):
    """A host that keeps key -> table in a `Remembered` (stick table, learned sessions).

    `route` is shared: a fresh entry on a table that can take the customer decides; a stale
    one or none means a fresh balancing decision, and the table chosen is remembered. A
    subclass says which key a customer presents and how to tell each case.
    """

    def __init__(self, r: Seating, fallback: Picker, ttl: float, keys: list[int]) -> None:
        super().__init__(r, fallback)
        self.memory = Remembered(ttl)
        # Bound once for the hot path: the restaurant's lists and this dict change in place.
        self.entries = self.memory.entries
        self.ttl = ttl
        self.keys = keys  # each customer's key now; 0 for none yet

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        r = self.r
        key = self.keys[c]
        entry = self.entries.get(key) if key else None
        if entry is not None:
            t, last = entry
            if now - last <= self.ttl:
                if self.status[t] == UP or honoured(r, c, t, self.persist):
                    entry[1] = now
                    if explain:
                        self.reason = self.kept(key, t, now - last) + persist_note(r, t)
                    return t
                why = f"{self.kept(key, t, None)}, but {why_not(r, t)}"
                t = self._redispatch(now, explain, why)
            else:
                t = self._rebalance(now, explain, self.stale(key, now - last))
        else:
            t = self._rebalance(now, explain, self.unknown(key))
            if t >= 0 and not key:
                key = self.new_key(c)
        if t >= 0:
            self.memory.remember(key, t, now)
            if explain:
                self.reason += self.stored(key, t)
        return t

    def new_key(self, c: int) -> int:
        """The key of a customer who presented none (an app session is issued now)."""
        return self.keys[c]

    def kept(self, key: int, t: int, idle: float | None) -> str:
        raise NotImplementedError

    def stale(self, key: int, idle: float) -> str:
        raise NotImplementedError

    def unknown(self, key: int) -> str:
        raise NotImplementedError

    def stored(self, key: int, t: int) -> str:
        raise NotImplementedError

    def peek(self, c: int, now: float) -> int:
        t = self.memory.table(self.keys[c], now)
        return t if t >= 0 and honoured(self.r, c, t, self.persist) else -1

    def forget(self, c: int) -> None:
        self.memory.forget(self.keys[c])


class StickTable(RemembersKeys):
    """HAProxy `stick on src`: IP -> table, forgotten `stick_expire_s` after its last use."""

    name = "stick_table"

    def __init__(self, r: Seating, fallback: Picker) -> None:
        super().__init__(r, fallback, r.settings.stick_expire_s * MS, r.ips)

    def kept(self, key: int, t: int, idle: float | None) -> str:
        said = f"stick table: {ip_to_str(key)} -> table {self.r.names[t]}"
        return said if idle is None else f"{said} (last used {fmt_s(idle)} ago)"

    def stale(self, key: int, idle: float) -> str:
        return f"the stick entry for {ip_to_str(key)} expired (unused for {fmt_s(idle)})"

    def unknown(self, key: int) -> str:
        return f"no stick entry for {ip_to_str(key)}"

    def stored(self, key: int, t: int) -> str:
        return "; entry stored"

    def state(self) -> dict:
        return {**super().state(), "entries": self.memory.rows()}

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.memory.load(state["entries"])


class CookieInsert(Persistent):
    """HAProxy `cookie SERVERID insert` (or the ALB duration cookie): the cookie names the table."""

    name = "cookie_insert"

    def __init__(self, r: Seating, fallback: Picker) -> None:
        super().__init__(r, fallback)
        settings = r.settings
        self.max_idle = settings.max_idle_s * MS if settings.max_idle_s else 0.0
        self.max_life = settings.max_life_s * MS if settings.max_life_s else 0.0
        self.limited = bool(self.max_idle or self.max_life)
        self.cookie = r.cookie
        self.used = r.cookie_used

    def _expired(self, c: int, now: float) -> str:
        r = self.r
        if self.max_idle and now - r.cookie_used[c] > self.max_idle:
            return f"idle for {fmt_s(now - r.cookie_used[c])}, past max_idle_s"
        if self.max_life and now - r.cookie_set[c] > self.max_life:
            return f"set {fmt_s(now - r.cookie_set[c])} ago, past max_life_s"
        return ""

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        t = self.cookie[c]
        if t >= 0:
            if self.status[t] == UP and not self.limited:
                # The common case, kept short: a valid cookie naming an up table.
                self.used[c] = now
                if explain:
                    self.reason = f"cookie SERVERID={self.r.names[t]} names table {self.r.names[t]}"
                return t
            r = self.r
            expired = self.limited and self._expired(c, now)
            if expired:
                why = f"cookie SERVERID={r.names[t]} is ignored ({expired})"
                t = self._rebalance(now, explain, why)
            elif honoured(r, c, t, self.persist):
                r.cookie_used[c] = now
                if explain:
                    self.reason = (
                        f"cookie SERVERID={r.names[t]} names table {r.names[t]}{persist_note(r, t)}"
                    )
                return t
            else:
                why = f"cookie SERVERID={r.names[t]} names table {r.names[t]}, but {why_not(r, t)}"
                t = self._redispatch(now, explain, why)
        else:
            r = self.r
            t = self._rebalance(now, explain, "no SERVERID cookie")
        if t >= 0:
            r.cookie[c] = t
            r.cookie_set[c] = r.cookie_used[c] = now
            if explain:
                self.reason += f"; cookie SERVERID={r.names[t]} inserted"
        return t

    def peek(self, c: int, now: float) -> int:
        t = self.r.cookie[c]
        if t < 0 or self._expired(c, now):
            return -1
        return t if honoured(self.r, c, t, self.persist) else -1


class SessionId(RemembersKeys):
    """The app's session cookie, learned (nginx sticky learn, ALB application cookie AWSALBAPP).

    A learned session is forgotten after `session_idle_s` without use. When its table cannot
    serve, the session is redispatched and re-learned on the new table, where it stays even
    after the old table returns.
    """

    name = "session_id"

    def __init__(self, r: Seating, fallback: Picker) -> None:
        super().__init__(r, fallback, r.settings.session_idle_s * MS, r.session)

    def new_key(self, c: int) -> int:
        return self.r.issue_session(c)

    def kept(self, key: int, t: int, idle: float | None) -> str:
        return f"session s{key} was learned on table {self.r.names[t]}"

    def stale(self, key: int, idle: float) -> str:
        return f"session s{key} was forgotten (idle {fmt_s(idle)})"

    def unknown(self, key: int) -> str:
        return f"session s{key} is not known to the host" if key else "no session cookie yet"

    def stored(self, key: int, t: int) -> str:
        return f"; session s{key} learned on table {self.r.names[t]}"

    def state(self) -> dict:
        return {**super().state(), "learned": self.memory.rows()}

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.memory.load(state["learned"])
