"""The scene's SVG, built from `scene_context`'s data with plain string building.

This is the one declaration of the scene's markup (door, host stand, tables with seats,
queues and cart shelves, the pantry, customers, the marks and the band). It is built without
the template engine because a frame draws it every tick: Django's engine localised and
escaped about 780 values a frame at 12 tables, most of a frame's cost (docs/benchmarks.md).

Every word that can come from outside (nicknames, reasons, titles) goes through `esc`, as
autoescaping would; coordinates and customer numbers are ints. Test hooks: `data-table`,
`data-state`, `data-customer`, `data-cart-of`, `data-cart`.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe


def esc(value: object) -> str:
    """A value as the template engine would print it: escaped, unless already safe."""
    if isinstance(value, SafeString):
        return value
    return escape(str(value))


def plural(n: int) -> str:
    return "" if n == 1 else "s"


def scene_svg(s: dict, prefix: str, title: str) -> SafeString:
    """The scene `s` (`context.scene_context`) as SVG; ids carry `prefix` (two per page)."""
    p = esc(prefix)
    out: list[str] = []
    add = out.append
    classes = (" has-pantry" if s["pantry"] else "") + (" compact" if s["compact"] else "")
    add(
        f'\n<svg class="scene{classes}" viewBox="0 0 {s["width"]} {s["height"]}" role="img"'
        f' aria-labelledby="{p}scene-title {p}scene-desc" data-walk-from="{esc(s["walk_from"])}">'
        f'\n<title id="{p}scene-title">{esc(title)}</title>'
        f'\n<desc id="{p}scene-desc">{esc(s["summary"])}</desc>'
        f'\n<defs><rect id="{p}cart" width="22" height="17" rx="3"/><g id="{p}furniture">'
        '<rect x="40" y="38" width="120" height="44" rx="10" fill="currentColor"'
        ' stroke-width="2"/><circle cx="62" cy="22" r="12" stroke-width="1.5"/>'
        '<circle cx="138" cy="22" r="12" stroke-width="1.5"/><circle cx="62" cy="100" r="12"'
        ' stroke-width="1.5"/><circle cx="138" cy="100" r="12" stroke-width="1.5"/>'
        '<rect x="6" y="147" width="188" height="4" rx="2" fill="#b89a6a" stroke="none"/></g>'
        f'<marker id="{p}tip" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker>'
        "</defs>\n"
    )
    says = s["says"]
    add(
        '<text class="says" x="8" y="17"><tspan class="says-who">Host:</tspan>'
        f' <tspan class="says-seat">{esc(says["who"])}</tspan> {esc(says["first"])}</text>'
    )
    if says["second"]:
        add(f'<text class="says says-why" x="8" y="34">{esc(says["second"])}</text>')
    add("\n")
    if not s["compact"]:
        add(_counts(s))
    add("\n")
    if s["pantry"]:
        add(_pantry(s["pantry"], p))
    add("\n\n")
    # Three passes, so a break's arrow runs over the tables' floor but under their words and
    # customers.
    cell_h = s["cell_h"]
    for t in s["tables"]:
        add(
            f'<g class="{esc(t["state"])}" transform="translate({t["x"]} {t["y"]})">'
            f'<rect class="cell" x="4" y="4" width="192" height="{cell_h}" rx="12"/>'
            f'<use class="furniture" href="#{p}furniture"/>'
        )
        if t["state"] == "down":
            add('<path class="shut" d="M48 42 L152 78 M152 42 L48 78"/>')
        add("</g>")
    add("\n")
    for a in s["arrows"]:
        add(
            f'<g class="break-mark" data-break-of="{a["of"]}"><path class="break-line"'
            f' d="{esc(a["d"])}" marker-end="url(#{p}tip)"/><circle class="break-ring"'
            f' cx="{a["x"]}" cy="{a["y"]}" r="16"/></g>'
        )
    add("\n")
    for t in s["tables"]:
        add(_table(t, p))
    add("\n")
    for f in s["figures"]:
        add(
            f'<g class="who p{f["colour"]}{" broke" if f["broken"] else ""}'
            f'{" walk" if f["walk"] else ""}" data-customer="{f["id"]}"'
            f' transform="translate({f["x"]} {f["y"]})"><circle r="12"/>'
            f'<text y="4">{f["id"]}</text>'
        )
        if f["mobile"]:
            add('<rect class="phone" x="7" y="-15" width="7" height="11" rx="1.5"/>')
        if f["nat"]:
            add('<path class="nat" d="M-14 -8 l5 -6 l5 6 z"/>')
        add("</g>")
    add("\n")
    add(_band(s))
    add("\n</svg>\n")
    return mark_safe("".join(out))


def _counts(s: dict) -> str:
    """The run's cart breaks and lost carts beside the floor, then the door and the host."""
    breaks, lost = s["breaks"], s["lost"]
    top, bottom = s["counts_y"]
    door, host = s["door"], s["host"]
    return (
        f'<g class="counts"><g class="count{" alarm" if breaks else ""}"'
        f' transform="translate(5 {top})"><rect width="141" height="28" rx="6"/>'
        f'<text x="7" y="20"><tspan class="count-n" data-count="breaks">{breaks}</tspan>'
        f' cart break{plural(breaks)}</text></g><g class="count{" alarm" if lost else ""}"'
        f' transform="translate(5 {bottom})"><rect width="141" height="28" rx="6"/>'
        f'<text x="7" y="20"><tspan class="count-n" data-count="lost">{lost}</tspan>'
        f" lost cart{plural(lost)}</text></g></g>\n"
        f'<g class="door" transform="translate({door[0]} {door[1]})"><rect x="-16" y="-34"'
        ' width="32" height="68" rx="4"/><text y="52">Door</text></g>\n'
        f'<g class="host" transform="translate({host[0]} {host[1]})"><rect x="-30" y="-22"'
        ' width="60" height="44" rx="8"/><text y="5">Host</text></g>'
    )


def _cart(c: dict, p: str) -> str:
    return (
        f'<g class="p{c["colour"]}{" marked" if c["marked"] else ""}" data-cart="{c["state"]}"'
        f' data-cart-of="{c["id"]}" transform="translate({c["x"]} {c.get("y", 0)})">'
        f'<use href="#{p}cart"/><text x="11" y="13">{c["id"]}</text></g>'
    )


def _pantry(pantry: dict, p: str) -> str:
    count = pantry["count"]
    parts = [
        f'<g class="pantry" transform="translate({pantry["x"]} {pantry["y"]})">'
        f'<rect width="{pantry["width"]}" height="72" rx="10"/><text class="label" x="10"'
        f' y="19">Pantry (shared store): {count} cart{plural(count)}</text>'
    ]
    parts.extend(_cart(c, p) for c in pantry["carts"])
    if pantry["more"]:
        parts.append(f'<text class="more" x="{pantry["more_x"]}" y="62">+{pantry["more"]}</text>')
    parts.append("</g>")
    return "".join(parts)


def _table(t: dict, p: str) -> str:
    """A table's words, queue, cart shelf and nicknames (its furniture is drawn first)."""
    name = esc(t["name"])
    parts = [
        f'<g id="{p}table-{name}" class="tbl {esc(t["state"])}'
        f'{" falling" if t["falling"] else ""}" data-table="{name}"'
        f' data-state="{esc(t["state"])}" transform="translate({t["x"]} {t["y"]})">'
        f'<text class="name" x="100" y="60">{name}</text>'
        f'<text class="state-word" x="100" y="77">{esc(t["words"])}</text>'
    ]
    if t["queue_words"]:
        parts.append(f'<text class="queue" x="100" y="125">{esc(t["queue_words"])}</text>')
    parts.append('<g class="shelf" transform="translate(0 128)">')
    parts.extend(_cart(c, p) for c in t["shelf"])
    if t["more_carts"]:
        parts.append(f'<text class="more" x="{t["more_x"]}" y="13">+{t["more_carts"]}</text>')
    if t["unnamed_stranded"] > 0:
        parts.append(
            '<text class="more stranded-count" x="192" y="36">'
            f"{t['unnamed_stranded']} stranded</text>"
        )
    parts.append("</g>")
    for n in t["nicknames"]:
        parts.append(
            f'<text class="nick" x="{n["x"]}" y="{n["y"]}"><tspan class="nick-id">{n["id"]}'
            f"</tspan> {esc(n['name'])}</text>"
        )
    more = t["more_nicknames"]
    if more:
        parts.append(
            f'<text class="nick more" x="{more["x"]}" y="{more["y"]}">+{more["n"]} more</text>'
        )
    parts.append("</g>\n")
    return "".join(parts)


def _band(s: dict) -> str:
    """The band of words above the floor: this moment's breaks and crashes, or a quiet line."""
    band_y = s["band_y"]
    parts = [
        f'<g class="band" transform="translate(0 {band_y})"><rect x="4"'
        f' width="{s["width"] - 8}" height="{s["band_h"]}" rx="8"/></g>'
    ]
    for label in s["labels"]:
        crash = " crash" if label["crash"] or label.get("event") else ""
        if label["of"]:
            hook = f' data-break-of="{label["of"]}"'
        elif label.get("event"):
            hook = " data-event"
        else:
            hook = f' data-crash-of="{esc(label["crash"])}"'
        parts.append(
            f'<text class="band-words{crash}" x="14" y="{label["y"]}"{hook}>'
            f"{esc(label['words'])}</text>"
        )
    if not s["labels"]:
        quiet = (
            "No break just now."
            if s["breaks"] or s["lost"]
            else "Cart breaks will show here, with their reason."
        )
        parts.append(f'<text class="band-words quiet" x="14" y="{band_y + 17}">{quiet}</text>')
    if s["compact"]:
        breaks, lost = s["breaks"], s["lost"]
        parts.append(
            f'<text class="counts-line" x="14" y="{band_y + 38}"><tspan'
            f' class="{"alarm" if breaks else ""}"><tspan class="count-n" data-count="breaks">'
            f"{breaks}</tspan> cart break{plural(breaks)}</tspan> · <tspan"
            f' class="{"alarm" if lost else ""}"><tspan class="count-n" data-count="lost">'
            f"{lost}</tspan> lost cart{plural(lost)}</tspan></text>"
        )
    if s["names_more"]:
        parts.append(
            f'<text class="nick names-more" x="8" y="{s["door"][1] + 74}">'
            f"+{s['names_more']} at the door</text>"
        )
    return "".join(parts)
