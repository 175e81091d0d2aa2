"""A page served from another port of the same host cannot drive a class, in real Chromium.

Chromium sends the teacher's cookies to every port of 127.0.0.1, so only the origin check
stands between a page on another port and the teacher's socket.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.browser.server import free_port
from tests.browser.test_classroom_browser import start_a_class

pytestmark = pytest.mark.browser

# The other page tries every socket a class has, as the teacher's browser, and writes down
# what happened to each.
PROBE = """<!doctype html><title>probe</title><ol id="log"></ol><script>
const site = new URL(location.hash.slice(1));
const paths = JSON.parse(decodeURIComponent(location.search.slice(1)));
for (const path of paths) {
  const socket = new WebSocket(`ws://${site.host}${path}`);
  const note = (what) => {
    const item = document.createElement("li");
    item.dataset.path = path;
    item.textContent = what;
    document.getElementById("log").append(item);
  };
  socket.onopen = () => { note("open"); socket.close(); };
  socket.onerror = () => note("refused");
}
</script>"""


class ProbePage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PROBE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_port() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), ProbePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_on_another_port_cannot_open_the_teachers_socket(chromium, site, other_port):
    teacher, teach, errors, code = start_a_class(chromium, site)
    paths = [f"/ws/class/{code}/{role}/" for role in ("teacher", "projector", "student")]
    paths.append("/ws/lab/single/?scenario=mobile_ip_change")
    probe = teacher.new_page()
    query = "[" + ",".join(f'"{path}"' for path in paths) + "]"
    probe.goto(f"{other_port}/?{query}#{site}")
    log = probe.locator("#log li")
    expect(log).to_have_count(len(paths))
    assert log.all_inner_texts() == ["refused"] * len(paths)
    # The teacher's own page, in the same browser, is still live and in charge.
    expect(teach.locator("#connection")).to_have_text("Live")
    assert errors == []
    teacher.close()


def test_a_socket_at_an_address_no_room_serves_closes_with_4404(site_server):
    """What a real client sees (not only the test communicator): the documented 4404."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from tests.browser.server import origin_for

    url = f"ws://127.0.0.1:{site_server.port}/ws/nothing/"
    with (
        connect(url, origin=origin_for(url), open_timeout=10) as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4404
