"""
The interoperability matrix: which peers meet, and what each meeting plays.

This is the one place that lists the combinations; ``test_peers.py``
parametrizes over :data:`CASES` and ``test_browser.py`` covers Chromium.

Peers
    ``ours-asyncio`` and ``ours-sync``: this package's asyncio and threading
    APIs. ``upstream-asyncio`` and ``upstream-sync``: the same two scripts
    (``peers/*.py``) run by an interpreter that has the released websockets
    17.4. ``node-ws``: Node's ``ws`` library (``node/peer.mjs``).

Meetings
    Each of our two APIs meets each of the three other peers, once as the
    server and once as the client: 12 pairs.

Dimensions
    Compression: permessage-deflate negotiated or not, on every pair and
    scenario. Transport: plain TCP everywhere; TLS (certificates made with
    trustme) for the scenarios in :data:`TLS_SCENARIOS`, with deflate.

Scenarios (see ``peers/common.py`` for what exactly is sent)
    ``messages``: extensions negotiated on both sides, text and binary
    echoes, empty messages. ``fragmented``: fragmented text and binary sent
    by the client, a fragmented text message sent by the server.
    ``large``: 16 MiB binary (incompressible) and 16 MiB text echoes.
    ``ping``: the client pings; the server pings and reports the pong.
    ``close-by-client`` and ``close-by-server``: a close code and a
    non-ASCII reason, seen by both sides.

Where tests/asyncio/test_asyncio_interop.py and tests/sync/test_sync_interop.py
already meet the released websockets, they stay as a smoke test in the
default suite (which runs without Chromium and Node); this matrix is the
complete version.

"""

from __future__ import annotations

import dataclasses
import itertools


OURS = ["ours-asyncio", "ours-sync"]
THEIRS = ["upstream-asyncio", "upstream-sync", "node-ws"]
COMPRESSIONS = ["deflate", "none"]
SCENARIOS = [
    "messages",
    "fragmented",
    "large",
    "ping",
    "close-by-client",
    "close-by-server",
]
TLS_SCENARIOS = ["messages", "large", "close-by-server"]

# What both sides must report at the end of each scenario: the close code and
# reason of the closing handshake.
CLOSED = {
    "messages": "closed 1000 ",
    "fragmented": "closed 1000 ",
    "large": "closed 1000 ",
    "ping": "closed 1000 ",
    "close-by-client": "closed 4001 client bye é",
    "close-by-server": "closed 4002 server bye é",
}


@dataclasses.dataclass(frozen=True)
class Case:
    server: str
    client: str
    compression: str
    transport: str
    scenario: str

    @property
    def id(self) -> str:
        return "-".join(
            [
                f"{self.client}-to-{self.server}",
                self.compression,
                self.transport,
                self.scenario,
            ]
        )


def pairs() -> list[tuple[str, str]]:
    """(server, client) pairs where one side is ours and the other isn't."""
    result = []
    for ours, theirs in itertools.product(OURS, THEIRS):
        result.append((ours, theirs))
        result.append((theirs, ours))
    return result


def cases() -> list[Case]:
    result = []
    for server, client in pairs():
        for compression, scenario in itertools.product(COMPRESSIONS, SCENARIOS):
            result.append(Case(server, client, compression, "tcp", scenario))
        for scenario in TLS_SCENARIOS:
            result.append(Case(server, client, "deflate", "tls", scenario))
    return result


CASES = cases()
