"""HTTP boundaries: HEAD answers like GET, and the admin stays on this machine in class."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PAGES = ["/", "/lessons/", "/lab/", "/quiz/", "/class/"]


@pytest.mark.parametrize("url", PAGES)
def test_head_answers_like_get_without_a_body(client, url):
    got = client.get(url)
    head = client.head(url)
    assert (got.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert int(head["Content-Length"]) == len(got.content) > 0


def test_head_of_a_missing_page_is_a_404(client):
    assert client.head("/no-such-page/").status_code == 404


def test_post_only_pages_still_refuse_head(client):
    assert client.head("/class/start/").status_code == 405


@override_settings(ADMIN_LOCAL_ONLY=True, ALLOWED_HOSTS=["127.0.0.1", "192.168.1.20"])
def test_in_class_the_admin_answers_only_this_machine():
    room = Client(REMOTE_ADDR="192.168.1.31", HTTP_HOST="192.168.1.20")
    assert room.get("/admin/login/").status_code == 404
    # A tunnel on this machine connects from loopback but keeps the public name.
    tunnel = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST="192.168.1.20")
    assert tunnel.get("/admin/login/").status_code == 404
    laptop = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1")
    assert laptop.get("/admin/login/").status_code == 200
    # The rest of the site still answers the room.
    assert room.get("/class/").status_code == 200


@override_settings(ADMIN_LOCAL_ONLY=False)
def test_without_a_public_address_the_admin_answers_as_usual():
    assert Client(REMOTE_ADDR="192.168.1.31").get("/admin/login/").status_code == 200


def test_make_class_turns_the_local_only_admin_on(monkeypatch):
    import importlib

    import lbteach.settings as live_settings

    monkeypatch.setenv("PUBLIC_URL", "https://class.example.org")
    monkeypatch.delenv("ADMIN_LOCAL_ONLY", raising=False)
    try:
        assert importlib.reload(live_settings).ADMIN_LOCAL_ONLY is True
        monkeypatch.delenv("PUBLIC_URL")
        assert importlib.reload(live_settings).ADMIN_LOCAL_ONLY is False
    finally:
        monkeypatch.undo()
        importlib.reload(live_settings)
