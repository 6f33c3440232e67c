"""Helpers for the partnerctl tests: a real partnerd on a free loopback port with a temporary
store, partners made with `partnerd partner add`, partnerctl runs with an isolated HOME, a
plain HTTP client to check what the server holds, and CSV generators.

Standard library only. Binaries: $PARTNERCTL_BIN (default build/partnerctl) and $PARTNERD_BIN
(default build/partnerd); $PARTNERD_SANITIZED=1 stretches timeouts for the ASan/UBSan build.
Named clitools (not helpers) so that it never shadows tests/api/helpers.py."""
import csv
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CTL = os.path.abspath(os.path.join(ROOT, os.environ.get("PARTNERCTL_BIN", "build/partnerctl")))
PD = os.path.abspath(os.path.join(ROOT, os.environ.get("PARTNERD_BIN", "build/partnerd")))
SANITIZED = os.environ.get("PARTNERD_SANITIZED", "") not in ("", "0")
SLOW = 4.0 if SANITIZED else 1.0
SUFFIX = "partner.onmschina.cn"
COLUMNS = ("id,domain,companyName,email,culture,language,firstName,lastName,addressLine1,"
           "addressLine2,city,state,postalCode,country,phoneNumber,"
           "organizationRegistrationNumber,fapiaoInvoiceType,fapiaoDigital,fapiaoTitle,fapiaoTaxpayerId,"
           "fapiaoRegisteredAddress,fapiaoRegisteredPhone,fapiaoBankName,fapiaoBankAccount,"
           "fapiaoRecipientName,fapiaoRecipientMobile,fapiaoRecipientEmail,associatedPartnerId").split(",")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error", "UndefinedBehaviorSanitizer")
# Variables of the caller's environment that must not leak into a test's partnerctl.
SCRUB = ("PARTNERCTL_SERVER", "PARTNERCTL_TOKEN", "PARTNERCTL_CLIENT_SECRET", "PARTNERCTL_DOMAIN_SUFFIX",
         "XDG_CONFIG_HOME", "LC_ALL", "LC_MESSAGES", "LANG", "COLUMNS")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def uniq(prefix="t"):
    """A unique domain prefix of 20 letters and digits (row() adds 6 more: 27 at most)."""
    return (prefix + uuid.uuid4().hex)[:20]


def sanitizer_lines(text):
    return [ln for ln in text.splitlines() if any(m in ln for m in SANITIZER_MARKS)]


# ---- partnerd ---------------------------------------------------------------------------------
class Server:
    """One partnerd on a free port with its own store; stopped with SIGTERM and checked."""

    def __init__(self, env=None):
        self.dir = tempfile.mkdtemp(prefix="pctl-srv")
        self.db = "sqlite:" + os.path.join(self.dir, "p.db")
        self.env = dict(os.environ, **(env or {}))
        self.proc = self.port = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.port = free_port()
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        cmd = [PD, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", self.db, "--no-access-log"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.err, cwd=self.dir, env=self.env)
        deadline = time.time() + 15 * SLOW
        while time.time() < deadline:
            assert self.proc.poll() is None, "partnerd exited at start:\n" + self.stderr()
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.03)
        raise AssertionError("partnerd did not listen:\n" + self.stderr())

    def stderr(self):
        with open(os.path.join(self.dir, "stderr"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30 * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.proc = None
        self.err.close()
        assert rc == 0, "partnerd exit code %r:\n%s" % (rc, self.stderr()[-3000:])
        assert not sanitizer_lines(self.stderr()), self.stderr()[-6000:]

    def cleanup(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def add_partner(self, name="Test Partner"):
        email = "admin@%s.example.cn" % uuid.uuid4().hex[:12]
        r = subprocess.run([PD, "partner", "add", "--db", self.db, "--name", name, "--admin-email", email,
                            "--json"], capture_output=True, text=True, timeout=30 * SLOW)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)


# ---- partnerctl -------------------------------------------------------------------------------
class Ctl:
    """partnerctl with its own HOME (so its own config file) against one server."""

    def __init__(self, server, home=None):
        self.server = server
        self.home = home or tempfile.mkdtemp(prefix="pctl-home")
        self.env = {k: v for k, v in os.environ.items() if k not in SCRUB}
        self.env.update(HOME=self.home, LANG="C.UTF-8")
        self.info = None

    @property
    def config_path(self):
        return os.path.join(self.home, ".config", "partnerctl", "config")

    def run(self, *args, input=None, env=None, timeout=60, cwd=None):
        e = dict(self.env, **(env or {}))
        r = subprocess.run([CTL] + list(args), input=input, capture_output=True, text=True, env=e,
                           timeout=timeout * SLOW, cwd=cwd or self.home)
        assert not sanitizer_lines(r.stderr), "sanitizer findings in partnerctl %s:\n%s" % (args, r.stderr[-6000:])
        return r

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, "partnerctl %s -> %d\n%s%s" % (args, r.returncode, r.stdout[-2000:], r.stderr[-3000:])
        return r

    def login(self, info=None):
        self.info = info or self.server.add_partner()
        self.ok("login", "--server", self.server.url, "--user", self.info["userName"], "--password-stdin",
                input=self.info["password"] + "\n")
        return self

    def token(self):
        with open(self.config_path) as f:
            return json.load(f)["token"]

    def api(self):
        return Api(self.server.port, self.token())

    def popen(self, *args, **kw):
        return subprocess.Popen([CTL] + list(args), env=self.env, cwd=self.home, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **kw)


# ---- the server's view ------------------------------------------------------------------------
class Api:
    def __init__(self, port, token):
        self.port, self.token = port, token

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30 * SLOW)
        h = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        if body is not None:
            body = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        try:
            c.request(method, path, body, h)
            r = c.getresponse()
            data = r.read()
            return r.status, (json.loads(data) if data else None), dict(r.getheaders())
        finally:
            c.close()

    def customers(self):
        items, hdrs, path = [], {}, "/v1/customers?size=500"
        while True:
            st, j, _ = self.req("GET", path, headers=hdrs)
            assert st == 200, j
            items += j["items"]
            if not j.get("continuationToken"):
                return items
            hdrs = {"MS-ContinuationToken": j["continuationToken"]}
            path = "/v1/customers?size=500&seekOperation=Next"

    def domains(self):
        return sorted(c["companyProfile"]["domain"] for c in self.customers())


# ---- CSV files ---------------------------------------------------------------------------------
def row(i, tag):
    """A valid row; CN, US, DE and RU in turn, with quotes, commas and line breaks in places."""
    p = "%s%06d" % (tag, i)
    k = i % 4
    if k == 0:
        return dict(domain=p, companyName="康托索%d（北京）科技有限公司" % i, email="it@%s.cn" % p,
                    culture="zh-CN", language="zh", firstName="伟", lastName="王",
                    addressLine1="海淀区中关村大街%d号" % i, addressLine2='8层, "A"座', city="北京",
                    state="北京市", postalCode="100080", country="CN", phoneNumber="13800138000")
    if k == 1:
        return dict(domain=p, companyName="Contoso %d, Inc." % i, email="it@%s.com" % p, culture="en-US",
                    language="en", firstName="Ann", lastName="Lee", addressLine1="1 Microsoft Way",
                    city="Redmond", state="WA", postalCode="98052", country="US")
    if k == 2:
        return dict(domain=p, companyName="Müller %d GmbH" % i, email="it@%s.de" % p, culture="de-DE",
                    language="de", firstName="Hans", lastName="Müller",
                    addressLine1="Hauptstraße 5\nHinterhaus", city="München", state="Bayern",
                    postalCode="80331", country="DE")
    return dict(domain=p, companyName="Romashka %d LLC" % i, email="it@%s.ru" % p, culture="en-US",
                language="en", firstName="Ivan", lastName="Petrov", addressLine1="Tverskaya 1",
                city="Moscow", state="Moscow", postalCode="125009", country="RU",
                phoneNumber="+7 495 123-45-67", organizationRegistrationNumber="1027700132195")


def write_csv(path, rows, columns=COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def parse_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(n, division="110000"):
    """A valid unified social credit code (GB 32100-2015: authority 9, category 1, Beijing),
    the n-th of its kind: distinct codes for rows that must not look like duplicates."""
    base = "91" + division + "%09d" % n
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(base, USCC_WEIGHTS))
    return base + USCC_ALPHABET[(31 - s % 31) % 31]

