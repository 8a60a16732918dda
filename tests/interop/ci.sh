#!/usr/bin/env bash
#
# Interoperability tests with real peers: install the peers, then run
# tests/interop in both modes (compiled kernels, then pure Python).
#
#     bash tests/interop/ci.sh                  # install + run, both modes
#     bash tests/interop/ci.sh install          # only install the peers
#     bash tests/interop/ci.sh run [PYTEST ARGS]  # only run, e.g. -k node-ws
#
# Peers:
#   Chromium            Debian's package (apt-get install chromium), driven
#                       by Playwright from PyPI (no browser download)
#   Node.js and ws      apt-get install nodejs npm if node is missing;
#                       npm ci in tests/interop/node (package-lock.json)
#   websockets 17.4     the environment of tests/upstream.py (the user's
#                       cache directory), or $WEBSOCKETS_UPSTREAM_PYTHON
#
# Environment: PYTHON (interpreter with this package's test dependencies;
# default: build/ci/venv, then .venv, then python3), INTEROP_MODES (default:
# "compiled pure"). Screenshots go to build/artifacts/interop/, JUnit reports
# to build/artifacts/interop/junit-MODE.xml. Needs root for apt-get.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ARTIFACTS=$ROOT/build/artifacts/interop
NODE_DIR=$ROOT/tests/interop/node
MODES=${INTEROP_MODES:-compiled pure}

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

SUMMARY=()
log() { printf '\n==> %s\n' "$*"; }
note() { SUMMARY+=("$*"); }
die() {
    printf '\nFAILED: %s\n' "$*" >&2
    exit 1
}
. "$ROOT/tests/modes.sh"

APT_UPDATED=
apt_install() {
    [[ -n $APT_UPDATED ]] || { apt-get update -qq; APT_UPDATED=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" > "$ARTIFACTS/apt.log" 2>&1 \
        || { tail -n 20 "$ARTIFACTS/apt.log" >&2; die "apt-get install $*"; }
}

install_peers() {
    local start=$SECONDS python
    mkdir -p "$ARTIFACTS"

    if [[ ! -x /usr/bin/chromium ]]; then
        log "apt-get install chromium"
        apt_install chromium
    fi
    note "chromium: $(/usr/bin/chromium --version 2>/dev/null)"

    if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
        log "apt-get install nodejs npm"
        apt_install nodejs npm
    fi
    log "npm ci (ws)"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    note "node $(node --version), ws $(node -p "require('$NODE_DIR/node_modules/ws/package.json').version")"

    if ! "$PYTHON" -c 'import playwright' 2> /dev/null; then
        log "pip install playwright"
        "$PYTHON" -m pip install --quiet "playwright>=1.40"
    fi
    note "playwright $("$PYTHON" -m pip show playwright | sed -n 's/^Version: //p')"

    # The released websockets, in the environment that the tests' shared
    # fixture manages (tests/upstream.py): outside the working tree, checked.
    log "released websockets (tests/upstream.py)"
    python=$(cd "$ROOT" && "$PYTHON" -m tests.upstream)
    export WEBSOCKETS_UPSTREAM_PYTHON=$python
    note "released websockets $(cd / && "$python" -c 'import websockets; print(websockets.__version__)') in $python"

    note "install: $((SECONDS - start))s"
}

run_tests() {
    run_in_modes interop tests/interop "$@"
}

main() {
    local command=${1:-all} start=$SECONDS
    [[ $# -eq 0 ]] || shift
    case $command in
        install) install_peers ;;
        run) run_tests "$@" ;;
        all) install_peers; run_tests "$@" ;;
        *) die "unknown command: $command (commands: all install run)" ;;
    esac
    log "interop summary ($((SECONDS - start))s)"
    printf '%s\n' "${SUMMARY[@]}"
}

main "$@"
