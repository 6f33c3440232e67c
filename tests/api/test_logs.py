"""--log-format json (issue 21): one JSON object per line on stderr, with the request's ids,
partner, route template, status and duration; never a secret. The text format stays the
default."""
import json
import re
import threading
import uuid

from helpers import http_request, token_request, uniq, us_body

KEYS = {"time", "level", "request_id", "correlation_id", "partner", "route", "method", "status", "duration_ms"}
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_json_log_lines_carry_the_request_and_no_secret(make_server):
    s = make_server(["--log-format", "json"]).start()
    partner = s.partner("Json Logs")
    token = partner.token
    cid = partner.create_ok(us_body(uniq("log")))["id"]
    corr = str(uuid.uuid4())
    assert partner.get("/v1/customers/%s" % cid, headers={"MS-CorrelationId": corr}).status == 200
    secrets = ["hunter2-pass", "tok-3141592", "s3cr3t-client", "INVITECODE12345"]
    http_request(s.port, "GET", "/v1/customers?password=%s&token=%s&size=1" % (secrets[0], secrets[1]),
                 headers={"Authorization": "Bearer " + token})
    token_request(s.port, {"grant_type": "client_credentials", "client_id": "x", "client_secret": secrets[2]})
    http_request(s.port, "GET", "/invite/" + secrets[3])
    barrier = threading.Barrier(6)

    def many():
        barrier.wait()
        for _ in range(20):
            http_request(s.port, "GET", "/healthz")

    threads = [threading.Thread(target=many) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s.stop()
    text = s.stderr()
    lines = [line for line in text.split("\n") if line]
    objs = [json.loads(line) for line in lines]  # every line parses, none is torn by another
    for o in objs:
        assert RFC3339_UTC.match(o["time"]), o
        assert o["level"] in ("info", "warn", "error"), o
    reqs = [o for o in objs if "status" in o]
    assert len(reqs) >= 120 + 5
    for o in reqs:
        assert KEYS <= set(o), o
        assert isinstance(o["duration_ms"], (int, float)) and o["duration_ms"] >= 0
    assert sum(1 for o in reqs if o["route"] == "/healthz" and o["status"] == 200) == 120
    read = [o for o in reqs if o["route"] == "/v1/customers/{id}" and o["method"] == "GET"]
    assert len(read) == 1
    assert read[0]["partner"] == partner.info["partnerId"]
    assert read[0]["correlation_id"] == corr
    assert read[0]["request_id"] and read[0]["status"] == 200
    created = [o for o in reqs if o["route"] == "/v1/customers" and o["method"] == "POST"]
    assert created and created[0]["status"] == 201 and created[0]["partner"] == partner.info["partnerId"]
    invite = [o for o in reqs if o["route"] == "/invite/{code}"]
    assert invite and invite[0]["path"] == "/invite/***"
    for secret in secrets + [token]:
        assert secret not in text, "a secret is in the log: %s" % secret
    assert any(o.get("msg") == "stopped cleanly" for o in objs)


def test_text_stays_the_default_and_a_bad_format_is_refused(make_server):
    s = make_server().start()
    http_request(s.port, "GET", "/healthz?password=hunter2-pass")
    s.stop()
    line = [ln for ln in s.stderr().splitlines() if "/healthz" in ln][0]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ GET /healthz\?password=\*\*\* 200 [\d.]+ms rid=", line), line
    bad = make_server(["--log-format", "xml"])
    try:
        bad.start()
        raise AssertionError("partnerd started with --log-format xml")
    except AssertionError as e:
        assert "--log-format 'xml' is not valid" in str(e) and "one of text, json" in str(e), e
    bad.proc = None
