"""`partnerd seed`: realistic customers through the server's own store code, which the server
then serves (and its API accepts the same data)."""
import json
import os
import subprocess
import tempfile

from helpers import BIN, Client, Server, filt, get_token


def seed(db, *args):
    r = subprocess.run([BIN, "seed", "--db", db] + list(args), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r


def test_seed_fills_a_store_the_server_serves():
    d = tempfile.mkdtemp(prefix="pdseed")
    db = "sqlite:" + os.path.join(d, "s.db")
    out = json.loads(seed(db, "--partners", "3", "--customers", "300", "--json").stdout)
    assert out["customers"] == 300 and out["partners"] == 3
    counts = [a["customers"] for a in out["admins"]]
    assert counts[0] == 150 and sum(counts) == 300, counts
    srv = Server(db=db, workdir=d).start()
    try:
        first = out["admins"][0]
        c = Client(srv.port, get_token(srv.port, first["userName"], first["password"]))
        items = c.get("/v1/customers?size=500").json["items"]
        assert len(items) == 150
        cn = [i for i in items if i["billingProfile"]["defaultAddress"]["country"] == "CN"]
        assert cn and all(len(i["billingProfile"]["defaultAddress"]["postalCode"]) == 6 for i in cn)
        one = items[17]
        # the same billing profile goes back through the API's own validation unchanged
        b = c.get("/v1/customers/%s/profiles/billing" % one["id"]).json
        r = c.req("PUT", "/v1/customers/%s/profiles/billing" % one["id"], b)
        assert r.status == 200, r
        name = one["companyProfile"]["companyName"]
        found = c.get("/v1/customers?filter=" + filt("CompanyName", name[:2])).json["items"]
        assert one["id"] in [i["id"] for i in found] or len(found) == 100
        # the other partners' customers stay theirs
        second = out["admins"][1]
        c2 = Client(srv.port, get_token(srv.port, second["userName"], second["password"]))
        assert c2.get("/v1/customers/" + one["id"]).status == 404
    finally:
        srv.stop()


def test_seed_refuses_bad_arguments():
    d = tempfile.mkdtemp(prefix="pdseed")
    r = subprocess.run([BIN, "seed", "--db", "sqlite:" + os.path.join(d, "s.db"), "--partners", "0",
                        "--customers", "5"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "partners" in r.stderr
    r = subprocess.run([BIN, "seed", "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "--customers" in r.stdout
