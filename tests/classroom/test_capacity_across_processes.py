"""A class's capacity holds across processes: students joining through two daphne processes
at once fill it exactly, on SQLite and on PostgreSQL (Redis joins the processes)."""

from __future__ import annotations

import secrets
import threading
import urllib.error
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest

from tests.browser.server import Browser, Server, prepare_database, server_env
from tests.conftest import POSTGRES_URL, postgres_up, require
from tests.text import search

CAPACITY = 5
JOINERS = 16


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh database of its own on the real PostgreSQL, dropped afterwards."""
    require(postgres_up(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    name = f"lbteach_capacity_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def two_processes(env: dict[str, str]) -> tuple[Server, Server]:
    prepare_database(env)
    return Server(env).start(), Server(env).start()


def join_at_once(servers: tuple[Server, Server], code: str) -> Counter[str]:
    """JOINERS phones post their nickname at the same moment, half through each process."""
    phones = [Browser() for _ in range(JOINERS)]
    urls = [f"{servers[index % 2].url}/class/{code}/" for index in range(JOINERS)]
    start = threading.Barrier(JOINERS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def join(index: int) -> None:
        start.wait()
        try:
            phones[index].post(urls[index], {"nickname": f"Diner {index}"})
            outcome = "joined"
        except urllib.error.HTTPError as refused:
            body = refused.read().decode()
            outcome = "full" if "This class is full" in body else f"HTTP {refused.code}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=join, args=(i,)) for i in range(JOINERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.redis
@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_a_full_class_takes_exactly_its_capacity_through_two_processes(
    database, tmp_path, redis_url, request
):
    extra = {"REDIS_URL": redis_url, "CLASS_MAX_STUDENTS": str(CAPACITY)}
    if database == "postgres":
        extra["DATABASE_URL"] = request.getfixturevalue("postgres_database")
    one, two = two_processes(server_env(tmp_path / "db.sqlite3", **extra))
    try:
        teacher = Browser()
        teach = teacher.post(f"{one.url}/class/start/", {}, form_page=f"{one.url}/class/")
        code = search(r"/class/([A-Z0-9]{6})/teach/$", teach)
        outcomes = join_at_once((one, two), code)
        assert outcomes == {"joined": CAPACITY, "full": JOINERS - CAPACITY}
    finally:
        one.stop()
        two.stop()
