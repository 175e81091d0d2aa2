"""A student's command budget holds across processes: sockets on two daphne processes
(joined through Redis) share one budget, not one each."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
import redis

from tests.browser.server import Browser
from tests.processes import two_redis_processes
from tests.text import search

pytestmark = pytest.mark.redis

BURST = 12
# What a phone hears back for each tap (its card's status line).
DONE = re.compile(r"Added to your cart|Your cart broke")
REFUSED = "Too many commands"


@pytest.fixture
def two_processes(tmp_path, redis_url):
    with two_redis_processes(
        tmp_path,
        redis_url,
        LAB_COMMAND_BURST=str(BURST),
        LAB_COMMAND_RATE="0",  # no refill during the test: exact counts
        LIVE_TICK_SECONDS="3600",  # no tick frames: each tap gets only its own answer
    ) as processes:
        yield processes


def answers(socket, taps: int) -> list[str]:
    """Tap Add to cart `taps` times; what the phone said after each."""
    said = []
    for _ in range(taps):
        socket.send(json.dumps({"action": "add_to_cart"}))
        while True:
            frame = socket.recv(timeout=15)
            if REFUSED in frame:
                said.append("refused")
                break
            if DONE.search(frame):
                said.append("done")
                break
    return said


def test_one_students_sockets_on_two_processes_share_one_budget(two_processes, redis_url):
    one, two, prefix = two_processes
    teacher, ana = Browser(), Browser()
    teach = teacher.post(f"{one.url}/class/start/", {}, form_page=f"{one.url}/class/")
    code = search(r"/class/([A-Z0-9]{6})/teach/$", teach)
    ana.post(f"{one.url}/class/{code}/", {"nickname": "Ana"})
    with contextlib.ExitStack() as stack:
        phones = []
        for server in (one, two, one, two):
            phone = stack.enter_context(ana.socket(server, f"/ws/class/{code}/student/"))
            phone.recv(timeout=15)
            phones.append(phone)
        said = [line for phone in phones for line in answers(phone, 6)]
    # 24 taps over four sockets in two processes: Ana's one budget of 12, not 12 per
    # process (each process's own bucket alone would have let all 24 through).
    assert said.count("done") == BURST
    assert said.count("refused") == 24 - BURST
    assert any(redis.Redis.from_url(redis_url).scan_iter(f"{prefix}:1:class-commands:{code}:*"))
