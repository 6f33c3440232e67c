"""partnerctl webhooks (issue 22): register, show, update (If-Match), delete, the event names, a test
event followed with --wait to completed or failed, the delivery log as a table and as JSON, a
parked event redelivered; the SSRF refusal on a server without --webhook-allow-private, in the
caller's language; usage errors.  The receiver is an HTTP server of the test's own on loopback."""
import http.server
import json
import shutil
import threading
import time

import pytest

from clitools import SLOW, Ctl, Server

REG = "/webhooks/v1/registration"
HOOK_ENV = {"PARTNERD_WEBHOOK_ALLOW_PRIVATE": "1", "PARTNERD_WEBHOOK_ALLOW_HTTP": "1",
            "PARTNERD_WEBHOOK_RETRY_MIN": "20", "PARTNERD_WEBHOOK_RETRY_MAX": "80", "PARTNERD_RATE_LIMIT": "0"}


class Receiver(http.server.ThreadingHTTPServer):
    """Records each POST's JSON body and answers self.status."""
    daemon_threads = True

    def __init__(self):
        self.bodies = []
        self.status = 200

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(h):
                body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
                self.bodies.append((json.loads(body or b"null"), dict(h.headers)))
                payload = b"received" if self.status < 300 else b"receiver says no"
                h.send_response(self.status)
                h.send_header("Content-Length", str(len(payload)))
                h.end_headers()
                h.wfile.write(payload)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.server_address[1], path)


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.shutdown()


@pytest.fixture(scope="module")
def hooks():
    s = Server(env=HOOK_ENV).start()
    try:
        yield s
        s.stop()
    finally:
        s.cleanup()


@pytest.fixture
def hctl(hooks):
    c = Ctl(hooks).login()
    yield c
    shutil.rmtree(c.home, ignore_errors=True)


def registration(ctl):
    st, j, _ = ctl.api().req("GET", REG)
    return st, j


def test_register_show_update_delete(hctl, receiver):
    url = receiver.url("/crud")
    out = hctl.ok("webhooks", "register", "--url", url, "--events", "customer-created,test-created").stdout
    assert url in out and "customer-created test-created" in out, out
    st, j = registration(hctl)
    assert st == 200 and j["WebhookUrl"] == url and j["WebhookEvents"] == ["customer-created", "test-created"], j
    shown = json.loads(hctl.ok("webhooks", "show", "--json").stdout)
    assert shown == j
    table = hctl.ok("webhooks", "show").stdout
    assert "subscriberId" in table and j["SubscriberId"] in table and url in table, table
    # a second registration: the server's 409, exit 4, nothing changed
    again = hctl.run("webhooks", "register", "--url", receiver.url("/other"), "--events", "test-created")
    assert again.returncode == 4 and "PUT" in again.stderr, again.stderr
    assert registration(hctl)[1] == j
    # update: only the events; the URL is kept
    up = json.loads(hctl.ok("webhooks", "update", "--events", "subscription-updated,test-created", "--json").stdout)
    assert up["WebhookUrl"] == url and up["WebhookEvents"] == ["subscription-updated", "test-created"], up
    assert registration(hctl)[1] == up
    # update: only the URL; the events are kept
    hctl.ok("webhooks", "update", "--url", receiver.url("/moved"))
    assert registration(hctl)[1]["WebhookEvents"] == ["subscription-updated", "test-created"]
    assert registration(hctl)[1]["WebhookUrl"] == receiver.url("/moved")
    # a stale etag: exit 4, unchanged
    stale = hctl.run("webhooks", "update", "--url", receiver.url("/stale"), "--if-match", "1")
    assert stale.returncode == 4, (stale.returncode, stale.stderr)
    assert registration(hctl)[1]["WebhookUrl"] == receiver.url("/moved")
    # delete: gone, and show says so with exit 3
    assert "Deleted" in hctl.ok("webhooks", "delete").stdout
    assert registration(hctl)[0] == 404
    gone = hctl.run("webhooks", "show")
    assert gone.returncode == 3 and gone.stderr, gone


def test_events_lists_the_catalogue(hctl):
    names = hctl.ok("webhooks", "events").stdout.split()
    assert names == json.loads(hctl.ok("webhooks", "events", "--json").stdout)
    assert names == hctl.api().req("GET", REG + "/events")[1]
    assert "customer-created" in names and "test-created" in names


def test_a_test_event_with_wait_is_delivered_and_in_the_log(hctl, receiver):
    hctl.ok("webhooks", "register", "--url", receiver.url("/t"), "--events", "test-created")
    seen = len(receiver.bodies)
    r = hctl.ok("webhooks", "test", "--wait", "--timeout", str(int(30 * SLOW)))
    assert "status  completed" in r.stdout and "200" in r.stdout and "OK" in r.stdout, r.stdout
    got = [b for b, h in receiver.bodies[seen:] if b and b.get("EventName") == "test-created"]
    assert len(got) == 1, receiver.bodies[seen:]
    assert any(h.get("Authorization", "").startswith("Signature ") for _, h in receiver.bodies[seen:])
    log = json.loads(hctl.ok("webhooks", "deliveries", "--json").stdout)
    assert [(d["eventName"], d["state"], d["attemptCount"]) for d in log] == [("test-created", "delivered", 1)], log
    assert log[0]["attempts"][0]["httpStatus"] == 200 and log[0]["attempts"][0]["responseMessage"] == "received"
    table = hctl.ok("webhooks", "deliveries").stdout
    assert "cursor" in table and "test-created" in table and "delivered" in table, table
    assert str(log[0]["cursor"]) in table
    # without --wait: the correlation id, which the API knows
    plain = hctl.ok("webhooks", "test", "--json").stdout
    cid = json.loads(plain)["correlationId"]
    assert hctl.api().req("GET", REG + "/validationEvents/" + cid)[0] == 200


def test_a_failed_test_event_exits_1_and_a_parked_event_is_redelivered(hctl, receiver):
    hctl.ok("webhooks", "register", "--url", receiver.url("/down"), "--events", "test-created")
    receiver.status = 500
    try:
        r = hctl.run("webhooks", "test", "--wait", "--timeout", str(int(30 * SLOW)))
        assert r.returncode == 1 and "status  failed" in r.stdout and "not delivered" in r.stderr, (r.stdout, r.stderr)
        assert r.stdout.count("InternalServerError") == 10, r.stdout
        log = json.loads(hctl.ok("webhooks", "deliveries", "--json").stdout)
        assert [d["state"] for d in log] == ["parked"], log
        cursor = str(log[0]["cursor"])
    finally:
        receiver.status = 200
    out = hctl.ok("webhooks", "redeliver", cursor).stdout
    assert cursor in out and "test-created" in out, out
    deadline = time.time() + 15 * SLOW
    while True:
        log = json.loads(hctl.ok("webhooks", "deliveries", "--json").stdout)
        if log[0]["state"] == "delivered":
            break
        assert time.time() < deadline, log
        time.sleep(0.2)
    assert log[0]["attempts"][-1]["httpStatus"] == 200 and len(log[0]["attempts"]) == 11
    # delivered, not parked: exit 4; no such cursor: exit 3
    assert hctl.run("webhooks", "redeliver", cursor).returncode == 4
    assert hctl.run("webhooks", "redeliver", "999999").returncode == 3


def test_a_loopback_url_is_refused_without_the_allow_flag_in_the_callers_language(ctl):
    r = ctl.run("webhooks", "register", "--url", "https://127.0.0.1/hook", "--events", "test-created")
    assert r.returncode == 1, r
    assert "WebhookUrl" in r.stderr and "127.0.0.1" in r.stderr and "--webhook-allow-private" in r.stderr, r.stderr
    zh = ctl.run("webhooks", "register", "--url", "https://127.0.0.1/hook", "--events", "test-created",
                 env={"LANG": "zh_CN.UTF-8"})
    assert zh.returncode == 1 and "环回" in zh.stderr, zh.stderr
    assert ctl.api().req("GET", REG)[0] == 404


@pytest.mark.parametrize("args, says", [
    (["register", "--url", "https://example.cn/h"], "--events"),
    (["register", "--events", "test-created"], "--url"),
    (["register", "--url", "https://example.cn/h", "--events", "test-created,,customer-created"], "empty event"),
    (["update"], "--url, --events"),
    (["test", "--timeout", "5"], "--wait"),
    (["test", "--wait", "--timeout", "0"], "timeout"),
    (["redeliver", "abc"], "CURSOR"),
    (["redeliver", "0"], "CURSOR"),
    (["redeliver"], "missing operand"),
])
def test_usage_errors_exit_2_and_send_nothing(ctl, args, says):
    r = ctl.run("webhooks", *args)
    assert r.returncode == 2 and says in r.stderr, (r.returncode, r.stderr)
    assert ctl.api().req("GET", REG)[0] == 404
