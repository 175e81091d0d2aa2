"""Fixtures shared by the whole suite, and the rule for tests that need real services.

A test that needs Chromium, PostgreSQL or Redis skips with a reason on a laptop without
them; under CI (CI=true) the same absence is a failure, so nothing required is skipped.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, reason: str) -> None:
    """Skip (or fail under CI) when a real service the test needs is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def redis_up(url: str = REDIS_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def postgres_up(url: str = POSTGRES_URL) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@pytest.fixture
def redis_url(request) -> str:
    """The real Redis a `redis`-marked test uses (TEST_REDIS_URL)."""
    assert request.node.get_closest_marker("redis"), "mark the test with @pytest.mark.redis"
    require(redis_up(), f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def postgres_url(request) -> str:
    """The real PostgreSQL a `postgres`-marked test uses (TEST_POSTGRES_URL)."""
    assert request.node.get_closest_marker("postgres"), "mark the test with @pytest.mark.postgres"
    require(postgres_up(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    return POSTGRES_URL


@pytest.fixture(scope="session", autouse=True)
def no_stray_sessions_when_the_test_database_goes(django_db_setup, django_db_blocker):
    """Let the test database be dropped at the end on PostgreSQL: a worker thread that ran
    `database_sync_to_async` keeps its connection until it next runs (Django closes a
    thread's connection only from that thread), and DROP DATABASE refuses while any session
    is open ("being accessed by other users", seen once on CI). Torn down before
    `django_db_setup`, so this runs first."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def empty_cache():
    """Counters in the cache (missed join codes, classes started) start at zero each test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="module")
def lan_server(tmp_path_factory):
    """A daphne serving the local network (HOST=0.0.0.0), and this machine's LAN address."""
    from lbteach.classroom.address import lan_address
    from tests.browser.server import Server, prepare_database, server_env

    lan = lan_address()
    require(lan is not None, "this machine has no network interface but loopback")
    env = server_env(tmp_path_factory.mktemp("lan") / "db.sqlite3", HOST="0.0.0.0")
    prepare_database(env)
    server = Server(env, bind="0.0.0.0")
    server.env["PORT"] = str(server.port)
    server.start()
    yield server, lan
    server.stop()
