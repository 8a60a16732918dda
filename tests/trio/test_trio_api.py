"""websockets.trio has the API of the released websockets' trio implementation."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest


DUMP = pathlib.Path(__file__).with_name("api_dump.py")


@pytest.mark.differential
def test_public_api_matches_released_websockets(upstream):
    # Names, parameters, defaults, coroutine-ness and trio base classes of
    # every public callable and method; annotations aren't compared.
    ours = subprocess.run(
        [sys.executable, str(DUMP)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    theirs = upstream.run(
        str(DUMP), capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert json.loads(ours) == json.loads(theirs)


def test_import_without_trio_names_the_extra():
    # sys.modules["trio"] = None makes "import trio" fail like a missing trio.
    code = (
        "import sys; sys.modules['trio'] = None\n"
        "import websockets, websockets.asyncio.client, websockets.sync.client\n"
        "try:\n"
        "    import websockets.trio\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "pip install websockets-speedy[trio]" in result.stdout


def test_nothing_else_imports_trio():
    code = (
        "import sys\n"
        "import websockets, websockets.asyncio.server, websockets.sync.server\n"
        "import websockets.asyncio.client, websockets.sync.client\n"
        "print('trio' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "False"
