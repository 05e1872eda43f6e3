#!/usr/bin/env bash
# run.sh: build uvqq's libFuzzer targets with clang and run each for a
# bounded time on a copy of its corpus.
#
#	bash tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET]
#
# The corpus in the source tree is only read: each run fuzzes a fresh copy
# under BUILD_DIR, so CI never writes into the checkout. To keep what a long
# local run found, merge it back by hand (see tests/fuzz/README.md).
# Exits non-zero when a target fails to build or a fuzzer finds a crash,
# leak or timeout, and prints the reproducer's path.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILD_DIR [SECONDS_PER_TARGET]" >&2
	exit 2
fi
out=$1
secs=${2:-20}
case $secs in
''|*[!0-9]*)
	echo "$0: seconds must be a whole number, not '$secs'" >&2
	exit 2 ;;
esac
targets="frame stream net"
ntargets=3
# fuzz_lan runs discovery, which it may only do in a network namespace of
# its own: that takes root.
if [ "$(id -u)" = 0 ]; then
	targets="$targets lan"
	ntargets=4
else
	echo "fuzz_lan: skipped (it needs root for a network namespace of its own)"
fi

CC=${CC_FUZZ:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found; install clang and libFuzzer (Debian 12:" \
	    "apt-get install clang libclang-rt-14-dev)" >&2
	echo "0 passed, $ntargets failed"
	exit 1
fi
if ! pkg-config --exists libuv libsodium; then
	echo "fuzz: pkg-config cannot find libuv or libsodium (Debian: libuv1-dev libsodium-dev)" >&2
	echo "0 passed, $ntargets failed"
	exit 1
fi

mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)

# clang may be there without its runtime libraries (libFuzzer, ASan).
probe=$out/probe.c
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
    '{ (void)d; (void)n; return 0; }' >"$probe"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe" -o "$out/probe" \
    >"$out/probe.log" 2>&1; then
	cat "$out/probe.log" >&2
	echo "fuzz: $CC cannot link -fsanitize=fuzzer,address,undefined;" \
	    "install libFuzzer (Debian 12: apt-get install libclang-rt-14-dev)" >&2
	echo "0 passed, $ntargets failed"
	exit 1
fi

# UBSan must stop at the first finding, or libFuzzer never reports it.
cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=undefined -D_GNU_SOURCE -Wall -Wextra -Werror -I$root"
uv=$(pkg-config --cflags --libs libuv libsodium)
common="$root/net/proto.c $root/net/b64.c $root/src/utf8.c"
sources_frame="$here/fuzz_frame.c $common"
sources_stream="$here/fuzz_stream.c $here/net_stub.c $common
    $root/src/evq.c $root/net/link.c"
sources_net="$here/fuzz_net.c $common $root/src/evq.c $root/src/identity.c
    $root/net/addr.c $root/net/handshake.c $root/net/lan.c $root/net/link.c
    $root/net/net.c $root/net/net_peer.c $root/net/reach.c $root/net/seal.c
    $root/net/session.c"
sources_lan="$here/fuzz_lan.c ${sources_net#"$here/fuzz_net.c "}"

if sym=$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer \
    2>/dev/null | tail -n 1) && [ -n "$sym" ]; then
	export ASAN_SYMBOLIZER_PATH=$sym
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

passed=0
failed=0
for t in $targets; do
	bin=$out/fuzz_$t
	src=sources_$t
	# shellcheck disable=SC2086
	if ! "$CC" $cflags ${!src} $uv -o "$bin" >"$out/build_$t.log" 2>&1; then
		cat "$out/build_$t.log" >&2
		echo "fuzz_$t: FAILED to build"
		failed=$((failed + 1))
		continue
	fi

	corpus=$out/corpus_$t
	artifacts=$out/artifacts_$t
	rm -rf "$corpus" "$artifacts"
	mkdir -p "$corpus" "$artifacts"
	cp "$here/corpus/$t"/* "$corpus"/
	dict=()
	if [ -f "$here/$t.dict" ]; then
		dict=(-dict="$here/$t.dict")
	fi

	echo "fuzz_$t: ${secs}s on $(ls "$corpus" | wc -l) inputs"
	"$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 \
	    -max_len=70000 -print_final_stats=1 "${dict[@]}" \
	    -artifact_prefix="$artifacts/" "$corpus" >"$out/fuzz_$t.log" 2>&1
	rc=$?
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
	    "$out/fuzz_$t.log" | sed "s/^/fuzz_$t: /"
	if [ $rc -eq 0 ]; then
		echo "fuzz_$t: passed"
		passed=$((passed + 1))
		continue
	fi
	tail -n 60 "$out/fuzz_$t.log" >&2
	failed=$((failed + 1))
	found=$(ls "$artifacts" 2>/dev/null)
	if [ -n "$found" ]; then
		for a in $found; do
			echo "fuzz_$t: FAILED; reproducer: $artifacts/$a" \
			    "(replay: $bin $artifacts/$a)"
		done
	else
		echo "fuzz_$t: FAILED (exit $rc), see $out/fuzz_$t.log"
	fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
