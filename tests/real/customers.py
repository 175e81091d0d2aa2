"""Scripted customers of the real restaurant: an address, a cookie jar, requests through HAProxy."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from lbteach.real.supervisor import Supervisor

# (method, path) of each thing a customer does at the shop.
ACTIONS = {
    "view": ("GET", "/cart"),
    "add": ("POST", "/cart/add?item={item}"),
    "checkout": ("POST", "/checkout"),
}


@dataclass
class Answer:
    status: int
    body: dict
    set_cookies: list[str]

    @property
    def table(self) -> str:
        return self.body.get("table", "none")

    @property
    def cart(self) -> list[str]:
        return self.body["cart"]


@dataclass
class Customer:
    """One client: the address HAProxy is told (X-Client-IP) and the cookies it keeps."""

    ip: str
    cookies: dict[str, str] = field(default_factory=dict)

    def send(self, port: int, action: str = "view", item: str = "bread") -> Answer:
        method, path = ACTIONS[action]
        headers = {"X-Client-IP": self.ip, "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request(method, path.format(item=item), headers=headers)
            response = conn.getresponse()
            raw = response.read()
            set_cookies = response.headers.get_all("Set-Cookie") or []
        finally:
            conn.close()
        for header in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        body = json.loads(raw) if response.status == 200 else {}
        return Answer(response.status, body, [h.split(";")[0] for h in set_cookies])

    def visit(
        self, sup: Supervisor, action: str = "view", item: str = "bread"
    ) -> tuple[Answer, dict]:
        """Send a request and have the supervisor judge it against the engine's prediction."""
        answer = self.send(sup.port, action, item)
        body = answer.body
        # As the page does: with HAProxy's number for the request (nginx gives none).
        number = (body["gen"], body["seq"]) if body.get("seq") is not None else None
        verdict = sup.judge(
            answer.table, body["client"], body["cookies"], body["path"], number=number
        )
        return answer, verdict


def cors(port: int, method: str, origin: str) -> tuple[int, dict[str, str]]:
    """(status, the Access-Control-* headers) of a request from a page at `origin`."""
    headers = {"Origin": origin, "Connection": "close"}
    if method == "OPTIONS":
        headers |= {"Access-Control-Request-Method": "GET"}
        headers |= {"Access-Control-Request-Headers": "x-client-ip"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, "/cart", headers=headers)
        response = conn.getresponse()
        response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    return response.status, {k: v for k, v in found.items() if k.startswith("access-control-")}


def reload_under_traffic(
    sup: Supervisor, balancers: Iterable[str], send: Callable[[], None]
) -> None:
    """Switch `sup` to each of `balancers` in turn (a reload each) while another thread calls
    `send` over and over, until the last reload is done."""
    done = threading.Event()

    def traffic() -> None:
        while not done.is_set():
            send()

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        for name in balancers:
            sup.set_balancer(name)
    finally:
        done.set()
        sender.join()
