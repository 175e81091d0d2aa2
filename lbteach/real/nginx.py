"""nginx in front of the real restaurant, where HAProxy is absent: configuration and reload.

The free nginx has no active health checks: it learns a table has failed when a request to
it fails (`max_fails=1`), passes that request to the next table (`proxy_next_upstream`) and
leaves the table alone for `fail_timeout`. A removed table stays in the upstream marked
`down`, which keeps every other client's hash (the nginx documentation's advice for
`ip_hash`). The client's address comes from `X-Client-IP` through the realip module, one
worker keeps one round-robin turn, and SIGHUP reloads with new workers on the same sockets.
"""

from __future__ import annotations

import signal

from lbteach.real.front import Front, Setup
from lbteach.real.processes import find_program

PLACES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
INSTALL = "Debian and Ubuntu: sudo apt-get install nginx-light; macOS: brew install nginx"
FAIL = "max_fails=1 fail_timeout=1s"


def config_text(setup: Setup, run_dir: str) -> str:
    temp = "".join(
        f"    {kind}_temp_path {run_dir}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    origins = "".join(f'        "{origin}" $http_origin;\n' for origin in setup.origins)
    balance = "".join(f"        {line}\n" for line in setup.balancer.lines)
    servers = "".join(
        f"        server 127.0.0.1:{port} {FAIL}{'' if letter in setup.tables else ' down'};\n"
        for letter, port in sorted(setup.known.items())
    )
    preflight = (
        "add_header Access-Control-Allow-Origin $cors_origin; "
        "add_header Access-Control-Allow-Credentials true; "
        'add_header Access-Control-Allow-Methods "GET, POST"; '
        "add_header Access-Control-Allow-Headers X-Client-IP; "
        "add_header Access-Control-Max-Age 600; return 204;"
    )
    return (
        "# Written by lbteach's real restaurant (lbteach/real/nginx.py).\n"
        f"worker_processes 1;\nerror_log {run_dir}/nginx-error.log warn;\n"
        f"pid {run_dir}/nginx.pid;\nevents {{ worker_connections 512; }}\n"
        "http {\n    access_log off;\n" + temp + "    set_real_ip_from 0.0.0.0/0;\n"
        "    real_ip_header X-Client-IP;\n"
        f'    map $http_origin $cors_origin {{\n        default "";\n{origins}    }}\n'
        f"    upstream tables {{\n{balance}{servers}    }}\n"
        f"    server {{\n        listen 127.0.0.1:{setup.stats_port};\n"
        f'        location = /generation {{ return 200 "{setup.generation}"; }}\n    }}\n'
        f"    server {{\n        listen {setup.host}:{setup.port};\n"
        "        location / {\n"
        f"            if ($request_method = OPTIONS) {{ {preflight} }}\n"
        "            proxy_pass http://tables;\n"
        "            proxy_next_upstream error timeout;\n"
        "            proxy_set_header X-LB-Client $remote_addr;\n"
        "            proxy_set_header X-LB-Cookie $http_cookie;\n"
        "            add_header Access-Control-Allow-Origin $cors_origin always;\n"
        "            add_header Access-Control-Allow-Credentials true always;\n"
        "        }\n    }\n}\n"
    )


class Nginx(Front):
    name = "nginx"
    config_name = "nginx.conf"
    health_note = (
        "nginx has no health checks in its free version: it learns a table failed when a"
        " request to it fails, and sends that request to the next table"
    )

    @staticmethod
    def find() -> str:
        return find_program("nginx", PLACES)

    def config(self, setup: Setup) -> str:
        return config_text(setup, str(self.run_dir))

    def command(self) -> list[str]:
        prefix = ["-p", str(self.run_dir), "-c", str(self.config_path)]
        return [self.program, *prefix, "-g", "daemon off;"]

    def ask_reload(self, deadline: float) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)

    def states(self, pool: list[str], alive: dict[str, bool]) -> dict[str, str]:
        # nginx cannot be asked; what it will find at the next request is whether the
        # table's process is alive.
        return {n: "UP" if alive.get(n) else "DOWN (crashed)" for n in pool}
