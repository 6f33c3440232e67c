"""Crash safety: a storm of creates (some with subscriptions) and billing-profile updates from
several threads, partnerd SIGKILLed at a random moment, several rounds.  After each kill the
store passes `PRAGMA integrity_check`; after each restart every acknowledged write is there
and right, and a write that was not acknowledged is either wholly there or not at all: no
customer without its billing profile, its domain or the subscriptions of its order.  On
PostgreSQL (PARTNERD_TEST_DB=postgresql) the store's own check is amcheck's bt_index_check of
every B-tree index."""
import random
import signal
import sqlite3
import threading
import time

from helpers import SLOW, Client, cn_body, get_token, psql, uniq

ROUNDS = 4
THREADS = 4
ITEMS = [{"offerId": "CN-O365-E3", "quantity": 3}]


class Ledger:
    """What the clients sent and what the server acknowledged, across rounds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = {}      # domain -> create body (acknowledged or not)
        self.acked = {}     # domain -> customer id
        self.names = {}     # customer id -> acknowledged company name (latest)
        self.tried = {}     # customer id -> names sent since the last acknowledged one
        self.etags = {}     # customer id -> the etag of the last acknowledged write
        self.bodies = {}    # customer id -> its billing profile as created
        self.errors = []    # failures in the storm threads before the kill


def _create(c, led, with_items):
    prefix = uniq("crash")
    body = cn_body(prefix, company="风暴测试 %s" % prefix)
    if with_items:
        body["lineItems"] = ITEMS
    domain = body["companyProfile"]["domain"]
    with led.lock:
        led.sent[domain] = body
    r = c.create(body)
    assert r.status == 201, r
    with led.lock:
        led.acked[domain] = r.json["id"]
        led.names[r.json["id"]] = body["billingProfile"]["companyName"]
        led.etags[r.json["id"]] = r.json["billingProfile"]["attributes"]["etag"]
        led.bodies[r.json["id"]] = body["billingProfile"]


def _update(c, led, rnd):
    with led.lock:
        if not led.etags:
            return
        cid = rnd.choice(sorted(led.etags))
        etag = led.etags[cid]
        name = "改名 %s" % uniq("u")
        led.tried.setdefault(cid, []).append(name)
        body = dict(led.bodies[cid], companyName=name)
    r = c.req("PUT", "/v1/customers/%s/profiles/billing" % cid, body, headers={"If-Match": etag})
    assert r.status in (200, 412), r  # 412: another thread changed it first
    if r.status == 200:
        with led.lock:
            led.names[cid] = name
            led.tried[cid] = []
            led.etags[cid] = r.json["attributes"]["etag"]


def _storm(port, token, led, stop, seed):
    rnd = random.Random(seed)
    c = Client(port, token)
    try:
        while not stop.is_set():
            if rnd.random() < 0.6:
                _create(c, led, rnd.random() < 0.3)
            else:
                _update(c, led, rnd)
    except (OSError, AssertionError) as e:
        if not stop.is_set():  # a failure before the kill is a real one
            with led.lock:
                led.errors.append(repr(e))


AMCHECK = ("CREATE EXTENSION IF NOT EXISTS amcheck; SELECT count(bt_index_check(c.oid)) FROM pg_index i "
           "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
           "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = 'public'")


def _integrity(db):
    if db.startswith("postgresql://"):
        assert int(psql(db, AMCHECK).split()[-1]) > 0  # every index checked, none corrupt
        return
    con = sqlite3.connect(db[len("sqlite:"):])
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def _check(c, led):
    listed = {i["companyProfile"]["domain"]: i for i in c.list_all()}
    for domain, cid in led.acked.items():
        assert domain in listed, "acknowledged create %s lost" % domain
        assert listed[domain]["id"] == cid
    for domain, item in listed.items():
        assert domain in led.sent, "a customer nobody created: %s" % domain
        sent = led.sent[domain]
        cid = item["id"]
        b = c.get("/v1/customers/%s/profiles/billing" % cid)
        assert b.status == 200, b
        want = sent["billingProfile"]
        assert b.json["email"] == want["email"]
        assert b.json["defaultAddress"]["country"] == "CN"
        ok_names = {led.names.get(cid, want["companyName"])} | set(led.tried.get(cid, []))
        assert b.json["companyName"] in ok_names, (cid, b.json["companyName"], ok_names)
        assert c.req("HEAD", "/v1/domains/" + domain).status == 200
        subs = c.get("/v1/customers/%s/subscriptions" % cid)
        assert subs.status == 200, subs
        assert len(subs.json["items"]) == (1 if "lineItems" in sent else 0), (domain, subs.json)
        # resync: a write that landed without its answer is now the state to build on
        led.names[cid] = b.json["companyName"]
        led.tried[cid] = []
        led.etags[cid] = b.json["attributes"]["etag"]
        led.acked.setdefault(domain, cid)
        led.bodies.setdefault(cid, want)
    for domain in set(led.sent) - set(listed):
        assert c.req("HEAD", "/v1/domains/" + domain).status == 404, "half-present: %s" % domain


def test_sigkill_storm_loses_nothing_acknowledged(make_server):
    s = make_server(["--rate-limit", "0"]).start()  # a check reads every row: not a rate-limit test
    info = s.add_partner("Storm")
    led = Ledger()
    rnd = random.Random()
    for rnd_no in range(ROUNDS):
        token = get_token(s.port, info["userName"], info["password"])
        stop = threading.Event()
        threads = [threading.Thread(target=_storm, args=(s.port, token, led, stop, rnd.random()))
                   for _ in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(rnd.uniform(0.4, 1.2) * SLOW)
        stop.set()
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(10)
        s.proc = None
        for t in threads:
            t.join(30)
        assert not led.errors, led.errors
        _integrity(s.db)
        s.start()
        c = Client(s.port, get_token(s.port, info["userName"], info["password"]))
        _check(c, led)
    print("crash storm: %d rounds, %d creates sent, %d present after the kills" % (ROUNDS, len(led.sent), len(led.acked)))
    assert len(led.acked) >= ROUNDS, "the storm acknowledged almost nothing"
