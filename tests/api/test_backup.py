"""partnerd backup / restore (issue 21): an online, checked copy of a SQLite store while
partnerd serves it, and a restore that refuses a store in use."""
import json
import os
import sqlite3
import threading
import time

import pytest

from helpers import BIN, ON_PG, SLOW, Client, Server, run_cli, uniq, us_body

sqlite_only = pytest.mark.skipif(ON_PG, reason="backup/restore copy SQLite stores; PostgreSQL: pg_dump")


def sqlite_path(server):
    return server.db[len("sqlite:"):]


def storm(client, stop, barrier, acks, errors):
    """Creates customers until stop is set; acks: (time the 201 arrived, id)."""
    barrier.wait()
    while not stop.is_set():
        r = client.create(us_body(uniq("bk")))
        if r.status == 201:
            acks.append((time.monotonic(), r.json["id"]))
        else:
            errors.append(r)


def ids_in(port, token):
    return {c["id"] for c in Client(port, token).list_all()}


@sqlite_only
def test_backup_during_a_create_storm_has_every_create_acknowledged_before_it(make_server, tmp_path):
    s = make_server()
    # a store large enough that the copy takes a while
    r = run_cli(["seed", "--db", s.db, "--partners", "1", "--customers", "20000"], timeout=120)
    assert r.returncode == 0, r.stderr
    s.start()
    partner = s.partner("Backup Storm")
    stop, barrier = threading.Event(), threading.Barrier(9)
    acks, errors = [], []
    threads = [threading.Thread(target=storm, args=(partner, stop, barrier, acks, errors)) for _ in range(8)]
    for t in threads:
        t.start()
    barrier.wait()
    time.sleep(0.5 * SLOW)
    copy = str(tmp_path / "copy.db")
    began = time.monotonic()
    done = run_cli(["backup", "--db", s.db, "--to", copy, "--json"], timeout=120)
    ended = time.monotonic()
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    assert done.returncode == 0, done.stderr
    assert not errors, errors[:3]
    before = {i for t, i in acks if t < began}
    during = [i for t, i in acks if began <= t < ended]
    assert len(before) > 20, "the storm made too few creates before the backup"
    assert during, "no create was acknowledged while the backup ran: it blocked the writer"
    assert not os.path.exists(copy + ".tmp")
    # the copy is checked and serves: every create acknowledged before the backup began is there
    db = sqlite3.connect(copy)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()
    c = make_server(db="sqlite:" + copy).start()
    have = ids_in(c.port, partner.token)
    missing = before - have
    assert not missing, "%d acknowledged creates are not in the backup" % len(missing)
    # the copy's counts are the ones the backup printed
    counts = {row["table"]: row["rows"] for row in json.loads(done.stdout)}
    assert counts["customers"] == 20000 + len(have)
    assert all(row["match"] for row in json.loads(done.stdout))


@sqlite_only
def test_backup_refuses_an_existing_file_unless_forced(make_server, tmp_path):
    s = make_server().start()
    s.partner("Backup Force")
    target = tmp_path / "b.db"
    target.write_bytes(b"keep me")
    r = run_cli(["backup", "--db", s.db, "--to", str(target)])
    assert r.returncode == 2 and "exists already" in r.stderr and "--force" in r.stderr, r.stderr
    assert target.read_bytes() == b"keep me"
    r = run_cli(["backup", "--db", s.db, "--to", str(target), "--force"])
    assert r.returncode == 0, r.stderr
    assert sqlite3.connect(str(target)).execute("SELECT count(*) FROM partners").fetchone()[0] >= 1


@sqlite_only
def test_restore_refuses_a_live_store_and_restores_a_stopped_one(make_server, tmp_path):
    s = make_server().start()
    partner = s.partner("Restore")
    kept = partner.create_ok(us_body(uniq("kept")))["id"]
    copy = str(tmp_path / "copy.db")
    assert run_cli(["backup", "--db", s.db, "--to", copy]).returncode == 0
    later = partner.create_ok(us_body(uniq("later")))["id"]
    # a running partnerd holds the store: restore fails, clearly, and changes nothing
    r = run_cli(["restore", "--from", copy, "--db", s.db, "--force"])
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "in use" in r.stderr and "stop it first" in r.stderr, r.stderr
    assert ids_in(s.port, partner.token) >= {kept, later}
    # a store with data is refused without --force
    s.stop()
    r = run_cli(["restore", "--from", copy, "--db", s.db])
    assert r.returncode == 2 and "has data" in r.stderr, r.stderr
    # stopped: the restore replaces it with the backup's state
    r = run_cli(["restore", "--from", copy, "--db", s.db, "--force"])
    assert r.returncode == 0, r.stderr
    s.start()
    have = ids_in(s.port, partner.token)
    assert kept in have and later not in have


@sqlite_only
def test_restore_into_a_new_store_and_refuses_what_is_not_a_good_backup(make_server, tmp_path):
    s = make_server().start()
    partner = s.partner("Restore New")
    cid = partner.create_ok(us_body(uniq("new")))["id"]
    copy = str(tmp_path / "copy.db")
    assert run_cli(["backup", "--db", s.db, "--to", copy]).returncode == 0
    fresh = str(tmp_path / "sub" / "fresh.db")
    r = run_cli(["restore", "--from", copy, "--db", "sqlite:" + fresh])
    assert r.returncode == 0, r.stderr
    n = Server([], db="sqlite:" + fresh)
    try:
        n.start()
        assert cid in ids_in(n.port, partner.token)
        n.stop()
    finally:
        n.cleanup()
    # not a store, a damaged file, a missing file: refused before the store is touched
    other = sqlite3.connect(str(tmp_path / "other.db"))
    other.execute("CREATE TABLE t(x)")
    other.commit()
    other.close()
    junk = tmp_path / "junk.db"
    data = bytearray(open(copy, "rb").read())
    data[4096 * 3:4096 * 3 + 512] = b"\xff" * 512
    junk.write_bytes(bytes(data))
    target = "sqlite:" + str(tmp_path / "target.db")
    for bad, why in ((str(tmp_path / "other.db"), "not a partnerd store"), (str(junk), ""),
                     (str(tmp_path / "none.db"), "No such file")):
        r = run_cli(["restore", "--from", bad, "--db", target])
        assert r.returncode in (1, 2) and r.returncode != 0, (bad, r.stderr)
        assert why in r.stderr, (bad, r.stderr)
    assert not os.path.exists(str(tmp_path / "target.db")) or \
        sqlite3.connect(str(tmp_path / "target.db")).execute(
            "SELECT count(*) FROM sqlite_schema").fetchone()[0] == 0


def test_backup_and_restore_of_postgresql_point_to_pg_dump(tmp_path):
    for args in (["backup", "--db", "postgresql://u@127.0.0.1:1/x", "--to", str(tmp_path / "b")],
                 ["restore", "--from", str(tmp_path / "b"), "--db", "postgresql://u@127.0.0.1:1/x"]):
        r = run_cli(args)
        assert r.returncode == 2, r.stderr
        assert "pg_dump" in r.stderr and "docs/deploy.md" in r.stderr, r.stderr
    assert not os.path.exists(str(tmp_path / "b"))
    assert os.path.exists(BIN)
