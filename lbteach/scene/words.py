"""The scene's words: the host's line, the band's labels, the tables' captions and the summary.

Lines are measured in characters against the drawing's width (`layout.WHY_CHAR_W`), so the
host's reason is never cut: a shorter form of it is chosen instead.
"""

from __future__ import annotations

from typing import Any

from lbteach.scene.layout import WHY_CHAR_W
from lbteach.sim.words import count


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


def table_words(table: dict) -> str:
    if table["status"] == "down":
        return "closed"
    if table["status"] == "draining":
        return "draining"
    return f"{table['served']} served"


def queue_words(more: int, waiting: int) -> str:
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


def host_line(decision: Any, width: int, text: float = 1.0) -> dict:
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


def summary(drawn: list[dict], pantry: dict | None, labels: list[dict], view: dict) -> str:
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
