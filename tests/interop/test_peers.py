"""
Our asyncio and threading APIs against Node's ws and the released websockets.

The combinations are listed in ``matrix.py``; the peers are programs under
``peers/`` and ``node/``, each in its own process.

"""

from __future__ import annotations

import pytest

from .harness import Process, check_library
from .matrix import CASES, CLOSED, Case


pytestmark = pytest.mark.interop


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_peers_exchange_messages_and_close(case: Case, runtimes, certs):
    certfile, cafile = certs.cert_path, certs.ca_path
    server_args = ["server", case.compression]
    client_tls: list[str] = []
    scheme = "ws"
    if case.transport == "tls":
        server_args += ["--certfile", str(certfile)]
        client_tls = ["--cafile", str(cafile)]
        scheme = "wss"

    server = Process(
        runtimes.command(case.server, *server_args),
        runtimes.env(case.server),
        f"{case.server} server",
    )
    try:
        ready, port, description = server.readline().split(" ", 2)
        assert ready == "ready", description
        check_library(case.server, description)

        uri = f"{scheme}://127.0.0.1:{port}/"
        client_args = ["client", uri, case.compression, case.scenario, *client_tls]
        client = Process(
            runtimes.command(case.client, *client_args),
            runtimes.env(case.client),
            f"{case.client} client",
        )
        try:
            library = client.readline()
            assert library.startswith("library "), library
            check_library(case.client, library.removeprefix("library "))
            client_closed = client.readline()
            assert client.readline() == "ok", client.describe()
            assert client.finish() == []
        finally:
            client.kill()
        server_closed = server.readline()
    finally:
        server_rest = server.finish()

    assert client_closed == CLOSED[case.scenario], client.describe()
    assert server_closed == CLOSED[case.scenario], server.describe()
    assert server_rest == [], server.describe()
