#!/usr/bin/env bash
#
# Scale-out tests: install redis-server and redis-py if they're missing, then
# run tests/scaleout in both modes (compiled kernels, then pure Python).
#
#     bash tests/scaleout/ci.sh                   # install + run, both modes
#     bash tests/scaleout/ci.sh install           # only install
#     bash tests/scaleout/ci.sh run [PYTEST ARGS]  # only run
#
# Dependencies:
#   redis-server   Debian's package (apt-get install redis-server); the tests
#                  start their own instance on 127.0.0.1, on a free port,
#                  without persistence, in a temporary directory
#   redis          redis-py from PyPI, for examples/scaleout/server.py; part
#                  of the test extra of pyproject.toml
#
# Environment: PYTHON (interpreter with this package's test dependencies;
# default: build/ci/venv, then .venv, then python3), SCALEOUT_MODES (default:
# "compiled pure"). JUnit reports go to build/artifacts/scaleout/. Needs root
# for apt-get.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ARTIFACTS=$ROOT/build/artifacts/scaleout
MODES=${SCALEOUT_MODES:-compiled pure}

if [[ -z ${PYTHON:-} ]]; then
    for candidate in "$ROOT/build/ci/venv/bin/python" "$ROOT/.venv/bin/python"; do
        if [[ -x $candidate ]]; then
            PYTHON=$candidate
            break
        fi
    done
    PYTHON=${PYTHON:-python3}
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
unset WEBSOCKETS_NO_SPEEDUPS WEBSOCKETS_REQUIRE_SPEEDUPS || true
# Reconnect quickly in clients that don't pass reconnect_delays. websockets
# reads these when it's imported, so they must be set before Python starts.
export WEBSOCKETS_BACKOFF_INITIAL_DELAY=0.05
export WEBSOCKETS_BACKOFF_MIN_DELAY=0.05
export WEBSOCKETS_BACKOFF_MAX_DELAY=0.5

SUMMARY=()
log() { printf '\n==> %s\n' "$*"; }
note() { SUMMARY+=("$*"); }
die() {
    printf '\nFAILED: %s\n' "$*" >&2
    exit 1
}

install() {
    mkdir -p "$ARTIFACTS"
    if ! command -v redis-server > /dev/null; then
        log "apt-get install redis-server"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server > "$ARTIFACTS/apt.log" 2>&1 \
            || { tail -n 20 "$ARTIFACTS/apt.log" >&2; die "apt-get install redis-server"; }
    fi
    note "$(redis-server --version)"
    if ! "$PYTHON" -c 'import redis' 2> /dev/null; then
        log "pip install redis"
        "$PYTHON" -m pip install --quiet "redis>=5"
    fi
    note "redis-py $("$PYTHON" -c 'import redis; print(redis.__version__)')"
}

run_tests() {
    local mode variable report status counts start
    mkdir -p "$ARTIFACTS"
    # The compiled mode must test compiled kernels: check they load first.
    (cd "$ROOT" && WEBSOCKETS_REQUIRE_SPEEDUPS=1 "$PYTHON" -c 'import websockets._accel') \
        || die "the compiled kernels don't load; build them: $PYTHON setup.py build_ext --inplace"
    for mode in $MODES; do
        case $mode in
            compiled) variable=WEBSOCKETS_REQUIRE_SPEEDUPS ;;
            pure) variable=WEBSOCKETS_NO_SPEEDUPS ;;
            *) die "unknown mode: $mode (modes: compiled pure)" ;;
        esac
        log "pytest -m scaleout tests/scaleout ($mode)"
        start=$SECONDS
        report=$ARTIFACTS/junit-$mode.xml
        status=0
        (cd "$ROOT" && env "$variable=1" timeout --signal=INT --kill-after=30 300 \
            "$PYTHON" -m pytest -p no:cacheprovider -m scaleout tests/scaleout \
            --junitxml="$report" "$@") || status=$?
        [[ $status -eq 0 ]] || die "$mode: pytest exited with status $status"
        # No skips (team rule), and the run must have collected the tests.
        counts=$("$PYTHON" - "$report" <<'PY'
import sys
import xml.etree.ElementTree as ET

cases = list(ET.parse(sys.argv[1]).getroot().iter("testcase"))
skipped = [case.get("name") for case in cases if case.find("skipped") is not None]
if skipped:
    sys.exit(f"skipped tests: {', '.join(skipped)}")
if not cases:
    sys.exit("no tests ran")
print(f"{len(cases)} passed")
PY
        ) || die "$mode: checks on the test report failed"
        note "$mode: $counts in $((SECONDS - start))s"
    done
}

main() {
    local command=${1:-all} start=$SECONDS
    [[ $# -eq 0 ]] || shift
    case $command in
        install) install ;;
        run) run_tests "$@" ;;
        all) install; run_tests "$@" ;;
        *) die "unknown command: $command (commands: all install run)" ;;
    esac
    log "scaleout summary ($((SECONDS - start))s)"
    printf '%s\n' "${SUMMARY[@]}"
}

main "$@"
