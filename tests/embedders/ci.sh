#!/usr/bin/env bash
#
# Servers that embed websockets (uvicorn --ws auto, uvicorn --ws websockets,
# sanic), each in a fresh virtual environment beside this project's wheel:
# build the wheel once, then run tests/embedders in both modes (compiled
# kernels, then pure Python).
#
#     bash tests/embedders/ci.sh [PYTEST ARGS]
#
# pip installs uvicorn[standard] and sanic from the configured indexes
# (PyPI or a local mirror). Environment: PYTHON (interpreter with this
# package's test dependencies; default: build/ci/venv, then .venv, then
# python3), EMBEDDERS_MODES (default: "compiled pure"). JUnit reports go to
# build/artifacts/embedders/junit-MODE.xml.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ARTIFACTS=$ROOT/build/artifacts/embedders
MODES=${EMBEDDERS_MODES:-compiled pure}

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
unset WEBSOCKETS_NO_SPEEDUPS WEBSOCKETS_REQUIRE_SPEEDUPS WEBSOCKETS_SPEEDY || true

die() {
    printf '\nFAILED: %s\n' "$*" >&2
    exit 1
}

mkdir -p "$ARTIFACTS"
SUMMARY=()
log() { printf '\n==> %s\n' "$*"; }
note() { SUMMARY+=("$*"); }
. "$ROOT/tests/modes.sh"
run_in_modes embedders tests/embedders "$@"
printf '\n==> embedders summary\n'
printf '%s\n' "${SUMMARY[@]}"
