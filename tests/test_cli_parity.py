"""
The command line client's exits and outputs, compared with websockets 17.4.

"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest


CALL_MAIN = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from websockets.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(json.loads(sys.argv[1]))
            outcome = "returned"
        except SystemExit as exc:
            outcome = f"SystemExit({exc.code!r})"
    print(json.dumps([outcome, out.getvalue(), err.getvalue()]))
    """
)


@pytest.mark.parametrize(
    "argv",
    [
        '["--version"]',
        '["--help"]',
        '["--insecure", "--help"]',
        '["--version", "ws://example.com/"]',
        "[]",
        '["--bogus"]',
        '["-h"]',
        '["ws://a/", "ws://b/"]',
    ],
)
def test_main_exits_like_websockets(argv, upstream):
    released = upstream.run(
        "-c", CALL_MAIN, argv, capture_output=True, text=True, timeout=60
    )
    ours = subprocess.run(
        [sys.executable, "-c", CALL_MAIN, argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert released.returncode == 0, released.stderr
    assert ours.returncode == 0, ours.stderr
    ours_outcome, ours_out, ours_err = json.loads(ours.stdout)
    if "--version" in argv:
        # The second line names this project: an intentional difference
        # (docs/differences.rst); the first line is the release's.
        first, second = ours_out.splitlines()
        assert second.startswith("websockets-speedy ")
        ours_out = first + "\n"
    assert [ours_outcome, ours_out, ours_err] == json.loads(released.stdout)
