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
. "$ROOT/tests/modes.sh"

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
    RUN_TIMEOUT=300 run_in_modes scaleout tests/scaleout "$@"
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
