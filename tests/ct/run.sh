#!/bin/sh
# The constant-time check without ctest: runs ct_check under valgrind (must be
# clean) and each ct_selftest case (branch, table: must be flagged; clean: must
# pass). Builds nothing: build the targets ct_check and ct_selftest first.
#   tests/ct/run.sh <build-dir>
# Exits non-zero on any failure, including a self-test valgrind did not flag.
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 <build-dir>" >&2
  exit 2
fi
build=$1
if ! command -v valgrind >/dev/null 2>&1; then
  echo "$0: valgrind not found (apt-get install valgrind)" >&2
  exit 1
fi
find_bin() {
  find "$build" -type f -name "$1" -perm -u+x | head -n 1
}
check=$(find_bin ct_check)
selftest=$(find_bin ct_selftest)
if [ -z "$check" ] || [ -z "$selftest" ]; then
  echo "$0: ct_check / ct_selftest not found under $build (ninja ct_check ct_selftest)" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0

echo "== ct_check under valgrind"
if valgrind --error-exitcode=1 --track-origins=yes "$check" >"$log" 2>&1; then
  grep -E '^ct_check: (sha|hmac|[0-9]+ checks)' "$log" | sed 's/^/   /'
  echo "== ct_check: ok (no secret-dependent branch or address)"
else
  cat "$log" >&2
  echo "== ct_check: FAILED (see valgrind's report above)" >&2
  failed=1
fi

# expect_flagged <case> <regex>: valgrind must report <regex> and exit 99.
expect_flagged() {
  valgrind --error-exitcode=99 "$selftest" "$1" >"$log" 2>&1
  rc=$?
  if [ $rc -eq 99 ] && grep -q "$2" "$log" && grep -q "ct_selftest $1: done" "$log"; then
    echo "== ct_selftest $1: flagged, as it must be"
  else
    cat "$log" >&2
    echo "== ct_selftest $1: FAILED: not flagged (exit $rc); the check cannot see this leak" >&2
    failed=1
  fi
}
expect_flagged branch 'Conditional jump or move depends on uninitialised value'
expect_flagged table 'Use of uninitialised value of size'

if valgrind --error-exitcode=1 "$selftest" clean >"$log" 2>&1; then
  echo "== ct_selftest clean: ok"
else
  cat "$log" >&2
  echo "== ct_selftest clean: FAILED" >&2
  failed=1
fi

[ $failed -eq 0 ] && echo "ct: all checks passed"
exit $failed
