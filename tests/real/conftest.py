"""Fixtures for the real-product tests: backends, then HAProxy or nginx in front of them.

Like the other real-service tests they skip with a reason when the program is missing and
fail under CI=true (`.ci/run` installs Debian's haproxy and nginx-light).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require
from tests.real.products import Backends, haproxy_path, nginx_path


@pytest.fixture(scope="session")
def backends():
    servers = Backends(5)
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def haproxy_program() -> str:
    require(
        bool(shutil.which("haproxy") or Path(haproxy_path()).exists()),
        "HAProxy is not installed (apt-get install haproxy)",
    )
    return haproxy_path()


@pytest.fixture(scope="session")
def nginx_program() -> str:
    require(
        bool(shutil.which("nginx") or Path(nginx_path()).exists()),
        "nginx is not installed (apt-get install nginx-light)",
    )
    return nginx_path()
