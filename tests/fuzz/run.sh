#!/bin/sh
# Runs every libFuzzer target (fuzz_*) found under a build directory for a
# fixed time budget each. Builds nothing: configure with -DE2EE_BUILD_FUZZ=ON
# (clang) and build first. Exits non-zero if any target fails or none is found.
#   tests/fuzz/run.sh <build-dir> [seconds-per-target]   (default 30)
# Environment: FUZZ_TIMEOUT (s per input, default 10), FUZZ_RSS_MB (default
# 2048), FUZZ_ARGS (extra libFuzzer flags). Crash inputs are saved under
# <build-dir>/fuzz-artifacts/<target>/; the corpus grown by each run goes to
# <build-dir>/fuzz-corpus/<target>/ and is reused by the next run. A committed
# seed corpus in tests/fuzz/corpus/<target>/, if present, is read too.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 <build-dir> [seconds-per-target]" >&2
  exit 2
fi
build=$1
seconds=${2:-30}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
here=$(cd "$(dirname "$0")" && pwd)

case $seconds in
  ''|*[!0-9]*) echo "$0: seconds must be a positive integer, got '$seconds'" >&2; exit 2 ;;
esac
if [ ! -d "$build" ]; then
  echo "$0: no build directory '$build'" >&2
  exit 2
fi
build=$(cd "$build" && pwd)

targets=$(find "$build" -type f -name 'fuzz_*' -perm -u+x ! -name '*.*' | sort)
if [ -z "$targets" ]; then
  echo "$0: no fuzz_* binaries under $build (configure with -DE2EE_BUILD_FUZZ=ON and build)" >&2
  exit 1
fi

failed=""
for bin in $targets; do
  name=$(basename "$bin")
  corpus="$build/fuzz-corpus/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  seeds=""
  [ -d "$here/corpus/$name" ] && seeds="$here/corpus/$name"
  log="$artifacts/last-run.log"
  echo "== $name: ${seconds}s"
  # shellcheck disable=SC2086  # FUZZ_ARGS and seeds are word lists on purpose
  "$bin" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
    "$corpus" $seeds >"$log" 2>&1
  rc=$?
  grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$log" | sed 's/^/   /'
  if [ $rc -ne 0 ]; then
    echo "== $name: FAILED (exit $rc); log: $log" >&2
    grep -E 'MISMATCH|ERROR|SUMMARY|Test unit written' "$log" | head -20 >&2
    failed="$failed $name"
  else
    echo "== $name: ok"
  fi
done

if [ -n "$failed" ]; then
  echo "fuzz: FAILED:$failed" >&2
  exit 1
fi
echo "fuzz: all targets passed"
