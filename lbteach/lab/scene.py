"""The restaurant scene: where the door, host, tables, carts and customers sit in the SVG.

`scene_context` turns one live restaurant (its engine view and this tick's decisions) into
positions and states for `lab/scene.html#scene`. The engine knows how many carts a table
keeps stranded but not whose they are, forgets a crashed table's carts, and keeps no
picture of who sits where; a small memory (`SceneMemory`, part of each live restaurant's
saved state) keeps those faces, the chairs and the recent breaks for the picture. Drawing
the same state twice gives the same scene (a snapshot equals the frames), and a page drawn
after a restart shows what the page before it did.

A cart break is an event on the floor: a mark (`data-break-of`) with an arrow from the
customer at their new table back to the cart they left, and a label in plain words, kept for
`mark_ticks` ticks (at least 3 s at the live tick) before it settles into the stranded cart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from lbteach.sim.words import count

CELL_W = 200
CELL_H = 172
LEFT = 150  # door, host stand and the scene's counters
BAND_Y = 40  # under the host's words: who went where and why, in two lines
BAND_H = 44  # the break labels, two lines, above the floor: in a laptop's first screen
BAND_LINE = 21
TOP = BAND_Y + BAND_H + 4  # where the floor starts
PANTRY_H = 92
PANTRY_ROWS = (28, 49)  # where the pantry's two rows of carts sit
SEATS = ((62, 22), (138, 22), (62, 100), (138, 100))
SHELF_SLOTS = 8  # carts drawn on a shelf, the last slot for "+N" when more
BUSY_SHELF_SLOTS = 6  # with many tables: the frame stays small and quick to render
BUSY_TABLES = 6
BUSY_CHAIRS = 2  # customers drawn at each table's chairs when there are many tables
SLOT_W = 24
LABELS = 2  # marks named in the band (and drawn as arrows), in turn
WAITING = 6  # marks waiting for their turn in the band; older ones are only counted
MARK_TICKS = 6  # how long a break stays an event: 6 ticks of 0.5 s, the lab's live tick
WHY_CHAR_W = 7.4  # SVG units per character of the host's reason (13 units, digits are wide)
# A compact scene (a lesson figure) drops the door-and-host column and keeps to two columns
# of tables, so a phone draws it at about 0.85 of its size; there its letters are 1.25 times
# larger (scene.css), and lines of words are measured at that size.
COMPACT_TEXT = 1.25
COMPACT_COLUMNS = 2
NAME_COLS = 2  # class nicknames listed under each table: 16 a table, 64 for four
NAME_COL_W = 92
NAME_ROWS = 8
NAME_ROW_H = 16
NAME_CHARS = 9
MAX_NAMES = 60  # nicknames drawn on the whole scene; "+N" past that


@dataclass
class SceneMemory:
    """What the scene remembers between frames: carts' faces, chairs, and recent breaks."""

    statuses: dict[str, str] = field(default_factory=dict)
    carts_at: dict[str, list[int]] = field(default_factory=dict)
    stranded: dict[int, str] = field(default_factory=dict)  # customer -> table holding it
    lost: dict[str, list[int]] = field(default_factory=dict)  # down table -> carts lost
    lost_when: dict[str, int] = field(default_factory=dict)  # down table -> request index
    tick: int = 0  # ticks seen: a tick is a new batch of decisions
    last_index: int = -1  # the last decision seen, so drawing twice counts one tick
    chairs: dict[str, list[list[int]]] = field(default_factory=dict)  # table -> [who, when]
    marks: list[dict] = field(default_factory=list)  # breaks and crashes, newest last
    lost_total: int = 0  # the run's lost carts when last drawn

    def to_dict(self) -> dict:
        return {
            "statuses": self.statuses,
            "carts_at": self.carts_at,
            "stranded": {str(c): t for c, t in self.stranded.items()},
            "lost": self.lost,
            "lost_when": self.lost_when,
            "tick": self.tick,
            "last_index": self.last_index,
            "chairs": self.chairs,
            "marks": self.marks,
            "lost_total": self.lost_total,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SceneMemory:
        return cls(
            statuses=dict(data.get("statuses", {})),
            carts_at={t: list(c) for t, c in data.get("carts_at", {}).items()},
            stranded={int(c): t for c, t in data.get("stranded", {}).items()},
            lost={t: list(c) for t, c in data.get("lost", {}).items()},
            lost_when=dict(data.get("lost_when", {})),
            tick=data.get("tick", 0),
            last_index=data.get("last_index", -1),
            chairs={t: [list(s) for s in seats] for t, seats in data.get("chairs", {}).items()},
            marks=[{"shown": None, **m} for m in data.get("marks", [])],
            lost_total=data.get("lost_total", 0),
        )


def remember(
    memory: SceneMemory,
    view: dict,
    recent: list,
    mark_ticks: int = MARK_TICKS,
    slots: int = LABELS,
) -> SceneMemory:
    """Bring the memory up to the state in `view` and this tick's decisions; idempotent.

    Marks queue for the band's `slots`: each is shown for `mark_ticks` ticks from when its
    turn comes, so a burst of breaks shows every one for its full time (up to `WAITING`
    waiting; the band counts the rest).
    """
    crashed = [
        t["name"]
        for t in view["tables"]
        if t["status"] == "down" and memory.statuses.get(t["name"], "down") != "down"
    ]
    # The engine counts every cart a crash took; the faces the scene knows may miss a cart
    # filled since the last frame, so a lone crash's label takes the engine's count.
    taken = view["totals"]["carts_lost"] - memory.lost_total
    memory.lost_total = view["totals"]["carts_lost"]
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
            # A break whose cart was on this table points at nothing now: the crash says it.
            memory.marks = [m for m in memory.marks if m.get("from") != name]
            memory.chairs.pop(name, None)
            memory.marks.append(
                {
                    "crash": name,
                    "lost": taken if len(crashed) == 1 else len(memory.lost[name]),
                    "shared": view["shared_sessions"],
                    "tick": memory.tick,
                    "shown": None,
                }
            )
        elif status != "down":
            memory.lost.pop(name, None)
            memory.lost_when.pop(name, None)
        memory.statuses[name] = status
        memory.carts_at[name] = sorted(table["carts"])
    if recent and recent[-1].index != memory.last_index:
        memory.tick += 1
        memory.last_index = recent[-1].index
        for decision in recent:
            if decision.cart_broken and decision.carts_stranded_at:
                memory.stranded[decision.client] = decision.carts_stranded_at
                memory.marks.append(
                    {
                        "of": decision.client,
                        "to": decision.server,
                        "from": decision.carts_stranded_at,
                        "cause": decision.cause,
                        "tick": memory.tick,
                        "shown": None,
                    }
                )
            if decision.server is not None and not decision.error:
                marked = {m["of"] for m in memory.marks if "of" in m}
                _sit(memory.chairs, decision.client, decision.server, decision.index, marked)
    # With the shared store on, the tables' stranded copies are forgotten (the engine drops
    # them): a break's arrow would point at nothing.
    shared = view["shared_sessions"]
    kept = [
        m
        for m in memory.marks
        if not (shared and "of" in m)
        and (m["shown"] is None or memory.tick - m["shown"] < mark_ticks)
    ]
    waiting = [m for m in kept if m["shown"] is None]
    for dropped in waiting[: max(0, len(waiting) - WAITING)]:
        kept.remove(dropped)
    showing = sum(1 for m in kept if m["shown"] is not None)
    for m in kept:
        if showing >= slots:
            break
        if m["shown"] is None:
            m["shown"] = memory.tick
            showing += 1
    memory.marks = kept
    return memory


def _chairs(memory: SceneMemory, table: str, here: list[dict], shown: int) -> list[tuple[int, int]]:
    """Who is drawn at each of a table's chairs: (customer, request index), (0, 0) if free.

    The chairs the scene remembers come first (a customer keeps their chair from frame to
    frame); a chair nobody sat in yet this run goes to another customer whose last table
    this is (seated by a request the scene did not see, a phone's tap or a restored run),
    so a table never shows an empty chair beside "+N here". Nothing is written back.
    """
    present = {c["id"] for c in here}
    chairs = [
        (who, when) if who in present else (0, 0)
        for who, when in memory.chairs.get(table, [])[:shown]
    ]
    chairs += [(0, 0)] * (shown - len(chairs))
    drawn = {who for who, _ in chairs}
    waiting = [c["id"] for c in here if c["id"] not in drawn]
    for i, (who, _when) in enumerate(chairs):
        if not who and waiting:
            chairs[i] = (waiting.pop(0), -1)  # -1: seated before this frame, not walking in
    return chairs


def _sit(
    chairs: dict[str, list[list[int]]], client: int, table: str, index: int, marked: set[int]
) -> None:
    """Seat a customer at a table's free chair, or the chair sat in longest ago.

    A customer whose break is on show keeps their chair, so the arrow starts at them.
    """
    for seats in chairs.values():
        for seat in seats:
            if seat[0] == client:
                seat[0] = seat[1] = 0
    seats = chairs.setdefault(table, [[0, 0] for _ in SEATS])
    free = [s for s in seats if s[0] == 0]
    movable = [s for s in seats if s[0] not in marked] or seats
    seat = free[0] if free else min(movable, key=lambda s: s[1])
    seat[0], seat[1] = client, index


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


def _cart(cid: int, state: str, colour: int, slot: int, marked: bool = False) -> dict:
    return {
        "id": _n(cid),
        "state": state,
        "colour": _n(colour),
        "x": _n(8 + slot * SLOT_W),
        "slot": slot,
        "marked": marked,
    }


def mark_words(mark: dict) -> str:
    """A mark's label: a break ("7: new IP → D; cart left at B") or a crash."""
    if "crash" in mark:
        if mark["shared"]:
            return f"{mark['crash']} crashed: carts kept in the pantry"
        if mark["lost"]:
            return f"{mark['crash']} crashed: {count(mark['lost'], 'cart')} lost"
        return f"{mark['crash']} crashed: it held no carts"
    why = mark["cause"] or "seated"
    return f"{mark['of']}: {why} → {mark['to']}; cart left at {mark['from']}"


def scene_context(
    memory: SceneMemory,
    view: dict,
    recent: list,
    last_decision: Any = None,
    names: dict[int, str] | None = None,
    mark_ticks: int = MARK_TICKS,
    compact: bool = False,
    told: str = "",
) -> dict:
    """Everything `lab/scene.html#scene` draws for one restaurant, in SVG units.

    `names` (a class) maps customer ids to nicknames, listed under the table each customer
    sat at last, so a student finds themselves on the projector. `compact` (a lesson figure)
    leaves out the door and host and names only the latest mark, with the counters beside;
    `told` is an event's words, shown there instead of the mark for the moment it happens.
    """
    named = 1 if compact else LABELS
    remember(memory, view, recent, mark_ticks, named)
    clients = view["clients"]
    shared = view["shared_sessions"]
    tables = view["tables"]
    left = 0 if compact else LEFT
    cols = _columns(len(tables))
    if compact:
        cols = min(cols, COMPACT_COLUMNS)
    rows = math.ceil(len(tables) / cols) if tables else 1
    busy = len(tables) > BUSY_TABLES
    slots = BUSY_SHELF_SLOTS if busy else SHELF_SLOTS
    chairs_shown = BUSY_CHAIRS if busy else len(SEATS)

    here: dict[str, list[dict]] = {t["name"]: [] for t in tables}
    for client in clients:
        if client["last_table"] in here:
            here[client["last_table"]].append(client)
    name_rows = _name_rows(names, here) if names else 0
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
        for chair, (who, when) in enumerate(_chairs(memory, name, here[name], chairs_shown)):
            if not who or who > len(clients):
                continue
            sx, sy = SEATS[chair]
            client = clients[who - 1]
            sits[who] = (x + sx, y + sy)
            at.append(
                {
                    "id": _n(who),
                    "colour": _n(client["colour"]),
                    "mobile": client["mobile"],
                    "nat": client["behind_nat"],
                    "broken": any(m["of"] == who and m["to"] == name for m in live),
                    "walk": when >= first >= 0,
                    "x": _n(x + sx),
                    "y": _n(y + sy),
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
        kept = [(cid, n) for cid, n in sorted(table["carts"].items()) if cid not in broken_ids]
        room_left = max(0, slots - 1 - len(shelf))
        if len(kept) <= room_left + 1:
            room_left += 1
        for cid, _items in kept[:room_left]:
            shelf.append(_cart(cid, "kept", clients[cid - 1]["colour"], len(shelf)))
        for cart in shelf:
            if cart["state"] == "stranded":
                cart_spots[(int(cart["id"]), name)] = (x + 8 + cart["slot"] * SLOT_W + 11, y + 128)
        hidden_kept = len(kept) - min(len(kept), room_left)
        hidden_lost = max(0, len(lost) - sum(1 for c in shelf if c["state"] == "lost"))
        more_here = 0 if down else max(0, len(here[name]) - len(figures))
        nick_list: list[dict] = []
        nick_more: dict | None = None
        if names:
            nick_list, nick_more, shown_names = _nicknames(
                here[name], names, name_rows, shown_names
            )
        drawn.append(
            {
                "name": name,
                "state": table["status"],
                "x": _n(x),
                "y": _n(y),
                "figures": figures,
                "words": _table_words(table),
                "queue_words": _queue_words(more_here, table["queue"]),
                "waiting": table["queue"],
                "served": table["served"],
                "shelf": shelf,
                "more_carts": _n(hidden_kept + hidden_lost) if hidden_kept + hidden_lost else "",
                "more_x": _n(8 + len(shelf) * SLOT_W),
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
            cart["y"] = _n(PANTRY_ROWS[i // per_row])
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
        marks["labels"] = [
            {"of": "", "crash": "", "event": True, "words": told, "y": _n(BAND_Y + 17)}
        ]
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
        "says": _host_line(last_decision, width, COMPACT_TEXT),
        "breaks": metrics["cart_breaks"],
        "lost": metrics["carts_lost"],
        "band_y": BAND_Y,
        "band_h": BAND_H,
        "counts_y": (TOP + 6, TOP + 38),
        "arrows": marks["arrows"],
        "labels": marks["labels"],
        "names_more": unnamed,  # drawn as "+N at the door"
        "summary": _summary(drawn, pantry, marks["labels"], view),
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
                "of": _n(mark["of"]),
                "d": f"M{start[0]} {start[1]} L{end[0]} {end[1]}",
                "x": _n(start[0]),
                "y": _n(start[1]),
            }
        )
    labels = []
    for i, mark in enumerate(shown):
        words = mark_words(mark)
        if i == len(shown) - 1 and waiting and named > 1:
            words += f" (then {waiting} more)"
        labels.append(
            {
                "of": _n(mark["of"]) if "of" in mark else "",
                "crash": mark.get("crash", ""),
                "words": words,
                "y": _n(BAND_Y + 17 + i * BAND_LINE),
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
                "id": _n(client["id"]),
                "name": names[client["id"]][:NAME_CHARS],
                **_name_slot(i),
            }
        )
    more = len(named) - len(fits)
    return listed, ({"n": more, **_name_slot(len(fits))} if more else None), shown + len(fits)


def _name_slot(i: int) -> dict:
    return {
        "x": _n(8 + (i % NAME_COLS) * NAME_COL_W),
        "y": _n(CELL_H + 4 + (i // NAME_COLS) * NAME_ROW_H),
    }


def _table_words(table: dict) -> str:
    if table["status"] == "down":
        return "closed"
    if table["status"] == "draining":
        return "draining"
    return f"{table['served']} served"


def _queue_words(more: int, waiting: int) -> str:
    words = [f"+{more} here"] if more > 0 else []
    if waiting:
        words.append(f"{waiting} waiting")
    return " · ".join(words)


def wrap(text: str, width: int, first: int | None = None) -> list[str]:
    """Words in lines of at most `width` characters, the first line `first` (it may stay
    empty when the first word does not fit it; a word longer than a line stands alone)."""
    lines = [""]
    room = width if first is None else first
    for word in text.split(" "):
        line = lines[-1]
        joined = f"{line} {word}" if line else word
        if len(joined) <= room or (not line and len(lines) > 1):
            lines[-1] = joined
        else:
            lines.append(word)
            room = width
    return lines


def reasons(decision: Any) -> list[str]:
    """The host's reason, then shorter forms of it, for a scene too narrow for the whole.

    The rule is the reason up to its first colon ("HAProxy balance source (map-based)"),
    then its last step ("167839046 % 4 = 2 -> map slot 2 -> table C"); shorter still, the
    rule and the table, or the clause that decided ("round robin"); the host stand beside
    the scene and the narration keep the whole sentence.
    """
    rule = decision.reason.split(":", 1)[0]
    step = rule.split("; ")[-1].split(", ")[-1]
    last = decision.reason.split("; ")[-1]  # the arithmetic, for a hash
    return [
        decision.reason,
        f"{rule}: {last}",
        f"{rule} → {decision.server}",
        f"{step} → {decision.server}",
        f"table {decision.server}",
    ]


def _host_line(decision: Any, width: int, text: float = 1.0) -> dict:
    """The host's words in two lines, who went where, then why: never cut.

    `text` is how much larger than its own size the scene's letters may be drawn.
    """
    if decision is None:
        return {"who": "waiting for the first customer.", "first": "", "second": ""}
    if decision.server is None:
        return {"who": f"customer {decision.client}: no table is open.", "first": "", "second": ""}
    who = f"customer {decision.client} → table {decision.server}."
    chars = int((width - 16) / (WHY_CHAR_W * text))
    lead = len("Host: ") + len(who) + 1
    for why in reasons(decision):
        lines = wrap(why, chars, chars - lead)
        if len(lines) <= 2:
            break
    lines += ["", ""]
    return {"who": who, "first": lines[0], "second": lines[1]}


def _summary(drawn: list[dict], pantry: dict | None, labels: list[dict], view: dict) -> str:
    """The scene in words, for `role="img"`: the same facts as the picture, in the same frame."""
    words = {"up": "open", "down": "closed", "draining": "draining, no new customers"}
    parts = []
    for t in drawn:
        bits = [f"Table {t['name']} {words.get(t['state'], t['state'])}"]
        if t["figures"]:
            bits.append("seated: " + " ".join(str(f["id"]) for f in t["figures"]))
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
    metrics = view["metrics"]
    text += (
        f" {count(metrics['cart_breaks'], 'cart break')},"
        f" {count(metrics['carts_lost'], 'lost cart')}."
    )
    if labels:
        text += " Just now: " + "; ".join(label["words"] for label in labels) + "."
    return text
