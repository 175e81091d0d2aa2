"""Every HAProxy and nginx snippet in the lessons passes the real program's config check.

A lesson marks a config snippet with the fence's info string (```haproxy, ```nginx). Each
one is wrapped in the smallest full configuration around it (timeouts and a listener for
HAProxy, `events` and `http` for nginx, every path in a temporary directory) and checked
with `haproxy -c -f` or `nginx -t -c`: no error and no warning. The wrapper adds no
`mode`, so a HAProxy snippet must say `mode http` itself when it needs it. Without the
program the test skips with a reason; under CI=true that is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lbteach.lessons.catalogue import CONTENT_DIR
from tests.conftest import require

pytestmark = pytest.mark.config_check

FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
CHECKED = ("haproxy", "nginx")
# Every fence says what it holds, so an unmarked config cannot slip past the check.
KNOWN_INFO = {*CHECKED, "yaml", "json", "text", "sh"}
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])

HAPROXY_WRAPPER = """\
global
    pidfile {tmp}/haproxy.pid

defaults
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend lesson_check
    mode http
    bind 127.0.0.1:18080
    http-request return status 200

{snippet}
"""

NGINX_WRAPPER = """\
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    access_log off;
{snippet}
    server {{
        listen 127.0.0.1:18081;
    }}
}}
"""


def fences(text: str) -> list[tuple[str, str]]:
    """(info string, body) of every fenced code block, in order."""
    return [(m["info"].strip(), m["body"]) for m in FENCE.finditer(text)]


def lesson_snippets(language: str) -> list[tuple[str, str]]:
    """(`file#n`, body) of every `language` fence in the lessons."""
    found = []
    for path in sorted(CONTENT_DIR.glob("*.md")):
        blocks = [body for info, body in fences(path.read_text()) if info == language]
        found += [(f"{path.stem}#{n}", body) for n, body in enumerate(blocks, start=1)]
    return found


def program(name: str) -> str:
    path = shutil.which(name, path=SEARCH_PATH)
    require(path is not None, f"{name} is not installed (apt-get install haproxy nginx-light)")
    return str(path)


def problems(result: subprocess.CompletedProcess) -> str:
    """The checker's complaints: empty when it exits 0 and warns about nothing."""
    output = result.stdout + result.stderr
    lines = [
        line
        for line in output.splitlines()
        if re.search(r"\[(WARNING|ALERT|warn|emerg|alert|crit|error)\]", line)
    ]
    if result.returncode != 0 or lines:
        return f"exit {result.returncode}\n{output}"
    return ""


def haproxy_check(snippet: str, tmp: Path) -> str:
    config = tmp / "haproxy.cfg"
    config.write_text(HAPROXY_WRAPPER.format(tmp=tmp, snippet=snippet))
    command = [program("haproxy"), "-c", "-f", str(config)]
    return problems(subprocess.run(command, capture_output=True, text=True, timeout=60))


def nginx_check(snippet: str, tmp: Path) -> str:
    config = tmp / "nginx.conf"
    config.write_text(NGINX_WRAPPER.format(tmp=tmp, snippet=snippet))
    command = [
        program("nginx"),
        "-t",
        "-p",
        f"{tmp}/",
        "-e",
        str(tmp / "error.log"),
        "-c",
        str(config),
    ]
    return problems(subprocess.run(command, capture_output=True, text=True, timeout=60))


def test_every_fence_in_the_lessons_names_its_language():
    for path in sorted(CONTENT_DIR.glob("*.md")):
        for info, body in fences(path.read_text()):
            assert info in KNOWN_INFO, (path.name, info, body[:60])


def test_the_lessons_have_haproxy_and_nginx_snippets_to_check():
    assert len(lesson_snippets("haproxy")) >= 4
    assert len(lesson_snippets("nginx")) >= 2


@pytest.mark.parametrize(
    ("where", "snippet"), lesson_snippets("haproxy"), ids=[w for w, _ in lesson_snippets("haproxy")]
)
def test_haproxy_accepts_the_snippet_without_a_warning(where, snippet, tmp_path):
    assert haproxy_check(snippet, tmp_path) == ""


@pytest.mark.parametrize(
    ("where", "snippet"), lesson_snippets("nginx"), ids=[w for w, _ in lesson_snippets("nginx")]
)
def test_nginx_accepts_the_snippet_without_a_warning(where, snippet, tmp_path):
    assert nginx_check(snippet, tmp_path) == ""


def test_the_haproxy_check_catches_a_cookie_without_mode_http(tmp_path):
    snippet = "backend shop\n    cookie SERVERID insert\n    server a 10.0.0.11:8080 cookie A\n"
    assert "needs 'mode http'" in haproxy_check(snippet, tmp_path)


def test_the_nginx_check_catches_ip_hash_outside_an_upstream(tmp_path):
    assert '"ip_hash" directive is not allowed here' in nginx_check("ip_hash;\n", tmp_path)
