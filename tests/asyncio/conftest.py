from __future__ import annotations

import os
import pathlib


REPO = pathlib.Path(__file__).resolve().parents[2]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
