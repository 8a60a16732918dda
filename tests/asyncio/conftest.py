from __future__ import annotations

import pathlib

from tests.children import child_env as subprocess_env  # noqa: F401


REPO = pathlib.Path(__file__).resolve().parents[2]
