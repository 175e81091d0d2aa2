"""A class from a laptop: phones in the room reach it at its LAN address, and no other host."""

from __future__ import annotations

import http.client
import subprocess
import sys

from websockets.sync.client import connect
from websockets.typing import Origin

from lbteach.classroom.address import host_and_origin, lan_address, public_base
from tests.browser.server import ROOT, Browser, server_env
from tests.conftest import require
from tests.text import search


def test_listening_on_this_machine_only_shows_no_public_address():
    assert public_base("127.0.0.1", 8000) == ""


def test_listening_everywhere_shows_the_lan_address_with_its_port():
    lan = lan_address()
    require(lan is not None, "this machine has no network interface but loopback")
    assert public_base("0.0.0.0", 8000) == f"http://{lan}:8000"
    assert public_base("0.0.0.0", 80) == f"http://{lan}"


def test_public_url_overrides_the_lan_address():
    assert public_base("0.0.0.0", 8000, "https://class.school.example/") == (
        "https://class.school.example"
    )
    assert host_and_origin("https://class.school.example:8443") == (
        "class.school.example",
        "https://class.school.example:8443",
    )


def _class_address(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "class_address"],
        cwd=ROOT,
        env=server_env(ROOT / "unused.sqlite3", **env),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_prints_where_students_join():
    lan = lan_address()
    require(lan is not None, "this machine has no network interface but loopback")
    assert f"Students join at http://{lan}:8123/class/join/" in _class_address(
        HOST="0.0.0.0", PORT="8123"
    )
    assert "Students join at https://lb.school.example/class/join/" in _class_address(
        HOST="0.0.0.0", PUBLIC_URL="https://lb.school.example"
    )
    assert "Only this machine can reach the site" in _class_address(HOST="127.0.0.1")


def _get(port: int, path: str, host: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_a_phone_asking_for_the_lan_address_gets_the_class_page_and_other_hosts_do_not(
    lan_server,
):
    server, lan = lan_server
    status, page = _get(server.port, "/class/", f"{lan}:{server.port}")
    assert status == 200
    assert "Join a class" in page
    assert _get(server.port, "/class/", f"evil.example:{server.port}")[0] == 400
    assert _get(server.port, "/class/", f"10.9.8.7:{server.port}")[0] == 400


def test_the_projector_shows_the_lan_address_to_join_at(lan_server):
    server, lan = lan_server
    teacher = Browser()
    teach_url = teacher.post(f"{server.url}/class/start/", {}, form_page=f"{server.url}/class/")
    code = search(r"/class/([A-Z0-9]{6})/teach/", teach_url)
    projector = teacher.get(f"{server.url}/class/{code}/projector/")
    assert f"http://{lan}:{server.port}/class/{code}/" in projector
    # The phone's websocket comes from the LAN origin; the origin check lets that one in.
    with connect(
        f"ws://127.0.0.1:{server.port}/ws/class/{code}/projector/",
        origin=Origin(f"http://{lan}:{server.port}"),
        additional_headers={"Cookie": f"sessionid={teacher.cookie('sessionid')}"},
        max_size=2**22,
    ) as ws:
        assert 'id="lab-frame"' in ws.recv(timeout=10)
