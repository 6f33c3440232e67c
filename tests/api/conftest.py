"""Fixtures for the black-box API tests.

- `server`: one session-wide partnerd with --sandbox on a fresh store. Its teardown sends
  SIGTERM and asserts exit code 0 and a stderr free of sanitizer reports.
- `nosandbox_server`: a second session-wide server without --sandbox (started on first use).
- `partner_a`, `partner_b`: two partners of `server` with their bearer tokens (one token each).
- `fresh_partner`: a factory for partners whose customer list starts empty.
- `make_server`: a factory for short-lived servers; each is stopped and checked at teardown.
"""
import os

import pytest

from helpers import BIN, Server


def pytest_sessionstart(session):
    if not os.path.exists(BIN):
        raise pytest.UsageError("partnerd binary not found at %s (run make, or set PARTNERD_BIN)" % BIN)


@pytest.fixture(scope="session")
def server():
    s = Server(["--sandbox"]).start()
    try:
        yield s
        s.stop()
    finally:
        s.cleanup()


@pytest.fixture(scope="session")
def nosandbox_server():
    s = Server([]).start()
    try:
        yield s
        s.stop()
    finally:
        s.cleanup()


@pytest.fixture(scope="session")
def partner_a(server):
    return server.partner("Alpha Cloud")


@pytest.fixture(scope="session")
def partner_b(server):
    return server.partner("Beta Cloud")


@pytest.fixture(scope="session")
def anon(server):
    return server.anon()


@pytest.fixture
def fresh_partner(server):
    """A new partner (own token) for tests that need an exactly known customer list."""
    return lambda name="Fresh Partner": server.partner(name)


@pytest.fixture
def make_server():
    servers = []

    def make(args=(), **kw):
        s = Server(args, **kw)
        servers.append(s)
        return s

    yield make
    errors = []
    for s in servers:
        try:
            if s.proc is not None:
                s.stop()
        except AssertionError as e:  # pragma: no cover - reported below
            errors.append(str(e))
        finally:
            s.cleanup()
    assert not errors, "\n".join(errors)
