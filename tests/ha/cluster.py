"""cluster.py - a throwaway pg_auto_failover formation for the HA tests: a monitor and two
PostgreSQL 15 nodes (a primary and a synchronous standby), each a `pg_autoctl run` on its own
loopback port, all under one temporary directory that close() removes, whatever happened.

Run as root (as the tests are here), every pg_autoctl and postgres process runs as the
unprivileged `postgres` user (postgres refuses root), as tests/pg/with-postgres.sh does; its
configuration and state (XDG_CONFIG_HOME, XDG_DATA_HOME, HOME) stay in the directory too.
Every process is started in a session of its own so that close() can end the whole tree."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
AUTOCTL = shutil.which("pg_autoctl") or "/usr/bin/pg_autoctl"
DBNAME = "partnerd"
# The monitor's health checks, faster than the defaults (5 s period, 20 s to be unhealthy) so
# that a failover takes seconds in the test; docs/deploy.md gives the production figures.
MONITOR_GUCS = {
    "pgautofailover.health_check_period": "1000",
    "pgautofailover.health_check_timeout": "1000",
    "pgautofailover.health_check_max_retries": "1",
    "pgautofailover.health_check_retry_delay": "500",
    "pgautofailover.node_considered_unhealthy_timeout": "3000",
    "pgautofailover.primary_demote_timeout": "5000",
}


def postgres_tmpdir(prefix):
    """A new temporary directory the postgres user owns when we run as root (postgres refuses
    to run as root): (its path, whether we are root)."""
    root = os.getuid() == 0
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    if root:
        pw = pwd.getpwnam("postgres")
        os.chown(d, pw.pw_uid, pw.pw_gid)
    return d, root


def postmaster_pids(pgdata):
    """The postmaster of the cluster in `pgdata` and its children (from postmaster.pid and /proc)."""
    try:
        with open(os.path.join(pgdata, "postmaster.pid")) as f:
            pm = int(f.readline())
    except (OSError, ValueError):
        return []
    pids = [pm]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pm:
                pids.append(int(d))
    return pids


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    def __init__(self):
        self.dir, self.root = postgres_tmpdir("pd-ha-")
        os.makedirs(os.path.join(self.dir, "run"), 0o700)
        if self.root:
            pw = pwd.getpwnam("postgres")
            os.chown(os.path.join(self.dir, "run"), pw.pw_uid, pw.pw_gid)
        self.monitor_port = free_port()
        self.ports = [free_port(), free_port()]
        self.procs = {}          # name -> Popen of `pg_autoctl run`
        self.logs = []

    # ---- processes ---------------------------------------------------------------------------
    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(HOME=self.dir, XDG_CONFIG_HOME=os.path.join(self.dir, "config"),
                   XDG_DATA_HOME=os.path.join(self.dir, "data"),
                   XDG_RUNTIME_DIR=os.path.join(self.dir, "run"), PG_CONFIG=os.path.join(PGBIN, "pg_config"),
                   PATH=PGBIN + ":" + env.get("PATH", "/usr/bin:/bin"))
        return env

    def _user(self):
        return dict(user="postgres", group="postgres", extra_groups=[]) if self.root else {}

    def autoctl(self, *args, timeout=120, check=True):
        r = subprocess.run([AUTOCTL] + list(args), env=self._env(), cwd=self.dir, capture_output=True,
                           text=True, timeout=timeout, **self._user())
        if check and r.returncode != 0:
            raise AssertionError("pg_autoctl %s: exit %d\n%s" % (" ".join(args), r.returncode,
                                                                 (r.stdout + r.stderr)[-4000:]))
        return r

    def pgdata(self, name):
        return os.path.join(self.dir, name)

    def _spawn(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen([AUTOCTL] + args, env=self._env(), cwd=self.dir, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True, **self._user())
        log.close()

    def monitor_uri(self):
        return "postgres://autoctl_node@127.0.0.1:%d/pg_auto_failover?sslmode=disable" % self.monitor_port

    def node_name(self, i):
        return "node%d" % (i + 1)

    def create_node(self, i):
        name = self.node_name(i)
        self._spawn(name, ["create", "postgres", "--pgdata", self.pgdata(name), "--pgport", str(self.ports[i]),
                           "--pgctl", os.path.join(PGBIN, "pg_ctl"), "--hostname", "127.0.0.1",
                           "--listen", "127.0.0.1", "--name", name, "--dbname", DBNAME, "--auth", "trust",
                           "--no-ssl", "--monitor", self.monitor_uri(), "--run"])

    def start_monitor(self, attempt):
        name = "monitor" if attempt == 0 else "monitor%d" % attempt
        self._spawn(name, ["create", "monitor", "--pgdata", self.pgdata(name),
                           "--pgport", str(self.monitor_port), "--pgctl", os.path.join(PGBIN, "pg_ctl"),
                           "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--run"])
        self.wait(lambda: self._monitor_ready(), 20, "the monitor to accept connections")

    def start(self):
        # Now and then `pg_autoctl create monitor` sleeps (pselect) before writing a single
        # line; a second one, on another port and directory, starts (cause not found yet).
        try:
            self.start_monitor(0)
        except AssertionError:
            self.monitor_port = free_port()
            self.start_monitor(1)
        sql = "".join("ALTER SYSTEM SET %s = %s;" % kv for kv in MONITOR_GUCS.items())
        self.psql(self.monitor_port, "pg_auto_failover", sql + "SELECT pg_reload_conf()")
        self.create_node(0)
        self.wait(lambda: self.states().get(self.ports[0]) == ("single", "single"), 90, "node1 to be single")
        self.create_node(1)
        # pg_basebackup waits for a spread checkpoint (minutes); ask node1 for an immediate one
        self.wait(lambda: self._checkpoint(self.ports[0]) and self.states().get(self.ports[1], ("",))[0]
                  not in ("", "wait_standby"), 60, "node2 to start its base backup")
        self.wait(lambda: self.states() == {self.ports[0]: ("primary", "primary"),
                                            self.ports[1]: ("secondary", "secondary")},
                  120, "node1 primary and node2 secondary")
        return self

    def close(self):
        # SIGTERM (after SIGCONT, for a frozen node): pg_autoctl stops its postgres and removes
        # its SysV semaphore; SIGKILL only for one that does not exit within 10 s
        for name, p in self.procs.items():
            for sig in (signal.SIGCONT, signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    break
                if sig == signal.SIGCONT:
                    continue
                try:
                    p.wait(10)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for name in ("monitor", "monitor1", "node1", "node2"):
            for pid in self.postgres_pids(name):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- looking at it ------------------------------------------------------------------------
    def psql(self, port, db, sql, timeout=30, check=True):
        r = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(port), "-U", "postgres", "-d", db, "-f", "-"],
                           input=sql, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, PGCONNECT_TIMEOUT="3"))
        if check and r.returncode != 0:
            raise AssertionError("psql on %d: %s" % (port, r.stderr))
        return r.stdout.strip() if r.returncode == 0 else None

    def _monitor_ready(self):
        try:
            return self.psql(self.monitor_port, "pg_auto_failover",
                             "SELECT count(*) FROM pgautofailover.formation", check=False) is not None
        except subprocess.TimeoutExpired:
            return False

    def _checkpoint(self, port):
        self.psql(port, "postgres", "CHECKPOINT", check=False)
        return True

    def states(self):
        """{port: (reported state, goal state)} of the data nodes, as the monitor has them."""
        try:
            out = self.psql(self.monitor_port, "pg_auto_failover",
                            "SELECT nodeport, reportedstate, goalstate FROM pgautofailover.node", check=False)
        except subprocess.TimeoutExpired:
            return {}
        rows = [ln.split("|") for ln in (out or "").splitlines() if ln]
        return {int(p): (r, g) for p, r, g in rows}

    def primary_port(self):
        """The node that takes writes: primary, or wait_primary while its standby is away."""
        for port, (rep, goal) in self.states().items():
            if rep == goal and rep in ("primary", "wait_primary"):
                return port
        return None

    def wait(self, cond, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.2)
        raise AssertionError("timed out waiting for %s; states %r\n%s" % (what, self.states(), self.log_tails()))

    def log_tails(self):
        out = ["%s: pid %d, %s" % (n, p.pid, "running" if p.poll() is None else "exit %s" % p.returncode)
               for n, p in self.procs.items()]
        for name in self.procs:
            try:
                with open(os.path.join(self.dir, name + ".log"), "rb") as f:
                    out.append("--- %s.log\n%s" % (name, f.read()[-3000:].decode("utf-8", "replace")))
            except OSError:
                pass
        return "\n".join(out)

    def url(self):
        """partnerd's multi-host URL: whichever node accepts writes."""
        return "postgresql://postgres@%s/%s?target_session_attrs=read-write" % (
            ",".join("127.0.0.1:%d" % p for p in self.ports), DBNAME)

    # ---- breaking it ---------------------------------------------------------------------------
    def postgres_pids(self, name):
        """The postmaster of node `name` and its children."""
        return postmaster_pids(self.pgdata(name))

    def node_of_port(self, port):
        return self.node_name(self.ports.index(port))

    def kill_node(self, port):
        """SIGKILL the node's postgres (postmaster and every backend), its pg_autoctl frozen
        (SIGSTOP) first so that it does not start postgres again at once: the node is lost
        as a machine is.  restart_node() lets pg_autoctl go on."""
        name = self.node_of_port(port)
        pids = self.postgres_pids(name)
        os.killpg(self.procs[name].pid, signal.SIGSTOP)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return pids

    def restart_node(self, port):
        """The node's pg_autoctl goes on (SIGCONT): it finds postgres gone and starts it again."""
        os.killpg(self.procs[self.node_of_port(port)].pid, signal.SIGCONT)

    def signal_postgres(self, port, sig):
        """Sends sig (SIGSTOP, SIGCONT) to the node's postgres processes; its pg_autoctl keeps running."""
        pids = self.postgres_pids(self.node_of_port(port))
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        return pids
