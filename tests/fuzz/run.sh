#!/bin/sh
# run.sh TARGET... - runs each libFuzzer target of build/fuzz/ for $FUZZ_SECONDS (default 60),
# $FUZZ_JOBS (default 2) at a time, starting from its seed corpus tests/fuzz/corpus/TARGET/
# (copied: new inputs go to build/fuzz/corpus/, crashes to build/fuzz/crashes/).  Prints one
# line per target (runs, exec/s, coverage) and fails if any target found a crash or leak.
set -u
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
out=build/fuzz/runs
rm -rf "$out"
mkdir -p "$out" build/fuzz/crashes
one() {
	t=$1
	work=build/fuzz/corpus/$t
	mkdir -p "$work"
	[ -d tests/fuzz/corpus/$t ] && cp -r tests/fuzz/corpus/$t/. "$work/"
	if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
		./build/fuzz/$t -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix=build/fuzz/crashes/$t- "$work" >"$out/$t.log" 2>&1; then
		echo ok >"$out/$t.status"
	else
		echo FAIL >"$out/$t.status"
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1)
	printf '%-28s %-4s %10s runs %7s exec/s  %s\n' "$t" "$(cat "$out/$t.status")" "$runs" "$rate" "$cov"
}
# $jobs at a time: start a batch in the background, wait for it, start the next
n=0
for t in "$@"; do
	one "$t" &
	n=$((n + 1))
	[ $((n % jobs)) -eq 0 ] && wait
done
wait
fail=$(grep -l FAIL "$out"/*.status 2>/dev/null)
if [ -n "$fail" ]; then
	for f in $fail; do
		t=$(basename "$f" .status)
		echo "---- $t: ----"
		grep -A40 -m1 'ERROR\|runtime error\|==[0-9]*==' "$out/$t.log" | head -60
	done
	exit 1
fi
echo "fuzz: every target ran ${secs}s without a finding"
