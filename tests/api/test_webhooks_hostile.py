"""Webhooks attacked from outside (issue 22 review): what a hostile registration, a slow receiver
or a second instance on the same PostgreSQL can make partnerd do.  Every test here was seen
failing on the code before its fix."""
import time

import pytest

from helpers import ON_PG, SLOW, assert_error, psql
from test_webhooks import ALLOW, FAST, REG, cursors, feed, make_module_server, register  # noqa: F401


@pytest.fixture
def receiver():
    from receiver import Receiver
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def strict(make_module_server):  # noqa: F811
    return make_module_server([])


@pytest.fixture(scope="module")
def hooks(make_module_server):  # noqa: F811
    return make_module_server(ALLOW + FAST)


# ---- delivery: the lease ------------------------------------------------------------------------

def lease_left_ms(server, partner):
    out = psql(server.db, "SELECT lease_until_ms FROM webhook_registrations WHERE partner_id = '%s'" % partner)
    return int(out.split()[0] or 0) - int(time.time() * 1000) if out.strip() else None


def test_a_lease_never_lapses_under_a_slow_attempt_so_no_second_instance_sends_it_too(make_server, receiver):
    """The lease is 20 s and an attempt takes up to 10 s: the lease must be renewed before an
    attempt starts with less than that left, or another instance takes it mid-attempt and
    sends the same event again.  The event is written when the lease is lowest."""
    if not ON_PG:
        pytest.skip("several instances need PostgreSQL")
    a = make_server(ALLOW + FAST).start()
    make_server(ALLOW + FAST, db=a.db).start()  # the second instance on the same database
    c = a.partner("Slow receiver")
    pid = c.info["partnerId"]
    register(c, receiver.url(), ["customer-created"])
    receiver.delay = 8.5  # under the 10 s an attempt may take
    deadline = time.time() + 22
    while time.time() < deadline:  # the lease at its lowest (renewed only when < 15 s are left)
        left = lease_left_ms(a, pid)
        if left is not None and 0 < left < 9000:
            break
        time.sleep(0.1)
    seq = feed(a, pid, ["customer-created"])[0]
    receiver.wait_count(1, timeout=10 * SLOW)
    time.sleep(12)  # a second sender would have started and been recorded by now
    got = [s for s in cursors(receiver) if s == seq]
    assert got == [seq], "event %d was sent %d times at once by two instances" % (seq, len(got))


# ---- the URL --------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://[93.184.216.34]/hook", "https://[1:2:3:4:5:6:7:8:9]/",
                                 "https://[:::1]/", "https://[]/", "https://[2001:db8::1.2.3]/"])
def test_a_bracketed_host_that_is_no_ipv6_address_is_refused(strict, url):
    """RFC 3986: [...] holds an IPv6 address; libcurl refuses anything else, so a registration that
    took one (200) would fail every delivery."""
    c = strict.partner("Brackets")
    j = assert_error(c.req("POST", REG, {"WebhookUrl": url, "WebhookEvents": ["test-created"]}), 400,
                     field="WebhookUrl")
    assert "host name or the port is not valid" in j["description"], j
    assert_error(c.get(REG), 404)


@pytest.mark.parametrize("url", ["https://93.184.216.34/hook#part", "https://93.184.216.34#x",
                                 "https://93.184.216.34/hook?a=1#"])
def test_a_fragment_is_refused_as_never_sent(strict, url):
    """RFC 9110 7.1: a client does not send the fragment; one registered (200, and shown back by
    GET) would silently never reach the receiver."""
    c = strict.partner("Fragment")
    for loc, word in (("en-US", "fragment"), ("zh-CN", "片段"), ("de-DE", "Fragment")):
        for method in ("POST", "PUT"):
            j = assert_error(c.req(method, REG, {"WebhookUrl": url, "WebhookEvents": ["test-created"]},
                                   headers={"X-Locale": loc}), 400, field="WebhookUrl")
            assert word in j["description"], j
    assert_error(c.get(REG), 404)


def test_a_query_is_kept_and_sent(strict):
    c = strict.partner("Query")
    assert register(c, "https://93.184.216.34/hook?key=a%23b")["WebhookUrl"] == "https://93.184.216.34/hook?key=a%23b"


@pytest.mark.parametrize("url", ["https://b\u00fccher.example/hook", "https://93.184.216.34/caf\u00e9",
                                 "https://93.184.216.34 /hook", "https://93.184.216.34/a b"])
def test_a_url_not_in_printable_ascii_is_told_how_to_write_it(strict, url):
    """An IDN host or a raw space was answered 'must be an absolute URL', which it is."""
    c = strict.partner("Idn")
    for loc in ("en-US", "zh-CN", "de-DE"):
        j = assert_error(c.req("POST", REG, {"WebhookUrl": url, "WebhookEvents": ["test-created"]},
                               headers={"X-Locale": loc}), 400, field="WebhookUrl")
        assert "xn--" in j["description"] and "ASCII" in j["description"], j
    assert_error(c.get(REG), 404)


# ---- who sees the URL ---------------------------------------------------------------------------

def test_the_activity_log_hides_the_urls_query_from_roles_without_webhooks_manage(strict):
    """A receiver's key often rides in the query (an Azure Function's ?code=...).  A helpdesk agent
    may not read the registration (403) but reads the activity log: it must not find the key there."""
    from helpers import audit_all, staff_client
    admin = strict.partner("Audit key")
    helpdesk = staff_client(admin, ["helpdesk_agent"])
    first = "https://93.184.216.34/api/hook?code=S3CRET-ONE&name=pc&flag"
    register(admin, first)
    p = admin.req("PUT", REG, {"WebhookUrl": "https://93.184.216.34/api/hook?code=S3CRET-TWO=x&=y&",
                               "WebhookEvents": ["test-created"]})
    assert p.status == 200 and p.json["WebhookUrl"].endswith("S3CRET-TWO=x&=y&"), p
    assert admin.get(REG).json["WebhookUrl"].endswith("S3CRET-TWO=x&=y&"), "the registration keeps it"
    assert admin.req("DELETE", REG).status == 204
    assert_error(helpdesk.get(REG), 403)
    records = [x for x in audit_all(helpdesk) if x.get("resourceType") == "webhook_registration"]
    assert len(records) == 3, records
    text = repr(records)
    assert "S3CRET" not in text and "name=pc" not in text, text
    urls = set()
    for x in records:
        for v in ("resourceOldValue", "resourceNewValue"):
            if x.get(v):
                urls.add(__import__("json").loads(x[v])["WebhookUrl"])
    assert urls == {"https://93.184.216.34/api/hook?code=***&name=***&flag",
                    "https://93.184.216.34/api/hook?code=***&=***&"}, (urls, records[0])


# ---- conditional requests -------------------------------------------------------------------------

def test_if_match_star_and_a_list_of_etags_as_rfc_9110_says(strict):
    """13.1.1: If-Match is "*" (any current registration) or a list of entity tags; both were 412."""
    c = strict.partner("If-Match")
    register(c)
    etag = c.get(REG).h("ETag")
    body = {"WebhookUrl": "https://93.184.216.34/v2", "WebhookEvents": ["test-created"]}
    p = c.req("PUT", REG, body, headers={"If-Match": "*"})
    assert p.status == 200, p
    assert_error(c.req("PUT", REG, body, headers={"If-Match": etag}), 412)  # it moved on
    listed = c.req("PUT", REG, dict(body, WebhookUrl="https://93.184.216.34/v3"),
                   headers={"If-Match": '"999", %s ,"1000"' % p.h("ETag")})
    assert listed.status == 200 and listed.json["WebhookUrl"].endswith("/v3"), listed
    assert_error(c.req("DELETE", REG, headers={"If-Match": '"999", "1000"'}), 412)
    assert_error(c.req("DELETE", REG, headers={"If-Match": ","}), 412)
    assert_error(c.req("DELETE", REG, headers={"If-Match": "W/" + listed.h("ETag")}), 412)  # compared strongly
    assert c.get(REG).json["WebhookUrl"].endswith("/v3"), "a failed condition changed nothing"
    d = c.req("DELETE", REG, headers={"If-Match": "*"})
    assert d.status == 204, d
    assert_error(c.get(REG), 404)


# ---- delivery: a registration changed while an attempt is in flight --------------------------------

def test_a_put_while_an_attempt_is_in_flight_sends_the_rest_to_the_new_url(hooks, receiver):
    """The in-flight attempt goes where it went; once the PUT has answered, nothing more goes to the
    old URL (it may be the one the partner gave up: a lapsed domain, a leaked key)."""
    import threading
    c = hooks.partner("Moved")
    register(c, receiver.url("/old"), ["customer-created"])
    receiver.hold = threading.Event()
    seqs = feed(hooks, c.info["partnerId"], ["customer-created"] * 4)
    receiver.wait_for(lambda rs: receiver.holding >= 1, what="the first attempt held")
    p = c.req("PUT", REG, {"WebhookUrl": receiver.url("/new"), "WebhookEvents": ["customer-created"]})
    assert p.status == 200, p
    receiver.hold.set()
    receiver.hold = None
    receiver.wait_count(4, timeout=10 * SLOW)
    time.sleep(0.5)
    assert cursors(receiver, "/old") == seqs[:1], "only the attempt in flight during the PUT"
    assert cursors(receiver, "/new") == seqs[1:]


# ---- settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--webhook-retry-min", "5000", "--webhook-retry-max", "100"],
                                  ["--webhook-retry-min", "400000"]])  # the default max is 300000
def test_a_retry_min_above_the_max_is_refused_at_start(tmp_path, args):
    """Accepted, the min was silently ignored: every retry waited the max, 10 attempts in a second."""
    from helpers import run_cli, free_port
    import subprocess
    try:
        r = run_cli(["serve", "--listen", "127.0.0.1:%d" % free_port(), "--db", "sqlite:" + str(tmp_path / "r.db")]
                    + args, timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("partnerd started with %r" % args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "--webhook-retry-min %s is more than --webhook-retry-max" % args[1] in r.stderr, r.stderr


# ---- registration: DNS that never answers ------------------------------------------------------

def hang_dns_server(make_server, tmp_path):  # noqa: F811
    """A server whose resolver never answers for *.hang.test (tests/fault/hangdns.c, LD_PRELOAD:
    glibc has no per-process resolv.conf, and a loopback UDP server cannot be port 53 here)."""
    import os
    import subprocess
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault", "hangdns.c")
    so = str(tmp_path / "hangdns.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", src, "-o", so, "-ldl"], check=True)
    env = {"LD_PRELOAD": so}
    if os.environ.get("PARTNERD_SANITIZED", "") not in ("", "0"):
        env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    return make_server([], env=env).start()


def test_a_host_whose_dns_never_answers_is_a_400_after_5_s_in_three_languages(make_server, tmp_path):
    import threading
    s = hang_dns_server(make_server, tmp_path)
    c = s.partner("Hang")
    body = {"WebhookUrl": "https://a.hang.test/hook", "WebhookEvents": ["test-created"]}
    got, barrier = {}, threading.Barrier(3)

    def post(locale):
        barrier.wait()
        t0 = time.time()
        got[locale] = (c.req("POST", REG, body, headers={"X-Locale": locale}), time.time() - t0)

    threads = [threading.Thread(target=post, args=(lc,)) for lc in ("en-US", "zh-CN", "de-DE")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    words = {"en-US": "could not be resolved in 5 s", "zh-CN": "未能在 5 秒内解析", "de-DE": "innerhalb von 5 s"}
    for locale, (r, took) in got.items():
        j = assert_error(r, 400, field="WebhookUrl")
        assert "a.hang.test" in j["description"] and words[locale] in j["description"], j
        assert 4.5 < took < 10 + 5 * SLOW, "answered after %.1f s" % took  # 5 s each on a pool of 2
    assert_error(c.get(REG), 404)
    t0 = time.time()
    register(c, "https://93.184.216.34/hook")  # a literal needs no resolver: taken at once
    assert time.time() - t0 < 2 * SLOW


def test_resolutions_in_flight_are_capped_past_it_503_with_retry_after(make_server, tmp_path):
    import threading
    s = hang_dns_server(make_server, tmp_path)
    clients = [s.partner("Cap %d" % i) for i in range(10)]
    barrier, got = threading.Barrier(len(clients)), []

    def post(i):
        barrier.wait()
        got.append(clients[i].req("POST", REG, {"WebhookUrl": "https://n%d.hang.test/" % i,
                                                "WebhookEvents": ["test-created"]}))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(r.status for r in got)
    assert statuses == [400] * 4 + [503] * 6, statuses  # 4 resolved at most at once, never a thread more
    busy = [r for r in got if r.status == 503]
    for r in busy:
        j = assert_error(r, 503, field="WebhookUrl")
        assert "4 host names" in j["description"], j
        assert r.h("Retry-After") == "5", r.headers
    # the 4 given up on still wait for the resolver: another name is told at once, a literal is taken
    t0 = time.time()
    assert_error(clients[0].req("POST", REG, {"WebhookUrl": "https://late.hang.test/",
                                              "WebhookEvents": ["test-created"]}), 503, field="WebhookUrl")
    assert time.time() - t0 < 2 * SLOW
    register(clients[1], "https://93.184.216.34/hook")


# ---- registration: --public-url is partnerd's own address too ----------------------------------

@pytest.mark.parametrize("public,url", [("https://93.184.216.34:8443/", "https://93.184.216.34/hook"),
                                        ("https://partnerd.invalid", "https://PARTNERD.invalid:9443/x")])
def test_the_public_urls_host_is_refused_by_address_and_by_name_unless_allow_private(make_server, public, url):
    s = make_server(["--public-url", public]).start()
    c = s.partner("Own public")
    body = {"WebhookUrl": url, "WebhookEvents": ["test-created"]}
    j = assert_error(c.req("POST", REG, body), 400, field="WebhookUrl")
    assert "partnerd's own" in j["description"] and "--webhook-allow-private" in j["description"], j
    assert_error(c.get(REG), 404)
    if "93.184" in url:
        register(s.partner("Other public"), "https://93.184.216.35/hook")  # a neighbour is not partnerd
    ok = make_server(["--public-url", public, "--webhook-allow-private"]).start()
    if "93.184" in url:
        register(ok.partner("Allowed"), url)
