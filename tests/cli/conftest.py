"""Fixtures for the partnerctl tests.

- `server`: one session-wide partnerd (rate limit off, so imports run at full speed); its
  teardown sends SIGTERM and asserts a clean exit without sanitizer reports.
- `ctl`: partnerctl signed in as a new partner's admin, in a HOME of its own.
- `anon`: partnerctl with an empty HOME (not signed in).
- `make_server`: a factory for more servers (a second deployment, a rate-limited one).
"""
import os
import shutil

import pytest

from clitools import CTL, PD, Ctl, Server


def pytest_sessionstart(session):
    for b in (CTL, PD):
        if not os.path.exists(b):
            raise pytest.UsageError("%s not found (run make, or set PARTNERCTL_BIN / PARTNERD_BIN)" % b)


@pytest.fixture(scope="session")
def server():
    s = Server(env={"PARTNERD_RATE_LIMIT": "0"}).start()
    try:
        yield s
        s.stop()
    finally:
        s.cleanup()


@pytest.fixture
def make_server():
    made = []

    def make(env=None):
        s = Server(env=env).start()
        made.append(s)
        return s

    yield make
    try:
        for s in made:
            s.stop()
    finally:
        for s in made:
            s.cleanup()


@pytest.fixture
def anon(server):
    c = Ctl(server)
    yield c
    shutil.rmtree(c.home, ignore_errors=True)


@pytest.fixture
def ctl(server):
    c = Ctl(server).login()
    yield c
    shutil.rmtree(c.home, ignore_errors=True)
