#!/bin/sh
# deps.sh run|test|bench|fuzz|pkg - installs the Debian packages partnerd needs (as root, or through sudo),
# or prints the exact apt-get line when it cannot.  Quiet when everything is there.
set -e
run_pkgs="build-essential pkg-config libevent-dev libssl-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev libsodium-dev libutf8proc-dev libpq-dev libopencc-dev libopencc-data unicode-data bzip2"
# chromium + a CJK font: the portal's browser tests (tests/e2e, playwright-core from npm);
# postgresql (+ contrib: pg_trgm, btree_gin) and nginx: the PostgreSQL and many-instance tests
# prometheus (its server and promtool): the metrics tests (tests/api/test_metrics.py)
# python3-cryptography: the webhook tests verify the deliveries' signatures (tests/api/test_webhooks.py)
# postgresql-15-auto-failover (pg_autoctl): the failover tests (tests/ha, `make test-ha`)
test_pkgs="$run_pkgs libcriterion-dev python3 python3-pytest python3-cryptography chromium fonts-wqy-microhei postgresql postgresql-contrib nginx prometheus postgresql-15-auto-failover"
# `make bench` only: the load generator and the static-file reference (bench/README.md);
# postgresql (+ contrib, pgbench in its client): `BENCH_DB=postgresql make bench` (bench/run-pg)
bench_pkgs="$run_pkgs python3 wrk nginx postgresql postgresql-contrib libh2o-evloop-dev"
# `make test-package` only: the Debian package's build and checks (debian/, tests/package/)
pkg_pkgs="$run_pkgs dpkg-dev debhelper lintian systemd curl"
# `make fuzz` only: clang and its libFuzzer/sanitizer runtimes (tests/fuzz/)
fuzz_pkgs="$run_pkgs clang libclang-rt-14-dev"
case "$1" in
	test) pkgs=$test_pkgs ;;
	bench) pkgs=$bench_pkgs ;;
	fuzz) pkgs=$fuzz_pkgs ;;
	pkg) pkgs=$pkg_pkgs ;;
	*) pkgs=$run_pkgs ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ "$1" = test ] && ! command -v npm >/dev/null; then
	echo "deps: the browser tests need Node.js 20+ with npm (https://nodejs.org); not found on PATH"
	exit 1
fi
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" = 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$missing
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
	sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$missing
else
	echo "deps: missing Debian packages; install them with:"
	echo "  sudo apt-get install -y$missing"
	exit 1
fi
