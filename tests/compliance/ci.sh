#!/usr/bin/env bash
#
# Autobahn|Testsuite subset for CI: both roles, both builds, a few minutes.
#
#     bash tests/compliance/ci.sh
#
# Installs the suite into .cache/autobahn on first use (needs Python 2.7, see
# tests/compliance/autobahn.py), runs sections 1-7 and 10 in full plus a
# sample of 9 (limits and performance) and of 12-13 (permessage-deflate),
# prints the summary and exits non-zero if any case failed.
#
# Environment:
#   PYTHON            interpreter with websockets' test dependencies and the
#                     compiled kernels built (default: build/ci/venv if it
#                     exists, else .venv, else python3)
#   AUTOBAHN_CASES    override the case patterns (comma-separated)
#   AUTOBAHN_JOBS     runs to do at once (default: 2)
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

CASES=${AUTOBAHN_CASES:-"1.*,2.*,3.*,4.*,5.*,6.*,7.*,10.*,\
9.1.1,9.1.2,9.2.1,9.2.2,9.3.4,9.4.4,9.5.1,9.6.1,9.7.1,9.8.1,\
12.1.1,12.1.5,12.2.1,12.3.1,12.4.1,12.5.1,\
13.1.1,13.1.5,13.2.1,13.3.1,13.4.1,13.5.1,13.6.1,13.7.1"}

export AUTOBAHN_REPORTS=${AUTOBAHN_REPORTS:-$ROOT/.cache/autobahn/reports-ci}

exec "$PYTHON" -m tests.compliance.run --jobs "${AUTOBAHN_JOBS:-2}" --timeout 600 \
    --cases "$CASES"
