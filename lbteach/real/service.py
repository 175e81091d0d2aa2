"""The /real/ page's service: ask the supervisor, and turn a real answer into what the page shows.

The views stay thin: they parse, call one function here and render. Nothing here starts a
process; the `real` command does, and hands the site its control socket (REAL_CONTROL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

from django.conf import settings

from lbteach.real.balancers import COOKIE_NAME
from lbteach.real.control import ask
from lbteach.real.supervisor import RealError
from lbteach.real.table import MENU, SESSION_COOKIE

# The cookies this lesson is about; the site's own (csrftoken, sessionid) reach HAProxy too,
# since a browser's cookies belong to a host, not a port, but they are only counted.
LESSON_COOKIES = (COOKIE_NAME, SESSION_COOKIE)
CONTROLS = ("balancer", "crash", "restore", "remove", "add", "shared", "restart")
# "Change my network": addresses a browser cannot really take, so HAProxy is told them.
NETWORKS = (
    ("", "This device (its real address)"),
    ("10.0.3.7", "Home Wi-Fi, 10.0.3.7"),
    ("100.64.12.9", "Phone on LTE, 100.64.12.9"),
    ("203.0.113.5", "Office behind NAT, 203.0.113.5"),
)


def running() -> bool:
    return bool(settings.REAL_CONTROL)


def view() -> dict:
    """The supervisor's picture (RealError when it is not running or not answering)."""
    if not running():
        raise RealError("the real restaurant is not running; start it with `make real`")
    return ask(settings.REAL_CONTROL, {"do": "view"})["view"]


def control(fields: dict[str, str]) -> tuple[dict, str]:
    """Apply one control; (the new picture, an error message or '')."""
    do = fields.get("do", "")
    if do not in CONTROLS:
        return view(), f"unknown control {do!r}; the controls are {', '.join(CONTROLS)}"
    request: dict[str, object] = {"do": do}
    if do == "balancer":
        request["name"] = fields.get("name", "")
    elif do in ("crash", "restore", "remove"):
        request["table"] = fields.get("table", "")
    elif do == "shared":
        request["on"] = fields.get("on") == "on"
    answer = ask(settings.REAL_CONTROL, request)
    return answer["view"], answer.get("error", "")


def cookies_in(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


@dataclass
class Row:
    """One real request as the page lists it, with the engine's verdict beside it."""

    number: int
    method: str
    path: str
    status: int
    table: str
    pid: str
    port: str
    client: str
    told: str  # the address the page told HAProxy (X-Client-IP), '' for the real one
    cookies: list[str]
    other_cookies: int
    set_cookies: list[str]
    cart: list[str]
    store: str
    verdict: dict = field(default_factory=dict)


def _text(fields: dict[str, str], key: str, limit: int = 400) -> str:
    return str(fields.get(key, ""))[:limit]


def report(fields: dict[str, str], remote_addr: str, site_cookies: dict[str, str]) -> Row:
    """Judge one request the browser sent through HAProxy, from what it got back.

    `fields`: status, method, path, network (the X-Client-IP it sent) and, when a table
    answered, the table's JSON (`answer`) and the lesson's cookies the browser now holds
    (`after`). Without a table's answer (HAProxy's 503) the site's own view of the browser
    (its address and cookies, which are the ones HAProxy got) stands in.
    """
    if not running():
        raise RealError("the real restaurant is not running; start it with `make real`")
    try:
        status = int(fields.get("status", ""))
    except ValueError:
        raise RealError("a report needs the HTTP status HAProxy answered") from None
    try:
        answer = json.loads(fields.get("answer") or "{}")
    except json.JSONDecodeError:
        raise RealError("a report's answer must be the table's JSON") from None
    if not isinstance(answer, dict):
        raise RealError("a report's answer must be the table's JSON")
    told = _text(fields, "network", 40)
    path = _text(fields, "path")
    if status == 200 and answer.get("table"):
        table = str(answer["table"])
        client = str(answer.get("client", ""))
        seen_header = str(answer.get("cookies", ""))
    else:
        table = "none"
        client = told or remote_addr
        seen_header = "; ".join(f"{k}={v}" for k, v in site_cookies.items())
    seen = cookies_in(seen_header)
    after = cookies_in(_text(fields, "after"))
    lesson_seen = [f"{k}={seen[k]}" for k in LESSON_COOKIES if k in seen]
    set_cookies = [
        f"{k}={after[k]}" for k in LESSON_COOKIES if k in after and after[k] != seen.get(k)
    ]
    lesson_header = "; ".join(lesson_seen)
    cart = answer.get("cart", [])
    items = [str(item) for item in cart] if isinstance(cart, list) else []
    session = answer.get("session", "")
    request = {"do": "judge", "answered": table, "client": client, "cookies": lesson_header}
    request |= {"path": path, "session": session if isinstance(session, str) else ""}
    # HAProxy's number for the request, so the engine judges requests in HAProxy's order.
    request |= {key: answer[key] for key in ("gen", "seq") if isinstance(answer.get(key), int)}
    verdict = ask(settings.REAL_CONTROL, request | {"items": len(items)})
    if "error" in verdict:
        raise RealError(verdict["error"])
    return Row(
        number=verdict["verdict"]["total"],
        method=_text(fields, "method", 8) or "GET",
        path=path,
        status=status,
        table=table,
        pid=str(answer.get("pid", "")),
        port=str(answer.get("port", "")),
        client=client,
        told=told,
        cookies=lesson_seen,
        other_cookies=len(seen) - len(lesson_seen),
        set_cookies=set_cookies,
        cart=items,
        store=str(answer.get("store", "")),
        verdict=verdict["verdict"],
    )


def page_context(state: dict, local: bool, error: str = "") -> dict:
    return {
        "state": state,
        "local": local,
        "error": error,
        "networks": NETWORKS,
        "menu": MENU,
    }
