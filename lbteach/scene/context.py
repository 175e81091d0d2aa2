"""The restaurant scene as data: where the door, host, tables, carts and customers sit in the SVG.

`scene_context` turns one live restaurant (its engine view, this tick's decisions and the
scene's memory, `memory.py`) into positions and states for `svg.scene_svg`. Drawing the
same state twice gives the same scene (a snapshot equals the frames), and a page drawn after a
restart shows what the page before it did.

A cart break is an event on the floor: a mark (`data-break-of`) with an arrow from the
customer at their new table back to the cart they left, and a label in plain words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from lbteach.scene.layout import (
    BAND_H,
    BAND_LINE,
    BAND_Y,
    BUSY_CHAIRS,
    BUSY_SHELF_SLOTS,
    BUSY_TABLES,
    CELL_H,
    CELL_W,
    COMPACT_COLUMNS,
    COMPACT_TEXT,
    LEFT,
    MAX_NAMES,
    NAME_CHARS,
    NAME_COL_W,
    NAME_COLS,
    NAME_ROW_H,
    NAME_ROWS,
    PANTRY_H,
    PANTRY_ROWS,
    SEATS,
    SHELF_SLOTS,
    SLOT_W,
    TOP,
    columns,
)
from lbteach.scene.memory import LABELS, SceneMemory
from lbteach.scene.words import host_line, mark_words, queue_words, summary, table_words


def _chairs(
    memory: SceneMemory,
    table: str,
    clients: list[dict],
    here: Callable[[str], list[dict]],
    shown: int,
) -> list[tuple[int, int]]:
    """Who is drawn at each of a table's chairs: (customer, request index), (0, 0) if free.

    The chairs the scene remembers come first (a customer keeps their chair from frame to
    frame); a chair nobody sat in yet this run goes to another customer whose last table
    this is (seated by a request the scene did not see, a phone's tap or a restored run),
    so a table never shows an empty chair beside "+N here". Nothing is written back.
    """
    # A remembered sitter is still here if this is the table they sat at last; the table's
    # customers (`here(table)`) are listed only when a chair is free.
    chairs = []
    for who, when in memory.chairs.get(table, [])[:shown]:
        still = 0 < who <= len(clients) and clients[who - 1]["last_table"] == table
        chairs.append((who, when) if still else (0, 0))
    chairs += [(0, 0)] * (shown - len(chairs))
    if all(who for who, _ in chairs):
        return chairs
    drawn = {who for who, _ in chairs}
    waiting = [c["id"] for c in here(table) if c["id"] not in drawn]
    for i, (who, _when) in enumerate(chairs):
        if not who and waiting:
            chairs[i] = (waiting.pop(0), -1)  # -1: seated before this frame, not walking in
    return chairs


def _cart(cid: int, state: str, colour: int, slot: int, marked: bool = False) -> dict:
    return {
        "id": cid,
        "state": state,
        "colour": colour,
        "x": 8 + slot * SLOT_W,
        "slot": slot,
        "marked": marked,
    }


def scene_context(
    memory: SceneMemory,
    view: dict,
    recent: list,
    last_decision: Any = None,
    names: dict[int, str] | None = None,
    compact: bool = False,
    told: str = "",
) -> dict:
    """Everything the scene (`svg.scene_svg`) draws for one restaurant, in SVG units: pure.

    It reads `memory` and writes nothing: whoever moves the restaurant brings the memory up to
    date first (`memory.remember`, once per frame), so drawing a moment twice, or once more for
    a viewer who joins, gives the same scene.
    `names` (a class) maps customer ids to nicknames, listed under the table each customer
    sat at last, so a student finds themselves on the projector. `compact` (a lesson figure)
    leaves out the door and host and names only the latest mark, with the counters beside;
    `told` is an event's words, shown there instead of the mark for the moment it happens.
    """
    named = 1 if compact else LABELS  # as the memory was told (`remember`'s `slots`)
    clients = view["clients"]
    shared = view["shared_sessions"]
    tables = view["tables"]
    left = 0 if compact else LEFT
    cols = columns(len(tables))
    if compact:
        cols = min(cols, COMPACT_COLUMNS)
    rows = math.ceil(len(tables) / cols) if tables else 1
    busy = len(tables) > BUSY_TABLES
    slots = BUSY_SHELF_SLOTS if busy else SHELF_SLOTS
    chairs_shown = BUSY_CHAIRS if busy else len(SEATS)

    # How many customers sat last at each table, counted at C speed (500 a frame); the
    # customers themselves are grouped by table only when a frame needs them (`grouped`).
    sat_last = Counter(map(itemgetter("last_table"), clients))
    here: dict[str, list[dict]] = {}

    def grouped() -> dict[str, list[dict]]:
        if not here:
            here.update({t["name"]: [] for t in tables})
            at_table = here.get
            for client in clients:
                at = at_table(client["last_table"])
                if at is not None:
                    at.append(client)
        return here

    def sat_at(name: str) -> list[dict]:
        return grouped()[name]

    name_rows = _name_rows(names, grouped()) if names else 0
    cell_h = CELL_H + (name_rows * NAME_ROW_H + 6 if name_rows else 0)
    floor_h = rows * cell_h
    width = left + cols * CELL_W + 8
    pantry_y = TOP + floor_h + 14
    height = TOP + floor_h + (PANTRY_H if shared else 0) + 6
    mid_y = max(TOP + floor_h // 2, TOP + 100)
    door = (28, mid_y) if not compact else (0, TOP)
    host = (104, mid_y) if not compact else (0, TOP)

    places: dict[str, tuple[int, int]] = {}
    for i, table in enumerate(tables):
        places[table["name"]] = (left + (i % cols) * CELL_W, TOP + (i // cols) * cell_h)

    live = [m for m in memory.marks if "of" in m]
    first = recent[0].index if recent else -1
    seated: dict[str, list[dict]] = {}
    sits: dict[int, tuple[int, int]] = {}  # customer -> where their figure is drawn
    for table in tables:
        name = table["name"]
        if table["status"] == "down":
            continue
        x, y = places[name]
        at = seated.setdefault(name, [])
        chairs = _chairs(memory, name, clients, sat_at, chairs_shown)
        for chair, (who, when) in enumerate(chairs):
            if not who or who > len(clients):
                continue
            sx, sy = SEATS[chair]
            client = clients[who - 1]
            sits[who] = (x + sx, y + sy)
            at.append(
                {
                    "id": who,
                    "colour": client["colour"],
                    "mobile": client["mobile"],
                    "nat": client["behind_nat"],
                    "broken": any(m["of"] == who and m["to"] == name for m in live),
                    "walk": when >= first >= 0,
                    "x": x + sx,
                    "y": y + sy,
                }
            )

    stranded_by_table: dict[str, list[int]] = {}
    for cid, name in sorted(memory.stranded.items()):
        stranded_by_table.setdefault(name, []).append(cid)
    marked_from = {(m["of"], m["from"]) for m in live}
    broken_at: dict[str, list[int]] = {}
    for m in live:
        client = clients[m["of"] - 1]
        if client["last_table"] == m["to"] and m["of"] not in broken_at.get(m["to"], []):
            broken_at.setdefault(m["to"], []).append(m["of"])

    drawn = []
    cart_spots: dict[tuple[int, str], tuple[int, int]] = {}
    shown_names = 0
    for table in tables:
        name = table["name"]
        x, y = places[name]
        down = table["status"] == "down"
        figures = seated.get(name, [])
        shelf: list[dict] = []
        broken_ids = set(broken_at.get(name, [])) if not down else set()
        for cid in sorted(broken_ids)[: slots - 2]:
            shelf.append(_cart(cid, "broken", clients[cid - 1]["colour"], len(shelf)))
        known = stranded_by_table.get(name, [])[-table["stranded"] :] if table["stranded"] else []
        # The carts a live mark points at come first, then the latest others.
        known = sorted(known, key=lambda c: ((c, name) not in marked_from, -c))[:3]
        for cid in sorted(known, key=lambda c: ((c, name) not in marked_from, c)):
            marked = (cid, name) in marked_from
            shelf.append(_cart(cid, "stranded", clients[cid - 1]["colour"], len(shelf), marked))
        unnamed_stranded = table["stranded"] - len(known)
        lost = memory.lost.get(name, []) if down else []
        for cid in lost[: max(0, slots - 1 - len(shelf))]:
            shelf.append(_cart(cid, "lost", clients[cid - 1]["colour"], len(shelf)))
        kept = [cid for cid in sorted(table["carts"]) if cid not in broken_ids]
        room_left = max(0, slots - 1 - len(shelf))
        if len(kept) <= room_left + 1:
            room_left += 1
        for cid in kept[:room_left]:
            shelf.append(_cart(cid, "kept", clients[cid - 1]["colour"], len(shelf)))
        for cart in shelf:
            if cart["state"] == "stranded":
                cart_spots[(int(cart["id"]), name)] = (x + 8 + cart["slot"] * SLOT_W + 11, y + 128)
        hidden_kept = len(kept) - min(len(kept), room_left)
        hidden_lost = max(0, len(lost) - sum(1 for c in shelf if c["state"] == "lost"))
        more_here = 0 if down else max(0, sat_last[name] - len(figures))
        nick_list: list[dict] = []
        nick_more: dict | None = None
        if names:
            nick_list, nick_more, shown_names = _nicknames(
                sat_at(name), names, name_rows, shown_names
            )
        drawn.append(
            {
                "name": name,
                "state": table["status"],
                "x": x,
                "y": y,
                "figures": figures,
                "words": table_words(table),
                "queue_words": queue_words(more_here, table["queue"]),
                "waiting": table["queue"],
                "served": table["served"],
                "shelf": shelf,
                "more_carts": hidden_kept + hidden_lost,
                "more_x": 8 + len(shelf) * SLOT_W,
                "cart_count": len(table["carts"]),
                "stranded_count": table["stranded"],
                "unnamed_stranded": unnamed_stranded,
                "lost_count": len(lost),
                "falling": down and memory.lost_when.get(name) == view["requests"],
                "nicknames": nick_list,
                "more_nicknames": nick_more,
            }
        )

    pantry = None
    if shared:
        stored = [c for c in clients if c["cart_table"] == "shared"]
        # Two rows of carts; the second keeps room at its end for "+N".
        per_row = (cols * CELL_W - 12 - 16) // SLOT_W
        room = per_row * 2 - 2
        carts = []
        for i, c in enumerate(stored[:room]):
            cart = _cart(c["id"], "kept", c["colour"], i % per_row)
            cart["y"] = PANTRY_ROWS[i // per_row]
            carts.append(cart)
        pantry = {
            "y": pantry_y,
            "x": left,
            "width": cols * CELL_W - 12,
            "carts": carts,
            "more": max(0, len(stored) - room),
            "more_x": 8 + (room - per_row) * SLOT_W,
            "count": len(stored),
        }

    marks = _marks(memory.marks, places, sits, cart_spots, named)
    if told:
        marks["labels"] = [{"of": "", "crash": "", "event": True, "words": told, "y": BAND_Y + 17}]
    metrics = view["metrics"]
    unnamed = 0  # students listed at no table: not seated yet
    if names:
        at_tables = shown_names + sum(
            t["more_nicknames"]["n"] for t in drawn if t["more_nicknames"]
        )
        unnamed = sum(1 for cid in names if cid <= len(clients)) - at_tables
    return {
        "width": width,
        "height": height,
        "door": door,
        "host": host,
        "walk_from": f"{door[0]} {door[1]} {host[0]} {host[1]}",
        "cell_h": cell_h - 8,
        "tables": drawn,
        "figures": [f for t in drawn for f in t["figures"]],
        "pantry": pantry,
        "compact": compact,
        # A phone, a figure on a phone and a class's projector draw the host's letters up to
        # 1.25 times larger (scene.css, stage.css): its lines are measured at that size.
        "says": host_line(last_decision, width, COMPACT_TEXT),
        "breaks": metrics["cart_breaks"],
        "lost": metrics["carts_lost"],
        "band_y": BAND_Y,
        "band_h": BAND_H,
        "counts_y": (TOP + 6, TOP + 38),
        "arrows": marks["arrows"],
        "labels": marks["labels"],
        "names_more": unnamed,  # drawn as "+N at the door"
        "summary": summary(drawn, pantry, marks["labels"], view),
    }


def _marks(
    marks: list[dict],
    places: dict[str, tuple[int, int]],
    sits: dict[int, tuple[int, int]],
    cart_spots: dict[tuple[int, str], tuple[int, int]],
    named: int,
) -> dict:
    """The marks whose turn it is as arrows on the floor and labels in the band."""
    shown = [m for m in marks if m["shown"] is not None][:named]
    waiting = len(marks) - len(shown)
    arrows = []
    for mark in [m for m in shown if "of" in m]:
        if mark["to"] not in places or mark["from"] not in places:
            continue
        start = sits.get(mark["of"])
        if start is None:  # every chair there holds a newer break: the label alone tells it
            continue
        fx, fy = places[mark["from"]]
        # The tip stops on the cart's top edge (its bottom one from below), so the cart's
        # number stays readable.
        end = cart_spots.get((mark["of"], mark["from"])) or (fx + 20, fy + 128)
        if start[1] > end[1]:
            end = (end[0], end[1] + 18)
        arrows.append(
            {
                "of": mark["of"],
                "d": f"M{start[0]} {start[1]} L{end[0]} {end[1]}",
                "x": start[0],
                "y": start[1],
            }
        )
    labels = []
    for i, mark in enumerate(shown):
        words = mark_words(mark)
        if i == len(shown) - 1 and waiting and named > 1:
            words += f" (then {waiting} more)"
        labels.append(
            {
                "of": mark.get("of", ""),
                "crash": mark.get("crash", ""),
                "words": words,
                "y": BAND_Y + 17 + i * BAND_LINE,
            }
        )
    return {"arrows": arrows, "labels": labels}


def _name_rows(names: dict[int, str], here: dict[str, list[dict]]) -> int:
    most = max((sum(1 for c in at if c["id"] in names) for at in here.values()), default=0)
    return min(NAME_ROWS, max(1, math.ceil(most / NAME_COLS)))


def _nicknames(
    at_table: list[dict], names: dict[int, str], rows: int, shown: int
) -> tuple[list[dict], dict | None, int]:
    """This table's nicknames in a grid under it, the last slot "+N" when they do not fit."""
    named = [c for c in at_table if c["id"] in names]
    room = min(rows * NAME_COLS, max(0, MAX_NAMES - shown))
    fits = named if len(named) <= room else named[: max(0, room - 1)]
    listed = []
    for i, client in enumerate(fits):
        listed.append(
            {
                "id": client["id"],
                "name": names[client["id"]][:NAME_CHARS],
                **_name_slot(i),
            }
        )
    more = len(named) - len(fits)
    return listed, ({"n": more, **_name_slot(len(fits))} if more else None), shown + len(fits)


def _name_slot(i: int) -> dict:
    return {
        "x": 8 + (i % NAME_COLS) * NAME_COL_W,
        "y": CELL_H + 4 + (i // NAME_COLS) * NAME_ROW_H,
    }
