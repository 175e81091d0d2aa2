"""Plain-English sentences for the decisions worth narrating (breaks, redispatches, errors)."""

from __future__ import annotations

from lbteach.sim.results import Decision
from lbteach.sim.words import count

# A customer's note (what happened to them since their last request, set by an event) in the
# few words a break label on the scene has room for. Checked against every event's note by
# tests/sim/test_stories.py.
NOTE_CAUSES = (
    ("switched from", "new IP"),
    ("cleared their cookies", "no cookie"),
    ("found their sticky session expired", "session expired"),
)


def cause_for(note: str | None, table_status: str, carried: bool) -> str:
    """Why a cart broke, in a few words: the customer's note, the old table, or the switch.

    `table_status` is the state of the table holding the cart; `carried` says the cart was
    filled under the host's previous rule (a balancer switch). Empty when nothing explains it
    beyond the host's rule itself (round robin seats anyone anywhere).
    """
    for start, words in NOTE_CAUSES:
        if note and note.startswith(start):
            return words
    if table_status != "up":
        return f"old table {table_status}"
    if carried:
        return "new host rule"
    return ""


def story_for(d: Decision, note: str | None, lost_items: int) -> str | None:
    """A story when something notable happened to this customer, else None."""
    if not (d.error or d.cart_broken or d.redispatched or note):
        return None
    if note:
        opening = f"Customer {d.client} {note}. {d.reason[:1].upper()}{d.reason[1:]}"
    else:
        opening = f"Customer {d.client}: {d.reason}"
    if d.error:
        if d.server is None:
            return f"{opening}. The request fails."
        return (
            f"{opening}. Table {d.server} is down, but persist keeps sending this customer"
            " there: the request fails."
        )
    if d.cart_broken:
        items = "1 item" if lost_items == 1 else f"{lost_items} items"
        return f"{opening}; the cart with {items} is at table {d.carts_stranded_at}. Cart broken."
    return f"{opening}."


def moves_told(moved: int, afresh: int) -> str:
    """What an event did to returning customers' seats, said only as far as the engine knows.

    `moved`: the host's rule now sends them to another table (the engine asked it). `afresh`:
    the host no longer has a table for them; where they land is decided when they return.
    """
    words = ""
    if moved:
        words += f" {count(moved, 'returning customer')} would now go to a different table."
    if afresh:
        words += (
            f" {count(afresh, 'returning customer')} will be seated afresh: the host no longer"
            " has a table for them."
        )
    return words


# The customer events followed until everyone they touched is back, and how to name them.
FOLLOWED = {
    "change_ip": "switched network",
    "clear_cookies": "cleared their cookies",
    "expire_sessions": "had their sticky sessions expire",
}


def follow_up_told(follow: dict) -> str:
    """Where the customers an event touched were seated once all of them came back."""
    touched, elsewhere, broken = follow["touched"], follow["elsewhere"], follow["broken"]
    who = count(touched, "customer")
    back = "is back" if touched == 1 else ("are both back" if touched == 2 else "are all back")
    seated = f"{elsewhere} {'was' if elsewhere == 1 else 'were'} seated at a different table"
    carts = count(broken, "cart")
    broke = f"{carts} broke" if broken else "no cart broke"
    return f"The {who} who {FOLLOWED[follow['do']]} {back}: {seated}, and {broke}."
