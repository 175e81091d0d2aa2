"""Plain-English sentences for the decisions worth narrating (breaks, redispatches, errors)."""

from __future__ import annotations

from lbteach.sim.results import Decision


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
