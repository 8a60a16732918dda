"""
CLI scenarios: ``python -m websockets`` in a subprocess (exit status, output)
and ``websockets.cli.main`` called in the scenario's process.

"""

from __future__ import annotations


SCENARIOS: dict[str, str] = {}

_SUBPROCESS = r"""
rec("run", pyrun({args}, stdin={stdin}))
"""

SUBPROCESS = {
    "help": ("['-m', 'websockets', '--help']", "None"),
    "version": ("['-m', 'websockets', '--version']", "None"),
    "no_arguments": ("['-m', 'websockets']", "None"),
    "unknown_option": ("['-m', 'websockets', '--nope', 'ws://x/']", "None"),
    "invalid_uri": ("['-m', 'websockets', 'http://example.com/']", "''"),
    "connection_refused": ("['-m', 'websockets', 'ws://127.0.0.1:9/']", "''"),
}
for _name, (_args, _stdin) in SUBPROCESS.items():
    SCENARIOS[f"cli-run-{_name}"] = _SUBPROCESS.format(args=_args, stdin=_stdin)

# The CLI against a server of the same package: messages from stdin, and
# what the server says, on stdout.
SCENARIOS["cli-run-session"] = r"""
import subprocess
from websockets.sync.server import serve
def handler(ws):
    ws.send("welcome")
    ws.close(1001, "bye")
with serve(handler, "127.0.0.1", 0) as server:
    port = alias(server.socket.getsockname()[1], "PORT")
    thread = start_thread(server.serve_forever)
    command = [sys.executable] + (["-I"] if sys.flags.isolated else [])
    # stdin stays open: the server ends the session, not an EOF on stdin.
    process = subprocess.Popen(command + ["-m", "websockets", f"ws://127.0.0.1:{port}/"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()
    process.stdin.close()
    rec("run", [process.wait(10), out])
    server.shutdown()
    thread.join(5)
"""

_MAIN = r"""
import contextlib, io
from websockets.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    with catch("main"):
        rec("returned", main({argv}))
rec("stdout", out.getvalue())
rec("stderr", err.getvalue())
"""

MAIN = {
    "version": "['--version']",
    "help": "['--help']",
    "no_arguments": "[]",
    "invalid_uri": "['http://example.com/']",
}
for _name, _argv in MAIN.items():
    SCENARIOS[f"cli-main-{_name}"] = _MAIN.format(argv=_argv)
