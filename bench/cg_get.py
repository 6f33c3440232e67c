#!/usr/bin/env python3
"""Instructions per GET /v1/customers/{id} under callgrind (deterministic on a busy machine).

    python3 bench/cg_get.py [BINARY] [N]

Seeds (once) a 2,000-customer store in $CG_WORK (default /tmp/cg_get), copies it, starts
BINARY (default build/partnerd) with one loop under valgrind --tool=callgrind
--separate-threads=yes, signs in, sends 200 GETs of one customer on one kept-alive connection
to warm up, zeroes the counters of that valgrind only (callgrind_control -z PID), sends N
(default 2000) more, dumps (callgrind_control -d PID) and prints the loop thread's total / N.
The dump is kept (callgrind.out.PID-NN in $CG_WORK) for callgrind_annotate.
"""
import glob, json, os, shutil, socket, subprocess, sys, time, urllib.parse

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/partnerd")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
WORK = os.environ.get("CG_WORK", "/tmp/cg_get")
PORT = int(os.environ.get("CG_PORT", "18461"))


def seed():
    os.makedirs(WORK, exist_ok=True)
    db, meta = os.path.join(WORK, "seed.db"), os.path.join(WORK, "seed.json")
    if not os.path.exists(meta):
        out = subprocess.run([BIN, "seed", "--db", "sqlite:" + db, "--partners", "2",
                              "--customers", "2000", "--json"], stdout=subprocess.PIPE,
                             check=True).stdout
        with open(meta, "wb") as f:
            f.write(out)
    with open(meta) as f:
        return db, json.load(f)


def request(s, method, path, body=b"", headers=()):
    h = "%s %s HTTP/1.1\r\nHost: x\r\n" % (method, path)
    for k in headers:
        h += k + "\r\n"
    if body:
        h += "Content-Length: %d\r\n" % len(body)
    s.sendall(h.encode() + b"\r\n" + body)
    return read_reply(s)


def read_reply(s, buf=[b""]):
    while b"\r\n\r\n" not in buf[0]:
        buf[0] += s.recv(65536)
    head, rest = buf[0].split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, v = line.split(b":", 1)
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(rest) < n:
        rest += s.recv(65536)
    buf[0] = rest[n:]
    return int(head.split(b" ")[1]), rest[:n]


def main():
    db, meta = seed()
    run = os.path.join(WORK, "run.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(run + suffix):
            os.remove(run + suffix)
    shutil.copy(db, run)
    os.chdir(WORK)
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--separate-threads=yes", "--vgdb=yes",
                          "--dump-instr=no", BIN, "serve", "--db", "sqlite:" + run, "--listen",
                          "127.0.0.1:%d" % PORT, "--loops", "1", "--no-access-log",
                          "--rate-limit", "0"],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, "serve.err"), "w"))
    try:
        for _ in range(600):
            try:
                s = socket.create_connection(("127.0.0.1", PORT))
                break
            except OSError:
                time.sleep(0.1)
        admin = meta["admins"][0]
        st, body = request(s, "POST", "/oauth2/token", urllib.parse.urlencode(
            {"grant_type": "password", "username": admin["userName"],
             "password": admin["password"]}).encode(),
            ["Content-Type: application/x-www-form-urlencoded"])
        assert st == 200, body
        auth = ["Authorization: Bearer " + json.loads(body)["access_token"]]
        st, body = request(s, "GET", "/v1/customers?size=1", headers=auth)
        path = "/v1/customers/" + json.loads(body)["items"][0]["id"]
        for _ in range(200):
            assert request(s, "GET", path, headers=auth)[0] == 200
        for f in glob.glob("callgrind.out.%d*" % p.pid):
            os.remove(f)
        subprocess.run(["callgrind_control", "-z", str(p.pid)], check=True, stdout=subprocess.DEVNULL)
        for _ in range(N):
            assert request(s, "GET", path, headers=auth)[0] == 200
        subprocess.run(["callgrind_control", "-d", str(p.pid)], check=True, stdout=subprocess.DEVNULL)
        best = (0, None)
        for f in glob.glob("callgrind.out.%d*" % p.pid):
            with open(f) as fh:
                for line in fh:
                    if line.startswith("summary:") or line.startswith("totals:"):
                        best = max(best, (int(line.split()[1]), f), key=lambda b: b[0])
                        break
        print("%s: %.1f k instructions per GET (%d over %d GETs; %s)" % (
            BIN, best[0] / N / 1000.0, best[0], N, best[1]))
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
