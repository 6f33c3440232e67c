"""Hostile clients: slow-loris connections, absurd page sizes, SQL and script injection in every
text field, path traversal, forged and other partners' tokens and ids.  (Body and header
sizes, malformed and deeply nested JSON and invalid UTF-8 are in test_limits.py; expired and
garbage tokens in test_auth.py; SECURITY.md lists which test proves which promise.)"""
import socket
import time
import uuid

import pytest

from helpers import SLOW, SUFFIX, Client, assert_error, cn_body, get_token, http_request, uniq

TIMEOUT = 2  # --read-timeout of the slow-loris server


def _alive(s):
    """True while the server keeps the connection open (nothing to read, no EOF)."""
    s.setblocking(False)
    try:
        return s.recv(4096) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def _dribble(socks, data, until, step=0.25):
    """Sends one byte of data on every open socket each `step` seconds until `until`."""
    i = 0
    while time.time() < until:
        for s in list(socks):
            try:
                s.send(data[i % len(data):i % len(data) + 1])
            except OSError:
                socks.remove(s)
        i += 1
        time.sleep(step)


@pytest.fixture
def loris_server(make_server):
    s = make_server(["--read-timeout", str(TIMEOUT)]).start()
    return s


def test_slow_loris_headers_are_cut_off_and_others_are_served(loris_server):
    port = loris_server.port
    socks = [socket.create_connection(("127.0.0.1", port), 5) for _ in range(60)]
    for s in socks:
        s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    open_socks = list(socks)
    start = time.time()
    # while they dribble header bytes, everyone else is answered at once
    for _ in range(5):
        _dribble(open_socks, b"X-Slow: aaaa\r\n", time.time() + 0.3)
        t0 = time.time()
        r = http_request(port, "GET", "/healthz", timeout=5)
        assert r.status == 200 and time.time() - t0 < 1.0 * SLOW, r
    # the read timeout alone would never fire: a byte comes every 0.25 s
    _dribble(open_socks, b"X-Slow: aaaa\r\n", start + (TIMEOUT + 2) * SLOW)
    alive = [s for s in socks if _alive(s)]
    for s in socks:
        s.close()
    assert not alive, "%d of %d slow-header connections still open" % (len(alive), len(socks))


def test_slow_body_is_cut_off(loris_server):
    s = socket.create_connection(("127.0.0.1", loris_server.port), 5)
    s.send(b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Content-Length: 100000\r\n\r\n")
    socks = [s]
    _dribble(socks, b"grant_type=password&", time.time() + (TIMEOUT + 2) * SLOW)
    assert not _alive(s), "a request whose body trickles in is still open"
    s.close()


def test_idle_connection_is_closed(loris_server):
    s = socket.create_connection(("127.0.0.1", loris_server.port), 5)
    time.sleep((TIMEOUT + 1.5) * SLOW)
    assert not _alive(s)
    s.close()


def test_keep_alive_client_with_pauses_is_served(loris_server):
    """Normal keep-alive use: requests with pauses shorter than the timeout keep working."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", loris_server.port, timeout=5)
    try:
        for _ in range(3):
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            assert r.status == 200
            time.sleep(TIMEOUT * 0.6)
    finally:
        c.close()


def test_a_new_connection_after_a_quiet_spell_is_served(make_server):
    """A socket number and a bufferevent address are reused by the next connection (one event
    loop makes that likely); it must not inherit the deadline of the request before it."""
    s = make_server(["--read-timeout", str(TIMEOUT), "--loops", "1"]).start()
    for _ in range(3):
        for _ in range(3):
            assert http_request(s.port, "GET", "/healthz", timeout=5).status == 200
        time.sleep(TIMEOUT + 0.7)
    c = socket.create_connection(("127.0.0.1", s.port), 5)
    c.send(b"GET /heal")  # a partial request, then the client goes away
    c.close()
    time.sleep(TIMEOUT + 0.7)
    assert http_request(s.port, "GET", "/healthz", timeout=5).status == 200


# ---- page sizes --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", ["501", "-1", "99999999999999999999", "1e3", "0x10", "%205", "abc", "%2B5"])
def test_absurd_page_sizes_are_400(partner_a, size):
    for path in ("/v1/customers", "/v1/auditrecords", "/v1/users"):
        r = partner_a.get("%s?size=%s" % (path, size))
        assert_error(r, 400, field="size")


@pytest.mark.parametrize("query", ["size=5%00", "size=5%0012", "filter=%7B%00%7D", "x%00=1"])
def test_nul_bytes_in_the_query_are_400_not_cut_short(partner_a, query):
    assert_error(partner_a.get("/v1/customers?" + query), 400)


# ---- injection strings -------------------------------------------------------------------------
NASTY = ["'; DROP TABLE customers; --", "\" OR 1=1 --", "<script>alert(1)</script>",
         "Robert'); DELETE FROM tokens;--", "%' OR '%'='", "\\u0000 \\\" {{7*7}} ${jndi:x}"]

BILLING_TEXT = ("companyName", "firstName", "lastName")
ADDRESS_TEXT = ("addressLine1", "addressLine2", "addressLine3", "city", "district")


def _nasty_body(prefix, s):
    body = cn_body(prefix, company=s)
    bp = body["billingProfile"]
    for f in BILLING_TEXT:
        bp[f] = s
    for f in ADDRESS_TEXT:
        bp["defaultAddress"][f] = s
    bp["defaultAddress"]["firstName"] = bp["defaultAddress"]["lastName"] = s
    return body


@pytest.mark.parametrize("s", NASTY)
def test_injection_strings_are_stored_and_returned_verbatim(partner_a, s):
    body = _nasty_body(uniq("inj"), s)
    created = partner_a.create_ok(body)
    got = partner_a.get("/v1/customers/" + created["id"])
    assert got.status == 200
    assert got.h("Content-Type").startswith("application/json")
    bp = got.json["billingProfile"]
    for f in BILLING_TEXT:
        assert bp[f] == s, (f, bp[f])
    for f in ADDRESS_TEXT:
        assert bp["defaultAddress"][f] == s, (f, bp["defaultAddress"])
    # the raw bytes are JSON: a script tag never appears unescaped as HTML would need it
    assert got.h("X-Content-Type-Options") == "nosniff"
    # a search for it finds exactly that customer and the store is intact
    from helpers import filt
    found = partner_a.get("/v1/customers?filter=" + filt("CompanyName", s, "substring"))
    assert found.status == 200, found
    assert created["id"] in [i["id"] for i in found.json["items"]]
    assert partner_a.get("/v1/customers?size=1").status == 200


@pytest.mark.parametrize("s", NASTY[:3])
def test_injection_strings_in_staff_and_apps(partner_a, s):
    email = "x%s@staff.example.cn" % uuid.uuid4().hex[:8]
    u = partner_a.req("POST", "/v1/users", {"userPrincipalName": email, "displayName": s,
                                             "roles": ["helpdesk_agent"]})
    assert u.status == 201, u
    assert partner_a.get("/v1/users/" + u.json["id"]).json["displayName"] == s
    a = partner_a.req("POST", "/v1/apps", {"displayName": s, "roles": ["sales_agent"]})
    assert a.status == 201, a
    assert partner_a.get("/v1/apps/" + a.json["id"]).json["displayName"] == s


@pytest.mark.parametrize("s", ["' OR 1=1 --", "<script>", "a%' --"])
def test_injection_in_ids_and_filters_is_a_plain_miss(partner_a, s):
    import urllib.parse
    q = urllib.parse.quote(s, safe="")
    assert partner_a.get("/v1/customers/" + q).status in (400, 404)
    assert partner_a.req("HEAD", "/v1/domains/" + q).status in (400, 404)
    from helpers import filt
    r = partner_a.get("/v1/customers?filter=" + filt("Domain", s))
    assert r.status in (200, 400), r
    if r.status == 200:
        assert r.json["items"] == []


# ---- path traversal ----------------------------------------------------------------------------
TRAVERSALS = ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/invite/../../etc/passwd",
              "/invite/..%2f..%2f..%2fetc%2fpasswd", "/invite/%2e%2e%2f%2e%2e%2fMakefile",
              "/web/../../../../etc/passwd", "/web/%2e%2e/%2e%2e/Makefile", "/web/..%5c..%5cMakefile",
              "/static/../Makefile", "/..%00/etc/passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "//etc/passwd", "/./././Makefile", "/invite/....//....//etc/passwd",
              "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/assets/..%5cMakefile", "/assets/%00index.html",
              "/assets/index.html%00.png", "/assets//etc/passwd"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_never_reads_files(server, path):
    r = http_request(server.port, "GET", path)
    assert r.status in (400, 404), r
    assert b"root:" not in r.raw and b"BUILD" not in r.raw and b"partnerd - plain" not in r.raw


# ---- tokens and tenants ------------------------------------------------------------------------
def test_forged_token_shapes_are_401(server, partner_a):
    tok = partner_a.token
    for forged in (tok[:-1] + ("A" if tok[-1] != "A" else "B"), tok + "x", tok.upper(),
                   "x" * len(tok), tok[: len(tok) // 2], "Bearer " + tok):
        c = Client(server.port, forged)
        assert_error(c.get("/v1/customers?size=1"), 401)


def test_another_partners_ids_are_404_on_every_customer_route(server, partner_a, partner_b):
    a = partner_a.create_ok(dict(cn_body(uniq("tenant")), lineItems=[{"offerId": "CN-O365-E3", "quantity": 1}]))
    cid = a["id"]
    sub_json = partner_a.get("/v1/customers/%s/subscriptions" % cid).json["items"][0]
    sub, sub_etag = sub_json["id"], sub_json["attributes"]["etag"]
    user = partner_a.get("/v1/customers/%s/users" % cid).json["items"][0]["id"]
    for method, path, body in (
            ("GET", "/v1/customers/%s" % cid, None),
            ("GET", "/v1/customers/%s/profiles/company" % cid, None),
            ("GET", "/v1/customers/%s/profiles/billing" % cid, None),
            ("PUT", "/v1/customers/%s/profiles/billing" % cid, a["billingProfile"]),
            ("PATCH", "/v1/customers/%s" % cid, {"relationshipToPartner": "none"}),
            ("GET", "/v1/customers/%s/subscriptions" % cid, None),
            ("GET", "/v1/customers/%s/subscriptions/%s" % (cid, sub), None),
            ("PATCH", "/v1/customers/%s/subscriptions/%s" % (cid, sub),
             {"quantity": 2, "attributes": {"etag": sub_etag}}),
            ("POST", "/v1/customers/%s/orders" % cid, {"lineItems": [{"offerId": "CN-O365-E3", "quantity": 1}]}),
            ("GET", "/v1/customers/%s/users" % cid, None),
            ("GET", "/v1/customers/%s/users/%s" % (cid, user), None),
            ("POST", "/v1/customers/%s/users" % cid, {"userPrincipalName": "z@%s" % a["companyProfile"]["domain"],
                                                       "displayName": "Z"}),
            ("POST", "/v1/customers/%s/users/%s/resetpassword" % (cid, user), None),
            ("DELETE", "/v1/customers/%s/users/%s" % (cid, user), None),
            ("DELETE", "/v1/customers/%s" % cid, None)):
        r = partner_b.req(method, path, body)
        assert_error(r, 404), (method, path, r)
    # and partner A's data is untouched
    assert partner_a.get("/v1/customers/%s/subscriptions/%s" % (cid, sub)).json["quantity"] == 1
    assert partner_a.get("/v1/customers/%s/users/%s" % (cid, user)).status == 200


def test_a_token_of_one_server_store_means_nothing_to_another(make_server, partner_a):
    other = make_server().start()
    c = Client(other.port, partner_a.token)
    assert_error(c.get("/v1/customers?size=1"), 401)


def test_domain_of_another_partner_is_reported_taken_but_not_readable(partner_a, partner_b):
    a = partner_a.create_ok(cn_body(uniq("taken")))
    d = a["companyProfile"]["domain"]
    assert d.endswith(SUFFIX)
    assert partner_b.req("HEAD", "/v1/domains/" + d).status == 200  # taken, as Partner Center says
    found = partner_b.get("/v1/customers?filter=" + __import__("helpers").filt("Domain", d))
    assert found.status == 200 and found.json["items"] == []
