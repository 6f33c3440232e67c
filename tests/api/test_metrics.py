"""GET /metrics on --metrics-listen (issue 21): Prometheus's text format, checked by promtool and
scraped by a real Prometheus server; counters exact under concurrent requests."""
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

from helpers import ON_PG, SLOW, Server, free_port, http_request, token_request, uniq, us_body

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
need_prometheus = pytest.mark.skipif(not (PROMETHEUS and PROMTOOL),
                                     reason="Debian's prometheus package (tools/deps.sh test)")


def scrape(port):
    r = http_request(port, "GET", "/metrics")
    assert r.status == 200, r
    assert r.h("Content-Type").startswith("text/plain; version=0.0.4"), r.h("Content-Type")
    return r.text


def value(text, name, **labels):
    """The sample of `name` whose labels include `labels`; None if there is none."""
    for line in text.splitlines():
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(4))
    return None


@pytest.fixture
def metered(make_server):
    mport = free_port()
    s = make_server(["--metrics-listen", "127.0.0.1:%d" % mport, "--rate-limit", "1"]).start()
    deadline = time.time() + 10 * SLOW
    while "metrics on" not in s.stdout() and time.time() < deadline:
        time.sleep(0.05)
    s.mport = mport
    return s


@need_prometheus
def test_metrics_are_exact_under_concurrency_and_pass_promtool(metered):
    s = metered
    barrier, n = threading.Barrier(8), 25

    def hit():
        barrier.wait()
        for _ in range(n):
            assert http_request(s.port, "GET", "/healthz").status == 200

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    partner = s.partner("Metrics")
    inserts_before = value(scrape(s.mport), "partnerd_store_calls_total", op="customer_insert", result="ok") or 0
    statuses = [partner.create(us_body(uniq("m"))).status for _ in range(6)]
    assert 201 in statuses and 429 in statuses, statuses
    assert http_request(s.port, "GET", "/no/such/thing").status == 404
    text = scrape(s.mport)
    assert value(text, "partnerd_http_requests_total", route="/healthz", method="GET", status="200") == 8 * n
    assert value(text, "partnerd_http_request_duration_seconds_count", route="/healthz", method="GET") == 8 * n
    assert value(text, "partnerd_http_request_duration_seconds_bucket", route="/healthz", method="GET",
                 le="+Inf") == 8 * n
    assert value(text, "partnerd_http_requests_total", route="/v1/customers", method="POST",
                 status="201") == statuses.count(201)
    assert value(text, "partnerd_rate_limited_total") == statuses.count(429)
    # no path in a label: what matched no route is one series
    assert value(text, "partnerd_http_requests_total", route="unmatched", status="404") == 1
    assert "/no/such/thing" not in text
    assert value(text, "partnerd_writer_batch_size_count") >= statuses.count(201)
    assert value(text, "partnerd_writer_commit_seconds_count") >= 1
    assert value(text, "partnerd_writer_queue_depth") == 0
    assert value(text, "partnerd_http_requests_in_flight") == 0
    assert value(text, "partnerd_http_open_connections") >= 0
    # the store's entry points: every create that answered 201 made one customer_insert call
    inserts = value(text, "partnerd_store_calls_total", op="customer_insert", result="ok")
    assert inserts - inserts_before == statuses.count(201), (inserts_before, inserts, statuses)
    assert value(text, "partnerd_store_calls_total", op="customer_insert", result="error") == 0
    assert value(text, "partnerd_store_call_duration_seconds_count", op="customer_insert") == inserts
    assert value(text, "partnerd_store_call_duration_seconds_bucket", op="customer_insert", le="+Inf") == inserts
    assert value(text, "partnerd_store_call_duration_seconds_sum", op="customer_insert") > 0
    assert value(text, "partnerd_store_calls_total", op="partner_count", result="ok") >= 8 * n  # /healthz
    # SQLite: token lookups are cached per event loop (src/http/auth.c), so at least one;
    # PostgreSQL asks the store on every request
    assert value(text, "partnerd_store_calls_total", op="token_lookup", result="ok") >= (6 if ON_PG else 1)
    assert value(text, "partnerd_store_calls_total", op="reseller_end", result="ok") is None, "never called: no series"
    assert re.search(r'^partnerd_build_info\{version="[^"]+"\} 1$', text, re.M)
    assert abs(value(text, "process_start_time_seconds") - time.time()) < 120
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_sign_in_throttling_is_counted(metered):
    s = metered
    name = uniq("nobody") + "@example.com"
    seen = []
    for _ in range(12):
        seen.append(token_request(s.port, {"grant_type": "password", "username": name, "password": "wrong"}).status)
        if seen[-1] == 429:
            break
    assert 429 in seen, seen
    text = scrape(s.mport)
    assert value(text, "partnerd_signin_throttled_total") == seen.count(429)
    assert value(text, "partnerd_http_requests_total", route="/oauth2/token", status="429") == seen.count(429)


def test_metrics_stay_off_the_api_and_off_by_default(metered, make_server):
    s = metered
    assert http_request(s.port, "GET", "/metrics").status == 404
    assert http_request(s.mport, "GET", "/v1/customers").status == 404
    assert http_request(s.mport, "GET", "/metrics?x=1").status == 404
    assert http_request(s.mport, "POST", "/metrics", "").status in (404, 405, 501)
    plain = make_server().start()
    assert "metrics" not in plain.stdout()


def test_a_metrics_address_in_use_stops_the_start(make_server):
    taken = make_server().start()
    s = Server(["--metrics-listen", "127.0.0.1:%d" % taken.port])
    try:
        with pytest.raises(AssertionError, match="cannot listen on --metrics-listen .*in use"):
            s.start()
        assert s.proc.wait(10) == 1
    finally:
        s.cleanup()


def prom_query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


@need_prometheus
def test_a_real_prometheus_scrapes_the_series(metered, tmp_path):
    s = metered
    for _ in range(3):
        assert http_request(s.port, "GET", "/healthz").status == 200
    pport = free_port()
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                   "  - job_name: partnerd\n    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % s.mport)
    log = open(str(tmp_path / "prometheus.log"), "wb")
    p = subprocess.Popen([PROMETHEUS, "--config.file", str(cfg), "--storage.tsdb.path", str(tmp_path / "tsdb"),
                          "--web.listen-address", "127.0.0.1:%d" % pport], stdout=log, stderr=log)
    try:
        found, deadline = [], time.time() + 25
        while time.time() < deadline and not found:
            time.sleep(0.5)
            try:
                res = prom_query(pport, "partnerd_http_requests_total")
            except OSError:
                continue
            found = [x["metric"] for x in res["data"]["result"]
                     if x["metric"].get("route") == "/healthz" and x["metric"].get("status") == "200"]
        assert found, open(str(tmp_path / "prometheus.log")).read()[-2000:]
        m = found[0]
        assert m["method"] == "GET" and m["job"] == "partnerd" and m["instance"] == "127.0.0.1:%d" % s.mport
        up = prom_query(pport, 'up{job="partnerd"}')["data"]["result"]
        assert up and up[0]["value"][1] == "1"
        info = prom_query(pport, "partnerd_build_info")["data"]["result"]
        assert info and info[0]["metric"]["version"]
        calls = prom_query(pport, 'partnerd_store_calls_total{op="partner_count",result="ok"}')["data"]["result"]
        assert calls and float(calls[0]["value"][1]) >= 3, calls
        took = prom_query(pport, 'partnerd_store_call_duration_seconds_count{op="partner_count"}')["data"]["result"]
        assert took and float(took[0]["value"][1]) >= 3, took
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
    assert os.path.isdir(str(tmp_path / "tsdb"))
