"""`manage.py real` (what `make real` runs): HAProxy (or nginx), N tables and the site, to Ctrl-C.

Everything it starts is its child and is stopped on the way out, however it ends (Ctrl-C,
SIGTERM, the site exiting, an error); the run directory (configs, logs, the shared store,
the control socket) is deleted with them.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbteach.classroom.address import host_and_origin, lan_address
from lbteach.real import control
from lbteach.real.balancers import CATALOGUES
from lbteach.real.supervisor import RealError, Supervisor, end

LOCAL_NAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}


def refusal(debug: bool, allowed_hosts: list[str]) -> str:
    """Why the real mode must not start here ('' when it may): it is for a laptop, not a server.

    With DEBUG off, every host the site answers must be this machine (loopback, or its own
    LAN address that `HOST=0.0.0.0` adds for a class); a real domain means production.
    """
    if debug:
        return ""
    own = LOCAL_NAMES | {lan_address() or "127.0.0.1"}
    foreign = [h for h in allowed_hosts if h not in own and not _loopback(h)]
    if not foreign:
        return ""
    return (
        "the real restaurant starts processes on this machine and is for your own computer, "
        f"not a server: DEBUG is off and ALLOWED_HOSTS names {', '.join(foreign)}. "
        "Run it with the default hosts (make real, or make real HOST=0.0.0.0 for a class)."
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = "Start HAProxy (or nginx) before real table processes, and the site; Ctrl-C stops all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tables", type=int, default=3, help="how many tables (default 3)")
        names = sorted({name for catalogue in CATALOGUES.values() for name in catalogue})
        parser.add_argument("--balancer", default="roundrobin", choices=names)
        parser.add_argument(
            "--program",
            default="",
            choices=["", *CATALOGUES],
            help="haproxy or nginx (default: HAProxy when installed, else nginx)",
        )
        parser.add_argument(
            "--host", default=settings.HOST, help="where the site and the balancer listen"
        )
        parser.add_argument("--port", type=int, default=settings.PORT, help="the site's port")
        parser.add_argument(
            "--lb-port", type=int, default=settings.REAL_LB_PORT, help="the balancer's port"
        )

    def handle(self, *args: object, **options: Any) -> None:
        why = refusal(settings.DEBUG, list(settings.ALLOWED_HOSTS))
        if why:
            raise CommandError(why)
        host, port = options["host"], options["port"]
        origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
        if settings.CLASS_PUBLIC_URL:
            origins.append(host_and_origin(settings.CLASS_PUBLIC_URL)[1])
        run_dir = Path(tempfile.mkdtemp(prefix="lbteach-real-"))
        try:
            sup = Supervisor(
                run_dir,
                tables=options["tables"],
                balancer=options["balancer"],
                host=host,
                port=options["lb_port"],
                origins=tuple(origins),
                program=options["program"],
                redis_url=settings.REDIS_URL,
            )
        except RealError as error:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise CommandError(str(error)) from None
        site: list[subprocess.Popen] = []
        servers: list[control.ControlServer] = []

        def stop() -> None:
            for process in site:
                end(process)
            for server in servers:
                server.shutdown()
                server.server_close()
            sup.stop()
            shutil.rmtree(run_dir, ignore_errors=True)

        def on_signal(signum: int, frame: object) -> None:
            raise SystemExit(128 + signum)

        atexit.register(stop)
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            try:
                sup.start()
            except RealError as error:
                busy = "Address already in use" in str(error)
                hint = f" (port {sup.port} is taken: REAL_LB_PORT=8405 make real)" if busy else ""
                raise CommandError(f"{error}{hint}") from None
            socket_path = run_dir / "control.sock"
            servers.append(control.serve(socket_path, sup))
            env = {
                **os.environ,
                "REAL_CONTROL": str(socket_path),
                "REAL_LB_PORT": str(sup.port),
                "HOST": host,
                "PORT": str(port),
            }
            command = [sys.executable, "-m", "daphne", "-b", host, "-p", str(port)]
            site.append(subprocess.Popen([*command, "lbteach.asgi:application"], env=env))
            self._tell(sup, port)
            code = site[0].wait()
            if code:
                raise CommandError(
                    f"the site (daphne) stopped with code {code}; is port {port} free?"
                    f" (make real PORT={port + 1})"
                )
        finally:
            stop()
            atexit.unregister(stop)

    def _tell(self, sup: Supervisor, port: int) -> None:
        view = sup.view()
        tables = ", ".join(
            f"{t['letter']} (PID {t['pid']}, port {t['port']})" for t in view["tables"]
        )
        self.stdout.write(
            f"{view['program']} (PID {view['program_pid']}) on port {sup.port},"
            f" {sup.balancer.name}, in front of tables {tables}."
        )
        self.stdout.write(f"The real restaurant is open at http://127.0.0.1:{port}/real/")
        if settings.CLASS_PUBLIC_URL:
            self.stdout.write(f"Phones in the room open {settings.CLASS_PUBLIC_URL}/real/")
        self.stdout.write("Ctrl-C stops the site, HAProxy and every table.")
        self.stdout.flush()
