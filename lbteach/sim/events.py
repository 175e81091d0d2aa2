"""What each event does: the customers it draws and how it changes a restaurant.

An event is checked first (`event_fields.check_event`, where each kind's fields are
declared), so a bad one changes nothing. Applying it has two halves: the customer side
(`draw`: which customers change IP, clear cookies ...) is drawn once by the Simulation from
the workload, so restaurants run in lockstep see the same customers; the restaurant side
(`apply_event`) then changes one restaurant and returns the outcome for the narration.
"""

from __future__ import annotations

from typing import ClassVar

from lbteach.sim.balancers import BALANCERS, make_balancer
from lbteach.sim.model import (
    DOWN,
    DRAINING,
    NETWORK_NAMES,
    STATUS_NAMES,
    UP,
    ip_to_str,
)
from lbteach.sim.restaurant import Restaurant
from lbteach.sim.results import EventOutcome
from lbteach.sim.stories import FOLLOWED, moves_told
from lbteach.sim.words import count, plural
from lbteach.sim.workload import Workload

Outcome = tuple[str, dict]  # the sentence for the narration, and the event's details


class EventKind:
    """One kind of event, named `do` (its fields are declared in `event_fields`)."""

    do: ClassVar[str]
    # False when the event's own sentence already says whom it moved (a balancer switch).
    tells_moves: ClassVar[bool] = True

    def draw(self, wl: Workload, event: dict) -> dict:
        """The customer side, drawn once for every restaurant; most events have none."""
        return {}

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        raise NotImplementedError


class CustomerEvent(EventKind):
    """An event that happens to chosen customers; one customer can also ask for it (a phone)."""

    def draw_for(self, wl: Workload, clients: list[int]) -> dict:
        raise NotImplementedError


class AddServer(EventKind):
    do = "add_server"

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        region = event.get("region") or ""
        index = len(r.names)
        g = r.region_names.index(region) if region else index % len(r.region_names)
        t = r.new_table(event["weight"], g)
        r.balancer.topology_changed()
        return f"Table {r.names[t]} joined (weight {r.weights[t]}).", {
            "server": r.names[t],
            "weight": r.weights[t],
            "region": r.region_names[g],
        }


class RemoveServer(EventKind):
    do = "remove_server"

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        t = r.names.index(event["server"])
        name = r.names[t]
        if r.status[t] != UP:
            return f"Table {name} is already {STATUS_NAMES[r.status[t]]}.", {"server": name}
        r.status[t] = DRAINING
        r.balancer.topology_changed()
        carts = len(r.carts_at(t))
        if carts:
            summary = (
                f"Table {name} is draining: it finishes the {count(carts, 'cart')} it holds for"
                " customers who come back to it and takes no new customers."
            )
        else:
            summary = f"Table {name} is draining: it holds no carts and takes no new customers."
        return summary, {"server": name, "carts_held": carts}


class CrashServer(EventKind):
    do = "crash_server"

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        t = r.names.index(event["server"])
        name = r.names[t]
        if r.status[t] == DOWN:
            return f"Table {name} is already down.", {"server": name, "carts_lost": 0}
        lost = r.carts_at(t)
        for c in lost:
            r.cart_items[c] = 0
            r.cart_table[c] = -1
            r.notes[c] = f"lost their cart when table {name} crashed"
        r.lost += len(lost)
        r.stranded[t] = 0
        r.status[t] = DOWN
        r.inflight[t].clear()
        r.last_end[t] = 0.0
        r.balancer.topology_changed()
        if r.shared:
            summary = f"Table {name} crashed; carts live in the shared store, so none was lost."
        elif lost:
            n = len(lost)
            are = "is" if n == 1 else "are"
            summary = f"Table {name} crashed: the {count(n, 'cart')} in its memory {are} lost."
        else:
            summary = f"Table {name} crashed; it held no carts, so none was lost."
        return summary, {"server": name, "carts_lost": len(lost)}


class RestoreServer(EventKind):
    do = "restore_server"

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        t = r.names.index(event["server"])
        name = r.names[t]
        if r.status[t] == UP:
            return f"Table {name} is already up.", {"server": name}
        was = STATUS_NAMES[r.status[t]]
        r.status[t] = UP
        r.balancer.topology_changed()
        return f"Table {name} is back up (it was {was}).", {"server": name, "was": was}


class ChangeIp(CustomerEvent):
    do = "change_ip"

    def draw(self, wl: Workload, event: dict) -> dict:
        return self.draw_for(wl, wl.pick(event["share"], wl.mobile_clients()))

    def draw_for(self, wl: Workload, clients: list[int]) -> dict:
        return {"moves": [(c, *wl.switch_network(c)) for c in clients]}

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        moves = drawn["moves"]
        for c, old_ip, old_net, ip, net in moves:
            r.ips[c] = ip
            r.notes[c] = (
                f"switched from {NETWORK_NAMES[old_net]} to {NETWORK_NAMES[net]}:"
                f" {ip_to_str(old_ip)} -> {ip_to_str(ip)}"
            )
        who = plural(len(moves), "customer")
        summary = f"{len(moves)} mobile {who} switched network and got a new IP address."
        return summary, {"clients": len(moves)}


class PicksCustomers(CustomerEvent):
    """An event that happens to a share of all customers."""

    def draw(self, wl: Workload, event: dict) -> dict:
        return self.draw_for(wl, wl.pick(event["share"], range(len(wl.ips))))

    def draw_for(self, wl: Workload, clients: list[int]) -> dict:
        return {"clients": clients}


class ClearCookies(PicksCustomers):
    do = "clear_cookies"

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        chosen = drawn["clients"]
        for c in chosen:
            r.cookie[c] = -1
            r.session[c] = 0
            r.notes[c] = "cleared their cookies"
        return f"{count(len(chosen), 'customer')} cleared their cookies.", {"clients": len(chosen)}


class ExpireSessions(PicksCustomers):
    do = "expire_sessions"

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        chosen = drawn["clients"]
        for c in chosen:
            r.balancer.forget(c)
            r.cookie[c] = -1
            r.notes[c] = "found their sticky session expired"
        return (
            f"The sticky sessions of {count(len(chosen), 'customer')} expired (cookies,"
            " stick-table entries and learned sessions).",
            {"clients": len(chosen)},
        )


# What a balancer remembers of a customer's seat, as (one, many), for the switch's sentence.
SEAT_MEMORY = {
    "cookie_insert": ("cookie for their table", "cookies for their tables"),
    "stick_table": ("stick-table entry", "stick-table entries"),
    "session_id": ("learned session", "learned sessions"),
}
HASHED_SEAT = ("seat by IP hash", "seats by IP hash")


class SetBalancer(EventKind):
    """The host changes its rule. The restaurant starts a new segment of figures."""

    do = "set_balancer"
    tells_moves = False

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        name = event["balancer"]
        info = BALANCERS[name]
        if name == r.balancer_name:
            return f"The host already uses {info.title}.", {"balancer": name, "switched": False}
        old = r.balancer_name
        before = r.predictions()
        r.redispatch_base += r.balancer.redispatches
        r.balancer_name = name
        r.balancer = make_balancer(name, r)
        after = r.predictions()
        pinned = sum(1 for t in before.values() if t >= 0)
        ignored = sum(1 for c, t in before.items() if t >= 0 and after.get(c, -1) != t)
        carts = 0 if r.shared else sum(1 for items in r.cart_items if items)
        r.start_segment()
        one, many = SEAT_MEMORY.get(old, HASHED_SEAT)
        if ignored:
            memory = one if ignored == 1 else many
            verb = "is" if ignored == 1 else "are"
            seats = f"{count(ignored, 'customer')}'s" if ignored == 1 else f"{ignored} customers'"
            seats = f"{seats} {memory} {verb} ignored from now on"
        elif pinned:
            seats = "every customer's remembered table still holds"
        else:
            seats = "the old host remembered no customer's table"
        if r.shared:
            fate = "carts live in the shared store, so none can break"
        elif carts:
            fate = (
                f"{count(carts, 'cart')} {'stays' if carts == 1 else 'stay'} where"
                f" {'it is' if carts == 1 else 'they are'} until"
                f" {'its customer is' if carts == 1 else 'their customers are'} seated elsewhere"
            )
        else:
            fate = "no customer has a cart yet"
        summary = (
            f"The host now uses {info.title} ({info.imitates}): {seats}; {fate}."
            " The figures start again from here; the run's totals are kept."
        )
        return summary, {
            "balancer": name,
            "switched": True,
            "was": old,
            "seats_ignored": ignored,
            "carts_in_place": carts,
        }


class SetSharedSessions(EventKind):
    do = "set_shared_sessions"

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        value = event["value"]
        if value == r.shared:
            word = "on" if value else "off"
            return f"The shared session store is already {word}.", {"value": value}
        r.shared = value
        if value:
            # The tables' stale copies of moved carts are read by no one from now on: a table
            # showing "3 stranded" beside the store that serves every cart would contradict it.
            dropped = sum(r.stranded)
            r.stranded[:] = [0] * len(r.stranded)
            summary = "Carts now live in a shared session store that every table reads."
            if dropped:
                summary += (
                    f" The {count(dropped, 'stranded cart')} the tables held"
                    f" {'is' if dropped == 1 else 'are'} forgotten."
                )
            return summary, {"value": True, "stranded_dropped": dropped}
        # Each cart lands on the table that served its customer last.
        for c, items in enumerate(r.cart_items):
            if items:
                r.cart_table[c] = r.last_table[c]
        return "The shared store is off: each cart now lives on one table again.", {"value": False}


class Spike(EventKind):
    do = "spike"

    def draw(self, wl: Workload, event: dict) -> dict:
        wl.set_rate_factor(event["factor"])
        return {"rate": wl.rate}

    def apply(self, r: Restaurant, event: dict, drawn: dict) -> Outcome:
        factor = event["factor"]
        rate = round(drawn["rate"], 3)
        return (
            f"Arrivals now {factor:g}x the normal rate ({rate:g} requests per second).",
            {"factor": factor, "rate": rate},
        )


EVENT_KINDS: dict[str, EventKind] = {
    kind.do: kind
    for kind in (
        AddServer(),
        RemoveServer(),
        CrashServer(),
        RestoreServer(),
        ChangeIp(),
        ClearCookies(),
        ExpireSessions(),
        SetBalancer(),
        SetSharedSessions(),
        Spike(),
    )
}
CUSTOMER_EVENTS: dict[str, CustomerEvent] = {
    do: kind for do, kind in EVENT_KINDS.items() if isinstance(kind, CustomerEvent)
}


def apply_event(r: Restaurant, event: dict, drawn: dict, follow: bool = True) -> EventOutcome:
    """Apply one checked event to r; `drawn` carries what the workload drew for it.

    The sentence says "would" only for what the balancer's rule computes: customers it now
    pins to another table. Those it no longer pins at all (a cookie cleared, their table
    gone) are seated afresh, wherever the rule lands them; with `follow`, a customer event
    is followed until they are all back (`Restaurant.follow_up`).
    """
    kind = EVENT_KINDS[event["do"]]
    before = r.predictions()
    summary, details = kind.apply(r, event, drawn)
    after = r.predictions()
    moved = sum(1 for c, t in before.items() if t >= 0 and after.get(c, -1) not in (t, -1))
    afresh = sum(1 for c, t in before.items() if t >= 0 and after.get(c, -1) == -1)
    remapped = moved + afresh
    if kind.tells_moves:
        summary += moves_told(moved, afresh)
    touched = drawn.get("clients") or [move[0] for move in drawn.get("moves", [])]
    if follow and kind.do in FOLLOWED and touched:
        r.follow = {
            "do": kind.do,
            "waiting": set(touched),
            "touched": len(touched),
            "elsewhere": 0,
            "broken": 0,
        }
    outcome = EventOutcome(kind.do, event.get("at", r.index), summary, remapped, details)
    r.outcomes.append(outcome)
    return outcome
