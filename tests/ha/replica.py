"""replica.py - a throwaway PostgreSQL 15 primary and one streaming standby for the read-replica
tests (tests/ha/test_replicas.py): initdb for the primary, `pg_basebackup -R` for the standby
(hot_standby, streaming from the primary), each on its own loopback port, all under one
temporary directory that close() removes whatever happened.  As root (as the tests run here)
every postgres process runs as the unprivileged `postgres` user, as in cluster.py."""
import os
import shutil
import signal
import subprocess
import time

from cluster import PGBIN, free_port, postgres_tmpdir, postmaster_pids

DBNAME = "partnerd"


class Replicated:
    def __init__(self):
        self.dir, self.root = postgres_tmpdir("pd-rep-")
        self.ports = {"primary": free_port(), "standby": free_port()}

    def _run(self, args, timeout=120):
        kw = dict(user="postgres", group="postgres", extra_groups=[]) if self.root else {}
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=self.dir,
                           env={k: v for k, v in os.environ.items() if not k.startswith("PG")}, **kw)
        assert r.returncode == 0, "%s: exit %d\n%s" % (args[0], r.returncode, (r.stdout + r.stderr)[-3000:])
        return r.stdout

    def pgdata(self, name):
        return os.path.join(self.dir, name)

    def pg_ctl(self, name, *args):
        return self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.pgdata(name)] + list(args))

    def start_node(self, name):
        self.pg_ctl(name, "-l", os.path.join(self.dir, name + ".log"), "-w", "-t", "60", "-o",
                    "-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200 -c shared_buffers=32MB "
                    "-c fsync=off -c hot_standby=on -c wal_receiver_status_interval=1s"
                    % (self.ports[name], self.dir), "start")

    def start(self):
        self._run([os.path.join(PGBIN, "initdb"), "-D", self.pgdata("primary"), "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        self.start_node("primary")
        self.psql("primary", "postgres", "CREATE DATABASE " + DBNAME)
        self._run([os.path.join(PGBIN, "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.ports["primary"]),
                   "-U", "postgres", "-D", self.pgdata("standby"), "-R", "-X", "stream", "-c", "fast"])
        self.start_node("standby")
        self.wait(lambda: self.psql("standby", "postgres", "SELECT pg_is_in_recovery()", check=False) == "t",
                  30, "the standby to accept reads")
        self.wait(lambda: self.psql("primary", "postgres", "SELECT count(*) FROM pg_stat_replication"
                                    " WHERE state = 'streaming'", check=False) == "1", 30, "streaming")
        return self

    def close(self):
        for name in ("standby", "primary"):
            self.signal(name, signal.SIGCONT)
            if os.path.exists(os.path.join(self.pgdata(name), "postmaster.pid")):
                try:
                    self.pg_ctl(name, "-m", "immediate", "-w", "-t", "20", "stop")
                except AssertionError:
                    self.signal(name, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.ports[name], DBNAME)

    def psql(self, name, db, sql, timeout=30, check=True):
        r = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(self.ports[name]), "-U", "postgres", "-d", db, "-c", sql],
                           capture_output=True, text=True, timeout=timeout, env=dict(os.environ, PGCONNECT_TIMEOUT="3"))
        if check and r.returncode != 0:
            raise AssertionError("psql on %s: %s" % (name, r.stderr))
        return r.stdout.strip() if r.returncode == 0 else None

    def wait(self, cond, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %s" % what)

    # ---- replay ----------------------------------------------------------------------------
    def caught_up(self):
        """The standby has replayed everything the primary has written so far."""
        lsn = self.psql("primary", "postgres", "SELECT pg_current_wal_lsn()")
        self.wait(lambda: self.psql("standby", "postgres", "SELECT pg_last_wal_replay_lsn() >= '%s'" % lsn,
                                    check=False) == "t", 30, "the standby to replay %s" % lsn)

    def pause_replay(self):
        self.psql("standby", "postgres", "SELECT pg_wal_replay_pause()")
        self.wait(lambda: self.psql("standby", "postgres", "SELECT pg_get_wal_replay_pause_state()") == "paused",
                  10, "replay to pause")

    def resume_replay(self):
        self.psql("standby", "postgres", "SELECT pg_wal_replay_resume()")

    # ---- breaking it -----------------------------------------------------------------------
    def postgres_pids(self, name):
        """The node's postmaster and its children."""
        return postmaster_pids(self.pgdata(name))

    def signal(self, name, sig):
        pids = self.postgres_pids(name)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        return pids
