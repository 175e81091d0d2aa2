"""Solvers that answer a drill from its visible text alone, as a learner with a pencil would.

Each reads only the words a drill page shows (tags stripped) plus what a learner is meant
to know already: what each balancer keys on. None imports the engine: if a solver reaches
the engine's answer, the page gave a person everything needed to work it out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

from tests.text import search


class _Text(HTMLParser):
    """The text inside #quiz-card, one space between pieces, as a reader sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or dict(attrs).get("id") == "quiz-card":
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


VOID = re.compile(r"<(input|br|img|hr|meta|link)\b[^>]*>")


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(VOID.sub(" ", html))  # void elements never close, so they would skew depth
    return " ".join(" ".join(parser.parts).split())


def options(text: str) -> list[str]:
    """The option labels, in order: between the question and the button that checks it."""
    choices = search(r"\? ([^?]*) Check my prediction", text)
    return re.findall(
        r"(Table [A-H]|Yes: [^.]*?there|No: [^.]*?table|"
        r"Customers [\d, and]+\d|Only customer \d|No customer moves|"
        r"Every customer moves)(?= |$)",
        choices,
    )


def table_numbers(text: str) -> dict[int, str]:
    """ "counting from 0, A is 0, B is 1 ..." -> {0: "A", 1: "B", ...}."""
    return {int(n): name for name, n in re.findall(r"\b([A-H]) is (\d)\b", text)}


def number(text: str) -> int:
    """A number as shown, thousands separators and all: "354,914,312"."""
    return int(text.replace(",", ""))


def _modulo(value: int, text: str) -> str:
    tables = table_numbers(text)
    return f"Table {tables[value % len(tables)]}"


def nginx_ip_hash(text: str) -> str:
    return _modulo(int(search(r"nginx's hash of [\d.]+ is (\d+)", text)), text)


def haproxy_source(text: str) -> str:
    return _modulo(int(search(r"read as a number is (\d+)", text)), text)


def consistent_hash(text: str) -> str:
    size = number(search(r"ring of numbers from 0 to ([\d,]+)", text)) + 1
    key = number(search(r"crc32\(“[\d.]+”\) is ([\d,]+)", text))
    listed = [(number(p), t) for p, t in re.findall(r"([\d,]+) \(table ([A-H])\)", text)]
    # Unwrap the clockwise list: after the ring passes its top, points count from `size`.
    unwrapped, lap = [], 0
    for i, (point, table) in enumerate(listed):
        if i and point < listed[i - 1][0]:
            lap = size
        unwrapped.append((point + lap, table))
    if key < unwrapped[0][0]:
        key += size
    return "Table " + next(table for point, table in unwrapped if point >= key)


def _owner(points: dict[int, str], position: int) -> str:
    after = [p for p in sorted(points) if p >= position]
    return points[after[0] if after else min(points)]


def _customer_set(option: str, everyone: set[int]) -> set[int]:
    if option == "No customer moves":
        return set()
    if option == "Every customer moves":
        return everyone
    return {int(n) for n in re.findall(r"\d+", option)}


def scale_out(text: str) -> str:
    points = {
        int(p): name
        for name, where in re.findall(r"\b([A-H]) at ([\d and]+\d)", text)
        for p in re.findall(r"\d+", where)
    }
    customers = {int(n): int(p) for n, p in re.findall(r"\b(\d) at (\d+)", text)}
    new = search(r"Table ([A-H]) joins at", text)
    joined = {
        **points,
        **{int(p): new for p in re.findall(r"\d+", search(r"joins at ([\d and]+\d)", text))},
    }
    moved = {
        n
        for n, position in customers.items()
        if _owner(points, position) != _owner(joined, position)
    }
    return next(o for o in options(text) if _customer_set(o, set(customers)) == moved)


YES, NO = "Yes: the cart is still there", "No: the cart is gone or left at another table"


def cart_survives(text: str) -> str:
    if "session store that every table reads" in text:
        return YES  # any table can read the cart, whatever the host does
    if "has crashed" in text:
        return NO  # the cart lived in the crashed table's memory
    keyed_on = (
        "cookie"
        if re.search(r"Cookie insert|Session ID", text)
        else "address"
        if re.search(r"Stick table|Source IP hash", text)
        else ""
    )
    assert keyed_on, "the drill does not name a balancer this solver knows"
    stateless = "Source IP hash" in text  # nothing the host keeps can expire
    if "clears every cookie" in text:
        return NO if keyed_on == "cookie" else YES
    if "long break" in text:
        return YES if stateless else NO
    if "their address changes" in text:
        if keyed_on == "cookie":
            return YES
        if not stateless:
            return NO  # a stick table forgets nothing, but knows only the old address
        tables = table_numbers(text)
        numbers = [int(n) for n in re.findall(r"read as a number is (\d+)", text)]
        old, new = (tables[n % len(tables)] for n in numbers)
        return YES if old == new else NO
    raise AssertionError("the drill names no event this solver knows")


def hot_spot(text: str) -> str:
    return _modulo(int(search(r"read as a number is (\d+)", text)), text)


SOLVERS: dict[str, Callable[[str], str]] = {
    "nginx-ip-hash": nginx_ip_hash,
    "haproxy-source": haproxy_source,
    "consistent-hash": consistent_hash,
    "scale-out": scale_out,
    "cart-survives": cart_survives,
    "hot-spot": hot_spot,
}
