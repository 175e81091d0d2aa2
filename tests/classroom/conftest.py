"""Helpers for classroom tests: a started class, students who joined, sockets with sessions."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from lbteach.asgi import application
from lbteach.classroom import home, placement, relay
from tests.text import search

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test starts like a new process: no rooms live here, rooms do not tick by themselves."""
    monkeypatch.setattr("lbteach.live.broadcast.TICK_SECONDS", 3600.0)
    yield
    for running in list(home.homes.values()):
        running._stop()
    home.homes.clear()
    relay.relays.clear()
    placement._locks.clear()


def start_class(client: Client | None = None) -> tuple[Client, str]:
    client = client or Client()
    response = client.post("/class/start/")
    code = search(r"^/class/([A-Z0-9]{6})/teach/$", response["Location"])
    return client, code


def join(code: str, nickname: str, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(f"/class/{code}/", {"nickname": nickname})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def socket(client: Client, code: str, role: str, origin=ORIGIN) -> WebsocketCommunicator:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return WebsocketCommunicator(
        application,
        f"/ws/class/{code}/{role}/",
        headers=[origin, (b"host", b"127.0.0.1"), (b"cookie", cookie)],
    )
