"""
The counter example scaled out: three processes, Redis pub/sub in between.

Each client records what it receives as *segments*, one per connection: the
state values received over that connection, starting with the state sent on
connect. The tests check that:

* a client that stays connected receives every update, in the order Redis
  applied them, whichever process it's connected to: all such clients have
  the same single segment, starting from the initial value and moving by the
  deltas that clients requested;
* a client whose process dies reconnects, receives the current state, then
  every later update: each of its segments is a contiguous slice of that
  sequence, and the last one ends where it ends;
* the users count converges to the number of connected clients, including
  after a process was killed without a chance to clean up.

"""

from __future__ import annotations

import asyncio
import functools
import json
import random
from collections.abc import Callable

import pytest

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import backoff
from websockets.exceptions import ConnectionClosed

from .harness import Cluster


pytestmark = pytest.mark.scaleout

# A killed process's clients retry quickly. Since websockets reads the
# WEBSOCKETS_BACKOFF_* environment variables when it's imported, ci.sh sets
# them too, but the tests don't depend on the environment of the run.
RECONNECT_DELAYS = functools.partial(
    backoff, initial_delay=0.05, min_delay=0.05, max_delay=0.5, factor=2
)

# Bounds hangs only: the tests wait for conditions, not for durations.
TIMEOUT = 30.0


class Client:
    """
    A client of the counter application that records what it receives.

    Args:
        uri: URI of the server.
        label: Name of the client in failure messages.

    """

    def __init__(self, uri: str, label: str) -> None:
        self.uri = uri
        self.label = label
        self.segments: list[list[int]] = []
        """State values received, one list per connection."""
        self.processes: list[str] = []
        """Server process of each connection."""
        self.users: int | None = None
        """Last users count received."""
        self.connection: ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None
        self.stopping = False

    def __repr__(self) -> str:
        return f"<Client {self.label} on {self.processes}>"

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        # The reconnection loop of websockets: the iterator yields a new
        # connection after each disconnection, retrying with backoff while
        # the server is unreachable.
        async for connection in connect(self.uri, reconnect_delays=RECONNECT_DELAYS):
            self.segments.append([])
            assert connection.response is not None
            self.processes.append(connection.response.headers["X-Process"])
            self.users = None
            try:
                async for message in connection:
                    event = json.loads(message)
                    if event["type"] == "state":
                        self.segments[-1].append(event["value"])
                        if len(self.segments[-1]) == 1:
                            # Act only once the state has arrived.
                            self.connection = connection
                    elif event["type"] == "users":
                        self.users = event["count"]
                    else:
                        raise AssertionError(f"unexpected message: {message!r}")
            except ConnectionClosed:
                pass
            self.connection = None
            if self.stopping:
                break

    async def stop(self) -> None:
        """Close the connection normally (code 1000) and stop reconnecting."""
        assert self.task is not None
        self.stopping = True
        if self.connection is None:
            # Not connected, or waiting before reconnecting.
            self.task.cancel()
        else:
            await self.connection.close()
        await asyncio.gather(self.task, return_exceptions=True)

    @property
    def process(self) -> str | None:
        """Process of the current connection, if there's one."""
        return self.processes[-1] if self.connection is not None else None

    @property
    def values(self) -> list[int]:
        """State values received over the current or last connection."""
        return self.segments[-1] if self.segments else []

    async def act(self, actions: list[str]) -> None:
        """Send actions, one after the other."""
        assert self.connection is not None, f"{self} isn't connected"
        for action in actions:
            await self.connection.send(json.dumps({"action": action}))


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` is true."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), TIMEOUT)
    except asyncio.TimeoutError:
        pytest.fail(f"timed out waiting until {what}")


def random_actions(rng: random.Random, count: int) -> list[str]:
    return rng.choices(["plus", "minus"], weights=[3, 1], k=count)


def check_sequence(reference: list[int], actions: list[str]) -> None:
    """Check that ``reference`` applies ``actions`` from 0, in some order."""
    assert reference[0] == 0
    steps = [
        after - before
        for before, after in zip(reference[:-1], reference[1:], strict=True)
    ]
    assert sorted(steps) == sorted(+1 if action == "plus" else -1 for action in actions)


def is_slice(segment: list[int], reference: list[int]) -> bool:
    """Tell whether ``segment`` is a contiguous slice of ``reference``."""
    return any(
        reference[start : start + len(segment)] == segment
        for start in range(len(reference) - len(segment) + 1)
    )


async def connect_clients(cluster: Cluster) -> list[Client]:
    """Connect two clients to each process directly, six to the shared port."""
    clients = [
        Client(cluster.private_uri(index), f"private-{index}-{rank}")
        for index in range(len(cluster.processes))
        for rank in range(2)
    ]
    clients += [Client(cluster.shared_uri, f"shared-{rank}") for rank in range(6)]
    for client in clients:
        client.start()
    await until(
        lambda: all(client.connection is not None for client in clients),
        "all clients are connected",
    )
    return clients


async def test_every_client_sees_every_update_in_the_same_order(
    cluster: Cluster,
) -> None:
    clients = await connect_clients(cluster)
    try:
        # Every process has clients.
        names = {process.name for process in cluster.processes}
        assert {client.process for client in clients} == names

        # A client connecting receives the users count, which converges.
        await until(
            lambda: all(client.users == len(clients) for client in clients),
            f"all clients see {len(clients)} users",
        )

        # Every client sends actions concurrently, to every process.
        rng = random.Random(1)
        plan = {client: random_actions(rng, 10) for client in clients}
        actions = [
            action for client_actions in plan.values() for action in client_actions
        ]
        await asyncio.gather(*(client.act(plan[client]) for client in clients))
        await until(
            lambda: all(len(client.values) == 1 + len(actions) for client in clients),
            f"all clients receive {len(actions)} updates",
        )

        reference = clients[0].values
        check_sequence(reference, actions)
        for client in clients:
            assert client.segments == [reference], client
    finally:
        await asyncio.gather(*(client.stop() for client in clients))


async def test_clients_of_a_killed_process_reconnect_and_catch_up(
    cluster: Cluster,
) -> None:
    rng = random.Random(2)
    actions: list[str] = []
    clients = await connect_clients(cluster)
    try:
        victim = cluster.processes[1]
        await until(
            lambda: all(client.users == len(clients) for client in clients),
            f"all clients see {len(clients)} users",
        )

        # Before: every client acts.
        plan = {client: random_actions(rng, 5) for client in clients}
        actions += [
            action for client_actions in plan.values() for action in client_actions
        ]
        await asyncio.gather(*(client.act(plan[client]) for client in clients))
        await until(
            lambda: all(len(client.values) == 1 + len(actions) for client in clients),
            "all clients receive the first updates",
        )

        # During: clients of other processes keep acting while the victim
        # dies, so that updates are in flight when its clients reconnect.
        survivors = [client for client in clients if client.process != victim.name]
        victims = [client for client in clients if client.process == victim.name]
        assert survivors and victims
        # Clients connected to the victim's private port can't reconnect
        # until it restarts; clients connected to the shared port reconnect
        # to another process at once.
        stranded = [client for client in victims if client.uri != cluster.shared_uri]
        plan = {client: random_actions(rng, 5) for client in survivors}
        actions += [
            action for client_actions in plan.values() for action in client_actions
        ]
        await asyncio.gather(
            victim.kill(), *(client.act(plan[client]) for client in survivors)
        )

        # The users of the dead process stop counting when its key expires.
        connected = len(clients) - len(stranded)
        await until(
            lambda: all(
                client.users == connected
                for client in clients
                if client not in stranded
            ),
            f"connected clients see {connected} users",
        )

        # After: the victim restarts; its clients come back.
        await victim.start()
        await until(
            lambda: all(client.connection is not None for client in clients),
            "all clients are connected again",
        )
        assert all(client.process == victim.name for client in stranded)
        await until(
            lambda: all(client.users == len(clients) for client in clients),
            f"all clients see {len(clients)} users again",
        )

        plan = {client: random_actions(rng, 5) for client in clients}
        last_actions = [
            action for client_actions in plan.values() for action in client_actions
        ]
        actions += last_actions
        await asyncio.gather(*(client.act(plan[client]) for client in clients))
        await until(
            lambda: all(len(client.values) == 1 + len(actions) for client in survivors),
            "all clients that stayed connected receive every update",
        )
        reference = survivors[0].values
        await until(
            lambda: all(client.values[-1:] == reference[-1:] for client in clients),
            "all clients converge",
        )

        # Clients that stayed connected received every update, in order.
        check_sequence(reference, actions)
        for client in survivors:
            assert client.segments == [reference], client

        # Clients of the victim received the current state on reconnecting,
        # then every update after it, in the same order as everyone else.
        for client in victims:
            assert len(client.segments) >= 2, client
            assert client.segments[0] == reference[: len(client.segments[0])], client
            for segment in client.segments[1:]:
                assert is_slice(segment, reference), client
            last = client.segments[-1]
            assert last == reference[-len(last) :], client
            assert len(last) >= 1 + len(last_actions), client
    finally:
        await asyncio.gather(*(client.stop() for client in clients))
