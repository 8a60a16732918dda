#!/usr/bin/env bash
#
# Build the HTML documentation into build/docs, with warnings as errors.
#
#     bash docs/build.sh                     # uses .venv/bin/python
#     PYTHON=build/ci/venv/bin/python bash docs/build.sh
#
# Sphinx comes from docs/requirements.txt (pip install -r docs/requirements.txt).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

cd "$ROOT"
# -E: read every source again, so that a docstring change in the library
# shows up even when build/docs holds an earlier build.
exec "$PYTHON" -m sphinx -W --keep-going -E -q -b html docs build/docs "$@"
