"""Session affinity: the host remembers (or reads from a cookie) which table a customer uses.

HAProxy semantics throughout: the balance algorithm (`fallback`) is consulted only when no
persistence information applies, or when the remembered table cannot take the request
(redispatch). With `persist` a down table keeps receiving its customers, who get errors.
"""

from __future__ import annotations

from lbteach.sim.base import Balancer, honoured, persist_note, why_not
from lbteach.sim.model import UP, ip_to_str

MS = 1000.0


def fmt_s(ms: float) -> str:
    return f"{ms / MS:.0f} s"


class Persistent(Balancer):
    def __init__(self, r, fallback):
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


class StickTable(Persistent):
    """HAProxy `stick on src`: IP -> table, forgotten `stick_expire_s` after its last use."""

    name = "stick_table"

    def __init__(self, r, fallback):
        super().__init__(r, fallback)
        self.expire = r.settings.stick_expire_s * MS
        self.entries: dict[int, list] = {}

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        r = self.r
        ip = r.ips[c]
        entry = self.entries.get(ip)
        if entry is not None:
            t, last = entry
            if now - last <= self.expire:
                if self.status[t] == UP or honoured(r, c, t, self.persist):
                    entry[1] = now
                    if explain:
                        self.reason = (
                            f"stick table: {ip_to_str(ip)} -> table {r.names[t]}"
                            f" (last used {fmt_s(now - last)} ago){persist_note(r, t)}"
                        )
                    return t
                why = f"stick table: {ip_to_str(ip)} -> table {r.names[t]}, but {why_not(r, t)}"
                t = self._redispatch(now, explain, why)
            else:
                why = (
                    f"the stick entry for {ip_to_str(ip)} expired (unused for {fmt_s(now - last)})"
                )
                t = self._rebalance(now, explain, why)
        else:
            t = self._rebalance(now, explain, f"no stick entry for {ip_to_str(ip)}")
        if t >= 0:
            self.entries[ip] = [t, now]
            if explain:
                self.reason += "; entry stored"
        return t

    def peek(self, c: int, now: float) -> int:
        entry = self.entries.get(self.r.ips[c])
        if entry is None or now - entry[1] > self.expire:
            return -1
        return entry[0] if honoured(self.r, c, entry[0], self.persist) else -1

    def forget(self, c: int) -> None:
        self.entries.pop(self.r.ips[c], None)

    def state(self) -> dict:
        return {
            **super().state(),
            "entries": [[ip, t, last] for ip, (t, last) in self.entries.items()],
        }

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.entries = {ip: [t, last] for ip, t, last in state["entries"]}


class CookieInsert(Persistent):
    """HAProxy `cookie SERVERID insert` (or the ALB duration cookie): the cookie names the table."""

    name = "cookie_insert"

    def __init__(self, r, fallback):
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


class SessionId(Persistent):
    """The app's session cookie, learned (nginx sticky learn, ALB application cookie AWSALBAPP).

    A learned session is forgotten after `session_idle_s` without use. When its table cannot
    serve, the session is redispatched and re-learned on the new table, where it stays even
    after the old table returns.
    """

    name = "session_id"

    def __init__(self, r, fallback):
        super().__init__(r, fallback)
        self.idle = r.settings.session_idle_s * MS
        self.learned: dict[int, list] = {}

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        r = self.r
        s = r.session[c]
        if s:
            entry = self.learned.get(s)
            if entry is not None and now - entry[1] <= self.idle:
                t = entry[0]
                if self.status[t] == UP or honoured(r, c, t, self.persist):
                    entry[1] = now
                    if explain:
                        self.reason = (
                            f"session s{s} was learned on table {r.names[t]}{persist_note(r, t)}"
                        )
                    return t
                why = f"session s{s} was learned on table {r.names[t]}, but {why_not(r, t)}"
                t = self._redispatch(now, explain, why)
            elif entry is not None:
                why = f"session s{s} was forgotten (idle {fmt_s(now - entry[1])})"
                t = self._rebalance(now, explain, why)
            else:
                t = self._rebalance(now, explain, f"session s{s} is not known to the host")
        else:
            t = self._rebalance(now, explain, "no session cookie yet")
            if t >= 0:
                s = r.issue_session(c)
        if t >= 0:
            self.learned[s] = [t, now]
            if explain:
                self.reason += f"; session s{s} learned on table {r.names[t]}"
        return t

    def peek(self, c: int, now: float) -> int:
        entry = self.learned.get(self.r.session[c])
        if entry is None or now - entry[1] > self.idle:
            return -1
        return entry[0] if honoured(self.r, c, entry[0], self.persist) else -1

    def forget(self, c: int) -> None:
        self.learned.pop(self.r.session[c], None)

    def state(self) -> dict:
        return {
            **super().state(),
            "learned": [[s, t, last] for s, (t, last) in self.learned.items()],
        }

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.learned = {s: [t, last] for s, t, last in state["learned"]}
