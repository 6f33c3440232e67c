"""Shared helpers for the black-box API tests: start/stop partnerd, create partners, talk HTTP.

Standard library only. The binary comes from $PARTNERD_BIN (default build/partnerd);
$PARTNERD_SANITIZED=1 stretches every timeout for the slower ASan/UBSan build."""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(os.path.join(ROOT, os.environ.get("PARTNERD_BIN", "build/partnerd")))
SANITIZED = os.environ.get("PARTNERD_SANITIZED", "") not in ("", "0")
SLOW = 3.0 if SANITIZED else 1.0
SUFFIX = "partner.onmschina.cn"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID_ANYCASE_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# PARTNERD_TEST_DB=postgresql: every server gets a new database in the cluster at
# PARTNERD_TEST_PG_BASE (tests/pg/with-postgres.sh), dropped at cleanup; else a SQLite file.
PG_BASE = os.environ.get("PARTNERD_TEST_PG_BASE", "")
ON_PG = os.environ.get("PARTNERD_TEST_DB", "") == "postgresql"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error", "ThreadSanitizer",
                   "UndefinedBehaviorSanitizer")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(db, sql):
    """Runs sql with psql on a postgresql:// URL; stdout (unaligned, tuples only)."""
    r = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", db, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, "psql: %s" % r.stderr
    return r.stdout


def new_pg_db():
    """A new, empty database in the test cluster; its URL."""
    assert PG_BASE, "PARTNERD_TEST_DB=postgresql needs PARTNERD_TEST_PG_BASE (tests/pg/with-postgres.sh)"
    name = "pdt_" + uuid.uuid4().hex[:16]
    psql(PG_BASE + "/postgres", "CREATE DATABASE " + name)
    return PG_BASE + "/" + name


def drop_pg_db(db):
    if db.startswith("postgresql://") and PG_BASE and db.startswith(PG_BASE + "/"):
        psql(PG_BASE + "/postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % db.rsplit("/", 1)[1])


def db_update(db, sql):
    """Runs one UPDATE/DELETE outside partnerd on either backend; the rows it changed."""
    if db.startswith("postgresql://"):
        out = psql(db, sql + " RETURNING 1")
        return len([ln for ln in out.splitlines() if ln.strip() == "1"])
    import sqlite3
    conn = sqlite3.connect(db[len("sqlite:"):], timeout=10)
    try:
        with conn:
            return conn.execute(sql).rowcount
    finally:
        conn.close()


def uniq(prefix="t"):
    """A unique domain prefix: ASCII letters/digits only, at most 27 characters."""
    return (prefix + uuid.uuid4().hex)[:24]


def sanitizer_lines(text):
    return [ln for ln in text.splitlines() if any(m in ln for m in SANITIZER_MARKS)]


def run_cli(args, timeout=30):
    r = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout * SLOW)
    bad = sanitizer_lines(r.stderr)
    assert not bad, "sanitizer findings in `partnerd %s`:\n%s" % (" ".join(args), r.stderr[-4000:])
    return r


class Resp:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.raw = status, reason, headers, body
        self.text = body.decode("utf-8", "replace")
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def h(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<Resp %s %s>" % (self.status, self.raw[:400])


def http_request(port, method, path, body=None, headers=None, timeout=20, source=None):
    """One request on a fresh connection; `body` may be bytes, str or None; `source` is an
    optional loopback address to connect from (the server sees it as the client's address)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout * SLOW,
                                   source_address=(source, 0) if source else None)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        c.request(method, path, body, headers or {})
        r = c.getresponse()
        data = r.read()
        return Resp(r.status, r.reason, r.getheaders(), data)
    finally:
        c.close()


def get_token(port, username, password):
    r = token_request(port, {"grant_type": "password", "username": username, "password": password})
    assert r.status == 200, "token endpoint: %r" % (r,)
    return r.json["access_token"]


def token_request(port, fields, content_type="application/x-www-form-urlencoded", source=None,
                  headers=None):
    body = urllib.parse.urlencode(fields) if isinstance(fields, dict) else fields
    h = {"Content-Type": content_type}
    h.update(headers or {})
    return http_request(port, "POST", "/oauth2/token", body, h, source=source)


class Client:
    """A partner's (or an anonymous) HTTP client for one server."""

    def __init__(self, port, token=None, info=None):
        self.port, self.token, self.info = port, token, info or {}

    def req(self, method, path, body=None, headers=None, raw=None, content_type=None):
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if data is not None:
            h["Content-Type"] = content_type or "application/json"
        h.update(headers or {})
        return http_request(self.port, method, path, data, h)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def create(self, body, headers=None):
        return self.req("POST", "/v1/customers", body, headers=headers)

    def create_ok(self, body, headers=None):
        r = self.create(body, headers)
        assert r.status == 201, r
        return r.json

    def list_all(self, size=500, query=""):
        """Every item of the caller's customer list (following continuation tokens)."""
        items, hdrs = [], {}
        path = "/v1/customers?size=%d%s" % (size, query)
        for _ in range(1000):
            r = self.get(path, headers=hdrs)
            assert r.status == 200, r
            items += r.json["items"]
            tok = r.json.get("continuationToken")
            if not tok:
                return items
            hdrs = {"MS-ContinuationToken": tok}
            path = "/v1/customers?size=%d&seekOperation=Next%s" % (size, query)
        raise AssertionError("paging does not end")

    def count(self):
        return len(self.list_all())


class Server:
    """One partnerd process on a free loopback port with its own temporary store."""

    def __init__(self, args=(), db=None, workdir=None, env=None):
        self.env = dict(os.environ, **(env or {}))
        self.dir = workdir or tempfile.mkdtemp(prefix="pdtest")
        self.own_db = db is None and ON_PG
        self.db = db or (new_pg_db() if ON_PG else "sqlite:" + os.path.join(self.dir, "p.db"))
        self.args = list(args)
        self.proc = None
        self.port = None
        self.starts = 0
        self.rc = None

    @property
    def out_path(self):
        return os.path.join(self.dir, "stdout.%d" % self.starts)

    @property
    def err_path(self):
        return os.path.join(self.dir, "stderr.%d" % self.starts)

    def start(self):
        self.starts += 1
        self.port = free_port()
        self.rc = None
        out, err = open(self.out_path, "wb"), open(self.err_path, "wb")
        cmd = [BIN, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", self.db] + self.args
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=self.dir, env=self.env)
        out.close()
        err.close()
        deadline = time.time() + 15 * SLOW
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("partnerd exited with %s at start:\n%s"
                                     % (self.proc.returncode, self.stderr()[-3000:]))
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.03)
        self.proc.kill()
        raise AssertionError("partnerd did not listen on %d:\n%s" % (self.port, self.stderr()[-3000:]))

    def stdout(self, n=None):
        with open(os.path.join(self.dir, "stdout.%d" % (n or self.starts)), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self, n=None):
        with open(os.path.join(self.dir, "stderr.%d" % (n or self.starts)), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, timeout=30):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return self.rc
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.rc = None
                self.proc = None
                return None
        self.rc = self.proc.returncode
        self.proc = None
        return self.rc

    def check_clean(self, rc):
        """The asserts of a clean stop: exit code 0, no sanitizer report in any stderr."""
        tails = []
        for n in range(1, self.starts + 1):
            try:
                text = self.stderr(n)
            except OSError:
                continue
            bad = sanitizer_lines(text)
            if bad:
                tails.append("stderr.%d:\n%s" % (n, text[-6000:]))
        assert rc == 0, "partnerd exit code %r (expected 0); stderr tail:\n%s" % (rc, self.stderr()[-4000:])
        assert not tails, "sanitizer findings:\n" + "\n".join(tails)

    def stop(self):
        """SIGTERM, wait, assert a clean exit."""
        rc = self.terminate()
        self.check_clean(rc)

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.own_db:
            drop_pg_db(self.db)
            self.own_db = False

    # ---- partners -------------------------------------------------------------------------
    def add_partner(self, name, email=None):
        email = email or "admin@%s.example.cn" % uuid.uuid4().hex[:12]
        r = run_cli(["partner", "add", "--db", self.db, "--name", name, "--admin-email", email, "--json"])
        assert r.returncode == 0, "partner add failed: %s" % r.stderr[-500:]
        return json.loads(r.stdout)

    def partner(self, name):
        info = self.add_partner(name)
        return Client(self.port, get_token(self.port, info["userName"], info["password"]), info)

    def anon(self):
        return Client(self.port)


# ---- request bodies ---------------------------------------------------------------------------
# The bodies confirm possible duplicates (issue 18): most tests create many customers with
# one company name; tests/api/test_search_cn.py drops the flag to test the check itself.
def cn_body(prefix, company="烟雾测试有限公司", **addr):
    a = {"firstName": "伟", "lastName": "王", "addressLine1": "海淀区中关村大街1号", "city": "北京",
         "state": "北京市", "postalCode": "100080", "country": "CN", "phoneNumber": "13800138000"}
    a.update(addr)
    return {"confirmDuplicates": True, "companyProfile": {"domain": "%s.%s" % (prefix, SUFFIX) if "." not in prefix else prefix},
            "billingProfile": {"email": "it@%s.cn" % prefix.split(".")[0], "culture": "zh-CN",
                               "language": "zh", "companyName": company, "firstName": "伟",
                               "lastName": "王", "defaultAddress": a}}


def us_body(prefix, company="Contoso Inc", **addr):
    a = {"firstName": "Ann", "lastName": "Lee", "addressLine1": "1 Microsoft Way", "city": "Redmond",
         "state": "WA", "postalCode": "98052", "country": "US"}
    a.update(addr)
    return {"confirmDuplicates": True, "companyProfile": {"domain": "%s.%s" % (prefix, SUFFIX)},
            "billingProfile": {"email": "it@%s.com" % prefix, "culture": "en-US", "language": "en",
                               "companyName": company, "firstName": "Ann", "lastName": "Lee",
                               "defaultAddress": a}}


def de_body(prefix, company="Müller GmbH", **addr):
    a = {"firstName": "Hans", "lastName": "Müller", "addressLine1": "Hauptstraße 5", "city": "München",
         "state": "Bayern", "postalCode": "80331", "country": "DE"}
    a.update(addr)
    return {"confirmDuplicates": True, "companyProfile": {"domain": "%s.%s" % (prefix, SUFFIX)},
            "billingProfile": {"email": "it@%s.de" % prefix, "culture": "de-DE", "language": "de",
                               "companyName": company, "firstName": "Hans", "lastName": "Müller",
                               "defaultAddress": a}}


def ru_body(prefix, reg="1027700132195", phone="+7 495 123-45-67", country="RU"):
    a = {"firstName": "Ivan", "lastName": "Petrov", "addressLine1": "Tverskaya 1", "city": "Moscow",
         "state": "Moscow", "postalCode": "125009", "country": country}
    if phone is not None:
        a["phoneNumber"] = phone
    cp = {"domain": "%s.%s" % (prefix, SUFFIX)}
    if reg is not None:
        cp["organizationRegistrationNumber"] = reg
    return {"confirmDuplicates": True, "companyProfile": cp,
            "billingProfile": {"email": "it@%s.ru" % prefix, "culture": "en-US", "language": "en",
                               "companyName": "Romashka LLC", "firstName": "Ivan", "lastName": "Petrov",
                               "defaultAddress": a}}


def pascal(obj):
    """Partner Center's PascalCase spelling of a camelCase request body."""
    if isinstance(obj, dict):
        return {k[:1].upper() + k[1:]: pascal(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [pascal(v) for v in obj]
    return obj


def filt(field, value, op="starts_with"):
    return urllib.parse.quote(json.dumps({"Field": field, "Value": value, "Operator": op},
                                         ensure_ascii=False), safe="")


def assert_error(r, status, code=None, field=None, details=None):
    """An error response of the documented shape; `field` must be named in data (and details)."""
    assert r.status == status, r
    assert (r.h("Content-Type") or "").startswith("application/json"), r.headers
    j = r.json
    assert isinstance(j, dict), r
    assert isinstance(j.get("code"), int) and not isinstance(j.get("code"), bool), j
    assert isinstance(j.get("description"), str) and j["description"].strip(), j
    assert isinstance(j.get("errorName"), str) and j["errorName"], j
    assert isinstance(j.get("data"), list), j
    assert j.get("source") == "partnerd", j
    if code is not None:
        assert j["code"] == code, j
    if field is not None:
        assert field in j["data"], j
    if details is True or (details is None and field is not None and status == 400):
        assert isinstance(j.get("details"), list) and j["details"], j
        for d in j["details"]:
            assert isinstance(d.get("field"), str) and isinstance(d.get("code"), int), d
            assert isinstance(d.get("description"), str) and d["description"], d
        if field is not None:
            assert field in [d["field"] for d in j["details"]], j
    if details is False:
        assert "details" not in j, j
    return j


def has_cjk(s):
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


# ---- partner staff, apps and the activity log --------------------------------------------------
ROLES = ("global_admin", "admin_agent", "sales_agent", "helpdesk_agent", "billing_admin",
         "user_management_admin")
ISO_Z_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def fresh_source():
    """A loopback address of its own (127.x.y.z, never 127.0.0.1): sign-in failures sent from it
    do not count against the address every other test connects from."""
    b = uuid.uuid4().bytes
    return "127.%d.%d.%d" % (b[0] | 1, b[1], (b[2] % 250) + 2)


def strong_password():
    """A password the server accepts (12-256 characters, all four classes)."""
    return "Pw-" + uuid.uuid4().hex[:10] + "X!7"


def new_email(prefix="staff"):
    return "%s-%s@staff.example.cn" % (prefix, uuid.uuid4().hex[:12])


def add_user(admin, roles, email=None, display_name=None, headers=None):
    """POST /v1/users as `admin`; returns the 201 body (with passwordProfile.password)."""
    body = {"userPrincipalName": email or new_email(), "roles": list(roles)}
    if display_name is not None:
        body["displayName"] = display_name
    r = admin.req("POST", "/v1/users", body, headers=headers)
    assert r.status == 201, r
    return r.json


def sign_in(port, username, password, source=None, headers=None):
    """The token response of a password grant (asserted 200)."""
    r = token_request(port, {"grant_type": "password", "username": username, "password": password},
                      source=source, headers=headers)
    assert r.status == 200, "sign-in of %s: %r" % (username, r)
    return r.json


def change_password(client, current, new=None, headers=None):
    """POST /v1/me/password (asserted 200); returns the new password."""
    new = new or strong_password()
    r = client.req("POST", "/v1/me/password", {"currentPassword": current, "newPassword": new},
                   headers=headers)
    assert r.status == 200, r
    return new


def staff_client(admin, roles, secrets=None):
    """A partner user with `roles`, signed in, temporary password already changed.  The client's
    info has id, email, password (current), and the token; `secrets` (a list) collects every
    password and token seen."""
    u = add_user(admin, roles)
    temp = u["passwordProfile"]["password"]
    tok = sign_in(admin.port, u["userPrincipalName"], temp)
    c = Client(admin.port, tok["access_token"], {"id": u["id"], "email": u["userPrincipalName"],
                                                  "roles": list(roles)})
    pw = change_password(c, temp)
    c.info["password"] = pw
    if secrets is not None:
        secrets += [temp, pw, tok["access_token"]]
    return c


def add_app(admin, roles, name=None):
    r = admin.req("POST", "/v1/apps", {"displayName": name or "app " + uuid.uuid4().hex[:8],
                                       "roles": list(roles)})
    assert r.status == 201, r
    return r.json


def app_token_request(port, client_id, secret, source=None, headers=None):
    return token_request(port, {"grant_type": "client_credentials", "client_id": client_id,
                                "client_secret": secret}, source=source, headers=headers)


def app_client(port, client_id, secret):
    r = app_token_request(port, client_id, secret)
    assert r.status == 200, r
    return Client(port, r.json["access_token"], {"clientId": client_id})


def audit_all(client, query="", size=500, headers=None):
    """Every activity-log record the caller sees for `query` (following continuation tokens)."""
    items, hdrs = [], dict(headers or {})
    path = "/v1/auditrecords?size=%d%s" % (size, query)
    for _ in range(10000):
        r = client.get(path, headers=hdrs)
        assert r.status == 200, r
        assert r.json["attributes"]["objectType"] == "Collection", r.json
        items += r.json["items"]
        tok = r.json.get("continuationToken")
        if not tok:
            return items
        hdrs = dict(headers or {}, **{"MS-ContinuationToken": tok})
        path = "/v1/auditrecords?size=%d&seekOperation=Next" % size
    raise AssertionError("audit paging does not end")


def custom(record, key):
    """The value of customizedData's entry `key` (None if absent)."""
    for kv in record.get("customizedData") or []:
        if kv.get("key") == key:
            return kv.get("value")
    return None


def records_with_request_id(client, request_id):
    return [a for a in audit_all(client) if custom(a, "RequestId") == request_id]


# ---- paged lists --------------------------------------------------------------------------------
def walk_pages(client, path, size, headers=None):
    """Every item of a paged list, `size` a page, by following each page's links.next (its uri
    under /v1, its MS-ContinuationToken header), with the checks every page must pass: at most
    `size` items, totalCount = the page's items, the body's continuationToken = the link's
    token, and no token on the last page.  Returns (items, number of pages)."""
    items, hdrs, pages = [], dict(headers or {}), 0
    url = path + ("&" if "?" in path else "?") + "size=%d" % size
    for _ in range(10000):
        r = client.get(url, headers=hdrs)
        assert r.status == 200, r
        j = r.json
        pages += 1
        assert j["attributes"]["objectType"] == "Collection", j
        assert j["totalCount"] == len(j["items"]) <= size, j
        items += j["items"]
        nxt = j["links"].get("next")
        tok = j.get("continuationToken")
        if not tok:
            assert nxt is None and len(j["items"]) <= size, j
            return items, pages
        assert len(j["items"]) == size, j
        assert nxt["method"] == "GET" and "seekOperation=Next" in nxt["uri"], nxt
        assert nxt["headers"] == [{"key": "MS-ContinuationToken", "value": tok}], nxt
        url = "/v1" + nxt["uri"]
        hdrs = dict(headers or {}, **{"MS-ContinuationToken": tok})
    raise AssertionError("paging does not end")


def assert_page_params_refused(client, path, token_of_another_list):
    """The list at `path` refuses a bad size and any token that is not its own with a 400 naming
    the field, in the caller's language."""
    for size in ("501", "-1", "abc", "2.5", "1e3", " 5"):
        assert_error(client.get(path + "?size=" + urllib.parse.quote(size)), 400, code=3000, field="size")
    r = client.get(path + "?size=999", headers={"X-Locale": "de-DE"})
    assert_error(r, 400, field="size")
    assert "500" in r.json["description"] and r.json["description"] != client.get(path + "?size=999").json["description"]
    garbled = ["!!!", "eyJ2Ijox", "x" * 100, token_of_another_list,
               base64.urlsafe_b64encode(b'{"t":"apps","u":"","c":"x","k":"a"}').decode().rstrip("=")]
    for tok in garbled:
        r = client.get(path + "?seekOperation=Next", headers={"MS-ContinuationToken": tok})
        assert_error(r, 400, code=3000, field="MS-ContinuationToken")
        r = client.get(path + "?continuationToken=" + urllib.parse.quote(tok))
        assert_error(r, 400, code=3000, field="MS-ContinuationToken")
    assert_error(client.get(path + "?seekOperation=Next"), 400, field="MS-ContinuationToken")
    assert_error(client.get(path + "?seekOperation=Previous"), 400, field="seekOperation")


def race(*calls, late=(), delay=0.005):
    """Runs every call in its own thread, all released by one threading.Barrier; the calls of
    `late` wait `delay` seconds more, so they land while the others are in flight.  Returns the
    results of `calls` and of `late`, in order; an exception in any call is raised here."""
    import threading
    import time
    everyone = list(calls) + list(late)
    barrier = threading.Barrier(len(everyone))
    out = [None] * len(everyone)

    def run(i, f):
        barrier.wait()
        if i >= len(calls) and delay:
            time.sleep(delay)
        try:
            out[i] = f()
        except BaseException as e:  # pragma: no cover - re-raised below
            out[i] = e

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(everyone)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for v in out:
        if isinstance(v, BaseException):
            raise v
    return out[:len(calls)], out[len(calls):]

