"""Fixtures of the failover tests (tests/ha, `make test-ha`).

- `cluster`: a new pg_auto_failover formation per test (monitor, primary, synchronous standby
  on loopback ports: cluster.py), removed at teardown whatever the test did.
- `partnerd`: one partnerd on the formation's multi-host URL, stopped and checked (exit 0, no
  sanitizer report) at teardown; tests/api/helpers.py's Server."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from cluster import Cluster  # noqa: E402
from helpers import BIN, Server  # noqa: E402


def pytest_sessionstart(session):
    if not os.path.exists(BIN):
        raise pytest.UsageError("partnerd binary not found at %s (run make, or set PARTNERD_BIN)" % BIN)


@pytest.fixture
def cluster():
    c = Cluster()
    try:
        yield c.start()
    finally:
        c.close()


@pytest.fixture
def partnerd(cluster):
    s = Server(["--db-pool", "8", "--loops", "2", "--rate-limit", "0"], db=cluster.url())
    try:
        yield s.start()
        s.stop()
    finally:
        s.cleanup()
