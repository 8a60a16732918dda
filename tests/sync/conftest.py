"""
Fixtures for the tests of websockets.sync.

"""

from __future__ import annotations

import pathlib


REPO = pathlib.Path(__file__).resolve().parents[2]
