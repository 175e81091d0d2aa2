"""Websockets open only from the site's own exact origins: scheme, host and port."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from lbteach.asgi import application
from lbteach.routing import websocket_urlpatterns
from tests.classroom.conftest import start_class

HOST = "127.0.0.1:8000"
OWN = "http://127.0.0.1:8000"
# A page anywhere else: another port of the same host (cookies ignore ports), the other
# names of this machine, look-alikes of the LAN address, another scheme, no origin at all.
STRANGERS = [
    "http://127.0.0.1:8830",
    "http://127.0.0.1",
    "https://127.0.0.1:8000",
    "http://localhost:1234",
    "http://localhost:8000",
    "http://192.0.2.2:5555",
    "https://192.0.2.2",
    "http://[::1]:80",
    "http://127.0.0.1:8000.evil.example",
    "http://evil.example",
    "null",
    None,
]


def every_endpoint(code: str) -> list[str]:
    """One path per websocket route (the catch-all included), each one a consumer accepts."""
    return [
        "/ws/lab/single/?scenario=mobile_ip_change&customers=5",
        "/ws/lab/compare/?scenario=mobile_ip_change&customers=5",
        f"/ws/class/{code}/teacher/",
        f"/ws/class/{code}/projector/",
        f"/ws/class/{code}/student/",
        "/ws/no-such-room/",
    ]


def test_every_route_is_in_the_list_above():
    """A new route must be added to every_endpoint, or this test fails: none goes unchecked."""
    paths = [path.split("?")[0].lstrip("/") for path in every_endpoint("ABCDEF")]
    for pattern in websocket_urlpatterns:
        regex = re.compile(str(pattern.pattern))
        assert any(regex.match(path) for path in paths), regex.pattern


def socket(path: str, origin: str | None, cookie: str = "", host: str = HOST):
    headers = [(b"host", host.encode()), (b"cookie", cookie.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.fixture
async def teacher_cookie(monkeypatch) -> tuple[str, str]:
    monkeypatch.setattr("lbteach.live.broadcast.TICK_SECONDS", 3600.0)
    client, code = await sync_to_async(start_class)()
    return code, f"sessionid={client.cookies['sessionid'].value}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", STRANGERS)
async def test_no_endpoint_opens_from_another_origin(teacher_cookie, origin):
    code, cookie = teacher_cookie
    for path in every_endpoint(code):
        communicator = socket(path, origin, cookie)
        connected, close_code = await communicator.connect()
        # Refused at the handshake (HTTP 403), before any consumer or room is touched.
        assert (connected, close_code) == (False, 1000), (path, origin)
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_sites_own_page_opens_the_teachers_socket(teacher_cookie):
    code, cookie = teacher_cookie
    communicator = socket(f"/ws/class/{code}/teacher/", OWN, cookie)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_lab_opens_from_each_of_the_machines_own_names():
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.1"):
        communicator = socket(every_endpoint("ABCDEF")[0], f"http://{host}", host=host)
        connected, _ = await communicator.connect()
        assert connected, host
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_host_the_site_does_not_serve_is_refused_even_with_a_matching_origin():
    communicator = socket(every_endpoint("ABCDEF")[0], "http://evil.example", host="evil.example")
    assert await communicator.connect() == (False, 1000)


@pytest.mark.django_db(transaction=True)
@override_settings(HTTPS=True)
async def test_behind_tls_only_the_https_origin_is_ours():
    path = every_endpoint("ABCDEF")[0]
    plain = socket(path, "http://127.0.0.1:8000")
    assert await plain.connect() == (False, 1000)
    secure = socket(path, "https://127.0.0.1:8000")
    connected, _ = await secure.connect()
    assert connected
    await secure.disconnect()


@pytest.mark.django_db(transaction=True)
@override_settings(CSRF_TRUSTED_ORIGINS=["https://class.example.org"])
async def test_a_trusted_origin_opens_through_a_proxy_that_rewrites_the_host():
    path = every_endpoint("ABCDEF")[0]
    proxied = socket(path, "https://class.example.org", host="127.0.0.1:8000")
    connected, _ = await proxied.connect()
    assert connected
    await proxied.disconnect()
    lookalike = socket(path, "https://class.example.org:8443", host="127.0.0.1:8000")
    assert await lookalike.connect() == (False, 1000)
