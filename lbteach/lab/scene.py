"""The restaurant scene: where the door, host, tables, carts and customers sit in the SVG.

`scene_context` turns one live restaurant (its engine view and this tick's decisions) into
positions and states for `lab/scene.html#scene`. The engine knows how many carts a table
keeps stranded but not whose they are, and forgets a crashed table's carts; a small memory
(`SceneMemory`, part of each live restaurant's saved state) keeps those faces for the
picture. Drawing the same state twice gives the same scene (a snapshot equals the frames),
and a page drawn after a restart shows what the page before it did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from lbteach.sim.words import count

CELL_W = 200
CELL_H = 172
LEFT = 150  # door and host stand
TOP = 44  # the host's speech line
PANTRY_H = 92
SEATS = ((62, 22), (138, 22), (62, 100), (138, 100))
SHELF_Y = 128
SHELF_SLOTS = 8  # carts drawn on a shelf, the last slot for "+N" when more
BUSY_SHELF_SLOTS = 6  # with many tables: the frame stays small and quick to render
BUSY_TABLES = 6
SLOT_W = 23
PANTRY_SLOTS = 24
MAX_WALKERS = 16
MAX_REASON = 54
REASON_CHAR_W = 9.6  # SVG units per character of the host's reason at its largest (a phone)


@dataclass
class SceneMemory:
    """What the scene remembers between frames: whose carts were where, and what was lost."""

    statuses: dict[str, str] = field(default_factory=dict)
    carts_at: dict[str, list[int]] = field(default_factory=dict)
    stranded: dict[int, str] = field(default_factory=dict)  # customer -> table holding it
    lost: dict[str, list[int]] = field(default_factory=dict)  # down table -> carts lost
    lost_when: dict[str, int] = field(default_factory=dict)  # down table -> request index

    def to_dict(self) -> dict:
        return {
            "statuses": self.statuses,
            "carts_at": self.carts_at,
            "stranded": {str(c): t for c, t in self.stranded.items()},
            "lost": self.lost,
            "lost_when": self.lost_when,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SceneMemory:
        return cls(
            statuses=dict(data.get("statuses", {})),
            carts_at={t: list(c) for t, c in data.get("carts_at", {}).items()},
            stranded={int(c): t for c, t in data.get("stranded", {}).items()},
            lost={t: list(c) for t, c in data.get("lost", {}).items()},
            lost_when=dict(data.get("lost_when", {})),
        )


def remember(memory: SceneMemory, view: dict, recent: list) -> SceneMemory:
    """Bring the memory up to the state in `view`; idempotent."""
    for table in view["tables"]:
        name, status = table["name"], table["status"]
        was = memory.statuses.get(name)
        if status == "down" and was is not None and was != "down":
            # Only carts the crash really took: none with the shared store, and not a cart
            # that moved to another table since the last frame.
            gone = {c["id"] for c in view["clients"] if c["cart_table"] is None}
            held = memory.carts_at.get(name, []) if not view["shared_sessions"] else []
            memory.lost[name] = [c for c in held if c in gone]
            memory.lost_when[name] = view["requests"]
            memory.stranded = {c: t for c, t in memory.stranded.items() if t != name}
        elif status != "down":
            memory.lost.pop(name, None)
            memory.lost_when.pop(name, None)
        memory.statuses[name] = status
        memory.carts_at[name] = sorted(table["carts"])
    for decision in recent:
        if decision.cart_broken and decision.carts_stranded_at:
            memory.stranded[decision.client] = decision.carts_stranded_at
    return memory


def _n(value: int) -> SafeString:
    """A number as text the template need not localise or escape: digits hold no markup.

    Django localises and escapes every value it renders, which was two thirds of the
    scene's render time for its several hundred coordinates and customer numbers.
    """
    return SafeString(str(int(value)))


def _columns(count: int) -> int:
    if count <= 2:
        return max(count, 1)
    if count <= 4:
        return 2
    if count <= 9:
        return 3
    return 4


def _cart(cid: int, state: str, colour: int, slot: int) -> dict:
    return {"id": _n(cid), "state": state, "colour": _n(colour), "x": _n(10 + slot * SLOT_W)}


def _walkers(recent: list, places: dict[str, dict]) -> list:
    """This tick's arrivals worth drawing: the latest per customer, cart breaks first."""
    latest: dict[int, Any] = {}
    for decision in recent:
        if decision.server in places and places[decision.server]["state"] != "down":
            latest[decision.client] = decision
    chosen = sorted(latest.values(), key=lambda d: (not d.cart_broken, -d.index))
    return sorted(chosen[:MAX_WALKERS], key=lambda d: d.index)


def scene_context(memory: SceneMemory, view: dict, recent: list, last_decision: Any = None) -> dict:
    """Everything `lab/scene.html#scene` draws for one restaurant, in SVG units."""
    remember(memory, view, recent)
    clients = view["clients"]
    shared = view["shared_sessions"]
    tables = view["tables"]
    cols = _columns(len(tables))
    rows = math.ceil(len(tables) / cols) if tables else 1
    floor_h = rows * CELL_H
    width = LEFT + cols * CELL_W + 8
    height = TOP + floor_h + (PANTRY_H if shared else 0) + 6
    mid_y = TOP + floor_h // 2
    door = (28, mid_y)
    host = (104, mid_y)
    slots = SHELF_SLOTS if len(tables) <= BUSY_TABLES else BUSY_SHELF_SLOTS

    places: dict[str, dict] = {}
    for i, table in enumerate(tables):
        x = LEFT + (i % cols) * CELL_W
        y = TOP + (i // cols) * CELL_H
        places[table["name"]] = {"name": table["name"], "x": x, "y": y, "state": table["status"]}

    walkers = _walkers(recent, places)
    broken_here: dict[str, list] = {}
    seated: dict[str, list[dict]] = {}
    arrived: dict[str, int] = {}
    for decision in recent:
        if decision.server in places and places[decision.server]["state"] != "down":
            arrived[decision.server] = arrived.get(decision.server, 0) + 1
    for decision in walkers:
        if decision.cart_broken:
            broken_here.setdefault(decision.server, []).append(decision)
        at = seated.setdefault(decision.server, [])
        if len(at) >= len(SEATS):
            continue
        place = places[decision.server]
        sx, sy = SEATS[len(at)]
        client = clients[decision.client - 1] if decision.client <= len(clients) else {}
        at.append(
            {
                "id": _n(decision.client),
                "colour": _n(client.get("colour", 0)),
                "mobile": client.get("mobile", False),
                "nat": client.get("behind_nat", False),
                "broken": decision.cart_broken,
                "x": _n(place["x"] + sx),
                "y": _n(place["y"] + sy),
            }
        )

    stranded_by_table: dict[str, list[int]] = {}
    for cid, name in sorted(memory.stranded.items()):
        stranded_by_table.setdefault(name, []).append(cid)

    drawn = []
    for table in tables:
        name = table["name"]
        place = places[name]
        down = table["status"] == "down"
        figures = seated.get(name, [])
        shelf: list[dict] = []
        broken_ids = {d.client for d in broken_here.get(name, [])}
        for decision in broken_here.get(name, []):
            client = clients[decision.client - 1]
            shelf.append(_cart(decision.client, "broken", client["colour"], len(shelf)))
        known = stranded_by_table.get(name, [])[-table["stranded"] :] if table["stranded"] else []
        for cid in known[-3:]:
            shelf.append(_cart(cid, "stranded", clients[cid - 1]["colour"], len(shelf)))
        unnamed_stranded = table["stranded"] - len(known)
        lost = memory.lost.get(name, []) if down else []
        for cid in lost[: slots - 1 - len(shelf)]:
            shelf.append(_cart(cid, "lost", clients[cid - 1]["colour"], len(shelf)))
        kept = [(cid, n) for cid, n in sorted(table["carts"].items()) if cid not in broken_ids]
        room_left = max(0, slots - 1 - len(shelf))
        if len(kept) <= room_left + 1:
            room_left += 1
        for cid, _items in kept[:room_left]:
            shelf.append(_cart(cid, "kept", clients[cid - 1]["colour"], len(shelf)))
        hidden_kept = len(kept) - min(len(kept), room_left)
        hidden_lost = max(0, len(lost) - sum(1 for c in shelf if c["state"] == "lost"))
        drawn.append(
            {
                "name": name,
                "state": table["status"],
                "x": _n(place["x"]),
                "y": _n(place["y"]),
                "figures": figures,
                "words": _table_words(table),
                "queue_words": _queue_words(arrived.get(name, 0) - len(figures), table["queue"]),
                "waiting": table["queue"],
                "served": table["served"],
                "shelf": shelf,
                "more_carts": _n(hidden_kept + hidden_lost) if hidden_kept + hidden_lost else "",
                "more_x": _n(10 + len(shelf) * SLOT_W),
                "cart_count": len(table["carts"]),
                "stranded_count": table["stranded"],
                "unnamed_stranded": unnamed_stranded,
                "lost_count": len(lost),
                "falling": down and memory.lost_when.get(name) == view["requests"],
            }
        )

    pantry = None
    if shared:
        stored = [c for c in clients if c["cart_table"] == "shared"]
        pantry = {
            "y": TOP + floor_h + 14,
            "width": cols * CELL_W - 12,
            "carts": [
                _cart(c["id"], "kept", c["colour"], i) for i, c in enumerate(stored[:PANTRY_SLOTS])
            ],
            "more": max(0, len(stored) - PANTRY_SLOTS),
            "more_x": 10 + min(len(stored), PANTRY_SLOTS) * SLOT_W,
            "count": len(stored),
        }

    return {
        "width": width,
        "height": height,
        "door": door,
        "host": host,
        "walk_from": f"{door[0]} {door[1]} {host[0]} {host[1]}",
        "tables": drawn,
        "figures": [f for t in drawn for f in t["figures"]],
        "pantry": pantry,
        "says": _host_line(last_decision, width),
        "summary": _summary(drawn, pantry, walkers, view),
    }


def _table_words(table: dict) -> str:
    if table["status"] == "down":
        return "closed"
    if table["status"] == "draining":
        return "draining"
    return f"{table['served']} served"


def _queue_words(more: int, waiting: int) -> str:
    words = [f"+{more} more"] if more > 0 else []
    if waiting:
        words.append(f"{waiting} waiting")
    return " · ".join(words)


def _host_line(decision: Any, width: int) -> dict:
    """The host's words in two lines: who went where, then why, cut to fit the scene's width.

    The second line's budget assumes the larger letters a phone gets (scene.css), so the
    line is never cut off by the picture's edge; the host stand shows the whole reason.
    """
    if decision is None:
        return {"who": "waiting for the first customer.", "why": ""}
    if decision.server is None:
        return {"who": f"customer {decision.client}: no table is open.", "why": ""}
    budget = min(MAX_REASON, int((width - 16) / REASON_CHAR_W))
    reason = decision.reason
    if len(reason) > budget:
        reason = reason[: budget - 1] + "…"
    return {"who": f"customer {decision.client} → table {decision.server}", "why": reason}


def _summary(drawn: list[dict], pantry: dict | None, walkers: list, view: dict) -> str:
    """The scene in words, for `role="img"`: the same facts as the picture, in the same frame."""
    words = {"up": "open", "down": "closed", "draining": "draining, no new customers"}
    parts = []
    for t in drawn:
        bits = [f"Table {t['name']} {words.get(t['state'], t['state'])}"]
        bits.append(count(t["cart_count"], "cart"))
        if t["waiting"]:
            bits.append(f"{t['waiting']} waiting")
        if t["stranded_count"]:
            bits.append(f"{t['stranded_count']} stranded")
        if t["lost_count"]:
            bits.append(f"{t['lost_count']} lost")
        parts.append(", ".join(bits))
    text = count(len(view["clients"]), "customer") + ". " + "; ".join(parts) + "."
    if pantry:
        text += f" The shared store holds {count(pantry['count'], 'cart')}."
    broken = [d for d in walkers if d.cart_broken]
    if walkers:
        text += f" Just now {len(walkers)} seated"
        if broken:
            d = broken[0]
            text += (
                f"; customer {d.client}'s cart broke: it stays at table {d.carts_stranded_at}"
                f" and they get an empty cart at table {d.server}"
            )
        text += "."
    return text
