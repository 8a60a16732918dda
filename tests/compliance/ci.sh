#!/usr/bin/env bash
#
# Autobahn|Testsuite subset for CI: both roles, both builds, a few minutes.
#
#     bash tests/compliance/ci.sh
#
# Installs the suite into .cache/autobahn on first use (needs Python 2.7, see
# tests/compliance/autobahn.py), runs sections 1-7, 9 and 10 in full plus a
# sample of 12-13 (permessage-deflate, messages up to 4 KiB),
# prints the summary and exits non-zero if any case failed.
#
# Environment:
#   PYTHON            interpreter with websockets' test dependencies and the
#                     compiled kernels built (default: build/ci/venv if it
#                     exists, else .venv, else python3)
#   AUTOBAHN_CASES    override the case patterns (comma-separated)
#   AUTOBAHN_EXCLUDE  cases to leave out (default: none)
#   AUTOBAHN_JOBS     runs to do at once (default: 2)
#   AUTOBAHN_IMPLS    I/O implementations under test (default: asyncio;
#                     asyncio,trio adds websockets.trio's server and client)
#   AUTOBAHN_REPORTS  where reports go (default: .cache/autobahn/reports-ci,
#                     to leave the reports of a full run alone)

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

if [[ -z ${PYTHON:-} ]]; then
    for candidate in "${CI_VENV:-build/ci/venv}/bin/python" .venv/bin/python; do
        if [[ -x $candidate ]]; then PYTHON=$candidate; break; fi
    done
    PYTHON=${PYTHON:-python3}
fi

CASES=${AUTOBAHN_CASES:-"1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*,\
12.1.1,12.1.5,12.2.1,12.2.5,12.3.1,12.3.5,12.4.1,12.4.5,12.5.1,12.5.5,\
13.1.1,13.1.5,13.2.1,13.2.5,13.3.1,13.3.5,13.4.1,13.4.5,13.5.1,13.5.5,\
13.6.1,13.6.5,13.7.1,13.7.5"}

# Nothing is left out by default: 7.1.5 (a close frame between fragments)
# passes since the protocol answers it with 1000 (RFC 6455 §5.4).
EXCLUDE=${AUTOBAHN_EXCLUDE-""}

export AUTOBAHN_REPORTS=${AUTOBAHN_REPORTS:-$ROOT/.cache/autobahn/reports-ci}

exec "$PYTHON" -m tests.compliance.run --jobs "${AUTOBAHN_JOBS:-2}" --timeout 600 \
    --impls "${AUTOBAHN_IMPLS:-asyncio}" \
    --cases "$CASES" --exclude "$EXCLUDE"
