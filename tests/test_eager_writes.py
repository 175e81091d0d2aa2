"""Daphne's TCP writes go out at once when nothing is queued, in order, and queue otherwise."""

from __future__ import annotations

import socket

import pytest
from twisted.internet import tcp
from twisted.internet.abstract import FileDescriptor

from lbteach import eager_writes


class Reactor:
    """What a connection tells its reactor: here, only whether it waits to write."""

    def __init__(self) -> None:
        self.writers: set[object] = set()

    def addWriter(self, writer: object) -> None:  # Twisted names it so
        self.writers.add(writer)

    def removeWriter(self, writer: object) -> None:
        self.writers.discard(writer)

    def removeReader(self, reader: object) -> None:
        pass


@pytest.fixture(autouse=True)
def installed(monkeypatch):
    """Installed for each test, and Twisted as it was afterwards."""
    monkeypatch.setattr(FileDescriptor, "write", FileDescriptor.write)
    eager_writes.install()


@pytest.fixture
def connection():
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    reactor = Reactor()
    conn = tcp.Connection(ours, None, reactor=reactor)  # type: ignore[arg-type]
    conn.connected = 1
    yield conn, theirs, reactor
    ours.close()
    theirs.close()


def read_all(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        chunks.append(chunk)


def test_a_write_goes_out_at_once_without_waiting_for_the_loop(connection):
    conn, theirs, reactor = connection
    conn.write(b"frame one")
    conn.write(b"frame two")
    assert read_all(theirs) == b"frame oneframe two"
    assert reactor.writers == set()  # the selector was never asked


def test_what_the_socket_does_not_take_is_queued_and_later_writes_wait_behind_it(connection):
    conn, theirs, reactor = connection
    big = bytes(range(256)) * 40_000  # 10 MB, more than a socket's buffer
    conn.write(big)
    assert reactor.writers == {conn}  # the rest waits for the socket to be writable
    conn.write(b"after")  # queued behind, not sent ahead of the rest
    received = read_all(theirs)
    assert 0 < len(received) < len(big)
    while reactor.writers:
        conn.doWrite()
        received += read_all(theirs)
    assert received == big + b"after"


def test_installing_twice_wraps_once():
    first = tcp.Connection.write
    eager_writes.install()
    assert tcp.Connection.write is first
