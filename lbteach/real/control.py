"""The supervisor's control socket: the site asks it (one JSON line each way) to act or report.

The `real` command runs the supervisor and this server in one process, and starts the site
with the socket's path (REAL_CONTROL). A Unix socket, not a port: only this machine's
user can reach it, whatever the site's network.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from pathlib import Path

from lbteach.real.supervisor import RealError, Supervisor

TIMEOUT_SECONDS = 15.0


def handle(sup: Supervisor, request: object) -> dict:
    """Do what `request` asks; {"error": message} when it cannot be done."""
    if not isinstance(request, dict):
        return {"error": "a request is a JSON object"}
    do = request.get("do")
    try:
        if do == "view":
            pass
        elif do == "balancer":
            sup.set_balancer(request.get("name"))
        elif do == "crash":
            sup.crash(request.get("table"))
        elif do == "restore":
            sup.restore(request.get("table"))
        elif do == "remove":
            sup.remove_table(request.get("table"))
        elif do == "add":
            sup.add_table()
        elif do == "shared":
            sup.set_shared(bool(request.get("on")))
        elif do == "restart":
            sup.restart_front()
        elif do == "judge":
            fields = [request.get(k) for k in ("answered", "client", "cookies", "path")]
            texts = [f for f in fields if isinstance(f, str)]
            if len(texts) != len(fields):
                return {"error": "judge needs answered, client, cookies and path as text"}
            session, items = request.get("session", ""), request.get("items", 0)
            if not isinstance(session, str) or not isinstance(items, int):
                return {"error": "judge's session is text and items a whole number"}
            gen, seq = request.get("gen"), request.get("seq")
            number = (gen, seq) if isinstance(gen, int) and isinstance(seq, int) else None
            answered, client, cookies, path = texts
            verdict = sup.judge(answered, client, cookies, path, session, items, number)
            return {"verdict": verdict, "view": sup.view()}
        else:
            return {"error": f"unknown request {do!r}"}
    except RealError as error:
        return {"error": str(error), "view": sup.view()}
    return {"view": sup.view()}


class ControlServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, sup: Supervisor):
        self.sup = sup
        super().__init__(str(path), ControlHandler)


class ControlHandler(socketserver.StreamRequestHandler):
    server: ControlServer

    def handle(self) -> None:
        line = self.rfile.readline()
        try:
            answer = handle(self.server.sup, json.loads(line))
        except json.JSONDecodeError:
            answer = {"error": "a request is one line of JSON"}
        self.wfile.write(json.dumps(answer).encode() + b"\n")


def serve(path: Path, sup: Supervisor) -> ControlServer:
    """Start answering on `path` in a background thread; `shutdown()` stops it."""
    server = ControlServer(path, sup)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def ask(path: str, request: dict) -> dict:
    """Send one request to the supervisor; RealError when it cannot be reached."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(TIMEOUT_SECONDS)
            sock.connect(path)
            sock.sendall(json.dumps(request).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as error:
        raise RealError(
            f"the real restaurant is not answering ({error.strerror or error}); "
            "is `make real` still running?"
        ) from None
    return json.loads(data)
