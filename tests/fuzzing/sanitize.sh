#!/usr/bin/env bash
# Build the compiled kernels with AddressSanitizer and UndefinedBehaviorSanitizer
# in a copy of the tree, then run the kernel tests, the fuzz corpus and a short
# fuzz run against them. See docs/fuzzing.rst.
#
# Usage: tests/fuzzing/sanitize.sh [RUNS]
#   RUNS: mutated inputs per fuzz target (default 2000).
# Environment:
#   PYTHON     interpreter with Cython, pytest and hypothesis (default: .venv/bin/python)
#   ASAN_TREE  where to copy the tree (default: /tmp/asan-tree); it's replaced.
#
# The copy keeps the in-place .so files of the working tree untouched.

set -uo pipefail
set -e

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
TREE="${ASAN_TREE:-/tmp/asan-tree}"
RUNS="${1:-2000}"

case "$TREE" in
    /|"$ROOT") echo "refusing to use $TREE as the copy" >&2; exit 2 ;;
esac

echo "== copying $ROOT to $TREE"
rm -rf "$TREE"
mkdir -p "$TREE"
# No rsync on every machine: tar with exclusions does the same job.
tar -C "$ROOT" \
    --exclude=./.venv --exclude=./.git --exclude=./build --exclude=./dist \
    --exclude='*.so' --exclude='*.pyd' --exclude='__pycache__' \
    --exclude='./_speedups/*.c' --exclude='*.egg-info' \
    -cf - . | tar -C "$TREE" -xf -

echo "== building the kernels with ASan and UBSan"
cd "$TREE"
SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
# setup.py appends -O3 after CFLAGS; that's fine, sanitizers work at any level.
CFLAGS="$SANITIZE -O1" LDFLAGS="-fsanitize=address,undefined" BUILD_EXTENSION=yes \
    "$PYTHON" setup.py -q build_ext --inplace --build-temp "$TREE/build/asan" 2>&1 \
    | grep -v -E '^(warning|  warnings\.warn)' || true
ls websockets/_speedups/*.so >/dev/null

# The interpreter isn't instrumented: preload the ASan runtime. PYTHONMALLOC=malloc
# sends Python's allocations through ASan too, so overflows into bytes and
# bytearray objects are caught. Leaks are CPython's business, not ours.
LIBASAN="$(gcc -print-file-name=libasan.so)"
LIBUBSAN="$(gcc -print-file-name=libubsan.so)"
export LD_PRELOAD="$LIBASAN $LIBUBSAN"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export PYTHONMALLOC=malloc
export WEBSOCKETS_REQUIRE_SPEEDUPS=1
export PYTHONDONTWRITEBYTECODE=1

"$PYTHON" - <<PY
import websockets, websockets._accel as accel
assert websockets.__file__.startswith("$TREE"), websockets.__file__
assert set(accel.ACTIVE.values()) == {"compiled"}, accel.ACTIVE
print("sanitized kernels:", {name: c.__file__ for name, (_, c) in accel.REGISTRY.items()})
PY

LOG="$TREE/sanitize.log"
: > "$LOG"
status=0

echo "== kernel tests and fuzz smoke tests"
"$PYTHON" -m pytest -q -p no:cacheprovider \
    tests/test_mask.py tests/test_utf8.py tests/test_framing.py tests/fuzzing \
    2>&1 | tee -a "$LOG" || status=1

echo "== fuzz run: corpus plus $RUNS mutated inputs per target"
"$PYTHON" -m tests.fuzzing.run --target all --engine random --runs "$RUNS" --seed 1 \
    --artifacts "$TREE/fuzz-artifacts" 2>&1 | tee -a "$LOG" || status=1

# A sanitizer report aborts the process; test failures don't. Tell them apart.
if grep -q -E 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$LOG"; then
    echo "== sanitizers: ERRORS, see $LOG"
    exit 2
fi
echo "== sanitizers: clean"
if [ "$status" -ne 0 ]; then
    echo "== but some tests or fuzz targets failed (assertions, divergences), see $LOG"
fi
exit "$status"
