#!/bin/sh
# make test-package: builds the Debian package in a scratch copy of the tree (build/package/),
# checks it (lintian without errors, systemd-analyze verify on the installed unit, the files
# `make install` promises), unpacks it into a scratch root and starts the installed partnerd
# with a settings file in /etc/default/partnerd's form on a free loopback port: /healthz must
# answer, and the installed partnerctl and manual pages must be there.
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
work=$top/build/package
version=$(sed -n '1s/^partnerd (\([^)]*\)).*/\1/p' debian/changelog)
rm -rf "$work"
mkdir -p "$work/partnerd-$version"
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }

# 1. the .deb, from a copy of the working tree (without build/ and .git)
tar --exclude=./build --exclude=./.git --exclude=./tests/e2e/node_modules -cf - . |
	tar -xf - -C "$work/partnerd-$version"
(cd "$work/partnerd-$version" && dpkg-buildpackage -us -uc -b -j2 >"$work/build.log" 2>&1) ||
	{ tail -40 "$work/build.log"; fail "dpkg-buildpackage"; }
deb=$(ls "$work"/partnerd_"$version"_*.deb)
echo "test-package: built $(basename "$deb")"

# 2. lintian: no errors (warnings are printed)
lintian --fail-on error --suppress-tags-from-file /dev/null "$deb" >"$work/lintian.log" 2>&1 ||
	{ cat "$work/lintian.log"; fail "lintian reports errors"; }
sed 's/^/  lintian: /' "$work/lintian.log"

# 3. the files, unpacked into a scratch root
root=$work/root
dpkg -x "$deb" "$root"
for f in usr/sbin/partnerd usr/bin/partnerctl usr/share/man/man8/partnerd.8.gz \
	usr/share/man/man1/partnerctl.1.gz usr/share/bash-completion/completions/partnerctl \
	lib/systemd/system/partnerd.service etc/default/partnerd; do
	[ -e "$root/$f" ] || fail "the package lacks /$f"
done
dpkg-deb -f "$deb" Depends | grep -q libsqlite3 || fail "no shared-library dependencies"
dpkg-deb --ctrl-tarfile "$deb" | tar -tf - | grep -q conffiles || fail "/etc/default/partnerd is no conffile"
"$root/usr/bin/partnerctl" --version >/dev/null || fail "the installed partnerctl does not run"
"$root/usr/sbin/partnerd" --man | grep -q 'metrics\\-listen' || fail "partnerd's manual lacks --metrics-listen"

# 4. the unit: systemd-analyze accepts it (ExecStart's binary in the scratch root)
unit=$root/lib/systemd/system/partnerd.service
grep -q '^ExecStart=/usr/sbin/partnerd serve$' "$unit" || fail "ExecStart is not /usr/sbin/partnerd"
grep -q '^EnvironmentFile=-/etc/default/partnerd$' "$unit" || fail "the unit does not read /etc/default/partnerd"
sed "s|^ExecStart=/usr/sbin/partnerd|ExecStart=$root/usr/sbin/partnerd|" "$unit" >"$work/partnerd.service"
SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$work/partnerd.service" >"$work/verify.log" 2>&1 ||
	{ cat "$work/verify.log"; fail "systemd-analyze verify"; }
if grep -v 'Failed to .*\(connect\|bus\)' "$work/verify.log" | grep -q .; then
	cat "$work/verify.log"
	fail "systemd-analyze verify has findings"
fi
echo "test-package: systemd-analyze verify accepts the unit"

# 5. `make install` with DESTDIR and the default PREFIX
make --no-print-directory -s install DESTDIR="$work/staged" >/dev/null
for f in usr/local/sbin/partnerd usr/local/bin/partnerctl usr/local/share/man/man8/partnerd.8 \
	usr/local/share/man/man1/partnerctl.1 usr/local/share/bash-completion/completions/partnerctl \
	usr/local/lib/systemd/system/partnerd.service etc/default/partnerd; do
	[ -e "$work/staged/$f" ] || fail "make install lacks /$f"
done
grep -q '^ExecStart=/usr/local/sbin/partnerd serve$' "$work/staged/usr/local/lib/systemd/system/partnerd.service" ||
	fail "make install's unit does not start /usr/local/sbin/partnerd"

# 6. the installed partnerd, started as the unit would: the package's defaults file, then a
#    deployment's settings in the same form, read by a shell as systemd's EnvironmentFile= is
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
state=$work/state
mkdir -p "$state"
conf=$work/default-partnerd
cp "$root/etc/default/partnerd" "$conf"
cat >>"$conf" <<EOF
PARTNERD_LISTEN=127.0.0.1:$port
PARTNERD_DB=sqlite:$state/partnerd.db
PARTNERD_METRICS_LISTEN=127.0.0.1:$mport
PARTNERD_LOG_FORMAT=json
EOF
(cd "$state" && env -i PATH=/usr/bin:/bin sh -c "set -a; . '$conf'; set +a; exec '$root/usr/sbin/partnerd' serve" \
	>"$work/serve.out" 2>"$work/serve.err") &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
ok=
for _ in $(seq 1 100); do
	if curl -fsS "http://127.0.0.1:$port/healthz" >"$work/healthz" 2>/dev/null; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] || { cat "$work/serve.err"; fail "the installed partnerd did not answer /healthz"; }
grep -q '"status":"ok"' "$work/healthz" || fail "/healthz: $(cat "$work/healthz")"
curl -fsS "http://127.0.0.1:$mport/metrics" | grep -q "partnerd_build_info{version=\"$version\"} 1" ||
	fail "the installed partnerd's metrics lack build_info $version"
grep -q 'first start: created a partner' "$work/serve.out" || fail "no first-start admin"
kill -TERM $pid
wait $pid || fail "partnerd did not stop cleanly"
trap - EXIT
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$work/serve.err" ||
	fail "the service's log is not JSON lines"
echo "test-package: the installed partnerd served /healthz and /metrics on 127.0.0.1:$port and stopped cleanly"
