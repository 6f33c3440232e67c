"""Request limits and protocol errors: body size, malformed JSON, content types, routes, methods.
None of them may change stored data."""
import json
import socket
import uuid

import pytest

from helpers import SLOW, assert_error, cn_body, uniq

MiB = 1024 * 1024


@pytest.fixture
def unchanged(partner_a):
    """Asserts after the test that partner_a's customer count did not change."""
    before = partner_a.count()
    yield
    assert partner_a.count() == before


def raw_request(port, head, body=b"", chunk=65536):
    """Sends a request on a raw socket, tolerating the server closing early; returns
    (status, headers dict, body bytes) of the response."""
    s = socket.create_connection(("127.0.0.1", port), 10 * SLOW)
    s.settimeout(20 * SLOW)
    try:
        try:
            s.sendall(head)
            for i in range(0, len(body), chunk):
                s.sendall(body[i:i + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            if b"\r\n\r\n" in data:
                head_part, _, rest = data.partition(b"\r\n\r\n")
                hdrs = _headers(head_part)
                n = int(hdrs.get("content-length", "-1"))
                if n >= 0 and len(rest) >= n:
                    break
    finally:
        s.close()
    head_part, _, rest = data.partition(b"\r\n\r\n")
    assert head_part, "no response at all"
    status = int(head_part.split(b" ", 2)[1])
    return status, _headers(head_part), rest


def _headers(head):
    out = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        out[k.strip().lower()] = v.strip()
    return out


def test_body_over_1_mib_is_413(server, partner_a, unchanged):
    body = cn_body(uniq("big"))
    body["billingProfile"]["padding"] = "x" * (MiB + 100)
    data = json.dumps(body).encode()
    head = ("POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (partner_a.token, len(data))).encode()
    status, hdrs, rest = raw_request(server.port, head, data)
    assert status == 413, (status, rest[:300])
    assert partner_a.req("HEAD", "/v1/domains/%s" % body["companyProfile"]["domain"]).status == 404


def test_body_over_1_mib_declared_only_is_413(server, partner_a, unchanged):
    """A Content-Length over the limit is refused without waiting for the body."""
    head = ("POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (partner_a.token, 50 * MiB)).encode()
    status, hdrs, rest = raw_request(server.port, head, b"{")
    assert status == 413, (status, rest[:300])


def test_body_over_1_mib_on_put_is_413(server, partner_a):
    created = partner_a.create_ok(cn_body(uniq("bigput")))
    data = json.dumps({"companyName": "y" * (MiB + 10)}).encode()
    head = ("PUT /v1/customers/%s/profiles/billing HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "If-Match: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (created["id"], partner_a.token, created["billingProfile"]["attributes"]["etag"], len(data))).encode()
    status, _, rest = raw_request(server.port, head, data)
    assert status == 413, (status, rest[:300])
    g = partner_a.get("/v1/customers/%s/profiles/billing" % created["id"])
    assert g.json["attributes"]["etag"] == created["billingProfile"]["attributes"]["etag"]


def test_body_just_under_the_limit_is_parsed(partner_a, unchanged):
    # ~1000 KiB of JSON: under the limit, so it is read and validated (a 400, not a 413)
    body = cn_body(uniq("near"))
    body["billingProfile"]["defaultAddress"]["addressLine1"] = "x" * (1000 * 1024)
    r = partner_a.create(body)
    assert_error(r, 400, field="billingProfile.defaultAddress.addressLine1")


@pytest.mark.parametrize("raw", [b'{"companyProfile": {"domain": "x"},\n  "billingProfile": ',
                                 b'{"a": 1,}', b"{'single': 'quotes'}", b'{"a": tru}'])
def test_malformed_json_is_400_with_position(partner_a, unchanged, raw):
    r = partner_a.req("POST", "/v1/customers", raw=raw)
    j = assert_error(r, 400)
    assert "line" in j["description"] and "column" in j["description"], j


def test_malformed_json_position_is_right(partner_a):
    r = partner_a.req("POST", "/v1/customers", raw=b'{\n  "a": 1,\n  "b": ?\n}')
    j = assert_error(r, 400)
    assert "line 3" in j["description"], j


@pytest.mark.parametrize("raw", [b"", b"[]", b'"string"', b"42", b"null", b"\xff\xfe{}",
                                 b'{"companyProfile": {"domain": "\xc3\x28"}}'])
def test_non_object_or_invalid_utf8_is_400(partner_a, unchanged, raw):
    assert_error(partner_a.req("POST", "/v1/customers", raw=raw, content_type="application/json"), 400)


def test_deeply_nested_json_is_400(partner_a, unchanged):
    raw = b'{"companyProfile": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    assert_error(partner_a.req("POST", "/v1/customers", raw=raw), 400)


def test_duplicate_keys_do_not_crash(partner_a):
    p = uniq("dup")
    raw = json.dumps(cn_body(p)).encode()[:-1] + b', "billingProfile": {"companyName": "x"}}'
    r = partner_a.req("POST", "/v1/customers", raw=raw)
    assert r.status in (201, 400), r


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                   "multipart/form-data; boundary=x"])
def test_wrong_content_type_on_post_is_415(partner_a, unchanged, ctype):
    r = partner_a.req("POST", "/v1/customers", cn_body(uniq("ct")), content_type=ctype)
    assert_error(r, 415)


def test_missing_content_type_on_post_is_415(server, partner_a, unchanged):
    data = json.dumps(cn_body(uniq("noct"))).encode()
    head = ("POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % (partner_a.token, len(data))).encode()
    status, _, _ = raw_request(server.port, head, data)
    assert status in (400, 415), status


def test_wrong_content_type_on_put_is_415(partner_a):
    created = partner_a.create_ok(cn_body(uniq("ctput")))
    body = dict(created["billingProfile"], companyName="changed")
    r = partner_a.req("PUT", "/v1/customers/%s/profiles/billing" % created["id"], body,
                      headers={"If-Match": created["billingProfile"]["attributes"]["etag"]},
                      content_type="text/plain")
    assert_error(r, 415)
    g = partner_a.get("/v1/customers/%s/profiles/billing" % created["id"])
    assert g.json["companyName"] == created["billingProfile"]["companyName"]


def test_wrong_content_type_on_validation_is_415(partner_a):
    r = partner_a.req("POST", "/v1/validations/address", {"country": "CN"}, content_type="text/plain")
    assert_error(r, 415)


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/customers/%s/profiles/shipping" % uuid.uuid4(),
                                  "/v1/customers/%s/extra/deep/path" % uuid.uuid4(), "/nope", "/v2/customers",
                                  "/v1/countryvalidationrules"])
def test_unknown_route_is_404(partner_a, unchanged, path):
    r = partner_a.get(path)
    assert r.status == 404, r
    assert_error(r, 404)


@pytest.mark.parametrize("method,path,allowed", [
    ("PATCH", "/v1/customers", {"GET", "POST"}),
    ("DELETE", "/v1/customers", {"GET", "POST"}),
    ("PUT", "/v1/customers", {"GET", "POST"}),
    ("PUT", "/v1/customers/%s" % uuid.uuid4(), {"GET", "DELETE"}),
    ("POST", "/v1/customers/%s/profiles/billing" % uuid.uuid4(), {"GET", "PUT"}),
    ("DELETE", "/v1/customers/%s/profiles/company" % uuid.uuid4(), {"GET"}),
    ("POST", "/v1/domains/abc.partner.onmschina.cn", {"HEAD"}),
    ("GET", "/v1/validations/address", {"POST"}),
    ("POST", "/healthz", {"GET"}),
])
def test_wrong_method_is_405_with_allow(partner_a, unchanged, method, path, allowed):
    body = cn_body(uniq("m")) if method in ("POST", "PUT", "PATCH") else None
    r = partner_a.req(method, path, body)
    assert r.status == 405, r
    allow = {m.strip() for m in (r.h("Allow") or "").split(",")}
    assert allowed <= allow, (r.h("Allow"), allowed)
    assert_error(r, 405)


def test_oversized_headers_are_refused(server):
    head = ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\nConnection: close\r\n\r\n"
            % ("a" * (256 * 1024))).encode()
    try:
        status, _, _ = raw_request(server.port, head)
    except AssertionError:
        status = None  # closed without an answer: also a refusal
    assert status in (None, 400, 413, 431), status
    # and the server still answers
    status, _, body = raw_request(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200


def test_garbage_request_line(server):
    try:
        status, _, _ = raw_request(server.port, b"HELLO\r\n\r\n")
    except AssertionError:
        status = None
    assert status in (None, 400, 405, 501), status
    status, _, _ = raw_request(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200


def test_long_query_and_path_do_not_crash(partner_a):
    r = partner_a.get("/v1/customers?size=10&filter=" + "a" * 6000)
    assert r.status in (400, 414), r
    r = partner_a.get("/v1/customers/" + "a" * 6000)
    assert r.status in (400, 404, 414), r


def _chunked(data, size=4096):
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def test_chunked_body_is_accepted(server, partner_a):
    body = cn_body(uniq("chunk"))
    data = json.dumps(body, ensure_ascii=False).encode()
    head = ("POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            % partner_a.token).encode()
    status, _, rest = raw_request(server.port, head, _chunked(data, 100))
    assert status == 201, (status, rest[:300])
    assert partner_a.req("HEAD", "/v1/domains/" + body["companyProfile"]["domain"]).status == 200


def test_chunked_body_over_1_mib_is_413(server, partner_a, unchanged):
    body = cn_body(uniq("bigchunk"))
    body["billingProfile"]["padding"] = "x" * (MiB + 100)
    data = json.dumps(body).encode()
    head = ("POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            % partner_a.token).encode()
    status, _, rest = raw_request(server.port, head, _chunked(data, 65536))
    assert status == 413, (status, rest[:300])
    assert partner_a.req("HEAD", "/v1/domains/" + body["companyProfile"]["domain"]).status == 404


def test_connection_stays_usable_after_client_errors(server, partner_a):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10 * SLOW)
    auth = {"Authorization": "Bearer " + partner_a.token}
    try:
        for method, path, body, ctype, want in (
                ("POST", "/v1/customers", b"{bad json", "application/json", 400),
                ("GET", "/v1/customers?size=1", None, None, 200),
                ("POST", "/v1/customers", b"{}", "text/plain", 415),
                ("GET", "/v1/nope", None, None, 404),
                ("PATCH", "/v1/customers", b"{}", "application/json", 405),
                ("GET", "/v1/customers/%s" % uuid.uuid4(), None, None, 404),
                ("GET", "/healthz", None, None, 200)):
            h = dict(auth)
            if ctype:
                h["Content-Type"] = ctype
            c.request(method, path, body, h)
            r = c.getresponse()
            r.read()
            assert r.status == want, (method, path, r.status)
    finally:
        c.close()


# ---- request framing (RFC 9112 6): no request smuggled after an ambiguous one ------------------
SMUGGLED = b"GET /healthz?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n"


def _all_responses(port, data):
    """Sends data on one connection and reads until the server closes it; the status codes of
    every response on the wire, in order, and the raw bytes."""
    s = socket.create_connection(("127.0.0.1", port), 10 * SLOW)
    s.settimeout(5 * SLOW)
    got = b""
    try:
        s.sendall(data)
        while True:
            try:
                part = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not part:
                break
            got += part
    finally:
        s.close()
    import re
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", got)], got


FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"


@pytest.mark.parametrize("what,head,body", [
    ("two lengths that disagree", b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM +
     b"Content-Length: 5\r\nContent-Length: %d\r\n\r\n" % (5 + len(SMUGGLED)), b"a=b&c"),
    ("two equal lengths", b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM +
     b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n", b"a=b&c"),
    ("a list of lengths", b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM +
     b"Content-Length: 5, 5\r\n\r\n", b"a=b&c"),
    ("a signed length", b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM +
     b"Content-Length: +5\r\n\r\n", b"a=b&c"),
    ("a length beside chunked", b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM +
     b"Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n", b"0\r\n\r\n"),
    ("chunked twice", b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM +
     b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", b"0\r\n\r\n"),
    ("a coding other than chunked", b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM +
     b"Transfer-Encoding: gzip, chunked\r\n\r\n", b"0\r\n\r\n"),
    ("a GET with a body", b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
     % len(SMUGGLED), b""),
    ("a DELETE with a chunked body", b"DELETE /v1/customers/x HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n", b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n"),
])
def test_ambiguous_framing_is_400_and_nothing_after_it_is_answered(server, what, head, body):
    statuses, raw = _all_responses(server.port, head + body + SMUGGLED)
    assert statuses == [400], (what, raw[:600])
    _, _, rest = raw.partition(b"\r\n\r\n")
    # evhttp refuses some of these itself (a page of its own); partnerd's 400 names the header
    assert (b"Content-Length" in rest or b"Transfer-Encoding" in rest
            or rest.startswith(b"<HTML>")), (what, rest[:300])
    assert b"smuggled" not in raw
    # the server is fine afterwards
    status, _, _ = raw_request(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200


@pytest.mark.parametrize("head", [
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM + b"Content-Length: 0\r\n\r\n",
    b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n" + FORM + b"Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
])
def test_plain_framing_keeps_the_connection(server, head):
    """One Content-Length of digits (0 on a GET too) or one chunked coding: answered, and the
    next request on the connection is answered as well."""
    statuses, raw = _all_responses(server.port, head + b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                   b"Connection: close\r\n\r\n")
    assert len(statuses) == 2 and statuses[1] == 200, raw[:600]


# ---- --catalog of any size: read whole, never cut at a buffer's end ------------------------------
def _offer(oid):
    return {"id": oid, "countries": ["CN"], "name": {"en-US": oid, "zh-CN": oid, "de-DE": oid},
            "description": {"en-US": "d", "zh-CN": "d", "de-DE": "d"}, "minimumQuantity": 1,
            "maximumQuantity": 10, "unitType": "Licenses", "billing": "license", "isAddOn": False,
            "prerequisiteOffers": []}


def test_catalog_over_16_mib_is_read_whole(make_server, tmp_path):
    """A catalog file larger than the 16 MiB buffer it was once read into: its last offer (after
    17 MiB of JSON whitespace) is served; cut at 16 MiB it was invalid JSON and partnerd refused."""
    first, last = json.dumps(_offer("BIG-FIRST")), json.dumps(_offer("BIG-LAST"))
    path = tmp_path / "big.json"
    with open(path, "w") as f:
        f.write('{"version": 1, "offers": [%s,' % first)
        f.write(" " * (17 * MiB))
        f.write('%s]}' % last)
    assert path.stat().st_size > 16 * MiB
    s = make_server(["--catalog", str(path)]).start()
    p = s.partner("Big Catalog Co")
    r = p.get("/v1/offers?country=CN")
    assert r.status == 200, r
    assert sorted(o["id"] for o in r.json["items"]) == ["BIG-FIRST", "BIG-LAST"]


def test_catalog_that_cannot_be_read_names_the_flag(tmp_path):
    import subprocess
    from helpers import BIN, free_port
    for path, why in ((tmp_path / "missing.json", "No such file"), (tmp_path, "Is a directory")):
        r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % free_port(), "--db",
                            "sqlite:" + str(tmp_path / "x.db"), "--catalog", str(path)],
                           capture_output=True, text=True, timeout=20 * SLOW)
        assert r.returncode != 0, r
        assert "--catalog" in r.stderr and str(path) in r.stderr and why in r.stderr, r.stderr
