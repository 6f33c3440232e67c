"""Disk faults: while writes to the store's directory fail with ENOSPC (disk full) or EIO
(tests/fault/faultfs.c, an LD_PRELOAD shim switched by a control file), every write answers
503 StorageUnavailable with Retry-After and changes nothing, reads keep working, and once the
disk is back partnerd takes writes again by itself: the writer's group commit rolls back
and the next group commits.  The store passes PRAGMA integrity_check afterwards."""
import os
import sqlite3

import pytest

from helpers import BIN, ON_PG, SANITIZED, Client, assert_error, cn_body, get_token, uniq

SHIM = os.path.abspath(os.environ.get("FAULTFS") or os.path.join(os.path.dirname(BIN), "faultfs.so"))


@pytest.fixture
def faulty(make_server, tmp_path):
    if ON_PG:
        pytest.skip("the shim fails SQLite's files; this test runs in the SQLite pass of make test")
    if not os.path.exists(SHIM):
        pytest.skip("the fault shim is not built (make test builds it): %s" % SHIM)
    store = tmp_path / "store"
    store.mkdir()
    ctl = tmp_path / "fault"
    env = {"LD_PRELOAD": SHIM, "FAULTFS_CONTROL": str(ctl), "FAULTFS_DIR": str(store)}
    if SANITIZED:  # the shim is preloaded before libasan; ASan is fine with that
        env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    s = make_server(["--sandbox"], db="sqlite:" + str(store / "p.db"), env=env).start()
    info = s.add_partner("Faulty disk")
    c = Client(s.port, get_token(s.port, info["userName"], info["password"]))
    return s, c, ctl, str(store / "p.db")


def _unavailable(r):
    j = assert_error(r, 503, code=503)
    assert j["errorName"] == "StorageUnavailable", j
    assert (r.h("Retry-After") or "").isdigit(), r.headers
    return j


@pytest.mark.parametrize("kind", ["ENOSPC", "EIO"])
def test_disk_fault_answers_503_and_recovers(faulty, kind):
    s, c, ctl, path = faulty
    before = c.create_ok(cn_body(uniq("before")))
    bp = before["billingProfile"]
    ctl.write_text(kind)
    failed = cn_body(uniq("failed"))
    _unavailable(c.create(failed))
    _unavailable(c.req("PUT", "/v1/customers/%s/profiles/billing" % before["id"],
                       dict(bp, companyName="never stored"),
                       headers={"If-Match": bp["attributes"]["etag"]}))
    # reads go on; nothing of the failed writes is there
    g = c.get("/v1/customers/%s/profiles/billing" % before["id"])
    assert g.status == 200 and g.json["companyName"] == bp["companyName"], g
    assert c.req("HEAD", "/v1/domains/" + failed["companyProfile"]["domain"]).status == 404
    ctl.unlink()
    # the disk is back: the same writes now succeed, without a restart
    again = c.create(failed)
    assert again.status == 201, again
    put = c.req("PUT", "/v1/customers/%s/profiles/billing" % before["id"], dict(bp, companyName="stored"),
                headers={"If-Match": bp["attributes"]["etag"]})
    assert put.status == 200, put
    ids = {i["id"] for i in c.list_all()}
    assert {before["id"], again.json["id"]} <= ids and len(ids) == 2
    s.stop()
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()


def test_fault_during_a_burst_fails_whole_groups_only(faulty):
    """Many writes in flight when the disk fills: each answers 201 or 503, the 201s are all
    there afterwards and the 503s are not."""
    import threading
    s, c, ctl, path = faulty
    results, lock = [], threading.Lock()

    def one(i):
        body = cn_body(uniq("burst"))
        r = c.create(body)
        with lock:
            results.append((body["companyProfile"]["domain"], r))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(24)]
    for i, t in enumerate(threads):
        t.start()
        if i == 8:
            ctl.write_text("ENOSPC")
    for t in threads:
        t.join()
    ctl.unlink()
    statuses = [r.status for _, r in results]
    assert set(statuses) <= {201, 503} and 503 in statuses, statuses
    listed = {i["companyProfile"]["domain"] for i in c.list_all()}
    for domain, r in results:
        if r.status == 503:
            _unavailable(r)
        assert (domain in listed) == (r.status == 201), (domain, r)
    assert c.create(cn_body(uniq("after"))).status == 201
