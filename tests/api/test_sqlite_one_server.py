"""A SQLite store takes one `partnerd serve` at a time: its sign-in counters, rate limits and
token cache live in that process, so a second server on the same file would double every limit
and miss the first one's revocations (src/bin/partnerd.c claim_sqlite).  Settings only
PostgreSQL reads are said to have no effect rather than silently ignored."""
import subprocess

import pytest

from helpers import BIN, ON_PG, SLOW, Client, Server, free_port, sign_in

pytestmark = pytest.mark.skipif(ON_PG, reason="SQLite only: PostgreSQL takes many instances")


def second_server(db):
    port = free_port()
    return subprocess.run([BIN, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port],
                          capture_output=True, text=True, timeout=20 * SLOW)


def test_a_second_server_on_the_same_sqlite_store_is_refused(make_server):
    first = make_server().start()
    r = second_server(first.db)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "another partnerd already serves " + first.db in r.stderr, r.stderr
    assert "PostgreSQL" in r.stderr
    assert first.running(), "the first server goes on"
    # the first one still answers, and once it stopped the store can be served again
    assert Client(first.port).get("/healthz").status == 200
    assert first.terminate() == 0
    out = first.stdout(1)  # the first start's admin, printed once
    user = [l.split(":", 1)[1].strip() for l in out.splitlines() if "user name:" in l][0]
    pw = [l.split(":", 1)[1].strip() for l in out.splitlines() if "password:" in l][0]
    again = Server(db=first.db).start()
    try:
        assert Client(again.port).get("/healthz").status == 200
        assert sign_in(again.port, user, pw)["access_token"]
    finally:
        again.stop()


def test_postgresql_only_settings_are_said_to_have_no_effect(make_server):
    s = make_server(["--db-pool", "4", "--db-statement-timeout", "9"]).start()
    assert Client(s.port).get("/healthz").status == 200
    err = s.stderr()
    assert "--db-pool has no effect on a SQLite store (PostgreSQL only)" in err, err
    assert "--db-statement-timeout has no effect on a SQLite store" in err, err
    assert "--db-keepalive" not in err, "only the settings given are named"
