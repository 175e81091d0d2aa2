"""What the scene remembers between frames: carts' faces, chairs, and recent breaks.

The engine knows how many carts a table keeps stranded but not whose they are, forgets a
crashed table's carts, and keeps no picture of who sits where; `SceneMemory` (part of each live
restaurant's saved state) keeps those for the picture. `remember` brings it up to date with a
restaurant's state, once per frame; drawing reads it and never writes it (`context.py`).

A cart break is an event on the floor, kept for `mark_ticks` ticks (at least 3 s at the live
tick) from when its turn in the band comes, before it settles into the stranded cart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

from lbteach.scene.layout import SEATS

LABELS = 2  # marks named in the band (and drawn as arrows), in turn
WAITING = 6  # marks waiting for their turn in the band; older ones are only counted
MARK_TICKS = 6  # how long a break stays an event: 6 ticks of 0.5 s, the lab's live tick


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
        # Who sits where, and whose break is marked, kept up to date as each decision seats
        # someone: a fast tick seats 80 customers among 48 chairs.
        seated: dict[int, list[list[int]]] = {}
        for seats in memory.chairs.values():
            for seat in seats:
                if seat[0]:
                    seated.setdefault(seat[0], []).append(seat)
        marked = {m["of"] for m in memory.marks if "of" in m}
        for decision in recent:
            if decision.cart_broken and decision.carts_stranded_at:
                memory.stranded[decision.client] = decision.carts_stranded_at
                marked.add(decision.client)
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
                sit(memory.chairs, seated, decision.client, decision.server, decision.index, marked)
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


def sit(
    chairs: dict[str, list[list[int]]],
    seated: dict[int, list[list[int]]],
    client: int,
    table: str,
    index: int,
    marked: set[int],
) -> None:
    """Seat a customer at a table's free chair, or the chair sat in longest ago.

    A customer whose break is on show keeps their chair, so the arrow starts at them.
    `seated` (customer -> the chairs they hold in `chairs`) is kept up to date.
    """
    for seat in seated.pop(client, ()):
        seat[0] = seat[1] = 0
    seats = chairs.setdefault(table, [[0, 0] for _ in SEATS])
    # One pass (80 customers a tick at top speed): the first free chair, else the one sat in
    # longest ago by someone whose break is not on show, else the one sat in longest ago.
    chair = oldest = None
    for s in seats:
        if s[0] == 0:
            chair = s
            break
        if s[0] not in marked and (oldest is None or s[1] < oldest[1]):
            oldest = s
    if chair is None:
        chair = oldest or min(seats, key=itemgetter(1))
    if chair[0]:  # its sitter stands up for the newcomer
        seated[chair[0]] = [s for s in seated[chair[0]] if s is not chair]
    chair[0], chair[1] = client, index
    seated[client] = [chair]
