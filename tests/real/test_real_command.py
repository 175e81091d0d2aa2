"""`manage.py real`: it starts HAProxy, the tables and the site, and Ctrl-C leaves no process."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lbteach.real.management.commands.real import refusal
from tests.browser.server import prepare_database, server_env
from tests.real.command import RealCommand, alive, descendants

pytestmark = pytest.mark.real_products


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    values = server_env(tmp_path_factory.mktemp("real") / "db.sqlite3")
    prepare_database(values)
    return values


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_ctrl_c_stops_every_process_it_started(env, haproxy_program):
    real = RealCommand(env, "--tables", "4")
    children = descendants(real.process.pid)
    # The site, HAProxy's master and its worker, and four tables at least.
    assert len(children) >= 7
    answer = get_json(f"http://127.0.0.1:{real.lb_port}/cart")
    assert answer["table"] == "A"
    command_line = Path(f"/proc/{answer['pid']}/cmdline").read_text().split("\0")
    run_dir = Path(command_line[command_line.index("--run-dir") + 1])
    assert run_dir.name.startswith("lbteach-real-")
    assert run_dir.exists()
    assert real.interrupt() == 130
    assert sorted(pid for pid in children if alive(pid)) == []
    assert not run_dir.exists()
    real.close()


def test_ctrl_c_in_a_terminal_stops_everything_quietly(env, haproxy_program):
    real = RealCommand(env, own_group=True)
    children = descendants(real.process.pid)
    assert len(children) >= 6
    assert real.ctrl_c() == 130
    assert sorted(pid for pid in children if alive(pid)) == []
    assert "Traceback" not in real.text()
    assert "CommandError" not in real.text()
    real.close()


@pytest.mark.parametrize(
    ("debug", "hosts", "refused"),
    [
        (False, ["127.0.0.1", "localhost", "[::1]"], False),
        (True, ["lbteach.example.org"], False),
        (False, ["127.0.0.1", "lbteach.example.org"], True),
    ],
)
def test_the_real_mode_refuses_production_settings(debug, hosts, refused):
    why = refusal(debug, hosts)
    assert bool(why) is refused
    if refused:
        assert "DEBUG is off and ALLOWED_HOSTS names lbteach.example.org" in why


def test_the_command_refuses_before_starting_anything(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["lbteach.example.org"]
    with pytest.raises(CommandError, match="is for your own computer, not a server"):
        call_command("real")


def test_a_bad_table_count_is_refused_before_anything_starts(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]  # not pytest-django's testserver
    with pytest.raises(CommandError, match="a restaurant has 1 to 26 tables, not 0"):
        call_command("real", tables=0)
