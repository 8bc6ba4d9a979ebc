#!/usr/bin/env bash
# Measures what e2ee costs the compiler, and prints it (nothing is written).
#
#   1. An empty translation unit, and one that includes <e2ee/e2ee.hpp>, at -O2
#      with each compiler: the difference is what including the umbrella costs.
#      Beside it, the floors under that cost: a TU of only the standard
#      headers e2ee's headers include, one of only the x86 intrinsics headers
#      (e2ee/detail/x86/intrin.hpp, and <immintrin.h> for comparison), and a
#      TU that includes the umbrella and calls each Curve25519 function once
#      (what a program that uses them pays on top of the include).
#   2. The static_assert vectors: every tests/test_constexpr_*.cpp (or the files
#      given as arguments) compiled alone, against a TU made of the same file's
#      #include lines only; the difference is the file's own code, which in
#      these files is almost only static_asserts.
#
# Each figure is the median of E2EE_CT_RUNS runs (default 5), each run
# `<compiler> -std=c++20 -O2 -c`. CPU time (user + sys of the compiler) is the
# figure to compare, since it varies less than wall time on a shared machine;
# wall time is printed beside it.
#
# Usage: scripts/compile_time.sh [test files...]
# Environment: E2EE_CT_RUNS (runs per figure), E2EE_CT_COMPILERS (default
# "g++ clang++"; clang++-14 is used when clang++ is missing), E2EE_CT_FLAGS
# (extra flags, e.g. -O0).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${E2EE_CT_RUNS:-5}
read -r -a compilers <<<"${E2EE_CT_COMPILERS:-g++ clang++}"
read -r -a extra <<<"${E2EE_CT_FLAGS:-}"
if (($# > 0)); then files=("$@"); else files=(tests/test_constexpr_*.cpp); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'int main() { return 0; }\n' >"$work/empty.cpp"
printf '#include <e2ee/e2ee.hpp>\nint main() { return 0; }\n' >"$work/umbrella.cpp"
# The standard headers our headers include (those without .h; the platform
# headers are conditional), with <chrono> as e2ee/detail/chrono.hpp takes it,
# and without <cmath>, which only compilers other than GCC and Clang include
# (protocol/attachment.hpp uses their builtins).
{
  grep -rhE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<[a-z_]+>' include/e2ee | sed 's/^[[:space:]]*//' |
    grep -v -e '<chrono>' -e '<cmath>' | sort -u
  printf '#include <e2ee/detail/chrono.hpp>\nint main() { return 0; }\n'
} >"$work/std.cpp"
printf '#include <e2ee/detail/x86/intrin.hpp>\nint main() { return 0; }\n' >"$work/intrin.cpp"
printf '#include <immintrin.h>\nint main() { return 0; }\n' >"$work/immintrin.cpp"
cat >"$work/curve.cpp" <<'EOF2'
#include <e2ee/e2ee.hpp>
// One call of each Curve25519 function, with run-time inputs.
int main(int argc, char**) {
  std::array<std::uint8_t, 32> sk{};
  std::array<std::uint8_t, 64> rnd{};
  sk[0] = static_cast<std::uint8_t>(argc);
  const std::span<const std::uint8_t> msg(sk);
  const auto pk = e2ee::x25519::public_key(sk);
  const auto ss = e2ee::x25519::shared_secret(sk, pk);
  const auto kp = e2ee::ed25519::key_pair::from_seed(sk);
  const auto sig = e2ee::ed25519::sign(kp, msg);
  const auto xsig = e2ee::xeddsa::sign(sk, msg, rnd);
  const auto mont = e2ee::x25519::from_ed25519_public(kp.public_key);
  int r = e2ee::ed25519::verify(sig, kp.public_key, msg) ? 1 : 0;
  r += e2ee::xeddsa::verify(pk, msg, xsig) ? 1 : 0;
  r += ss.has_value() && mont.has_value() ? 1 : 0;
  return r;
}
EOF2

# measure <compiler> <file>: prints "cpu wall" (seconds, medians).
measure() {
  local cxx=$1 src=$2 i cpu=() wall=() t
  for ((i = 0; i < runs; i++)); do
    t=$( { TIMEFORMAT='%R %U %S'; time "$cxx" -std=c++20 -O2 "${extra[@]}" -Iinclude -Itests \
             -c "$src" -o "$work/out.o" >/dev/null 2>"$work/err" ; } 2>&1 ) || {
      echo "compile failed: $cxx $src" >&2
      cat "$work/err" >&2
      return 1
    }
    read -r w u s <<<"$t"
    wall+=("$w")
    cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')")
  done
  printf '%s %s\n' "$(printf '%s\n' "${cpu[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
                   "$(printf '%s\n' "${wall[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
}

row() { printf '%-44s %9s %9s %11s\n' "$@"; }

echo "e2ee compile time: median of $runs runs, -std=c++20 -O2 ${extra[*]} -c; seconds"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
for cxx in "${compilers[@]}"; do
  if ! command -v "$cxx" >/dev/null; then
    if [ "$cxx" = clang++ ] && command -v clang++-14 >/dev/null; then cxx=clang++-14; else
      echo "($cxx not found, skipped)"; continue
    fi
  fi
  echo
  echo "== $cxx ($("$cxx" --version | head -n 1))"
  row "translation unit" "cpu" "wall" "cpu - base"
  read -r base_cpu base_wall < <(measure "$cxx" "$work/empty.cpp")
  row "empty TU" "$base_cpu" "$base_wall" "-"
  read -r c w < <(measure "$cxx" "$work/umbrella.cpp")
  row "#include <e2ee/e2ee.hpp>" "$c" "$w" "$(awk -v a="$c" -v b="$base_cpu" 'BEGIN { printf "%.3f", a - b }')"
  read -r sc sw < <(measure "$cxx" "$work/std.cpp")
  row "  its standard headers only" "$sc" "$sw" "$(awk -v a="$sc" -v b="$base_cpu" 'BEGIN { printf "%.3f", a - b }')"
  read -r ic iw < <(measure "$cxx" "$work/intrin.cpp")
  row "  its x86 intrinsics headers only" "$ic" "$iw" "$(awk -v a="$ic" -v b="$base_cpu" 'BEGIN { printf "%.3f", a - b }')"
  read -r mc mw < <(measure "$cxx" "$work/immintrin.cpp")
  row "  (all of <immintrin.h>, for comparison)" "$mc" "$mw" "$(awk -v a="$mc" -v b="$base_cpu" 'BEGIN { printf "%.3f", a - b }')"
  read -r cc cw < <(measure "$cxx" "$work/curve.cpp")
  row "umbrella + each Curve25519 function called" "$cc" "$cw" "$(awk -v a="$cc" -v b="$base_cpu" 'BEGIN { printf "%.3f", a - b }')"
  for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "($f not found)"; continue; }
    name=$(basename "$f" .cpp)
    grep -E '^[[:space:]]*#[[:space:]]*include' "$f" >"$work/$name.includes.cpp"
    printf 'int main() { return 0; }\n' >>"$work/$name.includes.cpp"
    # Its quoted includes ("support/...") resolve through -Itests.
    read -r ic iw < <(measure "$cxx" "$work/$name.includes.cpp")
    read -r fc fw < <(measure "$cxx" "$f")
    row "$name: its #includes only" "$ic" "$iw" "-"
    row "$name: whole file" "$fc" "$fw" "$(awk -v a="$fc" -v b="$ic" 'BEGIN { printf "+%.3f", a - b }')"
  done
done
echo
echo "cpu - base: the umbrella against the empty TU; each test file against its own #include lines."
